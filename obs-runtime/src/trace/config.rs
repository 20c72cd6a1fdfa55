//! The span pipeline's settings: the builder, what the `OTEL_*` variables say, and the error a bad setting is.
//! Nothing here runs anything; [`install`](TracePipeline::install) (in `pipeline.rs`) wires it up.

use super::sampler::Sampler;
use super::sink::{Resource, SpanSink};
pub use crate::otel_env::Protocol;
use crate::otel_env::{err, lookup, Compression, ConfigError, ExporterEnv, OtelEnv, Signal};
use std::fmt;
use std::time::Duration;

/// Why the span pipeline was not set up: a bad setting, reported as every signal reports one (the one
/// [`ConfigError`], naming the variable or builder option), or a failure to start.
///
/// ```
/// use obs_runtime::trace::{TraceError, TracePipeline};
/// let err = TracePipeline::from_lookup(|k| (k == "OTEL_SDK_DISABLED").then(|| "maybe".to_string())).unwrap_err();
/// assert_eq!(err.variable(), Some("OTEL_SDK_DISABLED"));
/// assert!(matches!(&err, TraceError::Config(e) if e.value == "maybe"));
/// assert!(err.to_string().starts_with("OTEL_SDK_DISABLED: `maybe` "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceError {
    /// A bad setting.
    Config(ConfigError),
    /// The pipeline could not start: one is installed already, or a thread could not be spawned.
    Start(String),
}

impl TraceError {
    /// The variable or builder option at fault, for a bad setting.
    ///
    /// ```
    /// let e = obs_runtime::trace::TraceError::Start("no threads".into());
    /// assert_eq!(e.variable(), None);
    /// ```
    pub fn variable(&self) -> Option<&'static str> {
        match self {
            TraceError::Config(e) => Some(e.variable),
            TraceError::Start(_) => None,
        }
    }
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::Config(e) => e.fmt(f),
            TraceError::Start(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for TraceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TraceError::Config(e) => Some(e),
            TraceError::Start(_) => None,
        }
    }
}

/// A bad setting, as the one `OTEL_*` parser reports it for every signal.
impl From<ConfigError> for TraceError {
    fn from(e: ConfigError) -> TraceError {
        TraceError::Config(e)
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
    pub(super) resource: Resource,
    pub(super) endpoint: Option<String>,
    pub(super) protocol: Protocol,
    pub(super) sampler: Sampler,
    pub(super) disabled: bool,
    pub(super) interval: Duration,
    pub(super) max_batch: usize,
    pub(super) timeout: Duration,
    pub(super) headers: Vec<(String, String)>,
    pub(super) compression: Compression,
    pub(super) sinks: Vec<Box<dyn SpanSink>>,
    /// The recorder's settings as given so far, in whatever order: its age and byte bounds are set by
    /// [`flight_recorder`](Self::flight_recorder), which turns it on.
    #[cfg(feature = "flight")]
    flight: super::flight::FlightSettings,
    #[cfg(feature = "flight")]
    flight_on: bool,
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
            #[cfg(feature = "flight")]
            flight: super::flight::FlightSettings::new(Duration::ZERO, 0),
            #[cfg(feature = "flight")]
            flight_on: false,
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
        #[cfg(feature = "flight")]
        {
            let dir = lookup(get, "OBS_FLIGHT_RECORDER_DIR");
            match (lookup(get, "OBS_FLIGHT_RECORDER"), dir) {
                (Some(v), dir) => {
                    let f = super::flight::FlightSettings::parse(&v)?;
                    p = p.flight_recorder(f.max_age, f.max_bytes);
                    p.flight.dir = dir.map(std::path::PathBuf::from);
                }
                // A directory for dumps of a recorder that is off would never receive one: say so.
                (None, Some(dir)) => {
                    return Err(err(
                        "OBS_FLIGHT_RECORDER_DIR",
                        &dir,
                        "is set, but the recorder is off; turn it on with OBS_FLIGHT_RECORDER=<max_age>,<max_bytes> \
                         (e.g. 60s,32MiB), or unset OBS_FLIGHT_RECORDER_DIR",
                    ))
                }
                (None, None) => {}
            }
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
    /// Turns the flight recorder on (feature `flight`): every traced call of the last `max_age` is kept, whether
    /// or not the sampler keeps it, within `max_bytes` of memory; see [`flight`](super::flight). The variable
    /// `OBS_FLIGHT_RECORDER=60s,32MiB` does the same.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = obs_runtime::trace::TracePipeline::builder().flight_recorder(Duration::from_secs(60), 32 << 20);
    /// assert_eq!(p.flight_settings().unwrap().max_bytes, 32 << 20);
    /// ```
    #[cfg(feature = "flight")]
    pub fn flight_recorder(mut self, max_age: Duration, max_bytes: u64) -> Self {
        // A directory or limits set before (by a call or the environment) are kept.
        (self.flight.max_age, self.flight.max_bytes, self.flight_on) = (max_age, max_bytes, true);
        self
    }
    /// Where the flight recorder writes its automatic dumps (a traced call panicked), as
    /// `OBS_FLIGHT_RECORDER_DIR` says; it takes effect with [`flight_recorder`](Self::flight_recorder), called
    /// before or after.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = obs_runtime::trace::TracePipeline::builder()
    ///     .flight_recorder_dir("/var/tmp/flight")
    ///     .flight_recorder(Duration::from_secs(60), 32 << 20);
    /// assert_eq!(p.flight_settings().unwrap().dir.as_deref(), Some(std::path::Path::new("/var/tmp/flight")));
    /// ```
    #[cfg(feature = "flight")]
    pub fn flight_recorder_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.flight.dir = Some(dir.into());
        self
    }
    /// The shortest time between two automatic dumps (default one minute), and how many dump files to keep.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = obs_runtime::trace::TracePipeline::builder()
    ///     .flight_recorder(Duration::from_secs(60), 32 << 20)
    ///     .flight_dump_limits(Duration::from_secs(5), 3);
    /// assert_eq!(p.flight_settings().unwrap().keep_files, 3);
    /// ```
    #[cfg(feature = "flight")]
    pub fn flight_dump_limits(mut self, min_interval: Duration, keep_files: usize) -> Self {
        (self.flight.min_dump_interval, self.flight.keep_files) = (min_interval, keep_files.max(1));
        self
    }
    /// The flight recorder's settings, when it is on.
    ///
    /// ```
    /// assert!(obs_runtime::trace::TracePipeline::builder().flight_settings().is_none());
    /// ```
    #[cfg(feature = "flight")]
    pub fn flight_settings(&self) -> Option<&super::flight::FlightSettings> {
        self.flight_on.then_some(&self.flight)
    }
    /// Whether the flight recorder is on (never without feature `flight`).
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn records_flight(&self) -> bool {
        #[cfg(feature = "flight")]
        return self.flight_on;
        #[cfg(not(feature = "flight"))]
        false
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
}
