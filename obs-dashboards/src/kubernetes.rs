//! Kubernetes resources for the Prometheus Operator and Grafana's dashboard sidecar: a `PrometheusRule` with the
//! rule file's groups, a `ServiceMonitor` (or `PodMonitor`) for the scrape, and one `ConfigMap` per dashboard with
//! the sidecar's label and folder annotation. Written with `--kubernetes` or a `kubernetes:` block in `obs.yml`.

use crate::grafana::Dashboard;
use crate::rules::RuleFile;
use crate::util::dur;
use crate::Options;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use crate::options::{KubernetesOptions, Monitor};

/// `metadata` of a resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectMeta {
    /// The name.
    pub name: String,
    /// The namespace.
    pub namespace: String,
    /// Labels.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub annotations: BTreeMap<String, String>,
}

/// One Kubernetes resource, typed by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Resource {
    /// `monitoring.coreos.com/v1` `PrometheusRule`.
    PrometheusRule {
        /// `monitoring.coreos.com/v1`.
        #[serde(rename = "apiVersion")]
        api_version: String,
        /// Metadata.
        metadata: ObjectMeta,
        /// The rule groups, as in the rule file.
        spec: RuleFile,
    },
    /// `monitoring.coreos.com/v1` `ServiceMonitor`.
    ServiceMonitor {
        /// `monitoring.coreos.com/v1`.
        #[serde(rename = "apiVersion")]
        api_version: String,
        /// Metadata.
        metadata: ObjectMeta,
        /// Selector and endpoints.
        spec: ServiceMonitorSpec,
    },
    /// `monitoring.coreos.com/v1` `PodMonitor`.
    PodMonitor {
        /// `monitoring.coreos.com/v1`.
        #[serde(rename = "apiVersion")]
        api_version: String,
        /// Metadata.
        metadata: ObjectMeta,
        /// Selector and endpoints.
        spec: PodMonitorSpec,
    },
    /// `v1` `ConfigMap` holding one dashboard.
    ConfigMap {
        /// `v1`.
        #[serde(rename = "apiVersion")]
        api_version: String,
        /// Metadata.
        metadata: ObjectMeta,
        /// `<stem>.json` → the dashboard.
        data: BTreeMap<String, String>,
    },
}

/// A label selector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selector {
    /// `matchLabels`.
    #[serde(rename = "matchLabels")]
    pub match_labels: BTreeMap<String, String>,
}

/// One scrape endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    /// The port's name.
    pub port: String,
    /// The metrics path.
    pub path: String,
    /// The scrape interval.
    pub interval: String,
    /// Relabelings applied to the target: obs sets `job`.
    pub relabelings: Vec<Relabeling>,
}

/// One relabeling rule of an endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relabeling {
    /// `replace`.
    pub action: String,
    /// The label written.
    #[serde(rename = "targetLabel")]
    pub target_label: String,
    /// Its value.
    pub replacement: String,
}

/// `ServiceMonitor.spec`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceMonitorSpec {
    /// The `Service`s scraped.
    pub selector: Selector,
    /// Endpoints.
    pub endpoints: Vec<Endpoint>,
}

/// `PodMonitor.spec`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PodMonitorSpec {
    /// The pods.
    pub selector: Selector,
    /// Endpoints.
    #[serde(rename = "podMetricsEndpoints")]
    pub pod_metrics_endpoints: Vec<Endpoint>,
}

/// A `Resource` and the file it is written to, relative to the output directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// `kubernetes/<name>.yml`.
    pub file: String,
    /// The resource.
    pub resource: Resource,
}

const OPERATOR: &str = "monitoring.coreos.com/v1";

/// Every resource, in a stable order: rules, monitor, dashboards.
///
/// ```
/// use obs_dashboards::{generate, kubernetes::{KubernetesOptions, Resource}, Metric, Model, Options};
/// let mut model = Model::new("svc");
/// model.metrics.push(Metric::new("jobs", obs_runtime::MetricKind::Counter, "Jobs."));
/// let opts = Options { kubernetes: Some(KubernetesOptions::default()), ..Options::default() };
/// let a = generate(&model, &opts).unwrap();
/// assert!(matches!(a.kubernetes[0].resource, Resource::PrometheusRule { .. }));
/// assert_eq!(a.kubernetes.len(), 4); // rules, monitor, two dashboards
/// ```
pub(crate) fn resources(
    k: &KubernetesOptions,
    opts: &Options,
    service: &str,
    job: &str,
    rules: &RuleFile,
    dashboards: &[(String, Dashboard)],
) -> Vec<Manifest> {
    let meta = |name: String, extra: &[(&str, &str)], annotations: &[(&str, &str)]| {
        let mut labels = k.labels.clone();
        labels.insert("app.kubernetes.io/part-of".to_owned(), service.to_owned());
        labels.insert("app.kubernetes.io/managed-by".to_owned(), "obs-dashboards".to_owned());
        for (a, b) in extra {
            labels.insert((*a).to_owned(), (*b).to_owned());
        }
        ObjectMeta {
            name,
            namespace: k.namespace.clone(),
            labels,
            annotations: annotations.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect(),
        }
    };
    let mut out = vec![Manifest {
        file: format!("kubernetes/{service}-prometheusrule.yml"),
        resource: Resource::PrometheusRule {
            api_version: OPERATOR.to_owned(),
            metadata: meta(service.to_owned(), &[], &[]),
            spec: rules.clone(),
        },
    }];
    let selector = Selector {
        match_labels: if k.selector.is_empty() {
            BTreeMap::from([("app.kubernetes.io/name".to_owned(), service.to_owned())])
        } else {
            k.selector.clone()
        },
    };
    // The operator names the job after the Service (or `namespace/podmonitor`); obs' rules and dashboards select
    // the configured job, so the endpoint sets it.
    let endpoint = Endpoint {
        port: k.port.clone(),
        path: opts.metrics_path.clone(),
        interval: dur(opts.scaled(15)),
        relabelings: vec![Relabeling {
            action: "replace".to_owned(),
            target_label: "job".to_owned(),
            replacement: job.to_owned(),
        }],
    };
    out.push(match k.monitor {
        Monitor::Service => Manifest {
            file: format!("kubernetes/{service}-servicemonitor.yml"),
            resource: Resource::ServiceMonitor {
                api_version: OPERATOR.to_owned(),
                metadata: meta(job.to_owned(), &[], &[]),
                spec: ServiceMonitorSpec { selector, endpoints: vec![endpoint] },
            },
        },
        Monitor::Pod => Manifest {
            file: format!("kubernetes/{service}-podmonitor.yml"),
            resource: Resource::PodMonitor {
                api_version: OPERATOR.to_owned(),
                metadata: meta(job.to_owned(), &[], &[]),
                spec: PodMonitorSpec { selector, pod_metrics_endpoints: vec![endpoint] },
            },
        },
    });
    for (stem, d) in dashboards {
        let mut json = serde_json::to_string_pretty(d).expect("dashboards serialize");
        json.push('\n');
        out.push(Manifest {
            file: format!("kubernetes/{stem}-dashboard.yml"),
            resource: Resource::ConfigMap {
                api_version: "v1".to_owned(),
                metadata: meta(
                    format!("{stem}-dashboard"),
                    &[(&k.dashboard_label, &k.dashboard_label_value)],
                    &[(&k.folder_annotation, &opts.folder)],
                ),
                data: BTreeMap::from([(format!("{stem}.json"), json)]),
            },
        });
    }
    out
}
