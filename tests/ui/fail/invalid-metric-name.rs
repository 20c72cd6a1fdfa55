/// Requests.
#[obs::metric(counter, name = "http-requests")]
struct Requests;

fn main() {}
