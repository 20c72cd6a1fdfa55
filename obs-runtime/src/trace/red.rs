//! RED storage of traced functions: one [`TracedFn`] per function, in a `static`.
//!
//! Each `#[traced]` function owns a [`TracedFn`]: its call counts by result and its duration histogram live in one
//! per-thread-slot block (the same storage as declared metrics), so a call writes its own thread's cache line with
//! plain integer stores (durations in clock ticks), with no hashing and no lookup. The optional in-flight gauge is a
//! cell of the same row: it only ever moves by +1 and -1, so unlike a gauge's `set` it splits across slots, and
//! its value is the wrapping sum of the rows (an async call that starts on one thread and ends on another adds on
//! one row and subtracts on the other). `#[traced(native)]` adds native buckets kept per slot like a native
//! histogram's. The catalog lists the functions through their [`Declaration`](crate::Declaration); the families
//! that expose them are in [`super::functions`].

use super::clock;
use crate::block::{Block, Hot, HotRow, OwnRow};
use crate::desc::FunctionDesc;
use crate::encoding::render_labels;
use crate::labels::LabelDesc;
use crate::metrics::native::{NativeBuckets, NativeSeries};
use crate::series::{Cells, Live, SeriesRef};
use std::sync::atomic::{AtomicPtr, Ordering::Acquire};
use std::sync::{Mutex, OnceLock};

/// How a call ended: the `result` label.
///
/// ```
/// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
/// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
/// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
/// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
/// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
/// # static WORK: TracedFn = TracedFn::new(&DESC);
/// use obs_runtime::trace::{Call, Outcome};
/// Call::enter(&WORK).finish(Outcome::Error, Some("timeout".into()));
/// assert_eq!((WORK.calls(Outcome::Ok), WORK.calls(Outcome::Error)), (0, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Returned normally (or returned `Ok`).
    Ok = 0,
    /// Returned `Err`.
    Error = 1,
    /// Panicked.
    Panic = 2,
}

/// The `result` label's values, by [`Outcome`].
pub(crate) const RESULTS: [&str; 3] = ["ok", "error", "panic"];

/// The RED storage of one traced function; `#[traced]` puts one in a `static`.
///
/// ```
/// use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
/// static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
///     attributes: &[], red_metrics: true, in_flight: false, buckets: &[0.1, 1.0], native: None, slo: None,
///     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
///     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
/// static WORK: TracedFn = TracedFn::new(&DESC);
/// assert_eq!(WORK.calls(obs_runtime::trace::Outcome::Ok), 0);
/// ```
pub struct TracedFn {
    pub(crate) desc: &'static FunctionDesc,
    // Null until the first call; then the storage, never freed. One load on the hot path, no `Once` state word.
    red: AtomicPtr<Red>,
    labels: OnceLock<String>,
}

/// The storage behind a [`TracedFn`], made at its first call.
struct Red {
    block: &'static Block,
    /// The block's first cell as the write path wants it: a call's row is one multiply-add away.
    hot: Hot,
    /// The bucket bounds in clock ticks, so a call's bucket is found with integer compares, ending with
    /// `u64::MAX` for `+Inf`: no duration is above it, so a scan needs no length check.
    bounds: Box<[u64]>,
    /// Whether the in-flight gauge is kept (`in_flight` and `red_metrics` both on).
    in_flight: bool,
    /// With `#[traced(native)]`, the durations in seconds in native buckets too.
    native: Option<NativeSeries>,
}

// A function's row, at fixed places so the write path adds no offsets it has to load: the three results (an
// `Outcome` as index), the sum of durations in ticks, calls started minus calls ended without a result (a
// cancelled future), as a wrapping `u64` per row, then one count per bucket, `+Inf` last. So the in-flight gauge
// is that cell less the results, and a call's end writes no cell for it.
const SUM: usize = 3;
const IN_FLIGHT: usize = 4;
const BUCKETS: usize = 5;

impl Red {
    #[inline(always)]
    fn bucket(&self, ticks: u64) -> usize {
        // `le` semantics: the first bound at or above the duration. Short lists (the default has 11) scan
        // linearly, which beats a binary search's mispredicted branches.
        if self.bounds.len() <= 17 {
            let mut i = 0;
            // SAFETY: the last bound is `u64::MAX`, which no `ticks` is above, so the scan stops at it or before.
            while unsafe { *self.bounds.get_unchecked(i) } < ticks {
                i += 1;
            }
            i
        } else {
            self.search(ticks)
        }
    }

    // Out of line: long lists are rare, and this is not inlined into every traced function.
    #[inline(never)]
    fn search(&self, ticks: u64) -> usize {
        // Never past the last bound, for the same reason as the scan.
        self.bounds.partition_point(|b| *b < ticks)
    }

    fn sum_seconds(&self) -> f64 {
        self.sum_seconds_in(&Live)
    }

    fn sum_seconds_in(&self, cells: &impl Cells) -> f64 {
        clock::ticks_to_seconds(cells.u64(self.series(), SUM))
    }

    /// The function's cells, read as one series at the start of its block.
    fn series(&self) -> SeriesRef {
        SeriesRef { block: self.block, base: 0 }
    }
}

/// One thread's row of one traced function's storage; see [`TracedFn::target`].
#[derive(Clone, Copy)]
pub(crate) struct RedTarget {
    red: &'static Red,
    row: HotRow,
}

impl RedTarget {
    /// Records one finished call that took `ticks` clock ticks; returns the duration's bucket.
    #[inline(always)]
    pub(crate) fn record(self, outcome: Outcome, ticks: u64) -> usize {
        // All integer: the bounds are in ticks and the sum is kept in ticks, converted only at scrape time.
        let i = self.red.bucket(ticks);
        // SAFETY: the row starts at the block's first cell and holds `BUCKETS + bounds.len()` cells: the result
        // (< 3), the sum and the bucket (`BUCKETS + i`, `i < bounds.len()`) are all inside it.
        unsafe {
            self.row.add_u64(outcome as usize, 1);
            self.row.add_u64(BUCKETS + i, 1);
            self.row.add_u64(SUM, ticks);
        }
        if let Some(native) = &self.red.native {
            observe_native(native, ticks);
        }
        i
    }

    /// Moves the in-flight gauge by `d`, if the function keeps it: +1 when a call starts, -1 when it ends without
    /// a result (a call that ends with one is taken off by its result).
    #[inline(always)]
    pub(crate) fn add_in_flight(&self, d: i64) {
        if self.red.in_flight {
            // SAFETY: `IN_FLIGHT` is inside every row (see `init_red`).
            unsafe { self.row.add_u64(IN_FLIGHT, d as u64) };
        }
    }

    /// This row, kept for the call's end on the same thread, if the thread owns it.
    #[inline(always)]
    pub(crate) fn keep(&self) -> Option<OwnRow> {
        self.row.keep()
    }
}

/// `#[traced(native)]`'s native buckets, out of line: the bucket index math is too large to inline into every
/// traced function, and the classic cells above are the part a call must not wait for.
#[inline(never)]
fn observe_native(native: &NativeSeries, ticks: u64) {
    native.observe(clock::ticks_to_seconds(ticks));
}

impl TracedFn {
    /// The storage of the function described by `desc`.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// static OTHER: TracedFn = TracedFn::new(&DESC);
    /// assert_eq!(OTHER.desc().span_name, "work");
    /// ```
    pub const fn new(desc: &'static FunctionDesc) -> Self {
        TracedFn { desc, red: AtomicPtr::new(std::ptr::null_mut()), labels: OnceLock::new() }
    }

    /// The function's declaration.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// assert_eq!(WORK.desc().function, "work");
    /// assert_eq!(WORK.desc().location.module_path, "demo");
    /// ```
    pub fn desc(&self) -> &'static FunctionDesc {
        self.desc
    }

    #[inline(always)]
    fn red(&self) -> &'static Red {
        match self.red_if_called() {
            Some(red) => red,
            None => self.init_red(),
        }
    }

    #[cold]
    #[inline(never)]
    fn init_red(&self) -> &'static Red {
        // Two first calls racing on two threads must not leave two blocks: one lock for all first calls.
        static INIT: Mutex<()> = Mutex::new(());
        let _g = INIT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(red) = self.red_if_called() {
            return red;
        }
        let bounds: Box<[u64]> =
            self.desc.buckets.iter().map(|b| clock::ticks_for_seconds(*b)).chain([u64::MAX]).collect();
        let block = Block::leak(BUCKETS + bounds.len(), true);
        let red: &'static Red = Box::leak(Box::new(Red {
            block,
            hot: block.hot(0),
            bounds,
            in_flight: self.desc.in_flight && self.desc.red_metrics,
            native: self.desc.native.map(NativeSeries::new),
        }));
        self.red.store(red as *const Red as *mut Red, std::sync::atomic::Ordering::Release);
        red
    }

    #[inline(always)]
    fn red_if_called(&self) -> Option<&'static Red> {
        // SAFETY: a non-null pointer comes from `init_red`'s leaked box, published with release ordering.
        unsafe { self.red.load(Acquire).as_ref() }
    }

    /// Where this thread's next finished call is recorded. Looked up before the call's end is timed, so the
    /// chain of loads overlaps the clock read instead of following it.
    #[inline(always)]
    pub(crate) fn target(&self) -> RedTarget {
        let red = self.red();
        RedTarget { red, row: red.hot.row() }
    }

    #[inline(always)]
    pub(crate) fn in_flight_add(&self, d: i64) {
        self.target().add_in_flight(d);
    }

    /// The target of a call that kept its row ([`RedTarget::keep`]), on the thread that kept it.
    #[inline(always)]
    pub(crate) fn kept_target(&self, row: OwnRow) -> Option<RedTarget> {
        Some(RedTarget { red: self.red_if_called()?, row: row.row() })
    }

    /// [`target`](Self::target) for the lean path of a call: `None` unless the storage exists and this thread owns
    /// its row (so the row is written with plain stores), leaving the first call and the shared row to the caller's
    /// general path.
    #[inline(always)]
    pub(crate) fn own_target(&self) -> Option<RedTarget> {
        let red = self.red_if_called()?;
        let (_, row) = red.hot.own_row()?;
        Some(RedTarget { red, row })
    }

    /// Calls so far that ended with `outcome`.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// use obs_runtime::trace::{Call, Outcome};
    /// assert_eq!(WORK.calls(Outcome::Ok), 0);
    /// Call::enter(&WORK).finish(Outcome::Ok, None);
    /// assert_eq!(WORK.calls(Outcome::Ok), 1);
    /// ```
    pub fn calls(&self, outcome: Outcome) -> u64 {
        self.calls_by_index(outcome as usize)
    }

    pub(crate) fn calls_by_index(&self, result: usize) -> u64 {
        self.calls_in(&Live, result)
    }

    /// Calls that ended with result `result` (an [`Outcome`] as index), read from `cells`.
    pub(crate) fn calls_in(&self, cells: &impl Cells, result: usize) -> u64 {
        self.red_if_called().map_or(0, |r| cells.u64(r.series(), result))
    }

    /// Calls running now (kept only with `in_flight`).
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// let call = obs_runtime::trace::Call::start(&WORK);
    /// assert_eq!(WORK.in_flight(), 1);
    /// drop(call);
    /// assert_eq!(WORK.in_flight(), 0);
    /// ```
    pub fn in_flight(&self) -> i64 {
        // A scrape reads the rows one after another, so a call that moves between threads meanwhile can be seen
        // ended but not started: never below zero.
        let Some(r) = self.red_if_called().filter(|r| r.in_flight) else {
            return 0;
        };
        // The results first: a call that ends between the two reads is then still counted, never ended before it
        // started.
        let ended = (0..RESULTS.len()).fold(0u64, |n, k| n.wrapping_add(Live.u64(r.series(), k)));
        (Live.u64(r.series(), IN_FLIGHT).wrapping_sub(ended) as i64).max(0)
    }

    /// Cumulative duration counts by bucket bound (ending with `+Inf`), and the sum of durations.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// use obs_runtime::trace::{Call, Outcome};
    /// Call::enter(&WORK).finish(Outcome::Ok, None);
    /// let (buckets, sum) = WORK.durations();
    /// assert_eq!(buckets.last(), Some(&(f64::INFINITY, 1)));
    /// assert!(sum >= 0.0);
    /// ```
    pub fn durations(&self) -> (Vec<(f64, u64)>, f64) {
        let bounds = self.desc.buckets;
        let Some(red) = self.red_if_called() else {
            let zero = bounds.iter().copied().chain([f64::INFINITY]).map(|x| (x, 0)).collect();
            return (zero, 0.0);
        };
        let mut cum = 0;
        let buckets = bounds
            .iter()
            .copied()
            .chain([f64::INFINITY])
            .enumerate()
            .map(|(i, x)| {
                cum += Live.u64(red.series(), BUCKETS + i);
                (x, cum)
            })
            .collect();
        (buckets, red.sum_seconds())
    }

    /// The durations in native buckets, for a function declared `#[traced(native)]`.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    ///     attributes: &[], red_metrics: true, in_flight: false, buckets: &[0.1, 1.0],
    ///     native: Some(obs_runtime::NativeConfig::DEFAULT), slo: None,
    ///     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    ///     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// static WORK: TracedFn = TracedFn::new(&DESC);
    /// use obs_runtime::trace::{Call, Outcome};
    /// Call::enter(&WORK).finish(Outcome::Ok, None);
    /// assert_eq!(WORK.native_durations().unwrap().count, 1);
    /// ```
    pub fn native_durations(&self) -> Option<NativeBuckets> {
        self.desc.native?;
        let sum = self.red_if_called().map_or(0.0, |r| r.sum_seconds());
        Some(match self.red_if_called().and_then(|r| r.native.as_ref()) {
            Some(native) => native.snapshot(sum),
            None => NativeSeries::new(self.desc.native?).snapshot(sum),
        })
    }

    /// The sum of durations, in seconds.
    pub(crate) fn sum_seconds(&self) -> f64 {
        self.sum_seconds_in(&Live)
    }

    /// [`sum_seconds`](Self::sum_seconds), read from `cells`.
    pub(crate) fn sum_seconds_in(&self, cells: &impl Cells) -> f64 {
        self.red_if_called().map_or(0.0, |r| r.sum_seconds_in(cells))
    }

    /// The duration count of bucket `i` (the last is `+Inf`), not cumulative.
    pub(crate) fn bucket_count(&self, i: usize) -> u64 {
        self.bucket_count_in(&Live, i)
    }

    /// [`bucket_count`](Self::bucket_count), read from `cells`.
    pub(crate) fn bucket_count_in(&self, cells: &impl Cells, i: usize) -> u64 {
        self.red_if_called().map_or(0, |r| cells.u64(r.series(), BUCKETS + i))
    }

    /// The `function` and `module` label values.
    pub(crate) fn label_values(&self) -> [&'static str; 2] {
        [self.desc.function, self.desc.location.module_path]
    }

    /// The `function` and `module` labels, rendered once.
    pub(crate) fn labels(&self) -> &str {
        self.labels.get_or_init(|| render_labels(FN_LABELS, self.label_values()))
    }
}

/// The `function` and `module` labels of every RED family.
pub(crate) const FN_LABELS: &[LabelDesc] =
    &[LabelDesc { name: "function", values: None }, LabelDesc { name: "module", values: None }];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desc::{CrateInfo, Location, SpanKind};

    fn traced_with(buckets: &'static [f64]) -> &'static TracedFn {
        let desc: &'static FunctionDesc = Box::leak(Box::new(FunctionDesc {
            function: "work",
            span_name: "work",
            kind: SpanKind::Internal,
            attributes: &[],
            red_metrics: true,
            in_flight: true,
            buckets,
            native: None,
            slo: None,
            location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
            krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" },
        }));
        Box::leak(Box::new(TracedFn::new(desc)))
    }

    #[test]
    fn a_duration_lands_in_the_first_bucket_at_or_above_it() {
        // Lists scanned (up to 17 bounds with the `+Inf` sentinel) and searched (longer), each side of the limit.
        for n in [1usize, 11, 16, 17, 18, 40] {
            let buckets: &'static [f64] = Box::leak((1..=n).map(|i| i as f64 * 0.001).collect());
            let red = traced_with(buckets).red();
            assert_eq!(red.bounds.len(), n + 1);
            assert_eq!(red.bucket(0), 0, "{n} bounds");
            for (i, b) in red.bounds[..n].iter().enumerate() {
                assert_eq!(red.bucket(b - 1), i, "{n} bounds, below bound {i}");
                assert_eq!(red.bucket(*b), i, "{n} bounds, at bound {i}");
                assert_eq!(red.bucket(b + 1), i + 1, "{n} bounds, above bound {i}");
            }
            assert_eq!(red.bucket(u64::MAX), n, "{n} bounds: the longest duration is counted in +Inf");
        }
    }
}
