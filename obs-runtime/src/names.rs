//! Naming rules, each written once: the sample suffixes of the Prometheus formats and the OpenTelemetry mapping.
//!
//! A family is named without its kind's suffix (`http_requests`, `build`); the exposition adds `_total` to a
//! counter's sample and `_info` to an info metric's, and a histogram owns `_bucket`, `_sum` and `_count`. The
//! catalog's collision check, the renderers and the dashboards generator all call these functions. The suffixes
//! and the unit rule live in `obs-shared`, where the macros that name a family at compile time read them too.

use crate::desc::MetricKind;

pub use obs_shared::{BUCKET, COUNT, INFO, SUM, TOTAL};
/// The label holding a classic histogram bucket's upper bound.
pub const LE: &str = "le";
/// The label holding a summary's quantile.
pub const QUANTILE: &str = "quantile";

/// The suffix of the main sample of a family of `kind`: `_total`, `_info`, or none.
///
/// ```
/// use obs_runtime::{names, MetricKind};
/// assert_eq!(names::sample_suffix(MetricKind::Counter), "_total");
/// assert_eq!(names::sample_suffix(MetricKind::Gauge), "");
/// ```
pub const fn sample_suffix(kind: MetricKind) -> &'static str {
    match kind {
        MetricKind::Counter => TOTAL,
        MetricKind::Info => INFO,
        MetricKind::Gauge | MetricKind::Histogram | MetricKind::Summary | MetricKind::Unknown => "",
    }
}

/// The name of the main sample: `jobs` → `jobs_total` for a counter.
///
/// ```
/// use obs_runtime::{names, MetricKind};
/// assert_eq!(names::sample_name("jobs", MetricKind::Counter), "jobs_total");
/// assert_eq!(names::sample_name("build", MetricKind::Info), "build_info");
/// ```
pub fn sample_name(family: &str, kind: MetricKind) -> String {
    format!("{family}{}", sample_suffix(kind))
}

/// The suffixes of every sample a family of `kind` exposes, in either text format.
///
/// ```
/// use obs_runtime::{names, MetricKind};
/// assert_eq!(names::owned_suffixes(MetricKind::Histogram), ["", "_bucket", "_sum", "_count"]);
/// ```
pub const fn owned_suffixes(kind: MetricKind) -> &'static [&'static str] {
    match kind {
        MetricKind::Counter => &["", TOTAL],
        MetricKind::Info => &["", INFO],
        MetricKind::Histogram => &["", BUCKET, SUM, COUNT],
        MetricKind::Summary => &["", SUM, COUNT],
        MetricKind::Gauge | MetricKind::Unknown => &[""],
    }
}

/// The name of a family in the Prometheus text format 0.0.4, whose `# TYPE` line names the counter's sample.
///
/// ```
/// use obs_runtime::{names, MetricKind};
/// assert_eq!(names::prometheus_family("jobs", MetricKind::Counter), "jobs_total");
/// assert_eq!(names::prometheus_family("latency_seconds", MetricKind::Histogram), "latency_seconds");
/// ```
pub fn prometheus_family(family: &str, kind: MetricKind) -> String {
    sample_name(family, kind)
}

/// The OpenTelemetry instrument name of a family: without `_total`/`_info` (never in the family name) and
/// without the unit suffix, which OTLP carries in its own field (the OpenTelemetry–Prometheus compatibility rules).
///
/// ```
/// use obs_runtime::names;
/// assert_eq!(names::otel_name("http_request_duration_seconds", Some("seconds")), "http_request_duration");
/// assert_eq!(names::otel_name("queue_depth", None), "queue_depth");
/// ```
pub fn otel_name(family: &str, unit: Option<&str>) -> String {
    obs_shared::without_unit(family, unit).to_owned()
}

/// The UCUM unit OpenTelemetry carries for a Prometheus base unit (`seconds` → `s`, `bytes` → `By`).
///
/// ```
/// use obs_runtime::names;
/// assert_eq!(names::ucum_unit(Some("seconds")), "s");
/// assert_eq!(names::ucum_unit(Some("bytes")), "By");
/// assert_eq!(names::ucum_unit(Some("ratio")), "1");
/// assert_eq!(names::ucum_unit(None), "");
/// ```
pub fn ucum_unit(unit: Option<&str>) -> &str {
    match unit {
        None => "",
        Some("seconds") => "s",
        Some("milliseconds") => "ms",
        Some("microseconds") => "us",
        Some("nanoseconds") => "ns",
        Some("bytes") => "By",
        Some("kilobytes") => "kBy",
        Some("megabytes") => "MBy",
        Some("bits") => "bit",
        Some("meters") => "m",
        Some("volts") => "V",
        Some("amperes") => "A",
        Some("joules") => "J",
        Some("watts") => "W",
        Some("grams") => "g",
        Some("celsius") => "Cel",
        Some("hertz") => "Hz",
        Some("ratio") => "1",
        Some("percent") => "%",
        Some(other) => other,
    }
}
