//! The span pipeline's own metrics: `obs_spans_exported_total`, `obs_spans_dropped_total{reason}` and
//! `obs_span_export_errors_total`.

use super::ring;
use crate::desc::{MetricDesc, MetricKind};
use crate::labels::LabelDesc;
use crate::model::{Labels, Number, Point, PointSink};
use crate::registry::Collect;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

pub(crate) static EXPORTED: AtomicU64 = AtomicU64::new(0);
pub(crate) static EXPORT_ERRORS: AtomicU64 = AtomicU64::new(0);
/// Spans of batches the exporter refused.
pub(crate) static DROPPED_EXPORT: AtomicU64 = AtomicU64::new(0);
/// Span exports (spans times exporters) refused because the export queue was full: an exporter is blocked or
/// slower than the spans arrive. Counted under `queue_full` with the rings' drops, the same loss one stage on.
pub(crate) static DROPPED_EXPORT_QUEUE: AtomicU64 = AtomicU64::new(0);
/// Spans not sent when the shutdown's deadline passed.
pub(crate) static DROPPED_SHUTDOWN: AtomicU64 = AtomicU64::new(0);

static EXPORTED_DESC: MetricDesc = MetricDesc::new(
    crate::families::OBS_SPANS_EXPORTED,
    MetricKind::Counter,
    "Spans handed to the exporter successfully.",
)
.no_namespace()
.declared_in(module_path!(), crate::crate_info!());

const REASONS: &[&str] = &["queue_full", "export_failed", "shutdown_deadline"];
static DROPPED_DESC: MetricDesc = MetricDesc::new(
    crate::families::OBS_SPANS_DROPPED,
    MetricKind::Counter,
    "Spans lost, by reason: a span queue was full (a thread's ring, or the export queue behind a blocked exporter), the exporter failed, or the shutdown's deadline passed.",
)
.labels(&[LabelDesc { name: "reason", values: Some(REASONS) }])
.no_namespace()
.declared_in(module_path!(), crate::crate_info!());

static ERRORS_DESC: MetricDesc = MetricDesc::new(
    crate::families::OBS_SPAN_EXPORT_ERRORS,
    MetricKind::Counter,
    "Batches of spans the exporter failed to send.",
)
.no_namespace()
.declared_in(module_path!(), crate::crate_info!());

struct Exported;
struct Dropped;
struct Errors;

impl Collect for Exported {
    fn desc(&self) -> &'static MetricDesc {
        &EXPORTED_DESC
    }
    fn collect(&self, out: &mut dyn PointSink) {
        out.point(Labels::NONE, Point::Counter(Number::U64(EXPORTED.load(Relaxed))));
    }
    fn series_count(&self) -> usize {
        1
    }
}

impl Collect for Dropped {
    fn desc(&self) -> &'static MetricDesc {
        &DROPPED_DESC
    }
    fn collect(&self, out: &mut dyn PointSink) {
        let counts = [queue_full(), DROPPED_EXPORT.load(Relaxed), DROPPED_SHUTDOWN.load(Relaxed)];
        for (reason, n) in REASONS.iter().zip(counts) {
            let rendered = format!("reason=\"{reason}\"");
            out.point(Labels::new(DROPPED_DESC.labels, &[reason], &rendered), Point::Counter(Number::U64(n)));
        }
    }
    fn series_count(&self) -> usize {
        3
    }
}

impl Collect for Errors {
    fn desc(&self) -> &'static MetricDesc {
        &ERRORS_DESC
    }
    fn collect(&self, out: &mut dyn PointSink) {
        out.point(Labels::NONE, Point::Counter(Number::U64(EXPORT_ERRORS.load(Relaxed))));
    }
    fn series_count(&self) -> usize {
        1
    }
}

static EXPORTED_C: Exported = Exported;
static DROPPED_C: Dropped = Dropped;
static ERRORS_C: Errors = Errors;
crate::register!(EXPORTED_C);
crate::register!(DROPPED_C);
crate::register!(ERRORS_C);

/// Spans dropped because a queue was full: a thread's ring (the collector fell behind) or the export queue (an
/// exporter did).
fn queue_full() -> u64 {
    ring::dropped() + DROPPED_EXPORT_QUEUE.load(Relaxed)
}

/// Totals of the pipeline's counters, for tests: (exported, dropped because a queue was full — a thread's ring or
/// the export queue —, dropped because export failed, export errors).
///
/// ```
/// let (exported, queue_full, export_failed, errors) = obs_runtime::trace::pipeline_stats();
/// // Nothing has been traced in this process yet.
/// assert_eq!((exported, queue_full, export_failed, errors), (0, 0, 0, 0));
/// ```
pub fn pipeline_stats() -> (u64, u64, u64, u64) {
    (EXPORTED.load(Relaxed), queue_full(), DROPPED_EXPORT.load(Relaxed), EXPORT_ERRORS.load(Relaxed))
}
