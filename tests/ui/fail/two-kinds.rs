/// Requests.
#[obs::metric(counter, gauge)]
struct Requests;

fn main() {}
