/// Latency.
#[obs::metric(histogram, buckets = [0.1, 0.5, 0.5, 0.25])]
struct Latency;

fn main() {}
