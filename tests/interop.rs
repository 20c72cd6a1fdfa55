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
}
