//! The collector thread: drains every thread's span ring at each interval (or on [`TraceGuard::flush`], or when
//! a ring asks through [`wake`](super::wake)), converts the spans and hands them in batches to every
//! [`SpanSink`]. Sinks are built on this thread, so any runtime they need (gRPC) belongs to it, and the pipeline
//! works the same from a plain `main` and from inside a tokio runtime. The guard flushes and shuts it down.

use super::config::TraceError;
use super::record::SpanRecord;
use super::sampler::{self, Sampler};
use super::sink::{Resource, SpanSink};
use super::{clock, metrics, ring, wake};
use std::fmt;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Condvar, Mutex};
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

/// Starts the collector with `sinks` plus those `build` makes on the collector thread, and turns span recording
/// on. One collector at a time: starting a second while the first is alive is an error.
pub(crate) fn start(
    settings: Settings,
    mut sinks: Vec<Box<dyn SpanSink>>,
    build: impl FnOnce(&Resource) -> Result<Vec<Box<dyn SpanSink>>, TraceError> + Send + 'static,
) -> Result<TraceGuard, TraceError> {
    let _ = clock::now();
    let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    if *installed {
        return Err(TraceError {
            variable: None,
            message: "a trace pipeline is already installed; drop its guard first".into(),
        });
    }
    let shared = Arc::new(Shared::default());
    wake::register(shared.clone());
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let Settings { resource, sampler, interval, max_batch, timeout } = settings;
    let thread_shared = shared.clone();
    let handle = std::thread::Builder::new()
        .name("obs-span-collector".into())
        .spawn(move || {
            match build(&resource) {
                Ok(more) => sinks.extend(more),
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            }
            let _ = ready_tx.send(Ok(()));
            collect_loop(&thread_shared, sinks, resource, interval, max_batch);
            let mut st = thread_shared.state.lock().unwrap_or_else(|e| e.into_inner());
            st.finished = true;
            thread_shared.done.notify_all();
        })
        .map_err(|e| {
            wake::clear();
            TraceError { variable: None, message: format!("cannot start the span collector thread: {e}") }
        })?;
    let failed = match ready_rx.recv() {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(_) => Some(TraceError { variable: None, message: "the span collector thread failed to start".into() }),
    };
    if let Some(e) = failed {
        wake::clear();
        let _ = handle.join();
        return Err(e);
    }
    sampler::configure(sampler);
    sampler::set_installed(true);
    *installed = true;
    Ok(TraceGuard { inner: Some(GuardInner { shared, handle: Some(handle), timeout }) })
}

static INSTALLED: Mutex<bool> = Mutex::new(false);

#[derive(Default)]
struct State {
    flush_requested: u64,
    flush_done: u64,
    shutdown: bool,
    /// A ring asked for an early drain since the collector last looked.
    nudged: bool,
    /// When the guard's drop must return by: past it, nothing more is sent.
    deadline: Option<Instant>,
    /// Span exports (spans times sinks) drained from the rings and not yet counted as exported or dropped.
    pending: u64,
    /// The guard stopped waiting at the deadline and counted `pending` as dropped: the collector sends and
    /// counts nothing more of what it held, and returns as soon as its export in flight does.
    abandoned: bool,
    /// The collector thread has returned.
    finished: bool,
    /// The sinks each span goes to.
    sinks: u64,
}

/// A ring is filling: end the collector's wait only, so a burst of nudges costs one early drain.
impl wake::Wake for Shared {
    fn wake(&self) {
        // Remembered under the lock: a collector busy exporting sees it before it next waits, so the wake-up is
        // never lost (a lost one left full rings undrained for a whole interval).
        self.state.lock().unwrap_or_else(|e| e.into_inner()).nudged = true;
        self.wake.notify_one();
    }
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    done: Condvar,
}

impl Shared {
    fn past_deadline(&self) -> bool {
        let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

fn collect_loop(
    shared: &Shared,
    sinks: Vec<Box<dyn SpanSink>>,
    resource: Resource,
    interval: Duration,
    max_batch: usize,
) {
    let mut buf: Vec<SpanRecord> = Vec::new();
    // Recorders (the flight recorder) take every drain whole and first: they are quick, so an exporter that
    // blocks delays them by one export at most, and they never delay an exporter by more than a copy.
    let (mut recorders, mut sinks): (Vec<_>, Vec<_>) = sinks.into_iter().partition(|s| s.takes_unsampled());
    let per_span = sinks.len() as u64;
    shared.state.lock().unwrap_or_else(|e| e.into_inner()).sinks = per_span;
    loop {
        let (target, shutdown) = {
            let mut st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
            if st.flush_requested == st.flush_done && !st.shutdown && !st.nudged {
                st = shared.wake.wait_timeout(st, interval).unwrap_or_else(|e| e.into_inner()).0;
            }
            st.nudged = false;
            (st.flush_requested, st.shutdown)
        };
        clock::refine();
        ring::drain_all(&mut buf);
        for r in recorders.iter_mut() {
            let _ = r.export(&buf, &resource);
        }
        // Spans only a recorder wanted go no further.
        buf.retain(|s| s.sampled);
        {
            let mut st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
            if st.abandoned {
                // The guard has gone: what this last drain took can no longer go out.
                metrics::DROPPED_SHUTDOWN.fetch_add(buf.len() as u64 * per_span, Relaxed);
                return;
            }
            st.pending = buf.len() as u64 * per_span;
        }
        'batches: for batch in buf.chunks(max_batch) {
            for s in sinks.iter_mut() {
                if shared.past_deadline() {
                    break 'batches;
                }
                let result = s.export(batch, &resource);
                let mut st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
                if st.abandoned {
                    return;
                }
                st.pending -= batch.len() as u64;
                match result {
                    Ok(()) => {
                        metrics::EXPORTED.fetch_add(batch.len() as u64, Relaxed);
                    }
                    Err(_) => {
                        metrics::EXPORT_ERRORS.fetch_add(1, Relaxed);
                        metrics::DROPPED_EXPORT.fetch_add(batch.len() as u64, Relaxed);
                    }
                }
            }
        }
        buf.clear();
        {
            let mut st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
            // Left when the deadline passed mid-drain.
            metrics::DROPPED_SHUTDOWN.fetch_add(std::mem::take(&mut st.pending), Relaxed);
            st.flush_done = target;
            shared.done.notify_all();
        }
        if shutdown {
            for r in recorders.iter_mut() {
                r.shutdown();
            }
            if !shared.past_deadline() {
                for s in sinks.iter_mut() {
                    s.shutdown();
                }
            }
            return;
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
    handle: Option<JoinHandle<()>>,
    /// The export timeout, which is also the shutdown's deadline.
    timeout: Duration,
}

impl fmt::Debug for TraceGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceGuard").field("active", &self.inner.is_some()).finish()
    }
}

impl TraceGuard {
    /// Exports every span finished so far, on any thread, and waits until the sinks have them.
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
        let mut st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        st.shutdown = true;
        st.deadline = Some(deadline);
        st.flush_requested += 1;
        shared.wake.notify_all();
        while !st.finished {
            let Some(left) = deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero()) else {
                break;
            };
            st = shared.done.wait_timeout(st, left).unwrap_or_else(|e| e.into_inner()).0;
        }
        if st.finished {
            drop(st);
            if let Some(h) = inner.handle.take() {
                let _ = h.join();
            }
        } else {
            // Counted here, so the totals are final when the guard returns; the collector counts nothing more.
            st.abandoned = true;
            let mut left = Vec::new();
            ring::drain_all(&mut left);
            metrics::DROPPED_SHUTDOWN.fetch_add(std::mem::take(&mut st.pending), Relaxed);
            let left = left.iter().filter(|s| s.sampled).count() as u64;
            metrics::DROPPED_SHUTDOWN.fetch_add(left * st.sinks, Relaxed);
            drop(st);
            // Detached: it returns once its export in flight does, and touches nothing shared after that.
            drop(inner.handle.take());
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
