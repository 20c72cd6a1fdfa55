//! Interop with the `prometheus` crate: a registry's families appear in obs' output, in both formats.

/// An obs counter next to the legacy ones.
#[obs::metric(counter)]
struct Modern;

#[test]
fn registry_families_are_merged_and_collisions_left_out() {
    let registry = prometheus::Registry::new();
    let legacy = prometheus::IntCounterVec::new(
        prometheus::Opts::new("legacy_requests_total", "Requests, the old way."),
        &["code"],
    )
    .unwrap();
    let clash = prometheus::IntGauge::new("modern_total", "Collides with obs' counter.").unwrap();
    let hist = prometheus::Histogram::with_opts(
        prometheus::HistogramOpts::new("legacy_latency", "Latency.").buckets(vec![0.5]),
    )
    .unwrap();
    registry.register(Box::new(legacy.clone())).unwrap();
    registry.register(Box::new(clash.clone())).unwrap();
    registry.register(Box::new(hist.clone())).unwrap();
    legacy.with_label_values(&["200"]).inc_by(4);
    clash.set(9);
    hist.observe(0.1);
    Modern.inc();
    obs::register_prometheus_registry(registry);

    let prom = obs::encode(obs::Format::Prometheus);
    assert!(prom.contains("# TYPE legacy_requests_total counter\nlegacy_requests_total{code=\"200\"} 4.0\n"), "{prom}");
    assert!(prom.contains("legacy_latency_bucket{le=\"0.5\"} 1\nlegacy_latency_bucket{le=\"+Inf\"} 1\n"), "{prom}");
    assert!(prom.contains("modern_total 1\n"));
    assert!(!prom.contains("modern_total 9"), "the colliding legacy family is left out");

    let om = obs::encode(obs::Format::OpenMetrics);
    assert!(om.contains("# TYPE legacy_requests counter\nlegacy_requests_total{code=\"200\"} 4.0\n"), "{om}");
    assert!(om.ends_with("# EOF\n"));

    // The catalog lists the merged families, and validate() reports the one left out, naming the sample.
    let merged = obs::catalog().merged();
    let names: Vec<(&str, obs::MetricKind)> = merged.iter().map(|f| (f.name.as_str(), f.kind)).collect();
    assert!(names.contains(&("legacy_requests", obs::MetricKind::Counter)), "{names:?}");
    assert!(names.contains(&("legacy_latency", obs::MetricKind::Histogram)), "{names:?}");
    let clash = merged.iter().find(|f| f.name == "modern_total").unwrap();
    assert_eq!(clash.shadowed_by.as_deref(), Some("modern_total"));
    let errors = obs::catalog().validate().unwrap_err();
    assert!(
        errors.0.contains(&obs::CatalogError::MergedCollision {
            family: "modern_total".into(),
            sample: "modern_total".into()
        }),
        "{errors}"
    );
    assert!(
        errors.to_string().contains("exposes the sample `modern_total`, which an obs declaration owns"),
        "{errors}"
    );

    // A second registry holding the same family, and one whose gauge would repeat the histogram's `_count`
    // sample: both are left out (the first registered is exposed), and validate() names each.
    let second = prometheus::Registry::new();
    let again = prometheus::IntCounterVec::new(
        prometheus::Opts::new("legacy_requests_total", "Requests, counted twice."),
        &["code"],
    )
    .unwrap();
    let count = prometheus::IntGauge::new("legacy_latency_count", "Repeats the histogram's count.").unwrap();
    second.register(Box::new(again.clone())).unwrap();
    second.register(Box::new(count.clone())).unwrap();
    again.with_label_values(&["200"]).inc_by(99);
    count.set(77);
    obs::register_prometheus_registry(second);
    let prom = obs::encode(obs::Format::Prometheus);
    assert_eq!(prom.matches("# TYPE legacy_requests_total counter\n").count(), 1, "{prom}");
    assert!(prom.contains("legacy_requests_total{code=\"200\"} 4.0\n"), "{prom}");
    assert!(!prom.contains(" 99") && !prom.contains(" 77"), "the later registry's copies are left out: {prom}");
    let errors = obs::catalog().validate().unwrap_err();
    for (family, sample) in
        [("legacy_requests", "legacy_requests_total"), ("legacy_latency_count", "legacy_latency_count")]
    {
        let want = obs::CatalogError::MergedDuplicate { family: family.into(), sample: sample.into() };
        assert!(errors.0.contains(&want), "{want:?} not in {errors}");
    }
    assert!(errors.to_string().contains("register each metric in one registry"), "{errors}");
}
