//! What `obs-macros` (at compile time) and `obs-runtime` (at run time) must agree on, defined once.
//!
//! A proc-macro crate cannot use its runtime's items while it runs, yet it needs their values: it checks an SLO
//! latency threshold against the default buckets, it parses the durations a declaration gives, and it names a
//! family by the same rules the exposition applies to its samples. So both depend on this small crate, which has
//! no dependencies, instead of each keeping a copy.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::time::Duration;

/// Prometheus' default histogram buckets (client_golang `DefBuckets`), in seconds.
///
/// ```
/// assert_eq!(obs_shared::DEFAULT_BUCKETS.first(), Some(&0.005));
/// assert_eq!(obs_shared::DEFAULT_BUCKETS.last(), Some(&10.0));
/// ```
pub const DEFAULT_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Default buckets of a histogram with `unit = "bytes"`: `exponential(64, 4, 10)`, 64 B to 16 MiB.
///
/// ```
/// let b = obs_shared::DEFAULT_BYTE_BUCKETS;
/// assert!(b.windows(2).all(|w| w[1] == w[0] * 4.0));
/// assert_eq!((b[0], b.len()), (64.0, 10));
/// ```
pub const DEFAULT_BYTE_BUCKETS: &[f64] =
    &[64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0, 16777216.0];

/// The series cap of a metric that does not set `cap`.
///
/// ```
/// assert_eq!(obs_shared::DEFAULT_CAP, 2000);
/// ```
pub const DEFAULT_CAP: u32 = 2000;

/// The sample suffix of a counter: a family `jobs` exposes `jobs_total`.
pub const TOTAL: &str = "_total";
/// The sample suffix of an info metric: a family `build` exposes `build_info`.
pub const INFO: &str = "_info";
/// The sample suffix of a classic histogram's buckets.
pub const BUCKET: &str = "_bucket";
/// The sample suffix of a histogram's (or summary's) sum.
pub const SUM: &str = "_sum";
/// The sample suffix of a histogram's (or summary's) count.
pub const COUNT: &str = "_count";
/// The suffixes of a histogram's own samples, which no other family may end in.
///
/// ```
/// assert_eq!(obs_shared::HISTOGRAM_SAMPLES, ["_bucket", "_sum", "_count"]);
/// ```
pub const HISTOGRAM_SAMPLES: [&str; 3] = [BUCKET, SUM, COUNT];

/// Whether `name` already ends in its unit, as a whole word (`latency_seconds` for `seconds`, not
/// `latencyseconds`).
///
/// ```
/// assert!(obs_shared::ends_in_unit("latency_seconds", "seconds"));
/// assert!(!obs_shared::ends_in_unit("latencyseconds", "seconds"));
/// assert!(!obs_shared::ends_in_unit("seconds", "seconds"));
/// ```
pub fn ends_in_unit(name: &str, unit: &str) -> bool {
    name.strip_suffix(unit).and_then(|s| s.strip_suffix('_')).is_some_and(|s| !s.is_empty())
}

/// A family's name with its unit as the last word, as Prometheus' naming rules ask (`request_duration` in
/// `seconds` is `request_duration_seconds`); a name that already ends in its unit is kept.
///
/// ```
/// assert_eq!(obs_shared::with_unit("request_duration", Some("seconds")), "request_duration_seconds");
/// assert_eq!(obs_shared::with_unit("payload_bytes", Some("bytes")), "payload_bytes");
/// assert_eq!(obs_shared::with_unit("queue_depth", None), "queue_depth");
/// ```
pub fn with_unit(name: &str, unit: Option<&str>) -> String {
    match unit {
        Some(u) if !ends_in_unit(name, u) => format!("{name}_{u}"),
        _ => name.to_owned(),
    }
}

/// The name without its unit word, for formats that carry the unit in a field of its own (OpenTelemetry): the
/// name as it is when it does not end in the unit, or is nothing but the unit.
///
/// ```
/// assert_eq!(obs_shared::without_unit("request_duration_seconds", Some("seconds")), "request_duration");
/// assert_eq!(obs_shared::without_unit("queue_depth", None), "queue_depth");
/// ```
pub fn without_unit<'a>(name: &'a str, unit: Option<&str>) -> &'a str {
    match unit {
        Some(u) if ends_in_unit(name, u) => &name[..name.len() - u.len() - 1],
        _ => name,
    }
}

/// The units of a Prometheus duration, largest first, with their length in milliseconds.
const UNITS: &[(&str, u64)] = &[
    ("y", 365 * 86_400_000),
    ("w", 7 * 86_400_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// The grammar, for messages.
pub const DURATION_GRAMMAR: &str =
    "a Prometheus duration: whole numbers with units y, w, d, h, m, s, ms, largest first, such as \"250ms\", \"30s\", \"5m\", \"1h30m\" or \"7d\"";

/// Parses a duration as Prometheus does (`model.ParseDuration`): whole numbers each followed by a unit, the units
/// `y` (365 days), `w`, `d`, `h`, `m`, `s` and `ms` in that order, each at most once; `"0"` alone is zero.
///
/// ```
/// use std::time::Duration;
/// use obs_shared::parse_duration;
/// assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
/// assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
/// assert_eq!(parse_duration("7d"), Some(Duration::from_secs(7 * 86_400)));
/// assert_eq!(parse_duration("1y"), Some(Duration::from_secs(365 * 86_400)));
/// assert_eq!(parse_duration("0"), Some(Duration::ZERO));
/// assert_eq!(parse_duration("30m1h"), None); // largest unit first
/// assert_eq!(parse_duration("1.5h"), None); // whole numbers only
/// assert_eq!(parse_duration("2 s"), None);
/// ```
pub fn parse_duration(s: &str) -> Option<Duration> {
    if s == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = s;
    let mut total: u64 = 0;
    // Index into `UNITS` of the next unit allowed: each unit comes once, after every larger one.
    let mut next = 0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        // `ms` before `m`, so "5ms" is not read as five minutes followed by "s".
        let (i, (unit, ms)) = UNITS
            .iter()
            .enumerate()
            .skip(next)
            .filter(|(_, (u, _))| rest.starts_with(u))
            .max_by_key(|(_, (u, _))| u.len())?;
        rest = &rest[unit.len()..];
        total = total.checked_add(n.checked_mul(*ms)?)?;
        next = i + 1;
    }
    (!s.is_empty()).then(|| Duration::from_millis(total))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn accepts_every_prometheus_unit_in_order() {
        let ms = |s| parse_duration(s).map(|d: Duration| d.as_millis() as u64);
        assert_eq!(ms("1y2w3d4h5m6s7ms"), Some(((((365 + 14 + 3) * 24 + 4) * 60 + 5) * 60 + 6) * 1000 + 7));
        assert_eq!(ms("5m"), Some(300_000));
        assert_eq!(ms("5ms"), Some(5));
        assert_eq!(ms("1m5ms"), Some(60_005));
    }

    #[test]
    fn rejects_what_prometheus_rejects() {
        for bad in ["", "s", "5", "5x", "1s1s", "1s1m", "-5s", "1.5s", " 5s", "5s ", "5 s", "1ms1s"] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }
}
