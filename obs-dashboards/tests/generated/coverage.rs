//! Every catalog entry appears in at least one panel, and panels fit the kind.

use crate::common;

use obs_dashboards::{generate, Model, Options};
use obs_runtime::MetricKind;

fn exprs(model: &Model) -> Vec<String> {
    let a = generate(model, &Options::default()).unwrap();
    a.dashboards
        .iter()
        .flat_map(|(_, d)| d.panels.iter())
        .flat_map(|p| p.targets.iter().map(|t| t.expr.clone()))
        .collect()
}

/// Whether some query reads one of the metric's samples.
fn queried(exprs: &[String], sample: &str) -> bool {
    exprs.iter().any(|e| {
        e.match_indices(sample).any(|(i, _)| {
            let after = e[i + sample.len()..].chars().next();
            let before = e[..i].chars().last();
            !matches!(after, Some(c) if c.is_alphanumeric() || c == '_')
                && !matches!(before, Some(c) if c.is_alphanumeric() || c == '_')
        })
    })
}

fn assert_covered(model: &Model) {
    let exprs = exprs(model);
    for m in &model.metrics {
        let sample = match m.kind {
            MetricKind::Histogram if !m.native => format!("{}_bucket", m.name),
            _ => m.sample_name(),
        };
        assert!(queried(&exprs, &sample), "metric {} ({sample}) is in no panel", m.name);
    }
    for f in &model.functions {
        assert!(queried(&exprs, "function_calls_total"), "traced function {} is in no panel", f.function);
        assert!(queried(&exprs, "function_calls_duration_seconds_bucket"));
    }
    if !model.health_checks.is_empty() {
        for s in [
            "obs_health_check_up",
            "obs_health_score",
            "obs_health_check_duration_seconds",
            "obs_health_check_runs_total",
        ] {
            assert!(queried(&exprs, s), "{s} is in no panel");
        }
    }
    for s in ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds", "build_info", "up"] {
        assert!(queried(&exprs, s), "{s} is in no panel");
    }
}

#[test]
fn every_metric_of_the_fixture_is_in_a_panel() {
    assert_covered(&common::fixture());
}

/// Declared in this test binary, so the real catalog holds them beside obs' own metrics.
mod declared {
    #[derive(obs::LabelValue, Clone, Copy)]
    pub enum Kind {
        A,
        B,
    }
    #[derive(obs::Labels)]
    pub struct L {
        pub kind: Kind,
    }
    /// Jobs done.
    #[obs::metric(counter, labels = L)]
    pub struct CoverageJobs;
    /// Queue depth.
    #[obs::metric(gauge)]
    pub struct CoverageQueue;
    /// Job duration.
    #[obs::metric(histogram, unit = "seconds")]
    pub struct CoverageDuration;
    #[derive(obs::Labels)]
    pub struct V {
        pub version: &'static str,
    }
    /// Version.
    #[obs::metric(info, labels = V)]
    pub struct CoverageVersion;
}

#[test]
fn every_metric_of_the_real_catalog_is_in_a_panel() {
    use declared::*;
    CoverageJobs.with(L { kind: Kind::A }).inc();
    CoverageJobs.with(L { kind: Kind::B }).inc();
    CoverageQueue.set(1);
    CoverageDuration.observe(0.1);
    CoverageVersion.set(V { version: "1.0" });
    let model = Model::from_catalog(obs_runtime::catalog());
    assert!(model.metrics.iter().any(|m| m.name == "coverage_jobs"));
    assert!(model.metrics.iter().any(|m| m.name.starts_with("obs_")));
    assert_covered(&model);
}

#[test]
fn panels_fit_the_kind() {
    let a = generate(&common::fixture(), &Options::default()).unwrap();
    let (_, metrics) = &a.dashboards[1];
    let find =
        |title: &str| metrics.panels.iter().find(|p| p.title == title).unwrap_or_else(|| panic!("no panel {title}"));
    let counter = find("shop_payment_attempts_total (rate)");
    assert_eq!(counter.kind, "timeseries");
    assert!(counter.targets[0].expr.starts_with("sum by (outcome) (rate(shop_payment_attempts_total{"));
    assert!(counter.targets[0].expr.contains("outcome=~\"$outcome\""));
    assert_eq!(counter.description.as_deref(), Some("Payment attempts, by outcome."));
    let hist = find("shop_db_query_duration_seconds p50 / p90 / p99");
    assert!(hist.targets.iter().all(|t| t.exemplar && t.expr.starts_with("histogram_quantile(")));
    assert_eq!(hist.field_config.as_ref().unwrap().defaults.unit.as_deref(), Some("s"));
    assert_eq!(find("shop_db_query_duration_seconds distribution").kind, "heatmap");
    assert_eq!(find("shop_build_info").kind, "table");
    let ratio = find("shop_cache_hit_ratio");
    assert_eq!(ratio.field_config.as_ref().unwrap().defaults.unit.as_deref(), Some("percentunit"));
    let bytes = find("shop_payload_bytes p50 / p90 / p99");
    assert_eq!(bytes.field_config.as_ref().unwrap().defaults.unit.as_deref(), Some("bytes"));
    // Rows per module.
    let rows: Vec<&str> = metrics.panels.iter().filter(|p| p.kind == "row").map(|p| p.title.as_str()).collect();
    assert_eq!(
        rows,
        [
            "obs_runtime::self_metrics",
            "obs_runtime::server",
            "shop",
            "shop::cart",
            "shop::db",
            "shop::http",
            "shop::payments"
        ]
    );
    // Variables: datasource, job, instance, one per fixed label.
    let vars: Vec<&str> = metrics.templating.list.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(vars, ["datasource", "job", "instance", "method", "outcome", "status_class"]);
    // SLO panels on the overview.
    let (_, overview) = &a.dashboards[0];
    for t in ["objective", "SLI over the time range", "error budget remaining (30d)", "burn rate"] {
        assert!(
            overview
                .panels
                .iter()
                .any(|p| p.title.starts_with("checkout latency (shop::cart::checkout): ") && p.title.contains(t)),
            "no SLO panel `{t}`"
        );
    }
}

#[test]
fn an_empty_catalog_is_an_error_that_names_the_cure() {
    let mut model = Model::new("svc");
    model
        .metrics
        .push(obs_dashboards::Metric::new("obs_series", MetricKind::Gauge, "Series.").crate_name("obs-runtime"));
    let err = generate(&model, &Options::default()).unwrap_err().to_string();
    assert!(err.contains("use your_crate as _;"), "{err}");
    assert!(err.contains("rust-lang/rust#64731"), "{err}");
}
