#[obs::traced(slo(latency(percentile = 99.0, threshold = 0.25)))]
fn checkout() {}

fn main() {
    checkout();
}
