//! Prometheus naming rules, snake-case conversion, units and "did you mean" suggestions.

/// `HttpRequests` → `http_requests`, `HTTPRequests` → `http_requests`, `Http2Requests` → `http2_requests`.
pub fn snake_case(ident: &str) -> String {
    let ident = ident.strip_prefix("r#").unwrap_or(ident);
    let chars: Vec<char> = ident.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            let boundary = match prev {
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => next.is_some_and(|n| n.is_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Checks a metric name (or namespace) against Prometheus' rules; the error says why and how to fix it.
pub fn check_metric_name(name: &str, what: &str) -> Result<(), String> {
    check_name(name, what, METRIC_NAME_PATTERN)?;
    if name.contains(':') {
        return Err(format!("{what} `{name}` contains `:`, which Prometheus reserves for recording rules; use `_`"));
    }
    Ok(())
}

/// Checks a label name; `le`, `quantile` and `__*` are reserved.
pub fn check_label_name(name: &str) -> Result<(), String> {
    check_name(name, "label name", LABEL_NAME_PATTERN)?;
    let owner = match name {
        "le" => Some("a histogram's bucket bounds"),
        "quantile" => Some("a summary's quantiles"),
        _ => None,
    };
    if let Some(owner) = owner {
        return Err(format!(
            "label name `{name}` is reserved: Prometheus uses it for {owner}; rename the field or use `#[label(name = \"...\")]`"
        ));
    }
    Ok(())
}

/// Prometheus' pattern for metric names; `:` is allowed by it but reserved for recording rules.
const METRIC_NAME_PATTERN: &str = "[a-zA-Z_:][a-zA-Z0-9_:]*";
/// Prometheus' pattern for label names: no `:`.
const LABEL_NAME_PATTERN: &str = "[a-zA-Z_][a-zA-Z0-9_]*";

fn check_name(name: &str, what: &str, pattern: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return Err(format!("{what} is empty; give a name matching {pattern}"));
    };
    if !(first.is_ascii_alphabetic() || first == '_' || (first == ':' && pattern == METRIC_NAME_PATTERN)) {
        return Err(format!(
            "{what} `{name}` must start with a letter or `_`: Prometheus names match {pattern}; rename it"
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || (c == ':' && pattern == METRIC_NAME_PATTERN);
    if let Some(bad) = name.chars().find(|c| !allowed(*c)) {
        return Err(format!("{what} `{name}` contains `{bad}`; Prometheus names match {pattern}, so use `_` instead"));
    }
    if name.starts_with("__") {
        return Err(format!(
            "{what} `{name}` starts with `__`, which Prometheus reserves for internal use; remove the leading underscores"
        ));
    }
    Ok(())
}

/// Base units accepted without comment (Prometheus' naming guide).
pub const BASE_UNITS: &[&str] = &[
    "seconds", "bytes", "ratio", "meters", "grams", "volts", "amperes", "joules", "celsius", "kelvin", "hertz",
    "watts", "bits",
];

/// A unit that is not a base unit, with the base unit to use instead.
pub fn non_base_unit(unit: &str) -> Option<&'static str> {
    Some(match unit {
        "ms" | "millis" | "milliseconds" | "us" | "µs" | "micros" | "microseconds" | "ns" | "nanos" | "nanoseconds"
        | "s" | "sec" | "secs" | "second" | "minutes" | "minute" | "hours" | "hour" | "days" | "day" => "seconds",
        "b" | "byte" | "kb" | "kib" | "kilobytes" | "mb" | "mib" | "megabytes" | "gb" | "gib" | "gigabytes" => "bytes",
        "percent" | "percentage" | "pct" => "ratio",
        "kilograms" | "kg" | "g" => "grams",
        "km" | "kilometers" | "m" | "meter" | "cm" | "mm" => "meters",
        _ => return None,
    })
}

/// The closest candidate to `word`, if close enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (distance(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// " (did you mean `x`?)" or nothing.
pub fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    suggest(word, candidates).map_or(String::new(), |s| format!(" (did you mean `{s}`?)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_handles_acronyms_and_digits() {
        assert_eq!(snake_case("HttpRequests"), "http_requests");
        assert_eq!(snake_case("HTTPRequests"), "http_requests");
        assert_eq!(snake_case("Http2Requests"), "http2_requests");
        assert_eq!(snake_case("CPU"), "cpu");
        assert_eq!(snake_case("r#Type"), "type");
    }

    #[test]
    fn label_names_quote_the_label_pattern() {
        let e = check_label_name("a:b").unwrap_err();
        assert!(e.contains("[a-zA-Z_][a-zA-Z0-9_]*") && !e.contains("[a-zA-Z_:]"), "{e}");
        let e = check_label_name("quantile").unwrap_err();
        assert!(e.contains("summary") && !e.contains("histogram"), "{e}");
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("bukets", &["buckets", "labels"]), Some("buckets"));
        assert_eq!(suggest("zzzzzz", &["buckets", "labels"]), None);
    }
}
