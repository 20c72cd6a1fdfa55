//! The shop's checks from its own test suite: the catalog passes `validate()` and promtool's naming lints, and the
//! committed `deploy/` directory is what `gen-dashboards` generates from the code now.
//!
//! Nothing is declared in this file, so the test binary's catalog is the one `gen-dashboards` sees.

use shop_service as _; // links the crate, so its declarations are in the catalog, as in src/bin/gen-dashboards.rs

#[test]
fn the_catalog_is_valid_and_named_as_prometheus_expects() {
    obs::testing::assert_catalog();
}

#[test]
fn the_committed_deploy_directory_is_what_the_code_generates() {
    obs_dashboards::testing::assert_up_to_date("deploy/");
}

#[test]
fn a_stale_or_missing_file_fails_the_check_with_its_diff() {
    let dir = std::env::temp_dir().join(format!("shop-deploy-stale-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let copy = |rel: &str| {
        let to = dir.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(std::path::Path::new("deploy").join(rel), &to).unwrap();
    };
    let rules = "prometheus/rules/shop-service.rules.yml";
    let datasource = "grafana/provisioning/datasources/shop-service.yml";
    copy(rules);
    copy(datasource);
    // Someone edits a generated rule by hand, and a file is never committed.
    let path = dir.join(rules);
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen("for: ", "for:  ", 1);
    assert_ne!(edited, text);
    std::fs::write(&path, edited).unwrap();
    let failure = std::panic::catch_unwind(|| obs_dashboards::testing::assert_up_to_date(&dir)).unwrap_err();
    let msg = failure.downcast_ref::<String>().unwrap();
    assert!(msg.contains(&format!("stale: {}", path.display())), "{msg}");
    assert!(msg.lines().any(|l| l.starts_with("-") && l.contains("for:  ")), "the diff shows the edit:\n{msg}");
    assert!(msg.lines().any(|l| l.starts_with("+") && l.contains("for: ") && !l.contains("for:  ")), "{msg}");
    assert!(msg.contains("missing: ") && msg.contains("shop-service-overview.json"), "{msg}");
    assert!(!msg.contains(&format!("stale: {}", dir.join(datasource).display())), "an intact file is not reported");
    assert!(msg.contains("cargo run --bin gen-dashboards -- --out"), "{msg}");
    std::fs::remove_dir_all(&dir).unwrap();
}
