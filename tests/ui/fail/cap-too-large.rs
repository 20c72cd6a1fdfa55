/// Requests.
#[obs::metric(counter, cap = 99999999999)]
struct Requests;

fn main() {}
