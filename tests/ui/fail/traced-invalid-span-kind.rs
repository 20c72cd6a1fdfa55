#[obs::traced(kind = sever)]
fn handle() {}

fn main() {
    handle();
}
