//! The periodic OTLP metrics exporter (feature `otlp`): every interval, one thread collects the catalog into
//! OTLP (the same snapshot stream `/metrics` renders, see [`OtlpEncoder`]) and pushes it over http/protobuf or
//! gRPC with one deadline. A push that fails is counted in `obs_metric_exports_total{outcome}` and not retried;
//! nothing queues: the next push carries the state again (with delta temporality, the deltas since the last
//! push that went out). The application's threads never wait for it, except the guard's drop, which makes one
//! last push within the export timeout.

mod render;
pub(crate) mod transport;

pub use render::OtlpEncoder;

use crate::catalog::catalog;
use crate::otel_env::{
    err, lookup, parse_millis, Compression, ConfigError, Env, ExporterEnv, OtelEnv, Protocol, Signal,
};
use crate::trace::Resource;
use obs_macros::{metric, LabelValue, Labels};
use std::fmt;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The interval between pushes without `OTEL_METRIC_EXPORT_INTERVAL` (the specification's 60 s).
///
/// ```
/// assert_eq!(obs_runtime::DEFAULT_METRIC_EXPORT_INTERVAL, std::time::Duration::from_secs(60));
/// ```
pub const DEFAULT_METRIC_EXPORT_INTERVAL: Duration = Duration::from_secs(60);
/// The deadline of one push without `OTEL_METRIC_EXPORT_TIMEOUT` or `OTEL_EXPORTER_OTLP_TIMEOUT`: the
/// exporter's 10 s, under the reader's 30 s (the shorter of the two applies, as in the SDKs).
///
/// ```
/// assert_eq!(obs_runtime::DEFAULT_METRIC_EXPORT_TIMEOUT, std::time::Duration::from_secs(10));
/// ```
pub const DEFAULT_METRIC_EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// How sums and histograms report: totals since the start, or changes since the last push that went out.
///
/// ```
/// assert_eq!(obs_runtime::Temporality::default(), obs_runtime::Temporality::Cumulative);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Temporality {
    /// Totals since the process (or the series) started: what Prometheus-style backends expect.
    #[default]
    Cumulative,
    /// Changes since the last successful push; a failed push's changes are carried into the next.
    Delta,
}

/// Why a push did not go out.
///
/// ```
/// let e = obs_runtime::ExportError::Timeout(std::time::Duration::from_secs(1));
/// assert_eq!(e.to_string(), "the push did not finish within 1s");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportError {
    /// The deadline passed first.
    Timeout(Duration),
    /// The collector refused the connection, answered an error, or the body could not be sent.
    Failed(String),
    /// The exporter has stopped.
    Stopped,
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::Timeout(d) => write!(f, "the push did not finish within {d:?}"),
            ExportError::Failed(e) => write!(f, "the push failed: {e}"),
            ExportError::Stopped => f.write_str("the metrics exporter has stopped"),
        }
    }
}

impl std::error::Error for ExportError {}

#[derive(LabelValue, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    #[label(rename = "success")]
    Success,
    #[label(rename = "failed")]
    Failed,
    #[label(rename = "timeout")]
    Timeout,
}

#[derive(Labels)]
pub(crate) struct ExportLabels {
    outcome: Outcome,
}

/// OTLP metrics pushes, by outcome: `success`, `failed` (refused, or answered with an error) or `timeout`.
#[metric(counter, labels = ExportLabels, name = "obs_metric_exports", namespace = "")]
pub(crate) struct MetricExports;

/// A periodic OTLP metrics exporter's settings; build it with [`MetricsExporter::builder`] or
/// [`MetricsExporter::from_env`], then [`install`](MetricsExporter::install) it (`obs::init!()` does both when
/// `OTEL_METRICS_EXPORTER` asks for `otlp` or a metrics endpoint is set).
///
/// ```
/// use obs_runtime::{MetricsExporter, Temporality};
/// use std::time::Duration;
/// let e = MetricsExporter::builder()
///     .endpoint("http://127.0.0.1:4318/v1/metrics")
///     .interval(Duration::from_secs(15))
///     .temporality(Temporality::Delta);
/// assert_eq!(e.otlp_endpoint(), Some("http://127.0.0.1:4318/v1/metrics"));
/// assert_eq!(e.export_interval(), Duration::from_secs(15));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsExporter {
    resource: Resource,
    endpoint: Option<String>,
    protocol: Protocol,
    headers: Vec<(String, String)>,
    compression: Compression,
    interval: Duration,
    timeout: Duration,
    temporality: Temporality,
}

impl MetricsExporter {
    /// Defaults: no endpoint, http/protobuf, a push every 60 s with a 10 s deadline, cumulative temporality.
    ///
    /// ```
    /// let e = obs_runtime::MetricsExporter::builder();
    /// assert_eq!(e.otlp_endpoint(), None);
    /// assert_eq!(e.export_timeout(), obs_runtime::DEFAULT_METRIC_EXPORT_TIMEOUT);
    /// ```
    pub fn builder() -> MetricsExporter {
        MetricsExporter {
            resource: Resource { service_name: crate::trace::default_service_name(), attributes: Vec::new() },
            endpoint: None,
            protocol: Protocol::HttpProtobuf,
            headers: Vec::new(),
            compression: Compression::None,
            interval: DEFAULT_METRIC_EXPORT_INTERVAL,
            timeout: DEFAULT_METRIC_EXPORT_TIMEOUT,
            temporality: Temporality::Cumulative,
        }
    }

    /// The settings the OpenTelemetry variables describe: `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`,
    /// `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` (or `OTEL_EXPORTER_OTLP_ENDPOINT` plus `/v1/metrics` for HTTP),
    /// `OTEL_EXPORTER_OTLP_[METRICS_]PROTOCOL`, `_HEADERS`, `_TIMEOUT` and `_COMPRESSION`,
    /// `OTEL_METRIC_EXPORT_INTERVAL`, `OTEL_METRIC_EXPORT_TIMEOUT` and
    /// `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`. A bad value is an error naming its variable.
    ///
    /// ```
    /// let e = obs_runtime::MetricsExporter::from_env().unwrap_or_else(|e| panic!("{e}"));
    /// assert!(!e.resource().service_name.is_empty());
    /// ```
    pub fn from_env() -> Result<MetricsExporter, ConfigError> {
        Self::from_lookup(crate::otel_env::process_env)
    }

    /// [`from_env`](Self::from_env) with another source of variables (tests).
    ///
    /// ```
    /// use obs_runtime::{MetricsExporter, Protocol, Temporality};
    /// let vars = std::collections::HashMap::from([
    ///     ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
    ///     ("OTEL_METRIC_EXPORT_INTERVAL", "5000"),
    ///     ("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta"),
    /// ]);
    /// let e = MetricsExporter::from_lookup(|k| vars.get(k).map(|v| v.to_string())).unwrap();
    /// assert_eq!(e.otlp_endpoint(), Some("http://collector:4318/v1/metrics"));
    /// assert_eq!(e.export_interval(), std::time::Duration::from_secs(5));
    /// assert_eq!(e.export_temporality(), Temporality::Delta);
    ///
    /// let bad = MetricsExporter::from_lookup(|k| (k == "OTEL_METRIC_EXPORT_INTERVAL").then(|| "5s".into()));
    /// assert_eq!(bad.unwrap_err().variable, "OTEL_METRIC_EXPORT_INTERVAL");
    /// ```
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<MetricsExporter, ConfigError> {
        Self::read_env(&get)
    }

    pub(crate) fn read_env(get: Env<'_>) -> Result<MetricsExporter, ConfigError> {
        let mut e = MetricsExporter::builder();
        let otel = OtelEnv::read(get)?;
        if let Some(name) = otel.service_name.clone().or_else(|| otel.attribute("service.name").map(str::to_owned)) {
            e.resource.service_name = name;
        }
        e.resource.attributes = otel.resource_attributes.into_iter().filter(|(k, _)| k != "service.name").collect();
        let x = ExporterEnv::read(get, Signal::Metrics)?;
        e.endpoint = x.endpoint.map(|(_, url)| url);
        e.protocol = x.protocol;
        e.headers = x.headers;
        e.compression = x.compression;
        let reader = lookup(get, "OTEL_METRIC_EXPORT_TIMEOUT")
            .map(|v| parse_millis("OTEL_METRIC_EXPORT_TIMEOUT", &v))
            .transpose()?;
        e.timeout = match (reader, x.timeout) {
            (Some(r), Some(x)) => r.min(x),
            (Some(t), None) | (None, Some(t)) => t,
            (None, None) => DEFAULT_METRIC_EXPORT_TIMEOUT,
        };
        if let Some(v) = lookup(get, "OTEL_METRIC_EXPORT_INTERVAL") {
            e.interval = parse_millis("OTEL_METRIC_EXPORT_INTERVAL", &v)?;
        }
        if let Some(v) = lookup(get, "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE") {
            e.temporality = match v.trim().to_ascii_lowercase().as_str() {
                "cumulative" => Temporality::Cumulative,
                // Low memory asks delta for counters and histograms, which is what delta means here: gauges
                // are always reported as they are.
                "delta" | "lowmemory" => Temporality::Delta,
                _ => {
                    return Err(err(
                        "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
                        &v,
                        "is not supported; use `cumulative`, `delta` or `lowmemory`",
                    ))
                }
            };
        }
        Ok(e)
    }

    /// Sets `service.name`.
    ///
    /// ```
    /// let e = obs_runtime::MetricsExporter::builder().service_name("checkout");
    /// assert_eq!(e.resource().service_name, "checkout");
    /// ```
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.resource.service_name = name.into();
        self
    }
    /// Adds (or replaces) a resource attribute.
    ///
    /// ```
    /// let e = obs_runtime::MetricsExporter::builder().resource_attribute("service.version", "1.2.3");
    /// assert_eq!(e.resource().attributes, [("service.version".to_string(), "1.2.3".to_string())]);
    /// ```
    pub fn resource_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.resource.set_attribute(key, value);
        self
    }
    /// Pushes to this URL (the full URL: `http://host:4318/v1/metrics` for HTTP, `http://host:4317` for gRPC).
    ///
    /// ```
    /// let e = obs_runtime::MetricsExporter::builder().endpoint("http://127.0.0.1:4317");
    /// assert_eq!(e.otlp_endpoint(), Some("http://127.0.0.1:4317"));
    /// ```
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }
    /// The transport (`OTEL_EXPORTER_OTLP_PROTOCOL`).
    ///
    /// ```
    /// use obs_runtime::{MetricsExporter, Protocol};
    /// assert_eq!(MetricsExporter::builder().protocol(Protocol::Grpc).export_protocol(), Protocol::Grpc);
    /// ```
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }
    /// Adds a header (HTTP) or metadata entry (gRPC) to every push (`OTEL_EXPORTER_OTLP_HEADERS`).
    ///
    /// ```
    /// let e = obs_runtime::MetricsExporter::builder().header("api-key", "s3cret");
    /// assert_eq!(e.export_headers(), [("api-key".to_string(), "s3cret".to_string())]);
    /// ```
    pub fn header(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((key.into(), value.into()));
        self
    }
    /// Compresses pushes (`OTEL_EXPORTER_OTLP_COMPRESSION`).
    ///
    /// ```
    /// use obs_runtime::{Compression, MetricsExporter};
    /// let e = MetricsExporter::builder().compression(Compression::Gzip);
    /// assert!(format!("{e:?}").contains("Gzip"));
    /// ```
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }
    /// The time between the starts of two pushes (`OTEL_METRIC_EXPORT_INTERVAL`, default 60 s).
    ///
    /// ```
    /// let e = obs_runtime::MetricsExporter::builder().interval(std::time::Duration::from_secs(10));
    /// assert_eq!(e.export_interval().as_secs(), 10);
    /// ```
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval.max(Duration::from_millis(1));
        self
    }
    /// The deadline of one push, and of the last push when the guard drops (`OTEL_METRIC_EXPORT_TIMEOUT`).
    ///
    /// ```
    /// let e = obs_runtime::MetricsExporter::builder().timeout(std::time::Duration::from_secs(2));
    /// assert_eq!(e.export_timeout().as_secs(), 2);
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }
    /// Cumulative (default) or delta sums and histograms
    /// (`OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`).
    ///
    /// ```
    /// use obs_runtime::{MetricsExporter, Temporality};
    /// assert_eq!(MetricsExporter::builder().temporality(Temporality::Delta).export_temporality(), Temporality::Delta);
    /// ```
    pub fn temporality(mut self, temporality: Temporality) -> Self {
        self.temporality = temporality;
        self
    }

    /// The resource pushes carry.
    ///
    /// ```
    /// assert!(obs_runtime::MetricsExporter::builder().resource().service_name.starts_with("unknown_service:"));
    /// ```
    pub fn resource(&self) -> &Resource {
        &self.resource
    }
    /// The URL pushes go to, if set.
    ///
    /// ```
    /// assert_eq!(obs_runtime::MetricsExporter::builder().otlp_endpoint(), None);
    /// ```
    pub fn otlp_endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }
    /// The transport.
    ///
    /// ```
    /// assert_eq!(obs_runtime::MetricsExporter::builder().export_protocol(), obs_runtime::Protocol::HttpProtobuf);
    /// ```
    pub fn export_protocol(&self) -> Protocol {
        self.protocol
    }
    /// The headers of every push.
    ///
    /// ```
    /// assert!(obs_runtime::MetricsExporter::builder().export_headers().is_empty());
    /// ```
    pub fn export_headers(&self) -> &[(String, String)] {
        &self.headers
    }
    /// The interval.
    ///
    /// ```
    /// assert_eq!(obs_runtime::MetricsExporter::builder().export_interval(), obs_runtime::DEFAULT_METRIC_EXPORT_INTERVAL);
    /// ```
    pub fn export_interval(&self) -> Duration {
        self.interval
    }
    /// The deadline of one push.
    ///
    /// ```
    /// assert_eq!(obs_runtime::MetricsExporter::builder().export_timeout(), obs_runtime::DEFAULT_METRIC_EXPORT_TIMEOUT);
    /// ```
    pub fn export_timeout(&self) -> Duration {
        self.timeout
    }
    /// The temporality.
    ///
    /// ```
    /// assert_eq!(obs_runtime::MetricsExporter::builder().export_temporality(), obs_runtime::Temporality::Cumulative);
    /// ```
    pub fn export_temporality(&self) -> Temporality {
        self.temporality
    }

    /// The endpoint, or the specification's default for the protocol when none is set.
    pub(crate) fn endpoint_or_default(&self) -> String {
        self.endpoint.clone().unwrap_or_else(|| match self.protocol {
            Protocol::HttpProtobuf => "http://localhost:4318/v1/metrics".to_owned(),
            Protocol::Grpc => "http://localhost:4317".to_owned(),
        })
    }

    /// Starts the exporter thread; the guard makes a last push and stops it when dropped. Without an endpoint,
    /// pushes go to the specification's default (`http://localhost:4318/v1/metrics`, or `:4317` for gRPC).
    ///
    /// ```
    /// # let port = { let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap(); l.local_addr().unwrap().port() };
    /// // Nothing listens there: the push fails, is counted, and the guard still returns promptly.
    /// let guard = obs_runtime::MetricsExporter::builder()
    ///     .endpoint(format!("http://127.0.0.1:{port}/v1/metrics"))
    ///     .timeout(std::time::Duration::from_secs(1))
    ///     .install()
    ///     .unwrap();
    /// assert!(guard.flush().is_err());
    /// assert!(obs_runtime::encode(obs_runtime::Format::Prometheus).contains("obs_metric_exports_total{outcome=\"failed\"}"));
    /// ```
    pub fn install(self) -> Result<MetricsGuard, ConfigError> {
        let url = self.endpoint_or_default();
        crate::otel_env::check_url("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", &url)?;
        let shared = Arc::new(Shared::default());
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread_shared = shared.clone();
        let MetricsExporter { resource, protocol, headers, compression, interval, timeout, temporality, .. } = self;
        let handle = std::thread::Builder::new()
            .name("obs-metric-exporter".into())
            .spawn(move || {
                // Built here, so any runtime the client needs belongs to this thread.
                let transport = match transport::Transport::new(&url, protocol, &headers, compression, timeout) {
                    Ok(t) => t,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                let encoder = OtlpEncoder::new(resource, temporality);
                run(&thread_shared, encoder, transport, interval, timeout);
                let mut st = thread_shared.state.lock().unwrap_or_else(|e| e.into_inner());
                st.finished = true;
                thread_shared.done.notify_all();
            })
            .map_err(|e| err("OTEL_METRICS_EXPORTER", "otlp", format!("cannot start the exporter thread: {e}")))?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(MetricsGuard { inner: Some(GuardInner { shared, handle: Some(handle), timeout }) }),
            Ok(Err(e)) => {
                let _ = handle.join();
                Err(e)
            }
            Err(_) => {
                let _ = handle.join();
                Err(err("OTEL_METRICS_EXPORTER", "otlp", "the exporter thread failed to start"))
            }
        }
    }
}

#[derive(Default)]
struct State {
    requested: u64,
    completed: u64,
    last: Option<Result<(), ExportError>>,
    shutdown: bool,
    /// When the guard's drop must return by.
    deadline: Option<Instant>,
    finished: bool,
    /// Series of the delta state after the last push (bounded by the catalog).
    delta_series: usize,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    done: Condvar,
}

fn record(result: &Result<(), ExportError>) {
    let outcome = match result {
        Ok(()) => Outcome::Success,
        Err(ExportError::Timeout(_)) => Outcome::Timeout,
        Err(_) => Outcome::Failed,
    };
    MetricExports.with(ExportLabels { outcome }).inc();
}

fn run(
    shared: &Shared,
    mut encoder: OtlpEncoder,
    mut transport: transport::Transport,
    interval: Duration,
    timeout: Duration,
) {
    let mut next = Instant::now() + interval;
    loop {
        let (target, shutdown, deadline) = {
            let mut st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if st.shutdown || st.requested > st.completed {
                    break;
                }
                let now = Instant::now();
                if now >= next {
                    break;
                }
                st = shared.wake.wait_timeout(st, next - now).unwrap_or_else(|e| e.into_inner()).0;
            }
            (st.requested, st.shutdown, st.deadline)
        };
        let started = Instant::now();
        next = started + interval;
        let budget = deadline.map_or(timeout, |d| d.saturating_duration_since(started).min(timeout));
        let result = if budget.is_zero() {
            Err(ExportError::Timeout(timeout))
        } else {
            let request = encoder.request(catalog());
            let r = transport.send(request, budget);
            if r.is_ok() {
                encoder.commit();
            }
            r
        };
        record(&result);
        let mut st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        st.completed = st.completed.max(target);
        st.last = Some(result);
        st.delta_series = encoder.delta_series();
        shared.done.notify_all();
        if shutdown {
            return;
        }
    }
}

/// Keeps the exporter pushing; dropping it makes one last push (within the export timeout) and stops it.
///
/// ```
/// # let port = { let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap(); l.local_addr().unwrap().port() };
/// let guard = obs_runtime::MetricsExporter::builder()
///     .endpoint(format!("http://127.0.0.1:{port}/v1/metrics"))
///     .timeout(std::time::Duration::from_millis(500))
///     .install()
///     .unwrap();
/// let t = std::time::Instant::now();
/// drop(guard);
/// assert!(t.elapsed() < std::time::Duration::from_secs(2));
/// ```
#[must_use = "the exporter stops when the guard drops"]
pub struct MetricsGuard {
    inner: Option<GuardInner>,
}

struct GuardInner {
    shared: Arc<Shared>,
    handle: Option<JoinHandle<()>>,
    timeout: Duration,
}

impl fmt::Debug for MetricsGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsGuard").field("active", &self.inner.is_some()).finish()
    }
}

impl MetricsGuard {
    /// Pushes now and waits for the outcome (at most one export timeout after the push in flight, if any).
    ///
    /// ```
    /// # let port = { let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap(); l.local_addr().unwrap().port() };
    /// let guard = obs_runtime::MetricsExporter::builder()
    ///     .endpoint(format!("http://127.0.0.1:{port}/v1/metrics"))
    ///     .install()
    ///     .unwrap();
    /// assert!(matches!(guard.flush(), Err(obs_runtime::ExportError::Failed(_)))); // nothing listens
    /// ```
    pub fn flush(&self) -> Result<(), ExportError> {
        let Some(inner) = &self.inner else { return Err(ExportError::Stopped) };
        let mut st = inner.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.shutdown {
            return Err(ExportError::Stopped);
        }
        st.requested += 1;
        let target = st.requested;
        inner.shared.wake.notify_all();
        while st.completed < target && !st.finished {
            st = inner.shared.done.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        st.last.clone().unwrap_or(Err(ExportError::Stopped))
    }

    /// Series whose last delivered state the exporter keeps for delta temporality: bounded by the catalog's
    /// series, whatever the collector does (0 with cumulative temporality).
    ///
    /// ```
    /// # let port = { let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap(); l.local_addr().unwrap().port() };
    /// let guard = obs_runtime::MetricsExporter::builder().endpoint(format!("http://127.0.0.1:{port}/v1/metrics")).install().unwrap();
    /// let _ = guard.flush();
    /// assert_eq!(guard.delta_series(), 0);
    /// ```
    pub fn delta_series(&self) -> usize {
        self.inner.as_ref().map_or(0, |i| i.shared.state.lock().unwrap_or_else(|e| e.into_inner()).delta_series)
    }

    /// When a shutdown starting now must be done by.
    pub(crate) fn deadline_from_now(&self) -> Instant {
        Instant::now() + self.inner.as_ref().map_or(Duration::ZERO, |i| i.timeout)
    }

    /// Asks for the last push, to be done by `deadline`; returns at once ([`finish_shutdown`](Self::finish_shutdown) waits).
    pub(crate) fn begin_shutdown(&self, deadline: Instant) {
        if let Some(inner) = &self.inner {
            let mut st = inner.shared.state.lock().unwrap_or_else(|e| e.into_inner());
            st.shutdown = true;
            st.deadline = Some(deadline);
            inner.shared.wake.notify_all();
        }
    }

    /// Waits for the last push until `deadline`; a thread still blocked then is left to return on its own.
    pub(crate) fn finish_shutdown(&mut self, deadline: Instant) {
        let Some(mut inner) = self.inner.take() else { return };
        let mut st = inner.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        while !st.finished {
            let Some(left) = deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero()) else { break };
            st = inner.shared.done.wait_timeout(st, left).unwrap_or_else(|e| e.into_inner()).0;
        }
        let finished = st.finished;
        drop(st);
        if finished {
            if let Some(h) = inner.handle.take() {
                let _ = h.join();
            }
        }
    }
}

impl Drop for MetricsGuard {
    fn drop(&mut self) {
        let deadline = self.deadline_from_now();
        self.begin_shutdown(deadline);
        self.finish_shutdown(deadline);
    }
}
