/// Jobs waiting in the queue.
#[obs::metric(gauge, alert(name = "QueueBacklog", expr = "above 100", summary = "The queue is backing up"))]
struct QueueDepth;

fn main() {}
