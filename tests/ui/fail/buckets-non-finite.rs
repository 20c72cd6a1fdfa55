/// Latency.
#[obs::metric(histogram, buckets = [0.1, 1e999])]
struct Latency;

fn main() {}
