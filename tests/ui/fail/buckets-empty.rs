/// Latency.
#[obs::metric(histogram, buckets = [])]
struct Latency;

fn main() {}
