//! The fixed test catalog: every kind of entry the generator handles, built by hand so the golden files do not
//! move when obs' own metrics change.
#![allow(dead_code)]

use obs_dashboards::{Function, HealthCheck, Label, Metric, Model, Slo};
use obs_runtime::{AlertDesc, AlertOp, AlertSignal, MetricKind, Severity};
use std::path::{Path, PathBuf};

pub fn fixture() -> Model {
    let mut m = Model::new("shop");
    let outcome = Label::fixed("outcome", &["approved", "declined", "error"]);
    m.metrics = vec![
        Metric::new("shop_payment_attempts", MetricKind::Counter, "Payment attempts, by outcome.")
            .module("shop::payments")
            .crate_name("shop")
            .source("src/payments.rs", 12)
            .cap(200)
            .label(outcome.clone())
            .alert(
                AlertDesc::new("PaymentErrors", AlertSignal::Rate { window_seconds: 300 }, AlertOp::Gt, 0.5)
                    .for_seconds(600)
                    .severity(Severity::Critical)
                    .summary("Payments are failing"),
            ),
        Metric::new("shop_revenue_euros", MetricKind::Counter, "Value of paid orders.")
            .module("shop::payments")
            .crate_name("shop")
            .unit("euros")
            .alert(
                AlertDesc::new("NoRevenue", AlertSignal::Increase { window_seconds: 3600 }, AlertOp::Le, 0.0)
                    .for_seconds(900)
                    .severity(Severity::Warning)
                    .summary("No revenue for an hour")
                    .description("Nothing was sold in the last hour; is checkout broken?"),
            ),
        Metric::new("shop_cart_items", MetricKind::Gauge, "Items in open carts.")
            .module("shop::cart")
            .crate_name("shop")
            .alert(
                AlertDesc::new("CartsOverflowing", AlertSignal::Value, AlertOp::Ge, 1000.0)
                    .for_seconds(300)
                    .severity(Severity::Info)
                    .summary("Unusually many items in carts"),
            ),
        Metric::new("shop_db_query_duration_seconds", MetricKind::Histogram, "Time the database takes per query.")
            .module("shop::db")
            .crate_name("shop")
            .unit("seconds")
            .label(Label::dynamic("query"))
            .buckets(&[0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0])
            .alert(
                AlertDesc::new(
                    "SlowQueries",
                    AlertSignal::Quantile { quantile: 0.99, window_seconds: 300 },
                    AlertOp::Gt,
                    0.25,
                )
                .for_seconds(300)
                .summary("Database queries are slow"),
            ),
        Metric::new("shop_payload_bytes", MetricKind::Histogram, "Size of request payloads.")
            .module("shop::http")
            .crate_name("shop")
            .unit("bytes")
            .buckets(&[64.0, 256.0, 1024.0, 4096.0]),
        Metric::new("shop_cache_hit_ratio", MetricKind::Gauge, "Share of cache lookups that hit.")
            .module("shop::db")
            .crate_name("shop")
            .unit("ratio"),
        Metric::new("shop_build", MetricKind::Info, "Build information.")
            .module("shop")
            .crate_name("shop")
            .label(Label::dynamic("version")),
        Metric::new("http_server_requests", MetricKind::Counter, "HTTP requests served.")
            .module("obs_runtime::server")
            .crate_name("obs-runtime")
            .label(Label::fixed("method", &["get", "post"]))
            .label(Label::dynamic("route"))
            .label(Label::fixed("status_class", &["2xx", "4xx", "5xx"])),
        Metric::new("http_server_request_duration_seconds", MetricKind::Histogram, "HTTP request duration.")
            .module("obs_runtime::server")
            .crate_name("obs-runtime")
            .unit("seconds")
            .label(Label::fixed("method", &["get", "post"]))
            .label(Label::dynamic("route"))
            .buckets(&[0.005, 0.05, 0.5, 5.0]),
        Metric::new("http_server_requests_in_flight", MetricKind::Gauge, "HTTP requests being served.")
            .module("obs_runtime::server")
            .crate_name("obs-runtime"),
        Metric::new("obs_series", MetricKind::Gauge, "Series held, by metric.")
            .module("obs_runtime::self_metrics")
            .crate_name("obs-runtime")
            .label(Label::dynamic("metric")),
    ];
    let mut checkout = Function::new("checkout", "shop::cart");
    checkout.in_flight = true;
    checkout.buckets = vec![0.01, 0.05, 0.1, 0.25, 0.5, 1.0];
    checkout.slo = Some(Slo { name: "checkout".into(), success_rate: Some(0.999), latency: Some((0.99, 0.25)) });
    let browse = Function::new("browse", "shop::catalogue");
    let mut pay = Function::new("charge", "shop::payments");
    pay.slo = Some(Slo { name: "payments".into(), success_rate: Some(0.9), latency: None });
    // A method of a trait impl: its label has `<`, spaces and `::`, which every generated query must carry as is.
    let mut get = Function::new("<Cart as Store>::get", "shop::cart");
    get.slo = Some(Slo { name: "Cart_as_Store_get".into(), success_rate: None, latency: Some((0.99, 0.25)) });
    m.functions = vec![checkout, browse, pay, get];
    m.health_checks = vec![
        HealthCheck { name: "database".into(), critical: true },
        HealthCheck { name: "payment_provider".into(), critical: false },
    ];
    m.sort();
    m
}

/// A fresh, empty directory under the target directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let base = std::env::var_os("CARGO_TARGET_TMPDIR").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("obs-dashboards-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn write_all(files: &[obs_dashboards::File], dir: &Path) {
    for f in files {
        let p = dir.join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, &f.contents).unwrap();
    }
}
