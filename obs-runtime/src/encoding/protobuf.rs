//! The Prometheus protobuf exposition: length-delimited `io.prometheus.client.MetricFamily` messages, the format
//! Prometheus asks for first when native histograms are on. Types are prost-build's output for proto/metrics.proto.

use super::PROTOBUF_CONTENT_TYPE;
use crate::desc::MetricKind;
use crate::metrics::native::NativeBuckets;
use crate::model::{process_start, Family, FamilySink, Labels, Point, PointSink};
use crate::names;
use crate::trace::Exemplar;
use prost::Message;
use std::time::{SystemTime, UNIX_EPOCH};

/// The generated types of the Prometheus client data model.
#[allow(missing_docs, clippy::all)]
pub mod client {
    include!("../proto/io.prometheus.client.rs");
}

use client::{
    Bucket, BucketSpan, Counter, Gauge, Histogram, LabelPair, Metric, MetricFamily, MetricType, Quantile, Summary,
    Untyped,
};

/// Renders families as delimited `MetricFamily` messages, one per family.
///
/// Each point is encoded as it arrives, from one reused `Metric` whose label and bucket vectors and strings keep
/// their capacity, into the family's body; the family's header (name, help, type, unit) and its length prefix are
/// written when the next family begins. Protobuf lets fields come in any order, so the repeated `metric` field
/// needs no owned tree of the whole family.
///
/// ```
/// use obs_runtime::{Family, FamilySink, Labels, MetricKind, Number, Point, PointSink, ProtobufRenderer};
/// let mut out = Vec::new();
/// let mut r = ProtobufRenderer::new(&mut out);
/// r.begin(Family { name: "jobs", kind: MetricKind::Counter, help: "Jobs run.", unit: None, labels: &[] });
/// r.point(Labels::NONE, Point::Counter(Number::U64(3)));
/// r.finish();
/// assert_eq!(out[0] as usize, out.len() - 1); // one length-prefixed message
/// ```
pub struct ProtobufRenderer<'o> {
    out: &'o mut Vec<u8>,
    /// The family being written: its header fields, with no metrics.
    family: Option<MetricFamily>,
    /// The encoded `metric` fields of that family.
    body: Vec<u8>,
    /// The point being encoded, reused from point to point.
    scratch: Metric,
    /// Label pairs the current point does not use, kept with their strings for later points.
    spare_labels: Vec<LabelPair>,
    /// The bucket vector of the last histogram point, emptied, for the next one.
    spare_buckets: Vec<Bucket>,
    start: prost_types::Timestamp,
}

/// `MetricFamily.metric`'s field number.
const METRIC_FIELD: u32 = 4;

impl<'o> ProtobufRenderer<'o> {
    /// A renderer appending to `out`.
    ///
    /// ```
    /// let mut out = Vec::new();
    /// obs_runtime::ProtobufRenderer::new(&mut out).finish();
    /// assert!(out.is_empty());
    /// ```
    pub fn new(out: &'o mut Vec<u8>) -> Self {
        ProtobufRenderer {
            out,
            family: None,
            body: Vec::new(),
            scratch: Metric::default(),
            spare_labels: Vec::new(),
            spare_buckets: Vec::new(),
            start: timestamp(process_start()),
        }
    }

    /// The `Content-Type` of what this renderer writes.
    ///
    /// ```
    /// assert!(obs_runtime::ProtobufRenderer::content_type().contains("proto=io.prometheus.client.MetricFamily"));
    /// ```
    pub const fn content_type() -> &'static str {
        PROTOBUF_CONTENT_TYPE
    }

    /// Writes the last family.
    pub fn finish(mut self) {
        self.flush();
    }

    fn flush(&mut self) {
        if let Some(f) = self.family.take() {
            // Writing into a Vec cannot fail: it grows as needed.
            let len = f.encoded_len() + self.body.len();
            prost::encoding::encode_varint(len as u64, self.out);
            let _ = f.encode(self.out);
            self.out.extend_from_slice(&self.body);
            self.body.clear();
        }
    }
}

impl FamilySink for ProtobufRenderer<'_> {
    fn begin(&mut self, f: Family<'_>) {
        self.flush();
        let ty = match f.kind {
            MetricKind::Counter => MetricType::Counter,
            MetricKind::Gauge | MetricKind::Info => MetricType::Gauge,
            MetricKind::Histogram => MetricType::Histogram,
            MetricKind::Summary => MetricType::Summary,
            MetricKind::Unknown => MetricType::Untyped,
        };
        self.family = Some(MetricFamily {
            // As in the text format 0.0.4, a counter's family is named after its sample (`_total`), and an info
            // metric is a gauge named `_info`.
            name: Some(names::prometheus_family(f.name, f.kind)),
            help: Some(f.help.to_owned()),
            r#type: Some(ty as i32),
            metric: Vec::new(),
            unit: f.unit.map(str::to_owned),
        });
    }
}

/// Sets `slot` to `value`, reusing the string it holds.
fn set(slot: &mut Option<String>, value: &str) {
    let s = slot.get_or_insert_with(String::new);
    s.clear();
    s.push_str(value);
}

impl PointSink for ProtobufRenderer<'_> {
    fn point(&mut self, labels: Labels<'_>, point: Point<'_>) {
        if self.family.is_none() {
            return;
        }
        let m = &mut self.scratch;
        // Exactly this point's label pairs in `m.label`; the others wait in `spare` with their strings.
        let n = labels.iter().count();
        while m.label.len() > n {
            self.spare_labels.extend(m.label.pop());
        }
        while m.label.len() < n {
            m.label.push(self.spare_labels.pop().unwrap_or_default());
        }
        for (pair, (name, value)) in m.label.iter_mut().zip(labels.iter()) {
            set(&mut pair.name, name);
            set(&mut pair.value, value);
        }
        match point {
            Point::Counter(n) => {
                m.counter =
                    Some(Counter { value: Some(n.as_f64()), exemplar: None, created_timestamp: Some(self.start) })
            }
            Point::Gauge(n) => m.gauge = Some(Gauge { value: Some(n.as_f64()) }),
            Point::Info => m.gauge = Some(Gauge { value: Some(1.0) }),
            Point::Unknown(v) => m.untyped = Some(Untyped { value: Some(v) }),
            Point::Summary(s) => {
                m.summary = Some(Summary {
                    sample_count: Some(s.count),
                    sample_sum: Some(s.sum),
                    quantile: s
                        .quantiles
                        .iter()
                        .map(|(q, v)| Quantile { quantile: Some(*q), value: Some(*v) })
                        .collect(),
                    created_timestamp: Some(self.start),
                })
            }
            Point::Histogram(h) => {
                let mut bucket = std::mem::take(&mut self.spare_buckets);
                bucket.extend(h.bounds.iter().zip(h.cumulative).enumerate().map(|(i, (b, c))| Bucket {
                    cumulative_count: Some(*c),
                    upper_bound: Some(*b),
                    exemplar: h.exemplar(i).map(exemplar),
                    ..Bucket::default()
                }));
                let mut hist = Histogram {
                    sample_count: Some(h.count()),
                    sample_sum: Some(h.sum),
                    bucket,
                    created_timestamp: Some(self.start),
                    ..Histogram::default()
                };
                if let Some(n) = h.native {
                    native(&mut hist, n);
                }
                m.histogram = Some(hist);
            }
        }
        prost::encoding::message::encode(METRIC_FIELD, &*m, &mut self.body);
        // Back to a point with no value; the bucket vector keeps its capacity for the next histogram.
        (m.counter, m.gauge, m.untyped, m.summary) = (None, None, None, None);
        if let Some(h) = m.histogram.take() {
            self.spare_buckets = h.bucket;
            self.spare_buckets.clear();
        }
    }
}

/// Fills the native fields beside the classic buckets, so a scraper that reads either finds its form.
fn native(hist: &mut Histogram, n: &NativeBuckets) {
    // The count the native buckets add up to, which Prometheus checks them against.
    hist.sample_count = Some(n.count);
    hist.schema = Some(n.schema as i32);
    hist.zero_threshold = Some(n.zero_threshold);
    hist.zero_count = Some(n.zero_count);
    let spans = |(spans, deltas): (Vec<(i32, u32)>, Vec<i64>)| {
        let spans = spans.into_iter().map(|(o, l)| BucketSpan { offset: Some(o), length: Some(l) }).collect();
        (spans, deltas)
    };
    (hist.positive_span, hist.positive_delta) = spans(n.prometheus_spans(&n.positive));
    (hist.negative_span, hist.negative_delta) = spans(n.prometheus_spans(&n.negative));
    if hist.positive_span.is_empty() && hist.negative_span.is_empty() && n.zero_threshold == 0.0 && n.zero_count == 0 {
        // Without it an empty native histogram with no zero threshold reads as a classic one.
        hist.positive_span.push(BucketSpan { offset: Some(0), length: Some(0) });
    }
}

fn exemplar(e: &Exemplar) -> client::Exemplar {
    let label = [("trace_id", format!("{:032x}", e.trace_id)), ("span_id", format!("{:016x}", e.span_id))]
        .into_iter()
        .map(|(n, v)| LabelPair { name: Some(n.to_owned()), value: Some(v) })
        .collect();
    let secs = e.timestamp.floor();
    let timestamp = prost_types::Timestamp { seconds: secs as i64, nanos: ((e.timestamp - secs) * 1e9) as i32 };
    client::Exemplar { label, value: Some(e.value), timestamp: Some(timestamp) }
}

fn timestamp(t: SystemTime) -> prost_types::Timestamp {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    prost_types::Timestamp { seconds: d.as_secs() as i64, nanos: d.subsec_nanos() as i32 }
}
