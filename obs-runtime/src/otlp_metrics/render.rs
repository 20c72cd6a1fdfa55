//! OTLP metrics from the one snapshot stream: a [`FamilySink`] that turns each family into an OTLP `Metric`,
//! following the OpenTelemetry–Prometheus compatibility rules once, here:
//!
//! - counter → monotonic `Sum` (cumulative or delta), named without `_total` (never in a family name);
//! - gauge and untyped → `Gauge`;
//! - classic histogram → `Histogram` with explicit bounds; one with native buckets → `ExponentialHistogram`
//!   (scale = schema: both use base 2^(2^-scale));
//! - summary → `Summary` (always cumulative in OTLP);
//! - info → non-monotonic cumulative `Sum` of 1 with the info labels as attributes (the specification's
//!   Prometheus → OTLP rule for info metrics other than `target_info`);
//! - the name without its unit suffix ([`otel_name`]) and the unit in UCUM ([`ucum_unit`]).

use super::Temporality;
use crate::catalog::Catalog;
use crate::desc::MetricKind;
use crate::metrics::native::NativeBuckets;
use crate::model::{Family, FamilySink, HistogramPoint, Labels, Number, Point, PointSink};
use crate::names::{otel_name, ucum_unit};
use crate::trace::{Exemplar, Resource};
use hashbrown::HashMap;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::metrics::v1 as pb;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::resource::v1::Resource as PbResource;
use std::time::{SystemTime, UNIX_EPOCH};

fn nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

fn kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(any_value::Value::StringValue(value.to_owned())) }),
        ..Default::default()
    }
}

/// What was last sent of one series, to compute the next delta from.
#[derive(Debug, Clone)]
enum Sent {
    Number(Number),
    Classic { cumulative: Vec<u64>, sum: f64 },
    Native(NativeBuckets),
}

/// The state delta temporality needs: what the last *successful* push carried of each series. A failed push
/// leaves it alone, so the next push's deltas include the failed one's. Its size is the number of series, which
/// the catalog's caps bound; nothing else is kept between pushes.
#[derive(Debug, Default)]
pub(crate) struct DeltaState {
    /// By series key (family, NUL, rendered labels): kept across pushes, so a key is allocated once per series.
    series: HashMap<String, Slot>,
    /// When the last successful push read its state: the start time of every delta after it.
    sent_at: Option<u64>,
    attempt_at: u64,
}

#[derive(Debug, Default)]
struct Slot {
    /// What the last delivered push carried.
    sent: Option<Sent>,
    /// What the push being rendered (or last rendered) carries.
    attempt: Option<Sent>,
}

impl DeltaState {
    /// A new push is rendered: forget what the last (failed) attempt carried.
    fn begin(&mut self, now: u64) {
        self.series.values_mut().for_each(|s| s.attempt = None);
        self.attempt_at = now;
    }

    fn slot(&mut self, key: &str) -> &mut Slot {
        self.series.entry_ref(key).or_default()
    }

    /// The push rendered last went out: its state becomes the base of the next deltas.
    pub(crate) fn commit(&mut self) {
        for s in self.series.values_mut() {
            if let Some(a) = s.attempt.take() {
                s.sent = Some(a);
            }
        }
        self.sent_at = Some(self.attempt_at);
    }

    /// Series whose last delivered state is kept.
    pub(crate) fn len(&self) -> usize {
        self.series.values().filter(|s| s.sent.is_some()).count()
    }
}

/// Encodes OTLP metrics pushes of a catalog: the same bytes an exporter sends (an `ExportMetricsServiceRequest`
/// in protobuf), for benchmarks and tests that want the push without a collector.
///
/// ```
/// use obs_runtime::{Counter, MetricDesc, MetricKind, OtlpEncoder, Temporality};
/// use obs_runtime::trace::Resource;
/// static JOBS: Counter = Counter::new(&MetricDesc::new("enc_jobs", MetricKind::Counter, "Jobs run."));
/// obs_runtime::register!(JOBS);
/// let resource = Resource { service_name: "demo".into(), attributes: vec![] };
/// let mut enc = OtlpEncoder::new(resource, Temporality::Delta);
/// JOBS.inc_by(3);
/// assert!(!enc.encode(obs_runtime::catalog()).is_empty());
/// enc.commit(); // the push went out: the next deltas start here
/// JOBS.inc();
/// let req = enc.request(obs_runtime::catalog());
/// let m = req.resource_metrics[0].scope_metrics[0].metrics.iter().find(|m| m.name == "enc_jobs").unwrap();
/// let Some(obs_runtime::otlp_proto::metrics::v1::metric::Data::Sum(sum)) = &m.data else { panic!() };
/// assert!(sum.is_monotonic);
/// assert_eq!(sum.data_points[0].value, Some(obs_runtime::otlp_proto::metrics::v1::number_data_point::Value::AsInt(1)));
/// ```
#[derive(Debug)]
pub struct OtlpEncoder {
    resource: PbResource,
    scope: InstrumentationScope,
    temporality: Temporality,
    delta: DeltaState,
}

impl OtlpEncoder {
    /// An encoder for pushes with this resource and temporality.
    ///
    /// ```
    /// use obs_runtime::{OtlpEncoder, Temporality};
    /// let enc = OtlpEncoder::new(obs_runtime::trace::Resource::default(), Temporality::Cumulative);
    /// assert_eq!(enc.temporality(), Temporality::Cumulative);
    /// ```
    pub fn new(resource: Resource, temporality: Temporality) -> OtlpEncoder {
        let mut attributes = vec![kv("service.name", &resource.service_name)];
        attributes.extend(resource.attributes.iter().filter(|(k, _)| k != "service.name").map(|(k, v)| kv(k, v)));
        OtlpEncoder {
            resource: PbResource { attributes, ..Default::default() },
            scope: InstrumentationScope {
                name: "obs".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                ..Default::default()
            },
            temporality,
            delta: DeltaState::default(),
        }
    }

    /// The temporality of the sums and histograms it encodes.
    ///
    /// ```
    /// use obs_runtime::{OtlpEncoder, Temporality};
    /// let enc = OtlpEncoder::new(Default::default(), Temporality::Delta);
    /// assert_eq!(enc.temporality(), Temporality::Delta);
    /// ```
    pub fn temporality(&self) -> Temporality {
        self.temporality
    }

    /// The next push as a message. With delta temporality its deltas run from the last [`commit`](Self::commit).
    ///
    /// ```
    /// use obs_runtime::{OtlpEncoder, Temporality};
    /// let mut enc = OtlpEncoder::new(Default::default(), Temporality::Cumulative);
    /// let req = enc.request(obs_runtime::catalog());
    /// let names: Vec<_> = req.resource_metrics[0].scope_metrics[0].metrics.iter().map(|m| m.name.as_str()).collect();
    /// assert!(names.contains(&"process_cpu")); // process_cpu_seconds: the unit travels in its own field
    /// ```
    pub fn request(&mut self, catalog: &Catalog) -> ExportMetricsServiceRequest {
        // The start first: on a process' first push it is set now, and must not come after the points' time.
        let process_start = nanos(crate::model::process_start());
        let now = SystemTime::now();
        let mut r = Renderer {
            temporality: self.temporality,
            now: nanos(now),
            process_start,
            delta: &mut self.delta,
            metrics: Vec::new(),
            key: String::new(),
            family_len: 0,
        };
        r.delta.begin(r.now);
        crate::exposition::collect(catalog, &mut r);
        let metrics = r.metrics;
        ExportMetricsServiceRequest {
            resource_metrics: vec![pb::ResourceMetrics {
                resource: Some(self.resource.clone()),
                scope_metrics: vec![pb::ScopeMetrics {
                    scope: Some(self.scope.clone()),
                    metrics,
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            }],
        }
    }

    /// The next push, encoded as protobuf.
    ///
    /// ```
    /// use obs_runtime::{OtlpEncoder, Temporality};
    /// let mut enc = OtlpEncoder::new(Default::default(), Temporality::Cumulative);
    /// assert!(enc.encode(obs_runtime::catalog()).len() > 100);
    /// ```
    pub fn encode(&mut self, catalog: &Catalog) -> Vec<u8> {
        prost::Message::encode_to_vec(&self.request(catalog))
    }

    /// The push last encoded was delivered: with delta temporality, the next deltas are counted from its state.
    /// Without a commit (a failed push), the next push carries the failed one's increments too.
    ///
    /// ```
    /// use obs_runtime::{OtlpEncoder, Temporality};
    /// let mut enc = OtlpEncoder::new(Default::default(), Temporality::Delta);
    /// enc.encode(obs_runtime::catalog());
    /// enc.commit();
    /// ```
    pub fn commit(&mut self) {
        if self.temporality == Temporality::Delta {
            self.delta.commit();
        }
    }

    /// Series whose last delivered state is kept for delta temporality (0 with cumulative).
    ///
    /// ```
    /// use obs_runtime::{OtlpEncoder, Temporality};
    /// assert_eq!(OtlpEncoder::new(Default::default(), Temporality::Cumulative).delta_series(), 0);
    /// ```
    pub fn delta_series(&self) -> usize {
        self.delta.len()
    }
}

struct Renderer<'s> {
    temporality: Temporality,
    now: u64,
    process_start: u64,
    delta: &'s mut DeltaState,
    metrics: Vec<pb::Metric>,
    /// The delta key of the current series: the family name, a NUL, its rendered labels.
    key: String,
    family_len: usize,
}

fn attributes(labels: Labels<'_>) -> Vec<KeyValue> {
    labels.iter().map(|(k, v)| kv(k, v)).collect()
}

fn number_value(n: Number) -> pb::number_data_point::Value {
    use pb::number_data_point::Value;
    match n {
        Number::U64(v) => Value::AsInt(i64::try_from(v).unwrap_or(i64::MAX)),
        Number::I64(v) => Value::AsInt(v),
        Number::F64(v) => Value::AsDouble(v),
    }
}

fn exemplar(e: &Exemplar) -> pb::Exemplar {
    pb::Exemplar {
        filtered_attributes: Vec::new(),
        time_unix_nano: (e.timestamp * 1e9) as u64,
        span_id: e.span_id.to_be_bytes().to_vec(),
        trace_id: e.trace_id.to_be_bytes().to_vec(),
        value: Some(pb::exemplar::Value::AsDouble(e.value)),
    }
}

fn sub_number(cur: Number, prev: Option<&Sent>) -> Number {
    match (cur, prev) {
        (Number::U64(c), Some(Sent::Number(Number::U64(p)))) if c >= *p => Number::U64(c - p),
        (Number::F64(c), Some(Sent::Number(Number::F64(p)))) if c >= *p => Number::F64(c - p),
        (Number::I64(c), Some(Sent::Number(Number::I64(p)))) if c >= *p => Number::I64(c - p),
        // New series, or a reset (only a merged registry can reset): the whole value is the delta.
        _ => cur,
    }
}

/// `cur - prev` of native buckets, `prev` first lowered to `cur`'s schema (the schema only ever decreases).
fn sub_native(cur: &NativeBuckets, prev: Option<&Sent>) -> NativeBuckets {
    let Some(Sent::Native(prev)) = prev else { return cur.clone() };
    if prev.schema < cur.schema || prev.count > cur.count {
        return cur.clone();
    }
    let mut p = prev.clone();
    p.reduce((p.schema - cur.schema) as u8);
    let side = |c: &[(i32, u64)], p: &[(i32, u64)]| -> Vec<(i32, u64)> {
        let mut j = 0;
        let mut out = Vec::with_capacity(c.len());
        for &(i, n) in c {
            while j < p.len() && p[j].0 < i {
                j += 1;
            }
            let before = if j < p.len() && p[j].0 == i { p[j].1 } else { 0 };
            if n > before {
                out.push((i, n - before));
            }
        }
        out
    };
    NativeBuckets {
        schema: cur.schema,
        zero_threshold: cur.zero_threshold,
        zero_count: cur.zero_count.saturating_sub(p.zero_count),
        count: cur.count - p.count,
        sum: cur.sum - p.sum,
        positive: side(&cur.positive, &p.positive),
        negative: side(&cur.negative, &p.negative),
    }
}

impl Renderer<'_> {
    fn delta(&self) -> bool {
        self.temporality == Temporality::Delta
    }

    fn temporality_code(&self) -> i32 {
        match self.temporality {
            Temporality::Cumulative => pb::AggregationTemporality::Cumulative as i32,
            Temporality::Delta => pb::AggregationTemporality::Delta as i32,
        }
    }

    fn start(&self) -> u64 {
        if self.delta() {
            self.delta.sent_at.unwrap_or(self.process_start)
        } else {
            self.process_start
        }
    }

    fn set_key(&mut self, labels: &Labels<'_>) {
        self.key.truncate(self.family_len);
        self.key.push_str(labels.rendered());
    }

    fn number_point(&self, labels: Labels<'_>, value: Number, start: u64) -> pb::NumberDataPoint {
        pb::NumberDataPoint {
            attributes: attributes(labels),
            start_time_unix_nano: start,
            time_unix_nano: self.now,
            exemplars: Vec::new(),
            flags: 0,
            value: Some(number_value(value)),
        }
    }

    fn counter(&mut self, labels: Labels<'_>, n: Number) -> pb::NumberDataPoint {
        let start = self.start();
        let value = if self.delta() {
            self.set_key(&labels);
            let slot = self.delta.slot(&self.key);
            let d = sub_number(n, slot.sent.as_ref());
            slot.attempt = Some(Sent::Number(n));
            d
        } else {
            n
        };
        self.number_point(labels, value, start)
    }

    fn classic(&mut self, labels: Labels<'_>, h: &HistogramPoint<'_>) -> pb::HistogramDataPoint {
        let start = self.start();
        let exemplars = h.exemplars.iter().map(|(_, e)| exemplar(e)).collect();
        let (bucket_counts, count, sum) = if self.delta() {
            self.set_key(&labels);
            let slot = self.delta.slot(&self.key);
            let prev = match &slot.sent {
                Some(Sent::Classic { cumulative, sum })
                    if cumulative.len() == h.cumulative.len()
                        && cumulative.iter().zip(h.cumulative).all(|(p, c)| p <= c) =>
                {
                    Some((cumulative.as_slice(), *sum))
                }
                _ => None,
            };
            let (counts, count, sum) = match prev {
                Some((p, psum)) => {
                    let d: Vec<u64> = h.cumulative.iter().zip(p).map(|(c, p)| c - p).collect();
                    let per_bucket = HistogramPoint { cumulative: &d, ..*h }.bucket_counts().collect();
                    (per_bucket, d.last().copied().unwrap_or(0), h.sum - psum)
                }
                None => (h.bucket_counts().collect(), h.count(), h.sum),
            };
            slot.attempt = Some(Sent::Classic { cumulative: h.cumulative.to_vec(), sum: h.sum });
            (counts, count, sum)
        } else {
            (h.bucket_counts().collect(), h.count(), h.sum)
        };
        pb::HistogramDataPoint {
            attributes: attributes(labels),
            start_time_unix_nano: start,
            time_unix_nano: self.now,
            count,
            sum: Some(sum),
            bucket_counts,
            explicit_bounds: h.bounds.to_vec(),
            exemplars,
            flags: 0,
            min: None,
            max: None,
        }
    }

    fn exponential(
        &mut self,
        labels: Labels<'_>,
        h: &HistogramPoint<'_>,
        native: &NativeBuckets,
    ) -> pb::ExponentialHistogramDataPoint {
        use pb::exponential_histogram_data_point::Buckets;
        let start = self.start();
        let owned;
        let b = if self.delta() {
            self.set_key(&labels);
            let slot = self.delta.slot(&self.key);
            owned = sub_native(native, slot.sent.as_ref());
            slot.attempt = Some(Sent::Native(native.clone()));
            &owned
        } else {
            native
        };
        let buckets = |side: &[(i32, u64)]| {
            let (offset, bucket_counts) = b.otlp_dense(side);
            Buckets { offset, bucket_counts }
        };
        pb::ExponentialHistogramDataPoint {
            attributes: attributes(labels),
            start_time_unix_nano: start,
            time_unix_nano: self.now,
            count: b.count,
            sum: Some(b.sum),
            scale: b.schema as i32,
            zero_count: b.zero_count,
            positive: Some(buckets(&b.positive)),
            negative: Some(buckets(&b.negative)),
            flags: 0,
            exemplars: h.exemplars.iter().map(|(_, e)| exemplar(e)).collect(),
            min: None,
            max: None,
            zero_threshold: b.zero_threshold,
        }
    }
}

impl FamilySink for Renderer<'_> {
    fn begin(&mut self, f: Family<'_>) {
        let data = match f.kind {
            MetricKind::Counter => Data::Sum(pb::Sum {
                data_points: Vec::new(),
                aggregation_temporality: self.temporality_code(),
                is_monotonic: true,
            }),
            MetricKind::Info => Data::Sum(pb::Sum {
                data_points: Vec::new(),
                aggregation_temporality: pb::AggregationTemporality::Cumulative as i32,
                is_monotonic: false,
            }),
            MetricKind::Gauge | MetricKind::Unknown => Data::Gauge(pb::Gauge { data_points: Vec::new() }),
            // Classic until a point shows native buckets (a desc has them for every series or none).
            MetricKind::Histogram => Data::Histogram(pb::Histogram {
                data_points: Vec::new(),
                aggregation_temporality: self.temporality_code(),
            }),
            MetricKind::Summary => Data::Summary(pb::Summary { data_points: Vec::new() }),
        };
        self.metrics.push(pb::Metric {
            name: otel_name(f.name, f.unit),
            description: f.help.to_owned(),
            unit: ucum_unit(f.unit).to_owned(),
            metadata: Vec::new(),
            data: Some(data),
        });
        if self.delta() {
            self.key.clear();
            self.key.push_str(f.name);
            self.key.push('\0');
            self.family_len = self.key.len();
        }
    }
}

impl PointSink for Renderer<'_> {
    fn point(&mut self, labels: Labels<'_>, point: Point<'_>) {
        let Some(mut data) = self.metrics.last_mut().and_then(|m| m.data.take()) else { return };
        match (&mut data, point) {
            (Data::Sum(s), Point::Counter(n)) => {
                let p = self.counter(labels, n);
                s.data_points.push(p);
            }
            (Data::Sum(s), Point::Info) => {
                let p = self.number_point(labels, Number::U64(1), self.process_start);
                s.data_points.push(p);
            }
            // No start time on gauges: optional in the data model, and the SDKs leave it out.
            (Data::Gauge(g), Point::Gauge(n)) => {
                let p = self.number_point(labels, n, 0);
                g.data_points.push(p);
            }
            (Data::Gauge(g), Point::Unknown(v)) => {
                let p = self.number_point(labels, Number::F64(v), 0);
                g.data_points.push(p);
            }
            (Data::Histogram(hist), Point::Histogram(h)) => match h.native {
                Some(native) if hist.data_points.is_empty() => {
                    let p = self.exponential(labels, &h, native);
                    data = Data::ExponentialHistogram(pb::ExponentialHistogram {
                        data_points: vec![p],
                        aggregation_temporality: hist.aggregation_temporality,
                    });
                }
                _ => {
                    let p = self.classic(labels, &h);
                    hist.data_points.push(p);
                }
            },
            (Data::ExponentialHistogram(e), Point::Histogram(h)) => {
                if let Some(native) = h.native {
                    let p = self.exponential(labels, &h, native);
                    e.data_points.push(p);
                }
            }
            (Data::Summary(s), Point::Summary(q)) => s.data_points.push(pb::SummaryDataPoint {
                attributes: attributes(labels),
                start_time_unix_nano: self.process_start,
                time_unix_nano: self.now,
                count: q.count,
                sum: q.sum,
                quantile_values: q
                    .quantiles
                    .iter()
                    .map(|&(quantile, value)| pb::summary_data_point::ValueAtQuantile { quantile, value })
                    .collect(),
                flags: 0,
            }),
            // A point of another kind than its family declares: the collector's bug, not the wire's; skipped.
            _ => {}
        }
        if let Some(m) = self.metrics.last_mut() {
            m.data = Some(data);
        }
    }
}
