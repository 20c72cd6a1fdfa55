//! What the catalog collects from: every metric family implements [`Collect`], and its declaration submits it as a
//! [`Declaration::Metric`](crate::Declaration::Metric) through `inventory`.

use crate::desc::MetricDesc;
use crate::model::PointSink;

/// A metric family that can describe itself and collect its series into the format-neutral model.
///
/// Implemented by [`Counter`](crate::Counter), [`Gauge`](crate::Gauge), [`Histogram`](crate::Histogram),
/// [`Info`](crate::Info) and their float variants, and by obs' own process, span-pipeline, RED and self metrics;
/// every exporter walks the catalog through this trait.
///
/// ```
/// use obs_runtime::{Collect, Labels, MetricDesc, MetricKind, Number, Point, PointSink};
/// static DESC: MetricDesc = MetricDesc::new("cpu_cores", MetricKind::Gauge, "Logical CPUs.");
/// struct Cores;
/// impl Collect for Cores {
///     fn desc(&self) -> &'static MetricDesc { &DESC }
///     fn collect(&self, out: &mut dyn PointSink) { out.point(Labels::NONE, Point::Gauge(Number::U64(8))) }
///     fn series_count(&self) -> usize { 1 }
/// }
/// static CORES: Cores = Cores;
/// obs_runtime::register!(CORES);
/// assert!(obs_runtime::encode(obs_runtime::Format::Prometheus).contains("\ncpu_cores 8\n"));
/// ```
pub trait Collect: Sync {
    /// The declaration.
    ///
    /// ```
    /// use obs_runtime::{Collect, Counter, MetricDesc, MetricKind};
    /// static JOBS: Counter = Counter::new(&MetricDesc::new("jobs", MetricKind::Counter, "Jobs run."));
    /// let collector: &dyn Collect = &JOBS;
    /// assert_eq!(collector.desc().name, "jobs");
    /// ```
    fn desc(&self) -> &'static MetricDesc;
    /// Hands every series of the family to `out`, in exposition order (the family itself is announced by the
    /// caller). Points must be of the family's kind.
    ///
    /// ```
    /// use obs_runtime::{Collect, LabelDesc, Labels, MetricDesc, MetricKind, Number, Point, PointSink};
    /// const POOL: &[LabelDesc] = &[LabelDesc { name: "pool", values: None }];
    /// static DESC: MetricDesc = MetricDesc::new("pool_size", MetricKind::Gauge, "Pool size.").labels(POOL);
    /// struct Pools;
    /// impl Collect for Pools {
    ///     fn desc(&self) -> &'static MetricDesc { &DESC }
    ///     fn collect(&self, out: &mut dyn PointSink) {
    ///         out.point(Labels::new(POOL, &["a"], "pool=\"a\""), Point::Gauge(Number::U64(4)));
    ///         out.point(Labels::new(POOL, &["b"], "pool=\"b\""), Point::Gauge(Number::U64(2)));
    ///     }
    ///     fn series_count(&self) -> usize { 2 }
    /// }
    /// static POOLS: Pools = Pools;
    /// obs_runtime::register!(POOLS);
    /// let text = obs_runtime::encode(obs_runtime::Format::Prometheus);
    /// assert!(text.contains("pool_size{pool=\"a\"} 4\npool_size{pool=\"b\"} 2\n"));
    /// ```
    fn collect(&self, out: &mut dyn PointSink);
    /// Number of series currently held.
    ///
    /// ```standalone_crate
    /// # extern crate obs_runtime as obs;
    /// use obs_runtime::{Collect, Counter, LabelSet, MetricDesc, MetricKind};
    /// #[derive(obs_macros::Labels)]
    /// struct User {
    ///     user: String,
    /// }
    /// static LOGINS: Counter<User> =
    ///     Counter::new(&MetricDesc::new("logins", MetricKind::Counter, "Logins.").labels(User::LABELS));
    /// LOGINS.with(User { user: "ann".into() }).inc();
    /// LOGINS.with(User { user: "bob".into() }).inc();
    /// assert_eq!(LOGINS.series_count(), 2);
    /// ```
    fn series_count(&self) -> usize;
}
