/// Latency.
#[obs::metric(histogram, unit = "seconds", unit = "bytes")]
struct Latency;

fn main() {}
