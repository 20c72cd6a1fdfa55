// Prometheus' grammar takes the largest unit first; `30m1h` is refused the same way in an alert and in a health
// check, with the grammar in the message.

/// Jobs waiting.
#[obs::metric(gauge, alert(name = "QueueBacklog", expr = "> 100", for = "30m1h", summary = "The queue is backing up"))]
struct QueueDepth;

#[obs::health_check(timeout = "30s1m")]
fn database() -> Result<(), String> {
    Ok(())
}

fn main() {
    QueueDepth.set(1);
    let _ = database();
}
