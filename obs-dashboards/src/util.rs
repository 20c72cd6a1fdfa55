//! Small formatting helpers shared by the generators.

use obs_runtime::{names, MetricKind};

/// A counter family's sample: `function_calls` → `function_calls_total`.
pub(crate) fn total(family: &str) -> String {
    names::sample_name(family, MetricKind::Counter)
}

/// A classic histogram's bucket series: `x_seconds` → `x_seconds_bucket`.
pub(crate) fn bucket(family: &str) -> String {
    format!("{family}{}", names::BUCKET)
}

/// A histogram's count series: `x_seconds` → `x_seconds_count`.
pub(crate) fn count(family: &str) -> String {
    format!("{family}{}", names::COUNT)
}

/// A number as PromQL and YAML want it: integers without a fraction, others rounded to 12 decimals.
pub(crate) fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let s = format!("{v:.12}");
    let s = s.trim_end_matches('0');
    s.trim_end_matches('.').to_owned()
}

/// Seconds as a Prometheus duration: `300` → `5m`, `86400` → `1d`.
pub(crate) fn dur(s: u64) -> String {
    match s {
        0 => "0s".to_owned(),
        s if s % 86400 == 0 => format!("{}d", s / 86400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// FNV-1a, 64 bits: a stable hash for uids (std's hasher is not stable across releases).
pub(crate) fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A Grafana uid (at most 40 characters) derived from `key`.
pub(crate) fn uid(prefix: &str, key: &str) -> String {
    let p: String =
        prefix.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).take(22).collect();
    format!("{p}-{:016x}", fnv(key))
}

/// `checkout_flow` / `shop-service` → `CheckoutFlow` / `ShopService`.
pub(crate) fn camel(s: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if up {
                out.extend(c.to_uppercase());
            } else {
                out.push(c);
            }
            up = false;
        } else {
            up = true;
        }
    }
    out
}

/// A PromQL string literal.
pub(crate) fn q(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(num(14.4 * 0.001), "0.0144");
        assert_eq!(num(100.0), "100");
        assert_eq!(num(0.25), "0.25");
        assert_eq!(dur(300), "5m");
        assert_eq!(dur(259200), "3d");
        assert_eq!(dur(90), "90s");
        assert_eq!(camel("shop-service"), "ShopService");
        assert_eq!(q("a\"b"), "\"a\\\"b\"");
        assert_eq!(uid("shop", "x").len(), 21);
    }
}
