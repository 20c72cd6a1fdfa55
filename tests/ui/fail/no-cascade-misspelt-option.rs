// A misspelt `lables = Route` is reported once; the labels the user meant apply, so `.with(..)` still works.
#[derive(obs::Labels)]
struct Route {
    route: &'static str,
}

/// Requests.
#[obs::metric(counter, lables = Route)]
struct Requests;

fn main() {
    Requests.with(Route { route: "/" }).inc();
    Requests.with(Route { route: "/cart" }).inc_by(2);
}
