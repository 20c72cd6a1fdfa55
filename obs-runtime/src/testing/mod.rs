//! Testing what a service measures: per-test metric assertions, captured spans, and the catalog's lints, from
//! `cargo test`.
//!
//! ```
//! use obs_runtime::{Counter, MetricDesc, MetricKind};
//! static ORDERS: Counter = Counter::new(&MetricDesc::new("orders", MetricKind::Counter, "Orders placed."));
//!
//! let m = obs_runtime::testing::measure(|| ORDERS.inc_by(2));
//! assert_eq!(m.counter(&ORDERS), 2);
//! ```
//!
//! # What is isolated
//! Counters and histograms keep one write row per thread (see the storage's slots), and a thread that owns its
//! row is the only one that writes it. A scope ([`start`], [`measure`]) copies its thread's row at the start and at
//! the end: the difference is exactly what the scope's thread wrote, whatever other threads write to the same
//! series meanwhile, with nothing added to the write path. So, exactly:
//! - the writes of the scope's own thread, including everything a current-thread async runtime it drives runs
//!   (`block_on` polls every task on the calling thread);
//! - the writes of closures wrapped by [`Scope::wrap`] (or run by [`Scope::spawn`]), on whatever thread runs them:
//!   each copies its own thread's row around the closure and adds its delta to the scope.
//!
//! Not isolated, and reported rather than silently wrong:
//! - writes from any other thread (a multi-thread runtime's workers, `spawn_blocking`, a thread the code under test
//!   starts itself) are not counted; a [`Count`] also carries what other threads wrote to the series during the
//!   scope ([`Count::others`]), and its `Debug` (so a failing `assert_eq!`) says so;
//! - a thread with no row of its own (more live threads than rows, so it shares the overflow row) cannot be
//!   measured: [`start`] panics and names the cause, rather than count other threads' writes as its own;
//! - gauges are not measured: a gauge is one shared cell (`set` cannot be split per thread), so there is no
//!   per-scope value; read [`Gauge::get`](crate::Gauge::get) in a test that owns the gauge.
//!
//! Spans ([`Measurement::spans`], [`spans`]) are those of calls started on the scope's thread while it was open (a
//! call takes its capture along, so it is recorded even if it ends on another thread), whatever the sampler and
//! whether or not a pipeline is installed; spans started on other threads are never seen, so a capture in one
//! test never sees another test's spans. With no capture open anywhere the hot path is as before: the single
//! load that checks for a pipeline also says whether any capture is open.

mod lints;
mod spans;

pub use lints::{assert_catalog, lint, Lint};
pub use spans::Spans;

use crate::block::RowCopy;
use crate::catalog::catalog;
use crate::metrics::{counter, histogram};
use crate::series::{Cells, SeriesRef};
use crate::trace::capture::Capture;
use crate::trace::{Outcome, TracedFn};
use crate::{slots, Counter, CounterHandle, FloatCounter, FloatCounterHandle, Histogram, HistogramHandle};
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

/// Starts measuring on the calling thread; [`Scope::finish`] returns what was written and recorded meanwhile.
///
/// ```
/// use obs_runtime::{Histogram, MetricDesc, MetricKind};
/// static LATENCY: Histogram =
///     Histogram::new(&MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.").buckets(&[0.1, 1.0]));
/// let scope = obs_runtime::testing::start();
/// LATENCY.observe(0.05);
/// LATENCY.observe(0.5);
/// let m = scope.finish();
/// let h = m.histogram(&LATENCY);
/// assert_eq!(h.count(), 2);
/// assert_eq!(h.buckets(), [(0.1, 1), (1.0, 2), (f64::INFINITY, 2)]);
/// ```
///
/// # Panics
/// When the calling thread has no write row of its own (every row is owned by another live thread): its writes
/// would mix with theirs, so it cannot be measured.
pub fn start() -> Scope {
    let slot = own_slot("obs::testing::start");
    Scope {
        slot,
        start: Some(RowCopy::take(slot)),
        shared: Arc::new(Shared::default()),
        capture: Some(Capture::begin()),
        _thread: PhantomData,
    }
}

/// Runs `f` in a scope on the calling thread and returns what it wrote and recorded (its return value is dropped;
/// use [`start`] to keep it).
///
/// ```
/// use obs_runtime::{Counter, MetricDesc, MetricKind};
/// static JOBS: Counter = Counter::new(&MetricDesc::new("jobs", MetricKind::Counter, "Jobs run."));
/// let m = obs_runtime::testing::measure(|| JOBS.inc());
/// assert_eq!(m.counter(&JOBS), 1);
/// ```
pub fn measure<R>(f: impl FnOnce() -> R) -> Measurement {
    let scope = start();
    drop(f());
    scope.finish()
}

/// Runs `f` and returns the spans it recorded; see [`Measurement::spans`].
///
/// ```
/// // No traced call in the closure: nothing recorded.
/// assert!(obs_runtime::testing::spans(|| 1 + 1).is_empty());
/// ```
pub fn spans<R>(f: impl FnOnce() -> R) -> Spans {
    measure(f).spans
}

fn own_slot(what: &str) -> u32 {
    match slots::exclusive() {
        slots::SHARED => panic!(
            "{what}: this thread has no metrics write slot of its own: all {} are owned by other live threads, so \
             its writes would mix with theirs in the shared row and could not be told apart. Measure on a thread \
             started while fewer threads write metrics, or end some of them first.",
            slots::count()
        ),
        s => s,
    }
}

/// What wrapped closures hand back to their scope.
#[derive(Default)]
struct Shared {
    /// Wrapped closures not yet finished or dropped.
    pending: AtomicUsize,
    /// A wrapped closure ran on a thread without a slot of its own (it panicked there).
    unmeasurable: AtomicBool,
    parts: Mutex<Vec<(RowCopy, RowCopy)>>,
}

/// An open measurement on one thread; see [`start`].
///
/// ```
/// let scope = obs_runtime::testing::start();
/// let m = scope.finish();
/// assert!(m.spans().is_empty());
/// ```
pub struct Scope {
    slot: u32,
    start: Option<RowCopy>,
    shared: Arc<Shared>,
    capture: Option<Capture>,
    // The scope reads its own thread's row: it must end on the thread it started on.
    _thread: PhantomData<*const ()>,
}

impl Scope {
    /// Ends the scope: what its thread and its wrapped closures wrote, and the spans started on its thread.
    ///
    /// ```
    /// use obs_runtime::{Counter, MetricDesc, MetricKind};
    /// static SENT: Counter = Counter::new(&MetricDesc::new("sent", MetricKind::Counter, "Sent."));
    /// let scope = obs_runtime::testing::start();
    /// SENT.inc();
    /// assert_eq!(scope.finish().counter(&SENT), 1);
    /// ```
    ///
    /// # Panics
    /// If a closure made by [`Scope::wrap`] is still pending (neither finished nor dropped: join its thread first),
    /// or ran on a thread without a write slot of its own.
    pub fn finish(mut self) -> Measurement {
        let end = RowCopy::take(self.slot);
        let spans = Spans(self.capture.take().map(Capture::finish).unwrap_or_default());
        let pending = self.shared.pending.load(SeqCst);
        assert!(
            pending == 0,
            "obs::testing: {pending} closure(s) made by Scope::wrap/spawn have not finished: join them before finish(), \
             or their writes would be missed"
        );
        assert!(
            !self.shared.unmeasurable.load(SeqCst),
            "obs::testing: a closure made by Scope::wrap ran on a thread without a metrics write slot of its own"
        );
        let parts = std::mem::take(&mut *self.shared.parts.lock().unwrap_or_else(|e| e.into_inner()));
        let start = self.start.take().expect("a scope is finished once");
        Measurement { main: (start, end), parts, spans }
    }

    /// `f`, made to count in this scope on whatever thread runs it (a thread pool, `spawn_blocking`, a thread of
    /// your own): it copies its thread's row before and after `f`, and hands the difference to the scope.
    /// [`finish`](Scope::finish) panics while a wrapped closure is still pending.
    ///
    /// ```
    /// use obs_runtime::{Counter, MetricDesc, MetricKind};
    /// static TASKS: Counter = Counter::new(&MetricDesc::new("tasks", MetricKind::Counter, "Tasks."));
    /// let scope = obs_runtime::testing::start();
    /// std::thread::spawn(scope.wrap(|| TASKS.inc_by(3))).join().unwrap();
    /// assert_eq!(scope.finish().counter(&TASKS), 3);
    /// ```
    pub fn wrap<R>(&self, f: impl FnOnce() -> R + Send + 'static) -> impl FnOnce() -> R + Send + 'static {
        struct Pending(Arc<Shared>);
        impl Drop for Pending {
            fn drop(&mut self) {
                self.0.pending.fetch_sub(1, SeqCst);
            }
        }
        self.shared.pending.fetch_add(1, SeqCst);
        let pending = Pending(self.shared.clone());
        move || {
            let slot = match slots::exclusive() {
                slots::SHARED => {
                    pending.0.unmeasurable.store(true, SeqCst);
                    own_slot("obs::testing::Scope::wrap")
                }
                s => s,
            };
            let start = RowCopy::take(slot);
            let r = f();
            let end = RowCopy::take(slot);
            pending.0.parts.lock().unwrap_or_else(|e| e.into_inner()).push((start, end));
            drop(pending);
            r
        }
    }

    /// Runs `f` on a new thread that counts in this scope (see [`Scope::wrap`]).
    ///
    /// ```
    /// use obs_runtime::{Counter, MetricDesc, MetricKind};
    /// static TASKS: Counter = Counter::new(&MetricDesc::new("tasks", MetricKind::Counter, "Tasks."));
    /// let scope = obs_runtime::testing::start();
    /// scope.spawn(|| TASKS.inc()).join().unwrap();
    /// assert_eq!(scope.finish().counter(&TASKS), 1);
    /// ```
    pub fn spawn<R: Send + 'static>(&self, f: impl FnOnce() -> R + Send + 'static) -> std::thread::JoinHandle<R> {
        std::thread::spawn(self.wrap(f))
    }
}

/// What a scope's threads wrote and recorded; see [`start`].
///
/// ```
/// let m = obs_runtime::testing::measure(|| ());
/// assert!(m.spans().is_empty());
/// ```
pub struct Measurement {
    /// The scope's thread's row (and every row's sum) at its start and end.
    main: (RowCopy, RowCopy),
    /// Each wrapped closure's thread's row at the closure's start and end.
    parts: Vec<(RowCopy, RowCopy)>,
    spans: Spans,
}

/// A view of the cells: what the scope wrote, or what every thread wrote during it.
#[doc(hidden)]
pub struct View<'a> {
    m: &'a Measurement,
    all: bool,
}

impl Cells for View<'_> {
    fn u64(&self, s: SeriesRef, k: usize) -> u64 {
        let w = s.word(k);
        if self.all {
            self.m.main.1.all(s.block, w).0.wrapping_sub(self.m.main.0.all(s.block, w).0)
        } else {
            self.m.rows().fold(0u64, |acc, (a, b)| acc.wrapping_add(b.own(s.block, w).wrapping_sub(a.own(s.block, w))))
        }
    }
    fn f64(&self, s: SeriesRef, k: usize) -> f64 {
        let w = s.word(k);
        if self.all {
            self.m.main.1.all(s.block, w).1 - self.m.main.0.all(s.block, w).1
        } else {
            self.m.rows().map(|(a, b)| f64::from_bits(b.own(s.block, w)) - f64::from_bits(a.own(s.block, w))).sum()
        }
    }
}

impl Measurement {
    /// Every measured thread's row at its start and end.
    fn rows(&self) -> impl Iterator<Item = &(RowCopy, RowCopy)> {
        std::iter::once(&self.main).chain(&self.parts)
    }

    fn views(&self) -> (View<'_>, View<'_>) {
        (View { m: self, all: false }, View { m: self, all: true })
    }

    /// How much the scope added to a counter series: a handle (`Requests.with(..)`) or a metric without labels.
    ///
    /// ```
    /// use obs_runtime::{FloatCounter, MetricDesc, MetricKind};
    /// static BUSY: FloatCounter = FloatCounter::new(&MetricDesc::new("busy_seconds", MetricKind::Counter, "Busy."));
    /// let m = obs_runtime::testing::measure(|| BUSY.inc_by(0.25));
    /// assert_eq!(m.counter(&BUSY), 0.25);
    /// assert_eq!(m.counter(&BUSY).others(), 0.0); // no other thread wrote it meanwhile
    /// ```
    pub fn counter<S: CounterSeries>(&self, series: S) -> Count<S::Value> {
        let (own, all) = self.views();
        let (own, all) = (series.__read(&own), series.__read(&all));
        Count { own, others: all.__minus(own) }
    }

    /// What the scope observed into a histogram series: a handle (`Latency.with(..)`) or a metric without labels.
    ///
    /// ```
    /// use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// static SIZE: Histogram =
    ///     Histogram::new(&MetricDesc::new("size_bytes", MetricKind::Histogram, "Size.").buckets(&[100.0]));
    /// let m = obs_runtime::testing::measure(|| SIZE.observe(42.0));
    /// let h = m.histogram(&SIZE);
    /// assert_eq!(h.count(), 1);
    /// assert_eq!(h.sum(), 42.0);
    /// ```
    pub fn histogram<S: HistogramSeries>(&self, series: S) -> Observed {
        let (s, desc) = series.__series().series();
        let (own, all) = self.views();
        let mut cumulative = Vec::new();
        let sum = histogram::classic(&own, s, desc, &mut cumulative);
        let mut all_cum = Vec::new();
        let all_sum = histogram::classic(&all, s, desc, &mut all_cum);
        let count = cumulative.last().copied().unwrap_or(0);
        let all_count = all_cum.last().copied().unwrap_or(0);
        Observed {
            bounds: desc.buckets,
            count: Count { own: count, others: all_count.saturating_sub(count) },
            sum: Count { own: sum, others: all_sum - sum },
            cumulative,
        }
    }

    /// The RED metrics the scope's calls of a `#[traced]` function recorded, the function named as an item
    /// (`m.calls(checkout)`, `m.calls(Cart::add)`), not as a string.
    ///
    /// ```standalone_crate
    /// # extern crate obs_runtime as obs;
    /// #[obs_macros::traced(err)]
    /// fn charge(amount: u32) -> Result<(), String> {
    ///     if amount > 100 { Err("declined".into()) } else { Ok(()) }
    /// }
    /// let m = obs_runtime::testing::measure(|| {
    ///     let _ = charge(5);
    ///     let _ = charge(500);
    ///     let _ = charge(7);
    /// });
    /// let calls = m.calls(charge);
    /// assert_eq!(calls.ok(), 2);
    /// assert_eq!(calls.errors(), 1);
    /// assert_eq!(calls.durations().count(), 3);
    /// ```
    ///
    /// # Panics
    /// When `function` is not a traced function with RED metrics that the catalog exposes (a closure, an untraced
    /// function, one declared `metrics = false`, or a generic one's instance under another name).
    #[track_caller]
    pub fn calls<F: 'static>(&self, function: F) -> Calls {
        let _ = function;
        let f = traced_fn::<F>();
        let (own, all) = self.views();
        let count = |result: usize| {
            let mine = f.calls_in(&own, result);
            Count { own: mine, others: f.calls_in(&all, result).wrapping_sub(mine) }
        };
        let bounds = f.desc().buckets;
        let mut cumulative = Vec::with_capacity(bounds.len() + 1);
        let (mut cum, mut all_cum) = (0, 0);
        for i in 0..=bounds.len() {
            cum += f.bucket_count_in(&own, i);
            all_cum += f.bucket_count_in(&all, i);
            cumulative.push(cum);
        }
        let sum = f.sum_seconds_in(&own);
        let durations = Observed {
            bounds,
            cumulative,
            count: Count { own: cum, others: all_cum.wrapping_sub(cum) },
            sum: Count { own: sum, others: f.sum_seconds_in(&all) - sum },
        };
        Calls {
            ok: count(Outcome::Ok as usize),
            errors: count(Outcome::Error as usize),
            panics: count(Outcome::Panic as usize),
            durations,
        }
    }

    /// The spans recorded by calls started on the scope's thread, in the order they ended.
    ///
    /// ```
    /// let m = obs_runtime::testing::measure(|| ());
    /// assert_eq!(m.spans().len(), 0);
    /// ```
    pub fn spans(&self) -> &Spans {
        &self.spans
    }
}

/// The storage of the traced function whose item type is `F`.
///
/// A function item's type is named by its path (`shop::checkout`, `shop::Cart::add`, `<shop::Cart as
/// shop::Store>::get`), which is how the catalog identifies a traced function too (module and `function` label):
/// the path's last segments give the label, its prefix the module.
#[track_caller]
fn traced_fn<F: 'static>() -> &'static TracedFn {
    let path = std::any::type_name::<F>();
    let (module, label) = identity_of(path);
    let candidates: Vec<&'static TracedFn> =
        catalog().exposed_traced().filter(|f| f.desc().red_metrics && f.desc().function == label).collect();
    // A function declared inside another function's body (a test's, say) has that function in its type's path but
    // not in `module_path!()`: the declaring module is the longest candidate module that prefixes the path's.
    let within = |m: &str| module == m || module.strip_prefix(m).is_some_and(|rest| rest.starts_with("::"));
    let found = match candidates[..] {
        [one] => Some(one),
        _ => candidates
            .iter()
            .copied()
            .filter(|f| within(f.desc().location.module_path))
            .max_by_key(|f| f.desc().location.module_path.len()),
    };
    found.unwrap_or_else(|| {
        panic!(
            "obs::testing: `{path}` is not a #[traced] function with RED metrics in this binary's catalog (looked for \
             function label {label:?} in module {module:?}): pass the traced function itself, e.g. m.calls(checkout)"
        )
    })
}

/// The module and `function` label of a function item's type name.
fn identity_of(path: &str) -> (String, String) {
    // Generic arguments of a generic function's instance are not part of its identity.
    let path = strip_generic_args(path);
    if let Some(rest) = path.strip_prefix('<') {
        // `<a::Cart as a::Store>::get`: the label names both by their last segment.
        if let Some((inner, method)) = rest.rsplit_once(">::") {
            if let Some((ty, tr)) = inner.split_once(" as ") {
                let last = |p: &str| -> String {
                    let p = p.split('<').next().unwrap_or(p);
                    p.rsplit("::").next().unwrap_or(p).to_owned()
                };
                let module = ty.rsplit_once("::").map_or("", |(m, _)| m).trim_start_matches('&').to_owned();
                return (module, format!("<{} as {}>::{method}", last(ty), last(tr)));
            }
        }
    }
    let mut segs: Vec<&str> = path.split("::").collect();
    let name = segs.pop().unwrap_or_default();
    // A method of a type (`Cart::add`): the type starts with a capital letter, as Rust names types.
    match segs.last() {
        Some(ty) if ty.starts_with(char::is_uppercase) => {
            let ty = segs.pop().unwrap_or_default();
            (segs.join("::"), format!("{ty}::{name}"))
        }
        _ => (segs.join("::"), name.to_owned()),
    }
}

/// `path` without a trailing `<..>` argument list (`parse<u32>` → `parse`).
fn strip_generic_args(path: &str) -> &str {
    if !path.ends_with('>') {
        return path;
    }
    let mut depth = 0;
    for (i, c) in path.char_indices().rev() {
        match c {
            '>' => depth += 1,
            '<' => {
                depth -= 1;
                if depth == 0 {
                    return if i == 0 { path } else { &path[..i] };
                }
            }
            _ => {}
        }
    }
    path
}

/// What a scope's calls of one traced function recorded in its RED metrics; see [`Measurement::calls`].
///
/// ```standalone_crate
/// # extern crate obs_runtime as obs;
/// #[obs_macros::traced]
/// fn ping() {}
/// let calls = obs_runtime::testing::measure(ping).calls(ping);
/// assert_eq!((calls.ok().get(), calls.errors().get(), calls.panics().get()), (1, 0, 0));
/// ```
#[derive(Debug, Clone)]
pub struct Calls {
    ok: Count<u64>,
    errors: Count<u64>,
    panics: Count<u64>,
    durations: Observed,
}

impl Calls {
    /// Calls that returned (or returned `Ok`): `result="ok"`.
    ///
    /// ```standalone_crate
    /// # extern crate obs_runtime as obs;
    /// # #[obs_macros::traced]
    /// # fn ping() {}
    /// assert_eq!(obs_runtime::testing::measure(ping).calls(ping).ok(), 1);
    /// ```
    pub fn ok(&self) -> Count<u64> {
        self.ok
    }
    /// Calls that returned `Err`: `result="error"`.
    ///
    /// ```standalone_crate
    /// # extern crate obs_runtime as obs;
    /// # #[obs_macros::traced]
    /// # fn ping() {}
    /// assert_eq!(obs_runtime::testing::measure(ping).calls(ping).errors(), 0);
    /// ```
    pub fn errors(&self) -> Count<u64> {
        self.errors
    }
    /// Calls that panicked: `result="panic"`.
    ///
    /// ```standalone_crate
    /// # extern crate obs_runtime as obs;
    /// # #[obs_macros::traced]
    /// # fn ping() {}
    /// assert_eq!(obs_runtime::testing::measure(ping).calls(ping).panics(), 0);
    /// ```
    pub fn panics(&self) -> Count<u64> {
        self.panics
    }
    /// The calls' durations, as the `function_calls_duration_seconds` histogram holds them.
    ///
    /// ```standalone_crate
    /// # extern crate obs_runtime as obs;
    /// # #[obs_macros::traced]
    /// # fn ping() {}
    /// let d = obs_runtime::testing::measure(ping).calls(ping).durations();
    /// assert_eq!(d.count(), 1);
    /// assert!(d.sum().get() >= 0.0);
    /// ```
    pub fn durations(&self) -> Observed {
        self.durations.clone()
    }
}

/// How much a scope added to a series, with what other threads added during it; compares to the scope's own
/// amount (`assert_eq!(m.counter(Jobs), 2)`), and its `Debug` names the other threads' writes when there were any,
/// so a failed assertion tells a missed thread apart from a wrong count.
///
/// ```
/// use obs_runtime::{Counter, MetricDesc, MetricKind};
/// static HITS: Counter = Counter::new(&MetricDesc::new("hits", MetricKind::Counter, "Hits."));
/// let scope = obs_runtime::testing::start();
/// HITS.inc();
/// std::thread::spawn(|| HITS.inc_by(5)).join().unwrap(); // not in the scope
/// let c = scope.finish().counter(&HITS);
/// assert_eq!((c.get(), c.others()), (1, 5));
/// assert!(format!("{c:?}").contains("5 more written by other threads during the scope"));
/// ```
#[derive(Clone, Copy, PartialEq)]
pub struct Count<T> {
    own: T,
    others: T,
}

impl<T: Copy> Count<T> {
    /// The scope's own amount.
    ///
    /// ```
    /// # use obs_runtime::{Counter, MetricDesc, MetricKind};
    /// # static HITS: Counter = Counter::new(&MetricDesc::new("hits", MetricKind::Counter, "Hits."));
    /// assert_eq!(obs_runtime::testing::measure(|| HITS.inc()).counter(&HITS).get(), 1);
    /// ```
    pub fn get(self) -> T {
        self.own
    }
    /// What threads outside the scope added to the same series while it was open (another test, a thread the code
    /// under test started): not part of [`get`](Count::get).
    ///
    /// ```
    /// # use obs_runtime::{Counter, MetricDesc, MetricKind};
    /// # static HITS: Counter = Counter::new(&MetricDesc::new("hits", MetricKind::Counter, "Hits."));
    /// assert_eq!(obs_runtime::testing::measure(|| HITS.inc()).counter(&HITS).others(), 0);
    /// ```
    pub fn others(self) -> T {
        self.others
    }
}

impl PartialEq<u64> for Count<u64> {
    fn eq(&self, other: &u64) -> bool {
        self.own == *other
    }
}

impl PartialEq<f64> for Count<f64> {
    fn eq(&self, other: &f64) -> bool {
        self.own == *other
    }
}

impl<T: fmt::Display + Default + PartialEq> fmt::Debug for Count<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.own)?;
        if self.others != T::default() {
            write!(
                f,
                " ({} more written by other threads during the scope, not counted: run that code on the scope's \
                 thread, or through Scope::wrap/spawn, if it is the code under test)",
                self.others
            )?;
        }
        Ok(())
    }
}

impl<T: fmt::Display> fmt::Display for Count<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.own.fmt(f)
    }
}

/// What a scope observed into one histogram series; see [`Measurement::histogram`].
///
/// ```
/// use obs_runtime::{Histogram, MetricDesc, MetricKind};
/// static WAIT: Histogram =
///     Histogram::new(&MetricDesc::new("wait_seconds", MetricKind::Histogram, "Wait.").buckets(&[1.0]));
/// let h = obs_runtime::testing::measure(|| WAIT.observe(2.0)).histogram(&WAIT);
/// assert_eq!(h.buckets(), [(1.0, 0), (f64::INFINITY, 1)]);
/// ```
#[derive(Debug, Clone)]
pub struct Observed {
    bounds: &'static [f64],
    cumulative: Vec<u64>,
    count: Count<u64>,
    sum: Count<f64>,
}

impl Observed {
    /// Observations made in the scope.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static WAIT: Histogram =
    /// #     Histogram::new(&MetricDesc::new("wait_seconds", MetricKind::Histogram, "Wait.").buckets(&[1.0]));
    /// assert_eq!(obs_runtime::testing::measure(|| WAIT.observe(0.5)).histogram(&WAIT).count(), 1);
    /// ```
    pub fn count(&self) -> Count<u64> {
        self.count
    }
    /// Sum of the scope's observations.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static WAIT: Histogram =
    /// #     Histogram::new(&MetricDesc::new("wait_seconds", MetricKind::Histogram, "Wait.").buckets(&[1.0]));
    /// assert_eq!(obs_runtime::testing::measure(|| WAIT.observe(0.5)).histogram(&WAIT).sum(), 0.5);
    /// ```
    pub fn sum(&self) -> Count<f64> {
        self.sum
    }
    /// Cumulative counts of the scope's observations by upper bound, ending with `+Inf` (as the exposition's
    /// `_bucket` samples).
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static WAIT: Histogram =
    /// #     Histogram::new(&MetricDesc::new("wait_seconds", MetricKind::Histogram, "Wait.").buckets(&[1.0]));
    /// let h = obs_runtime::testing::measure(|| WAIT.observe(0.5)).histogram(&WAIT);
    /// assert_eq!(h.buckets(), [(1.0, 1), (f64::INFINITY, 1)]);
    /// ```
    pub fn buckets(&self) -> Vec<(f64, u64)> {
        self.bounds.iter().copied().chain([f64::INFINITY]).zip(self.cumulative.iter().copied()).collect()
    }
}

mod sealed {
    pub trait Sealed {}
    pub trait Number {}
}

/// A counter's value type: `u64` or `f64`.
pub trait Amount: Copy + Default + PartialEq + fmt::Display + sealed::Number {
    #[doc(hidden)]
    fn __minus(self, other: Self) -> Self;
}

impl sealed::Number for u64 {}
impl Amount for u64 {
    fn __minus(self, other: u64) -> u64 {
        self.wrapping_sub(other)
    }
}

impl sealed::Number for f64 {}
impl Amount for f64 {
    fn __minus(self, other: f64) -> f64 {
        self - other
    }
}

/// A counter series a [`Measurement`] can read: a [`CounterHandle`] or [`FloatCounterHandle`] (`Jobs.with(..)`),
/// or a counter without labels (`Jobs`, `&JOBS`).
pub trait CounterSeries: sealed::Sealed {
    /// `u64` or `f64`, as the counter stores it.
    type Value: Amount;
    #[doc(hidden)]
    fn __read(&self, cells: &View<'_>) -> Self::Value;
}

/// A counter family without labels (what a `#[metric(counter)]` struct without labels dereferences to).
pub trait CounterFamily: sealed::Sealed {
    /// `u64` or `f64`.
    type Value: Amount;
    #[doc(hidden)]
    fn __read(&self, cells: &View<'_>) -> Self::Value;
}

impl sealed::Sealed for CounterHandle {}
impl CounterSeries for CounterHandle {
    type Value = u64;
    fn __read(&self, cells: &View<'_>) -> u64 {
        counter::value(cells, self.series())
    }
}

impl sealed::Sealed for FloatCounterHandle {}
impl CounterSeries for FloatCounterHandle {
    type Value = f64;
    fn __read(&self, cells: &View<'_>) -> f64 {
        counter::float_value(cells, self.series())
    }
}

impl sealed::Sealed for Counter<()> {}
impl CounterFamily for Counter<()> {
    type Value = u64;
    fn __read(&self, cells: &View<'_>) -> u64 {
        self.with(()).__read(cells)
    }
}

impl sealed::Sealed for FloatCounter<()> {}
impl CounterFamily for FloatCounter<()> {
    type Value = f64;
    fn __read(&self, cells: &View<'_>) -> f64 {
        self.with(()).__read(cells)
    }
}

impl<T: Deref> sealed::Sealed for T where T::Target: Family {}
impl<T: Deref> CounterSeries for T
where
    T::Target: CounterFamily + Family,
{
    type Value = <T::Target as CounterFamily>::Value;
    fn __read(&self, cells: &View<'_>) -> Self::Value {
        CounterFamily::__read(self.deref(), cells)
    }
}

/// A family without labels that dereferencing reaches (a counter or a histogram).
pub trait Family {}
impl Family for Counter<()> {}
impl Family for FloatCounter<()> {}
impl Family for Histogram<()> {}

/// A histogram series a [`Measurement`] can read: a [`HistogramHandle`] (`Latency.with(..)`) or a histogram
/// without labels (`Latency`, `&LATENCY`).
pub trait HistogramSeries: sealed::Sealed {
    #[doc(hidden)]
    fn __series(&self) -> HistogramHandle;
}

impl sealed::Sealed for HistogramHandle {}
impl HistogramSeries for HistogramHandle {
    fn __series(&self) -> HistogramHandle {
        *self
    }
}

impl<T: Deref<Target = Histogram<()>>> HistogramSeries for T
where
    T::Target: Family,
{
    fn __series(&self) -> HistogramHandle {
        self.with(())
    }
}

#[cfg(test)]
mod tests {
    use super::identity_of;

    #[test]
    fn a_function_items_path_gives_the_catalogs_identity() {
        let id = |p: &str| identity_of(p);
        assert_eq!(id("shop::checkout"), ("shop".into(), "checkout".into()));
        assert_eq!(id("shop::cart::Cart::add"), ("shop::cart".into(), "Cart::add".into()));
        assert_eq!(id("<shop::Cart as shop::Store>::get"), ("shop".into(), "<Cart as Store>::get".into()));
        assert_eq!(id("shop::parse<u32>"), ("shop".into(), "parse".into()));
    }
}
