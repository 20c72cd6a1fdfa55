//! The span pipeline: configuration (from `OTEL_*` variables or a builder), the collector thread, and the guard
//! that flushes and shuts it down.
//!
//! The collector thread drains every thread's span ring at each interval (or on [`TraceGuard::flush`]), converts
//! the spans and hands them to the sinks in batches: OTLP over http/protobuf or gRPC (feature `otlp`), and any
//! [`SpanSink`]. Export runs on that thread with its own small runtime when gRPC needs one, so the pipeline works
//! the same from a plain `main` and from inside a tokio runtime.

use super::record::SpanRecord;
use super::sampler::{self, Sampler};
use super::sink::{Resource, SpanSink};
use super::{clock, metrics, ring};
pub use crate::otel_env::Protocol;
use crate::otel_env::{err, lookup, Compression, ConfigError, ExporterEnv, OtelEnv, Signal};
use std::fmt;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A configuration error; names the environment variable at fault, when one is.
///
/// ```
/// use obs_runtime::trace::TracePipeline;
/// let err = TracePipeline::from_lookup(|k| (k == "OTEL_SDK_DISABLED").then(|| "maybe".to_string())).unwrap_err();
/// assert_eq!(err.variable, Some("OTEL_SDK_DISABLED"));
/// assert!(err.to_string().starts_with("OTEL_SDK_DISABLED: "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceError {
    /// The variable, e.g. `OTEL_TRACES_SAMPLER_ARG`.
    pub variable: Option<&'static str>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.variable {
            Some(v) => write!(f, "{v}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for TraceError {}

/// A bad setting, as the one `OTEL_*` parser reports it for every signal.
impl From<ConfigError> for TraceError {
    fn from(e: ConfigError) -> TraceError {
        TraceError { variable: Some(e.variable), message: format!("`{}` {}", e.value, e.message) }
    }
}

/// How spans are sampled, exported and described; build it with [`TracePipeline::builder`] or
/// [`TracePipeline::from_env`], then [`install`](TracePipeline::install) it.
///
/// ```
/// use obs_runtime::trace::{MemorySink, TracePipeline};
/// let guard = TracePipeline::builder().service_name("checkout").sink(MemorySink::default()).install().unwrap();
/// assert!(guard.is_active());
/// ```
pub struct TracePipeline {
    resource: Resource,
    endpoint: Option<String>,
    protocol: Protocol,
    sampler: Sampler,
    disabled: bool,
    interval: Duration,
    max_batch: usize,
    timeout: Duration,
    headers: Vec<(String, String)>,
    compression: Compression,
    sinks: Vec<Box<dyn SpanSink>>,
}

impl fmt::Debug for TracePipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracePipeline")
            .field("resource", &self.resource)
            .field("endpoint", &self.endpoint)
            .field("protocol", &self.protocol)
            .field("sampler", &self.sampler)
            .field("disabled", &self.disabled)
            .field("sinks", &self.sinks.len())
            .finish()
    }
}

/// `unknown_service:<exe>`, the specification's `service.name` when none is given (spans and metrics alike).
pub(crate) fn default_service_name() -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default();
    format!("unknown_service:{exe}")
}

impl TracePipeline {
    /// Defaults: `unknown_service:<exe>`, parent-based always-on sampling, no OTLP endpoint (spans are
    /// recorded, for exemplars and sinks, but sent nowhere until an endpoint or a sink is set).
    ///
    /// ```
    /// let p = obs_runtime::trace::TracePipeline::builder();
    /// assert!(p.resource().service_name.starts_with("unknown_service:"));
    /// assert_eq!(p.otlp_endpoint(), None);
    /// ```
    pub fn builder() -> TracePipeline {
        TracePipeline {
            resource: Resource { service_name: default_service_name(), attributes: Vec::new() },
            endpoint: None,
            protocol: Protocol::HttpProtobuf,
            sampler: Sampler::default(),
            disabled: false,
            interval: Duration::from_millis(1000),
            max_batch: 512,
            timeout: Duration::from_secs(10),
            headers: Vec::new(),
            compression: Compression::None,
            sinks: Vec::new(),
        }
    }

    /// The configuration the OpenTelemetry variables describe: `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), `OTEL_EXPORTER_OTLP_PROTOCOL`,
    /// `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG` and `OTEL_SDK_DISABLED`. An invalid value is an error
    /// naming its variable. Without an endpoint, nothing is exported over OTLP.
    ///
    /// ```
    /// use obs_runtime::trace::TracePipeline;
    /// let pipeline = TracePipeline::from_env().unwrap_or_else(|e| {
    ///     eprintln!("tracing configuration: {e}");
    ///     TracePipeline::builder()
    /// });
    /// assert!(!pipeline.resource().service_name.is_empty());
    /// ```
    pub fn from_env() -> Result<TracePipeline, TraceError> {
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
    }

    /// [`from_env`](Self::from_env) with another source of variables (tests).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// let vars = HashMap::from([("OTEL_SERVICE_NAME", "checkout"), ("OTEL_RESOURCE_ATTRIBUTES", "region=eu")]);
    /// let p = obs_runtime::trace::TracePipeline::from_lookup(|k| vars.get(k).map(|v| v.to_string())).unwrap();
    /// assert_eq!(p.resource().service_name, "checkout");
    /// assert_eq!(p.resource().attributes, [("region".to_string(), "eu".to_string())]);
    /// ```
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<TracePipeline, TraceError> {
        Ok(Self::read_env(&get)?)
    }

    fn read_env(get: &dyn Fn(&str) -> Option<String>) -> Result<TracePipeline, ConfigError> {
        let mut p = TracePipeline::builder();
        let otel = OtelEnv::read(get)?;
        p.disabled = otel.sdk_disabled;
        for (k, v) in otel.resource_attributes {
            if k == "service.name" {
                p.resource.service_name = v;
            } else {
                p.resource.set_attribute(k, v);
            }
        }
        if let Some(name) = otel.service_name {
            p.resource.service_name = name;
        }
        let exporter = ExporterEnv::read(get, Signal::Traces)?;
        p.protocol = exporter.protocol;
        p.endpoint = exporter.endpoint.map(|(_, url)| url);
        p.headers = exporter.headers;
        p.compression = exporter.compression;
        if let Some(t) = exporter.timeout {
            p.timeout = t;
        }
        let arg = lookup(get, "OTEL_TRACES_SAMPLER_ARG");
        let ratio = || -> Result<f64, ConfigError> {
            match &arg {
                None => Ok(1.0),
                Some(a) => match a.trim().parse::<f64>() {
                    Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
                    _ => Err(err("OTEL_TRACES_SAMPLER_ARG", a, "is not a ratio between 0 and 1")),
                },
            }
        };
        if let Some(s) = lookup(get, "OTEL_TRACES_SAMPLER") {
            p.sampler = match s.trim() {
                "always_on" => Sampler::AlwaysOn,
                "always_off" => Sampler::AlwaysOff,
                "traceidratio" => Sampler::TraceIdRatio(ratio()?),
                "parentbased_always_on" => Sampler::ParentBased(1.0),
                "parentbased_always_off" => Sampler::ParentBased(0.0),
                "parentbased_traceidratio" => Sampler::ParentBased(ratio()?),
                other => {
                    return Err(err(
                        "OTEL_TRACES_SAMPLER",
                        other,
                        "is not supported; use always_on, always_off, traceidratio, parentbased_always_on, \
                         parentbased_always_off or parentbased_traceidratio",
                    ))
                }
            };
        } else if arg.is_some() {
            ratio()?;
        }
        Ok(p)
    }

    /// Sets `service.name`.
    ///
    /// ```
    /// let p = obs_runtime::trace::TracePipeline::builder().service_name("checkout");
    /// assert_eq!(p.resource().service_name, "checkout");
    /// ```
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.resource.service_name = name.into();
        self
    }
    /// Adds (or replaces) a resource attribute.
    ///
    /// ```
    /// let p = obs_runtime::trace::TracePipeline::builder().resource_attribute("deployment.environment", "prod");
    /// assert_eq!(p.resource().attributes, [("deployment.environment".to_string(), "prod".to_string())]);
    /// ```
    pub fn resource_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.resource.set_attribute(key, value);
        self
    }
    /// Exports over OTLP to this URL (the full URL, e.g. `http://127.0.0.1:4318/v1/traces` for HTTP).
    ///
    /// ```
    /// let p = obs_runtime::trace::TracePipeline::builder().endpoint("http://127.0.0.1:4318/v1/traces");
    /// assert_eq!(p.otlp_endpoint(), Some("http://127.0.0.1:4318/v1/traces"));
    /// ```
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }
    /// The OTLP transport.
    ///
    /// ```
    /// use obs_runtime::trace::{Protocol, TracePipeline};
    /// let p = TracePipeline::builder().endpoint("http://127.0.0.1:4317").protocol(Protocol::Grpc);
    /// assert_eq!(p.otlp_endpoint(), Some("http://127.0.0.1:4317"));
    /// ```
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }
    /// The sampler.
    ///
    /// ```
    /// use obs_runtime::trace::{Sampler, TracePipeline};
    /// let p = TracePipeline::builder().sampler(Sampler::TraceIdRatio(0.25));
    /// assert!(format!("{p:?}").contains("TraceIdRatio(0.25)"));
    /// ```
    pub fn sampler(mut self, sampler: Sampler) -> Self {
        self.sampler = sampler;
        self
    }
    /// Also sends every batch to `sink`.
    ///
    /// ```
    /// use obs_runtime::trace::{MemorySink, TracePipeline};
    /// let sink = MemorySink::default();
    /// let guard = TracePipeline::builder().sink(sink.clone()).install().unwrap();
    /// guard.flush();
    /// assert!(sink.spans().is_empty()); // nothing traced yet
    /// ```
    pub fn sink(mut self, sink: impl SpanSink) -> Self {
        self.sinks.push(Box::new(sink));
        self
    }
    /// How often the collector drains the threads' queues (default 1 s).
    ///
    /// ```
    /// use obs_runtime::trace::{MemorySink, TracePipeline};
    /// let p = TracePipeline::builder().export_interval(std::time::Duration::from_millis(100));
    /// let guard = p.sink(MemorySink::default()).install().unwrap();
    /// assert!(guard.is_active());
    /// ```
    pub fn export_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }
    /// The most spans per exported batch (default 512).
    ///
    /// ```
    /// use obs_runtime::trace::{MemorySink, TracePipeline};
    /// let guard = TracePipeline::builder().max_batch(64).sink(MemorySink::default()).install().unwrap();
    /// assert!(guard.is_active());
    /// ```
    pub fn max_batch(mut self, n: usize) -> Self {
        self.max_batch = n.max(1);
        self
    }
    /// The OTLP export timeout (default 10 s, or `OTEL_EXPORTER_OTLP_TIMEOUT` in milliseconds). It bounds the
    /// shutdown too: dropping the guard returns within this time whatever the collector does, and the spans that
    /// could not go out by then are counted in `obs_spans_dropped_total{reason="shutdown_deadline"}`.
    ///
    /// ```
    /// let p = obs_runtime::trace::TracePipeline::builder()
    ///     .endpoint("http://127.0.0.1:4318/v1/traces")
    ///     .timeout(std::time::Duration::from_secs(2));
    /// assert!(p.otlp_endpoint().is_some());
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Turns the pipeline off, as `OTEL_SDK_DISABLED=true` does.
    ///
    /// ```
    /// let guard = obs_runtime::trace::TracePipeline::builder().disabled(true).install().unwrap();
    /// assert!(!guard.is_active());
    /// assert!(!obs_runtime::trace::is_active());
    /// ```
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }
    /// The resource spans are exported with.
    ///
    /// ```
    /// let p = obs_runtime::trace::TracePipeline::builder().service_name("checkout").resource_attribute("region", "eu");
    /// assert_eq!(p.resource().service_name, "checkout");
    /// assert_eq!(p.resource().attributes.len(), 1);
    /// ```
    pub fn resource(&self) -> &Resource {
        &self.resource
    }
    /// The OTLP endpoint, if any.
    ///
    /// ```
    /// use obs_runtime::trace::TracePipeline;
    /// assert_eq!(TracePipeline::builder().otlp_endpoint(), None);
    /// let p = TracePipeline::builder().endpoint("http://127.0.0.1:4318/v1/traces");
    /// assert_eq!(p.otlp_endpoint(), Some("http://127.0.0.1:4318/v1/traces"));
    /// ```
    pub fn otlp_endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// Starts the collector thread and turns span recording on; the guard flushes and shuts down on drop.
    /// One pipeline at a time: installing a second while the first is alive is an error.
    ///
    /// ```
    /// use obs_runtime::trace::{MemorySink, TracePipeline};
    /// let guard = TracePipeline::builder().service_name("demo").sink(MemorySink::default()).install().unwrap();
    /// assert!(TracePipeline::builder().install().is_err()); // one at a time
    /// drop(guard);
    /// assert!(TracePipeline::builder().install().is_ok());
    /// ```
    pub fn install(self) -> Result<TraceGuard, TraceError> {
        if self.disabled {
            return Ok(TraceGuard { inner: None });
        }
        let _ = clock::now();
        let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
        if *installed {
            return Err(TraceError {
                variable: None,
                message: "a trace pipeline is already installed; drop its guard first".into(),
            });
        }
        let shared = Arc::new(Shared::default());
        *COLLECTOR.lock().unwrap_or_else(|e| e.into_inner()) = Some(shared.clone());
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let TracePipeline {
            resource,
            endpoint,
            protocol,
            sampler,
            interval,
            max_batch,
            timeout,
            headers,
            compression,
            mut sinks,
            ..
        } = self;
        let thread_shared = shared.clone();
        let handle = std::thread::Builder::new()
            .name("obs-span-collector".into())
            .spawn(move || {
                // Exporters are built here, so any runtime they need belongs to this thread.
                if let Some(url) = endpoint {
                    match super::otlp::sink(&url, protocol, timeout, &headers, compression, &resource) {
                        Ok(s) => sinks.push(s),
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    }
                }
                let _ = ready_tx.send(Ok(()));
                collect_loop(&thread_shared, sinks, resource, interval, max_batch);
                let mut st = thread_shared.state.lock().unwrap_or_else(|e| e.into_inner());
                st.finished = true;
                thread_shared.done.notify_all();
            })
            .map_err(|e| TraceError {
                variable: None,
                message: format!("cannot start the span collector thread: {e}"),
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let _ = handle.join();
                return Err(e);
            }
            Err(_) => {
                let _ = handle.join();
                return Err(TraceError { variable: None, message: "the span collector thread failed to start".into() });
            }
        }
        sampler::configure(sampler);
        sampler::set_installed(true);
        *installed = true;
        Ok(TraceGuard { inner: Some(GuardInner { shared, handle: Some(handle), timeout }) })
    }
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

/// The installed collector, for rings to wake early.
static COLLECTOR: Mutex<Option<Arc<Shared>>> = Mutex::new(None);

/// Wakes the collector before its interval: a thread's ring is half full. Ends the collector's wait only, so a
/// burst of nudges costs one early drain.
pub(crate) fn nudge() {
    if let Some(shared) = COLLECTOR.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        // Remembered under the lock: a collector busy exporting sees it before it next waits, so the wake-up is
        // never lost (a lost one left full rings undrained for a whole interval).
        shared.state.lock().unwrap_or_else(|e| e.into_inner()).nudged = true;
        shared.wake.notify_one();
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
    mut sinks: Vec<Box<dyn SpanSink>>,
    resource: Resource,
    interval: Duration,
    max_batch: usize,
) {
    let mut buf: Vec<SpanRecord> = Vec::new();
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
        *COLLECTOR.lock().unwrap_or_else(|e| e.into_inner()) = None;
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
            metrics::DROPPED_SHUTDOWN.fetch_add(left.len() as u64 * st.sinks, Relaxed);
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
