// A bare `#[metric]` reports the missing kind once; the user's uses of the metric get no further errors.
/// Requests.
#[obs::metric]
struct Requests;

fn main() {
    Requests.inc();
    Requests.set(3);
    Requests.observe(0.25);
    Requests.with(("GET", 200)).inc_by(2);
}
