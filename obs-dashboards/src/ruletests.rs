//! Rule unit tests in `promtool test rules` format: for every alert, series on which it fires and series on
//! which it stays quiet.

use crate::model::Metric;
use crate::options::Options;
use crate::rules::{self, AlertingRule, Case, BURN_ALERTS};
use crate::util::{bucket, count, dur, num, q};
use obs_runtime::families as fam;
use obs_runtime::names::LE;
use obs_runtime::{AlertOp, AlertSignal};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A `promtool test rules` file.
///
/// ```
/// let f = obs_dashboards::ruletests::RuleTestFile { rule_files: vec!["r.yml".into()], evaluation_interval: "1m".into(), tests: vec![] };
/// assert!(serde_norway::to_string(&f).unwrap().starts_with("rule_files:\n- r.yml\n"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleTestFile {
    /// The rule files under test, relative to this file.
    pub rule_files: Vec<String>,
    /// How often rules are evaluated.
    pub evaluation_interval: String,
    /// Test groups.
    pub tests: Vec<TestGroup>,
}

/// Input series and what must (not) fire on them.
///
/// ```
/// let g = obs_dashboards::ruletests::TestGroup { name: "t".into(), interval: "1m".into(), input_series: vec![], alert_rule_test: vec![], promql_expr_test: vec![] };
/// assert_eq!(g.interval, "1m");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestGroup {
    /// What the scenario is.
    pub name: String,
    /// Spacing of the input samples.
    pub interval: String,
    /// Synthetic series.
    pub input_series: Vec<InputSeries>,
    /// Expectations.
    pub alert_rule_test: Vec<AlertTestCase>,
    /// Expected values of expressions (recording rules).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub promql_expr_test: Vec<ExprTestCase>,
}

/// The samples an expression must return at one time.
///
/// ```
/// let c = obs_dashboards::ruletests::ExprTestCase { expr: "vector(1)".into(), eval_time: "1m".into(), exp_samples: vec![] };
/// assert!(c.exp_samples.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExprTestCase {
    /// PromQL.
    pub expr: String,
    /// When, from the start of the series.
    pub eval_time: String,
    /// Every sample expected.
    pub exp_samples: Vec<ExpSample>,
}

/// One expected sample: its labels as a series selector, and its value.
///
/// ```
/// let s = obs_dashboards::ruletests::ExpSample { labels: "{slo=\"a\"}".into(), value: 1.0 };
/// assert_eq!(s.value, 1.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpSample {
    /// `name{label="value",...}`.
    pub labels: String,
    /// The value.
    pub value: f64,
}

/// One synthetic series, in promtool's expanding notation (`0+10x30`).
///
/// ```
/// let s = obs_dashboards::ruletests::InputSeries { series: "up{job=\"a\"}".into(), values: "1+0x10".into() };
/// assert!(s.values.contains('x'));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputSeries {
    /// `name{label="value",...}`.
    pub series: String,
    /// Values.
    pub values: String,
}

/// The alerts of one name expected at one time (none: it must stay quiet).
///
/// ```
/// let c = obs_dashboards::ruletests::AlertTestCase { eval_time: "10m".into(), alertname: "TargetDown".into(), exp_alerts: vec![] };
/// assert!(c.exp_alerts.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertTestCase {
    /// When, from the start of the series.
    pub eval_time: String,
    /// The alert.
    pub alertname: String,
    /// Every alert of that name expected to fire.
    pub exp_alerts: Vec<ExpAlert>,
}

/// One expected alert: all its labels (but `alertname`) and annotations.
///
/// ```
/// let a = obs_dashboards::ruletests::ExpAlert { exp_labels: Default::default(), exp_annotations: Default::default() };
/// assert!(a.exp_labels.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpAlert {
    /// Labels.
    pub exp_labels: BTreeMap<String, String>,
    /// Annotations.
    pub exp_annotations: BTreeMap<String, String>,
}

const INSTANCE: &str = "test-instance:9000";

type Labels = Vec<(String, String)>;

fn series(name: &str, labels: &Labels) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={}", crate::util::q(v))).collect();
    format!("{name}{{{}}}", inner.join(", "))
}

fn counter(step: f64, n: u64) -> String {
    format!("0+{}x{n}", num(step))
}

fn constant(v: f64, n: u64) -> String {
    format!("{}+0x{n}", num(v))
}

fn expect(rule: &AlertingRule, labels: &Labels) -> ExpAlert {
    let mut exp_labels: BTreeMap<String, String> = labels.iter().cloned().collect();
    for (k, v) in &rule.labels {
        exp_labels.insert(k.clone(), v.clone());
    }
    ExpAlert { exp_labels, exp_annotations: rule.annotations.clone() }
}

fn case(eval: u64, rule: &AlertingRule, fires: Option<&Labels>) -> AlertTestCase {
    AlertTestCase {
        eval_time: dur(eval),
        alertname: rule.alert.clone(),
        exp_alerts: fires.map(|l| vec![expect(rule, l)]).unwrap_or_default(),
    }
}

fn group(name: String, interval: u64, input_series: Vec<InputSeries>, tests: Vec<AlertTestCase>) -> TestGroup {
    TestGroup { name, interval: dur(interval), input_series, alert_rule_test: tests, promql_expr_test: Vec::new() }
}

/// Values of a signal on which `op threshold` holds (`.0`) and does not (`.1`); `nonneg` for rates.
fn pick(op: AlertOp, t: f64, nonneg: bool) -> (Option<f64>, Option<f64>) {
    let above = t.abs() * 2.0 + 1.0;
    let below = if nonneg { (t > 0.0).then_some(t / 2.0) } else { Some(t - (t.abs() + 1.0)) };
    let at = (!nonneg || t >= 0.0).then_some(t);
    let at_or_below = if nonneg { (t >= 0.0).then_some(t / 2.0) } else { below };
    match op {
        AlertOp::Gt => (Some(above), at_or_below),
        AlertOp::Ge => (Some(above), below),
        AlertOp::Lt => (below, Some(above)),
        AlertOp::Le => (at_or_below, Some(above)),
        AlertOp::Eq => (at, Some(above)),
        AlertOp::Ne => (Some(above), at),
    }
}

fn holds(op: AlertOp, v: f64, t: f64) -> bool {
    match op {
        AlertOp::Gt => v > t,
        AlertOp::Ge => v >= t,
        AlertOp::Lt => v < t,
        AlertOp::Le => v <= t,
        AlertOp::Eq => v == t,
        AlertOp::Ne => v != t,
    }
}

/// What `histogram_quantile(q, ..)` returns when every observation falls into bucket `i` (`i == len`: `+Inf`).
fn quantile_in_bucket(buckets: &[f64], i: usize, q: f64) -> f64 {
    if i == buckets.len() {
        return buckets[buckets.len() - 1];
    }
    if i == 0 && buckets[0] <= 0.0 {
        return buckets[0];
    }
    let start = if i == 0 { 0.0 } else { buckets[i - 1] };
    start + (buckets[i] - start) * q
}

fn metric_labels(m: &Metric, job: &str) -> Labels {
    let mut l = vec![("job".to_owned(), job.to_owned()), ("instance".to_owned(), INSTANCE.to_owned())];
    for lab in &m.labels {
        let v = lab.values.as_ref().and_then(|v| v.first().cloned()).unwrap_or_else(|| "example".to_owned());
        l.push((lab.name.clone(), v));
    }
    l
}

/// The series on which a threshold alert's signal equals `v`, or `None` if no such series exists.
fn threshold_series(
    m: &Metric,
    signal: AlertSignal,
    v: f64,
    scale: u32,
    interval: u64,
    n: u64,
    labels: &Labels,
) -> Option<Vec<InputSeries>> {
    let sc = |w: u64| (w / u64::from(scale.max(1))).max(1) as f64;
    let iv = interval as f64;
    Some(match signal {
        AlertSignal::Value => vec![InputSeries { series: series(&m.sample_name(), labels), values: constant(v, n) }],
        AlertSignal::Rate { .. } => {
            vec![InputSeries { series: series(&m.sample_name(), labels), values: counter(v * iv, n) }]
        }
        AlertSignal::Increase { window_seconds } => vec![InputSeries {
            series: series(&m.sample_name(), labels),
            values: counter(v / sc(window_seconds) * iv, n),
        }],
        AlertSignal::Quantile { .. } => {
            unreachable!("{}: quantiles use quantile_series", m.name)
        }
    })
}

/// Histogram buckets with every observation in the bucket chosen so that the quantile does (or does not) satisfy the
/// condition.
#[allow(clippy::too_many_arguments)] // the scenario's parts, all needed
fn quantile_series(
    m: &Metric,
    q: f64,
    op: AlertOp,
    t: f64,
    want: bool,
    interval: u64,
    n: u64,
    labels: &Labels,
) -> Option<Vec<InputSeries>> {
    // promtool 2.42 has no notation for native histogram input series: such an alert gets no generated test.
    if m.buckets.is_empty() || m.native {
        return None;
    }
    let i = (0..=m.buckets.len()).find(|&i| holds(op, quantile_in_bucket(&m.buckets, i, q), t) == want)?;
    let step = 10.0 * interval as f64;
    let mut out = Vec::new();
    for j in 0..=m.buckets.len() {
        let le = if j == m.buckets.len() { "+Inf".to_owned() } else { obs_runtime::format_f64(m.buckets[j]) };
        let mut l = labels.clone();
        l.push((LE.to_owned(), le));
        out.push(InputSeries {
            series: series(&bucket(&m.name), &l),
            values: counter(if j >= i { step } else { 0.0 }, n),
        });
    }
    Some(out)
}

/// The test interval: one minute (scaled), shorter if an alert's window needs it.
fn interval(cases: &[Case], opts: &Options) -> u64 {
    let mut iv = opts.scaled(60);
    for c in cases {
        if let Case::Threshold { alert, .. } = c {
            let w = match alert.signal {
                AlertSignal::Value => continue,
                AlertSignal::Rate { window_seconds }
                | AlertSignal::Increase { window_seconds }
                | AlertSignal::Quantile { window_seconds, .. } => opts.scaled(window_seconds),
            };
            while iv > 1 && iv * 5 > w {
                iv = (1..iv).rev().find(|d| 60 % d == 0 || *d == 1).unwrap_or(1);
            }
        }
    }
    iv
}

pub(crate) fn generate(cases: &[Case], opts: &Options, job: &str, rule_file: &str) -> RuleTestFile {
    let iv = interval(cases, opts);
    let steps = |t: u64| t.div_ceil(iv) + 1;
    let round = |t: u64| t.div_ceil(iv) * iv;
    let mut tests = Vec::new();
    for c in cases {
        match c {
            // promtool 2.42 has no notation for native histogram input series: a latency objective over native
            // durations gets no generated test.
            Case::Slo { objective: o, .. } if o.native && o.threshold.is_some() => {}
            Case::Slo { objective: o, alerts, absent } => {
                let budget = 1.0 - o.objective;
                let eval = round(opts.scaled(30 * 60));
                let n = steps(eval);
                let labels: Labels = vec![
                    ("job".to_owned(), job.to_owned()),
                    ("instance".to_owned(), INSTANCE.to_owned()),
                    ("function".to_owned(), o.function.clone()),
                    ("module".to_owned(), o.module.clone()),
                ];
                let input = |total: f64, bad_ratio: f64| -> Vec<InputSeries> {
                    let bad = total * bad_ratio;
                    match o.threshold {
                        None => {
                            let mut ok = labels.clone();
                            ok.push(("result".to_owned(), "ok".to_owned()));
                            let mut err = labels.clone();
                            err.push(("result".to_owned(), "error".to_owned()));
                            vec![
                                InputSeries {
                                    series: series(&crate::util::total(fam::FUNCTION_CALLS), &ok),
                                    values: counter(total - bad, n),
                                },
                                InputSeries {
                                    series: series(&crate::util::total(fam::FUNCTION_CALLS), &err),
                                    values: counter(bad, n),
                                },
                            ]
                        }
                        Some(t) => {
                            let mut le = labels.clone();
                            le.push((LE.to_owned(), obs_runtime::format_f64(t)));
                            vec![
                                InputSeries {
                                    series: series(&bucket(fam::FUNCTION_CALLS_DURATION_SECONDS), &le),
                                    values: counter(total - bad, n),
                                },
                                InputSeries {
                                    series: series(&count(fam::FUNCTION_CALLS_DURATION_SECONDS), &labels),
                                    values: counter(total, n),
                                },
                            ]
                        }
                    }
                };
                let mut exp_labels = labels.clone();
                exp_labels.retain(|(k, _)| k == "function" || k == "module");
                exp_labels.push(("slo".to_owned(), o.slo.clone()));
                exp_labels.push(("sli".to_owned(), o.sli.to_owned()));
                let fire_ratio = (budget * 20.0).min(1.0);
                let what = format!("{} {} of {}::{}", o.slo, o.sli, o.module, o.function);
                tests.push(group(
                    format!(
                        "{what}: {}% bad calls burn the budget; each window pair whose factor is exceeded fires",
                        num(fire_ratio * 100.0)
                    ),
                    iv,
                    input(1000.0, fire_ratio),
                    alerts
                        .iter()
                        .zip(BURN_ALERTS)
                        .map(|(a, (.., factor, _, _))| {
                            case(eval, a, (fire_ratio > factor * budget).then_some(&exp_labels))
                        })
                        .collect(),
                ));
                tests.push(group(
                    format!("{what}: {}% bad calls, within budget: quiet", num(budget * 50.0)),
                    iv,
                    input(1000.0, budget / 2.0),
                    alerts.iter().map(|a| case(eval, a, None)).collect(),
                ));
                // The metadata: the fixed values exactly, the burn rates and the remaining budget within 1% of
                // what the input's steady ratio of bad calls makes them (promtool compares values exactly).
                let bad_ratio = (budget * 2.0).min(1.0);
                let burn = bad_ratio / budget;
                let sel = |record: &str| format!("{record}{{slo={}, sli={}}}", q(&o.slo), q(o.sli));
                let within = |record: &str, v: f64| {
                    let (lo, hi) = (v - v.abs() * 0.01, v + v.abs() * 0.01);
                    format!("({} > bool {}) * ({} < bool {})", sel(record), num(lo), sel(record), num(hi))
                };
                let mut meta_labels = exp_labels.clone();
                meta_labels.sort();
                // The value as the rule writes it (`num`), so the exact comparison holds.
                let exp = |name: Option<&str>, value: f64| ExpSample {
                    labels: series(name.unwrap_or(""), &meta_labels),
                    value: num(value).parse().expect("num writes a number"),
                };
                let expr_case =
                    |expr: String, s: ExpSample| ExprTestCase { expr, eval_time: dur(eval), exp_samples: vec![s] };
                let mut meta = group(
                    format!("{what}: error-budget metadata at {}% bad calls", num(bad_ratio * 100.0)),
                    iv,
                    input(1000.0, bad_ratio),
                    Vec::new(),
                );
                meta.promql_expr_test = vec![
                    expr_case(sel(rules::meta::OBJECTIVE), exp(Some(rules::meta::OBJECTIVE), o.objective)),
                    expr_case(sel(rules::meta::ERROR_BUDGET), exp(Some(rules::meta::ERROR_BUDGET), budget)),
                    expr_case(
                        sel(rules::meta::TIME_PERIOD),
                        exp(Some(rules::meta::TIME_PERIOD), opts.scaled(rules::PERIOD_SECONDS) as f64 / 86400.0),
                    ),
                    expr_case(within(rules::meta::CURRENT_BURN_RATE, burn), exp(None, 1.0)),
                    expr_case(within(rules::meta::PERIOD_BURN_RATE, burn), exp(None, 1.0)),
                    expr_case(within(rules::meta::PERIOD_ERROR_BUDGET_REMAINING, 1.0 - burn), exp(None, 1.0)),
                ];
                tests.push(meta);
                // Absent: the function's series gone (another function's remain) fires it; present, it is quiet.
                let absent_eval = round(opts.scaled(rules::absent_for_seconds(o.objective)) + 3 * iv);
                let absent_n = steps(absent_eval) + 2;
                let mut absent_labels: Labels = labels.iter().filter(|(k, _)| k != "instance").cloned().collect();
                absent_labels.sort();
                let mut other = labels.clone();
                for (k, v) in other.iter_mut() {
                    if k == "function" {
                        v.push_str("_other");
                    }
                }
                let calls_of = |l: &Labels| -> Vec<InputSeries> {
                    let name = if o.threshold.is_some() {
                        count(fam::FUNCTION_CALLS_DURATION_SECONDS)
                    } else {
                        let mut l = l.clone();
                        l.push(("result".to_owned(), "ok".to_owned()));
                        return vec![InputSeries {
                            series: series(&crate::util::total(fam::FUNCTION_CALLS), &l),
                            values: counter(10.0, absent_n),
                        }];
                    };
                    vec![InputSeries { series: series(&name, l), values: counter(10.0, absent_n) }]
                };
                tests.push(group(
                    format!("{what}: no series of the function: {} fires", absent.alert),
                    iv,
                    calls_of(&other),
                    vec![case(absent_eval, absent, Some(&absent_labels))],
                ));
                tests.push(group(
                    format!("{what}: the function's series present: {} quiet", absent.alert),
                    iv,
                    calls_of(&labels),
                    vec![case(absent_eval, absent, None)],
                ));
                if opts.slo_min_calls_per_hour > 0.0 {
                    // Half the minimum traffic, all bad: the guard keeps every alert quiet.
                    let per_interval = opts.slo_min_calls_per_hour / 2.0 / 3600.0 * iv as f64;
                    tests.push(group(
                        format!("{what}: every call bad but under {} calls per hour: the minimum-traffic guard keeps it quiet", num(opts.slo_min_calls_per_hour)),
                        iv,
                        input(per_interval, 1.0),
                        alerts.iter().map(|a| case(eval, a, None)).collect(),
                    ));
                }
            }
            Case::Threshold { metric, alert, rule } => {
                let window = match alert.signal {
                    AlertSignal::Value => 0,
                    AlertSignal::Rate { window_seconds }
                    | AlertSignal::Increase { window_seconds }
                    | AlertSignal::Quantile { window_seconds, .. } => opts.scaled(window_seconds),
                };
                let for_s = if alert.for_seconds == 0 { 0 } else { opts.scaled(alert.for_seconds) };
                let eval = round(window + for_s + 5 * iv);
                let n = steps(eval) + 2;
                let labels = metric_labels(metric, job);
                let mut out_labels = labels.clone();
                if let AlertSignal::Quantile { .. } = alert.signal {
                    out_labels.retain(|(k, _)| k != LE);
                }
                let build = |want: bool| -> Option<Vec<InputSeries>> {
                    match alert.signal {
                        AlertSignal::Quantile { quantile, .. } => {
                            quantile_series(metric, quantile, alert.op, alert.threshold, want, iv, n, &labels)
                        }
                        s => {
                            let nonneg = !matches!(s, AlertSignal::Value);
                            if nonneg && matches!(alert.op, AlertOp::Eq | AlertOp::Ne) {
                                return None; // rates are floats: exact equality is not reproducible
                            }
                            let (f, q) = pick(alert.op, alert.threshold, nonneg);
                            let v = if want { f } else { q }?;
                            threshold_series(metric, s, v, opts.time_scale, iv, n, &labels)
                        }
                    }
                };
                if let Some(input) = build(true) {
                    tests.push(group(
                        format!("{} on {}: fires when `{}` holds", rule.alert, metric.name, rule.expr),
                        iv,
                        input,
                        vec![case(eval, rule, Some(&out_labels))],
                    ));
                }
                if let Some(input) = build(false) {
                    tests.push(group(
                        format!("{} on {}: quiet when it does not", rule.alert, metric.name),
                        iv,
                        input,
                        vec![case(eval, rule, None)],
                    ));
                }
            }
            Case::Health { check, rule } => {
                let eval = round(opts.scaled(120) + 3 * iv);
                let n = steps(eval) + 2;
                let labels: Labels = vec![
                    ("job".to_owned(), job.to_owned()),
                    ("instance".to_owned(), INSTANCE.to_owned()),
                    ("check".to_owned(), check.clone()),
                ];
                let mut with_critical = labels.clone();
                with_critical.push(("critical".to_owned(), "true".to_owned()));
                let s = series(fam::OBS_HEALTH_CHECK_UP, &with_critical);
                tests.push(group(
                    format!("health check {check} failing: fires"),
                    iv,
                    vec![InputSeries { series: s.clone(), values: constant(0.0, n) }],
                    vec![case(eval, rule, Some(&labels))],
                ));
                tests.push(group(
                    format!("health check {check} passing: quiet"),
                    iv,
                    vec![InputSeries { series: s, values: constant(1.0, n) }],
                    vec![case(eval, rule, None)],
                ));
            }
            Case::TargetDown(rule) => {
                let eval = round(opts.scaled(120) + 3 * iv);
                let n = steps(eval) + 2;
                let labels: Labels =
                    vec![("job".to_owned(), job.to_owned()), ("instance".to_owned(), INSTANCE.to_owned())];
                let s = series(fam::UP, &labels);
                tests.push(group(
                    "target down: fires".to_owned(),
                    iv,
                    vec![InputSeries { series: s.clone(), values: constant(0.0, n) }],
                    vec![case(eval, rule, Some(&labels))],
                ));
                tests.push(group(
                    "target up: quiet".to_owned(),
                    iv,
                    vec![InputSeries { series: s, values: constant(1.0, n) }],
                    vec![case(eval, rule, None)],
                ));
            }
            Case::TargetAbsent(rule) => {
                let eval = round(opts.scaled(300) + 3 * iv);
                let n = steps(eval) + 2;
                let labels: Labels = vec![("job".to_owned(), job.to_owned())];
                let other: Labels =
                    vec![("job".to_owned(), format!("{job}-other")), ("instance".to_owned(), INSTANCE.to_owned())];
                let mine: Labels =
                    vec![("job".to_owned(), job.to_owned()), ("instance".to_owned(), INSTANCE.to_owned())];
                tests.push(group(
                    "no target of the job: fires".to_owned(),
                    iv,
                    vec![InputSeries { series: series(fam::UP, &other), values: constant(1.0, n) }],
                    vec![case(eval, rule, Some(&labels))],
                ));
                tests.push(group(
                    "the job has a target: quiet".to_owned(),
                    iv,
                    vec![InputSeries { series: series(fam::UP, &mine), values: constant(1.0, n) }],
                    vec![case(eval, rule, None)],
                ));
            }
        }
    }
    RuleTestFile { rule_files: vec![rule_file.to_owned()], evaluation_interval: dur(iv), tests }
}
