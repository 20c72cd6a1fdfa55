//! `obs::init!()`: one call in `main` starts the endpoints and the health checks, and returns a guard that stops
//! them (and flushes) when dropped.

use crate::catalog::{catalog, CatalogErrors};
use crate::config::{self, Overrides, Settings};
use crate::desc::CrateInfo;
use crate::otel_env::ConfigError;
use obs_macros::{metric, Labels};
use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The longest the guard waits for the endpoints' and checks' tasks to stop.
const RUNTIME_SHUTDOWN: Duration = Duration::from_secs(2);

#[derive(Labels)]
struct BuildLabels {
    service: String,
    version: String,
    commit: String,
}

/// The running build: service, version and commit, with value 1.
#[metric(info, labels = BuildLabels, name = "build_info", namespace = "")]
struct BuildInfo;

/// Why `init` failed.
///
/// ```
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
/// ```
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
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("krate", &self.krate)
            .field("overrides", &self.o)
            .field("trace", &self.trace.as_ref().map(|_| "explicit pipeline"))
            .finish()
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
        Builder { krate, o: Overrides::default(), trace: None }
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
    /// ```
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
    /// ```
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
    /// ```
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
        let pipeline = match self.trace {
            Some(p) => Some(p),
            None => {
                let p = crate::trace::TracePipeline::from_env().map_err(InitError::Trace)?;
                // Without an endpoint there is nowhere to send spans: `#[traced]` records its metrics only.
                p.otlp_endpoint().is_some().then(|| {
                    p.service_name(settings.service_name.clone())
                        .resource_attribute("service.version", settings.service_version.clone())
                })
            }
        };
        let trace = match pipeline {
            Some(p) => Some(p.disabled(settings.sdk_disabled).install().map_err(InitError::Trace)?),
            None => None,
        };
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
            let app = crate::server::router(settings.bearer_token.as_deref());
            let _enter = runtime.enter();
            let listener =
                tokio::net::TcpListener::from_std(std_listener).map_err(|source| InitError::Bind { addr, source })?;
            runtime.spawn(crate::server::serve(listener, app, stop_rx));
        }
        if settings.health_checks {
            crate::health::runner::spawn_all(runtime.handle(), catalog().health_check_entries());
        }
        Ok(Guard { settings, local_addr, stop: Some(stop_tx), runtime: Some(runtime), trace })
    }
}

/// Keeps obs running; dropping it stops the endpoints and the health checks.
///
/// ```
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
}

impl Guard {
    /// The address the endpoints listen on (useful with port 0).
    ///
    /// ```
    /// let obs = obs_runtime::builder!().listen("127.0.0.1:0").without_health_checks().init().unwrap();
    /// assert_ne!(obs.local_addr().unwrap().port(), 0); // the port the OS picked
    /// ```
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }
    /// The settings in force.
    ///
    /// ```
    /// let obs = obs_runtime::builder!().without_server().without_health_checks().init().unwrap();
    /// assert_eq!(obs.settings().listen, None);
    /// ```
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
    /// Exports the spans recorded so far now, rather than at the next batch.
    ///
    /// ```
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
    /// ```
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
