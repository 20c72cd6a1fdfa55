/// Jobs run.
#[obs::metric(counter, native)]
struct Jobs;

/// Time per job.
#[obs::metric(histogram, native = true)]
struct JobSeconds;

/// Time per request.
#[obs::metric(histogram, native, native)]
struct RequestSeconds;

fn main() {
    Jobs.inc();
    JobSeconds.observe(1.0);
    RequestSeconds.observe(1.0);
}
