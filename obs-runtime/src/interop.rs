//! Interop with the `prometheus` crate: families of a `prometheus::Registry` appear in obs' exposition.
//!
//! This is the direction that lets a service migrate gradually: metrics it already registers keep working, and
//! one `/metrics` shows both, in either text format.

use crate::desc::MetricKind;
use crate::encoding::render_labels;
use crate::labels::LabelDesc;
use crate::model::{Family, FamilySink, HistogramPoint, Labels, Number, Point, SummaryPoint};
use crate::names;
use prometheus::proto::{MetricFamily, MetricType};
use std::sync::Mutex;

static REGISTRIES: Mutex<Vec<prometheus::Registry>> = Mutex::new(Vec::new());

/// Includes every family of `registry` in obs' exposition, after obs' own families.
///
/// A family whose name collides with a declared obs metric, or with a family of a registry registered earlier, is
/// left out, so the output stays valid ([`Catalog::validate`](crate::Catalog::validate) reports it). A counter is
/// exposed under the one naming rule of [`crate::names`]: its family name is the registry's without `_total`, and
/// its sample carries `_total` in both text formats.
///
/// ```
/// let registry = prometheus::Registry::new();
/// let legacy = prometheus::IntCounter::new("legacy_jobs_total", "Jobs counted the old way.").unwrap();
/// registry.register(Box::new(legacy.clone())).unwrap();
/// legacy.inc();
/// obs_runtime::register_prometheus_registry(registry);
/// let text = obs_runtime::encode(obs_runtime::Format::OpenMetrics);
/// assert!(text.contains("# TYPE legacy_jobs counter\nlegacy_jobs_total 1.0\n"));
/// ```
pub fn register_prometheus_registry(registry: prometheus::Registry) {
    REGISTRIES.lock().unwrap_or_else(|e| e.into_inner()).push(registry);
}

/// Feeds the families of every registered registry to `sink`, sorted by name, leaving out those whose samples
/// `taken` says an obs family owns.
#[allow(deprecated)] // `Untyped` getters are deprecated in the plain model, yet still what `gather` returns
pub(crate) fn collect_registries(taken: &dyn Fn(&str) -> bool, sink: &mut dyn FamilySink) {
    let registries = REGISTRIES.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if registries.is_empty() {
        return;
    }
    for (f, left_out) in plan(&registries, taken) {
        if left_out.is_some() {
            continue;
        }
        let (name, kind) = family_of(&f);
        // The family's label names are its first series'; the `prometheus` crate gives every series of a
        // vector the same ones.
        let descs = |m: &prometheus::proto::Metric| -> Vec<LabelDesc> {
            m.get_label().iter().map(|l| LabelDesc { name: leak_name(l.name()), values: None }).collect()
        };
        let family_labels: Vec<LabelDesc> = f.get_metric().first().map_or_else(Vec::new, descs);
        sink.begin(Family { name, kind, help: f.help(), unit: None, labels: &family_labels });
        let mut cumulative = Vec::new();
        let mut bounds = Vec::new();
        for m in f.get_metric() {
            // Every series of a vector has the family's names: looked up (interned, under a lock) only if not.
            let same = m.get_label().iter().map(|l| l.name()).eq(family_labels.iter().map(|l| l.name));
            let own;
            let label_names: &[LabelDesc] = if same {
                &family_labels
            } else {
                own = descs(m);
                &own
            };
            let values: Vec<&str> = m.get_label().iter().map(|l| l.value()).collect();
            let rendered = render_labels(label_names, values.iter().copied());
            let labels = Labels::new(label_names, &values, &rendered);
            let quantiles: Vec<(f64, f64)>;
            let point = match kind {
                MetricKind::Counter => Point::Counter(Number::F64(m.get_counter().get_value())),
                MetricKind::Gauge => Point::Gauge(Number::F64(m.get_gauge().get_value())),
                MetricKind::Unknown => Point::Unknown(m.get_untyped().get_value()),
                MetricKind::Histogram => {
                    let h = m.get_histogram();
                    bounds.clear();
                    cumulative.clear();
                    for b in h.get_bucket().iter().filter(|b| b.upper_bound().is_finite()) {
                        bounds.push(b.upper_bound());
                        cumulative.push(b.cumulative_count());
                    }
                    cumulative.push(h.get_sample_count());
                    let sum = h.get_sample_sum();
                    Point::Histogram(HistogramPoint {
                        bounds: &bounds,
                        cumulative: &cumulative,
                        sum,
                        exemplars: &[],
                        native: None,
                    })
                }
                MetricKind::Summary | MetricKind::Info => {
                    let s = m.get_summary();
                    quantiles = s.get_quantile().iter().map(|q| (q.quantile(), q.value())).collect();
                    Point::Summary(SummaryPoint { quantiles: &quantiles, count: s.sample_count(), sum: s.sample_sum() })
                }
            };
            sink.point(labels, point);
        }
    }
}

/// Why a merged family is left out of the exposition.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LeftOut {
    /// This sample is an obs declaration's.
    Declared(String),
    /// This sample is a family's of a registry registered earlier.
    Merged(String),
}

/// Every family of the registered registries, sorted by name (a stable sort: registries in the order they were
/// registered), each with the reason it is left out, if it is: a sample an obs declaration owns, or one a family
/// earlier in this order already exposes (two registries holding one family would repeat it).
fn plan(registries: &[prometheus::Registry], taken: &dyn Fn(&str) -> bool) -> Vec<(MetricFamily, Option<LeftOut>)> {
    let mut families: Vec<MetricFamily> = registries.iter().flat_map(|r| r.gather()).collect();
    families.sort_by(|a, b| a.name().cmp(b.name()));
    let mut exposed: std::collections::HashSet<String> = std::collections::HashSet::new();
    families
        .into_iter()
        .map(|f| {
            let (name, kind) = family_of(&f);
            let samples: Vec<String> = names::owned_suffixes(kind).iter().map(|s| format!("{name}{s}")).collect();
            // Searched from the last: a counter's `_total` names the clash better than its bare family name.
            let left_out = match samples.iter().rev().find(|s| taken(s)) {
                Some(s) => Some(LeftOut::Declared(s.clone())),
                None => samples.iter().rev().find(|s| exposed.contains(*s)).map(|s| LeftOut::Merged(s.clone())),
            };
            if left_out.is_none() {
                exposed.extend(samples);
            }
            (f, left_out)
        })
        .collect()
}

/// A merged family's name and kind under obs' naming rule: a counter's family name has no `_total`.
fn family_of(f: &MetricFamily) -> (&str, MetricKind) {
    let kind = match f.get_field_type() {
        MetricType::COUNTER => MetricKind::Counter,
        MetricType::GAUGE => MetricKind::Gauge,
        MetricType::HISTOGRAM => MetricKind::Histogram,
        MetricType::SUMMARY => MetricKind::Summary,
        MetricType::UNTYPED => MetricKind::Unknown,
    };
    let name = match kind {
        MetricKind::Counter => f.name().strip_suffix(names::TOTAL).unwrap_or(f.name()),
        _ => f.name(),
    };
    (name, kind)
}

/// A family of a registered `prometheus::Registry`, as the catalog lists it: registries are registered at run
/// time, so these are read when asked for, not gathered at link time like declarations.
///
/// ```
/// let registry = prometheus::Registry::new();
/// let g = prometheus::Gauge::new("legacy_queue_depth", "Jobs waiting, the old way.").unwrap();
/// registry.register(Box::new(g)).unwrap();
/// obs_runtime::register_prometheus_registry(registry);
/// let merged = obs_runtime::catalog().merged();
/// let f = merged.iter().find(|f| f.name == "legacy_queue_depth").unwrap();
/// assert_eq!((f.kind, f.help.as_str()), (obs_runtime::MetricKind::Gauge, "Jobs waiting, the old way."));
/// assert_eq!((f.shadowed_by.as_deref(), f.duplicate_of.as_deref()), (None, None));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MergedFamily {
    /// The family name under obs' naming rule (a counter's without `_total`).
    pub name: String,
    /// The kind.
    pub kind: MetricKind,
    /// The HELP text.
    pub help: String,
    /// The sample an obs declaration already owns, if one does: the family is then left out of the exposition,
    /// and [`Catalog::validate`](crate::Catalog::validate) reports it.
    pub shadowed_by: Option<String>,
    /// The sample a family of a registry registered earlier already exposes, if one does (the same family in two
    /// registries): this one is then left out, and [`Catalog::validate`](crate::Catalog::validate) reports it.
    pub duplicate_of: Option<String>,
}

/// The families of every registered registry, with the sample that leaves each out, if any.
pub(crate) fn merged_families(taken: &dyn Fn(&str) -> bool) -> Vec<MergedFamily> {
    let registries = REGISTRIES.lock().unwrap_or_else(|e| e.into_inner()).clone();
    plan(&registries, taken)
        .into_iter()
        .map(|(f, left_out)| {
            let (name, kind) = family_of(&f);
            let (shadowed_by, duplicate_of) = match left_out {
                Some(LeftOut::Declared(s)) => (Some(s), None),
                Some(LeftOut::Merged(s)) => (None, Some(s)),
                None => (None, None),
            };
            MergedFamily { name: name.to_owned(), kind, help: f.help().to_owned(), shadowed_by, duplicate_of }
        })
        .collect()
}

/// Label names of merged families, interned: the model names labels with `&'static str`, and a registry's label
/// names are a small fixed set, so each distinct one is leaked once.
fn leak_name(name: &str) -> &'static str {
    static NAMES: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    match names.iter().find(|n| **n == name) {
        Some(n) => n,
        None => {
            let n: &'static str = Box::leak(name.into());
            names.push(n);
            n
        }
    }
}
