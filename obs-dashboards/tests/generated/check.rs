//! `--check` round trip: fresh output passes; an edited or a missing file fails with a readable diff.

use crate::common;

use obs_dashboards::cli::{parse, run};

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn check_passes_on_fresh_output_and_fails_with_a_diff_on_edits() {
    let dir = common::temp_dir("check");
    let d = dir.to_str().unwrap();
    let model = common::fixture();
    let mut log = Vec::new();
    assert!(run(&parse(&args(&["--out", d])).unwrap(), &model, &mut log).unwrap());
    let written = String::from_utf8(log).unwrap();
    assert!(written.contains("wrote ") && written.contains("shop.rules.yml"), "{written}");

    let check = parse(&args(&["--out", d, "--check"])).unwrap();
    let mut log = Vec::new();
    assert!(run(&check, &model, &mut log).unwrap(), "{}", String::from_utf8_lossy(&log));

    // Hand-edit the rules: stale, with a unified diff naming the line.
    let rules = dir.join("prometheus/rules/shop.rules.yml");
    let text = std::fs::read_to_string(&rules).unwrap();
    std::fs::write(&rules, text.replace("for: 10m", "for: 1h")).unwrap();
    let mut log = Vec::new();
    assert!(!run(&check, &model, &mut log).unwrap());
    let out = String::from_utf8(log).unwrap();
    assert!(out.contains("stale: "), "{out}");
    assert!(out.contains("-    for: 1h") && out.contains("+    for: 10m"), "{out}");
    assert!(out.contains("@@"), "{out}");

    // A missing file fails too.
    std::fs::remove_file(dir.join("alertmanager/alertmanager.yml")).unwrap();
    let mut log = Vec::new();
    assert!(!run(&check, &model, &mut log).unwrap());
    assert!(String::from_utf8(log).unwrap().contains("missing: "));

    // Regenerating fixes it.
    assert!(run(&parse(&args(&["--out", d])).unwrap(), &model, &mut Vec::new()).unwrap());
    assert!(run(&check, &model, &mut Vec::new()).unwrap());
}

#[test]
fn options_come_from_flags_and_a_config_file() {
    let dir = common::temp_dir("config");
    let cfg = dir.join("obs.yml");
    std::fs::write(
        &cfg,
        "job: shop-prod\ndatasource_uid: prom-eu\nreceivers:\n  page:\n    webhook_urls: [http://pager/]\n  ticket:\n    email_to: [team@example.com]\n",
    )
    .unwrap();
    let cmd =
        parse(&args(&["--config", cfg.to_str().unwrap(), "--out", "x", "--folder", "Shop", "--fast-alerts"])).unwrap();
    assert_eq!(cmd.options.job.as_deref(), Some("shop-prod"));
    assert_eq!(cmd.options.datasource_uid, "prom-eu");
    assert_eq!(cmd.options.folder, "Shop");
    assert_eq!(cmd.options.time_scale, 60);
    assert_eq!(cmd.options.receivers.page.webhook_urls, ["http://pager/"]);
    let a = obs_dashboards::generate(&common::fixture(), &cmd.options).unwrap();
    let am = serde_norway::to_string(&a.alertmanager).unwrap();
    assert!(am.contains("url: http://pager/") && am.contains("to: team@example.com"), "{am}");
    assert!(am.contains("smtp_smarthost"), "{am}");
    // --fast-alerts: an hour becomes a minute.
    let rules = serde_norway::to_string(&a.rules).unwrap();
    assert!(rules.contains("slo:sli_error:ratio_rate1m"), "{rules}");

    let err = parse(&args(&["--out", "x", "--slack-channel", "#c"]))
        .map(|c| obs_dashboards::generate(&common::fixture(), &c.options).unwrap_err().to_string())
        .unwrap();
    assert!(err.contains("--slack-api-url"), "{err}");
    assert!(parse(&args(&["--check"])).unwrap_err().contains("--out DIR is required"));
}
