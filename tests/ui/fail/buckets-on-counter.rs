/// Requests.
#[obs::metric(counter, buckets = [0.1, 1.0])]
struct Requests;

fn main() {}
