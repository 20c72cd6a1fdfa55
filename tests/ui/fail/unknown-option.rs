/// Latency.
#[obs::metric(histogram, bukets = [0.1, 1.0])]
struct Latency;

fn main() {}
