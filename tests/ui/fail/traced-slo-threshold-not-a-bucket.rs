#[obs::traced(slo(success_rate = 0.999, latency(percentile = 0.99, threshold = 0.3)))]
fn checkout() {}

fn main() {
    checkout();
}
