//! The three RED families of traced functions, each one family of the catalog:
//! `function_calls_total{function,module,result}`, `function_calls_duration_seconds{function,module}` and
//! `function_calls_in_flight{function,module}` (for functions declared with `in_flight`). Their collectors walk the
//! traced functions the catalog lists, at scrape time.

use super::exemplar;
use super::red::{TracedFn, FN_LABELS, RESULTS};
use crate::catalog::catalog;
// The family's nominal bounds; each function may declare its own.
use crate::desc::{MetricDesc, MetricKind, DEFAULT_BUCKETS};
use crate::labels::LabelDesc;
use crate::model::{HistogramPoint, Labels, Number, Point, PointSink};
use crate::registry::Collect;

/// The storage of the function whose `function` label is `function` (`checkout`, or `Cart::new` for a method of a
/// traced `impl` block) in module `module`, if it is traced, linked and exposed.
///
/// ```
/// assert!(obs_runtime::trace::traced_function("no_such_module", "nothing").is_none());
/// ```
pub fn traced_function(module: &str, function: &str) -> Option<&'static TracedFn> {
    exposed().find(|f| f.desc.location.module_path == module && f.desc.function == function)
}

/// Every traced function with RED metrics that the catalog exposes, in catalog order. Two that expose one identity
/// (module and `function` label) are never merged: the catalog reports them (`CatalogError::DuplicateFunction`)
/// and exposes the first.
fn exposed() -> impl Iterator<Item = &'static TracedFn> {
    catalog().exposed_traced().filter(|f| f.desc.red_metrics)
}

const RESULT_VALUES: &[&str] = &RESULTS;

const CALL_LABELS: &[LabelDesc] = &[
    LabelDesc { name: "function", values: None },
    LabelDesc { name: "module", values: None },
    LabelDesc { name: "result", values: Some(RESULT_VALUES) },
];

static CALLS_DESC: MetricDesc = MetricDesc::new(
    crate::families::FUNCTION_CALLS,
    MetricKind::Counter,
    "Calls of traced functions, by function, module and result (ok, error or panic).",
)
.labels(CALL_LABELS)
.cap(u32::MAX)
.no_namespace()
.declared_in(module_path!(), crate::crate_info!());

static DURATION_DESC: MetricDesc = MetricDesc::new(
    crate::families::FUNCTION_CALLS_DURATION_SECONDS,
    MetricKind::Histogram,
    "Duration of calls of traced functions, by function and module.",
)
.labels(FN_LABELS)
.buckets(DEFAULT_BUCKETS)
.unit("seconds")
.cap(u32::MAX)
.no_namespace()
.declared_in(module_path!(), crate::crate_info!());

static IN_FLIGHT_DESC: MetricDesc = MetricDesc::new(
    crate::families::FUNCTION_CALLS_IN_FLIGHT,
    MetricKind::Gauge,
    "Calls of traced functions running now, for functions declared with `in_flight`.",
)
.labels(FN_LABELS)
.cap(u32::MAX)
.no_namespace()
.declared_in(module_path!(), crate::crate_info!());

struct Calls;
struct Durations;
struct InFlightCalls;

impl Collect for Calls {
    fn desc(&self) -> &'static MetricDesc {
        &CALLS_DESC
    }
    fn collect(&self, out: &mut dyn PointSink) {
        let mut labels = String::new();
        for f in exposed() {
            let [function, module] = f.label_values();
            for (r, name) in RESULTS.iter().enumerate() {
                labels.clear();
                labels.push_str(f.labels());
                labels.push_str(",result=\"");
                labels.push_str(name);
                labels.push('"');
                out.point(
                    Labels::new(CALL_LABELS, &[function, module, name], &labels),
                    Point::Counter(Number::U64(f.calls_by_index(r))),
                );
            }
        }
    }
    fn series_count(&self) -> usize {
        exposed().count() * RESULTS.len()
    }
}

impl Collect for Durations {
    fn desc(&self) -> &'static MetricDesc {
        &DURATION_DESC
    }
    fn collect(&self, out: &mut dyn PointSink) {
        let want_exemplars = out.wants_exemplars();
        let mut cumulative = Vec::new();
        for f in exposed() {
            let bounds = f.desc.buckets;
            let exemplars = match want_exemplars {
                true => exemplar::of_series(f as *const TracedFn as usize, 0),
                false => Vec::new(),
            };
            cumulative.clear();
            let mut cum = 0u64;
            for i in 0..=bounds.len() {
                cum += f.bucket_count(i);
                cumulative.push(cum);
            }
            let native = f.native_durations();
            let point = HistogramPoint {
                bounds,
                cumulative: &cumulative,
                sum: f.sum_seconds(),
                exemplars: &exemplars,
                native: native.as_ref(),
            };
            out.point(Labels::new(FN_LABELS, &f.label_values(), f.labels()), Point::Histogram(point));
        }
    }
    fn series_count(&self) -> usize {
        exposed().count()
    }
}

impl Collect for InFlightCalls {
    fn desc(&self) -> &'static MetricDesc {
        &IN_FLIGHT_DESC
    }
    fn collect(&self, out: &mut dyn PointSink) {
        for f in exposed().filter(|f| f.desc.in_flight) {
            out.point(Labels::new(FN_LABELS, &f.label_values(), f.labels()), Point::Gauge(Number::I64(f.in_flight())));
        }
    }
    fn series_count(&self) -> usize {
        exposed().filter(|f| f.desc.in_flight).count()
    }
}

static CALLS: Calls = Calls;
static DURATIONS: Durations = Durations;
static IN_FLIGHT: InFlightCalls = InFlightCalls;
crate::register!(CALLS);
crate::register!(DURATIONS);
crate::register!(IN_FLIGHT);
