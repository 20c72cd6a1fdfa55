#[obs::metric(histogram, unit = "ms", bukets = [1.0], cap = 0)]
struct Latency;

fn main() {
    // Every error above is reported in one build, and this use still resolves.
    Latency.observe(0.5);
}
