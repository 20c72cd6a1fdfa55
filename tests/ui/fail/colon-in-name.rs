/// Requests.
#[obs::metric(counter, name = "job:requests:rate5m")]
struct Requests;

fn main() {}
