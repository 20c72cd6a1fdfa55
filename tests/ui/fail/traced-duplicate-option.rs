#[obs::traced(kind = server, kind = client)]
fn handle() {}

fn main() {
    handle();
}
