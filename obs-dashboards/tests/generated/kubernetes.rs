//! Kubernetes resources: validated offline against the Prometheus Operator CRDs' and Kubernetes' published schemas
//! (npm `@kubernetes-models/*`, through obs-dashboards/schema-check/check-kubernetes.mjs), with the same rule groups
//! as the rule file, the scrape selecting the configured job, and each dashboard in a sidecar-labelled ConfigMap.

use crate::common;

use obs_dashboards::kubernetes::{KubernetesOptions, Monitor, Resource};
use obs_dashboards::{generate, Options};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn schema_check() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schema-check")
}

/// Converts every YAML document of `files` to one JSON array and runs the validator on it.
fn validate(docs: &[serde_json::Value], name: &str) -> Result<(), String> {
    let dir = schema_check();
    assert!(
        dir.join("node_modules/@kubernetes-models/prometheus-operator").exists(),
        "the Kubernetes schemas are not installed; run `npm ci --prefix obs-dashboards/schema-check` (bash scripts/test.sh does)"
    );
    let tmp = common::temp_dir(name);
    let path = tmp.join("resources.json");
    std::fs::write(&path, serde_json::to_string(docs).unwrap()).unwrap();
    let out = Command::new("node").arg(dir.join("check-kubernetes.mjs")).arg(&path).current_dir(&dir).output().unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    }
}

fn yaml_docs(text: &str) -> Vec<serde_json::Value> {
    use serde::Deserialize;
    serde_norway::Deserializer::from_str(text).map(|d| serde_json::Value::deserialize(d).unwrap()).collect()
}

fn options(monitor: Monitor, single_file: bool) -> Options {
    Options {
        kubernetes: Some(KubernetesOptions {
            namespace: "shop".into(),
            labels: BTreeMap::from([("release".into(), "kube-prometheus-stack".into())]),
            monitor,
            single_file,
            ..KubernetesOptions::default()
        }),
        folder: "Shop".into(),
        ..Options::default()
    }
}

#[test]
fn resources_follow_the_published_schemas_in_both_layouts_and_with_both_monitors() {
    for (monitor, single) in [(Monitor::Service, false), (Monitor::Pod, true)] {
        let files = generate(&common::fixture(), &options(monitor, single)).unwrap().files();
        let k8s: Vec<_> = files.iter().filter(|f| f.path.starts_with("kubernetes")).collect();
        let docs: Vec<serde_json::Value> = k8s.iter().flat_map(|f| yaml_docs(&f.contents)).collect();
        assert_eq!(k8s.len(), if single { 1 } else { 4 }, "{k8s:?}");
        assert_eq!(docs.len(), 4, "rules, monitor and two dashboards");
        let monitor_kind = if monitor == Monitor::Service { "ServiceMonitor" } else { "PodMonitor" };
        let mut kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
        kinds.sort_unstable();
        let mut expected = ["ConfigMap", "ConfigMap", monitor_kind, "PrometheusRule"];
        expected.sort_unstable();
        assert_eq!(kinds, expected);
        for d in &docs {
            assert_eq!(d["metadata"]["namespace"], "shop");
            assert_eq!(d["metadata"]["labels"]["release"], "kube-prometheus-stack");
        }
        validate(&docs, &format!("k8s-{monitor_kind}")).unwrap();
    }
}

#[test]
fn the_validator_rejects_a_broken_resource() {
    let files = generate(&common::fixture(), &options(Monitor::Service, false)).unwrap().files();
    let monitor = files.iter().find(|f| f.path.to_string_lossy().ends_with("servicemonitor.yml")).unwrap();
    let mut doc = yaml_docs(&monitor.contents).remove(0);
    doc["spec"]["endpoints"][0]["interval"] = "15 seconds".into();
    let err = validate(&[doc], "k8s-broken").unwrap_err();
    assert!(err.contains("interval"), "{err}");
}

#[test]
fn resources_carry_the_rules_the_scrape_and_the_dashboards() {
    let a = generate(&common::fixture(), &options(Monitor::Service, false)).unwrap();
    let files = a.files();
    for m in &a.kubernetes {
        match &m.resource {
            Resource::PrometheusRule { spec, .. } => assert_eq!(spec, &a.rules, "the same groups as the rule file"),
            Resource::ServiceMonitor { spec, .. } => {
                assert_eq!(spec.selector.match_labels["app.kubernetes.io/name"], "shop");
                let e = &spec.endpoints[0];
                assert_eq!((e.port.as_str(), e.path.as_str()), ("metrics", "/metrics"));
                // The rules select job="shop": the endpoint sets it, whatever the operator would name it.
                assert_eq!(e.relabelings[0].target_label, "job");
                assert_eq!(e.relabelings[0].replacement, a.job);
            }
            Resource::ConfigMap { metadata, data, .. } => {
                assert_eq!(metadata.labels["grafana_dashboard"], "1");
                assert_eq!(metadata.annotations["grafana_folder"], "Shop");
                let (key, json) = data.iter().next().unwrap();
                let on_disk = files.iter().find(|f| f.path.ends_with(key)).unwrap();
                assert_eq!(json, &on_disk.contents, "{key} differs from the dashboard file");
            }
            Resource::PodMonitor { .. } => panic!("a PodMonitor without --k8s-pod-monitor"),
        }
    }
    // Without the option, no Kubernetes file.
    let plain = generate(&common::fixture(), &Options::default()).unwrap().files();
    assert!(!plain.iter().any(|f| f.path.starts_with("kubernetes")));
}

#[test]
fn flags_and_the_config_file_set_the_kubernetes_options() {
    let args: Vec<String> =
        ["--out", "x", "--k8s-namespace", "mon", "--k8s-label", "release=prom", "--k8s-pod-monitor"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    let k = obs_dashboards::cli::parse(&args).unwrap().options.kubernetes.unwrap();
    assert_eq!((k.namespace.as_str(), k.monitor), ("mon", Monitor::Pod));
    assert_eq!(k.labels["release"], "prom");
    let o: Options = serde_norway::from_str("kubernetes:\n  namespace: mon\n  single_file: true\n").unwrap();
    assert!(o.kubernetes.unwrap().single_file);
    let err =
        obs_dashboards::cli::parse(&["--out".into(), "x".into(), "--k8s-label".into(), "nope".into()]).unwrap_err();
    assert!(err.contains("KEY=VALUE"), "{err}");
}

#[test]
fn check_fails_when_a_kubernetes_or_compose_file_is_stale() {
    use obs_dashboards::cli::{parse, run};
    let dir = common::temp_dir("k8s-compose-check");
    let d = dir.to_str().unwrap().to_owned();
    let model = common::fixture();
    let args = |check: bool| {
        let mut a: Vec<String> = vec!["--out".into(), d.clone(), "--kubernetes".into(), "--compose".into()];
        if check {
            a.push("--check".into());
        }
        parse(&a).unwrap()
    };
    assert!(run(&args(false), &model, &mut Vec::new()).unwrap());
    assert!(run(&args(true), &model, &mut Vec::new()).unwrap());
    for file in ["kubernetes/shop-servicemonitor.yml", "compose/docker-compose.yml", "compose/prometheus.yml"] {
        let path = dir.join(file);
        let original = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{original}# edited by hand\n")).unwrap();
        let mut log = Vec::new();
        assert!(!run(&args(true), &model, &mut log).unwrap(), "{file} edited, yet --check passed");
        assert!(String::from_utf8(log).unwrap().contains(&format!("stale: {}", path.display())));
        std::fs::write(&path, original).unwrap();
    }
    // Without the options, the check does not ask for them.
    assert!(run(&parse(&["--out".into(), d.clone(), "--check".into()]).unwrap(), &model, &mut Vec::new()).unwrap());
}
