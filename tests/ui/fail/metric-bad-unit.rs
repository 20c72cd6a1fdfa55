/// Latency.
#[obs::metric(histogram, unit = "Seconds")]
struct Latency;

fn main() {}
