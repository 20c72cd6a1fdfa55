// A bare `///` is reported as an empty doc comment, on the comment, not as a missing one.
///
#[obs::metric(counter)]
struct Requests;

fn main() {
    Requests.inc();
}
