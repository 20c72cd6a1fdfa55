//! obs' own metrics: what it refused to record, and how many series each family holds.

use crate::catalog::catalog;
use crate::desc::{MetricDesc, MetricKind};
use crate::labels::LabelDesc;
use crate::model::{Labels, Number, Point, PointSink};
use crate::registry::Collect;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Why a new label set went to the overflow series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OverflowReason {
    /// The family already holds `cap` series.
    Cardinality,
    /// A label value is longer than [`MAX_LABEL_VALUE_LEN`](crate::series::MAX_LABEL_VALUE_LEN).
    ValueTooLong,
    /// A label value is [`OVERFLOW_VALUE`](crate::series::OVERFLOW_VALUE), which only the overflow series may take.
    ReservedValue,
    /// A hand-written [`LabelSet`](crate::LabelSet) whose `hash_values` does not write one
    /// [`hash_str`](crate::hash_str) per label: its series could not be found again, so none is made.
    InvalidLabelSet,
}

/// Why an observation was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DropReason {
    NaN,
    Negative,
    Infinite,
}

impl DropReason {
    pub(crate) fn for_increment(v: f64) -> DropReason {
        if v.is_nan() {
            DropReason::NaN
        } else if v < 0.0 {
            DropReason::Negative
        } else {
            DropReason::Infinite
        }
    }
}

/// Counts by metric and reason, kept here rather than in a counter family: the storage calls this module when it
/// refuses something, so this module must not depend on the storage. A lock on a map is enough for events that
/// only refused label sets and invalid values cause, and the map is bounded by the catalog (metrics) times the
/// reasons, so neither family can overflow itself.
struct ReasonCounts {
    desc: &'static MetricDesc,
    counts: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
}

impl ReasonCounts {
    const fn new(desc: &'static MetricDesc) -> ReasonCounts {
        ReasonCounts { desc, counts: Mutex::new(BTreeMap::new()) }
    }

    fn add(&self, desc: &'static MetricDesc, reason: &'static str) {
        let metric = catalog().entry_of(desc).map_or(desc.name, |m| m.name());
        *self.counts.lock().unwrap_or_else(|e| e.into_inner()).entry((metric, reason)).or_insert(0) += 1;
    }
}

impl Collect for ReasonCounts {
    fn desc(&self) -> &'static MetricDesc {
        self.desc
    }
    fn collect(&self, out: &mut dyn PointSink) {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner()).clone();
        for ((metric, reason), n) in counts {
            let values = [metric, reason];
            let rendered = crate::render_labels(self.desc.labels, values);
            out.point(Labels::new(self.desc.labels, &values, &rendered), Point::Counter(Number::U64(n)));
        }
    }
    fn series_count(&self) -> usize {
        self.counts.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// A counter by metric and reason (`#[track_caller]`: its location is the `static` that calls this).
#[track_caller]
const fn by_metric_and_reason(name: &'static str, help: &'static str) -> MetricDesc {
    const LABELS: &[LabelDesc] =
        &[LabelDesc { name: "metric", values: None }, LabelDesc { name: "reason", values: None }];
    MetricDesc::new(name, MetricKind::Counter, help)
        .labels(LABELS)
        .cap(u32::MAX)
        .no_namespace()
        .declared_in(module_path!(), crate::crate_info!())
}

static OVERFLOWS_DESC: MetricDesc = by_metric_and_reason(
    crate::families::OBS_CARDINALITY_OVERFLOW,
    "New label sets sent to a metric's overflow series, by metric and reason.",
);
static OVERFLOWS: ReasonCounts = ReasonCounts::new(&OVERFLOWS_DESC);
crate::register!(OVERFLOWS);

static DROPS_DESC: MetricDesc = by_metric_and_reason(
    crate::families::OBS_DROPPED_OBSERVATIONS,
    "Observations and increments refused as invalid (NaN, negative or infinite), by metric and reason.",
);
static DROPS: ReasonCounts = ReasonCounts::new(&DROPS_DESC);
crate::register!(DROPS);

#[cold]
pub(crate) fn record_overflow(desc: &'static MetricDesc, reason: OverflowReason) {
    let reason = match reason {
        OverflowReason::Cardinality => "cardinality",
        OverflowReason::ValueTooLong => "value_too_long",
        OverflowReason::ReservedValue => "reserved_value",
        OverflowReason::InvalidLabelSet => "invalid_label_set",
    };
    OVERFLOWS.add(desc, reason);
}

#[cold]
pub(crate) fn record_drop(desc: &'static MetricDesc, reason: DropReason) {
    let reason = match reason {
        DropReason::NaN => "nan",
        DropReason::Negative => "negative",
        DropReason::Infinite => "infinite",
    };
    DROPS.add(desc, reason);
}

/// `obs_series{metric}`: computed at each scrape from the catalog.
struct SeriesGauge;

pub(crate) const SERIES_DESC: MetricDesc =
    MetricDesc::new(crate::families::OBS_SERIES, MetricKind::Gauge, "Series held by each metric family.")
        .labels(&[LabelDesc { name: "metric", values: None }])
        .no_namespace()
        .declared_in(module_path!(), crate::crate_info!());

impl Collect for SeriesGauge {
    fn desc(&self) -> &'static MetricDesc {
        &SERIES_DESC
    }
    fn collect(&self, out: &mut dyn PointSink) {
        for m in catalog().exposed() {
            let rendered = crate::render_labels(SERIES_DESC.labels, [m.name()]);
            let values = [m.name()];
            let labels = Labels::new(SERIES_DESC.labels, &values, &rendered);
            out.point(labels, Point::Gauge(Number::U64(m.series_count() as u64)));
        }
    }
    fn series_count(&self) -> usize {
        catalog().metrics().len()
    }
}

static SERIES: SeriesGauge = SeriesGauge;
crate::register!(SERIES);
