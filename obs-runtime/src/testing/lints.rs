//! The catalog checked from a test: [`validate`](crate::Catalog::validate) plus the naming lints `promtool check
//! metrics` applies to an exposition, reported at each declaration's file and line.
//!
//! The lints are Prometheus' own (client_golang's `promlint`, which `promtool check metrics` runs), applied to the
//! name each family has in the Prometheus text format (a counter's `_total` included), so a name that passes here
//! passes promtool on a scrape, and a test fails at the declaration rather than a dashboard later.

use crate::catalog::{catalog, Catalog, CatalogMetric};
use crate::desc::Location;
use crate::encoding::prometheus_type;
use crate::names;
use std::fmt;

/// One naming problem of one declaration.
///
/// ```
/// let problems = obs_runtime::testing::lint(obs_runtime::catalog());
/// assert!(problems.iter().all(|p| !p.problem.is_empty()));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Lint {
    /// The family's name in the Prometheus text format (`jobs_total`).
    pub metric: String,
    /// Where it is declared.
    pub location: Location,
    /// promtool's wording of the problem.
    pub problem: String,
}

impl fmt::Display for Lint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.location, self.metric, self.problem)
    }
}

/// Units promtool knows, each with its base unit.
const UNITS: &[(&str, &str)] = &[
    ("amperes", "amperes"),
    ("bytes", "bytes"),
    ("celsius", "celsius"),
    ("grams", "grams"),
    ("joules", "joules"),
    ("kelvin", "kelvin"),
    ("meters", "meters"),
    ("metres", "metres"),
    ("seconds", "seconds"),
    ("volts", "volts"),
    ("minutes", "seconds"),
    ("hours", "seconds"),
    ("days", "seconds"),
    ("weeks", "seconds"),
    ("kelvins", "kelvin"),
    ("fahrenheit", "celsius"),
    ("rankine", "celsius"),
    ("inches", "meters"),
    ("yards", "meters"),
    ("miles", "meters"),
    ("bits", "bytes"),
    ("calories", "joules"),
    ("pounds", "grams"),
    ("ounces", "grams"),
];

const UNIT_PREFIXES: &[&str] = &[
    "pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo", "kibi", "mega", "mibi", "giga", "gibi",
    "tera", "tebi", "peta", "pebi",
];

const UNIT_ABBREVIATIONS: &[&str] = &["s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d"];

/// The Prometheus types whose names a metric name must not contain.
const TYPE_NAMES: &[&str] = &["counter", "gauge", "summary", "histogram"];

/// The naming problems promtool would report on the exposition of `catalog`, by declaration, in catalog order.
///
/// ```
/// use obs_runtime::{Gauge, MetricDesc, MetricKind};
/// static QUEUE: Gauge = Gauge::new(&MetricDesc::new("queue_length_total", MetricKind::Gauge, "Queue."));
/// obs_runtime::register!(QUEUE);
/// let problems = obs_runtime::testing::lint(obs_runtime::catalog());
/// let p = problems.iter().find(|p| p.metric == "queue_length_total").unwrap();
/// assert_eq!(p.problem, "non-counter metrics should not have \"_total\" suffix");
/// assert_eq!(p.location.file, file!());
/// ```
pub fn lint(catalog: &Catalog) -> Vec<Lint> {
    let mut out = Vec::new();
    for m in catalog.metrics() {
        for problem in problems(m) {
            out.push(Lint { metric: family_name(m), location: m.location(), problem });
        }
    }
    out
}

fn family_name(m: &CatalogMetric) -> String {
    names::prometheus_family(m.name(), m.kind())
}

/// promlint's checks, in its order, on one family.
fn problems(m: &CatalogMetric) -> Vec<String> {
    let name = family_name(m);
    let ty = prometheus_type(m.kind());
    let mut p = Vec::new();
    if m.help().is_empty() {
        p.push("no help text".to_owned());
    }
    if let Some((unit, base)) = unit_of(&name) {
        if unit != base {
            p.push(format!("use base unit \"{base}\" instead of \"{unit}\""));
        }
    }
    let (counter, untyped) = (ty == "counter", ty == "untyped");
    let total = name.ends_with(names::TOTAL);
    if counter && !total {
        p.push("counter metrics should have \"_total\" suffix".to_owned());
    } else if !untyped && !counter && total {
        p.push("non-counter metrics should not have \"_total\" suffix".to_owned());
    }
    if !untyped {
        let (histogram, summary) = (ty == "histogram", ty == "summary");
        if !histogram && name.ends_with(names::BUCKET) {
            p.push("non-histogram metrics should not have \"_bucket\" suffix".to_owned());
        }
        if !histogram && !summary && name.ends_with(names::COUNT) {
            p.push("non-histogram and non-summary metrics should not have \"_count\" suffix".to_owned());
        }
        if !histogram && !summary && name.ends_with(names::SUM) {
            p.push("non-histogram and non-summary metrics should not have \"_sum\" suffix".to_owned());
        }
        for l in m.labels() {
            if !histogram && l.name == "le" {
                p.push("non-histogram metrics should not have \"le\" label".to_owned());
            }
            if !summary && l.name == "quantile" {
                p.push("non-summary metrics should not have \"quantile\" label".to_owned());
            }
        }
    }
    let lower = name.to_lowercase();
    if !untyped {
        for t in TYPE_NAMES {
            if has_part(&lower, t) {
                p.push(format!("metric name should not include type '{t}'"));
            }
        }
    }
    if name.contains(':') {
        p.push("metric names should not contain ':'".to_owned());
    }
    if camel_case(&name) {
        p.push("metric names should be written in 'snake_case' not 'camelCase'".to_owned());
    }
    if m.labels().iter().any(|l| camel_case(l.name)) {
        p.push("label names should be written in 'snake_case' not 'camelCase'".to_owned());
    }
    for a in UNIT_ABBREVIATIONS {
        if has_part(&lower, a) {
            p.push("metric names should not contain abbreviated units".to_owned());
        }
    }
    p
}

/// `_part_` inside the name or `_part` at its end, as promlint matches words.
fn has_part(name: &str, part: &str) -> bool {
    name.contains(&format!("_{part}_")) || name.ends_with(&format!("_{part}"))
}

/// The first word of the name that is a known unit, with or without a prefix, and its base unit.
fn unit_of(name: &str) -> Option<(String, &'static str)> {
    let words: Vec<&str> = name.split('_').collect();
    for (unit, base) in UNITS {
        for prefix in UNIT_PREFIXES.iter().chain([&""]) {
            let full = format!("{prefix}{unit}");
            if words.contains(&full.as_str()) {
                return Some((full, base));
            }
        }
    }
    None
}

/// promlint's `[a-z][A-Z]`.
fn camel_case(s: &str) -> bool {
    s.as_bytes().windows(2).any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
}

/// Fails the calling test if the catalog has conflicts ([`Catalog::validate`]) or names that promtool's lints
/// reject, listing each at its declaration's file and line.
///
/// ```standalone_crate
/// obs_runtime::testing::assert_catalog();
/// ```
///
/// # Panics
/// With every problem found, one per line.
#[track_caller]
pub fn assert_catalog() {
    let c = catalog();
    let mut lines: Vec<String> = match c.validate() {
        Ok(()) => Vec::new(),
        Err(e) => e.0.iter().map(|e| e.to_string()).collect(),
    };
    lines.extend(lint(c).iter().map(|l| format!("{l} (promtool check metrics)")));
    if !lines.is_empty() {
        panic!(
            "the metrics catalog has {} problem(s):\n{}\nrename each declaration (its struct, or `name = \"..\"` in \
             #[metric]) so that its scrape passes `promtool check metrics`",
            lines.len(),
            lines.join("\n")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_match_whole_words_with_prefixes() {
        assert_eq!(unit_of("disk_kilobytes"), Some(("kilobytes".into(), "bytes")));
        assert_eq!(unit_of("room_thermometers"), None);
        assert_eq!(unit_of("wait_seconds"), Some(("seconds".into(), "seconds")));
        assert!(camel_case("fooBar") && !camel_case("foo_bar"));
        assert!(has_part("a_ms", "ms") && has_part("a_ms_b", "ms") && !has_part("arms", "ms"));
    }
}
