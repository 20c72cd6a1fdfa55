//! Histograms: observations counted into buckets, per slot, made cumulative at scrape.

use crate::block::{Hot, HotRow};
use crate::desc::MetricDesc;
use crate::labels::LabelSet;
use crate::metrics::native::{self, NativeBuckets, NativeSeries};
use crate::model::{HistogramPoint, Point, PointSink};
use crate::registry::Collect;
use crate::self_metrics::{self, DropReason};
use crate::series::{Cells, SeriesRef, SeriesStore};
use crate::switch::is_enabled;
use std::marker::PhantomData;
use std::sync::atomic::Ordering::{AcqRel, Acquire};
use std::time::Instant;

/// A histogram family with labels `L`; declare one with `#[obs::metric(histogram, ...)]`.
///
/// A series holds one count per bucket (plus `+Inf`) and the sum; the total count is the sum of the buckets, so an
/// observation is two plain writes into the caller's slot. A desc with [`native`](MetricDesc::native) buckets also
/// keeps native buckets per series (their memory is stated on [`NativeConfig`](crate::NativeConfig)), exposed over protobuf;
/// the classic cells still hold the sum and, for a native-only desc, the `+Inf` count of the text formats.
///
/// ```
/// use obs_runtime::{Histogram, MetricDesc, MetricKind};
/// static LATENCY: Histogram = Histogram::new(
///     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.").buckets(&[0.1, 1.0]),
/// );
/// LATENCY.observe(0.05);
/// LATENCY.observe(5.0);
/// assert_eq!(LATENCY.snapshot().count(), 2);
/// assert_eq!(LATENCY.snapshot().buckets(), vec![(0.1, 1), (1.0, 1), (f64::INFINITY, 2)]);
/// ```
pub struct Histogram<L = ()> {
    store: SeriesStore,
    _labels: PhantomData<fn(&L)>,
}

/// One series of a [`Histogram`].
///
/// ```
/// use obs_runtime::{Histogram, HistogramHandle, MetricDesc, MetricKind};
/// static SIZES: Histogram =
///     Histogram::new(&MetricDesc::new("payload_bytes", MetricKind::Histogram, "Sizes.").buckets(&[100.0, 1000.0]));
/// let sizes: HistogramHandle = SIZES.with(());
/// sizes.observe(50.0);
/// sizes.observe(500.0);
/// assert_eq!(sizes.snapshot().count(), 2);
/// ```
#[derive(Clone, Copy)]
pub struct HistogramHandle {
    s: SeriesRef,
    /// The series' first cell as the write path wants it.
    hot: Hot,
    desc: &'static MetricDesc,
}

/// Observes the time since its creation when dropped; see [`HistogramHandle::start_timer`].
///
/// ```
/// use obs_runtime::{Histogram, HistogramTimer, MetricDesc, MetricKind};
/// static STEP: Histogram =
///     Histogram::new(&MetricDesc::new("step_seconds", MetricKind::Histogram, "Step time.").buckets(&[0.1, 1.0]));
/// let timer: HistogramTimer = STEP.start_timer();
/// std::thread::sleep(std::time::Duration::from_millis(1));
/// drop(timer); // observes the elapsed seconds
/// assert_eq!(STEP.snapshot().count(), 1);
/// assert!(STEP.snapshot().sum() >= 0.001);
/// ```
#[must_use = "the duration is observed when this timer drops"]
pub struct HistogramTimer {
    handle: HistogramHandle,
    start: Instant,
}

impl Drop for HistogramTimer {
    fn drop(&mut self) {
        self.handle.observe(self.start.elapsed().as_secs_f64());
    }
}

/// The state of one histogram series at one moment.
///
/// ```
/// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
/// # static SIZES: Histogram = Histogram::new(
/// #     &MetricDesc::new("payload_bytes", MetricKind::Histogram, "Payload sizes.").buckets(&[100.0, 1000.0]),
/// # );
/// SIZES.observe(10.0);
/// SIZES.observe(5000.0);
/// let snap = SIZES.snapshot();
/// assert_eq!((snap.count(), snap.sum()), (2, 5010.0));
/// assert_eq!(snap.buckets(), vec![(100.0, 1), (1000.0, 1), (f64::INFINITY, 2)]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSnapshot {
    bounds: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    native: Option<NativeBuckets>,
}

impl HistogramSnapshot {
    /// Total observations.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static SIZES: Histogram = Histogram::new(
    /// #     &MetricDesc::new("payload_bytes", MetricKind::Histogram, "Payload sizes.").buckets(&[100.0, 1000.0]),
    /// # );
    /// SIZES.observe(10.0);
    /// SIZES.observe(20.0);
    /// assert_eq!(SIZES.snapshot().count(), 2);
    /// ```
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }
    /// Sum of the observations.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static SIZES: Histogram = Histogram::new(
    /// #     &MetricDesc::new("payload_bytes", MetricKind::Histogram, "Payload sizes.").buckets(&[100.0, 1000.0]),
    /// # );
    /// SIZES.observe(10.0);
    /// SIZES.observe(20.0);
    /// assert_eq!(SIZES.snapshot().sum(), 30.0);
    /// ```
    pub fn sum(&self) -> f64 {
        self.sum
    }
    /// The native buckets, for a desc declared with them.
    ///
    /// ```
    /// use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// static LAT: Histogram = Histogram::new(&MetricDesc::new("lat_seconds", MetricKind::Histogram, "Lat.").native_default());
    /// LAT.observe(1.0);
    /// LAT.observe(-1.0);
    /// let snap = LAT.snapshot();
    /// let native = snap.native().unwrap();
    /// assert_eq!((native.schema, native.count), (3, 2));
    /// assert_eq!((native.positive.clone(), native.negative.clone()), (vec![(0, 1)], vec![(0, 1)]));
    /// assert_eq!(snap.buckets(), vec![(f64::INFINITY, 2)]); // native only: the classic form is `+Inf` alone
    /// ```
    pub fn native(&self) -> Option<&NativeBuckets> {
        self.native.as_ref()
    }
    /// Cumulative counts by upper bound, ending with `+Inf`.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static SIZES: Histogram = Histogram::new(
    /// #     &MetricDesc::new("payload_bytes", MetricKind::Histogram, "Payload sizes.").buckets(&[100.0, 1000.0]),
    /// # );
    /// SIZES.observe(500.0);
    /// assert_eq!(SIZES.snapshot().buckets(), vec![(100.0, 0), (1000.0, 1), (f64::INFINITY, 1)]);
    /// ```
    pub fn buckets(&self) -> Vec<(f64, u64)> {
        let mut cum = 0;
        self.bounds
            .iter()
            .copied()
            .chain([f64::INFINITY])
            .zip(&self.counts)
            .map(|(b, c)| {
                cum += c;
                (b, cum)
            })
            .collect()
    }
}

impl<L> Histogram<L> {
    /// A histogram family for `desc`, whose `buckets` must be non-empty and strictly increasing.
    ///
    /// ```
    /// use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// static SIZES: Histogram = Histogram::new(
    ///     &MetricDesc::new("payload_bytes", MetricKind::Histogram, "Payload sizes.").buckets(&[100.0, 1000.0]),
    /// );
    /// assert_eq!(SIZES.snapshot().count(), 0);
    /// ```
    pub const fn new(desc: &'static MetricDesc) -> Self {
        // Bucket counts, `+Inf`, the sum, and with native buckets the address of the series' native storage.
        let width = desc.buckets.len() as u32 + 2 + desc.native.is_some() as u32;
        Histogram {
            store: SeriesStore::new(desc, width, Some(desc.buckets.len() as u32 + 1), true, true),
            _labels: PhantomData,
        }
    }
    /// The series of `labels`.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static SIZES: Histogram = Histogram::new(
    /// #     &MetricDesc::new("payload_bytes", MetricKind::Histogram, "Payload sizes.").buckets(&[100.0, 1000.0]),
    /// # );
    /// let sizes = SIZES.with(());
    /// sizes.observe(250.0);
    /// assert_eq!(SIZES.snapshot().count(), 1);
    /// ```
    #[inline(always)]
    pub fn with(&self, labels: L) -> HistogramHandle
    where
        L: LabelSet,
    {
        let (s, hot) = self.store.resolve_hot(&labels);
        HistogramHandle { s, hot, desc: self.store.desc() }
    }
    /// The declaration.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static SIZES: Histogram = Histogram::new(
    /// #     &MetricDesc::new("payload_bytes", MetricKind::Histogram, "Payload sizes.").buckets(&[100.0, 1000.0]),
    /// # );
    /// assert_eq!(SIZES.desc().buckets, [100.0, 1000.0]);
    /// ```
    pub fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
}

impl Histogram<()> {
    /// Records one observation.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static SIZES: Histogram = Histogram::new(
    /// #     &MetricDesc::new("payload_bytes", MetricKind::Histogram, "Payload sizes.").buckets(&[100.0, 1000.0]),
    /// # );
    /// SIZES.observe(100.0); // bounds are inclusive: counted in `le="100"`
    /// assert_eq!(SIZES.snapshot().buckets()[0], (100.0, 1));
    /// ```
    #[inline(always)]
    pub fn observe(&self, v: f64) {
        self.with(()).observe(v)
    }
    /// Starts a timer that observes the elapsed seconds when dropped.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static SIZES: Histogram = Histogram::new(
    /// #     &MetricDesc::new("payload_bytes", MetricKind::Histogram, "Payload sizes.").buckets(&[100.0, 1000.0]),
    /// # );
    /// {
    ///     let _timer = SIZES.start_timer();
    /// }
    /// assert_eq!(SIZES.snapshot().count(), 1);
    /// ```
    #[inline]
    pub fn start_timer(&self) -> HistogramTimer {
        self.with(()).start_timer()
    }
    /// The current counts and sum.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static SIZES: Histogram = Histogram::new(
    /// #     &MetricDesc::new("payload_bytes", MetricKind::Histogram, "Payload sizes.").buckets(&[100.0, 1000.0]),
    /// # );
    /// SIZES.observe(42.0);
    /// let snap = SIZES.snapshot();
    /// assert_eq!((snap.count(), snap.sum()), (1, 42.0));
    /// ```
    pub fn snapshot(&self) -> HistogramSnapshot {
        self.with(()).snapshot()
    }
}

impl HistogramHandle {
    /// Records one observation; NaN is dropped and counted in `obs_dropped_observations_total`.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static SIZES: Histogram = Histogram::new(
    /// #     &MetricDesc::new("payload_bytes", MetricKind::Histogram, "Payload sizes.").buckets(&[100.0, 1000.0]),
    /// # );
    /// let sizes = SIZES.with(());
    /// sizes.observe(700.0);
    /// sizes.observe(f64::NAN); // dropped
    /// assert_eq!(sizes.snapshot().count(), 1);
    /// ```
    // Inlined: the common case (a thread with its own slot, a number, no sampled span to leave an exemplar) is
    // the bucket search and two plain writes, plus one call for native buckets; everything else is one call to
    // `observe_general`, shared by every histogram.
    #[inline(always)]
    pub fn observe(self, v: f64) {
        if !is_enabled() {
            return;
        }
        match self.hot.own_row() {
            Some((slot, row)) if !v.is_nan() && !crate::trace::is_active() => {
                let bounds = self.desc.buckets;
                count_classic(row, bounds, v);
                if self.desc.native.is_some() {
                    // The slot's native row address, cached in its classic row (0 until its first native
                    // observation), on the line just written. SAFETY: a native desc's series has a third cell after
                    // its buckets, inside the row.
                    let mine = unsafe { row.load_u64(bounds.len() + 2) };
                    // SAFETY: a non-zero `mine` is `row_addr` of this series (never dropped) for the caller's slot.
                    if !unsafe { native::observe_at(mine, v) } {
                        observe_native_slow(self.s, self.desc, slot, row, v);
                    }
                }
            }
            _ => observe_general(self.s, self.hot, self.desc, v),
        }
    }

    /// Starts a timer that observes the elapsed seconds when dropped.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static SIZES: Histogram = Histogram::new(
    /// #     &MetricDesc::new("payload_bytes", MetricKind::Histogram, "Payload sizes.").buckets(&[100.0, 1000.0]),
    /// # );
    /// let timer = SIZES.with(()).start_timer();
    /// drop(timer);
    /// assert_eq!(SIZES.snapshot().count(), 1);
    /// ```
    #[inline]
    pub fn start_timer(self) -> HistogramTimer {
        HistogramTimer { handle: self, start: Instant::now() }
    }
    /// The current counts and sum.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static SIZES: Histogram = Histogram::new(
    /// #     &MetricDesc::new("payload_bytes", MetricKind::Histogram, "Payload sizes.").buckets(&[100.0, 1000.0]),
    /// # );
    /// let sizes = SIZES.with(());
    /// sizes.observe(5.0);
    /// assert_eq!(sizes.snapshot().sum(), 5.0);
    /// ```
    pub fn snapshot(self) -> HistogramSnapshot {
        snapshot(self.s, self.desc)
    }

    pub(crate) fn series(self) -> (SeriesRef, &'static MetricDesc) {
        (self.s, self.desc)
    }
}

/// The native half that `native::observe_at` leaves: the slot's first native observation, a new bucket, zero, a
/// negative value. The slow paths take the handle's parts, not the handle, so a call site passes them in registers
/// instead of building the handle on its stack.
#[cold]
#[inline(never)]
fn observe_native_slow(s: SeriesRef, desc: &'static MetricDesc, slot: u32, row: HotRow, v: f64) {
    let series = native_series(s, desc);
    // SAFETY: as in `observe`: the cell after the sum, in the caller's own row.
    unsafe { row.set_u64(desc.buckets.len() + 2, series.row_addr(slot)) };
    series.observe_in_slot(slot, v);
}

/// [`HistogramHandle::observe`] for every case: NaN, the shared row, native buckets, exemplars.
#[inline(never)]
fn observe_general(s: SeriesRef, hot: Hot, desc: &'static MetricDesc, v: f64) {
    if v.is_nan() {
        return drop_nan(desc);
    }
    let i = count_classic(hot.row(), desc.buckets, v);
    if desc.native.is_some() {
        native_series(s, desc).observe(v);
    }
    // Inside a sampled span, the observation leaves its trace as the bucket's exemplar (OpenMetrics).
    crate::trace::observe_exemplar(s.block as *const _ as usize, s.base, i, v);
}

#[cold]
#[inline(never)]
fn drop_nan(desc: &'static MetricDesc) {
    self_metrics::record_drop(desc, DropReason::NaN);
}

/// Counts `v` (not NaN) in the classic cells of the series that `row` starts at; returns its bucket.
#[inline(always)]
fn count_classic(row: HotRow, bounds: &[f64], v: f64) -> usize {
    let i = bucket_of(bounds, v);
    // SAFETY: `row` starts at the series' first cell, and a series of a desc with `bounds` has `bounds.len() + 2`
    // (or 3) cells inside one row of its block: `i <= bounds.len()` and the sum at `bounds.len() + 1` stay in it.
    unsafe {
        row.add_u64(i, 1);
        row.add_f64(bounds.len() + 1, v);
    }
    i
}

/// The classic bucket of `v` (not NaN): the index of the first bound at or above it, `bounds.len()` for `+Inf`.
#[inline(always)]
fn bucket_of(bounds: &[f64], v: f64) -> usize {
    let n = bounds.len();
    if n > 16 {
        return bounds.partition_point(|b| *b < v);
    }
    // Few buckets: a linear scan, which beats a binary search's mispredictions, skipping four bounds per test
    // while the fourth is below `v`: fewer instructions and branches than one test per bound.
    let mut i = 0;
    while i + 3 < n && bounds[i + 3] < v {
        i += 4;
    }
    while i < n && bounds[i] < v {
        i += 1;
    }
    i
}

/// The classic form of a histogram series read from `cells`: cumulative counts (one per bound, then `+Inf`) into
/// `cumulative`, and the sum returned.
pub(crate) fn classic(cells: &impl Cells, s: SeriesRef, desc: &MetricDesc, cumulative: &mut Vec<u64>) -> f64 {
    let bounds = desc.buckets;
    cumulative.clear();
    let mut cum = 0u64;
    for i in 0..=bounds.len() {
        cum += cells.u64(s, i);
        cumulative.push(cum);
    }
    cells.f64(s, bounds.len() + 1)
}

fn snapshot(s: SeriesRef, desc: &'static MetricDesc) -> HistogramSnapshot {
    let bounds = desc.buckets;
    let sum = s.block.sum_f64(s.word(bounds.len() + 1));
    HistogramSnapshot {
        bounds,
        counts: (0..=bounds.len()).map(|i| s.block.sum_u64(s.word(i))).collect(),
        sum,
        native: desc.native.map(|_| native_series(s, desc).snapshot(sum)),
    }
}

/// The native storage of series `s` of a desc with native buckets, made on first use.
///
/// Its address lives in the series' last cell of the shared row (no write adds to that cell), so finding it costs
/// one load and no lookup; the same cell of each slot's row caches that slot's native row.
#[inline(always)]
fn native_series(s: SeriesRef, desc: &'static MetricDesc) -> &'static NativeSeries {
    let cell = s.block.shared_cell(s.word(desc.buckets.len() + 2));
    match cell.load(Acquire) {
        0 => init_native(cell, desc),
        // SAFETY: a non-zero cell holds a pointer from `Box::leak` in `init_native`, published with release
        // ordering (paired with the acquire load) and never freed, so it is valid for 'static.
        p => unsafe { &*(p as *const NativeSeries) },
    }
}

#[cold]
#[inline(never)]
fn init_native(cell: &std::sync::atomic::AtomicU64, desc: &'static MetricDesc) -> &'static NativeSeries {
    let cfg = desc.native.unwrap_or(crate::NativeConfig::DEFAULT);
    let mine = Box::into_raw(Box::new(NativeSeries::new(cfg)));
    match cell.compare_exchange(0, mine as u64, AcqRel, Acquire) {
        // SAFETY: just leaked above, never freed: series are never removed.
        Ok(_) => unsafe { &*mine },
        Err(theirs) => {
            // SAFETY: another thread published its box first; ours was never shared, so it can be dropped.
            drop(unsafe { Box::from_raw(mine) });
            // SAFETY: as in `native_series`.
            unsafe { &*(theirs as *const NativeSeries) }
        }
    }
}

impl<L> Collect for Histogram<L> {
    fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
    fn collect(&self, out: &mut dyn PointSink) {
        let desc = self.store.desc();
        let bounds = desc.buckets;
        let mut cumulative = Vec::with_capacity(bounds.len() + 1);
        let want_exemplars = out.wants_exemplars();
        self.store.for_each(|labels, s, read| {
            let exemplars = match want_exemplars {
                true => crate::trace::exemplars_of_series(s.block as *const _ as usize, s.base),
                false => Vec::new(),
            };
            let sum = classic(read, s, desc, &mut cumulative);
            let native = desc.native.map(|_| native_series(s, desc).snapshot(sum));
            out.point(
                labels,
                Point::Histogram(HistogramPoint {
                    bounds,
                    cumulative: &cumulative,
                    sum,
                    exemplars: &exemplars,
                    native: native.as_ref(),
                }),
            );
        });
    }
    fn series_count(&self) -> usize {
        self.store.len()
    }
}

#[cfg(test)]
mod tests {
    use super::bucket_of;

    #[test]
    fn the_bucket_is_the_first_bound_at_or_above_the_value_for_any_bound_count() {
        for n in 0..=40usize {
            let bounds: Vec<f64> = (0..n).map(|k| k as f64 * 1.5 - 3.0).collect();
            let probes = bounds.iter().flat_map(|b| [b.next_down(), *b, b.next_up()]).chain([
                f64::NEG_INFINITY,
                1e9,
                f64::INFINITY,
            ]);
            for v in probes {
                let want = bounds.iter().position(|b| v <= *b).unwrap_or(n);
                assert_eq!(bucket_of(&bounds, v), want, "v={v} among {n} bounds");
            }
        }
    }
}
