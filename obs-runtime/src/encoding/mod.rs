//! Exposition: the Prometheus text format 0.0.4 and OpenMetrics 1.0 text, one writer with a format switch.
//!
//! Families come out sorted by name; series in dense-index order (enum declaration order) or sorted by their
//! rendered labels, so two scrapes of the same state are byte-identical.

mod escape;
mod numbers;

pub use escape::{escape_help, escape_label_value};
pub use numbers::format_f64;

use crate::catalog::{catalog, Catalog};

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

/// Encodes every metric linked into the binary.
///
/// ```
/// let text = obs_runtime::encode(obs_runtime::Format::OpenMetrics);
/// assert!(text.ends_with("# EOF\n"));
/// ```
pub fn encode(format: Format) -> String {
    let mut out = String::with_capacity(16 * 1024);
    encode_into(catalog(), format, &mut out);
    out
}

/// Encodes the metrics of `catalog` into `out`.
///
/// ```
/// let mut out = String::new();
/// obs_runtime::encode_into(obs_runtime::catalog(), obs_runtime::Format::Prometheus, &mut out);
/// ```
pub fn encode_into(catalog: &Catalog, format: Format, out: &mut String) {
    for m in catalog.exposed() {
        out.push_str(m.header(format));
        let mut enc = FamilyEncoder { out, name: m.name(), format };
        m.collector().encode(&mut enc);
    }
    #[cfg(feature = "prometheus")]
    crate::interop::encode_registries(catalog, format, out);
    if format == Format::OpenMetrics {
        out.push_str("# EOF\n");
    }
}

/// Writes the samples of one family; handed to [`Collect::encode`](crate::Collect::encode).
///
/// ```
/// use obs_runtime::{Collect, FamilyEncoder, MetricDesc, MetricKind};
/// static DESC: MetricDesc = MetricDesc::new("uptime_seconds", MetricKind::Gauge, "Time since start.");
/// struct Uptime;
/// impl Collect for Uptime {
///     fn desc(&self) -> &'static MetricDesc { &DESC }
///     fn encode(&self, enc: &mut FamilyEncoder<'_>) { enc.sample_f64("", "", None, 42.5) }
///     fn series_count(&self) -> usize { 1 }
/// }
/// static UPTIME: Uptime = Uptime;
/// obs_runtime::register!(UPTIME);
/// assert!(obs_runtime::encode(obs_runtime::Format::Prometheus).contains("\nuptime_seconds 42.5\n"));
/// ```
pub struct FamilyEncoder<'a> {
    out: &'a mut String,
    name: &'a str,
    format: Format,
}

impl FamilyEncoder<'_> {
    fn head(&mut self, suffix: &str, labels: &str, le: Option<&str>) {
        let out = &mut *self.out;
        out.push_str(self.name);
        out.push_str(suffix);
        match (labels.is_empty(), le) {
            (true, None) => {}
            (false, None) => {
                out.push('{');
                out.push_str(labels);
                out.push('}');
            }
            (empty, Some(le)) => {
                out.push('{');
                out.push_str(labels);
                if !empty {
                    out.push(',');
                }
                out.push_str("le=\"");
                out.push_str(le);
                out.push_str("\"}");
            }
        }
        out.push(' ');
    }

    /// Writes `<name><suffix>{<labels>[,le="<le>"]} <v>`.
    ///
    /// ```
    /// # use obs_runtime::{Collect, FamilyEncoder, Format, MetricDesc, MetricKind};
    /// # static DESC: MetricDesc = MetricDesc::new("queue_length", MetricKind::Gauge, "Jobs waiting.");
    /// struct Queue;
    /// impl Collect for Queue {
    ///     fn desc(&self) -> &'static MetricDesc { &DESC }
    ///     fn encode(&self, enc: &mut FamilyEncoder<'_>) {
    ///         enc.sample_u64("", "queue=\"mail\"", None, 7);
    ///     }
    ///     fn series_count(&self) -> usize { 1 }
    /// }
    /// # static QUEUE: Queue = Queue;
    /// # obs_runtime::register!(QUEUE);
    /// let text = obs_runtime::encode(Format::Prometheus);
    /// assert!(text.contains("queue_length{queue=\"mail\"} 7\n"));
    /// ```
    pub fn sample_u64(&mut self, suffix: &str, labels: &str, le: Option<&str>, v: u64) {
        self.head(suffix, labels, le);
        self.out.push_str(itoa::Buffer::new().format(v));
        self.out.push('\n');
    }

    /// Writes an integer sample that may be negative.
    ///
    /// ```
    /// # use obs_runtime::{Collect, FamilyEncoder, Format, MetricDesc, MetricKind};
    /// # static DESC: MetricDesc = MetricDesc::new("balance", MetricKind::Gauge, "Jobs waiting.");
    /// struct Queue;
    /// impl Collect for Queue {
    ///     fn desc(&self) -> &'static MetricDesc { &DESC }
    ///     fn encode(&self, enc: &mut FamilyEncoder<'_>) {
    ///         enc.sample_i64("", "", None, -2);
    ///     }
    ///     fn series_count(&self) -> usize { 1 }
    /// }
    /// # static QUEUE: Queue = Queue;
    /// # obs_runtime::register!(QUEUE);
    /// assert!(obs_runtime::encode(Format::Prometheus).contains("\nbalance -2\n"));
    /// ```
    pub fn sample_i64(&mut self, suffix: &str, labels: &str, le: Option<&str>, v: i64) {
        self.head(suffix, labels, le);
        self.out.push_str(itoa::Buffer::new().format(v));
        self.out.push('\n');
    }

    /// The format being written.
    ///
    /// ```
    /// # use obs_runtime::{Collect, FamilyEncoder, Format, MetricDesc, MetricKind};
    /// # static DESC: MetricDesc = MetricDesc::new("in_openmetrics", MetricKind::Gauge, "Jobs waiting.");
    /// struct Queue;
    /// impl Collect for Queue {
    ///     fn desc(&self) -> &'static MetricDesc { &DESC }
    ///     fn encode(&self, enc: &mut FamilyEncoder<'_>) {
    ///         let v = if enc.format() == Format::OpenMetrics { 1 } else { 0 };
    ///         enc.sample_u64("", "", None, v);
    ///     }
    ///     fn series_count(&self) -> usize { 1 }
    /// }
    /// # static QUEUE: Queue = Queue;
    /// # obs_runtime::register!(QUEUE);
    /// assert!(obs_runtime::encode(Format::OpenMetrics).contains("\nin_openmetrics 1\n"));
    /// assert!(obs_runtime::encode(Format::Prometheus).contains("\nin_openmetrics 0\n"));
    /// ```
    pub fn format(&self) -> Format {
        self.format
    }

    /// Writes an integer sample with an exemplar: OpenMetrics only, as
    /// `… 3 # {trace_id="…",span_id="…"} 0.042 1700000000.123`. The Prometheus text format has no exemplars
    /// (and `promtool` rejects them), so there the exemplar is left out.
    ///
    /// ```
    /// # use obs_runtime::trace::Exemplar;
    /// # use obs_runtime::{Collect, FamilyEncoder, Format, MetricDesc, MetricKind};
    /// # static DESC: MetricDesc = MetricDesc::new("wait_seconds", MetricKind::Histogram, "Jobs waiting.");
    /// struct Queue;
    /// impl Collect for Queue {
    ///     fn desc(&self) -> &'static MetricDesc { &DESC }
    ///     fn encode(&self, enc: &mut FamilyEncoder<'_>) {
    ///         let e = Exemplar { trace_id: 1, span_id: 2, value: 0.5, timestamp: 1700000000.0 };
    ///         enc.sample_u64_exemplar("_bucket", "", Some("+Inf"), 3, Some(&e));
    ///     }
    ///     fn series_count(&self) -> usize { 1 }
    /// }
    /// # static QUEUE: Queue = Queue;
    /// # obs_runtime::register!(QUEUE);
    /// let om = obs_runtime::encode(Format::OpenMetrics);
    /// assert!(om.contains("wait_seconds_bucket{le=\"+Inf\"} 3 # {trace_id=\"00000000000000000000000000000001\","));
    /// assert!(obs_runtime::encode(Format::Prometheus).contains("wait_seconds_bucket{le=\"+Inf\"} 3\n"));
    /// ```
    pub fn sample_u64_exemplar(
        &mut self,
        suffix: &str,
        labels: &str,
        le: Option<&str>,
        v: u64,
        exemplar: Option<&crate::trace::Exemplar>,
    ) {
        self.head(suffix, labels, le);
        self.out.push_str(itoa::Buffer::new().format(v));
        if let (Format::OpenMetrics, Some(e)) = (self.format, exemplar) {
            use std::fmt::Write;
            let _ = write!(self.out, " # {{trace_id=\"{:032x}\",span_id=\"{:016x}\"}} ", e.trace_id, e.span_id);
            numbers::push_f64(self.out, e.value);
            self.out.push(' ');
            let _ = write!(self.out, "{:.3}", e.timestamp);
        }
        self.out.push('\n');
    }

    /// Writes a float sample (`NaN`, `+Inf` and `-Inf` spelled as both formats require).
    ///
    /// ```
    /// # use obs_runtime::{Collect, FamilyEncoder, Format, MetricDesc, MetricKind};
    /// # static DESC: MetricDesc = MetricDesc::new("timeout_seconds", MetricKind::Gauge, "Jobs waiting.");
    /// struct Queue;
    /// impl Collect for Queue {
    ///     fn desc(&self) -> &'static MetricDesc { &DESC }
    ///     fn encode(&self, enc: &mut FamilyEncoder<'_>) {
    ///         enc.sample_f64("", "", None, f64::INFINITY);
    ///     }
    ///     fn series_count(&self) -> usize { 1 }
    /// }
    /// # static QUEUE: Queue = Queue;
    /// # obs_runtime::register!(QUEUE);
    /// assert!(obs_runtime::encode(Format::Prometheus).contains("\ntimeout_seconds +Inf\n"));
    /// ```
    pub fn sample_f64(&mut self, suffix: &str, labels: &str, le: Option<&str>, v: f64) {
        self.head(suffix, labels, le);
        numbers::push_f64(self.out, v);
        self.out.push('\n');
    }
}
