//! Deployment files: a Prometheus configuration that scrapes the service and loads the rules, and Grafana
//! provisioning for the datasource and the dashboards.

use crate::options::Options;
use crate::util::dur;
use serde::{Deserialize, Serialize};

/// A Prometheus configuration: scrape config for the service, `rule_files`, and the Alertmanager to notify.
///
/// ```
/// let c = obs_dashboards::deploy::prometheus(&obs_dashboards::Options::default(), "shop", "rules/shop.rules.yml");
/// assert_eq!(c.rule_files, ["rules/shop.rules.yml"]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrometheusConfig {
    /// Scrape and evaluation intervals.
    pub global: PromGlobal,
    /// Rule files, relative to this file.
    pub rule_files: Vec<String>,
    /// Where alerts go.
    pub alerting: Alerting,
    /// What is scraped.
    pub scrape_configs: Vec<ScrapeConfig>,
}

/// Global intervals.
///
/// ```
/// let g = obs_dashboards::deploy::prometheus(&obs_dashboards::Options::default(), "j", "r.yml").global;
/// assert_eq!(g.scrape_interval, "15s");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromGlobal {
    /// How often targets are scraped.
    pub scrape_interval: String,
    /// How often rules are evaluated.
    pub evaluation_interval: String,
}

/// The `alerting` section.
///
/// ```
/// let a = obs_dashboards::deploy::prometheus(&obs_dashboards::Options::default(), "j", "r.yml").alerting;
/// assert_eq!(a.alertmanagers[0].static_configs[0].targets, ["localhost:9093"]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alerting {
    /// Alertmanagers.
    pub alertmanagers: Vec<AlertmanagerConfig>,
}

/// One Alertmanager set.
///
/// ```
/// let a = obs_dashboards::deploy::AlertmanagerConfig { static_configs: vec![] };
/// assert!(a.static_configs.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertmanagerConfig {
    /// Static targets.
    pub static_configs: Vec<StaticConfig>,
}

/// Static targets.
///
/// ```
/// let s = obs_dashboards::deploy::StaticConfig { targets: vec!["localhost:9464".into()] };
/// assert_eq!(s.targets.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaticConfig {
    /// `host:port` targets.
    pub targets: Vec<String>,
}

/// A scrape job.
///
/// ```
/// let c = obs_dashboards::deploy::prometheus(&obs_dashboards::Options::default(), "shop", "r.yml");
/// assert_eq!(c.scrape_configs[0].job_name, "shop");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScrapeConfig {
    /// The `job` label.
    pub job_name: String,
    /// The metrics path.
    pub metrics_path: String,
    /// Targets.
    pub static_configs: Vec<StaticConfig>,
}

/// The Prometheus configuration for the service's `job`, loading `rule_file`.
///
/// ```
/// let c = obs_dashboards::deploy::prometheus(&obs_dashboards::Options { time_scale: 60, ..Default::default() }, "j", "r.yml");
/// assert_eq!(c.global.scrape_interval, "1s");
/// ```
pub fn prometheus(opts: &Options, job: &str, rule_file: &str) -> PrometheusConfig {
    let interval = dur(opts.scaled(15));
    PrometheusConfig {
        global: PromGlobal { scrape_interval: interval.clone(), evaluation_interval: interval },
        rule_files: vec![rule_file.to_owned()],
        alerting: Alerting {
            alertmanagers: vec![AlertmanagerConfig {
                static_configs: vec![StaticConfig { targets: vec![opts.alertmanager_target.clone()] }],
            }],
        },
        scrape_configs: vec![ScrapeConfig {
            job_name: job.to_owned(),
            metrics_path: opts.metrics_path.clone(),
            static_configs: vec![StaticConfig { targets: vec![opts.scrape_target.clone()] }],
        }],
    }
}

/// Grafana datasource provisioning.
///
/// ```
/// let d = obs_dashboards::deploy::datasources(&obs_dashboards::Options::default());
/// assert_eq!(d.datasources[0].uid, "prometheus");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasourceProvisioning {
    /// Always 1.
    pub api_version: u32,
    /// Datasources.
    pub datasources: Vec<Datasource>,
}

/// A provisioned datasource.
///
/// ```
/// let d = &obs_dashboards::deploy::datasources(&obs_dashboards::Options::default()).datasources[0];
/// assert_eq!(d.kind, "prometheus");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Datasource {
    /// Display name.
    pub name: String,
    /// Plugin id.
    #[serde(rename = "type")]
    pub kind: String,
    /// Uid the dashboards refer to.
    pub uid: String,
    /// `proxy`.
    pub access: String,
    /// Prometheus URL.
    pub url: String,
    /// Default datasource.
    pub is_default: bool,
    /// Prometheus options.
    pub json_data: serde_json::Value,
}

/// The datasource the dashboards expect.
///
/// ```
/// let d = obs_dashboards::deploy::datasources(&obs_dashboards::Options::default());
/// assert_eq!(d.api_version, 1);
/// ```
pub fn datasources(opts: &Options) -> DatasourceProvisioning {
    DatasourceProvisioning {
        api_version: 1,
        datasources: vec![Datasource {
            name: "Prometheus".to_owned(),
            kind: "prometheus".to_owned(),
            uid: opts.datasource_uid.clone(),
            access: "proxy".to_owned(),
            url: opts.prometheus_url.clone(),
            is_default: true,
            json_data: serde_json::json!({ "httpMethod": "POST", "timeInterval": dur(opts.scaled(15)) }),
        }],
    }
}

/// Grafana dashboard provider provisioning.
///
/// ```
/// let p = obs_dashboards::deploy::dashboard_providers(&obs_dashboards::Options::default(), "shop");
/// assert_eq!(p.providers[0].folder, "Services");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DashboardProvisioning {
    /// Always 1.
    pub api_version: u32,
    /// Providers.
    pub providers: Vec<DashboardProvider>,
}

/// A file provider.
///
/// ```
/// let p = &obs_dashboards::deploy::dashboard_providers(&obs_dashboards::Options::default(), "shop").providers[0];
/// assert_eq!(p.kind, "file");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DashboardProvider {
    /// Name.
    pub name: String,
    /// Folder in Grafana.
    pub folder: String,
    /// `file`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Keep dashboards when their file disappears.
    pub disable_deletion: bool,
    /// UI edits are not saved: the files are the source of truth.
    pub allow_ui_updates: bool,
    /// Rescan period.
    pub update_interval_seconds: u32,
    /// `path`: where the dashboard files are.
    pub options: serde_json::Value,
}

/// The provider that loads the generated dashboards into the configured folder.
///
/// ```
/// let p = obs_dashboards::deploy::dashboard_providers(&obs_dashboards::Options::default(), "shop");
/// assert_eq!(p.providers[0].options["path"], "/var/lib/grafana/dashboards/shop");
/// ```
pub fn dashboard_providers(opts: &Options, service: &str) -> DashboardProvisioning {
    DashboardProvisioning {
        api_version: 1,
        providers: vec![DashboardProvider {
            name: service.to_owned(),
            folder: opts.folder.clone(),
            kind: "file".to_owned(),
            disable_deletion: false,
            allow_ui_updates: false,
            update_interval_seconds: 30,
            options: serde_json::json!({ "path": format!("{}/{service}", opts.dashboards_path.trim_end_matches('/')), "foldersFromFilesStructure": false }),
        }],
    }
}
