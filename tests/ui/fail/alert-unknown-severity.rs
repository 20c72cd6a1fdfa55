/// Jobs waiting in the queue.
#[obs::metric(gauge, alert(name = "QueueBacklog", expr = "> 100", severity = "critcal", summary = "The queue is backing up"))]
struct QueueDepth;

fn main() {}
