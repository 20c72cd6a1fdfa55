/// Jobs waiting in the queue.
#[obs::metric(gauge, counter = true)]
struct QueueDepth;

fn main() {}
