//! obs' own metrics: what it refused to record, and how many series each family holds.

use crate::catalog::catalog;
use crate::desc::{MetricDesc, MetricKind};
use crate::encoding::FamilyEncoder;
use crate::labels::{hash_str, LabelDesc, LabelSet};
use crate::metrics::counter::Counter;
use crate::registry::Collect;
use std::borrow::Cow;
use std::hash::Hasher;

/// Why a new label set went to the overflow series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OverflowReason {
    /// The family already holds `cap` series.
    Cardinality,
    /// A label value is longer than [`MAX_LABEL_VALUE_LEN`](crate::series::MAX_LABEL_VALUE_LEN).
    ValueTooLong,
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

struct ReasonLabels {
    metric: &'static str,
    reason: &'static str,
}

const REASON_LABELS: &[LabelDesc] =
    &[LabelDesc { name: "metric", values: None }, LabelDesc { name: "reason", values: None }];

impl LabelSet for ReasonLabels {
    const LABELS: &'static [LabelDesc] = REASON_LABELS;
    const FIXED: Option<u32> = None;
    fn fixed_index(&self) -> u32 {
        0
    }
    fn hash_values<H: Hasher>(&self, h: &mut H) {
        hash_str(h, self.metric);
        hash_str(h, self.reason);
    }
    fn matches(&self, stored: &[Cow<'static, str>]) -> bool {
        stored.len() == 2 && stored[0] == self.metric && stored[1] == self.reason
    }
    fn to_stored(&self) -> Box<[Cow<'static, str>]> {
        Box::new([Cow::Borrowed(self.metric), Cow::Borrowed(self.reason)])
    }
}

// Bounded by the catalog, which is finite, so no cap is needed.
static OVERFLOWS: Counter<ReasonLabels> = Counter::new(
    &MetricDesc::new(
        "obs_cardinality_overflow",
        MetricKind::Counter,
        "New label sets sent to a metric's overflow series, by metric and reason.",
    )
    .labels(REASON_LABELS)
    .cap(u32::MAX)
    .no_namespace(),
);
crate::register!(OVERFLOWS);

static DROPS: Counter<ReasonLabels> = Counter::new(
    &MetricDesc::new(
        "obs_dropped_observations",
        MetricKind::Counter,
        "Observations and increments refused as invalid (NaN, negative or infinite), by metric and reason.",
    )
    .labels(REASON_LABELS)
    .cap(u32::MAX)
    .no_namespace(),
);
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

const SERIES_DESC: MetricDesc = MetricDesc::new("obs_series", MetricKind::Gauge, "Series held by each metric family.")
    .labels(&[LabelDesc { name: "metric", values: None }])
    .no_namespace();

impl Collect for SeriesGauge {
    fn desc(&self) -> &'static MetricDesc {
        &SERIES_DESC
    }
    fn encode(&self, enc: &mut FamilyEncoder<'_>) {
        let mut labels = String::new();
        for m in catalog().exposed() {
            labels.clear();
            labels.push_str("metric=\"");
            crate::escape_label_value(&mut labels, m.name());
            labels.push('"');
            enc.sample_u64("", &labels, None, m.series_count() as u64);
        }
    }
    fn series_count(&self) -> usize {
        catalog().metrics().len()
    }
}

static SERIES: SeriesGauge = SeriesGauge;
crate::register!(SERIES);
