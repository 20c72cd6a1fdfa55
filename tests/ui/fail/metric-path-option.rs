/// Requests.
#[obs::metric(counter, my::option = 1)]
struct Requests;

fn main() {}
