/// Requests.
#[obs::metric(countr)]
struct Requests;

fn main() {}
