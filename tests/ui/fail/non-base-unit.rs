/// Latency.
#[obs::metric(histogram, unit = "ms")]
struct Latency;

fn main() {}
