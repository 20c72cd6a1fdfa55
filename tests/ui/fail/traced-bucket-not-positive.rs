#[obs::traced(buckets = [0.0, 0.1, 1.0])]
fn work() {}

fn main() {}
