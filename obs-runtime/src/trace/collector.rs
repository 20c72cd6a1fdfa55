//! The pipeline's two threads. The collector drains every thread's span ring at each interval (or on
//! [`TraceGuard::flush`], or when a ring asks through [`wake`](super::wake)), hands each drain to the recorders
//! (the flight recorder) and queues its sampled spans, in batches, for the export thread, which sends them to every
//! exporting [`SpanSink`]. The queue is bounded ([`EXPORT_QUEUE_SPANS`]; a batch past it is dropped and counted),
//! so an exporter that blocks holds back only the export thread: the rings are still drained and the recorder
//! still fed. Exporters are built on the export thread, so any runtime they need (gRPC) belongs to it, and the
//! pipeline works the same from a plain `main` and from inside a tokio runtime. The guard flushes and shuts both
//! down.

use super::config::TraceError;
use super::record::SpanRecord;
use super::sampler::{self, Sampler};
use super::sink::{Resource, SpanSink};
use super::{clock, metrics, ring, wake};
use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the collector runs with.
pub(crate) struct Settings {
    pub(crate) resource: Resource,
    pub(crate) sampler: Sampler,
    pub(crate) interval: Duration,
    pub(crate) max_batch: usize,
    /// The export timeout, which is also the shutdown's deadline.
    pub(crate) timeout: Duration,
}

/// Spans the export queue holds between the collector and the export thread; a batch that would go past it is
/// dropped and counted (`obs_spans_dropped_total{reason="queue_full"}`). Eight rings' worth: room for a few
/// seconds of a busy service while an export hangs, a few MiB at most.
///
/// ```
/// assert_eq!(obs_runtime::trace::EXPORT_QUEUE_SPANS, 8 * 2048);
/// ```
pub const EXPORT_QUEUE_SPANS: usize = 8 * ring::CAPACITY;

/// Starts the pipeline's two threads and turns span recording on: the collector, which drains the rings and
/// hands every drain to the recorders among `sinks` (those that [take unsampled spans](SpanSink::takes_unsampled)),
/// and the export thread, which runs the other sinks plus those `build` makes on it. One pipeline at a time:
/// starting a second while the first is alive is an error.
pub(crate) fn start(
    settings: Settings,
    sinks: Vec<Box<dyn SpanSink>>,
    build: impl FnOnce(&Resource) -> Result<Vec<Box<dyn SpanSink>>, TraceError> + Send + 'static,
) -> Result<TraceGuard, TraceError> {
    let _ = clock::now();
    let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    if *installed {
        return Err(TraceError::Start("a trace pipeline is already installed; drop its guard first".into()));
    }
    let Settings { resource, sampler, interval, max_batch, timeout } = settings;
    let (recorders, mut exporters): (Vec<_>, Vec<_>) = sinks.into_iter().partition(|s| s.takes_unsampled());
    let shared = Arc::new(Shared::default());
    let thread_err = |e: std::io::Error| TraceError::Start(format!("cannot start a span pipeline thread: {e}"));

    // The export thread first: it builds the exporters (so any runtime they need, gRPC's, belongs to it, and the
    // pipeline works the same from a plain `main` and from inside a tokio runtime), and the collector needs to
    // know how many there are.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let export_shared = shared.clone();
    let export_resource = resource.clone();
    let exporter = std::thread::Builder::new()
        .name("obs-span-export".into())
        .spawn(move || {
            match build(&export_resource) {
                Ok(more) => exporters.extend(more),
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            }
            export_shared.state.lock().unwrap_or_else(|e| e.into_inner()).sinks = exporters.len() as u64;
            let _ = ready_tx.send(Ok(()));
            export_loop(&export_shared, exporters, &export_resource);
            export_shared.thread_returned();
        })
        .map_err(thread_err)?;
    let failed = match ready_rx.recv() {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(_) => Some(TraceError::Start("the span export thread failed to start".into())),
    };
    if let Some(e) = failed {
        let _ = exporter.join();
        return Err(e);
    }

    wake::register(shared.clone());
    let collect_shared = shared.clone();
    let collector = std::thread::Builder::new()
        .name("obs-span-collector".into())
        .spawn(move || {
            collect_loop(&collect_shared, recorders, resource, interval, max_batch);
            collect_shared.thread_returned();
        })
        .map_err(|e| {
            wake::clear();
            // The export thread waits for the collector's last drain: say there is none, and let it go.
            let mut st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
            st.drained = true;
            st.running -= 1;
            shared.work.notify_all();
            thread_err(e)
        })?;
    sampler::configure(sampler);
    sampler::set_installed(true);
    *installed = true;
    Ok(TraceGuard { inner: Some(GuardInner { shared, handles: [Some(collector), Some(exporter)], timeout }) })
}

static INSTALLED: Mutex<bool> = Mutex::new(false);

/// What the collector hands the export thread.
enum Item {
    /// Sampled spans, at most `max_batch` of them.
    Batch(Vec<SpanRecord>),
    /// Every span finished before flush request `n` is in a batch ahead of this (or was counted as dropped).
    Flushed(u64),
}

struct State {
    flush_requested: u64,
    /// The last flush request whose drain the collector has handed over.
    flush_queued: u64,
    /// The last flush request whose spans the export thread has exported or counted as dropped.
    flush_done: u64,
    shutdown: bool,
    /// A ring asked for an early drain since the collector last looked.
    nudged: bool,
    /// When the guard's drop must return by: past it, nothing more is sent.
    deadline: Option<Instant>,
    /// From the collector to the export thread. Batches are bounded by [`EXPORT_QUEUE_SPANS`]; `Flushed` marks are
    /// not, but the collector adds one only for a new flush request, and each request holds a caller until done.
    queue: VecDeque<Item>,
    /// Spans in `queue`'s batches.
    queued_spans: usize,
    /// The collector has handed over its last drain: once `queue` is empty, the export thread is done.
    drained: bool,
    /// Span exports (spans times exporters) handed to the export thread and not yet counted as exported or dropped.
    pending: u64,
    /// The guard stopped waiting at the deadline and counted `pending` as dropped: the threads send and count
    /// nothing more of what they held, and return as soon as the export in flight does.
    abandoned: bool,
    /// The pipeline's threads still running.
    running: u8,
    /// The exporters each sampled span goes to.
    sinks: u64,
}

impl Default for State {
    fn default() -> State {
        State {
            flush_requested: 0,
            flush_queued: 0,
            flush_done: 0,
            shutdown: false,
            nudged: false,
            deadline: None,
            queue: VecDeque::new(),
            queued_spans: 0,
            drained: false,
            pending: 0,
            abandoned: false,
            running: 2,
            sinks: 0,
        }
    }
}

/// A ring is filling: end the collector's wait only, so a burst of nudges costs one early drain.
impl wake::Wake for Shared {
    fn wake(&self) {
        // Remembered under the lock: a collector busy draining sees it before it next waits, so the wake-up is
        // never lost (a lost one left full rings undrained for a whole interval).
        self.state.lock().unwrap_or_else(|e| e.into_inner()).nudged = true;
        self.wake.notify_one();
    }
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Wakes the collector.
    wake: Condvar,
    /// Wakes the export thread.
    work: Condvar,
    /// Wakes flushes and the guard.
    done: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn past_deadline(&self) -> bool {
        self.lock().deadline.is_some_and(|d| Instant::now() >= d)
    }

    fn thread_returned(&self) {
        let mut st = self.lock();
        st.running -= 1;
        self.done.notify_all();
    }
}

/// The collector thread: drains the rings, hands each drain to the recorders, and queues its sampled spans for
/// the export thread. It never waits on an exporter, so the rings are drained and the recorders fed at every
/// interval whatever the exporters do.
fn collect_loop(
    shared: &Shared,
    mut recorders: Vec<Box<dyn SpanSink>>,
    resource: Resource,
    interval: Duration,
    max_batch: usize,
) {
    let mut buf: Vec<SpanRecord> = Vec::new();
    let mut batches: Vec<Vec<SpanRecord>> = Vec::new();
    let mut refused: Vec<Vec<SpanRecord>> = Vec::new();
    loop {
        let (target, shutdown) = {
            let mut st = shared.lock();
            if st.flush_requested == st.flush_queued && !st.shutdown && !st.nudged {
                st = shared.wake.wait_timeout(st, interval).unwrap_or_else(|e| e.into_inner()).0;
            }
            st.nudged = false;
            (st.flush_requested, st.shutdown)
        };
        clock::refine();
        ring::drain_all(&mut buf);
        // Recorders take every drain whole: they only move records into memory, and are not counted in the span
        // metrics.
        for r in recorders.iter_mut() {
            let _ = guarded(|| r.export(&buf, &resource));
        }
        // Spans only a recorder wanted go no further; the batches are cut here, outside the lock.
        let mut sampled = buf.drain(..).filter(|s| s.sampled).peekable();
        while sampled.peek().is_some() {
            batches.push(sampled.by_ref().take(max_batch).collect());
        }
        drop(sampled);
        {
            let mut st = shared.lock();
            let per_span = st.sinks;
            if st.abandoned {
                // The guard has gone: what this last drain took can no longer go out.
                let n: usize = batches.iter().map(Vec::len).sum();
                metrics::DROPPED_SHUTDOWN.fetch_add(n as u64 * per_span, Relaxed);
                return;
            }
            for b in batches.drain(..) {
                if per_span == 0 {
                    continue;
                }
                if st.queued_spans + b.len() > EXPORT_QUEUE_SPANS {
                    // The exporters are behind by a whole queue (one is blocked): this batch cannot wait.
                    metrics::DROPPED_EXPORT_QUEUE.fetch_add(b.len() as u64 * per_span, Relaxed);
                    refused.push(b);
                    continue;
                }
                st.queued_spans += b.len();
                st.pending += b.len() as u64 * per_span;
                st.queue.push_back(Item::Batch(b));
            }
            if target > st.flush_queued {
                st.flush_queued = target;
                st.queue.push_back(Item::Flushed(target));
            }
            if shutdown {
                st.drained = true;
            }
            shared.work.notify_one();
        }
        // Freed outside the lock.
        refused.clear();
        if shutdown {
            for r in recorders.iter_mut() {
                r.shutdown();
            }
            return;
        }
    }
}

/// Runs one sink's export, turning a panic into an error: a sink that panics loses its batch (counted like any
/// failed export) instead of the thread, which would leave every later flush waiting for it.
fn guarded(export: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(export)).unwrap_or_else(|_| Err("the sink panicked".into()))
}

/// The export thread: sends the queued batches to every exporter, in order, and completes the flushes behind
/// them. Past the shutdown's deadline it sends nothing more and counts what is left as dropped.
fn export_loop(shared: &Shared, mut sinks: Vec<Box<dyn SpanSink>>, resource: &Resource) {
    loop {
        let item = {
            let mut st = shared.lock();
            loop {
                if st.abandoned {
                    return;
                }
                if let Some(item) = st.queue.pop_front() {
                    if let Item::Batch(b) = &item {
                        st.queued_spans -= b.len();
                    }
                    break Some(item);
                }
                if st.drained {
                    break None;
                }
                st = shared.work.wait(st).unwrap_or_else(|e| e.into_inner());
            }
        };
        let batch = match item {
            None => {
                if !shared.past_deadline() {
                    for s in sinks.iter_mut() {
                        s.shutdown();
                    }
                }
                return;
            }
            Some(Item::Flushed(n)) => {
                let mut st = shared.lock();
                st.flush_done = st.flush_done.max(n);
                shared.done.notify_all();
                continue;
            }
            Some(Item::Batch(b)) => b,
        };
        let (len, exporters) = (batch.len() as u64, sinks.len() as u64);
        for (i, s) in sinks.iter_mut().enumerate() {
            if shared.past_deadline() {
                let mut st = shared.lock();
                if st.abandoned {
                    return;
                }
                // Too late for this batch at the exporters not reached yet.
                let left = len * (exporters - i as u64);
                st.pending -= left;
                metrics::DROPPED_SHUTDOWN.fetch_add(left, Relaxed);
                break;
            }
            let result = guarded(|| s.export(&batch, resource));
            let mut st = shared.lock();
            if st.abandoned {
                return;
            }
            st.pending -= len;
            match result {
                Ok(()) => {
                    metrics::EXPORTED.fetch_add(len, Relaxed);
                }
                Err(_) => {
                    metrics::EXPORT_ERRORS.fetch_add(1, Relaxed);
                    metrics::DROPPED_EXPORT.fetch_add(len, Relaxed);
                }
            }
        }
    }
}

/// Keeps the pipeline running; flushes every finished span and shuts the exporters down when dropped.
///
/// ```
/// use obs_runtime::trace::{is_active, MemorySink, TracePipeline};
/// let guard = TracePipeline::builder().sink(MemorySink::default()).install().unwrap();
/// assert!(is_active());
/// drop(guard); // flushes and shuts down
/// assert!(!is_active());
/// ```
#[must_use = "the pipeline shuts down when the guard drops"]
pub struct TraceGuard {
    inner: Option<GuardInner>,
}

struct GuardInner {
    shared: Arc<Shared>,
    /// The collector and the export thread.
    handles: [Option<JoinHandle<()>>; 2],
    /// The export timeout, which is also the shutdown's deadline.
    timeout: Duration,
}

impl fmt::Debug for TraceGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceGuard").field("active", &self.inner.is_some()).finish()
    }
}

impl TraceGuard {
    /// Exports every span finished so far, on any thread, and waits until the sinks have them (or they are counted
    /// as dropped): it waits for an exporter's export in flight, up to its timeout.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// # let sink = obs_runtime::trace::MemorySink::default();
    /// # let guard = obs_runtime::trace::TracePipeline::builder().service_name("demo").sink(sink.clone()).install().unwrap();
    /// use obs_runtime::trace::{Call, Outcome};
    /// Call::enter(&WORK).finish(Outcome::Ok, None);
    /// guard.flush();
    /// assert_eq!(sink.spans().len(), 1);
    /// ```
    pub fn flush(&self) {
        let Some(inner) = &self.inner else { return };
        let mut st = inner.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        st.flush_requested += 1;
        let target = st.flush_requested;
        inner.shared.wake.notify_all();
        while st.flush_done < target {
            st = inner.shared.done.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Whether this guard runs a pipeline (false when disabled).
    ///
    /// ```
    /// use obs_runtime::trace::{MemorySink, TracePipeline};
    /// let guard = TracePipeline::builder().sink(MemorySink::default()).install().unwrap();
    /// assert!(guard.is_active());
    /// ```
    pub fn is_active(&self) -> bool {
        self.inner.is_some()
    }
}

impl TraceGuard {
    /// The guard of a disabled pipeline: nothing runs.
    pub(crate) fn inactive() -> TraceGuard {
        TraceGuard { inner: None }
    }

    /// When a shutdown starting now must be done by: one export timeout from now.
    pub(crate) fn deadline_from_now(&self) -> Instant {
        Instant::now() + self.inner.as_ref().map_or(Duration::ZERO, |i| i.timeout)
    }

    /// Flushes and shuts the pipeline down, returning by `deadline` whatever the exporters do: the spans not sent
    /// by then are dropped and counted, and a collector still blocked in an export is left to return on its own.
    pub(crate) fn shutdown_by(&mut self, deadline: Instant) {
        let Some(mut inner) = self.inner.take() else {
            return;
        };
        sampler::set_installed(false);
        wake::clear();
        let shared = &inner.shared;
        let mut st = shared.lock();
        st.shutdown = true;
        st.deadline = Some(deadline);
        st.flush_requested += 1;
        shared.wake.notify_all();
        while st.running > 0 {
            let Some(left) = deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero()) else {
                break;
            };
            st = shared.done.wait_timeout(st, left).unwrap_or_else(|e| e.into_inner()).0;
        }
        if st.running == 0 {
            drop(st);
            for h in inner.handles.iter_mut().filter_map(Option::take) {
                let _ = h.join();
            }
        } else {
            // Counted here, so the totals are final when the guard returns; the threads count nothing more.
            st.abandoned = true;
            shared.work.notify_all();
            let queued = std::mem::take(&mut st.queue);
            st.queued_spans = 0;
            let mut left = Vec::new();
            ring::drain_all(&mut left);
            metrics::DROPPED_SHUTDOWN.fetch_add(std::mem::take(&mut st.pending), Relaxed);
            let left = left.iter().filter(|s| s.sampled).count() as u64;
            metrics::DROPPED_SHUTDOWN.fetch_add(left * st.sinks, Relaxed);
            drop(st);
            drop(queued);
            // Detached: each returns once its work in flight (an export) does, and touches nothing shared after.
            inner.handles = [None, None];
        }
        *INSTALLED.lock().unwrap_or_else(|e| e.into_inner()) = false;
    }
}

impl Drop for TraceGuard {
    fn drop(&mut self) {
        let deadline = self.deadline_from_now();
        self.shutdown_by(deadline);
    }
}
