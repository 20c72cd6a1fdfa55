//! Escaping for label values and HELP text, as both text formats define it.

/// Appends `v` escaped for a label value: backslash, double quote and line feed.
///
/// Other characters, non-ASCII included, are written as they are: both formats are UTF-8.
///
/// ```
/// let mut out = String::new();
/// obs_runtime::escape_label_value(&mut out, "a\\b\"c\nd");
/// assert_eq!(out, r#"a\\b\"c\nd"#);
/// ```
pub fn escape_label_value(out: &mut String, v: &str) {
    escape(out, v, true)
}

/// Appends `v` escaped for a `# HELP` line: backslash and line feed (and, in OpenMetrics, double quote).
///
/// ```
/// let mut out = String::new();
/// obs_runtime::escape_help(&mut out, "line\\one\ntwo", false);
/// assert_eq!(out, r"line\\one\ntwo");
/// ```
pub fn escape_help(out: &mut String, v: &str, openmetrics: bool) {
    escape(out, v, openmetrics)
}

fn escape(out: &mut String, v: &str, quote: bool) {
    let mut rest = v;
    while let Some(i) = rest.find(|c| c == '\\' || c == '\n' || (quote && c == '"')) {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            _ => "\\\"",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}
