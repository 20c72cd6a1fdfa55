#[obs::metric(counter)]
struct Requests;

fn main() {
    // No cascade: the item is still emitted, so this use compiles.
    Requests.inc();
}
