/// Requests.
#[obs::metric(counter)]
enum Requests {
    Get,
}

fn main() {}
