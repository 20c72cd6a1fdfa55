// After a misspelt kind, the metric stays usable as the kind the user meant: only the kind is reported.
/// Requests.
#[obs::metric(countr)]
struct Requests;

/// Jobs.
#[obs::metric(summary)]
struct Jobs;

fn main() {
    Requests.inc();
    Requests.inc_by(2);
    Jobs.observe(0.5);
    Jobs.with(()).inc();
}
