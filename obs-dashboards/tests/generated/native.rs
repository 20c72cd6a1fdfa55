//! A native histogram is queried with native PromQL (one series, no `_bucket`, no `le`) in its panels and its
//! quantile alerts, as are the durations of a `#[traced(native)]` function in the RED panels and its latency SLO,
//! and the rules stay valid for `promtool check rules`.

use obs_dashboards::{generate, Function, Label, Metric, Model, Options, Slo};
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

    promtool_check_rules(&rules, "metric");
}

fn promtool_check_rules(rules: &str, case: &str) {
    let dir = std::env::temp_dir().join(format!("obs-native-rules-{case}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("rules.yml");
    std::fs::write(&file, rules).unwrap();
    let out = std::process::Command::new("promtool").arg("check").arg("rules").arg(&file).output().expect("promtool");
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn native_traced_durations_are_queried_with_native_promql() {
    let mut model = Model::default();
    let mut native = Function::new("checkout", "shop");
    native.native = true;
    native.slo = Some(Slo { name: "checkout".into(), success_rate: Some(0.99), latency: Some((0.95, 0.25)) });
    model.functions.push(native);
    model.functions.push(Function::new("browse", "shop"));
    let opts = Options { service: Some("shop".to_owned()), ..Options::default() };
    let a = generate(&model, &opts).unwrap();
    let exprs: Vec<String> = a
        .dashboards
        .iter()
        .flat_map(|(_, d)| d.panels.iter())
        .flat_map(|p| p.targets.iter().map(|t| t.expr.clone()))
        .filter(|e| e.starts_with("histogram_quantile(0.99") || e.starts_with("topk(10, histogram_quantile"))
        .collect();
    assert!(!exprs.is_empty());
    // Classic functions keep their `le` query; the native one is answered by the `or` over the native series.
    for e in &exprs {
        assert!(e.contains("rate(function_calls_duration_seconds_bucket{"), "{e}");
        assert!(
            e.contains(" or histogram_quantile(0.99, sum by (function, module) (rate(function_calls_duration_seconds{"),
            "{e}"
        );
    }

    let rules: String =
        a.files().into_iter().filter(|f| f.path.starts_with("prometheus/rules")).map(|f| f.contents).collect();
    assert!(
        rules.contains(
            "1 - histogram_fraction(0, 0.25, sum by (function, module) (rate(function_calls_duration_seconds{"
        ),
        "{rules}"
    );
    assert!(
        rules.contains("histogram_count(sum by (function, module) (rate(function_calls_duration_seconds{"),
        "{rules}"
    );
    promtool_check_rules(&rules, "traced");
    // promtool cannot write native input series: the latency objective has no generated rule test; availability has.
    let tests: String =
        a.files().into_iter().filter(|f| f.path.starts_with("prometheus/tests")).map(|f| f.contents).collect();
    assert!(!tests.contains("function_calls_duration_seconds_bucket"), "{tests}");
    assert!(tests.contains("function_calls_total"), "{tests}");
}
