/// Requests.
#[obs::metric(counter)]
struct Requests;

fn main() {
    // The error lands on the user's argument, not in generated code.
    Requests.inc_by("one");
}
