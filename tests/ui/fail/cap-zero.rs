/// Requests.
#[obs::metric(counter, cap = 0)]
struct Requests;

fn main() {}
