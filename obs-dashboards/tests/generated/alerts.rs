//! `alert(...)` on `#[obs::metric]`: the declaration reaches the catalog and becomes a rule.

use obs_dashboards::{generate, Model, Options};
use obs_runtime::{AlertOp, AlertSignal, Severity};

#[derive(obs::LabelValue, Clone, Copy)]
enum Outcome {
    Ok,
    Failed,
}

#[derive(obs::Labels)]
struct Job {
    outcome: Outcome,
}

/// Jobs waiting in the queue.
#[obs::metric(
    gauge,
    alert(
        name = "QueueBacklog",
        expr = "> 100",
        for = "5m",
        severity = "warning",
        summary = "The queue is backing up"
    )
)]
struct AlertsQueueDepth;

/// Jobs run, by outcome.
#[obs::metric(
    counter,
    labels = Job,
    alert(name = "JobsFailing", expr = ">= 0.5", rate = "10m", for = "1h30m", severity = "critical", summary = "Jobs fail", description = "More than one job every two seconds fails."),
    alert(name = "NoJobs", expr = "<= 0", increase = "1h", severity = "info", summary = "No jobs ran")
)]
struct AlertsJobs;

/// Job duration.
#[obs::metric(
    histogram,
    unit = "seconds",
    alert(name = "SlowJobs", quantile = 0.95, window = "15m", expr = "> 2", summary = "Jobs are slow")
)]
struct AlertsJobDuration;

#[test]
fn declared_alerts_reach_the_catalog() {
    AlertsQueueDepth.set(1);
    AlertsJobs.with(Job { outcome: Outcome::Ok }).inc();
    AlertsJobDuration.observe(0.1);
    let _ = Outcome::Failed;
    let catalog = obs_runtime::catalog();
    let q = catalog.metric("alerts_queue_depth").unwrap().desc().alerts;
    assert_eq!(q.len(), 1);
    assert_eq!((q[0].name, q[0].op, q[0].threshold), ("QueueBacklog", AlertOp::Gt, 100.0));
    assert_eq!((q[0].for_seconds, q[0].severity, q[0].signal), (300, Severity::Warning, AlertSignal::Value));
    let j = catalog.metric("alerts_jobs").unwrap().desc().alerts;
    assert_eq!(j[0].signal, AlertSignal::Rate { window_seconds: 600 });
    assert_eq!((j[0].for_seconds, j[0].severity), (5400, Severity::Critical));
    assert_eq!(j[0].description, "More than one job every two seconds fails.");
    assert_eq!(j[1].signal, AlertSignal::Increase { window_seconds: 3600 });
    assert_eq!(j[1].for_seconds, 300, "`for` defaults to 5m");
    let h = catalog.metric("alerts_job_duration_seconds").unwrap().desc().alerts;
    assert_eq!(h[0].signal, AlertSignal::Quantile { quantile: 0.95, window_seconds: 900 });
}

#[test]
fn declared_alerts_become_rules() {
    let model = Model::from_catalog(obs_runtime::catalog());
    let a = generate(&model, &Options::default()).unwrap();
    let rules = serde_norway::to_string(&a.rules).unwrap();
    for expected in [
        "alert: QueueBacklog\n    expr: alerts_queue_depth{job=",
        "} > 100\n    for: 5m",
        "expr: rate(alerts_jobs_total{job=",
        "}[10m]) >= 0.5\n    for: 90m",
        "expr: increase(alerts_jobs_total{job=",
        "expr: histogram_quantile(0.95, sum by (job, instance, le) (rate(alerts_job_duration_seconds_bucket{job=",
    ] {
        assert!(rules.contains(expected), "missing `{expected}` in\n{rules}");
    }
}
