//! The format-neutral metrics model: what every family collects into, and what every exporter renders.
//!
//! A family ([`Collect`](crate::Collect)) hands each of its series to a [`PointSink`] as a [`Point`] with its
//! [`Labels`]. The Prometheus text and OpenMetrics renderers, the owned [`Snapshot`] and any other exporter are
//! sinks of the same stream, so no family writes a wire format, and no wire format knows where families come from.
//! Points carry values as stored (integers stay integers), classic buckets as cumulative counts, and exemplars.

use crate::desc::{MetricDesc, MetricKind};
use crate::labels::{Key, LabelDesc};
use crate::metrics::native::NativeBuckets;
use crate::trace::Exemplar;
use std::time::SystemTime;

/// A sample value as the family stores it.
///
/// ```
/// use obs_runtime::Number;
/// assert_eq!(Number::U64(3).as_f64(), 3.0);
/// assert_eq!(Number::I64(-2).as_f64(), -2.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An unsigned integer (counters, dense gauges of counts).
    U64(u64),
    /// A signed integer (integer gauges).
    I64(i64),
    /// A float.
    F64(f64),
}

impl Number {
    /// The value as a float, for formats that only carry floats.
    ///
    /// ```
    /// assert_eq!(obs_runtime::Number::F64(0.5).as_f64(), 0.5);
    /// ```
    pub fn as_f64(self) -> f64 {
        match self {
            Number::U64(v) => v as f64,
            Number::I64(v) => v as f64,
            Number::F64(v) => v,
        }
    }
}

/// One histogram series: classic bucket bounds, cumulative counts, sum and exemplars, and native buckets if it
/// has them (the text formats show only the classic form; protobuf carries both).
///
/// ```
/// use obs_runtime::HistogramPoint;
/// let p = HistogramPoint { bounds: &[0.1, 1.0], cumulative: &[1, 3, 4], sum: 2.5, exemplars: &[], native: None };
/// assert_eq!(p.count(), 4);
/// assert_eq!(p.bucket_counts().collect::<Vec<_>>(), [1, 2, 1]);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct HistogramPoint<'a> {
    /// Finite upper bounds, ascending; the `+Inf` bucket is implied.
    pub bounds: &'a [f64],
    /// Cumulative counts, one per bound and one more for `+Inf` (which is the count).
    pub cumulative: &'a [u64],
    /// Sum of the observations.
    pub sum: f64,
    /// Exemplars by bucket index (into `cumulative`).
    pub exemplars: &'a [(u32, Exemplar)],
    /// The native (exponential) buckets, for a histogram declared with them.
    pub native: Option<&'a NativeBuckets>,
}

impl HistogramPoint<'_> {
    /// Number of observations.
    ///
    /// ```
    /// let p = obs_runtime::HistogramPoint { bounds: &[1.0], cumulative: &[2, 5], sum: 9.0, exemplars: &[], native: None };
    /// assert_eq!(p.count(), 5);
    /// ```
    pub fn count(&self) -> u64 {
        self.cumulative.last().copied().unwrap_or(0)
    }

    /// Per-bucket (not cumulative) counts, `+Inf` last, as OTLP carries them.
    ///
    /// ```
    /// let p = obs_runtime::HistogramPoint { bounds: &[1.0], cumulative: &[2, 5], sum: 9.0, exemplars: &[], native: None };
    /// assert_eq!(p.bucket_counts().collect::<Vec<_>>(), [2, 3]);
    /// ```
    pub fn bucket_counts(&self) -> impl Iterator<Item = u64> + '_ {
        self.cumulative.iter().scan(0u64, |prev, &c| {
            let d = c.saturating_sub(*prev);
            *prev = c;
            Some(d)
        })
    }

    /// The exemplar of bucket `i`, if one was kept.
    ///
    /// ```
    /// use obs_runtime::{trace::Exemplar, HistogramPoint};
    /// let e = Exemplar { trace_id: 1, span_id: 2, value: 0.5, timestamp: 1.0 };
    /// let p = HistogramPoint { bounds: &[1.0], cumulative: &[1, 1], sum: 0.5, exemplars: &[(0, e)], native: None };
    /// assert!(p.exemplar(0).is_some() && p.exemplar(1).is_none());
    /// ```
    pub fn exemplar(&self, i: usize) -> Option<&Exemplar> {
        self.exemplars
            .iter()
            .filter(|(b, _)| *b as usize == i)
            .map(|(_, e)| e)
            .max_by(|a, b| a.timestamp.total_cmp(&b.timestamp))
    }
}

/// One summary series (only families merged from a `prometheus::Registry` have them).
///
/// ```
/// let s = obs_runtime::SummaryPoint { quantiles: &[(0.5, 1.0)], count: 3, sum: 4.0 };
/// assert_eq!(s.quantiles[0].0, 0.5);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SummaryPoint<'a> {
    /// (quantile, value) pairs.
    pub quantiles: &'a [(f64, f64)],
    /// Number of observations.
    pub count: u64,
    /// Sum of the observations.
    pub sum: f64,
}

/// The value of one series.
///
/// ```
/// use obs_runtime::{Number, Point};
/// let p = Point::Counter(Number::U64(7));
/// assert!(matches!(p, Point::Counter(Number::U64(7))));
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Point<'a> {
    /// A monotonic total.
    Counter(Number),
    /// A value that goes up and down.
    Gauge(Number),
    /// A classic histogram.
    Histogram(HistogramPoint<'a>),
    /// A summary.
    Summary(SummaryPoint<'a>),
    /// An info series: its labels are the information, its value is 1.
    Info,
    /// A value of unknown type (Prometheus' untyped).
    Unknown(f64),
}

/// The label values of one series.
#[derive(Debug, Clone, Copy)]
enum Values<'a> {
    /// A dynamic series' stored key.
    Key(Key),
    Str(&'a [&'a str]),
}

/// The labels of one series: names with raw values, and the same set already rendered for the text formats
/// (`a="x",b="y"`, values escaped), which the storage caches so a scrape does not escape every value again.
///
/// ```
/// use obs_runtime::{LabelDesc, Labels};
/// const NAMES: &[LabelDesc] = &[LabelDesc { name: "route", values: None }];
/// let labels = Labels::new(NAMES, &["/cart"], "route=\"/cart\"");
/// assert_eq!(labels.iter().collect::<Vec<_>>(), [("route", "/cart")]);
/// assert_eq!(labels.rendered(), "route=\"/cart\"");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    names: &'a [LabelDesc],
    values: Values<'a>,
    rendered: &'a str,
}

impl<'a> Labels<'a> {
    /// No labels.
    ///
    /// ```
    /// assert_eq!(obs_runtime::Labels::NONE.iter().count(), 0);
    /// ```
    pub const NONE: Labels<'static> = Labels { names: &[], values: Values::Str(&[]), rendered: "" };

    /// Labels from names, values and their rendering (`rendered` must be what [`render_labels`](crate::render_labels) makes of them).
    ///
    /// ```
    /// use obs_runtime::{LabelDesc, Labels};
    /// const NAMES: &[LabelDesc] = &[LabelDesc { name: "pool", values: None }];
    /// assert_eq!(Labels::new(NAMES, &["a"], "pool=\"a\"").get("pool"), Some("a"));
    /// ```
    pub const fn new(names: &'a [LabelDesc], values: &'a [&'a str], rendered: &'a str) -> Self {
        Labels { names, values: Values::Str(values), rendered }
    }

    pub(crate) const fn stored(names: &'a [LabelDesc], key: Key, rendered: &'a str) -> Self {
        Labels { names, values: Values::Key(key), rendered }
    }

    /// `(name, value)` pairs in declaration order.
    ///
    /// ```
    /// use obs_runtime::{LabelDesc, Labels};
    /// const NAMES: &[LabelDesc] = &[LabelDesc { name: "a", values: None }, LabelDesc { name: "b", values: None }];
    /// let l = Labels::new(NAMES, &["1", "2"], "a=\"1\",b=\"2\"");
    /// assert_eq!(l.iter().map(|(n, _)| n).collect::<Vec<_>>(), ["a", "b"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a + use<'a> {
        let values = self.values;
        self.names.iter().enumerate().map(move |(i, n)| {
            let v = match values {
                Values::Key(k) => k.value(i).unwrap_or(""),
                Values::Str(v) => v.get(i).copied().unwrap_or(""),
            };
            (n.name, v)
        })
    }

    /// The value of label `name`.
    ///
    /// ```
    /// assert_eq!(obs_runtime::Labels::NONE.get("route"), None);
    /// ```
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The labels rendered for the text formats, without braces; empty when there are none.
    ///
    /// ```
    /// assert_eq!(obs_runtime::Labels::NONE.rendered(), "");
    /// ```
    pub fn rendered(&self) -> &'a str {
        self.rendered
    }
}

/// Receives the series of a family, one point at a time; implemented by every renderer and by [`Snapshot`].
///
/// ```
/// use obs_runtime::{Labels, Point, PointSink};
/// struct Count(usize);
/// impl PointSink for Count {
///     fn point(&mut self, _labels: Labels<'_>, _point: Point<'_>) {
///         self.0 += 1;
///     }
/// }
/// let mut c = Count(0);
/// c.point(Labels::NONE, Point::Info);
/// assert_eq!(c.0, 1);
/// ```
pub trait PointSink {
    /// One series of the family being collected.
    fn point(&mut self, labels: Labels<'_>, point: Point<'_>);

    /// Whether this sink renders exemplars; families skip looking them up when it does not.
    fn wants_exemplars(&self) -> bool {
        true
    }
}

/// A [`PointSink`] that is told where each family starts: what the exposition driver feeds.
///
/// ```
/// use obs_runtime::{Family, FamilySink, Labels, Point, PointSink};
/// #[derive(Default)]
/// struct Names(Vec<String>);
/// impl PointSink for Names {
///     fn point(&mut self, _: Labels<'_>, _: Point<'_>) {}
/// }
/// impl FamilySink for Names {
///     fn begin(&mut self, f: Family<'_>) {
///         self.0.push(f.name.to_owned());
///     }
/// }
/// let mut names = Names::default();
/// obs_runtime::collect(obs_runtime::catalog(), &mut names);
/// assert!(names.0.contains(&"process_cpu_seconds".to_owned()));
/// ```
pub trait FamilySink: PointSink {
    /// A family starts; its points follow until the next `begin`.
    fn begin(&mut self, family: Family<'_>);
}

/// What a renderer needs to know of a family before its points.
///
/// ```
/// use obs_runtime::{Family, MetricKind};
/// use obs_runtime::LabelDesc;
/// const LABELS: &[LabelDesc] = &[LabelDesc { name: "queue", values: None }];
/// let f = Family { name: "jobs", kind: MetricKind::Counter, help: "Jobs run.", unit: None, labels: LABELS };
/// assert_eq!(f.label_names().collect::<Vec<_>>(), ["queue"]);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Family<'a> {
    /// The family name (namespace and unit applied; no `_total` or `_info`: see [`crate::names`]).
    pub name: &'a str,
    /// The kind.
    pub kind: MetricKind,
    /// HELP text.
    pub help: &'a str,
    /// The base unit, if declared.
    pub unit: Option<&'a str>,
    /// The label names every series carries, in exposition order, with the closed value set of a label that
    /// has one (a bucket's `le` and a summary's `quantile` are the format's, not listed).
    pub labels: &'a [LabelDesc],
}

impl Family<'_> {
    /// The label names, in exposition order.
    pub fn label_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.labels.iter().map(|l| l.name)
    }
}

/// When this process started counting: the start time of every cumulative series, no later than the first value
/// any series took, and earlier than the time of every snapshot, the process' first included.
///
/// ```standalone_crate
/// // Its own process: this is the first snapshot, which sets the start.
/// let snap = obs_runtime::Snapshot::default();
/// assert!(snap.start_time <= snap.time);
/// assert_eq!(obs_runtime::process_start(), snap.start_time);
/// ```
pub fn process_start() -> SystemTime {
    crate::block::counting_since()
}

/// An owned value of one series, as [`Snapshot`] keeps it.
///
/// ```
/// use obs_runtime::{Number, Value};
/// assert_eq!(Value::Counter(Number::U64(1)), Value::Counter(Number::U64(1)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A monotonic total.
    Counter(Number),
    /// A gauge.
    Gauge(Number),
    /// A classic histogram.
    Histogram {
        /// Finite upper bounds.
        bounds: Vec<f64>,
        /// Cumulative counts, `+Inf` last.
        cumulative: Vec<u64>,
        /// Sum of the observations.
        sum: f64,
        /// Exemplars by bucket index.
        exemplars: Vec<(u32, Exemplar)>,
        /// Native buckets, if declared.
        native: Option<NativeBuckets>,
    },
    /// A summary.
    Summary {
        /// (quantile, value) pairs.
        quantiles: Vec<(f64, f64)>,
        /// Number of observations.
        count: u64,
        /// Sum of the observations.
        sum: f64,
    },
    /// An info series.
    Info,
    /// An untyped value.
    Unknown(f64),
}

impl From<Point<'_>> for Value {
    fn from(p: Point<'_>) -> Value {
        match p {
            Point::Counter(n) => Value::Counter(n),
            Point::Gauge(n) => Value::Gauge(n),
            Point::Histogram(h) => Value::Histogram {
                bounds: h.bounds.to_vec(),
                cumulative: h.cumulative.to_vec(),
                sum: h.sum,
                exemplars: h.exemplars.to_vec(),
                native: h.native.cloned(),
            },
            Point::Summary(s) => Value::Summary { quantiles: s.quantiles.to_vec(), count: s.count, sum: s.sum },
            Point::Info => Value::Info,
            Point::Unknown(v) => Value::Unknown(v),
        }
    }
}

/// One series of a [`FamilySnapshot`].
///
/// ```
/// use obs_runtime::{Number, SeriesSnapshot, Value};
/// let s = SeriesSnapshot { labels: vec![("route".into(), "/".into())], value: Value::Gauge(Number::I64(1)) };
/// assert_eq!(s.label("route"), Some("/"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSnapshot {
    /// `(name, value)` pairs, in declaration order.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: Value,
}

impl SeriesSnapshot {
    /// The value of label `name`.
    ///
    /// ```
    /// use obs_runtime::{SeriesSnapshot, Value};
    /// assert_eq!(SeriesSnapshot { labels: vec![], value: Value::Info }.label("x"), None);
    /// ```
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// One family of a [`Snapshot`].
///
/// ```
/// let snap = obs_runtime::snapshot();
/// for f in &snap.families {
///     assert!(!f.help.is_empty());
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FamilySnapshot {
    /// The family name (see [`Family::name`]).
    pub name: String,
    /// The kind.
    pub kind: MetricKind,
    /// HELP text.
    pub help: String,
    /// The base unit, if declared.
    pub unit: Option<String>,
    /// The label names every series carries (see [`Family::labels`]).
    pub label_names: Vec<String>,
    /// Every series, in exposition order.
    pub series: Vec<SeriesSnapshot>,
}

/// Every family's state at one moment, owned: what tests, pushes and diffs read.
///
/// ```
/// use obs_runtime::{Counter, MetricDesc, MetricKind, Number, Value};
/// static JOBS: Counter = Counter::new(&MetricDesc::new("snap_jobs", MetricKind::Counter, "Jobs run."));
/// obs_runtime::register!(JOBS);
/// JOBS.inc_by(2);
/// let snap = obs_runtime::snapshot();
/// let f = snap.family("snap_jobs").unwrap();
/// assert_eq!(f.series[0].value, Value::Counter(Number::U64(2)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// When the state was read.
    pub time: SystemTime,
    /// When counting started (see [`process_start`]).
    pub start_time: SystemTime,
    /// Every exposed family, sorted by name.
    pub families: Vec<FamilySnapshot>,
}

impl Default for Snapshot {
    /// An empty snapshot, timed now; [`collect`](crate::collect) fills it.
    fn default() -> Snapshot {
        // The start first: on a process' first snapshot it is set now, and must not come after `time`.
        let start_time = process_start();
        Snapshot { time: SystemTime::now(), start_time, families: Vec::new() }
    }
}

impl Snapshot {
    /// The family named `name`.
    ///
    /// ```
    /// assert!(obs_runtime::snapshot().family("no_such_family").is_none());
    /// ```
    pub fn family(&self, name: &str) -> Option<&FamilySnapshot> {
        self.families.iter().find(|f| f.name == name)
    }
}

impl FamilySink for Snapshot {
    fn begin(&mut self, f: Family<'_>) {
        self.families.push(FamilySnapshot {
            name: f.name.to_owned(),
            kind: f.kind,
            help: f.help.to_owned(),
            unit: f.unit.map(str::to_owned),
            label_names: f.label_names().map(str::to_owned).collect(),
            series: Vec::new(),
        });
    }
}

impl PointSink for Snapshot {
    fn point(&mut self, labels: Labels<'_>, point: Point<'_>) {
        if let Some(f) = self.families.last_mut() {
            let labels = labels.iter().map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
            f.series.push(SeriesSnapshot { labels, value: point.into() });
        }
    }
}

impl<'a> Family<'a> {
    /// The family of a descriptor under its resolved name.
    pub(crate) fn of(desc: &'a MetricDesc, name: &'a str) -> Family<'a> {
        Family { name, kind: desc.kind, help: desc.help, unit: desc.unit, labels: desc.labels }
    }
}
