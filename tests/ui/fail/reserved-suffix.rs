/// Queue depth.
#[obs::metric(gauge, name = "depth_total")]
struct Depth;

/// Latency.
#[obs::metric(histogram, name = "latency_count")]
struct Latency;

fn main() {}
