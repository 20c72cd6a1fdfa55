//! Interop with the `prometheus` crate: families of a `prometheus::Registry` appear in obs' exposition.
//!
//! This is the direction that lets a service migrate gradually: metrics it already registers keep working, and
//! one `/metrics` shows both, in either text format.

use crate::catalog::Catalog;
use crate::encoding::{escape_help, escape_label_value, format_f64, Format};
use prometheus::proto::{MetricFamily, MetricType};
use std::collections::HashSet;
use std::sync::Mutex;

static REGISTRIES: Mutex<Vec<prometheus::Registry>> = Mutex::new(Vec::new());

/// Includes every family of `registry` in obs' exposition, after obs' own families.
///
/// A family whose name collides with a declared obs metric is left out, so the output stays valid.
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

#[allow(deprecated)] // `Untyped` getters are deprecated in the plain model, yet still what `gather` returns
pub(crate) fn encode_registries(catalog: &Catalog, format: Format, out: &mut String) {
    let registries = REGISTRIES.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if registries.is_empty() {
        return;
    }
    let taken: HashSet<String> = catalog.exposed().flat_map(|m| m.sample_names()).collect();
    let mut families: Vec<MetricFamily> = registries.iter().flat_map(|r| r.gather()).collect();
    families.sort_by(|a, b| a.name().cmp(b.name()));
    for f in &families {
        let name = f.name();
        let om = format == Format::OpenMetrics;
        let counter = f.get_field_type() == MetricType::COUNTER;
        // OpenMetrics names a counter family without `_total` and requires it on the sample.
        let family = if counter && om { name.strip_suffix("_total").unwrap_or(name) } else { name };
        let sample = if counter && om { format!("{family}_total") } else { name.to_owned() };
        if taken.contains(family) || taken.contains(&sample) {
            continue;
        }
        let ty = match (f.get_field_type(), om) {
            (MetricType::COUNTER, _) => "counter",
            (MetricType::GAUGE, _) => "gauge",
            (MetricType::HISTOGRAM, _) => "histogram",
            (MetricType::SUMMARY, _) => "summary",
            (MetricType::UNTYPED, false) => "untyped",
            (MetricType::UNTYPED, true) => "unknown",
        };
        out.push_str("# HELP ");
        out.push_str(family);
        out.push(' ');
        escape_help(out, f.help(), om);
        out.push_str(&format!("\n# TYPE {family} {ty}\n"));
        for m in f.get_metric() {
            let mut labels = String::new();
            for (i, l) in m.get_label().iter().enumerate() {
                if i > 0 {
                    labels.push(',');
                }
                labels.push_str(l.name());
                labels.push_str("=\"");
                escape_label_value(&mut labels, l.value());
                labels.push('"');
            }
            let line = |out: &mut String, suffix: &str, extra: Option<(&str, String)>, v: String| {
                out.push_str(family);
                out.push_str(suffix);
                let mut l = labels.clone();
                if let Some((k, x)) = extra {
                    if !l.is_empty() {
                        l.push(',');
                    }
                    l.push_str(&format!("{k}=\"{x}\""));
                }
                if !l.is_empty() {
                    out.push('{');
                    out.push_str(&l);
                    out.push('}');
                }
                out.push(' ');
                out.push_str(&v);
                out.push('\n');
            };
            match f.get_field_type() {
                MetricType::COUNTER => {
                    let suffix = if sample.len() > family.len() { &sample[family.len()..] } else { "" };
                    line(out, suffix, None, format_f64(m.get_counter().get_value()));
                }
                MetricType::GAUGE => line(out, "", None, format_f64(m.get_gauge().get_value())),
                MetricType::UNTYPED => line(out, "", None, format_f64(m.get_untyped().get_value())),
                MetricType::HISTOGRAM => {
                    let h = m.get_histogram();
                    for b in h.get_bucket() {
                        if b.upper_bound().is_infinite() {
                            continue;
                        }
                        let le = format_f64(b.upper_bound());
                        line(out, "_bucket", Some(("le", le)), b.cumulative_count().to_string());
                    }
                    let count = h.get_sample_count().to_string();
                    line(out, "_bucket", Some(("le", "+Inf".into())), count.clone());
                    line(out, "_count", None, count);
                    line(out, "_sum", None, format_f64(h.get_sample_sum()));
                }
                MetricType::SUMMARY => {
                    let s = m.get_summary();
                    for q in s.get_quantile() {
                        line(out, "", Some(("quantile", format_f64(q.quantile()))), format_f64(q.value()));
                    }
                    line(out, "_count", None, s.sample_count().to_string());
                    line(out, "_sum", None, format_f64(s.sample_sum()));
                }
            }
        }
    }
}
