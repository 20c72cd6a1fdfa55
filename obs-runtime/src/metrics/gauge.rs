//! Gauges: values that go up and down. `set` cannot be split across slots, so a gauge series is one atomic cell.

use crate::block::atomic_add_f64;
use crate::desc::MetricDesc;
use crate::encoding::FamilyEncoder;
use crate::labels::LabelSet;
use crate::registry::Collect;
use crate::series::{SeriesRef, SeriesStore};
use crate::switch::is_enabled;
use std::marker::PhantomData;
use std::sync::atomic::Ordering::Relaxed;

/// An integer gauge family with labels `L`; declare one with `#[obs::metric(gauge, ...)]`.
///
/// ```
/// use obs_runtime::{Gauge, MetricDesc, MetricKind};
/// static QUEUE: Gauge = Gauge::new(&MetricDesc::new("queue_depth", MetricKind::Gauge, "Jobs waiting."));
/// QUEUE.set(10);
/// QUEUE.dec();
/// {
///     let _in_flight = QUEUE.track(); // +1 now, -1 when dropped
///     assert_eq!(QUEUE.get(), 10);
/// }
/// assert_eq!(QUEUE.get(), 9);
/// ```
pub struct Gauge<L = ()> {
    store: SeriesStore,
    _labels: PhantomData<fn(&L)>,
}

/// One series of a [`Gauge`].
#[derive(Clone, Copy)]
pub struct GaugeHandle {
    s: SeriesRef,
}

/// Decrements its gauge when dropped; see [`GaugeHandle::track`].
#[must_use = "the gauge is decremented when this guard drops"]
pub struct InFlight {
    handle: GaugeHandle,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.handle.sub(1);
    }
}

impl<L> Gauge<L> {
    /// A gauge family for `desc`.
    pub const fn new(desc: &'static MetricDesc) -> Self {
        Gauge { store: SeriesStore::new(desc, 1, false, true), _labels: PhantomData }
    }
    /// The series of `labels`.
    #[inline(always)]
    pub fn with(&self, labels: L) -> GaugeHandle
    where
        L: LabelSet,
    {
        GaugeHandle { s: self.store.resolve(&labels) }
    }
    /// The declaration.
    pub fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
}

impl Gauge<()> {
    /// Sets the value.
    #[inline]
    pub fn set(&self, v: i64) {
        self.with(()).set(v)
    }
    /// Adds 1.
    #[inline]
    pub fn inc(&self) {
        self.with(()).add(1)
    }
    /// Subtracts 1.
    #[inline]
    pub fn dec(&self) {
        self.with(()).sub(1)
    }
    /// Adds `v`.
    #[inline]
    pub fn add(&self, v: i64) {
        self.with(()).add(v)
    }
    /// Subtracts `v`.
    #[inline]
    pub fn sub(&self, v: i64) {
        self.with(()).sub(v)
    }
    /// Adds 1 now and subtracts it when the guard drops: an in-flight count.
    #[inline]
    pub fn track(&self) -> InFlight {
        self.with(()).track()
    }
    /// The current value.
    pub fn get(&self) -> i64 {
        self.with(()).get()
    }
}

impl GaugeHandle {
    /// Sets the value.
    #[inline]
    pub fn set(self, v: i64) {
        if is_enabled() {
            self.s.block.atomic(self.s.word(0)).store(v as u64, Relaxed);
        }
    }
    /// Adds 1.
    #[inline]
    pub fn inc(self) {
        self.add(1)
    }
    /// Subtracts 1.
    #[inline]
    pub fn dec(self) {
        self.sub(1)
    }
    /// Adds `v`.
    #[inline]
    pub fn add(self, v: i64) {
        if is_enabled() {
            self.s.block.atomic(self.s.word(0)).fetch_add(v as u64, Relaxed);
        }
    }
    /// Subtracts `v`.
    #[inline]
    pub fn sub(self, v: i64) {
        self.add(v.wrapping_neg())
    }
    /// Adds 1 now and subtracts it when the guard drops.
    ///
    /// The guard always undoes its own increment, even if obs was disabled in between, so the gauge cannot drift.
    #[inline]
    pub fn track(self) -> InFlight {
        self.s.block.atomic(self.s.word(0)).fetch_add(1, Relaxed);
        InFlight { handle: self }
    }
    /// The current value.
    pub fn get(self) -> i64 {
        self.s.block.atomic(self.s.word(0)).load(Relaxed) as i64
    }
}

impl<L> Collect for Gauge<L> {
    fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
    fn encode(&self, enc: &mut FamilyEncoder<'_>) {
        self.store.for_each(|labels, s| {
            enc.sample_i64("", labels, None, s.block.atomic(s.word(0)).load(Relaxed) as i64);
        });
    }
    fn series_count(&self) -> usize {
        self.store.len()
    }
}

/// A float gauge family (temperatures, ratios, last-seen timestamps...).
///
/// ```
/// use obs_runtime::{FloatGauge, MetricDesc, MetricKind};
/// static LOAD: FloatGauge = FloatGauge::new(&MetricDesc::new("load_ratio", MetricKind::Gauge, "Load.").float());
/// LOAD.set(0.5);
/// LOAD.add(0.25);
/// assert_eq!(LOAD.get(), 0.75);
/// ```
pub struct FloatGauge<L = ()> {
    store: SeriesStore,
    _labels: PhantomData<fn(&L)>,
}

/// One series of a [`FloatGauge`].
#[derive(Clone, Copy)]
pub struct FloatGaugeHandle {
    s: SeriesRef,
}

impl<L> FloatGauge<L> {
    /// A float gauge family for `desc`.
    pub const fn new(desc: &'static MetricDesc) -> Self {
        FloatGauge { store: SeriesStore::new(desc, 1, false, true), _labels: PhantomData }
    }
    /// The series of `labels`.
    #[inline(always)]
    pub fn with(&self, labels: L) -> FloatGaugeHandle
    where
        L: LabelSet,
    {
        FloatGaugeHandle { s: self.store.resolve(&labels) }
    }
    /// The declaration.
    pub fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
}

impl FloatGauge<()> {
    /// Sets the value.
    #[inline]
    pub fn set(&self, v: f64) {
        self.with(()).set(v)
    }
    /// Adds `v` (negative to subtract).
    #[inline]
    pub fn add(&self, v: f64) {
        self.with(()).add(v)
    }
    /// The current value.
    pub fn get(&self) -> f64 {
        self.with(()).get()
    }
}

impl FloatGaugeHandle {
    /// Sets the value.
    #[inline]
    pub fn set(self, v: f64) {
        if is_enabled() {
            self.s.block.atomic(self.s.word(0)).store(v.to_bits(), Relaxed);
        }
    }
    /// Adds `v` (negative to subtract).
    #[inline]
    pub fn add(self, v: f64) {
        if is_enabled() {
            atomic_add_f64(self.s.block.atomic(self.s.word(0)), v);
        }
    }
    /// The current value.
    pub fn get(self) -> f64 {
        f64::from_bits(self.s.block.atomic(self.s.word(0)).load(Relaxed))
    }
}

impl<L> Collect for FloatGauge<L> {
    fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
    fn encode(&self, enc: &mut FamilyEncoder<'_>) {
        self.store.for_each(|labels, s| {
            enc.sample_f64("", labels, None, f64::from_bits(s.block.atomic(s.word(0)).load(Relaxed)));
        });
    }
    fn series_count(&self) -> usize {
        self.store.len()
    }
}
