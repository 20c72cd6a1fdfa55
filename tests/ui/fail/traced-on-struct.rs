#[obs::traced]
struct Handler;

fn main() {
    let _ = Handler;
}
