//! What the generated files are configured with: datasource, job, folder, receivers, timings.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Generation options; every field has a default, and `--config FILE` reads them from YAML (or JSON).
///
/// ```
/// let opts: obs_dashboards::Options = serde_norway::from_str("job: shop\nreceivers:\n  page:\n    webhook_urls: [http://localhost:5001/]\n").unwrap();
/// assert_eq!(opts.job.as_deref(), Some("shop"));
/// assert_eq!(opts.receivers.page.webhook_urls.len(), 1);
/// assert_eq!(opts.datasource_uid, "prometheus");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// The service name; defaults to the crate that declares the most metrics.
    pub service: Option<String>,
    /// The Prometheus `job` label of the service's targets; defaults to the service name.
    pub job: Option<String>,
    /// The uid (or name) of the Prometheus datasource in Grafana.
    pub datasource_uid: String,
    /// The Grafana folder the dashboards are provisioned into.
    pub folder: String,
    /// Prepended to every dashboard title.
    pub title_prefix: String,
    /// Grafana's base URL, for the dashboard links in alert annotations.
    pub grafana_url: String,
    /// Base URL of the runbooks; each alert links to `<base>/<alertname>`.
    pub runbook_url_base: String,
    /// Prometheus' URL, for the provisioned datasource.
    pub prometheus_url: String,
    /// Alertmanager's address (`host:port`), for the scrape config's `alerting` section.
    pub alertmanager_target: String,
    /// The service's scrape target (`host:port`; default where the runtime serves by default, `localhost:9464`).
    pub scrape_target: String,
    /// The path the service exposes metrics on.
    pub metrics_path: String,
    /// Where Grafana finds the dashboard files (the provider's `options.path`).
    pub dashboards_path: String,
    /// Alertmanager receivers, per route.
    pub receivers: Receivers,
    /// Global Slack webhook URL, required when a receiver names a Slack channel.
    pub slack_api_url: Option<String>,
    /// SMTP smarthost (`host:port`) for email receivers.
    pub smtp_smarthost: String,
    /// Sender address of alert emails.
    pub email_from: String,
    /// Divides every alerting duration (`for`, burn-rate windows, rate windows, Alertmanager intervals, the
    /// scrape interval) by this factor. `1` is production; `--fast-alerts` sets `60`, so an hour becomes a
    /// minute, for end-to-end tests that must see alerts fire.
    pub time_scale: u32,
    /// SLO alerts stay quiet while the short window sees fewer calls than this per hour (the minimum-traffic guard).
    pub slo_min_calls_per_hour: f64,
    /// Kubernetes resources (`PrometheusRule`, `ServiceMonitor`/`PodMonitor`, dashboard `ConfigMap`s), when set.
    pub kubernetes: Option<KubernetesOptions>,
    /// A local stack (`compose/docker-compose.yml` with Prometheus, Alertmanager, Grafana and Jaeger), when set.
    pub compose: Option<ComposeOptions>,
}

/// Receivers for the three routes: `page` (severity critical), `ticket` (warning) and `info`.
///
/// ```
/// let r = obs_dashboards::Receivers::default();
/// assert!(r.page.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Receivers {
    /// Critical alerts: someone is paged.
    pub page: Receiver,
    /// Warnings: a ticket.
    pub ticket: Receiver,
    /// Informational alerts.
    pub info: Receiver,
}

/// Where one route's notifications go.
///
/// ```
/// let r = obs_dashboards::Receiver { email_to: vec!["oncall@example.com".into()], ..Default::default() };
/// assert!(!r.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Receiver {
    /// Webhook URLs (Alertmanager posts JSON to each).
    pub webhook_urls: Vec<String>,
    /// Slack channels, such as `#oncall`.
    pub slack_channels: Vec<String>,
    /// Email addresses.
    pub email_to: Vec<String>,
}

impl Receiver {
    /// Whether no integration is configured (the route's notifications are dropped).
    ///
    /// ```
    /// assert!(obs_dashboards::Receiver::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.webhook_urls.is_empty() && self.slack_channels.is_empty() && self.email_to.is_empty()
    }
}

impl Default for Options {
    fn default() -> Options {
        Options {
            service: None,
            job: None,
            datasource_uid: "prometheus".to_owned(),
            folder: "Services".to_owned(),
            title_prefix: String::new(),
            grafana_url: "http://localhost:3000".to_owned(),
            runbook_url_base: "https://runbooks.example.com".to_owned(),
            prometheus_url: "http://localhost:9090".to_owned(),
            alertmanager_target: "localhost:9093".to_owned(),
            // What `obs::init!()` serves on by default, so both defaults meet.
            scrape_target: format!("{}:{}", obs_runtime::DEFAULT_LISTEN_HOST, obs_runtime::DEFAULT_LISTEN_PORT),
            metrics_path: "/metrics".to_owned(),
            dashboards_path: "/var/lib/grafana/dashboards".to_owned(),
            receivers: Receivers::default(),
            slack_api_url: None,
            smtp_smarthost: "localhost:25".to_owned(),
            email_from: "alertmanager@localhost".to_owned(),
            time_scale: 1,
            slo_min_calls_per_hour: 10.0,
            kubernetes: None,
            compose: None,
        }
    }
}

impl Options {
    /// A duration in seconds, divided by [`Options::time_scale`] (at least one second).
    ///
    /// ```
    /// let o = obs_dashboards::Options { time_scale: 60, ..Default::default() };
    /// assert_eq!(o.scaled(3600), 60);
    /// ```
    pub fn scaled(&self, seconds: u64) -> u64 {
        (seconds / u64::from(self.time_scale.max(1))).max(1)
    }
}

/// What the Kubernetes resources are named, labelled and split into.
///
/// ```
/// let k: obs_dashboards::kubernetes::KubernetesOptions =
///     serde_norway::from_str("namespace: shop\nlabels:\n  release: kube-prometheus-stack\nmonitor: pod\n").unwrap();
/// assert_eq!(k.namespace, "shop");
/// assert_eq!(k.monitor, obs_dashboards::kubernetes::Monitor::Pod);
/// assert_eq!(k.port, "metrics");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KubernetesOptions {
    /// The namespace of every resource.
    pub namespace: String,
    /// Extra labels on every resource (kube-prometheus-stack selects by its `release` label).
    pub labels: BTreeMap<String, String>,
    /// A `ServiceMonitor` (`service`) or a `PodMonitor` (`pod`).
    pub monitor: Monitor,
    /// The name of the service's (or pod's) port that serves `/metrics`.
    pub port: String,
    /// The labels that select the service's `Service` (or pods); default `app.kubernetes.io/name: <service>`.
    pub selector: BTreeMap<String, String>,
    /// The label Grafana's sidecar watches for dashboards, and its value.
    pub dashboard_label: String,
    /// The value of [`KubernetesOptions::dashboard_label`].
    pub dashboard_label_value: String,
    /// The annotation the sidecar reads the folder from (its `folderAnnotation`); the value is `Options::folder`.
    pub folder_annotation: String,
    /// One file per resource (`false`) or one multi-document YAML (`true`).
    pub single_file: bool,
}

/// The kind of scrape resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Monitor {
    /// A `ServiceMonitor`: Prometheus scrapes the endpoints of the selected `Service`.
    #[default]
    Service,
    /// A `PodMonitor`: Prometheus scrapes the selected pods directly.
    Pod,
}

impl Default for KubernetesOptions {
    fn default() -> KubernetesOptions {
        KubernetesOptions {
            namespace: "default".to_owned(),
            labels: BTreeMap::new(),
            monitor: Monitor::Service,
            port: "metrics".to_owned(),
            selector: BTreeMap::new(),
            dashboard_label: "grafana_dashboard".to_owned(),
            dashboard_label_value: "1".to_owned(),
            folder_annotation: "grafana_folder".to_owned(),
            single_file: false,
        }
    }
}

/// Where the stack finds the service, and what it runs.
///
/// ```
/// let c: obs_dashboards::compose::ComposeOptions = serde_norway::from_str("service_port: 8080\n").unwrap();
/// assert_eq!(c.service_host, "host.docker.internal");
/// assert_eq!(c.service_port, 8080);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComposeOptions {
    /// The host Prometheus scrapes the service on: the machine running the stack, by default.
    pub service_host: String,
    /// The port the service serves `/metrics` on.
    pub service_port: u16,
    /// Prometheus' image.
    pub prometheus_image: String,
    /// Alertmanager's image.
    pub alertmanager_image: String,
    /// Grafana's image.
    pub grafana_image: String,
    /// Jaeger's image (all-in-one, OTLP enabled).
    pub jaeger_image: String,
}

impl Default for ComposeOptions {
    fn default() -> ComposeOptions {
        ComposeOptions {
            service_host: "host.docker.internal".to_owned(),
            service_port: obs_runtime::DEFAULT_LISTEN_PORT,
            prometheus_image: "prom/prometheus:v2.53.0".to_owned(),
            alertmanager_image: "prom/alertmanager:v0.27.0".to_owned(),
            grafana_image: "grafana/grafana:11.1.0".to_owned(),
            jaeger_image: "jaegertracing/all-in-one:1.58".to_owned(),
        }
    }
}
