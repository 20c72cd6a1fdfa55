//! Gauges: values that go up and down. `set` cannot be split across slots, so a gauge series is one atomic cell.

use crate::block::atomic_add_f64;
use crate::desc::MetricDesc;
use crate::labels::LabelSet;
use crate::model::{Number, Point, PointSink};
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
///
/// ```
/// use obs_runtime::{Gauge, GaugeHandle, MetricDesc, MetricKind};
/// static WORKERS: Gauge = Gauge::new(&MetricDesc::new("workers", MetricKind::Gauge, "Live workers."));
/// let workers: GaugeHandle = WORKERS.with(());
/// workers.set(4);
/// workers.dec();
/// assert_eq!(WORKERS.get(), 3);
/// ```
#[derive(Clone, Copy)]
pub struct GaugeHandle {
    s: SeriesRef,
}

/// Decrements its gauge when dropped; see [`GaugeHandle::track`].
///
/// ```
/// use obs_runtime::{Gauge, InFlight, MetricDesc, MetricKind};
/// static UPLOADS: Gauge = Gauge::new(&MetricDesc::new("uploads_active", MetricKind::Gauge, "Uploads in progress."));
/// let guard: InFlight = UPLOADS.track();
/// assert_eq!(UPLOADS.get(), 1);
/// drop(guard);
/// assert_eq!(UPLOADS.get(), 0);
/// ```
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
    ///
    /// ```
    /// use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// static CONNS: Gauge = Gauge::new(&MetricDesc::new("connections", MetricKind::Gauge, "Open connections."));
    /// assert_eq!(CONNS.get(), 0);
    /// ```
    pub const fn new(desc: &'static MetricDesc) -> Self {
        Gauge { store: SeriesStore::new(desc, 1, None, false, true), _labels: PhantomData }
    }
    /// The series of `labels`.
    ///
    /// ```standalone_crate
    /// # extern crate obs_runtime as obs;
    /// use obs_runtime::{Gauge, LabelSet, MetricDesc, MetricKind};
    /// #[derive(obs_macros::Labels)]
    /// struct Pool {
    ///     pool: &'static str,
    /// }
    /// static IDLE: Gauge<Pool> =
    ///     Gauge::new(&MetricDesc::new("idle_connections", MetricKind::Gauge, "Idle.").labels(Pool::LABELS));
    /// IDLE.with(Pool { pool: "primary" }).set(8);
    /// assert_eq!(IDLE.with(Pool { pool: "primary" }).get(), 8);
    /// assert_eq!(IDLE.with(Pool { pool: "replica" }).get(), 0);
    /// ```
    #[inline(always)]
    pub fn with(&self, labels: L) -> GaugeHandle
    where
        L: LabelSet,
    {
        GaugeHandle { s: self.store.resolve(&labels) }
    }
    /// The declaration.
    ///
    /// ```
    /// # use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// # static CONNS: Gauge = Gauge::new(&MetricDesc::new("connections", MetricKind::Gauge, "Open connections."));
    /// assert_eq!(CONNS.desc().kind, MetricKind::Gauge);
    /// ```
    pub fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
}

impl Gauge<()> {
    /// Sets the value.
    ///
    /// ```
    /// # use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// # static CONNS: Gauge = Gauge::new(&MetricDesc::new("connections", MetricKind::Gauge, "Open connections."));
    /// CONNS.set(12);
    /// assert_eq!(CONNS.get(), 12);
    /// ```
    #[inline]
    pub fn set(&self, v: i64) {
        self.with(()).set(v)
    }
    /// Adds 1.
    ///
    /// ```
    /// # use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// # static CONNS: Gauge = Gauge::new(&MetricDesc::new("connections", MetricKind::Gauge, "Open connections."));
    /// CONNS.inc();
    /// CONNS.inc();
    /// assert_eq!(CONNS.get(), 2);
    /// ```
    #[inline]
    pub fn inc(&self) {
        self.with(()).add(1)
    }
    /// Subtracts 1.
    ///
    /// ```
    /// # use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// # static CONNS: Gauge = Gauge::new(&MetricDesc::new("connections", MetricKind::Gauge, "Open connections."));
    /// CONNS.set(5);
    /// CONNS.dec();
    /// assert_eq!(CONNS.get(), 4);
    /// ```
    #[inline]
    pub fn dec(&self) {
        self.with(()).sub(1)
    }
    /// Adds `v`.
    ///
    /// ```
    /// # use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// # static CONNS: Gauge = Gauge::new(&MetricDesc::new("connections", MetricKind::Gauge, "Open connections."));
    /// CONNS.add(10);
    /// assert_eq!(CONNS.get(), 10);
    /// ```
    #[inline]
    pub fn add(&self, v: i64) {
        self.with(()).add(v)
    }
    /// Subtracts `v`.
    ///
    /// ```
    /// # use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// # static CONNS: Gauge = Gauge::new(&MetricDesc::new("connections", MetricKind::Gauge, "Open connections."));
    /// CONNS.set(10);
    /// CONNS.sub(3);
    /// assert_eq!(CONNS.get(), 7);
    /// ```
    #[inline]
    pub fn sub(&self, v: i64) {
        self.with(()).sub(v)
    }
    /// Adds 1 now and subtracts it when the guard drops: an in-flight count.
    ///
    /// ```
    /// # use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// # static CONNS: Gauge = Gauge::new(&MetricDesc::new("connections", MetricKind::Gauge, "Open connections."));
    /// {
    ///     let _conn = CONNS.track();
    ///     assert_eq!(CONNS.get(), 1);
    /// }
    /// assert_eq!(CONNS.get(), 0);
    /// ```
    #[inline]
    pub fn track(&self) -> InFlight {
        self.with(()).track()
    }
    /// The current value.
    ///
    /// ```
    /// # use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// # static CONNS: Gauge = Gauge::new(&MetricDesc::new("connections", MetricKind::Gauge, "Open connections."));
    /// CONNS.sub(3); // gauges may go negative
    /// assert_eq!(CONNS.get(), -3);
    /// ```
    pub fn get(&self) -> i64 {
        self.with(()).get()
    }
}

impl GaugeHandle {
    /// Sets the value.
    ///
    /// ```
    /// # use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// # static CONNS: Gauge = Gauge::new(&MetricDesc::new("connections", MetricKind::Gauge, "Open connections."));
    /// let conns = CONNS.with(());
    /// conns.set(8);
    /// assert_eq!(conns.get(), 8);
    /// ```
    #[inline]
    pub fn set(self, v: i64) {
        if is_enabled() {
            self.s.block.atomic(self.s.word(0)).store(v as u64, Relaxed);
        }
    }
    /// Adds 1.
    ///
    /// ```
    /// # use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// # static CONNS: Gauge = Gauge::new(&MetricDesc::new("connections", MetricKind::Gauge, "Open connections."));
    /// let conns = CONNS.with(());
    /// conns.inc();
    /// assert_eq!(conns.get(), 1);
    /// ```
    #[inline]
    pub fn inc(self) {
        self.add(1)
    }
    /// Subtracts 1.
    ///
    /// ```
    /// # use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// # static CONNS: Gauge = Gauge::new(&MetricDesc::new("connections", MetricKind::Gauge, "Open connections."));
    /// let conns = CONNS.with(());
    /// conns.dec();
    /// assert_eq!(conns.get(), -1);
    /// ```
    #[inline]
    pub fn dec(self) {
        self.sub(1)
    }
    /// Adds `v`.
    ///
    /// ```
    /// # use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// # static CONNS: Gauge = Gauge::new(&MetricDesc::new("connections", MetricKind::Gauge, "Open connections."));
    /// let conns = CONNS.with(());
    /// conns.add(5);
    /// assert_eq!(CONNS.get(), 5);
    /// ```
    #[inline]
    pub fn add(self, v: i64) {
        if is_enabled() {
            self.s.block.atomic(self.s.word(0)).fetch_add(v as u64, Relaxed);
        }
    }
    /// Subtracts `v`.
    ///
    /// ```
    /// # use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// # static CONNS: Gauge = Gauge::new(&MetricDesc::new("connections", MetricKind::Gauge, "Open connections."));
    /// let conns = CONNS.with(());
    /// conns.set(5);
    /// conns.sub(2);
    /// assert_eq!(conns.get(), 3);
    /// ```
    #[inline]
    pub fn sub(self, v: i64) {
        self.add(v.wrapping_neg())
    }
    /// Adds 1 now and subtracts it when the guard drops.
    ///
    /// The guard always undoes its own increment, even if obs was disabled in between, so the gauge cannot drift.
    ///
    /// ```
    /// # use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// # static CONNS: Gauge = Gauge::new(&MetricDesc::new("connections", MetricKind::Gauge, "Open connections."));
    /// let conns = CONNS.with(());
    /// let guard = conns.track();
    /// assert_eq!(conns.get(), 1);
    /// drop(guard);
    /// assert_eq!(conns.get(), 0);
    /// ```
    #[inline]
    pub fn track(self) -> InFlight {
        self.s.block.atomic(self.s.word(0)).fetch_add(1, Relaxed);
        InFlight { handle: self }
    }
    /// The current value.
    ///
    /// ```
    /// # use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// # static CONNS: Gauge = Gauge::new(&MetricDesc::new("connections", MetricKind::Gauge, "Open connections."));
    /// let conns = CONNS.with(());
    /// CONNS.set(3);
    /// assert_eq!(conns.get(), 3);
    /// ```
    pub fn get(self) -> i64 {
        self.s.block.atomic(self.s.word(0)).load(Relaxed) as i64
    }
}

impl<L> Collect for Gauge<L> {
    fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
    fn collect(&self, out: &mut dyn PointSink) {
        self.store.for_each(|labels, s, _| {
            out.point(labels, Point::Gauge(Number::I64(s.block.atomic(s.word(0)).load(Relaxed) as i64)))
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
///
/// ```
/// use obs_runtime::{FloatGauge, FloatGaugeHandle, MetricDesc, MetricKind};
/// static TEMP: FloatGauge = FloatGauge::new(&MetricDesc::new("disk_celsius", MetricKind::Gauge, "Temp.").float());
/// let temp: FloatGaugeHandle = TEMP.with(());
/// temp.set(41.5);
/// assert_eq!(TEMP.get(), 41.5);
/// ```
#[derive(Clone, Copy)]
pub struct FloatGaugeHandle {
    s: SeriesRef,
}

impl<L> FloatGauge<L> {
    /// A float gauge family for `desc`.
    ///
    /// ```
    /// use obs_runtime::{FloatGauge, MetricDesc, MetricKind};
    /// static HIT: FloatGauge = FloatGauge::new(&MetricDesc::new("hit_ratio", MetricKind::Gauge, "Hits.").float());
    /// assert_eq!(HIT.get(), 0.0);
    /// ```
    pub const fn new(desc: &'static MetricDesc) -> Self {
        FloatGauge { store: SeriesStore::new(desc, 1, Some(0), false, true), _labels: PhantomData }
    }
    /// The series of `labels`.
    ///
    /// ```
    /// # use obs_runtime::{FloatGauge, MetricDesc, MetricKind};
    /// # static HIT: FloatGauge = FloatGauge::new(&MetricDesc::new("hit_ratio", MetricKind::Gauge, "Hits.").float());
    /// let hit = HIT.with(());
    /// hit.set(0.9);
    /// assert_eq!(HIT.get(), 0.9);
    /// ```
    #[inline(always)]
    pub fn with(&self, labels: L) -> FloatGaugeHandle
    where
        L: LabelSet,
    {
        FloatGaugeHandle { s: self.store.resolve(&labels) }
    }
    /// The declaration.
    ///
    /// ```
    /// # use obs_runtime::{FloatGauge, MetricDesc, MetricKind};
    /// # static HIT: FloatGauge = FloatGauge::new(&MetricDesc::new("hit_ratio", MetricKind::Gauge, "Hits.").float());
    /// assert_eq!(HIT.desc().value, obs_runtime::ValueType::Float);
    /// ```
    pub fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
}

impl FloatGauge<()> {
    /// Sets the value.
    ///
    /// ```
    /// # use obs_runtime::{FloatGauge, MetricDesc, MetricKind};
    /// # static HIT: FloatGauge = FloatGauge::new(&MetricDesc::new("hit_ratio", MetricKind::Gauge, "Hits.").float());
    /// HIT.set(0.25);
    /// assert_eq!(HIT.get(), 0.25);
    /// ```
    #[inline]
    pub fn set(&self, v: f64) {
        self.with(()).set(v)
    }
    /// Adds `v` (negative to subtract).
    ///
    /// ```
    /// # use obs_runtime::{FloatGauge, MetricDesc, MetricKind};
    /// # static HIT: FloatGauge = FloatGauge::new(&MetricDesc::new("hit_ratio", MetricKind::Gauge, "Hits.").float());
    /// HIT.set(0.5);
    /// HIT.add(-0.25);
    /// assert_eq!(HIT.get(), 0.25);
    /// ```
    #[inline]
    pub fn add(&self, v: f64) {
        self.with(()).add(v)
    }
    /// The current value.
    ///
    /// ```
    /// # use obs_runtime::{FloatGauge, MetricDesc, MetricKind};
    /// # static HIT: FloatGauge = FloatGauge::new(&MetricDesc::new("hit_ratio", MetricKind::Gauge, "Hits.").float());
    /// assert_eq!(HIT.get(), 0.0);
    /// HIT.set(1.0);
    /// assert_eq!(HIT.get(), 1.0);
    /// ```
    pub fn get(&self) -> f64 {
        self.with(()).get()
    }
}

impl FloatGaugeHandle {
    /// Sets the value.
    ///
    /// ```
    /// # use obs_runtime::{FloatGauge, MetricDesc, MetricKind};
    /// # static HIT: FloatGauge = FloatGauge::new(&MetricDesc::new("hit_ratio", MetricKind::Gauge, "Hits.").float());
    /// let hit = HIT.with(());
    /// hit.set(0.75);
    /// assert_eq!(hit.get(), 0.75);
    /// ```
    #[inline]
    pub fn set(self, v: f64) {
        if is_enabled() {
            self.s.block.atomic(self.s.word(0)).store(v.to_bits(), Relaxed);
        }
    }
    /// Adds `v` (negative to subtract).
    ///
    /// ```
    /// # use obs_runtime::{FloatGauge, MetricDesc, MetricKind};
    /// # static HIT: FloatGauge = FloatGauge::new(&MetricDesc::new("hit_ratio", MetricKind::Gauge, "Hits.").float());
    /// let hit = HIT.with(());
    /// hit.add(0.5);
    /// hit.add(0.25);
    /// assert_eq!(hit.get(), 0.75);
    /// ```
    #[inline]
    pub fn add(self, v: f64) {
        if is_enabled() {
            atomic_add_f64(self.s.block.atomic(self.s.word(0)), v);
        }
    }
    /// The current value.
    ///
    /// ```
    /// # use obs_runtime::{FloatGauge, MetricDesc, MetricKind};
    /// # static HIT: FloatGauge = FloatGauge::new(&MetricDesc::new("hit_ratio", MetricKind::Gauge, "Hits.").float());
    /// let hit = HIT.with(());
    /// HIT.set(0.5);
    /// assert_eq!(hit.get(), 0.5);
    /// ```
    pub fn get(self) -> f64 {
        f64::from_bits(self.s.block.atomic(self.s.word(0)).load(Relaxed))
    }
}

impl<L> Collect for FloatGauge<L> {
    fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
    fn collect(&self, out: &mut dyn PointSink) {
        self.store.for_each(|labels, s, _| {
            out.point(labels, Point::Gauge(Number::F64(f64::from_bits(s.block.atomic(s.word(0)).load(Relaxed)))))
        });
    }
    fn series_count(&self) -> usize {
        self.store.len()
    }
}
