//! `obs::init!()`: one call in `main` starts the endpoints and the health checks, and returns a guard that stops
//! them (and flushes) when dropped.

use crate::catalog::{catalog, CatalogErrors};
use crate::config::{self, Overrides, Settings};
use crate::desc::CrateInfo;
use crate::otel_env::{ConfigError, MetricsExporters};
use obs_macros::{metric, Labels};
use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The longest the guard waits for the endpoints' and checks' tasks to stop.
const RUNTIME_SHUTDOWN: Duration = Duration::from_secs(2);

#[derive(Labels)]
pub(crate) struct BuildLabels {
    service: String,
    version: String,
    commit: String,
}

/// The running build: service, version and commit, with value 1.
#[metric(info, labels = BuildLabels, name = "build", namespace = "")]
pub(crate) struct BuildInfo;

/// Why `init` failed.
///
/// ```standalone_crate
/// let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// let addr = taken.local_addr().unwrap().to_string();
/// let err = obs_runtime::builder!().listen(addr).without_health_checks().init().err().expect("the port is taken");
/// assert!(matches!(err, obs_runtime::InitError::Bind { .. }));
/// assert!(err.to_string().starts_with("cannot listen on 127.0.0.1:"));
/// ```
#[derive(Debug)]
pub enum InitError {
    /// A setting or environment variable is invalid.
    Config(ConfigError),
    /// Two declarations expose the same name (both locations are named).
    Catalog(CatalogErrors),
    /// The listen address could not be bound.
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The background runtime could not start.
    Runtime(std::io::Error),
    /// The trace pipeline's settings are invalid, or it could not start.
    Trace(crate::trace::TraceError),
}

/// Builder values for the OTLP metrics exporter, each overriding its variable.
#[cfg(feature = "otlp-metrics")]
#[derive(Debug, Clone, Default)]
struct MetricsOverrides {
    endpoint: Option<String>,
    protocol: Option<crate::Protocol>,
    headers: Vec<(String, String)>,
    compression: Option<crate::Compression>,
    interval: Option<Duration>,
    timeout: Option<Duration>,
    temporality: Option<crate::Temporality>,
}

#[cfg(feature = "otlp-metrics")]
impl MetricsOverrides {
    fn apply(&self, mut e: crate::MetricsExporter) -> crate::MetricsExporter {
        if let Some(v) = &self.endpoint {
            e = e.endpoint(v.clone());
        }
        if let Some(v) = self.protocol {
            e = e.protocol(v);
        }
        for (k, v) in &self.headers {
            e = e.header(k.clone(), v.clone());
        }
        if let Some(v) = self.compression {
            e = e.compression(v);
        }
        if let Some(v) = self.interval {
            e = e.interval(v);
        }
        if let Some(v) = self.timeout {
            e = e.timeout(v);
        }
        if let Some(v) = self.temporality {
            e = e.temporality(v);
        }
        e
    }
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::Config(e) => write!(f, "invalid obs setting: {e}"),
            InitError::Catalog(e) => write!(f, "invalid metric catalog: {e}"),
            InitError::Bind { addr, source } => write!(
                f,
                "cannot listen on {addr}: {source}; set OTEL_EXPORTER_PROMETHEUS_HOST / OTEL_EXPORTER_PROMETHEUS_PORT or `.listen(..)`"
            ),
            InitError::Runtime(e) => write!(f, "cannot start obs' background runtime: {e}"),
            InitError::Trace(e) => write!(f, "cannot start the trace pipeline: {e}"),
        }
    }
}

impl std::error::Error for InitError {}

impl From<ConfigError> for InitError {
    fn from(e: ConfigError) -> Self {
        InitError::Config(e)
    }
}

/// Settings for [`Builder::init`]; start from `obs::builder!()`, which fills in the calling crate's name and version.
///
/// ```standalone_crate
/// let obs = obs_runtime::Builder::new(obs_runtime::crate_info!())
///     .service_name("checkout")
///     .listen("127.0.0.1:0")
///     .init()
///     .expect("obs starts");
/// let addr = obs.local_addr().unwrap();
/// let body = std::net::TcpStream::connect(addr).is_ok();
/// assert!(body);
/// ```
#[must_use]
pub struct Builder {
    krate: CrateInfo,
    o: Overrides,
    trace: Option<crate::trace::TracePipeline>,
    #[cfg(feature = "otlp-metrics")]
    metrics: MetricsOverrides,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Builder");
        d.field("krate", &self.krate)
            .field("overrides", &self.o)
            .field("trace", &self.trace.as_ref().map(|_| "explicit pipeline"));
        #[cfg(feature = "otlp-metrics")]
        d.field("metrics", &self.metrics);
        d.finish()
    }
}

impl Builder {
    /// Settings for the crate `krate` (its name and version are the service defaults).
    ///
    /// ```
    /// use obs_runtime::{Builder, CrateInfo};
    /// let builder = Builder::new(CrateInfo { name: "shop", version: "1.2.3", ident: "shop" }).without_server();
    /// assert_eq!(builder.settings().unwrap().service_version, "1.2.3");
    /// ```
    pub fn new(krate: CrateInfo) -> Self {
        Builder {
            krate,
            o: Overrides::default(),
            trace: None,
            #[cfg(feature = "otlp-metrics")]
            metrics: MetricsOverrides::default(),
        }
    }
    /// `service.name` (otherwise `OTEL_SERVICE_NAME`, then the crate name).
    ///
    /// ```
    /// let settings = obs_runtime::builder!().service_name("checkout").without_server().settings().unwrap();
    /// assert_eq!(settings.service_name, "checkout");
    /// ```
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.o.service_name = Some(name.into());
        self
    }
    /// `service.version` (otherwise the crate version).
    ///
    /// ```
    /// let settings = obs_runtime::builder!().service_version("2.0.0-rc.1").without_server().settings().unwrap();
    /// assert_eq!(settings.service_version, "2.0.0-rc.1");
    /// ```
    pub fn service_version(mut self, version: impl Into<String>) -> Self {
        self.o.service_version = Some(version.into());
        self
    }
    /// The commit shown in `build_info` (otherwise `OBS_BUILD_COMMIT`).
    ///
    /// ```
    /// let settings = obs_runtime::builder!().commit("4f2a9c1").without_server().settings().unwrap();
    /// assert_eq!(settings.commit, "4f2a9c1");
    /// ```
    pub fn commit(mut self, commit: impl Into<String>) -> Self {
        self.o.commit = Some(commit.into());
        self
    }
    /// Where to serve the endpoints (otherwise `OTEL_EXPORTER_PROMETHEUS_HOST:PORT`, default `localhost:9464`).
    ///
    /// ```
    /// let settings = obs_runtime::builder!().listen("127.0.0.1:9000").settings().unwrap();
    /// assert_eq!(settings.listen, Some("127.0.0.1:9000".parse().unwrap()));
    /// ```
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.o.listen = Some(addr.into());
        self
    }
    /// Requires `Authorization: Bearer <token>` on every endpoint (otherwise `OBS_BEARER_TOKEN`).
    ///
    /// ```
    /// let settings = obs_runtime::builder!().bearer_token("s3cret").without_server().settings().unwrap();
    /// assert_eq!(settings.bearer_token.as_deref(), Some("s3cret"));
    /// ```
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.o.bearer_token = Some(token.into());
        self
    }
    /// Serves no endpoints: mount [`crate::server::router`] in your own axum app instead.
    ///
    /// ```standalone_crate
    /// let obs = obs_runtime::builder!().without_server().without_health_checks().init().unwrap();
    /// assert_eq!(obs.local_addr(), None); // mount `obs_runtime::server::router` in your own app instead
    /// ```
    pub fn without_server(mut self) -> Self {
        self.o.serve = Some(false);
        self
    }
    /// Does not run the `#[health_check]`s in the background.
    ///
    /// ```
    /// let settings = obs_runtime::builder!().without_health_checks().without_server().settings().unwrap();
    /// assert!(!settings.health_checks);
    /// ```
    pub fn without_health_checks(mut self) -> Self {
        self.o.health_checks = Some(false);
        self
    }
    /// Exports spans through this pipeline (otherwise one is built from the `OTEL_*` variables, and installed
    /// when `OTEL_EXPORTER_OTLP_ENDPOINT` is set).
    ///
    /// ```standalone_crate
    /// use obs_runtime::trace::{MemorySink, TracePipeline};
    /// let sink = MemorySink::default();
    /// let obs = obs_runtime::builder!()
    ///     .without_server()
    ///     .without_health_checks()
    ///     .trace_pipeline(TracePipeline::builder().service_name("checkout").sink(sink.clone()))
    ///     .init()
    ///     .unwrap();
    /// obs.flush();
    /// assert!(sink.spans().is_empty()); // nothing traced yet
    /// ```
    pub fn trace_pipeline(mut self, pipeline: crate::trace::TracePipeline) -> Self {
        self.trace = Some(pipeline);
        self
    }
    /// Where metrics go (otherwise `OTEL_METRICS_EXPORTER`; by default `/metrics`, plus OTLP pushes when a
    /// metrics endpoint is set). Without Prometheus, the server still answers `/health` and `/ready`.
    ///
    /// ```
    /// use obs_runtime::MetricsExporters;
    /// let settings = obs_runtime::builder!().metrics_exporters(MetricsExporters::NONE).settings().unwrap();
    /// assert!(!settings.metrics_exporters.prometheus);
    /// ```
    pub fn metrics_exporters(mut self, exporters: MetricsExporters) -> Self {
        self.o.metrics_exporters = Some(exporters);
        self
    }
    /// Pushes metrics over OTLP to this URL (otherwise `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`, or
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/metrics` for HTTP); turns the OTLP exporter on by default.
    ///
    /// ```
    /// let settings = obs_runtime::builder!().otlp_metrics_endpoint("http://127.0.0.1:4318/v1/metrics").settings().unwrap();
    /// assert!(settings.metrics_exporters.otlp && settings.metrics_exporters.prometheus);
    /// ```
    #[cfg(feature = "otlp-metrics")]
    pub fn otlp_metrics_endpoint(mut self, url: impl Into<String>) -> Self {
        self.metrics.endpoint = Some(url.into());
        self.o.metrics_endpoint = true;
        self
    }
    /// The OTLP metrics transport (otherwise `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL`).
    ///
    /// ```
    /// let b = obs_runtime::builder!().otlp_metrics_protocol(obs_runtime::Protocol::Grpc);
    /// assert!(format!("{b:?}").contains("Grpc"));
    /// ```
    #[cfg(feature = "otlp-metrics")]
    pub fn otlp_metrics_protocol(mut self, protocol: crate::Protocol) -> Self {
        self.metrics.protocol = Some(protocol);
        self
    }
    /// Adds a header to every metrics push (beside `OTEL_EXPORTER_OTLP_[METRICS_]HEADERS`).
    ///
    /// ```
    /// let b = obs_runtime::builder!().otlp_metrics_header("api-key", "s3cret");
    /// assert!(format!("{b:?}").contains("api-key"));
    /// ```
    #[cfg(feature = "otlp-metrics")]
    pub fn otlp_metrics_header(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metrics.headers.push((key.into(), value.into()));
        self
    }
    /// Compression of metrics pushes (otherwise `OTEL_EXPORTER_OTLP_[METRICS_]COMPRESSION`).
    ///
    /// ```
    /// let b = obs_runtime::builder!().otlp_metrics_compression(obs_runtime::Compression::Gzip);
    /// assert!(format!("{b:?}").contains("Gzip"));
    /// ```
    #[cfg(feature = "otlp-metrics")]
    pub fn otlp_metrics_compression(mut self, compression: crate::Compression) -> Self {
        self.metrics.compression = Some(compression);
        self
    }
    /// Time between metrics pushes (otherwise `OTEL_METRIC_EXPORT_INTERVAL`, default 60 s).
    ///
    /// ```
    /// let b = obs_runtime::builder!().metric_export_interval(std::time::Duration::from_secs(10));
    /// assert!(format!("{b:?}").contains("10s"));
    /// ```
    #[cfg(feature = "otlp-metrics")]
    pub fn metric_export_interval(mut self, interval: Duration) -> Self {
        self.metrics.interval = Some(interval);
        self
    }
    /// Deadline of one metrics push and of the last one on drop (otherwise `OTEL_METRIC_EXPORT_TIMEOUT`).
    ///
    /// ```
    /// let b = obs_runtime::builder!().metric_export_timeout(std::time::Duration::from_secs(3));
    /// assert!(format!("{b:?}").contains("3s"));
    /// ```
    #[cfg(feature = "otlp-metrics")]
    pub fn metric_export_timeout(mut self, timeout: Duration) -> Self {
        self.metrics.timeout = Some(timeout);
        self
    }
    /// Cumulative or delta sums and histograms (otherwise `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`).
    ///
    /// ```
    /// let b = obs_runtime::builder!().metrics_temporality(obs_runtime::Temporality::Delta);
    /// assert!(format!("{b:?}").contains("Delta"));
    /// ```
    #[cfg(feature = "otlp-metrics")]
    pub fn metrics_temporality(mut self, temporality: crate::Temporality) -> Self {
        self.metrics.temporality = Some(temporality);
        self
    }
    /// The OTLP metrics exporter these options and the environment describe, with the service's resource.
    ///
    /// ```
    /// let e = obs_runtime::builder!().service_name("checkout").otlp_metrics_endpoint("http://c:4318/v1/metrics")
    ///     .metrics_exporter().unwrap();
    /// assert_eq!(e.resource().service_name, "checkout");
    /// assert_eq!(e.otlp_endpoint(), Some("http://c:4318/v1/metrics"));
    /// ```
    #[cfg(feature = "otlp-metrics")]
    pub fn metrics_exporter(&self) -> Result<crate::MetricsExporter, ConfigError> {
        let settings = self.settings()?;
        self.exporter_for(&settings)
    }

    #[cfg(feature = "otlp-metrics")]
    fn exporter_for(&self, settings: &Settings) -> Result<crate::MetricsExporter, ConfigError> {
        let e = crate::MetricsExporter::read_env(&crate::otel_env::process_env)?;
        Ok(self
            .metrics
            .apply(e)
            .service_name(settings.service_name.clone())
            .resource_attribute("service.version", settings.service_version.clone()))
    }

    /// The settings these options and the environment resolve to.
    ///
    /// ```
    /// let settings = obs_runtime::builder!().listen("127.0.0.1:0").settings().unwrap();
    /// assert!(settings.listen.unwrap().ip().is_loopback());
    /// assert_eq!(settings.service_version, env!("CARGO_PKG_VERSION"));
    /// ```
    pub fn settings(&self) -> Result<Settings, ConfigError> {
        config::resolve(self.krate, &self.o, &crate::otel_env::process_env)
    }

    /// Validates the catalog, starts the endpoints and the health checks on a small background runtime, and
    /// returns the guard that stops them. Works from a plain `main` and from inside a tokio runtime.
    ///
    /// ```standalone_crate
    /// use std::io::{Read, Write};
    /// let obs = obs_runtime::builder!().listen("127.0.0.1:0").without_health_checks().init()?;
    /// let mut conn = std::net::TcpStream::connect(obs.local_addr().unwrap())?;
    /// conn.write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    /// let mut response = String::new();
    /// conn.read_to_string(&mut response)?;
    /// assert!(response.starts_with("HTTP/1.1 200"));
    /// assert!(response.contains("build_info{"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn init(self) -> Result<Guard, InitError> {
        let settings = self.settings()?;
        catalog().validate().map_err(InitError::Catalog)?;
        if settings.sdk_disabled {
            crate::set_enabled(false);
        }
        #[cfg(feature = "otlp-metrics")]
        let metrics_exporter = match settings.metrics_exporters.otlp && !settings.sdk_disabled {
            true => Some(self.exporter_for(&settings)?),
            false => None,
        };
        let pipeline = match self.trace {
            Some(p) => Some(p),
            None => {
                let p = crate::trace::TracePipeline::from_env().map_err(InitError::Trace)?;
                // Without an endpoint (or the flight recorder) there is nowhere to send spans: `#[traced]`
                // records its metrics only.
                (p.otlp_endpoint().is_some() || p.records_flight()).then(|| {
                    p.service_name(settings.service_name.clone())
                        .resource_attribute("service.version", settings.service_version.clone())
                })
            }
        };
        let trace = match pipeline {
            Some(p) => Some(p.disabled(settings.sdk_disabled).install().map_err(InitError::Trace)?),
            None => None,
        };
        #[cfg(feature = "otlp-metrics")]
        let metrics = match metrics_exporter {
            Some(e) => Some(e.install()?),
            None => None,
        };
        #[cfg(not(feature = "otlp-metrics"))]
        if settings.metrics_exporters.otlp {
            return Err(InitError::Config(crate::otel_env::err(
                "OTEL_METRICS_EXPORTER",
                "otlp",
                "needs obs' `otlp-metrics` feature, which is turned off in this build",
            )));
        }
        BuildInfo.set(BuildLabels {
            service: settings.service_name.clone(),
            version: settings.service_version.clone(),
            commit: settings.commit.clone(),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(16)
            .thread_name("obs")
            .enable_all()
            .build()
            .map_err(InitError::Runtime)?;
        let mut local_addr = None;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        if let Some(addr) = settings.listen {
            let std_listener = std::net::TcpListener::bind(addr).map_err(|source| InitError::Bind { addr, source })?;
            std_listener.set_nonblocking(true).map_err(|source| InitError::Bind { addr, source })?;
            local_addr = std_listener.local_addr().ok();
            let app =
                crate::server::router_with(settings.bearer_token.as_deref(), settings.metrics_exporters.prometheus);
            let _enter = runtime.enter();
            let listener =
                tokio::net::TcpListener::from_std(std_listener).map_err(|source| InitError::Bind { addr, source })?;
            runtime.spawn(crate::server::serve(listener, app, stop_rx));
        }
        if settings.health_checks {
            crate::health::runner::spawn_all(runtime.handle(), catalog().health_check_entries());
        }
        Ok(Guard {
            settings,
            local_addr,
            stop: Some(stop_tx),
            runtime: Some(runtime),
            trace,
            #[cfg(feature = "otlp-metrics")]
            metrics,
        })
    }
}

/// Keeps obs running; dropping it stops the endpoints and the health checks.
///
/// ```standalone_crate
/// let guard = obs_runtime::builder!().listen("127.0.0.1:0").without_health_checks().init().unwrap();
/// let addr = guard.local_addr().unwrap();
/// assert!(std::net::TcpStream::connect(addr).is_ok());
/// drop(guard); // stops the endpoints
/// assert!(std::net::TcpStream::connect(addr).is_err());
/// ```
#[must_use = "obs stops when the guard is dropped"]
pub struct Guard {
    settings: Settings,
    local_addr: Option<SocketAddr>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    runtime: Option<tokio::runtime::Runtime>,
    trace: Option<crate::trace::TraceGuard>,
    #[cfg(feature = "otlp-metrics")]
    metrics: Option<crate::MetricsGuard>,
}

impl Guard {
    /// Pushes the metrics now over OTLP and waits for the outcome; `None` when no OTLP metrics exporter runs.
    ///
    /// ```standalone_crate
    /// let obs = obs_runtime::builder!().without_server().without_health_checks().init().unwrap();
    /// assert!(obs.flush_metrics().is_none()); // no metrics endpoint set
    /// ```
    #[cfg(feature = "otlp-metrics")]
    pub fn flush_metrics(&self) -> Option<Result<(), crate::ExportError>> {
        self.metrics.as_ref().map(crate::MetricsGuard::flush)
    }
    /// The address the endpoints listen on (useful with port 0).
    ///
    /// ```standalone_crate
    /// let obs = obs_runtime::builder!().listen("127.0.0.1:0").without_health_checks().init().unwrap();
    /// assert_ne!(obs.local_addr().unwrap().port(), 0); // the port the OS picked
    /// ```
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }
    /// The settings in force.
    ///
    /// ```standalone_crate
    /// let obs = obs_runtime::builder!().without_server().without_health_checks().init().unwrap();
    /// assert_eq!(obs.settings().listen, None);
    /// ```
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
    /// Exports the spans recorded so far now, rather than at the next batch.
    ///
    /// ```standalone_crate
    /// let obs = obs_runtime::builder!().without_server().without_health_checks().init().unwrap();
    /// obs.flush(); // no trace pipeline here: nothing to export
    /// ```
    pub fn flush(&self) {
        if let Some(t) = &self.trace {
            t.flush();
        }
    }
    /// A handle to obs' background runtime, to run a health check now or spawn work beside it.
    ///
    /// ```standalone_crate
    /// let obs = obs_runtime::builder!().without_server().without_health_checks().init().unwrap();
    /// let rt = obs.handle().unwrap();
    /// assert_eq!(rt.block_on(rt.spawn(async { 1 + 1 })).unwrap(), 2);
    /// ```
    pub fn handle(&self) -> Option<tokio::runtime::Handle> {
        self.runtime.as_ref().map(|r| r.handle().clone())
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // One deadline for the whole drop, so stopping the runtime first does not add to the export timeout.
        let deadline = self.trace.as_ref().map(crate::trace::TraceGuard::deadline_from_now);
        // The last metrics push starts now and runs beside the rest, within its own export timeout.
        #[cfg(feature = "otlp-metrics")]
        let metrics_deadline = self.metrics.as_ref().map(|m| {
            let d = m.deadline_from_now();
            m.begin_shutdown(d);
            d
        });
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(rt) = self.runtime.take() {
            // Blocking is not allowed inside an async context, where dropping a runtime would panic.
            if tokio::runtime::Handle::try_current().is_ok() {
                rt.shutdown_background();
            } else {
                let left = deadline.map_or(RUNTIME_SHUTDOWN, |d| d.saturating_duration_since(Instant::now()));
                rt.shutdown_timeout(left.min(RUNTIME_SHUTDOWN));
            }
        }
        // Last: spans recorded while the server stopped are flushed too.
        if let (Some(mut trace), Some(deadline)) = (self.trace.take(), deadline) {
            trace.shutdown_by(deadline);
        }
        #[cfg(feature = "otlp-metrics")]
        if let (Some(mut metrics), Some(deadline)) = (self.metrics.take(), metrics_deadline) {
            metrics.finish_shutdown(deadline);
        }
    }
}

/// Settings for `init`, with the calling crate's name and version as service defaults.
///
/// ```
/// let builder = obs_runtime::builder!().listen("127.0.0.1:0");
/// assert_eq!(builder.settings().unwrap().service_name, "obs-runtime");
/// ```
#[macro_export]
macro_rules! builder {
    () => {
        $crate::Builder::new($crate::crate_info!())
    };
}

/// Starts obs with the default settings and the standard environment variables: `let _obs = obs::init!()?;`.
///
/// ```no_run
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let _obs = obs_runtime::init!()?;
///     // ... serve ...
///     Ok(())
/// }
/// ```
#[macro_export]
macro_rules! init {
    () => {
        $crate::builder!().init()
    };
}
