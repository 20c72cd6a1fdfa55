//! The generated files, checked by the real tools: `promtool check rules`, `promtool test rules` (the generated
//! cases: every alert fires on its series and stays quiet on the others), `promtool check config`,
//! `amtool check-config`, and `tsc --strict` against the `Dashboard` type of npm `@grafana/schema`.
//!
//! These tests fail, rather than skip, when a tool is missing: `bash scripts/test.sh` installs them.

use crate::common;

use obs_dashboards::{generate, Options, Receiver, Receivers};
use std::path::{Path, PathBuf};
use std::process::Command;

fn tool(name: &str) -> Command {
    if Command::new(name).arg("--version").output().is_err() {
        panic!(
            "`{name}` is not installed; run `bash scripts/test.sh`, which installs it \
             (apt-get install prometheus prometheus-alertmanager)"
        );
    }
    Command::new(name)
}

fn run(mut cmd: Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn generated(name: &str, opts: &Options) -> (PathBuf, obs_dashboards::Artifacts) {
    let a = generate(&common::fixture(), opts).unwrap();
    let dir = common::temp_dir(name);
    common::write_all(&a.files(), &dir);
    (dir, a)
}

fn receivers() -> Options {
    let all = Receiver {
        webhook_urls: vec!["http://127.0.0.1:5001/alerts".into()],
        slack_channels: vec!["#shop-oncall".into()],
        email_to: vec!["oncall@example.com".into()],
    };
    Options {
        receivers: Receivers { page: all.clone(), ticket: all, info: Receiver::default() },
        slack_api_url: Some("https://hooks.slack.com/services/T000/B000/XXXX".into()),
        ..Options::default()
    }
}

fn promtool_checks(dir: &Path, a: &obs_dashboards::Artifacts) {
    let mut c = tool("promtool");
    c.arg("check").arg("rules").arg(dir.join(a.rules_path()));
    run(c, "promtool check rules");
    let mut c = tool("promtool");
    c.arg("test").arg("rules").arg(dir.join(a.rule_tests_path()));
    run(c, "promtool test rules");
    let mut c = tool("promtool");
    c.arg("check").arg("config").arg(dir.join("prometheus/prometheus.yml"));
    run(c, "promtool check config");
}

#[test]
fn promtool_accepts_rules_and_every_generated_rule_test_passes() {
    let (dir, a) = generated("promtool", &Options::default());
    promtool_checks(&dir, &a);
    // Every alert has a case where it fires and one where it stays quiet.
    let yaml = std::fs::read_to_string(dir.join(a.rule_tests_path())).unwrap();
    for g in &a.rules.groups {
        for r in &g.rules {
            if let obs_dashboards::rules::Rule::Alerting(r) = r {
                assert!(yaml.contains(&format!("alertname: {}", r.alert)), "no test for {}", r.alert);
            }
        }
    }
}

#[test]
fn fast_alerts_rules_pass_their_tests_too() {
    let (dir, a) = generated("promtool-fast", &Options { time_scale: 60, ..Options::default() });
    promtool_checks(&dir, &a);
}

#[test]
fn amtool_accepts_the_alertmanager_config() {
    for (name, opts) in [("am-default", Options::default()), ("am-receivers", receivers())] {
        let (dir, _) = generated(name, &opts);
        let mut c = tool("amtool");
        c.arg("check-config").arg(dir.join("alertmanager/alertmanager.yml"));
        run(c, &format!("amtool check-config ({name})"));
    }
}

#[test]
fn dashboards_type_check_against_grafana_schema() {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema-check");
    let tsc = schema.join("node_modules/.bin/tsc");
    let pkg = schema.join("node_modules/@grafana/schema");
    assert!(
        tsc.exists() && pkg.exists(),
        "the TypeScript checker is not installed in {}; run `npm ci --prefix obs-dashboards/schema-check` \
         (bash scripts/test.sh does)",
        schema.display()
    );
    let (dir, a) = generated("tsc", &Options::default());
    let mut files = Vec::new();
    for (stem, _) in &a.dashboards {
        let json = std::fs::read_to_string(dir.join(format!("grafana/dashboards/{stem}.json"))).unwrap();
        let ts = dir.join(format!("{stem}.ts"));
        std::fs::write(&ts, to_typescript(&json, &pkg)).unwrap();
        files.push(ts);
    }
    let mut c = Command::new("node");
    c.arg(&tsc)
        .args([
            "--noEmit",
            "--strict",
            "--skipLibCheck",
            "--target",
            "es2020",
            "--module",
            "commonjs",
            "--moduleResolution",
            "node",
        ])
        .args(&files);
    if Command::new("node").arg("--version").output().is_err() {
        panic!("`node` is not installed; run `bash scripts/test.sh`");
    }
    run(c, "tsc --strict against @grafana/schema's Dashboard");
}

/// The dashboard as a typed TypeScript constant. @grafana/schema declares a few fields as TypeScript string
/// enums, which no JSON literal is assignable to; those values are written as the enum member of the same value
/// (any other value is left as a string, and fails the check).
fn to_typescript(json: &str, pkg: &Path) -> String {
    let body = json
        .trim_end()
        .replace("\"mode\": \"absolute\"", "\"mode\": ThresholdsMode.Absolute")
        .replace("\"mode\": \"percentage\"", "\"mode\": ThresholdsMode.Percentage")
        .replace("\"type\": \"value\"", "\"type\": MappingType.ValueToText")
        .replace("\"type\": \"range\"", "\"type\": MappingType.RangeToText");
    format!(
        "import {{ type Dashboard, MappingType, ThresholdsMode }} from {:?};\nexport const dashboard: Dashboard = {body};\n",
        pkg.display().to_string()
    )
}

#[test]
fn a_broken_dashboard_is_caught_by_the_type_check() {
    // The check is only worth something if it can fail: a panel without `type` must be refused.
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema-check");
    let tsc = schema.join("node_modules/.bin/tsc");
    let pkg = schema.join("node_modules/@grafana/schema");
    assert!(tsc.exists(), "run `npm ci --prefix obs-dashboards/schema-check` (bash scripts/test.sh does)");
    let dir = common::temp_dir("tsc-broken");
    let ts = dir.join("broken.ts");
    std::fs::write(
        &ts,
        format!(
            "import type {{ Dashboard }} from {:?};\nexport const d: Dashboard = {{ schemaVersion: 42, panels: [{{ id: 1, title: \"no type\" }}] }};\n",
            pkg.display().to_string()
        ),
    )
    .unwrap();
    let out = Command::new("node")
        .arg(&tsc)
        .args(["--noEmit", "--strict", "--skipLibCheck", "--moduleResolution", "node"])
        .arg(&ts)
        .output()
        .unwrap();
    assert!(!out.status.success(), "tsc accepted a panel without `type`");
}
