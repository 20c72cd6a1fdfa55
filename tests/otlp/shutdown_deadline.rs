//! Dropping obs' guard returns within one export timeout whatever the OTLP collector does, with the default
//! settings and a full span ring; what could not go out by then is dropped and counted.

use obs::trace::{pipeline_stats, TracePipeline};
use std::time::{Duration, Instant};

use crate::collectors::{garbage_collector, silent_collector};

// The span pipeline and its counters are process-wide: the tests take turns, with the others of this binary.
use crate::common::{turn, PIPELINE};

/// The export timeout when `OTEL_EXPORTER_OTLP_TIMEOUT` is not set, as the OpenTelemetry specification says.
const DEFAULT_EXPORT_TIMEOUT: Duration = Duration::from_secs(10);
/// Spans one thread's ring holds.
const RING_CAPACITY: u64 = 2048;

#[obs::traced]
fn step(n: u64) -> u64 {
    n + 1
}

fn shutdown_dropped() -> u64 {
    let text = obs::encode(obs::Format::Prometheus);
    text.lines()
        .find_map(|l| l.strip_prefix("obs_spans_dropped_total{reason=\"shutdown_deadline\"} "))
        .map_or(0, |v| v.parse().unwrap())
}

/// Fills one thread's ring under a pipeline configured from the environment with only the endpoint set, drops
/// the guard, and returns how long the drop took. Checks that every span is exported or counted as dropped.
fn drop_with_full_ring(port: u16) -> Duration {
    let env = |k: &str| (k == "OTEL_EXPORTER_OTLP_ENDPOINT").then(|| format!("http://127.0.0.1:{port}"));
    let pipeline = TracePipeline::from_lookup(env).expect("valid settings");
    let (exported0, full0, failed0, _) = pipeline_stats();
    let shutdown0 = shutdown_dropped();
    let guard = obs::builder!()
        .without_server()
        .without_health_checks()
        .trace_pipeline(pipeline)
        .init()
        .expect("obs starts whether or not its collector is up");
    for i in 0..RING_CAPACITY {
        assert_eq!(step(i), i + 1);
    }
    let t = Instant::now();
    drop(guard);
    let took = t.elapsed();
    let (exported, full, failed, _) = pipeline_stats();
    let accounted = (exported - exported0) + (full - full0) + (failed - failed0) + (shutdown_dropped() - shutdown0);
    assert_eq!(accounted, RING_CAPACITY, "every span is exported or counted as dropped when the guard returns");
    took
}

#[test]
fn dropping_the_guard_with_a_silent_collector_takes_at_most_one_export_timeout() {
    let _lock = turn(&PIPELINE);
    let took = drop_with_full_ring(silent_collector());
    // The deadline is the timeout itself; the margin is the scheduler's, for the guard's last wake-up.
    assert!(took < DEFAULT_EXPORT_TIMEOUT + Duration::from_millis(500), "the guard's drop took {took:?}");
    assert!(shutdown_dropped() > 0, "what the silent collector never took is counted as dropped at the deadline");
}

#[test]
fn dropping_the_guard_with_a_garbage_collector_takes_at_most_one_export_timeout() {
    let _lock = turn(&PIPELINE);
    let took = drop_with_full_ring(garbage_collector());
    assert!(took < DEFAULT_EXPORT_TIMEOUT + Duration::from_millis(500), "the guard's drop took {took:?}");
}

#[test]
fn otel_exporter_otlp_timeout_sets_the_export_timeout_and_so_the_shutdown_deadline() {
    let _lock = turn(&PIPELINE);
    let port = silent_collector();
    let env = |k: &str| match k {
        "OTEL_EXPORTER_OTLP_ENDPOINT" => Some(format!("http://127.0.0.1:{port}")),
        "OTEL_EXPORTER_OTLP_TIMEOUT" => Some("1000".to_owned()),
        _ => None,
    };
    let guard = TracePipeline::from_lookup(env).expect("valid settings").install().expect("installs");
    for i in 0..RING_CAPACITY {
        step(i);
    }
    let t = Instant::now();
    drop(guard);
    let took = t.elapsed();
    assert!(took < Duration::from_millis(1500), "the guard's drop took {took:?}");

    let bad = |k: &str| (k == "OTEL_EXPORTER_OTLP_TIMEOUT").then(|| "10s".to_owned());
    let err = TracePipeline::from_lookup(bad).unwrap_err();
    assert_eq!(err.variable(), Some("OTEL_EXPORTER_OTLP_TIMEOUT"));
}
