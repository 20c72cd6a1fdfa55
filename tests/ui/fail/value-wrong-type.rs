/// Queue depth.
#[obs::metric(gauge, value = u64)]
struct Depth;

/// Latency.
#[obs::metric(histogram, value = f64)]
struct Latency;

fn main() {}
