//! Settings of `obs::init`: explicit builder values first, then the standard environment variables, then defaults.

use crate::desc::CrateInfo;
use crate::otel_env::{err, lookup, ConfigError, Env, ExporterEnv, MetricsExporters, OtelEnv, Signal, WriteStrategy};
use std::net::{SocketAddr, ToSocketAddrs};

/// Where the endpoints are served without `.listen(..)` or `OTEL_EXPORTER_PROMETHEUS_HOST`, as the OpenTelemetry
/// Prometheus exporter specifies.
///
/// ```
/// assert_eq!(obs_runtime::DEFAULT_LISTEN_HOST, "localhost");
/// ```
pub const DEFAULT_LISTEN_HOST: &str = "localhost";
/// The port the endpoints are served on without `.listen(..)` or `OTEL_EXPORTER_PROMETHEUS_PORT`.
///
/// ```
/// assert_eq!(obs_runtime::DEFAULT_LISTEN_PORT, 9464);
/// ```
pub const DEFAULT_LISTEN_PORT: u16 = 9464;

/// The resolved settings of the runtime.
///
/// ```
/// let settings = obs_runtime::builder!()
///     .service_name("checkout")
///     .listen("127.0.0.1:0")
///     .without_health_checks()
///     .settings()
///     .unwrap();
/// assert_eq!(settings.service_name, "checkout");
/// assert_eq!(settings.listen.unwrap().port(), 0);
/// assert!(!settings.health_checks);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `service.name`.
    pub service_name: String,
    /// `service.version`.
    pub service_version: String,
    /// The VCS commit of the build, for `build_info`.
    pub commit: String,
    /// Resource attributes from `OTEL_RESOURCE_ATTRIBUTES`, in order.
    pub resource_attributes: Vec<(String, String)>,
    /// Where the HTTP endpoints listen; `None` when the server is off.
    pub listen: Option<SocketAddr>,
    /// The bearer token every endpoint requires, if any.
    pub bearer_token: Option<String>,
    /// `OTEL_SDK_DISABLED=true`: start with every hot path switched off.
    pub sdk_disabled: bool,
    /// Whether `#[health_check]`s run in the background.
    pub health_checks: bool,
    /// Where metrics go: `/metrics` for Prometheus, OTLP pushes, both or neither (`OTEL_METRICS_EXPORTER`).
    pub metrics_exporters: MetricsExporters,
    /// The write strategy `OBS_WRITE_STRATEGY` forces; `None` when it is unset or `auto` (timed at the first
    /// write). The process' strategy itself is [`write_strategy`](crate::write_strategy).
    pub write_strategy: Option<WriteStrategy>,
}

/// Explicit settings, each overriding its environment variable.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overrides {
    pub(crate) service_name: Option<String>,
    pub(crate) service_version: Option<String>,
    pub(crate) commit: Option<String>,
    pub(crate) listen: Option<String>,
    pub(crate) bearer_token: Option<String>,
    pub(crate) serve: Option<bool>,
    pub(crate) health_checks: Option<bool>,
    pub(crate) metrics_exporters: Option<MetricsExporters>,
    /// A metrics endpoint was set on the builder.
    pub(crate) metrics_endpoint: bool,
}

pub(crate) fn resolve(krate: CrateInfo, o: &Overrides, get: Env<'_>) -> Result<Settings, ConfigError> {
    let otel = OtelEnv::read(get)?;
    let env = |k: &str| lookup(get, k);
    let service_name = o
        .service_name
        .clone()
        .or_else(|| otel.service_name.clone())
        .or_else(|| otel.attribute("service.name").map(str::to_owned))
        .unwrap_or_else(|| if krate.name.is_empty() { "unknown_service".to_owned() } else { krate.name.to_owned() });
    let service_version = o
        .service_version
        .clone()
        .or_else(|| otel.attribute("service.version").map(str::to_owned))
        .unwrap_or_else(|| krate.version.to_owned());
    let commit = o.commit.clone().or_else(|| env("OBS_BUILD_COMMIT")).unwrap_or_else(|| "unknown".to_owned());
    let OtelEnv { resource_attributes, sdk_disabled, .. } = otel;
    let metrics_exporters = match o.metrics_exporters {
        Some(m) => m,
        None => match env("OTEL_METRICS_EXPORTER") {
            Some(v) => MetricsExporters::parse(&v)?,
            // The default: scraped, and pushed too once there is somewhere to push to.
            None => MetricsExporters {
                prometheus: true,
                otlp: o.metrics_endpoint || ExporterEnv::read(get, Signal::Metrics)?.endpoint.is_some(),
            },
        },
    };
    let listen = if o.serve == Some(false) {
        None
    } else {
        let (addr, var) = match &o.listen {
            Some(a) => (a.clone(), "listen"),
            None => {
                let host = env("OTEL_EXPORTER_PROMETHEUS_HOST").unwrap_or_else(|| DEFAULT_LISTEN_HOST.to_owned());
                let port = env("OTEL_EXPORTER_PROMETHEUS_PORT").unwrap_or_else(|| DEFAULT_LISTEN_PORT.to_string());
                port.trim()
                    .parse::<u16>()
                    .map_err(|_| err("OTEL_EXPORTER_PROMETHEUS_PORT", &port, "is not a port number (0-65535)"))?;
                let host = if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host };
                (format!("{host}:{}", port.trim()), "OTEL_EXPORTER_PROMETHEUS_HOST")
            }
        };
        let resolved = addr
            .to_socket_addrs()
            .map_err(|e| err(var, &addr, format!("cannot be resolved: {e}")))?
            .next()
            .ok_or_else(|| err(var, &addr, "resolves to no address"))?;
        Some(resolved)
    };
    let bearer_token = o.bearer_token.clone().or_else(|| env("OBS_BEARER_TOKEN")).filter(|t| !t.is_empty());
    let write_strategy = crate::slots::forced(get)?;
    Ok(Settings {
        service_name,
        service_version,
        commit,
        resource_attributes,
        listen,
        bearer_token,
        sdk_disabled,
        health_checks: o.health_checks.unwrap_or(true),
        metrics_exporters,
        write_strategy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn krate() -> CrateInfo {
        CrateInfo { name: "shop", version: "1.2.3", ident: "shop" }
    }

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn a_bad_write_strategy_fails_the_settings_naming_the_variable() {
        let e = resolve(krate(), &Overrides::default(), &env_of(&[("OBS_WRITE_STRATEGY", "lockfree")])).unwrap_err();
        assert_eq!((e.variable, e.value.as_str()), ("OBS_WRITE_STRATEGY", "lockfree"));
        let s = resolve(krate(), &Overrides::default(), &env_of(&[("OBS_WRITE_STRATEGY", "atomic")])).unwrap();
        assert_eq!(s.write_strategy, Some(WriteStrategy::Atomic));
        let s = resolve(krate(), &Overrides::default(), &env_of(&[("OBS_WRITE_STRATEGY", "auto")])).unwrap();
        assert_eq!(s.write_strategy, None);
    }

    #[test]
    fn defaults_come_from_the_crate_and_port_9464() {
        let s = resolve(krate(), &Overrides::default(), &env_of(&[])).unwrap();
        assert_eq!((s.service_name.as_str(), s.service_version.as_str()), ("shop", "1.2.3"));
        assert_eq!(s.listen.unwrap().port(), 9464);
        assert!(!s.sdk_disabled);
        assert_eq!(s.metrics_exporters, MetricsExporters::PROMETHEUS);
    }

    #[test]
    fn metrics_go_to_prometheus_and_to_otlp_once_an_endpoint_is_set() {
        let s = resolve(krate(), &Overrides::default(), &env_of(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")]));
        assert_eq!(s.unwrap().metrics_exporters, MetricsExporters { otlp: true, prometheus: true });
        let s = resolve(krate(), &Overrides::default(), &env_of(&[("OTEL_METRICS_EXPORTER", "otlp")]));
        assert_eq!(s.unwrap().metrics_exporters, MetricsExporters::OTLP);
        let env = env_of(&[("OTEL_METRICS_EXPORTER", "prometheus"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")]);
        assert_eq!(
            resolve(krate(), &Overrides::default(), &env).unwrap().metrics_exporters,
            MetricsExporters::PROMETHEUS
        );
        let o = Overrides { metrics_exporters: Some(MetricsExporters::NONE), ..Default::default() };
        assert_eq!(resolve(krate(), &o, &env).unwrap().metrics_exporters, MetricsExporters::NONE);
        let e =
            resolve(krate(), &Overrides::default(), &env_of(&[("OTEL_METRICS_EXPORTER", "otlp,jaeger")])).unwrap_err();
        assert_eq!((e.variable, e.value.as_str()), ("OTEL_METRICS_EXPORTER", "jaeger"));
    }

    #[test]
    fn environment_variables_apply_and_explicit_settings_win() {
        let env = env_of(&[
            ("OTEL_SERVICE_NAME", "checkout"),
            ("OTEL_RESOURCE_ATTRIBUTES", "service.version=9.9,deployment.environment=prod%20eu"),
            ("OTEL_EXPORTER_PROMETHEUS_HOST", "127.0.0.1"),
            ("OTEL_EXPORTER_PROMETHEUS_PORT", "0"),
            ("OTEL_SDK_DISABLED", "TRUE"),
        ]);
        let s = resolve(krate(), &Overrides::default(), &env).unwrap();
        assert_eq!(s.service_name, "checkout");
        assert_eq!(s.service_version, "9.9");
        assert_eq!(s.resource_attributes[1], ("deployment.environment".to_owned(), "prod eu".to_owned()));
        assert_eq!(s.listen.unwrap().to_string(), "127.0.0.1:0");
        assert!(s.sdk_disabled);
        let o = Overrides { service_name: Some("explicit".into()), ..Default::default() };
        assert_eq!(resolve(krate(), &o, &env).unwrap().service_name, "explicit");
    }

    #[test]
    fn invalid_values_name_their_variable() {
        let e =
            resolve(krate(), &Overrides::default(), &env_of(&[("OTEL_EXPORTER_PROMETHEUS_PORT", "http")])).unwrap_err();
        assert_eq!(e.variable, "OTEL_EXPORTER_PROMETHEUS_PORT");
        assert_eq!(e.to_string(), "OTEL_EXPORTER_PROMETHEUS_PORT: `http` is not a port number (0-65535)");
        let e = resolve(krate(), &Overrides::default(), &env_of(&[("OTEL_SDK_DISABLED", "yes")])).unwrap_err();
        assert_eq!(e.variable, "OTEL_SDK_DISABLED");
        let e =
            resolve(krate(), &Overrides::default(), &env_of(&[("OTEL_RESOURCE_ATTRIBUTES", "novalue")])).unwrap_err();
        assert_eq!(e.variable, "OTEL_RESOURCE_ATTRIBUTES");
    }

    /// The shared variables, bad: `init`'s settings (the metrics side) and the span pipeline refuse them with the
    /// same variable, value and message; the exporter variables, bad: the trace and metrics exporters do.
    #[test]
    #[cfg(all(feature = "otlp", feature = "otlp-metrics"))]
    fn both_signals_see_the_same_error_for_the_same_bad_value() {
        use crate::trace::{TraceError, TracePipeline};
        use crate::MetricsExporter;
        let krate = crate::CrateInfo { name: "shop", version: "1.0.0", ident: "shop" };
        let shared: &[(&str, &str, &str)] = &[
            ("OTEL_RESOURCE_ATTRIBUTES", "team=a%2", "team=a%2"),
            ("OTEL_RESOURCE_ATTRIBUTES", "team=ok,%zz=1,x", "x"),
            ("OTEL_RESOURCE_ATTRIBUTES", "region=100%", "region=100%"),
            ("OTEL_RESOURCE_ATTRIBUTES", "=v", "=v"),
            ("OTEL_SDK_DISABLED", "yes", "yes"),
        ];
        for &(var, value, shown) in shared {
            let env = move |k: &str| (k == var).then(|| value.to_owned());
            let settings = resolve(krate, &Overrides::default(), &env).unwrap_err();
            let traces = TracePipeline::from_lookup(env).unwrap_err();
            assert_eq!(MetricsExporter::from_lookup(env).unwrap_err(), settings);
            assert_eq!((settings.variable, settings.value.as_str()), (var, shown));
            assert_eq!(TraceError::from(settings.clone()), traces);
            assert_eq!(settings.to_string(), traces.to_string());
        }
        let exporter: &[(&str, &str)] = &[
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "10s"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "0"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "-5"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=%G1"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "api-key"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318"),
        ];
        for &(var, value) in exporter {
            let env = move |k: &str| (k == var).then(|| value.to_owned());
            let metrics = MetricsExporter::from_lookup(env).unwrap_err();
            let traces = TracePipeline::from_lookup(env).unwrap_err();
            assert_eq!(metrics.variable, var);
            assert_eq!(TraceError::from(metrics), traces);
        }
    }
}
