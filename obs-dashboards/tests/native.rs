//! A native histogram is queried with native PromQL (one series, no `_bucket`, no `le`) in its panels and its
//! quantile alerts, and the rules stay valid for `promtool check rules`.

use obs_dashboards::{generate, Label, Metric, Model, Options};
use obs_runtime::{AlertDesc, AlertOp, AlertSignal, MetricKind};

fn model() -> Model {
    let mut model = Model::default();
    model.metrics.push(
        Metric::new("shop_checkout_duration_seconds", MetricKind::Histogram, "Time to check out.")
            .module("shop::checkout")
            .crate_name("shop")
            .unit("seconds")
            .label(Label::dynamic("route"))
            .native()
            .alert(
                AlertDesc::new(
                    "SlowCheckout",
                    AlertSignal::Quantile { quantile: 0.99, window_seconds: 300 },
                    AlertOp::Gt,
                    0.5,
                )
                .summary("Checkout is slow"),
            ),
    );
    model
}

#[test]
fn native_histograms_are_queried_with_native_promql() {
    let opts = Options { service: Some("shop".to_owned()), ..Options::default() };
    let a = generate(&model(), &opts).unwrap();
    let exprs: Vec<String> = a
        .dashboards
        .iter()
        .flat_map(|(_, d)| d.panels.iter())
        .flat_map(|p| p.targets.iter().map(|t| t.expr.clone()))
        .filter(|e| e.contains("shop_checkout_duration_seconds"))
        .collect();
    assert!(!exprs.is_empty());
    assert!(exprs.iter().all(|e| !e.contains("_bucket") && !e.contains("le)") && !e.contains(", le")), "{exprs:#?}");
    assert!(
        exprs.iter().any(|e| e
            .starts_with("histogram_quantile(0.99, sum by (route) (rate(shop_checkout_duration_seconds{job=~\"$job\"")),
        "{exprs:#?}"
    );

    let rules: String =
        a.files().into_iter().filter(|f| f.path.starts_with("prometheus/rules")).map(|f| f.contents).collect();
    assert!(
        rules.contains("histogram_quantile(0.99, sum by (job, instance, route) (rate(shop_checkout_duration_seconds{"),
        "{rules}"
    );
    assert!(!rules.contains("shop_checkout_duration_seconds_bucket"), "{rules}");

    let dir = std::env::temp_dir().join(format!("obs-native-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("rules.yml");
    std::fs::write(&file, &rules).unwrap();
    let out = std::process::Command::new("promtool").arg("check").arg("rules").arg(&file).output().expect("promtool");
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}
