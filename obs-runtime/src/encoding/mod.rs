//! The text formats: Prometheus text 0.0.4 and OpenMetrics 1.0, one renderer with a format switch.
//!
//! [`TextRenderer`] is a [`PointSink`]: it renders the format-neutral points of [`crate::model`] and knows nothing
//! of where families come from (the exposition driver walks the catalog). Sample names follow [`crate::names`].

mod escape;
mod numbers;
#[cfg(feature = "protobuf")]
mod protobuf;

pub use escape::{escape_help, escape_label_value, render_labels};
pub use numbers::format_f64;
#[cfg(feature = "protobuf")]
pub use protobuf::{client as prometheus_proto, ProtobufRenderer};

/// The `Content-Type` of the Prometheus protobuf exposition: delimited `io.prometheus.client.MetricFamily` messages.
pub const PROTOBUF_CONTENT_TYPE: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

use crate::bytes::put;
use crate::desc::MetricKind;
use crate::model::{Family, FamilySink, HistogramPoint, Labels, Number, Point, PointSink};
use crate::names;
use crate::trace::Exemplar;

/// A text exposition format.
///
/// ```
/// use obs_runtime::{encode, Format};
/// assert!(!encode(Format::Prometheus).contains("# EOF"));
/// assert!(encode(Format::OpenMetrics).ends_with("# EOF\n"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Prometheus text format 0.0.4.
    Prometheus,
    /// OpenMetrics 1.0 text.
    OpenMetrics,
}

impl Format {
    /// The `Content-Type` of a response in this format.
    ///
    /// ```
    /// assert_eq!(obs_runtime::Format::Prometheus.content_type(), "text/plain; version=0.0.4; charset=utf-8");
    /// ```
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// Renders families into one of the text formats.
///
/// ```
/// use obs_runtime::{Family, FamilySink, Format, Labels, MetricKind, Number, Point, PointSink, TextRenderer};
/// let mut out = String::new();
/// let mut r = TextRenderer::new(&mut out, Format::Prometheus);
/// r.begin(Family { name: "jobs", kind: MetricKind::Counter, help: "Jobs run.", unit: None, labels: &[] });
/// r.point(Labels::NONE, Point::Counter(Number::U64(3)));
/// r.finish();
/// assert_eq!(out, "# HELP jobs_total Jobs run.\n# TYPE jobs_total counter\njobs_total 3\n");
/// ```
pub struct TextRenderer<'o> {
    out: &'o mut String,
    format: Format,
    name: String,
    /// `le` values of the last bounds seen, keyed by the bounds' address: formatted once per family, not per series.
    le: (usize, usize, Vec<String>),
}

impl<'o> TextRenderer<'o> {
    /// A renderer appending to `out`.
    ///
    /// ```
    /// let mut out = String::new();
    /// obs_runtime::TextRenderer::new(&mut out, obs_runtime::Format::OpenMetrics).finish();
    /// assert_eq!(out, "# EOF\n");
    /// ```
    pub fn new(out: &'o mut String, format: Format) -> Self {
        TextRenderer { out, format, name: String::new(), le: (0, 0, Vec::new()) }
    }

    /// The format being written.
    ///
    /// ```
    /// let mut out = String::new();
    /// let r = obs_runtime::TextRenderer::new(&mut out, obs_runtime::Format::Prometheus);
    /// assert_eq!(r.format(), obs_runtime::Format::Prometheus);
    /// ```
    pub fn format(&self) -> Format {
        self.format
    }

    /// Writes the `# HELP` / `# TYPE` (/ `# UNIT`) lines of a family; its points follow.
    ///
    /// ```
    /// use obs_runtime::{Family, FamilySink, Format, MetricKind, TextRenderer};
    /// let mut out = String::new();
    /// let f =
    ///     Family { name: "wait_seconds", kind: MetricKind::Histogram, help: "Wait.", unit: Some("seconds"), labels: &[] };
    /// TextRenderer::new(&mut out, Format::OpenMetrics).begin(f);
    /// assert!(out.ends_with("# UNIT wait_seconds seconds\n"));
    /// ```
    fn begin_family(&mut self, f: Family<'_>) {
        let om = self.format == Format::OpenMetrics;
        // Prometheus 0.0.4 names the family after its main sample; OpenMetrics after the family.
        let family = if om { f.name.to_owned() } else { names::prometheus_family(f.name, f.kind) };
        let ty = if om { f.kind.as_str() } else { prometheus_type(f.kind) };
        let out = &mut *self.out;
        out.push_str("# HELP ");
        out.push_str(&family);
        out.push(' ');
        escape_help(out, f.help, om);
        out.push_str("\n# TYPE ");
        out.push_str(&family);
        out.push(' ');
        out.push_str(ty);
        out.push('\n');
        if let (true, Some(unit)) = (om, f.unit) {
            out.push_str("# UNIT ");
            out.push_str(&family);
            out.push(' ');
            out.push_str(unit);
            out.push('\n');
        }
        self.name.clear();
        self.name.push_str(f.name);
    }

    /// Ends the exposition (`# EOF` in OpenMetrics).
    ///
    /// ```
    /// let mut out = String::new();
    /// obs_runtime::TextRenderer::new(&mut out, obs_runtime::Format::Prometheus).finish();
    /// assert!(out.is_empty());
    /// ```
    pub fn finish(self) {
        if self.format == Format::OpenMetrics {
            self.out.push_str("# EOF\n");
        }
    }

    fn head(&mut self, suffix: &str, labels: &str, extra: Option<(&str, &str)>) {
        let (out, name) = (&mut *self.out, self.name.as_str());
        match (labels.is_empty(), extra) {
            (true, None) => push_all(out, &[name, suffix, " "]),
            (false, None) => push_all(out, &[name, suffix, "{", labels, "} "]),
            (empty, Some((k, v))) => {
                let comma = if empty { "" } else { "," };
                push_all(out, &[name, suffix, "{", labels, comma, k, "=\"", v, "\"} "]);
            }
        }
    }

    fn number(&mut self, n: Number) {
        match n {
            Number::U64(v) => push_all(self.out, &[itoa::Buffer::new().format(v), "\n"]),
            Number::I64(v) => push_all(self.out, &[itoa::Buffer::new().format(v), "\n"]),
            Number::F64(v) => {
                numbers::push_f64(self.out, v);
                self.out.push('\n');
            }
        }
    }

    fn line(&mut self, suffix: &str, labels: &str, extra: Option<(&str, &str)>, n: Number) {
        self.head(suffix, labels, extra);
        self.number(n);
    }

    fn histogram(&mut self, labels: &str, h: &HistogramPoint<'_>) {
        let key = (h.bounds.as_ptr() as usize, h.bounds.len());
        if (self.le.0, self.le.1) != key {
            let le = h.bounds.iter().map(|b| format_f64(*b)).chain(["+Inf".to_owned()]).collect();
            self.le = (key.0, key.1, le);
        }
        let le = std::mem::take(&mut self.le.2);
        let om = self.format == Format::OpenMetrics;
        for (i, (le, &cum)) in le.iter().zip(h.cumulative).enumerate() {
            self.head(names::BUCKET, labels, Some((names::LE, le)));
            self.out.push_str(itoa::Buffer::new().format(cum));
            if let (true, Some(e)) = (om, h.exemplar(i)) {
                self.exemplar(e);
            }
            self.out.push('\n');
        }
        self.le.2 = le;
        self.line(names::COUNT, labels, None, Number::U64(h.count()));
        self.line(names::SUM, labels, None, Number::F64(h.sum));
    }

    /// OpenMetrics only: ` # {trace_id="…",span_id="…"} 0.042 1700000000.123`. The Prometheus text format has no
    /// exemplars (and `promtool` rejects them).
    fn exemplar(&mut self, e: &Exemplar) {
        use std::fmt::Write;
        let _ = write!(self.out, " # {{trace_id=\"{:032x}\",span_id=\"{:016x}\"}} ", e.trace_id, e.span_id);
        numbers::push_f64(self.out, e.value);
        self.out.push(' ');
        let _ = write!(self.out, "{:.3}", e.timestamp);
    }
}

impl FamilySink for TextRenderer<'_> {
    fn begin(&mut self, family: Family<'_>) {
        self.begin_family(family)
    }
}

impl PointSink for TextRenderer<'_> {
    fn wants_exemplars(&self) -> bool {
        self.format == Format::OpenMetrics
    }

    fn point(&mut self, labels: Labels<'_>, point: Point<'_>) {
        let l = labels.rendered();
        match point {
            Point::Counter(n) => self.line(names::TOTAL, l, None, n),
            Point::Gauge(n) => self.line("", l, None, n),
            Point::Info => self.line(names::INFO, l, None, Number::U64(1)),
            Point::Unknown(v) => self.line("", l, None, Number::F64(v)),
            Point::Histogram(h) => self.histogram(l, &h),
            Point::Summary(s) => {
                for (q, v) in s.quantiles {
                    self.line("", l, Some((names::QUANTILE, &format_f64(*q))), Number::F64(*v));
                }
                self.line(names::COUNT, l, None, Number::U64(s.count));
                self.line(names::SUM, l, None, Number::F64(s.sum));
            }
        }
    }
}

/// Appends `pieces` after one capacity check, each copied in place: a sample line is a handful of short pieces,
/// and a `push_str` per piece spent more on its `memcpy` call than on the bytes.
fn push_all(out: &mut String, pieces: &[&str]) {
    let n: usize = pieces.iter().map(|p| p.len()).sum();
    out.reserve(n);
    // SAFETY: every piece is UTF-8, so the string stays UTF-8; `reserve` made room for the `n` bytes written from
    // `len` on, and `set_len` covers exactly those.
    unsafe {
        let buf = out.as_mut_vec();
        let start = buf.len();
        let mut at = buf.as_mut_ptr().add(start);
        for p in pieces {
            at = put(at, p.as_bytes());
        }
        buf.set_len(start + n);
    }
}

/// The `# TYPE` of a family of `kind` in the Prometheus text format 0.0.4, which has no info or unknown type.
pub(crate) fn prometheus_type(kind: MetricKind) -> &'static str {
    match kind {
        MetricKind::Info => "gauge",
        MetricKind::Unknown => "untyped",
        k => k.as_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_lines_are_written_piece_by_piece_as_the_format_says() {
        let line = |suffix: &str, labels: &str, extra: Option<(&str, &str)>, n: Number| {
            let mut out = String::from("# before\n");
            let mut r = TextRenderer::new(&mut out, Format::Prometheus);
            r.name.push_str("jobs");
            r.line(suffix, labels, extra, n);
            out
        };
        let cases = [
            (("_total", "", None, Number::U64(0)), "jobs_total 0\n"),
            (("", "a=\"1\"", None, Number::U64(u64::MAX)), "jobs{a=\"1\"} 18446744073709551615\n"),
            (
                ("_count", "route=\"/r/12345\",m=\"GET\"", None, Number::U64(7)),
                "jobs_count{route=\"/r/12345\",m=\"GET\"} 7\n",
            ),
            (("_bucket", "", Some(("le", "0.5")), Number::U64(3)), "jobs_bucket{le=\"0.5\"} 3\n"),
            (("_bucket", "a=\"1\"", Some(("le", "+Inf")), Number::I64(-2)), "jobs_bucket{a=\"1\",le=\"+Inf\"} -2\n"),
            (("_sum", "", None, Number::F64(0.25)), "jobs_sum 0.25\n"),
        ];
        for ((suffix, labels, extra, n), want) in cases {
            assert_eq!(line(suffix, labels, extra, n), format!("# before\n{want}"));
        }
    }
}
