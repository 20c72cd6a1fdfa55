//! obs' own metrics: what it refused to record, and how many series each family holds.

use crate::catalog::catalog;
use crate::desc::{MetricDesc, MetricKind};
use crate::labels::{label_set, LabelDesc, LabelSet};
use crate::metrics::counter::Counter;
use crate::model::{Labels, Number, Point, PointSink};
use crate::registry::Collect;

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

pub(crate) struct ReasonLabels {
    metric: &'static str,
    reason: &'static str,
}
const METRIC: LabelDesc = LabelDesc { name: "metric", values: None };
label_set!(ReasonLabels { metric: METRIC, reason: LabelDesc { name: "reason", values: None } });

// Declared by hand, as health/metrics.rs says why. Bounded by the catalog, which is finite, so the cap is the largest
// there is: neither family ever overflows itself.
pub(crate) static OVERFLOWS_DESC: MetricDesc = MetricDesc::new(
    crate::families::OBS_CARDINALITY_OVERFLOW,
    MetricKind::Counter,
    "New label sets sent to a metric's overflow series, by metric and reason.",
)
.labels(ReasonLabels::LABELS)
.cap(u32::MAX)
.no_namespace()
.declared_in(module_path!(), crate::crate_info!());
/// New label sets sent to a metric's overflow series, by metric and reason.
static OVERFLOWS: Counter<ReasonLabels> = Counter::new(&OVERFLOWS_DESC);
crate::register!(OVERFLOWS);

pub(crate) static DROPS_DESC: MetricDesc = MetricDesc::new(
    crate::families::OBS_DROPPED_OBSERVATIONS,
    MetricKind::Counter,
    "Observations and increments refused as invalid (NaN, negative or infinite), by metric and reason.",
)
.labels(ReasonLabels::LABELS)
.cap(u32::MAX)
.no_namespace()
.declared_in(module_path!(), crate::crate_info!());
/// Observations and increments refused as invalid (NaN, negative or infinite), by metric and reason.
static DROPS: Counter<ReasonLabels> = Counter::new(&DROPS_DESC);
crate::register!(DROPS);

fn name_of(desc: &'static MetricDesc) -> &'static str {
    catalog().entry_of(desc).map_or(desc.name, |m| m.name())
}

#[cold]
pub(crate) fn record_overflow(desc: &'static MetricDesc, reason: OverflowReason) {
    // The self-metric's own map is bounded by the catalog and never overflows, so this cannot recurse.
    let reason = match reason {
        OverflowReason::Cardinality => "cardinality",
        OverflowReason::ValueTooLong => "value_too_long",
        OverflowReason::ReservedValue => "reserved_value",
        OverflowReason::InvalidLabelSet => "invalid_label_set",
    };
    OVERFLOWS.with(ReasonLabels { metric: name_of(desc), reason }).inc();
}

#[cold]
pub(crate) fn record_drop(desc: &'static MetricDesc, reason: DropReason) {
    let reason = match reason {
        DropReason::NaN => "nan",
        DropReason::Negative => "negative",
        DropReason::Infinite => "infinite",
    };
    DROPS.with(ReasonLabels { metric: name_of(desc), reason }).inc();
}

/// `obs_series{metric}`: computed at each scrape from the catalog.
struct SeriesGauge;

pub(crate) const SERIES_DESC: MetricDesc =
    MetricDesc::new("obs_series", MetricKind::Gauge, "Series held by each metric family.")
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
