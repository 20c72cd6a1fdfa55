/// Time to serve one request.
#[obs::metric(histogram, unit = "seconds", alert(name = "SlowRequests", expr = "> 0.5", summary = "Requests are slow"))]
struct RequestDuration;

fn main() {}
