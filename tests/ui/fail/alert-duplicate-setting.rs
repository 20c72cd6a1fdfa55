/// Jobs waiting in the queue.
#[obs::metric(gauge, alert(name = "QueueBacklog", expr = "> 100", expr = "> 200", summary = "The queue is backing up"))]
struct QueueDepth;

fn main() {}
