//! A local stack (`--compose`): `compose/docker-compose.yml` bringing up Prometheus (the generated rules, scraping
//! the service on the host), Alertmanager (the generated routing), Grafana (the generated datasource and
//! dashboards) and Jaeger (OTLP on 4317 and 4318). Inside the stack the services reach each other by name, so the
//! Prometheus configuration and the Grafana datasource are written again for it, beside the compose file; every
//! other file it mounts is one gen-dashboards wrote for the plain workflow.

use crate::deploy::{self, DatasourceProvisioning, PrometheusConfig};
use crate::Options;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use crate::options::ComposeOptions;

/// `docker-compose.yml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComposeFile {
    /// The services, by name.
    pub services: BTreeMap<String, Service>,
}

/// One service of the stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    /// The image.
    pub image: String,
    /// Arguments.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub command: Vec<String>,
    /// `host:container` ports.
    pub ports: Vec<String>,
    /// `host path:container path:ro` mounts, host paths relative to the compose file.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub volumes: Vec<String>,
    /// Environment.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub environment: BTreeMap<String, String>,
    /// `host:address` entries: `host.docker.internal:host-gateway` lets Prometheus reach the host on Linux too.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub extra_hosts: Vec<String>,
    /// Services started first.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub depends_on: Vec<String>,
}

/// The stack: the compose file and the two files written for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    /// `compose/docker-compose.yml`.
    pub compose: ComposeFile,
    /// `compose/prometheus.yml`: scrapes the service on the host, notifies `alertmanager:9093`.
    pub prometheus: PrometheusConfig,
    /// `compose/grafana-datasources.yml`: Prometheus at `http://prometheus:9090`.
    pub datasources: DatasourceProvisioning,
}

/// A read-only mount.
fn ro(host: &str, container: &str) -> String {
    format!("{host}:{container}:ro")
}

/// The stack for `service`, whose rule file is `rules_file` (relative to the output directory).
///
/// ```
/// use obs_dashboards::{compose::ComposeOptions, generate, Metric, Model, Options};
/// let mut model = Model::new("svc");
/// model.metrics.push(Metric::new("jobs", obs_runtime::MetricKind::Counter, "Jobs."));
/// let a = generate(&model, &Options { compose: Some(ComposeOptions::default()), ..Options::default() }).unwrap();
/// let stack = a.compose.unwrap();
/// assert_eq!(stack.prometheus.scrape_configs[0].static_configs[0].targets, ["host.docker.internal:9464"]);
/// assert!(stack.compose.services.contains_key("jaeger"));
/// ```
pub(crate) fn stack(c: &ComposeOptions, opts: &Options, service: &str, job: &str, rules_file: &str) -> Stack {
    let inner = Options {
        scrape_target: format!("{}:{}", c.service_host, c.service_port),
        alertmanager_target: "alertmanager:9093".to_owned(),
        prometheus_url: "http://prometheus:9090".to_owned(),
        ..opts.clone()
    };
    let rules_name = rules_file.rsplit('/').next().unwrap_or(rules_file);
    let prometheus = deploy::prometheus(&inner, job, &format!("rules/{rules_name}"));
    let datasources = deploy::datasources(&inner);
    let mut services = BTreeMap::new();
    services.insert(
        "prometheus".to_owned(),
        Service {
            image: c.prometheus_image.clone(),
            command: vec![
                "--config.file=/etc/prometheus/prometheus.yml".to_owned(),
                "--enable-feature=native-histograms,exemplar-storage".to_owned(),
            ],
            ports: vec!["9090:9090".to_owned()],
            volumes: vec![
                ro("./prometheus.yml", "/etc/prometheus/prometheus.yml"),
                ro(&format!("../{rules_file}"), &format!("/etc/prometheus/rules/{rules_name}")),
            ],
            environment: BTreeMap::new(),
            extra_hosts: vec!["host.docker.internal:host-gateway".to_owned()],
            depends_on: vec!["alertmanager".to_owned()],
        },
    );
    services.insert(
        "alertmanager".to_owned(),
        Service {
            image: c.alertmanager_image.clone(),
            command: vec!["--config.file=/etc/alertmanager/alertmanager.yml".to_owned()],
            ports: vec!["9093:9093".to_owned()],
            volumes: vec![ro("../alertmanager/alertmanager.yml", "/etc/alertmanager/alertmanager.yml")],
            environment: BTreeMap::new(),
            extra_hosts: vec!["host.docker.internal:host-gateway".to_owned()],
            depends_on: Vec::new(),
        },
    );
    services.insert(
        "grafana".to_owned(),
        Service {
            image: c.grafana_image.clone(),
            command: Vec::new(),
            ports: vec!["3000:3000".to_owned()],
            volumes: vec![
                ro("./grafana-datasources.yml", &format!("/etc/grafana/provisioning/datasources/{service}.yml")),
                ro(
                    &format!("../grafana/provisioning/dashboards/{service}.yml"),
                    &format!("/etc/grafana/provisioning/dashboards/{service}.yml"),
                ),
                ro("../grafana/dashboards", &opts.dashboards_path),
            ],
            // A laptop stack: anonymous viewers, so the dashboards open without a login.
            environment: BTreeMap::from([
                ("GF_AUTH_ANONYMOUS_ENABLED".to_owned(), "true".to_owned()),
                ("GF_AUTH_ANONYMOUS_ORG_ROLE".to_owned(), "Viewer".to_owned()),
            ]),
            extra_hosts: Vec::new(),
            depends_on: vec!["prometheus".to_owned()],
        },
    );
    services.insert(
        "jaeger".to_owned(),
        Service {
            image: c.jaeger_image.clone(),
            command: Vec::new(),
            ports: vec!["4317:4317".to_owned(), "4318:4318".to_owned(), "16686:16686".to_owned()],
            volumes: Vec::new(),
            environment: BTreeMap::from([("COLLECTOR_OTLP_ENABLED".to_owned(), "true".to_owned())]),
            extra_hosts: Vec::new(),
            depends_on: Vec::new(),
        },
    );
    Stack { compose: ComposeFile { services }, prometheus, datasources }
}
