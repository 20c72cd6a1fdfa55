/// Requests.
#[obs::metric(name = "requests")]
struct Requests;

fn main() {}
