struct Route {
    route: &'static str,
}

/// Requests.
#[obs::metric(counter, labels = Route)]
struct Requests;

fn main() {}
