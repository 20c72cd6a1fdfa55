#[obs::traced(slo(success_rate = 1.0))]
fn checkout() {}

fn main() {
    checkout();
}
