// `labels = T` where `T` does not derive `Labels` is reported once, on the type, however often `.with` is called.
struct Route {
    route: &'static str,
}

/// Requests.
#[obs::metric(counter, labels = Route)]
struct Requests;

fn main() {
    Requests.with(Route { route: "/" }).inc();
    Requests.with(Route { route: "/cart" }).inc_by(2);
    let _ = Requests.with(Route { route: "/checkout" }).get();
}
