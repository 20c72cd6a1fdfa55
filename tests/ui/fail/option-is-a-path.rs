#[obs::traced(obs::name = "work")]
fn work() {}

/// Jobs waiting in the queue.
#[obs::metric(gauge, alert(name = "QueueBacklog", expr = "> 100", summary = "The queue is backing up", self::severity = "page"))]
struct QueueDepth;

fn main() {}
