/// Requests.
#[obs::metric(counter)]
struct Requests {
    count: u64,
}

fn main() {}
