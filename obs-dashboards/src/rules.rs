//! Prometheus rules: SLI recording rules, multi-window multi-burn-rate SLO alerts, threshold alerts declared
//! with `alert(...)`, critical health checks, and target down / absent.

use crate::model::{Metric, Model};
use crate::options::Options;
use crate::util::{bucket, camel, count, dur, num, q, total};
use obs_runtime::families as fam;
use obs_runtime::names::LE;
use obs_runtime::{AlertDesc, AlertSignal, MetricKind, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A rule file: `groups:`.
///
/// ```
/// let f = obs_dashboards::rules::RuleFile { groups: vec![] };
/// assert_eq!(serde_norway::to_string(&f).unwrap(), "groups: []\n");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleFile {
    /// Rule groups, evaluated independently.
    pub groups: Vec<RuleGroup>,
}

/// A rule group.
///
/// ```
/// let g = obs_dashboards::rules::RuleGroup { name: "g".into(), interval: None, rules: vec![] };
/// assert!(g.rules.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleGroup {
    /// Unique name.
    pub name: String,
    /// Evaluation interval, when not the global one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// Rules, evaluated in order.
    pub rules: Vec<Rule>,
}

/// A recording or an alerting rule.
///
/// ```
/// use obs_dashboards::rules::{RecordingRule, Rule};
/// let r = Rule::Recording(RecordingRule { record: "job:up:sum".into(), expr: "sum by (job) (up)".into(), labels: Default::default() });
/// assert!(serde_norway::to_string(&r).unwrap().starts_with("record: job:up:sum"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Rule {
    /// `record:`.
    Recording(RecordingRule),
    /// `alert:`.
    Alerting(AlertingRule),
}

/// A recording rule.
///
/// ```
/// let r = obs_dashboards::rules::RecordingRule { record: "a:b:c".into(), expr: "1".into(), labels: Default::default() };
/// assert_eq!(r.record, "a:b:c");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordingRule {
    /// The recorded series' name.
    pub record: String,
    /// PromQL.
    pub expr: String,
    /// Labels added to the result.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub labels: BTreeMap<String, String>,
}

/// An alerting rule.
///
/// ```
/// let r = obs_dashboards::rules::AlertingRule { alert: "Down".into(), expr: "up == 0".into(), for_: "5m".into(), labels: Default::default(), annotations: Default::default() };
/// assert!(serde_norway::to_string(&r).unwrap().contains("for: 5m"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertingRule {
    /// `alertname`.
    pub alert: String,
    /// PromQL; every result series is an alert.
    pub expr: String,
    /// How long the condition must hold.
    #[serde(rename = "for")]
    pub for_: String,
    /// Labels: `severity`, `service` and more.
    pub labels: BTreeMap<String, String>,
    /// Annotations: `summary`, `description`, `dashboard`, `runbook_url`.
    pub annotations: BTreeMap<String, String>,
}

/// The SRE workbook's alerting windows: `(long, short, burn-rate factor, severity, for)`, in seconds, unscaled.
///
/// ```
/// use obs_dashboards::rules::BURN_ALERTS;
/// let (long, short, factor, _severity, _for) = BURN_ALERTS[0];
/// assert_eq!((long, short, factor), (3600, 300, 14.4)); // 2% of a 30-day budget in one hour
/// assert!(BURN_ALERTS.iter().all(|(long, short, ..)| short < long));
/// ```
pub const BURN_ALERTS: [(u64, u64, f64, Severity, u64); 4] = [
    (3600, 300, 14.4, Severity::Critical, 120),
    (6 * 3600, 1800, 6.0, Severity::Critical, 120),
    (86400, 2 * 3600, 3.0, Severity::Warning, 900),
    (3 * 86400, 6 * 3600, 1.0, Severity::Warning, 900),
];

/// One objective of one function: availability or latency, the unit SLO rules and panels are made of.
///
/// ```
/// let o = obs_dashboards::rules::SloObjective { slo: "checkout".into(), sli: "availability", function: "checkout".into(), module: "shop".into(), objective: 0.999, threshold: None, native: false };
/// assert!(o.error_ratio_expr("job=\"shop\"", "5m").contains("result!=\"ok\""));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SloObjective {
    /// The SLO's name.
    pub slo: String,
    /// `availability` or `latency`.
    pub sli: &'static str,
    /// The traced function.
    pub function: String,
    /// Its module.
    pub module: String,
    /// The target share of good calls.
    pub objective: f64,
    /// Latency objectives: the bound in seconds, a bucket of the duration histogram.
    pub threshold: Option<f64>,
    /// Whether the function's durations are a native histogram, read with `histogram_fraction` and
    /// `histogram_count` instead of `le` buckets and `_count`.
    pub native: bool,
}

impl SloObjective {
    fn fsel(&self, sel: &str) -> String {
        format!("{sel}, function={}, module={}", q(&self.function), q(&self.module))
    }

    /// The share of bad calls over `range`, per function.
    ///
    /// ```
    /// let o = obs_dashboards::rules::SloObjective { slo: "s".into(), sli: "latency", function: "f".into(), module: "m".into(), objective: 0.99, threshold: Some(1.0), native: false };
    /// assert!(o.error_ratio_expr("job=\"j\"", "1h").contains("le=\"1.0\""));
    /// ```
    pub fn error_ratio_expr(&self, sel: &str, range: &str) -> String {
        let s = self.fsel(sel);
        match self.threshold {
            None => format!(
                "sum by (function, module) (rate({calls}{{{s}, result!=\"ok\"}}[{range}])) / sum by (function, module) (rate({calls}{{{s}}}[{range}]))",
                calls = total(fam::FUNCTION_CALLS)
            ),
            Some(t) if self.native => format!(
                "1 - histogram_fraction(0, {}, sum by (function, module) (rate({durations}{{{s}}}[{range}])))",
                obs_runtime::format_f64(t),
                durations = fam::FUNCTION_CALLS_DURATION_SECONDS
            ),
            Some(t) => format!(
                "1 - sum by (function, module) (rate({buckets}{{{s}, {LE}={}}}[{range}])) / sum by (function, module) (rate({count}{{{s}}}[{range}]))",
                q(&obs_runtime::format_f64(t)),
                buckets = bucket(fam::FUNCTION_CALLS_DURATION_SECONDS),
                count = count(fam::FUNCTION_CALLS_DURATION_SECONDS)
            ),
        }
    }

    /// Calls per second over `range`.
    ///
    /// ```
    /// let o = obs_dashboards::rules::SloObjective { slo: "s".into(), sli: "availability", function: "f".into(), module: "m".into(), objective: 0.99, threshold: None, native: false };
    /// assert!(o.calls_expr("job=\"j\"", "5m").starts_with("sum by (function, module) (rate(function_calls_total"));
    /// ```
    pub fn calls_expr(&self, sel: &str, range: &str) -> String {
        let s = self.fsel(sel);
        if self.threshold.is_some() && self.native {
            let durations = fam::FUNCTION_CALLS_DURATION_SECONDS;
            return format!("histogram_count(sum by (function, module) (rate({durations}{{{s}}}[{range}])))");
        }
        let metric = if self.threshold.is_some() {
            count(fam::FUNCTION_CALLS_DURATION_SECONDS)
        } else {
            total(fam::FUNCTION_CALLS)
        };
        format!("sum by (function, module) (rate({metric}{{{s}}}[{range}]))")
    }

    /// One sentence: what is promised.
    ///
    /// ```
    /// let o = obs_dashboards::rules::SloObjective { slo: "s".into(), sli: "latency", function: "f".into(), module: "m".into(), objective: 0.99, threshold: Some(0.25), native: false };
    /// assert_eq!(o.describe(), "99% of calls to m::f finish within 0.25s");
    /// ```
    pub fn describe(&self) -> String {
        let pct = num(self.objective * 100.0);
        match self.threshold {
            None => format!("{pct}% of calls to {}::{} succeed", self.module, self.function),
            Some(t) => format!("{pct}% of calls to {}::{} finish within {}s", self.module, self.function, num(t)),
        }
    }
}

/// Every objective declared on traced functions, in catalog order.
///
/// ```
/// use obs_dashboards::{Function, Model, Slo};
/// let mut m = Model::new("s");
/// let mut f = Function::new("checkout", "shop");
/// f.slo = Some(Slo { name: "checkout".into(), success_rate: Some(0.999), latency: Some((0.99, 0.25)) });
/// m.functions.push(f);
/// assert_eq!(obs_dashboards::rules::objectives(&m).len(), 2);
/// ```
pub fn objectives(model: &Model) -> Vec<SloObjective> {
    let mut out = Vec::new();
    for f in model.functions.iter().filter(|f| f.red_metrics) {
        let Some(slo) = &f.slo else { continue };
        if let Some(rate) = slo.success_rate {
            out.push(SloObjective {
                slo: slo.name.clone(),
                sli: "availability",
                function: f.function.clone(),
                module: f.module.clone(),
                objective: rate,
                threshold: None,
                native: f.native,
            });
        }
        if let Some((p, t)) = slo.latency {
            out.push(SloObjective {
                slo: slo.name.clone(),
                sli: "latency",
                function: f.function.clone(),
                module: f.module.clone(),
                objective: p,
                threshold: Some(t),
                native: f.native,
            });
        }
    }
    out
}

/// Every window the SLO recording rules cover, scaled, shortest first.
///
/// ```
/// let w = obs_dashboards::rules::burn_windows(&obs_dashboards::Options::default());
/// assert_eq!(w, [300, 1800, 3600, 7200, 21600, 86400, 259200]);
/// ```
pub fn burn_windows(opts: &Options) -> Vec<u64> {
    let mut w: Vec<u64> = BURN_ALERTS.iter().flat_map(|(l, s, ..)| [opts.scaled(*l), opts.scaled(*s)]).collect();
    w.sort_unstable();
    w.dedup();
    w
}

/// The recording rule holding the SLI's error ratio over `window` seconds.
///
/// ```
/// assert_eq!(obs_dashboards::rules::record_error_ratio(3600), "slo:sli_error:ratio_rate1h");
/// ```
pub fn record_error_ratio(window: u64) -> String {
    format!("slo:sli_error:ratio_rate{}", dur(window))
}

/// The recording rule holding the call rate over `window` seconds (the minimum-traffic guard).
///
/// ```
/// assert_eq!(obs_dashboards::rules::record_calls(300), "slo:calls:rate5m");
/// ```
pub fn record_calls(window: u64) -> String {
    format!("slo:calls:rate{}", dur(window))
}

/// The name of an objective's burn-rate alert over the window pair `(long, short)` (unscaled seconds).
///
/// ```
/// let o = obs_dashboards::rules::SloObjective { slo: "checkout".into(), sli: "availability", function: "f".into(), module: "m".into(), objective: 0.999, threshold: None, native: false };
/// assert_eq!(obs_dashboards::rules::burn_alert_name(&o, 3600, 300), "CheckoutAvailabilityBurnRate1h5m");
/// ```
pub fn burn_alert_name(o: &SloObjective, long: u64, short: u64) -> String {
    format!("{}{}BurnRate{}{}", camel(&o.slo), camel(o.sli), dur(long), dur(short))
}

/// The SLO period the error-budget metadata covers, unscaled: 30 days, as the burn-rate factors assume.
pub const PERIOD_SECONDS: u64 = 30 * 86400;

/// Error-budget metadata, one series per objective, labelled `slo`, `sli`, `function` and `module`. The names are
/// Sloth's (`slo:objective:ratio` and its family), so dashboards written for Sloth's rules read obs' too. Where obs
/// differs: its identifying labels are `slo`/`sli` plus the traced function's `function`/`module` rather than
/// `sloth_id`/`sloth_service`/`sloth_slo`, because an obs objective belongs to one function; and the period error
/// ratio (`slo:sli_error:ratio_rate30d`) is a rate over the raw counters, like every other window here, rather than
/// Sloth's average of the 5-minute ratios, so a quiet hour weighs as little as it counts.
pub mod meta {
    /// The objective, as a ratio (`0.999`).
    pub const OBJECTIVE: &str = "slo:objective:ratio";
    /// The error budget, `1 - objective`.
    pub const ERROR_BUDGET: &str = "slo:error_budget:ratio";
    /// The period, in days.
    pub const TIME_PERIOD: &str = "slo:time_period:days";
    /// The burn rate over the shortest window: the error ratio divided by the budget (1 spends it exactly).
    pub const CURRENT_BURN_RATE: &str = "slo:current_burn_rate:ratio";
    /// The burn rate over the whole period.
    pub const PERIOD_BURN_RATE: &str = "slo:period_burn_rate:ratio";
    /// What is left of the period's budget: 1 untouched, 0 spent, below 0 overspent.
    pub const PERIOD_ERROR_BUDGET_REMAINING: &str = "slo:period_error_budget_remaining:ratio";
}

/// The `for` of an objective's absent alert: how long a total outage takes to spend 2% of the period's budget (what
/// the fastest page guards). Silence cannot be told from an outage, so it pages as soon as an outage would have; a
/// tighter objective waits less. At least [`ABSENT_MIN_FOR_SECONDS`], so that when the whole target is gone,
/// `TargetDown` (2 minutes) fires first and Alertmanager's inhibition keeps the absent alerts from paging too.
///
/// ```
/// use obs_dashboards::rules::absent_for_seconds;
/// assert_eq!(absent_for_seconds(0.99), 518); // 2% of 1% of 30 days
/// assert_eq!(absent_for_seconds(0.9999), 180);
/// ```
pub fn absent_for_seconds(objective: f64) -> u64 {
    ((0.02 * (1.0 - objective) * PERIOD_SECONDS as f64).round() as u64).max(ABSENT_MIN_FOR_SECONDS)
}

/// How long a target must be down before `TargetDown` fires.
pub const TARGET_DOWN_FOR_SECONDS: u64 = 120;

/// The shortest `for` of an absent alert: a minute longer than [`TARGET_DOWN_FOR_SECONDS`].
pub const ABSENT_MIN_FOR_SECONDS: u64 = TARGET_DOWN_FOR_SECONDS + 60;

/// The name of an objective's absent alert (Pyrra's `SLOMetricAbsent`, one per objective as obs' other alerts are).
///
/// ```
/// let o = obs_dashboards::rules::SloObjective { slo: "checkout".into(), sli: "latency", function: "f".into(), module: "m".into(), objective: 0.99, threshold: Some(0.25), native: false };
/// assert_eq!(obs_dashboards::rules::absent_alert_name(&o), "CheckoutLatencyMetricAbsent");
/// ```
pub fn absent_alert_name(o: &SloObjective) -> String {
    format!("{}{}MetricAbsent", camel(&o.slo), camel(o.sli))
}

/// How a generated alert is exercised by the generated rule tests.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // a handful per service, built once
pub(crate) enum Case {
    /// The four burn-rate alerts of one objective, its absent alert, and its metadata rules.
    Slo { objective: SloObjective, alerts: Vec<AlertingRule>, absent: AlertingRule },
    /// A threshold alert of a declared metric.
    Threshold { metric: Metric, alert: AlertDesc, rule: AlertingRule },
    /// A critical health check.
    Health { check: String, rule: AlertingRule },
    /// `up == 0`.
    TargetDown(AlertingRule),
    /// `absent(up)`.
    TargetAbsent(AlertingRule),
}

/// The rule file plus what the tests need to know about each alert.
pub(crate) struct Generated {
    pub file: RuleFile,
    pub cases: Vec<Case>,
}

struct Ctx<'a> {
    opts: &'a Options,
    service: &'a str,
    job: &'a str,
    overview_url: String,
    metrics_url: String,
}

impl Ctx<'_> {
    fn sel(&self) -> String {
        format!("job={}", q(self.job))
    }
    #[allow(clippy::too_many_arguments)] // one call per kind of alert, each naming every part
    fn alert(
        &self,
        name: &str,
        expr: String,
        for_s: u64,
        severity: Severity,
        extra: &[(&str, String)],
        summary: String,
        description: String,
        dashboard: &str,
    ) -> AlertingRule {
        let mut labels = BTreeMap::new();
        labels.insert("severity".to_owned(), severity.as_str().to_owned());
        labels.insert("service".to_owned(), self.service.to_owned());
        for (k, v) in extra {
            labels.insert((*k).to_owned(), v.clone());
        }
        let mut annotations = BTreeMap::new();
        annotations.insert("summary".to_owned(), summary);
        annotations.insert("description".to_owned(), description);
        annotations.insert("dashboard".to_owned(), dashboard.to_owned());
        annotations
            .insert("runbook_url".to_owned(), format!("{}/{name}", self.opts.runbook_url_base.trim_end_matches('/')));
        AlertingRule {
            alert: name.to_owned(),
            expr,
            for_: dur(if for_s == 0 { 0 } else { self.opts.scaled(for_s) }),
            labels,
            annotations,
        }
    }
}

/// The PromQL a threshold alert evaluates, before the comparison.
///
/// ```
/// use obs_runtime::AlertSignal;
/// let m = obs_dashboards::Metric::new("jobs", obs_runtime::MetricKind::Counter, "Jobs.");
/// let e = obs_dashboards::rules::signal_expr(&m, AlertSignal::Rate { window_seconds: 300 }, "job=\"j\"", 1);
/// assert_eq!(e, "rate(jobs_total{job=\"j\"}[5m])");
/// ```
pub fn signal_expr(m: &Metric, signal: AlertSignal, sel: &str, scale: u32) -> String {
    let sc = |w: u64| dur((w / u64::from(scale.max(1))).max(1));
    match signal {
        AlertSignal::Value => format!("{}{{{sel}}}", m.sample_name()),
        AlertSignal::Rate { window_seconds } => {
            format!("rate({}{{{sel}}}[{}])", m.sample_name(), sc(window_seconds))
        }
        AlertSignal::Increase { window_seconds } => {
            format!("increase({}{{{sel}}}[{}])", m.sample_name(), sc(window_seconds))
        }
        AlertSignal::Quantile { quantile, window_seconds } => {
            let mut by = vec!["job", "instance"];
            by.extend(m.labels.iter().map(|l| l.name.as_str()));
            // A native histogram keeps its buckets inside one series; a classic one has a series per `le`.
            let series = if m.native { m.name.clone() } else { bucket(&m.name) };
            if !m.native {
                by.push(LE);
            }
            format!(
                "histogram_quantile({}, sum by ({}) (rate({series}{{{sel}}}[{}])))",
                num(quantile),
                by.join(", "),
                sc(window_seconds)
            )
        }
    }
}

fn describe_signal(m: &Metric, signal: AlertSignal) -> String {
    match signal {
        AlertSignal::Value => m.sample_name(),
        AlertSignal::Rate { window_seconds } => {
            format!("the per-second rate of {} over {}", m.sample_name(), dur(window_seconds))
        }
        AlertSignal::Increase { window_seconds } => {
            format!("the increase of {} over {}", m.sample_name(), dur(window_seconds))
        }
        AlertSignal::Quantile { quantile, window_seconds } => {
            format!("the p{} of {} over {}", num(quantile * 100.0), m.name, dur(window_seconds))
        }
    }
}

pub(crate) fn generate(model: &Model, opts: &Options, job: &str, overview_uid: &str, metrics_uid: &str) -> Generated {
    let base = opts.grafana_url.trim_end_matches('/');
    let cx = Ctx {
        opts,
        service: &model.service,
        job,
        overview_url: format!("{base}/d/{overview_uid}"),
        metrics_url: format!("{base}/d/{metrics_uid}"),
    };
    let interval = (opts.time_scale > 1).then(|| dur(opts.scaled(60)));
    let mut groups = Vec::new();
    let mut cases = Vec::new();
    let sel = cx.sel();

    // SLOs: recording rules for every window, then one alert per window pair.
    let objs = objectives(model);
    if !objs.is_empty() {
        let mut rec = Vec::new();
        for o in &objs {
            let mut labels = BTreeMap::new();
            labels.insert("slo".to_owned(), o.slo.clone());
            labels.insert("sli".to_owned(), o.sli.to_owned());
            for w in burn_windows(opts) {
                rec.push(Rule::Recording(RecordingRule {
                    record: record_error_ratio(w),
                    expr: o.error_ratio_expr(&sel, &dur(w)),
                    labels: labels.clone(),
                }));
                rec.push(Rule::Recording(RecordingRule {
                    record: record_calls(w),
                    expr: o.calls_expr(&sel, &dur(w)),
                    labels: labels.clone(),
                }));
            }
        }
        // Error-budget metadata, after the ratios it reads: a group evaluates its rules in order.
        let period = opts.scaled(PERIOD_SECONDS);
        for o in &objs {
            let mut labels = BTreeMap::new();
            labels.insert("slo".to_owned(), o.slo.clone());
            labels.insert("sli".to_owned(), o.sli.to_owned());
            let mut fixed = labels.clone();
            fixed.insert("function".to_owned(), o.function.clone());
            fixed.insert("module".to_owned(), o.module.clone());
            let m = format!("{{slo={}, sli={}}}", q(&o.slo), q(o.sli));
            let budget = num(1.0 - o.objective);
            let record = |record: &str, expr: String, labels: &BTreeMap<String, String>| {
                Rule::Recording(RecordingRule { record: record.to_owned(), expr, labels: labels.clone() })
            };
            if !burn_windows(opts).contains(&period) {
                rec.push(record(&record_error_ratio(period), o.error_ratio_expr(&sel, &dur(period)), &labels));
            }
            rec.push(record(meta::OBJECTIVE, format!("vector({})", num(o.objective)), &fixed));
            rec.push(record(meta::ERROR_BUDGET, format!("vector({budget})"), &fixed));
            rec.push(record(meta::TIME_PERIOD, format!("vector({})", num(period as f64 / 86400.0)), &fixed));
            let shortest = burn_windows(opts)[0];
            rec.push(record(
                meta::CURRENT_BURN_RATE,
                format!("{}{m} / {budget}", record_error_ratio(shortest)),
                &labels,
            ));
            rec.push(record(meta::PERIOD_BURN_RATE, format!("{}{m} / {budget}", record_error_ratio(period)), &labels));
            rec.push(record(
                meta::PERIOD_ERROR_BUDGET_REMAINING,
                format!("1 - {}{m}", meta::PERIOD_BURN_RATE),
                &labels,
            ));
        }
        groups.push(RuleGroup {
            name: format!("{}-slo-recording", model.service),
            interval: interval.clone(),
            rules: rec,
        });
        let mut alerts = Vec::new();
        for o in &objs {
            let budget = 1.0 - o.objective;
            let mut these = Vec::new();
            for (long, short, factor, severity, for_s) in BURN_ALERTS {
                let (l, s) = (opts.scaled(long), opts.scaled(short));
                let m = format!("{{slo={}, sli={}}}", q(&o.slo), q(o.sli));
                let threshold = num(factor * budget);
                let expr = format!(
                    "{}{m} > {threshold}\nand\n{}{m} > {threshold}\nand\n{}{m} * 3600 >= {}",
                    record_error_ratio(l),
                    record_error_ratio(s),
                    record_calls(s),
                    num(opts.slo_min_calls_per_hour)
                );
                let name = burn_alert_name(o, long, short);
                let lasts = 30.0 * 24.0 / factor;
                let rule = cx.alert(
                    &name,
                    expr,
                    for_s,
                    severity,
                    &[("long_window", dur(l)), ("short_window", dur(s))],
                    format!(
                        "{} SLO {} of {}::{}: error budget burning {}x too fast",
                        o.slo, o.sli, o.module, o.function, num(factor)
                    ),
                    format!(
                        "Objective: {}. Over both the last {} and the last {}, more than {}% of calls were bad ({}x the error budget of {}%); at this pace the 30-day budget lasts {} hours.",
                        o.describe(),
                        dur(l),
                        dur(s),
                        num(factor * budget * 100.0),
                        num(factor),
                        num(budget * 100.0),
                        num(lasts.round())
                    ),
                    &cx.overview_url,
                );
                these.push(rule.clone());
                alerts.push(Rule::Alerting(rule));
            }
            // The series the objective reads: a native histogram is stored under the family's own name.
            let calls = match (o.threshold.is_some(), o.native) {
                (true, true) => fam::FUNCTION_CALLS_DURATION_SECONDS.to_owned(),
                (true, false) => count(fam::FUNCTION_CALLS_DURATION_SECONDS),
                (false, _) => total(fam::FUNCTION_CALLS),
            };
            let absent = cx.alert(
                &absent_alert_name(o),
                format!("absent({calls}{{{}}})", o.fsel(&sel)),
                absent_for_seconds(o.objective),
                Severity::Critical,
                &[("slo", o.slo.clone()), ("sli", o.sli.to_owned())],
                format!("{} SLO {} of {}::{}: no data", o.slo, o.sli, o.module, o.function),
                format!(
                    "Prometheus has no {calls} series of {}::{} in job {} for {}: the objective ({}) cannot be evaluated and its burn-rate alerts cannot fire. The service is down, not scraped, or no longer calls the function.",
                    o.module,
                    o.function,
                    job,
                    dur(opts.scaled(absent_for_seconds(o.objective))),
                    o.describe()
                ),
                &cx.overview_url,
            );
            alerts.push(Rule::Alerting(absent.clone()));
            cases.push(Case::Slo { objective: o.clone(), alerts: these, absent });
        }
        groups.push(RuleGroup {
            name: format!("{}-slo-alerts", model.service),
            interval: interval.clone(),
            rules: alerts,
        });
    }

    // Threshold alerts declared with `alert(...)`.
    let mut thresholds = Vec::new();
    for m in &model.metrics {
        for a in &m.alerts {
            if m.kind == MetricKind::Info {
                continue;
            }
            let expr =
                format!("{} {} {}", signal_expr(m, a.signal, &sel, opts.time_scale), a.op.as_str(), num(a.threshold));
            let description = if a.description.is_empty() {
                format!(
                    "{} {} {} for {} ({}: {}).",
                    describe_signal(m, a.signal),
                    a.op.as_str(),
                    num(a.threshold),
                    dur(a.for_seconds),
                    m.name,
                    m.help
                )
            } else {
                a.description.to_owned()
            };
            let rule = cx.alert(
                a.name,
                expr,
                a.for_seconds,
                a.severity,
                &[("metric", m.name.clone())],
                a.summary.to_owned(),
                description,
                &cx.metrics_url,
            );
            thresholds.push(Rule::Alerting(rule.clone()));
            cases.push(Case::Threshold { metric: m.clone(), alert: *a, rule });
        }
    }
    if !thresholds.is_empty() {
        groups.push(RuleGroup {
            name: format!("{}-thresholds", model.service),
            interval: interval.clone(),
            rules: thresholds,
        });
    }

    // Critical health checks.
    let mut health = Vec::new();
    for h in model.health_checks.iter().filter(|h| h.critical) {
        let rule = cx.alert(
            "HealthCheckFailing",
            format!("max by (job, instance, check) ({}{{{sel}, check={}}}) == 0", fam::OBS_HEALTH_CHECK_UP, q(&h.name)),
            120,
            Severity::Critical,
            &[],
            format!("Critical health check {} of {} is failing", h.name, model.service),
            format!(
                "The critical health check `{}` has failed on every run for the last {}; the instance reports not ready.",
                h.name,
                dur(opts.scaled(120))
            ),
            &cx.overview_url,
        );
        health.push(Rule::Alerting(rule.clone()));
        cases.push(Case::Health { check: h.name.clone(), rule });
    }
    if !health.is_empty() {
        groups.push(RuleGroup { name: format!("{}-health", model.service), interval: interval.clone(), rules: health });
    }

    // The service's targets.
    let down = cx.alert(
        "TargetDown",
        format!("{}{{{sel}}} == 0", fam::UP),
        TARGET_DOWN_FOR_SECONDS,
        Severity::Critical,
        &[],
        format!("A target of {} is down", model.service),
        format!("Prometheus could not scrape a target of job {} for {}.", job, dur(opts.scaled(120))),
        &cx.overview_url,
    );
    let absent = cx.alert(
        "TargetAbsent",
        format!("absent({}{{{sel}}})", fam::UP),
        300,
        Severity::Critical,
        &[],
        format!("No target of {} is being scraped", model.service),
        format!(
            "Prometheus has no target with job {} for {}: the service is gone or its scrape config is broken.",
            job,
            dur(opts.scaled(300))
        ),
        &cx.overview_url,
    );
    groups.push(RuleGroup {
        name: format!("{}-availability", model.service),
        interval,
        rules: vec![Rule::Alerting(down.clone()), Rule::Alerting(absent.clone())],
    });
    cases.push(Case::TargetDown(down));
    cases.push(Case::TargetAbsent(absent));

    Generated { file: RuleFile { groups }, cases }
}
