/// Latency.
#[obs::metric(histogram, buckets = exponential(0.0, 2.0, 5))]
struct Latency;

/// Sizes.
#[obs::metric(histogram, buckets = geometric(1, 2, 3))]
struct Sizes;

fn main() {}
