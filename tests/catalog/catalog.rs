//! Catalog completeness: every declaration linked into the binary, with everything it states, sorted.

// A crate that only declares metrics is dropped by the linker unless something names it; this line is the cure
// documented in the README, and the test below proves it works.
use peer_metrics as _;

use obs::{LabelValue, Labels, MetricKind};

#[derive(LabelValue, Clone, Copy)]
pub enum Region {
    Eu,
    #[label(rename = "us-east")]
    UsEast,
}

#[derive(Labels)]
pub struct Where {
    pub region: Region,
    #[label(name = "az")]
    pub zone: u8,
}

/// Bytes uploaded.
///
/// Only this first paragraph becomes HELP.
#[obs::metric(histogram, labels = Where, unit = "bytes", buckets = exponential(1024, 2, 3), cap = 50)]
pub struct Uploads;

/// Active sessions.
#[obs::metric(gauge, labels = Where)]
pub struct Sessions;

#[test]
fn the_catalog_describes_each_declaration_fully() {
    let c = obs::catalog();
    c.validate().expect("no conflicts");
    let m = c.metric("uploads_bytes").expect("declared in this file");
    assert_eq!(m.kind(), MetricKind::Histogram);
    assert_eq!(m.help(), "Bytes uploaded.");
    assert_eq!(m.unit(), Some("bytes"));
    assert_eq!(m.buckets(), &[1024.0, 2048.0, 4096.0]);
    assert_eq!(m.cap(), 50);
    let labels: Vec<_> = m.labels().iter().map(|l| (l.name, l.values)).collect();
    assert_eq!(labels, [("region", Some(&["eu", "us-east"][..])), ("az", None)]);
    let loc = m.location();
    assert!(loc.file.ends_with("tests/catalog/catalog.rs"), "{loc}");
    assert_eq!(loc.line, 27);
    assert_eq!(loc.module_path, "catalog::catalog");
    assert_eq!(m.crate_name(), "obs");
    assert_eq!(m.crate_version(), env!("CARGO_PKG_VERSION"));
    assert_eq!(m.namespace(), None);
    assert_eq!(m.sample_name(), "uploads_bytes");

    let s = c.metric("sessions").unwrap();
    assert_eq!((s.kind(), s.buckets().len(), s.cap()), (MetricKind::Gauge, 0, obs::DEFAULT_CAP));
}

#[test]
fn a_crate_named_only_by_use_as_underscore_is_linked_with_its_namespace() {
    let c = obs::catalog();
    let jobs = c.metric("peer_peer_jobs").expect("peer-metrics' counter is linked");
    assert_eq!(jobs.crate_name(), "peer-metrics");
    assert_eq!(jobs.crate_version(), "0.3.1");
    assert_eq!(jobs.namespace(), Some("peer"));
    assert_eq!(jobs.sample_name(), "peer_peer_jobs_total");
    assert!(jobs.location().file.ends_with("peer-metrics/src/lib.rs"));
    assert!(c.metric("peer_peer_queue_bytes").is_some());
}

#[test]
fn the_catalog_is_sorted_and_complete() {
    let names: Vec<&str> = obs::catalog().metrics().iter().map(|m| m.name()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    for expected in [
        "obs_cardinality_overflow",
        "obs_dropped_observations",
        "obs_series",
        "process_cpu_seconds",
        "http_server_requests",
        "build",
    ] {
        assert!(names.contains(&expected), "the runtime's {expected} missing from {names:?}");
    }
    // Exactly the declarations of this test crate and of peer-metrics (lean-lib, linked for lean_library, has its own).
    let user: Vec<&str> = obs::catalog()
        .metrics()
        .iter()
        .filter(|m| ["obs", "peer-metrics"].contains(&m.crate_name()))
        .map(|m| m.name())
        .collect();
    assert_eq!(user, ["peer_peer_jobs", "peer_peer_queue_bytes", "sessions", "uploads_bytes"]);
}
