#[obs::traced(metrics = false, in_flight)]
fn handle() {}

fn main() {
    handle();
}
