const LIMIT: f64 = 1.0;

/// Latency.
#[obs::metric(histogram, buckets = [0.1, LIMIT, "2"])]
struct Latency;

/// Sizes.
#[obs::metric(histogram, buckets = 5)]
struct Sizes;

fn main() {}
