//! Two metrics that expose one name are a start-up error naming both source locations, even across crates.

use peer_metrics as _;

/// Clashes with peer-metrics' `peer_peer_jobs_total`.
#[obs::metric(counter, name = "peer_peer_jobs", namespace = "")]
struct SameName;

/// A histogram `latency` owns `latency_count`...
#[obs::metric(histogram, name = "latency")]
struct Latency;

/// ...so this gauge collides with it on a sample name.
#[obs::metric(gauge, name = "latency_count")]
struct LatencyCount;

#[test]
fn duplicates_are_reported_with_both_locations() {
    SameName.inc();
    Latency.observe(1.0);
    LatencyCount.set(1);
    let err = obs::catalog().validate().expect_err("duplicates are an error").to_string();
    assert!(err.contains("`peer_peer_jobs"), "{err}");
    assert!(err.contains("peer-metrics/src/lib.rs"), "names the peer crate's declaration: {err}");
    assert!(err.contains("tests/broken_catalog/duplicates.rs:7"), "names this file's declaration: {err}");
    assert!(err.contains("`latency_count`"), "{err}");
    assert!(
        err.contains("tests/broken_catalog/duplicates.rs:11") && err.contains("tests/broken_catalog/duplicates.rs:15"),
        "{err}"
    );

    // The exposition stays valid meanwhile: each name appears in one family only.
    let text = obs::encode(obs::Format::Prometheus);
    assert_eq!(text.matches("# TYPE peer_peer_jobs_total counter").count(), 1);
    assert_eq!(text.matches("# TYPE latency_count").count(), 0, "the later declaration is held back");
}

#[test]
fn duplicate_message_names_the_catalog_names_and_the_clashing_sample() {
    let err = obs::catalog().validate().expect_err("duplicates are an error").to_string();
    // The catalog names are the ones declared (a counter's has no `_total`), and the clashing sample is named apart.
    assert!(err.contains("metric `latency`") && err.contains("metric `latency_count`"), "{err}");
    assert!(err.contains("sample `latency_count`"), "{err}");
}
