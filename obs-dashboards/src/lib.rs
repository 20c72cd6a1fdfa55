//! # obs-dashboards: dashboards, alerts and routing generated from the catalog
//!
//! Everything obs knows about a service (declared metrics, `#[traced]` functions and their objectives, health
//! checks) is in [`obs_runtime::catalog()`]. This crate turns it into the files that watch the service:
//!
//! | file | what |
//! |---|---|
//! | `grafana/dashboards/<service>-overview.json` | RED of traced functions, SLOs, HTTP RED, health checks, process |
//! | `grafana/dashboards/<service>-metrics.json` | a row per module, a panel per declared metric fitting its kind |
//! | `prometheus/rules/<service>.rules.yml` | SLI recording rules, burn-rate, threshold, health and target alerts |
//! | `prometheus/tests/<service>.rules.test.yml` | `promtool test rules` cases: each alert fires, and stays quiet |
//! | `prometheus/prometheus.yml` | scrape config for the service with `rule_files` |
//! | `alertmanager/alertmanager.yml` | routes by severity, grouping, inhibition, repeat intervals |
//! | `grafana/provisioning/{datasources,dashboards}/<service>.yml` | Grafana provisioning |
//! | `docs/METRICS.md`, `docs/catalog.json`, `docs/catalog.schema.json` | the metric reference ([`reference`]) |
//! | `kubernetes/*.yml` (with `--kubernetes`) | PrometheusRule, ServiceMonitor or PodMonitor, dashboard ConfigMaps ([`kubernetes`]) |
//! | `compose/*.yml` (with `--compose`) | a local stack: Prometheus, Alertmanager, Grafana, Jaeger ([`compose`]) |
//!
//! The output is deterministic (sorted input, uids hashed from names, ids in layout order), so a CI job can run
//! `gen-dashboards --check` and fail when the committed files no longer match the code.
//!
//! ```
//! use obs_dashboards::{generate, Function, Metric, Model, Options, Slo};
//! use obs_runtime::MetricKind;
//!
//! let mut model = Model::new("shop");
//! model.metrics.push(Metric::new("orders_placed", MetricKind::Counter, "Orders placed.").module("shop::orders"));
//! let mut checkout = Function::new("checkout", "shop::cart");
//! checkout.slo = Some(Slo { name: "checkout".into(), success_rate: Some(0.999), latency: None });
//! model.functions.push(checkout);
//!
//! let artifacts = generate(&model, &Options::default()).unwrap();
//! let files = artifacts.files();
//! assert!(files.iter().any(|f| f.path.ends_with("shop-overview.json")));
//! let rules = files.iter().find(|f| f.path.ends_with("shop.rules.yml")).unwrap();
//! assert!(rules.contents.contains("alert: CheckoutAvailabilityBurnRate1h5m"));
//! ```
//!
//! The binary is three lines in the crate that declares the metrics (see [`cli`]):
//!
//! ```no_run
//! use my_service as _; // links the crate, so its declarations are in the catalog
//! # mod my_service {}
//! fn main() { obs_dashboards::cli::main() }
//! ```
#![warn(missing_docs)]

pub mod alertmanager;
pub mod cli;
pub mod compose;
pub mod dashboards;
pub mod deploy;
pub mod grafana;
pub mod kubernetes;
mod model;
mod options;
pub mod reference;
pub mod rules;
pub mod ruletests;
pub mod testing;
mod util;

pub use model::{Function, HealthCheck, Label, Metric, Model, Slo, Source};
pub use options::{Options, Receiver, Receivers};

use std::fmt;
use std::path::PathBuf;

/// Everything generated for one service, typed; [`Artifacts::files`] renders them.
///
/// ```
/// let mut model = obs_dashboards::Model::new("svc");
/// model.metrics.push(obs_dashboards::Metric::new("jobs", obs_runtime::MetricKind::Counter, "Jobs."));
/// let a = obs_dashboards::generate(&model, &Default::default()).unwrap();
/// assert_eq!(a.job, "svc");
/// assert_eq!(a.dashboards.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Artifacts {
    /// The service name.
    pub service: String,
    /// The Prometheus job.
    pub job: String,
    /// `(file stem, dashboard)`.
    pub dashboards: Vec<(String, grafana::Dashboard)>,
    /// Recording and alerting rules.
    pub rules: rules::RuleFile,
    /// `promtool test rules` cases for every alert.
    pub rule_tests: ruletests::RuleTestFile,
    /// Alertmanager configuration.
    pub alertmanager: alertmanager::Config,
    /// Prometheus configuration: scrape config and `rule_files`.
    pub prometheus: deploy::PrometheusConfig,
    /// Grafana datasource provisioning.
    pub grafana_datasources: deploy::DatasourceProvisioning,
    /// Grafana dashboard provisioning.
    pub grafana_dashboards: deploy::DashboardProvisioning,
    /// The metric reference: `METRICS.md` and `catalog.json`.
    pub reference: reference::Reference,
    /// Kubernetes resources, when `Options::kubernetes` is set.
    pub kubernetes: Vec<kubernetes::Manifest>,
    /// Whether the Kubernetes resources go into one multi-document file.
    pub kubernetes_single_file: bool,
    /// The local stack, when `Options::compose` is set.
    pub compose: Option<compose::Stack>,
}

/// One rendered file, its path relative to the output directory.
///
/// ```
/// let f = obs_dashboards::File { path: "a/b.yml".into(), contents: "x: 1\n".into() };
/// assert!(f.path.starts_with("a"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Relative path.
    pub path: PathBuf,
    /// Contents.
    pub contents: String,
}

/// Why nothing was generated.
///
/// ```
/// let e = obs_dashboards::generate(&obs_dashboards::Model::new("svc"), &Default::default()).unwrap_err();
/// assert!(e.to_string().contains("as _;"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The catalog holds nothing of the service: its crate is not linked.
    EmptyCatalog {
        /// obs' own metrics found.
        obs_metrics: usize,
    },
    /// The options contradict each other or are malformed.
    Options(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::EmptyCatalog { obs_metrics } => write!(
                f,
                "the catalog holds no metric, traced function or health check of your service (only {obs_metrics} of obs' own \
                 metrics), so there is nothing to generate.\n\
                 Most likely the crate that declares them is not linked into this binary: `inventory` only sees crates the \
                 linker keeps, and the linker drops a dependency that no code references (rust-lang/rust#64731).\n\
                 Cure: name that crate once in the binary that calls `obs_dashboards::cli::main()`, e.g. in \
                 src/bin/gen-dashboards.rs:\n\n    use your_crate as _;\n    fn main() {{ obs_dashboards::cli::main() }}\n"
            ),
            Error::Options(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for Error {}

const HEADER: &str = "# Generated by obs-dashboards from the obs catalog; do not edit.\n# Regenerate with `gen-dashboards --out DIR`; `gen-dashboards --out DIR --check` fails when this file is stale.\n";

fn yaml<T: serde::Serialize>(v: &T) -> String {
    let body = serde_norway::to_string(v).expect("generated values serialize");
    format!("{HEADER}{body}")
}

impl Artifacts {
    /// The rule file's path, relative to the output directory.
    ///
    /// ```
    /// let mut model = obs_dashboards::Model::new("svc");
    /// model.metrics.push(obs_dashboards::Metric::new("jobs", obs_runtime::MetricKind::Counter, "Jobs."));
    /// let a = obs_dashboards::generate(&model, &Default::default()).unwrap();
    /// assert_eq!(a.rules_path(), std::path::Path::new("prometheus/rules/svc.rules.yml"));
    /// ```
    pub fn rules_path(&self) -> PathBuf {
        PathBuf::from(format!("prometheus/rules/{}.rules.yml", self.service))
    }

    /// The rule tests' path, relative to the output directory.
    ///
    /// ```
    /// let mut model = obs_dashboards::Model::new("svc");
    /// model.metrics.push(obs_dashboards::Metric::new("jobs", obs_runtime::MetricKind::Counter, "Jobs."));
    /// let a = obs_dashboards::generate(&model, &Default::default()).unwrap();
    /// assert_eq!(a.rule_tests_path(), std::path::Path::new("prometheus/tests/svc.rules.test.yml"));
    /// ```
    pub fn rule_tests_path(&self) -> PathBuf {
        PathBuf::from(format!("prometheus/tests/{}.rules.test.yml", self.service))
    }

    /// Every file, rendered, sorted by path.
    ///
    /// ```
    /// let mut model = obs_dashboards::Model::new("svc");
    /// model.metrics.push(obs_dashboards::Metric::new("jobs", obs_runtime::MetricKind::Counter, "Jobs."));
    /// let files = obs_dashboards::generate(&model, &Default::default()).unwrap().files();
    /// assert_eq!(files.len(), 11);
    /// assert!(files.windows(2).all(|w| w[0].path < w[1].path));
    /// ```
    pub fn files(&self) -> Vec<File> {
        let s = &self.service;
        let mut files = Vec::new();
        for (stem, d) in &self.dashboards {
            let mut json = serde_json::to_string_pretty(d).expect("dashboards serialize");
            json.push('\n');
            files.push(File { path: format!("grafana/dashboards/{stem}.json").into(), contents: json });
        }
        files.push(File { path: self.rules_path(), contents: yaml(&self.rules) });
        files.push(File { path: self.rule_tests_path(), contents: yaml(&self.rule_tests) });
        files.push(File { path: "prometheus/prometheus.yml".into(), contents: yaml(&self.prometheus) });
        files.push(File { path: "alertmanager/alertmanager.yml".into(), contents: yaml(&self.alertmanager) });
        files.push(File {
            path: format!("grafana/provisioning/datasources/{s}.yml").into(),
            contents: yaml(&self.grafana_datasources),
        });
        files.push(File {
            path: format!("grafana/provisioning/dashboards/{s}.yml").into(),
            contents: yaml(&self.grafana_dashboards),
        });
        files.push(File { path: "docs/METRICS.md".into(), contents: self.reference.to_markdown() });
        files.push(File { path: "docs/catalog.json".into(), contents: self.reference.to_json() });
        files.push(File {
            path: format!("docs/{}", reference::SCHEMA_FILE).into(),
            contents: reference::SCHEMA.to_owned(),
        });
        if self.kubernetes_single_file && !self.kubernetes.is_empty() {
            let docs: Vec<String> = self
                .kubernetes
                .iter()
                .map(|m| serde_norway::to_string(&m.resource).expect("generated values serialize"))
                .collect();
            files.push(File {
                path: format!("kubernetes/{s}.yml").into(),
                contents: format!("{HEADER}{}", docs.join("---\n")),
            });
        } else {
            for m in &self.kubernetes {
                files.push(File { path: m.file.clone().into(), contents: yaml(&m.resource) });
            }
        }
        if let Some(c) = &self.compose {
            files.push(File { path: "compose/docker-compose.yml".into(), contents: yaml(&c.compose) });
            files.push(File { path: "compose/prometheus.yml".into(), contents: yaml(&c.prometheus) });
            files.push(File { path: "compose/grafana-datasources.yml".into(), contents: yaml(&c.datasources) });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }
}

/// Generates every artifact for `model`.
///
/// Fails when the model holds nothing of the service (see [`Error::EmptyCatalog`]) or the options are
/// inconsistent (a Slack channel without a Slack API URL, a service name unfit for file names).
///
/// ```
/// use obs_dashboards::{generate, HealthCheck, Model, Options};
/// let mut model = Model::new("svc");
/// model.health_checks.push(HealthCheck { name: "database".into(), critical: true });
/// let a = generate(&model, &Options { job: Some("svc-prod".into()), ..Options::default() }).unwrap();
/// assert!(a.rules.groups.iter().any(|g| g.name == "svc-health"));
/// assert_eq!(a.prometheus.scrape_configs[0].job_name, "svc-prod");
/// ```
pub fn generate(model: &Model, opts: &Options) -> Result<Artifacts, Error> {
    if model.user_metrics().next().is_none() && model.functions.is_empty() && model.health_checks.is_empty() {
        return Err(Error::EmptyCatalog { obs_metrics: model.metrics.len() });
    }
    let mut model = model.clone();
    model.sort();
    if let Some(s) = &opts.service {
        model.service = s.clone();
    }
    let service = model.service.clone();
    if service.is_empty() || !service.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(Error::Options(format!(
            "service name `{service}` must be letters, digits, `-` and `_` (it names files and uids); set --service"
        )));
    }
    if opts.time_scale == 0 {
        return Err(Error::Options("time_scale must be at least 1".to_owned()));
    }
    let r = &opts.receivers;
    if [&r.page, &r.ticket, &r.info].iter().any(|r| !r.slack_channels.is_empty()) && opts.slack_api_url.is_none() {
        return Err(Error::Options(
            "a Slack channel is configured but no Slack API URL: add --slack-api-url https://hooks.slack.com/services/...".to_owned(),
        ));
    }
    let job = opts.job.clone().unwrap_or_else(|| service.clone());
    let uids = dashboards::Uids::new(&service);
    let generated = rules::generate(&model, opts, &job, &uids.overview, &uids.metrics);
    let dashboards = dashboards::dashboards(&model, opts, &job);
    let reference = reference::reference(&model, &job, &dashboards, &generated.file);
    let kubernetes = opts
        .kubernetes
        .as_ref()
        .map_or_else(Vec::new, |k| kubernetes::resources(k, opts, &service, &job, &generated.file, &dashboards));
    let mut artifacts = Artifacts {
        service: service.clone(),
        job: job.clone(),
        dashboards,
        rules: generated.file,
        rule_tests: ruletests::RuleTestFile {
            rule_files: Vec::new(),
            evaluation_interval: String::new(),
            tests: Vec::new(),
        },
        alertmanager: alertmanager::config(opts),
        prometheus: deploy::prometheus(opts, &job, &format!("rules/{service}.rules.yml")),
        grafana_datasources: deploy::datasources(opts),
        grafana_dashboards: deploy::dashboard_providers(opts, &service),
        reference,
        kubernetes,
        kubernetes_single_file: opts.kubernetes.as_ref().is_some_and(|k| k.single_file),
        compose: opts
            .compose
            .as_ref()
            .map(|c| compose::stack(c, opts, &service, &job, &format!("prometheus/rules/{service}.rules.yml"))),
    };
    artifacts.rule_tests = ruletests::generate(&generated.cases, opts, &job, &format!("../rules/{service}.rules.yml"));
    Ok(artifacts)
}
