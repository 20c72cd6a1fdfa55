//! Counters: monotonic totals, written into the caller's own slot.

use crate::block::Hot;
use crate::desc::MetricDesc;
use crate::labels::LabelSet;
use crate::model::{Number, Point, PointSink};
use crate::registry::Collect;
use crate::self_metrics::{self, DropReason};
use crate::series::{Cells, Live, SeriesRef, SeriesStore};
use crate::switch::is_enabled;
use std::marker::PhantomData;

/// An integer counter family with labels `L`; declare one with `#[obs::metric(counter, ...)]`.
///
/// ```
/// use obs_runtime::{Counter, MetricDesc, MetricKind};
/// static JOBS: Counter = Counter::new(&MetricDesc::new("jobs", MetricKind::Counter, "Jobs run."));
/// JOBS.inc();
/// JOBS.inc_by(2);
/// assert_eq!(JOBS.get(), 3);
/// ```
pub struct Counter<L = ()> {
    store: SeriesStore,
    _labels: PhantomData<fn(&L)>,
}

/// One series of a [`Counter`]: `Copy`, resolved once and reusable.
///
/// ```
/// use obs_runtime::{Counter, CounterHandle, MetricDesc, MetricKind};
/// static SENT: Counter = Counter::new(&MetricDesc::new("emails_sent", MetricKind::Counter, "Emails sent."));
/// let handle: CounterHandle = SENT.with(()); // resolved once, reused in the loop
/// for _ in 0..3 {
///     handle.inc();
/// }
/// assert_eq!(SENT.get(), 3);
/// ```
#[derive(Clone, Copy)]
pub struct CounterHandle {
    s: SeriesRef,
    /// The series' cell as the write path wants it.
    hot: Hot,
}

impl<L> Counter<L> {
    /// A counter family for `desc`; `const` so it can sit in a `static`.
    ///
    /// ```
    /// use obs_runtime::{Counter, MetricDesc, MetricKind};
    /// static RETRIES: Counter = Counter::new(&MetricDesc::new("retries", MetricKind::Counter, "Retries."));
    /// assert_eq!(RETRIES.get(), 0);
    /// ```
    pub const fn new(desc: &'static MetricDesc) -> Self {
        Counter { store: SeriesStore::new(desc, 1, None, true, true), _labels: PhantomData }
    }

    /// The series of `labels`; keep the handle to skip the lookup next time.
    ///
    /// ```standalone_crate
    /// # extern crate obs_runtime as obs;
    /// use obs_runtime::{Counter, LabelSet, MetricDesc, MetricKind};
    /// #[derive(obs_macros::Labels)]
    /// struct Route {
    ///     method: &'static str,
    /// }
    /// static HITS: Counter<Route> =
    ///     Counter::new(&MetricDesc::new("hits", MetricKind::Counter, "Hits.").labels(Route::LABELS));
    /// HITS.with(Route { method: "GET" }).inc();
    /// assert_eq!(HITS.with(Route { method: "GET" }).get(), 1);
    /// assert_eq!(HITS.with(Route { method: "POST" }).get(), 0);
    /// ```
    #[inline(always)]
    pub fn with(&self, labels: L) -> CounterHandle
    where
        L: LabelSet,
    {
        let (s, hot) = self.store.resolve_hot(&labels);
        CounterHandle { s, hot }
    }

    /// The declaration.
    ///
    /// ```
    /// # use obs_runtime::{Counter, MetricDesc, MetricKind};
    /// # static ORDERS: Counter = Counter::new(&MetricDesc::new("orders", MetricKind::Counter, "Orders placed."));
    /// assert_eq!(ORDERS.desc().name, "orders");
    /// assert_eq!(ORDERS.desc().kind, MetricKind::Counter);
    /// ```
    pub fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
}

impl Counter<()> {
    /// Adds 1.
    ///
    /// ```
    /// # use obs_runtime::{Counter, MetricDesc, MetricKind};
    /// # static ORDERS: Counter = Counter::new(&MetricDesc::new("orders", MetricKind::Counter, "Orders placed."));
    /// ORDERS.inc();
    /// assert_eq!(ORDERS.get(), 1);
    /// ```
    #[inline(always)]
    pub fn inc(&self) {
        self.with(()).inc()
    }
    /// Adds `v`.
    ///
    /// ```
    /// # use obs_runtime::{Counter, MetricDesc, MetricKind};
    /// # static ORDERS: Counter = Counter::new(&MetricDesc::new("orders", MetricKind::Counter, "Orders placed."));
    /// ORDERS.inc_by(5);
    /// assert_eq!(ORDERS.get(), 5);
    /// ```
    #[inline(always)]
    pub fn inc_by(&self, v: u64) {
        self.with(()).inc_by(v)
    }
    /// The current total.
    ///
    /// ```
    /// # use obs_runtime::{Counter, MetricDesc, MetricKind};
    /// # static ORDERS: Counter = Counter::new(&MetricDesc::new("orders", MetricKind::Counter, "Orders placed."));
    /// assert_eq!(ORDERS.get(), 0);
    /// ORDERS.inc();
    /// assert_eq!(ORDERS.get(), 1);
    /// ```
    pub fn get(&self) -> u64 {
        self.with(()).get()
    }
}

impl CounterHandle {
    /// Adds 1.
    ///
    /// ```
    /// # use obs_runtime::{Counter, MetricDesc, MetricKind};
    /// # static ORDERS: Counter = Counter::new(&MetricDesc::new("orders", MetricKind::Counter, "Orders placed."));
    /// let orders = ORDERS.with(());
    /// orders.inc();
    /// assert_eq!(orders.get(), 1);
    /// ```
    #[inline(always)]
    pub fn inc(self) {
        self.inc_by(1)
    }
    /// Adds `v`.
    ///
    /// ```
    /// # use obs_runtime::{Counter, MetricDesc, MetricKind};
    /// # static ORDERS: Counter = Counter::new(&MetricDesc::new("orders", MetricKind::Counter, "Orders placed."));
    /// let orders = ORDERS.with(());
    /// orders.inc_by(3);
    /// assert_eq!(ORDERS.get(), 3);
    /// ```
    #[inline(always)]
    pub fn inc_by(self, v: u64) {
        if is_enabled() {
            self.hot.add_u64(v);
        }
    }
    /// The current total, summed over the write slots.
    ///
    /// ```
    /// # use obs_runtime::{Counter, MetricDesc, MetricKind};
    /// # static ORDERS: Counter = Counter::new(&MetricDesc::new("orders", MetricKind::Counter, "Orders placed."));
    /// let orders = ORDERS.with(());
    /// ORDERS.inc_by(2);
    /// assert_eq!(orders.get(), 2);
    /// ```
    pub fn get(self) -> u64 {
        value(&Live, self.s)
    }

    pub(crate) fn series(self) -> SeriesRef {
        self.s
    }
}

/// The total of an integer counter series, read from `cells`.
pub(crate) fn value(cells: &impl Cells, s: SeriesRef) -> u64 {
    cells.u64(s, 0)
}

/// The total of a float counter series, read from `cells`.
pub(crate) fn float_value(cells: &impl Cells, s: SeriesRef) -> f64 {
    cells.f64(s, 0)
}

impl<L> Collect for Counter<L> {
    fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
    fn collect(&self, out: &mut dyn PointSink) {
        self.store.for_each(|labels, s, read| out.point(labels, Point::Counter(Number::U64(value(read, s)))));
    }
    fn series_count(&self) -> usize {
        self.store.len()
    }
}

/// A float counter family, for totals that are not whole numbers (seconds of CPU, bytes in fractions...).
///
/// Negative and NaN increments are dropped and counted in `obs_dropped_observations_total`.
///
/// ```
/// use obs_runtime::{FloatCounter, MetricDesc, MetricKind};
/// static BUSY: FloatCounter = FloatCounter::new(&MetricDesc::new("busy_seconds", MetricKind::Counter, "Busy time."));
/// BUSY.inc_by(0.25);
/// BUSY.inc_by(-1.0); // dropped: counters only go up
/// assert_eq!(BUSY.get(), 0.25);
/// ```
pub struct FloatCounter<L = ()> {
    store: SeriesStore,
    _labels: PhantomData<fn(&L)>,
}

/// One series of a [`FloatCounter`].
///
/// ```
/// use obs_runtime::{FloatCounter, FloatCounterHandle, MetricDesc, MetricKind};
/// static CPU: FloatCounter = FloatCounter::new(&MetricDesc::new("busy_seconds", MetricKind::Counter, "Busy."));
/// let handle: FloatCounterHandle = CPU.with(());
/// handle.inc_by(0.5);
/// handle.inc_by(0.25);
/// assert_eq!(CPU.get(), 0.75);
/// ```
#[derive(Clone, Copy)]
pub struct FloatCounterHandle {
    s: SeriesRef,
    hot: Hot,
    desc: &'static MetricDesc,
}

impl<L> FloatCounter<L> {
    /// A float counter family for `desc`.
    ///
    /// ```
    /// use obs_runtime::{FloatCounter, MetricDesc, MetricKind};
    /// static SENT: FloatCounter = FloatCounter::new(&MetricDesc::new("sent_mb", MetricKind::Counter, "Sent."));
    /// assert_eq!(SENT.get(), 0.0);
    /// ```
    pub const fn new(desc: &'static MetricDesc) -> Self {
        FloatCounter { store: SeriesStore::new(desc, 1, Some(0), true, true), _labels: PhantomData }
    }
    /// The series of `labels`.
    ///
    /// ```
    /// # use obs_runtime::{FloatCounter, MetricDesc, MetricKind};
    /// # static SENT: FloatCounter = FloatCounter::new(&MetricDesc::new("sent_mb", MetricKind::Counter, "Sent."));
    /// let sent = SENT.with(());
    /// sent.inc_by(1.5);
    /// assert_eq!(SENT.get(), 1.5);
    /// ```
    #[inline(always)]
    pub fn with(&self, labels: L) -> FloatCounterHandle
    where
        L: LabelSet,
    {
        let (s, hot) = self.store.resolve_hot(&labels);
        FloatCounterHandle { s, hot, desc: self.store.desc() }
    }
    /// The declaration.
    ///
    /// ```
    /// # use obs_runtime::{FloatCounter, MetricDesc, MetricKind};
    /// # static SENT: FloatCounter = FloatCounter::new(&MetricDesc::new("sent_mb", MetricKind::Counter, "Sent."));
    /// assert_eq!(SENT.desc().name, "sent_mb");
    /// ```
    pub fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
}

impl FloatCounter<()> {
    /// Adds `v`, which must be finite and non-negative.
    ///
    /// ```
    /// # use obs_runtime::{FloatCounter, MetricDesc, MetricKind};
    /// # static SENT: FloatCounter = FloatCounter::new(&MetricDesc::new("sent_mb", MetricKind::Counter, "Sent."));
    /// SENT.inc_by(2.5);
    /// SENT.inc_by(f64::NAN); // dropped
    /// assert_eq!(SENT.get(), 2.5);
    /// ```
    #[inline(always)]
    pub fn inc_by(&self, v: f64) {
        self.with(()).inc_by(v)
    }
    /// The current total.
    ///
    /// ```
    /// # use obs_runtime::{FloatCounter, MetricDesc, MetricKind};
    /// # static SENT: FloatCounter = FloatCounter::new(&MetricDesc::new("sent_mb", MetricKind::Counter, "Sent."));
    /// SENT.inc_by(0.5);
    /// assert_eq!(SENT.get(), 0.5);
    /// ```
    pub fn get(&self) -> f64 {
        self.with(()).get()
    }
}

impl FloatCounterHandle {
    /// Adds `v`, which must be finite and non-negative.
    ///
    /// ```
    /// # use obs_runtime::{FloatCounter, MetricDesc, MetricKind};
    /// # static SENT: FloatCounter = FloatCounter::new(&MetricDesc::new("sent_mb", MetricKind::Counter, "Sent."));
    /// let sent = SENT.with(());
    /// sent.inc_by(0.125);
    /// sent.inc_by(-1.0); // dropped: counters only go up
    /// assert_eq!(sent.get(), 0.125);
    /// ```
    #[inline(always)]
    pub fn inc_by(self, v: f64) {
        if !is_enabled() {
            return;
        }
        if v >= 0.0 && v.is_finite() {
            self.hot.add_f64(v);
        } else {
            self_metrics::record_drop(self.desc, DropReason::for_increment(v));
        }
    }
    /// The current total.
    ///
    /// ```
    /// # use obs_runtime::{FloatCounter, MetricDesc, MetricKind};
    /// # static SENT: FloatCounter = FloatCounter::new(&MetricDesc::new("sent_mb", MetricKind::Counter, "Sent."));
    /// let sent = SENT.with(());
    /// SENT.inc_by(4.0);
    /// assert_eq!(sent.get(), 4.0);
    /// ```
    pub fn get(self) -> f64 {
        float_value(&Live, self.s)
    }

    pub(crate) fn series(self) -> SeriesRef {
        self.s
    }
}

impl<L> Collect for FloatCounter<L> {
    fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
    fn collect(&self, out: &mut dyn PointSink) {
        self.store.for_each(|labels, s, read| out.point(labels, Point::Counter(Number::F64(float_value(read, s)))));
    }
    fn series_count(&self) -> usize {
        self.store.len()
    }
}
