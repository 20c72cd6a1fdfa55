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

/// Renders `name="value",...` with values escaped for the text formats: the one rendering every family caches.
///
/// ```
/// use obs_runtime::{render_labels, LabelDesc};
/// const NAMES: &[LabelDesc] = &[LabelDesc { name: "path", values: None }];
/// assert_eq!(render_labels(NAMES, ["a\"b"]), "path=\"a\\\"b\"");
/// ```
pub fn render_labels<'v>(names: &[crate::LabelDesc], values: impl IntoIterator<Item = &'v str>) -> String {
    let mut out = String::new();
    for (i, (l, v)) in names.iter().zip(values).enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(l.name);
        out.push_str("=\"");
        escape_label_value(&mut out, v);
        out.push('"');
    }
    out
}
