//! The metric reference: `docs/METRICS.md` for people and `docs/catalog.json` (with its JSON schema,
//! `docs/catalog.schema.json`) for tools, both written from the catalog with the other artifacts, so
//! `gen-dashboards --check` fails when they drift from the code.
//!
//! Every family has its exposed name, type, samples, unit, HELP, labels with their fixed value sets, cap, where it is
//! declared (file, line, crate, module), the generated alerts that read it, the dashboard panels that show it and one
//! example query. Every traced function has its objectives with their burn-rate alerts.

use crate::grafana::{Dashboard, Panel};
use crate::model::{Metric, Model};
use crate::rules::{self, Rule, RuleFile, BURN_ALERTS};
use crate::util::{bucket, num, q, total};
use obs_runtime::names::LE;
use obs_runtime::MetricKind;
use serde::{Deserialize, Serialize};

/// The JSON schema `catalog.json` follows (draft 2020-12), written beside it.
pub const SCHEMA: &str = include_str!("../schema/catalog.schema.json");

/// The file name of the schema, which `catalog.json` names in its `$schema`.
pub const SCHEMA_FILE: &str = "catalog.schema.json";

/// `catalog.json`: every family, traced function and health check of the service.
///
/// ```
/// use obs_dashboards::{generate, Metric, Model};
/// let mut model = Model::new("svc");
/// model.metrics.push(Metric::new("jobs", obs_runtime::MetricKind::Counter, "Jobs run.").source("src/jobs.rs", 4));
/// let r = generate(&model, &Default::default()).unwrap().reference;
/// assert_eq!(r.families[0].samples, ["jobs_total"]);
/// assert_eq!(r.families[0].example_query, "sum(rate(jobs_total{job=\"svc\"}[5m]))");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// The schema this document follows: [`SCHEMA_FILE`], beside it.
    #[serde(rename = "$schema")]
    pub schema: String,
    /// The service.
    pub service: String,
    /// The Prometheus job the example queries select.
    pub job: String,
    /// Every family, by name.
    pub families: Vec<Family>,
    /// Every traced function, by module and name.
    pub functions: Vec<TracedFunction>,
    /// Every health check, by name.
    pub health_checks: Vec<Check>,
}

/// One metric family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Family {
    /// The family name (without the `_total` or `_info` of its sample).
    pub name: String,
    /// `counter`, `gauge`, `histogram`, `summary`, `info` or `unknown`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The sample names it exposes in the Prometheus text format.
    pub samples: Vec<String>,
    /// The base unit, if any.
    pub unit: Option<String>,
    /// The HELP text.
    pub help: String,
    /// The labels, in declaration order.
    pub labels: Vec<LabelRef>,
    /// The most series it holds before new label sets go to its overflow series.
    pub cap: u32,
    /// Classic bucket bounds of a histogram.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub buckets: Vec<f64>,
    /// Whether a histogram has native buckets.
    pub native: bool,
    /// Where it is declared.
    pub source: Declared,
    /// The generated alerts whose expression reads it (directly or through a recording rule).
    pub alerts: Vec<String>,
    /// The generated dashboard panels that show it.
    pub panels: Vec<PanelRef>,
    /// One PromQL query over it.
    pub example_query: String,
}

/// One label of a family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelRef {
    /// The label name.
    pub name: String,
    /// The fixed value set, or `null` when values are dynamic.
    pub values: Option<Vec<String>>,
}

/// Where something is declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declared {
    /// `file!()` of the declaration, when known.
    pub file: Option<String>,
    /// `line!()` of the declaration, when known.
    pub line: Option<u32>,
    /// The declaring crate's package name (empty when obs-runtime declared it without one).
    #[serde(rename = "crate")]
    pub krate: String,
    /// `module_path!()` of the declaration.
    pub module: String,
}

impl std::fmt::Display for Declared {
    /// `` `file:line`, crate `c`, module `m` ``, leaving out what is not known.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if let (Some(file), Some(line)) = (&self.file, self.line) {
            parts.push(format!("`{file}:{line}`"));
        }
        if !self.krate.is_empty() {
            parts.push(format!("crate `{}`", self.krate));
        }
        if !self.module.is_empty() {
            parts.push(format!("module `{}`", self.module));
        }
        f.write_str(&parts.join(", "))
    }
}

/// A dashboard panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelRef {
    /// The dashboard's title.
    pub dashboard: String,
    /// The dashboard's uid.
    pub uid: String,
    /// The panel's title.
    pub panel: String,
}

/// One traced function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TracedFunction {
    /// The `function` label.
    pub function: String,
    /// Where it is declared; `module` is the `module` label.
    pub source: Declared,
    /// Whether its RED metrics are recorded.
    pub red_metrics: bool,
    /// Whether its in-flight gauge is kept.
    pub in_flight: bool,
    /// Its objectives, with the alerts generated from them.
    pub objectives: Vec<ObjectiveRef>,
}

/// One objective of a traced function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveRef {
    /// The SLO's name.
    pub slo: String,
    /// `availability` or `latency`.
    pub sli: String,
    /// The target share of good calls.
    pub objective: f64,
    /// For latency: the bound in seconds.
    pub threshold_seconds: Option<f64>,
    /// What is promised, in one sentence.
    pub description: String,
    /// The alerts generated from it: its burn-rate alerts, then its absent alert.
    pub alerts: Vec<String>,
}

/// One health check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// The `check` label.
    pub name: String,
    /// Whether readiness fails with it.
    pub critical: bool,
}

/// The sample names a family exposes: the series Prometheus stores when it scrapes it. A counter's and an info
/// metric's family name is no sample, nor a classic histogram's; a native histogram is stored under it.
fn samples(m: &Metric) -> Vec<String> {
    let bare_is_sample = match m.kind {
        MetricKind::Counter | MetricKind::Info => false,
        MetricKind::Histogram => m.native,
        MetricKind::Gauge | MetricKind::Summary | MetricKind::Unknown => true,
    };
    let classic = m.kind != MetricKind::Histogram || !m.buckets.is_empty() || !m.native;
    obs_runtime::names::owned_suffixes(m.kind)
        .iter()
        .filter(|s| if s.is_empty() { bare_is_sample } else { classic })
        .map(|s| format!("{}{s}", m.name))
        .collect()
}

/// One PromQL query over `m`, for the service's job.
fn example(m: &Metric, job: &str) -> String {
    let sel = format!("job={}", q(job));
    match m.kind {
        MetricKind::Counter => format!("sum(rate({}{{{sel}}}[5m]))", total(&m.name)),
        MetricKind::Histogram if m.native => {
            format!("histogram_quantile(0.99, sum(rate({}{{{sel}}}[5m])))", m.name)
        }
        MetricKind::Histogram => {
            format!("histogram_quantile(0.99, sum by ({LE}) (rate({}{{{sel}}}[5m])))", bucket(&m.name))
        }
        _ => format!("{}{{{sel}}}", m.sample_name()),
    }
}

/// PromQL's aggregations and keywords, which may stand before `by (..)` or between operands.
const KEYWORDS: &[&str] = &[
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "offset",
];

/// The metric names a PromQL expression reads (identifiers outside strings, not followed by `(`).
fn metric_names(expr: &str) -> Vec<&str> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'{' {
            // Label matchers: names and values of labels, not metrics.
            while i < b.len() && b[i] != b'}' {
                if b[i] == b'"' {
                    i += 1;
                    while i < b.len() && b[i] != b'"' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                }
                i += 1;
            }
            i += 1;
        } else if c == b'"' || c == b'\'' || c == b'`' {
            i += 1;
            while i < b.len() && b[i] != c {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b':' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b':') {
                i += 1;
            }
            let next = expr[i..].trim_start();
            if !next.starts_with('(') && !KEYWORDS.contains(&&expr[start..i]) {
                out.push(&expr[start..i]);
            }
        } else if c.is_ascii_digit() {
            // A number or a duration such as `5m`: not a name.
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

fn panels<'a>(ps: &'a [Panel], out: &mut Vec<&'a Panel>) {
    for p in ps {
        out.push(p);
        if let Some(inner) = &p.panels {
            panels(inner, out);
        }
    }
}

fn declared(source: Option<&crate::model::Source>, krate: &str, module: &str) -> Declared {
    Declared {
        file: source.map(|s| s.file.clone()),
        line: source.map(|s| s.line),
        krate: krate.to_owned(),
        module: module.to_owned(),
    }
}

pub(crate) fn reference(model: &Model, job: &str, dashboards: &[(String, Dashboard)], rules: &RuleFile) -> Reference {
    let all_rules: Vec<&Rule> = rules.groups.iter().flat_map(|g| &g.rules).collect();
    let families = model
        .metrics
        .iter()
        .map(|m| {
            let samples = samples(m);
            // The names that carry this family: its samples, then every recording rule built on one of them.
            let mut reads: Vec<String> = samples.clone();
            for r in &all_rules {
                if let Rule::Recording(rec) = r {
                    if metric_names(&rec.expr).iter().any(|n| reads.iter().any(|s| s == n))
                        && !reads.contains(&rec.record)
                    {
                        reads.push(rec.record.clone());
                    }
                }
            }
            let mut alerts: Vec<String> = all_rules
                .iter()
                .filter_map(|r| match r {
                    Rule::Alerting(a) if metric_names(&a.expr).iter().any(|n| reads.iter().any(|s| s == n)) => {
                        Some(a.alert.clone())
                    }
                    _ => None,
                })
                .collect();
            alerts.dedup();
            let mut shown = Vec::new();
            for (_, d) in dashboards {
                let mut ps = Vec::new();
                panels(&d.panels, &mut ps);
                for p in ps {
                    if p.targets.iter().any(|t| metric_names(&t.expr).iter().any(|n| samples.iter().any(|s| s == n))) {
                        shown.push(PanelRef { dashboard: d.title.clone(), uid: d.uid.clone(), panel: p.title.clone() });
                    }
                }
            }
            Family {
                name: m.name.clone(),
                kind: m.kind.as_str().to_owned(),
                samples,
                unit: m.unit.clone(),
                help: m.help.clone(),
                labels: m.labels.iter().map(|l| LabelRef { name: l.name.clone(), values: l.values.clone() }).collect(),
                cap: m.cap,
                buckets: m.buckets.clone(),
                native: m.native,
                source: declared(m.source.as_ref(), &m.crate_name, &m.module),
                alerts,
                panels: shown,
                example_query: example(m, job),
            }
        })
        .collect();
    let objectives = rules::objectives(model);
    let functions = model
        .functions
        .iter()
        .map(|f| TracedFunction {
            function: f.function.clone(),
            source: declared(f.source.as_ref(), &f.crate_name, &f.module),
            red_metrics: f.red_metrics,
            in_flight: f.in_flight,
            objectives: objectives
                .iter()
                .filter(|o| o.function == f.function && o.module == f.module)
                .map(|o| ObjectiveRef {
                    slo: o.slo.clone(),
                    sli: o.sli.to_owned(),
                    objective: o.objective,
                    threshold_seconds: o.threshold,
                    description: o.describe(),
                    alerts: BURN_ALERTS
                        .iter()
                        .map(|(long, short, ..)| rules::burn_alert_name(o, *long, *short))
                        .chain([rules::absent_alert_name(o)])
                        .collect(),
                })
                .collect(),
        })
        .collect();
    Reference {
        schema: SCHEMA_FILE.to_owned(),
        service: model.service.clone(),
        job: job.to_owned(),
        families,
        functions,
        health_checks: model
            .health_checks
            .iter()
            .map(|h| Check { name: h.name.clone(), critical: h.critical })
            .collect(),
    }
}

/// A Markdown table cell: `|` escaped, line breaks as spaces.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

impl Reference {
    /// `catalog.json`.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the reference serializes");
        s.push('\n');
        s
    }

    /// `METRICS.md`.
    ///
    /// ```
    /// use obs_dashboards::{generate, Label, Metric, Model};
    /// let mut model = Model::new("svc");
    /// model.metrics.push(Metric::new("jobs", obs_runtime::MetricKind::Counter, "Jobs run.").label(Label::fixed("ok", &["false", "true"])));
    /// let md = generate(&model, &Default::default()).unwrap().reference.to_markdown();
    /// assert!(md.contains("### `jobs`"));
    /// assert!(md.contains("`ok`: `false`, `true`"));
    /// ```
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let mut w = |line: &str| {
            s.push_str(line);
            s.push('\n');
        };
        w("<!-- Generated by obs-dashboards from the obs catalog; do not edit. Regenerate with `gen-dashboards --out DIR`; `--check` fails when this file is stale. -->");
        w(&format!("# Metrics of {}", self.service));
        w("");
        w(&format!(
            "Every metric family the service exposes, its traced functions and their objectives, written from the code. \
             The same facts, for tools: [catalog.json](catalog.json) (schema: [{SCHEMA_FILE}]({SCHEMA_FILE})). \
             Example queries select `job=\"{}\"`.",
            self.job
        ));
        w("");
        w("| family | type | unit | labels | declared in |");
        w("|---|---|---|---|---|");
        for f in &self.families {
            let labels: Vec<String> = f.labels.iter().map(|l| format!("`{}`", l.name)).collect();
            w(&format!(
                "| [`{}`](#{}) | {} | {} | {} | {} |",
                f.name,
                f.name,
                f.kind,
                f.unit.as_deref().unwrap_or(""),
                labels.join(", "),
                cell(&f.source.module)
            ));
        }
        w("");
        w("## Families");
        for f in &self.families {
            w("");
            w(&format!("### `{}`", f.name));
            w("");
            w(&cell(&f.help));
            w("");
            let samples: Vec<String> = f.samples.iter().map(|x| format!("`{x}`")).collect();
            w(&format!(
                "- **Type:** {}{}; samples {}",
                f.kind,
                if f.native { " (native buckets)" } else { "" },
                samples.join(", ")
            ));
            if let Some(u) = &f.unit {
                w(&format!("- **Unit:** {u}"));
            }
            if f.labels.is_empty() {
                w("- **Labels:** none");
            } else {
                w("- **Labels:**");
                for l in &f.labels {
                    match &l.values {
                        Some(v) => {
                            let vs: Vec<String> = v.iter().map(|x| format!("`{x}`")).collect();
                            w(&format!("  - `{}`: {}", l.name, vs.join(", ")));
                        }
                        None => w(&format!("  - `{}`: dynamic", l.name)),
                    }
                }
            }
            w(&format!("- **Cap:** {} series", f.cap));
            if !f.buckets.is_empty() {
                let bs: Vec<String> = f.buckets.iter().map(|b| num(*b)).collect();
                w(&format!("- **Buckets:** {}", bs.join(", ")));
            }
            w(&format!("- **Declared in:** {}", f.source));
            if !f.alerts.is_empty() {
                let a: Vec<String> = f.alerts.iter().map(|x| format!("`{x}`")).collect();
                w(&format!("- **Alerts:** {}", a.join(", ")));
            }
            if !f.panels.is_empty() {
                let p: Vec<String> = f.panels.iter().map(|p| format!("{} › {}", p.dashboard, p.panel)).collect();
                w(&format!("- **Panels:** {}", cell(&p.join("; "))));
            }
            w(&format!("- **Example:** `{}`", f.example_query));
        }
        if !self.functions.is_empty() {
            w("");
            w("## Traced functions");
            w("");
            w(&format!("Each records its calls, errors and duration in the `{}` families, labelled with `function` and `module`.", obs_runtime::families::FUNCTION_CALLS));
            for f in &self.functions {
                w("");
                w(&format!("### `{}::{}`", f.source.module, f.function));
                w("");
                w(&format!("- **Declared in:** {}", f.source));
                w(&format!(
                    "- **RED metrics:** {}; in flight: {}",
                    if f.red_metrics { "yes" } else { "no" },
                    if f.in_flight { "yes" } else { "no" }
                ));
                for o in &f.objectives {
                    let a: Vec<String> = o.alerts.iter().map(|x| format!("`{x}`")).collect();
                    w(&format!("- **SLO `{}` ({}):** {}; alerts {}", o.slo, o.sli, o.description, a.join(", ")));
                }
            }
        }
        if !self.health_checks.is_empty() {
            w("");
            w("## Health checks");
            w("");
            w("| check | critical |");
            w("|---|---|");
            for h in &self.health_checks {
                w(&format!("| `{}` | {} |", cell(&h.name), if h.critical { "yes" } else { "no" }));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::metric_names;

    #[test]
    fn names_in_promql() {
        assert_eq!(
            metric_names("histogram_quantile(0.99, sum by (le) (rate(x_bucket{job=\"a_b\"}[5m]))) > 0.5"),
            ["le", "x_bucket"]
        );
        assert_eq!(
            metric_names("slo:sli_error:ratio_rate1h{slo=\"c\"} > 14.4 * 0.001"),
            ["slo:sli_error:ratio_rate1h"]
        );
    }
}
