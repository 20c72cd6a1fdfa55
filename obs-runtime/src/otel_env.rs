//! The `OTEL_*` environment variables, parsed once for every signal: the resource (`OTEL_SERVICE_NAME`,
//! `OTEL_RESOURCE_ATTRIBUTES`), `OTEL_SDK_DISABLED`, and each signal's OTLP exporter settings (endpoint,
//! protocol, headers, timeout, compression), with the signal-specific variable winning over the general one as
//! the OpenTelemetry specification says. `init`'s settings, the span pipeline and the metrics exporter all read
//! them through [`OtelEnv`], so a bad value is the same [`ConfigError`] whichever signal reads it.
//!
//! An empty value is the same as an unset variable (the specification's rule).

use std::fmt;
use std::time::Duration;

/// A setting that could not be used: the variable (or builder option), the value given and what is wrong with it.
///
/// ```
/// let err = obs_runtime::parse_resource_attributes("novalue").unwrap_err();
/// assert_eq!(err.variable, "OTEL_RESOURCE_ATTRIBUTES");
/// assert_eq!(err.value, "novalue");
/// assert_eq!(err.to_string(), "OTEL_RESOURCE_ATTRIBUTES: `novalue` is not `key=value`");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The variable or builder option at fault.
    pub variable: &'static str,
    /// The value that was refused (the offending part of it, for a list).
    pub value: String,
    /// What is wrong with it, and what to write instead.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: `{}` {}", self.variable, self.value, self.message)
    }
}

impl std::error::Error for ConfigError {}

pub(crate) fn err(variable: &'static str, value: &str, message: impl Into<String>) -> ConfigError {
    ConfigError { variable, value: value.to_owned(), message: message.into() }
}

/// Reads an environment variable through a lookup function, so tests can supply their own environment.
pub(crate) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment.
pub(crate) fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

/// Decodes `%XX` escapes; `None` on a `%` not followed by two hex digits, or on bytes that are not UTF-8.
///
/// ```
/// assert_eq!(obs_runtime::percent_decode("prod%20eu").as_deref(), Some("prod eu"));
/// assert_eq!(obs_runtime::percent_decode("100%"), None);
/// assert_eq!(obs_runtime::percent_decode("%zz"), None);
/// ```
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).filter(|h| h.iter().all(u8::is_ascii_hexdigit))?;
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Parses a W3C-baggage-style list, `key=value` pairs separated by commas with percent-encoded values: the
/// grammar of `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS`.
pub(crate) fn parse_pairs(variable: &'static str, raw: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let mut out = Vec::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').ok_or_else(|| err(variable, pair, "is not `key=value`"))?;
        let k = k.trim();
        if k.is_empty() {
            return Err(err(variable, pair, "has an empty key; write `key=value`"));
        }
        let v = percent_decode(v.trim())
            .ok_or_else(|| err(variable, pair, "has a bad percent-escape; write `%` as `%25`, a byte as `%XX`"))?;
        out.push((k.to_owned(), v));
    }
    Ok(out)
}

/// Parses `OTEL_RESOURCE_ATTRIBUTES`: `key=value` pairs separated by commas, values percent-decoded.
///
/// ```
/// let attrs = obs_runtime::parse_resource_attributes("deployment.environment=prod%20eu, team=payments").unwrap();
/// assert_eq!(attrs[0], ("deployment.environment".to_owned(), "prod eu".to_owned()));
/// assert_eq!(attrs[1], ("team".to_owned(), "payments".to_owned()));
/// ```
pub fn parse_resource_attributes(raw: &str) -> Result<Vec<(String, String)>, ConfigError> {
    parse_pairs("OTEL_RESOURCE_ATTRIBUTES", raw)
}

pub(crate) fn parse_bool(variable: &'static str, v: &str) -> Result<bool, ConfigError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(err(variable, v, "is not `true` or `false`")),
    }
}

/// A duration in milliseconds, as every OpenTelemetry timeout and interval variable gives it.
pub(crate) fn parse_millis(variable: &'static str, v: &str) -> Result<Duration, ConfigError> {
    match v.trim().parse::<u64>() {
        Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
        _ => Err(err(variable, v, "is not a positive number of milliseconds; write e.g. `10000` for 10 s")),
    }
}

/// Parses a duration written with its unit: `500ms`, `30s`, `5m`, `1h` (a whole number, or a decimal one such as
/// `1.5s`). obs' own variables (`OBS_FLIGHT_RECORDER`) and `obs-replay`'s options take this form.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(obs_runtime::parse_duration("OBS_X", "60s").unwrap(), Duration::from_secs(60));
/// assert_eq!(obs_runtime::parse_duration("OBS_X", "1.5m").unwrap(), Duration::from_secs(90));
/// assert_eq!(obs_runtime::parse_duration("OBS_X", "250ms").unwrap(), Duration::from_millis(250));
/// let e = obs_runtime::parse_duration("OBS_X", "60").unwrap_err();
/// assert_eq!((e.variable, e.value.as_str()), ("OBS_X", "60"));
/// ```
pub fn parse_duration(variable: &'static str, v: &str) -> Result<Duration, ConfigError> {
    let t = v.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let scale = match unit.trim() {
        "ns" => 1e-9,
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(err(variable, v, "is not a duration; write a number and a unit, e.g. `60s`, `500ms`, `5m`")),
    };
    match num.parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 && n * scale < 1e12 => Ok(Duration::from_secs_f64(n * scale)),
        _ => Err(err(variable, v, "is not a duration; write a number and a unit, e.g. `60s`, `500ms`, `5m`")),
    }
}

/// Parses a size in bytes: a whole number with an optional unit, `B`, `KB`/`MB`/`GB` (powers of 1000) or
/// `KiB`/`MiB`/`GiB` (powers of 1024).
///
/// ```
/// assert_eq!(obs_runtime::parse_bytes("OBS_X", "32MiB").unwrap(), 32 << 20);
/// assert_eq!(obs_runtime::parse_bytes("OBS_X", "5MB").unwrap(), 5_000_000);
/// assert_eq!(obs_runtime::parse_bytes("OBS_X", "4096").unwrap(), 4096);
/// assert!(obs_runtime::parse_bytes("OBS_X", "lots").is_err());
/// ```
pub fn parse_bytes(variable: &'static str, v: &str) -> Result<u64, ConfigError> {
    let t = v.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let scale: u64 = match unit.trim() {
        "" | "B" => 1,
        "KB" | "kB" => 1000,
        "MB" => 1000 * 1000,
        "GB" => 1000 * 1000 * 1000,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return Err(err(variable, v, "is not a size; write e.g. `32MiB`, `500KB` or a number of bytes")),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| err(variable, v, "is not a size; write e.g. `32MiB`, `500KB` or a number of bytes"))
}

/// The OTLP transport.
///
/// ```
/// use obs_runtime::trace::{Protocol, TracePipeline};
/// let p = TracePipeline::builder().endpoint("http://127.0.0.1:4317").protocol(Protocol::Grpc);
/// assert!(format!("{p:?}").contains("Grpc"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// OTLP/HTTP with protobuf bodies (port 4318, path `/v1/traces` or `/v1/metrics`).
    HttpProtobuf,
    /// OTLP/gRPC (port 4317).
    Grpc,
}

/// How OTLP bodies are compressed (`OTEL_EXPORTER_OTLP_COMPRESSION`).
///
/// ```
/// assert_eq!(obs_runtime::Compression::default(), obs_runtime::Compression::None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// Uncompressed.
    #[default]
    None,
    /// gzip.
    Gzip,
}

/// Where metrics go (`OTEL_METRICS_EXPORTER`): the Prometheus endpoint, OTLP pushes, both, or neither.
///
/// Unset, the Prometheus endpoint is served and OTLP pushes start when a metrics endpoint is set
/// (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`), as the quickstart expects.
///
/// ```
/// use obs_runtime::MetricsExporters;
/// assert_eq!(MetricsExporters::parse("otlp,prometheus").unwrap(), MetricsExporters { otlp: true, prometheus: true });
/// assert_eq!(MetricsExporters::parse("none").unwrap(), MetricsExporters::NONE);
/// assert_eq!(MetricsExporters::parse("statsd").unwrap_err().value, "statsd");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricsExporters {
    /// Periodic OTLP pushes.
    pub otlp: bool,
    /// `/metrics`, for Prometheus to scrape.
    pub prometheus: bool,
}

impl MetricsExporters {
    /// Neither: metrics are kept (and readable with [`snapshot`](crate::snapshot)) but not exported.
    pub const NONE: MetricsExporters = MetricsExporters { otlp: false, prometheus: false };
    /// OTLP pushes only.
    pub const OTLP: MetricsExporters = MetricsExporters { otlp: true, prometheus: false };
    /// The Prometheus endpoint only.
    pub const PROMETHEUS: MetricsExporters = MetricsExporters { otlp: false, prometheus: true };

    /// Parses `OTEL_METRICS_EXPORTER`'s comma-separated list of `otlp`, `prometheus` and `none`.
    pub fn parse(raw: &str) -> Result<MetricsExporters, ConfigError> {
        let mut out = MetricsExporters::NONE;
        for name in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match name {
                "otlp" => out.otlp = true,
                "prometheus" => out.prometheus = true,
                "none" => {}
                _ => {
                    return Err(err(
                        "OTEL_METRICS_EXPORTER",
                        name,
                        "is not supported; use `otlp`, `prometheus`, `none` or a list such as `otlp,prometheus`",
                    ))
                }
            }
        }
        Ok(out)
    }
}

/// How a metric write reaches its cell, chosen once per process (see [`write_strategy`](crate::write_strategy)).
///
/// ```
/// use obs_runtime::WriteStrategy;
/// assert_eq!(WriteStrategy::parse("atomic").unwrap(), Some(WriteStrategy::Atomic));
/// assert_eq!(WriteStrategy::parse("auto").unwrap(), None);
/// assert_eq!(WriteStrategy::parse("fast").unwrap_err().variable, "OBS_WRITE_STRATEGY");
/// assert_eq!(WriteStrategy::Slot.as_str(), "slot");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteStrategy {
    /// Each thread owns a slot (a row of every counter and histogram) and writes it with a plain load and store;
    /// threads beyond the slot count share an atomic row.
    Slot,
    /// Every thread adds with one `fetch_add` to one shared row.
    Atomic,
}

impl WriteStrategy {
    /// Parses `OBS_WRITE_STRATEGY`: `slot`, `atomic`, or `auto` (`None`: timed at the first write).
    pub fn parse(raw: &str) -> Result<Option<WriteStrategy>, ConfigError> {
        match raw.trim() {
            "slot" => Ok(Some(WriteStrategy::Slot)),
            "atomic" => Ok(Some(WriteStrategy::Atomic)),
            "auto" | "" => Ok(None),
            other => Err(err("OBS_WRITE_STRATEGY", other, "is not a write strategy; use `slot`, `atomic` or `auto`")),
        }
    }

    /// The name `OBS_WRITE_STRATEGY` takes for it.
    pub fn as_str(self) -> &'static str {
        match self {
            WriteStrategy::Slot => "slot",
            WriteStrategy::Atomic => "atomic",
        }
    }
}

/// The signal an exporter carries; it picks the signal-specific variables and the HTTP path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    Traces,
    Metrics,
}

impl Signal {
    /// The variable for `setting` of this signal: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` for `ENDPOINT`.
    fn var(self, setting: &str) -> &'static str {
        macro_rules! table {
            ($($s:literal),*) => {
                match (self, setting) {
                    $((Signal::Traces, $s) => concat!("OTEL_EXPORTER_OTLP_TRACES_", $s),
                      (Signal::Metrics, $s) => concat!("OTEL_EXPORTER_OTLP_METRICS_", $s),)*
                    _ => unreachable!("no such OTLP setting"),
                }
            };
        }
        table!("ENDPOINT", "PROTOCOL", "HEADERS", "TIMEOUT", "COMPRESSION")
    }

    fn path(self) -> &'static str {
        match self {
            Signal::Traces => "/v1/traces",
            Signal::Metrics => "/v1/metrics",
        }
    }
}

/// One signal's OTLP exporter settings, as the environment gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExporterEnv {
    /// The full URL to send to (the signal path appended to a general HTTP endpoint), with its variable.
    pub(crate) endpoint: Option<(&'static str, String)>,
    pub(crate) protocol: Protocol,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) compression: Compression,
}

/// The `OTEL_*` variables every signal shares, resolved once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OtelEnv {
    /// `OTEL_SERVICE_NAME`.
    pub(crate) service_name: Option<String>,
    /// `OTEL_RESOURCE_ATTRIBUTES`, in order (including any `service.name`).
    pub(crate) resource_attributes: Vec<(String, String)>,
    /// `OTEL_SDK_DISABLED`.
    pub(crate) sdk_disabled: bool,
}

/// `get` with empty values read as unset.
pub(crate) fn lookup(get: Env<'_>, key: &str) -> Option<String> {
    get(key).filter(|v| !v.trim().is_empty())
}

impl OtelEnv {
    pub(crate) fn read(get: Env<'_>) -> Result<OtelEnv, ConfigError> {
        let resource_attributes = match lookup(get, "OTEL_RESOURCE_ATTRIBUTES") {
            Some(raw) => parse_resource_attributes(&raw)?,
            None => Vec::new(),
        };
        let sdk_disabled = match lookup(get, "OTEL_SDK_DISABLED") {
            Some(v) => parse_bool("OTEL_SDK_DISABLED", &v)?,
            None => false,
        };
        Ok(OtelEnv { service_name: lookup(get, "OTEL_SERVICE_NAME"), resource_attributes, sdk_disabled })
    }

    /// The resource attribute `key`, if given.
    pub(crate) fn attribute(&self, key: &str) -> Option<&str> {
        self.resource_attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// The signal-specific variable if set, else the general one: `(variable, value)`.
fn either(get: Env<'_>, signal: Signal, setting: &str) -> Option<(&'static str, String)> {
    let specific = signal.var(setting);
    if let Some(v) = lookup(get, specific) {
        return Some((specific, v));
    }
    let general = match setting {
        "ENDPOINT" => "OTEL_EXPORTER_OTLP_ENDPOINT",
        "PROTOCOL" => "OTEL_EXPORTER_OTLP_PROTOCOL",
        "HEADERS" => "OTEL_EXPORTER_OTLP_HEADERS",
        "TIMEOUT" => "OTEL_EXPORTER_OTLP_TIMEOUT",
        _ => "OTEL_EXPORTER_OTLP_COMPRESSION",
    };
    lookup(get, general).map(|v| (general, v))
}

/// Checks an OTLP endpoint URL.
pub(crate) fn check_url(variable: &'static str, url: &str) -> Result<(), ConfigError> {
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() => Ok(()),
        _ => Err(err(variable, url, "is not an http:// or https:// URL")),
    }
}

impl ExporterEnv {
    pub(crate) fn read(get: Env<'_>, signal: Signal) -> Result<ExporterEnv, ConfigError> {
        let protocol = match either(get, signal, "PROTOCOL") {
            None => Protocol::HttpProtobuf,
            Some((var, v)) => match v.trim() {
                "http/protobuf" => Protocol::HttpProtobuf,
                "grpc" => Protocol::Grpc,
                _ => return Err(err(var, &v, "is not supported; use `http/protobuf` or `grpc`")),
            },
        };
        let endpoint = match either(get, signal, "ENDPOINT") {
            None => None,
            Some((var, v)) => {
                let v = v.trim();
                let url = if var == "OTEL_EXPORTER_OTLP_ENDPOINT" && protocol == Protocol::HttpProtobuf {
                    // The signal path is appended to the base endpoint for HTTP, as the specification says.
                    format!("{}{}", v.trim_end_matches('/'), signal.path())
                } else {
                    v.to_owned()
                };
                check_url(var, v)?;
                Some((var, url))
            }
        };
        let headers = match either(get, signal, "HEADERS") {
            Some((var, v)) => parse_pairs(var, &v)?,
            None => Vec::new(),
        };
        let timeout = either(get, signal, "TIMEOUT").map(|(var, v)| parse_millis(var, &v)).transpose()?;
        let compression = match either(get, signal, "COMPRESSION") {
            None => Compression::None,
            Some((var, v)) => match v.trim() {
                "gzip" => Compression::Gzip,
                "none" => Compression::None,
                _ => return Err(err(var, &v, "is not supported; use `gzip` or `none`")),
            },
        };
        Ok(ExporterEnv { endpoint, protocol, headers, timeout, compression })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn the_decoder_refuses_what_is_not_an_escape() {
        assert_eq!(percent_decode("a%2Cb").as_deref(), Some("a,b"));
        for bad in ["%", "%2", "%g0", "a%2", "%C3"] {
            assert_eq!(percent_decode(bad), None, "{bad}");
        }
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
    }

    #[test]
    fn the_signal_specific_variable_wins_and_http_gets_the_signal_path() {
        let env = env_of(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:4318/custom"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%20b"),
            ("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "2500"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ]);
        let t = ExporterEnv::read(&env, Signal::Traces).unwrap();
        let m = ExporterEnv::read(&env, Signal::Metrics).unwrap();
        assert_eq!(t.endpoint.unwrap().1, "http://traces:4318/custom");
        assert_eq!(m.endpoint.unwrap().1, "http://collector:4318/v1/metrics");
        assert_eq!(m.headers, [("api-key".to_owned(), "a b".to_owned())]);
        assert_eq!((t.timeout, m.timeout), (None, Some(Duration::from_millis(2500))));
        assert_eq!((t.compression, m.compression), (Compression::Gzip, Compression::Gzip));
    }

    #[test]
    fn grpc_keeps_the_endpoint_as_given() {
        let env = env_of(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]);
        let m = ExporterEnv::read(&env, Signal::Metrics).unwrap();
        assert_eq!((m.protocol, m.endpoint.unwrap().1.as_str()), (Protocol::Grpc, "http://c:4317"));
    }

    #[test]
    fn errors_name_the_variable_and_the_value() {
        let cases: &[(&str, &str, &str)] = &[
            ("OTEL_EXPORTER_OTLP_HEADERS", "k=%zz", "k=%zz"),
            ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "novalue", "novalue"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "10s", "10s"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "http/json"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd", "zstd"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318", "collector:4318"),
        ];
        for &(var, value, shown) in cases {
            let env = move |k: &str| (k == var).then(|| value.to_owned());
            let e = ExporterEnv::read(&env, Signal::Metrics).unwrap_err();
            assert_eq!((e.variable, e.value.as_str()), (var, shown));
            assert!(e.to_string().starts_with(&format!("{var}: `{shown}` ")), "{e}");
        }
    }
}
