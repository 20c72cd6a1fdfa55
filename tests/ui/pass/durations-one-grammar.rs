//! Alerts and health checks read durations with one grammar, Prometheus': compound durations and every unit,
//! largest first, in both.

/// Jobs waiting.
#[obs::metric(gauge, alert(name = "QueueBacklog", expr = "> 100", for = "1h30m", summary = "The queue is backing up"))]
struct QueueDepth;

/// Jobs run.
#[obs::metric(counter, alert(name = "NoJobs", expr = "< 1", rate = "1w", for = "1d", summary = "No jobs ran"))]
struct Jobs;

#[obs::health_check(timeout = "1m30s", interval = "1h")]
fn database() -> Result<(), String> {
    Ok(())
}

fn main() {
    QueueDepth.set(1);
    Jobs.inc();
    let _ = database();
}
