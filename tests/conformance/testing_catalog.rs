//! `obs::testing::assert_catalog`: a crate with badly named declarations fails it, with each problem at the
//! declaration's file and line, and the problems are the ones the real `promtool check metrics` reports.

// The only binary that links the bad declarations.
use bad_naming as _;

use std::io::Write;
use std::process::{Command, Stdio};

const BAD: &str = "tests/crates/bad-naming/src/lib.rs";

#[test]
fn assert_catalog_names_each_bad_declaration_at_its_file_and_line() {
    let failure = std::panic::catch_unwind(obs::testing::assert_catalog).expect_err("the bad crate is linked");
    let msg = failure.downcast_ref::<String>().unwrap();
    for expected in [
        format!("{BAD}:6:12 (bad_naming): queue_count: non-histogram and non-summary metrics should not have \"_count\" suffix"),
        format!("{BAD}:10:12 (bad_naming): render_minutes: use base unit \"seconds\" instead of \"minutes\""),
        format!("{BAD}:14:12 (bad_naming): cache_hit_counter_total: metric name should not include type 'counter'"),
    ] {
        assert!(msg.lines().any(|l| l.ends_with(&format!("{expected} (promtool check metrics)"))), "{expected}\nin:\n{msg}");
    }
    assert!(msg.starts_with("the metrics catalog has 3 problem(s):"), "{msg}");
}

#[test]
fn the_lints_are_what_promtool_reports_on_the_scrape() {
    let ours: Vec<String> =
        obs::testing::lint(obs::catalog()).iter().map(|l| format!("{} {}", l.metric, l.problem)).collect();
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus package, installed by scripts/test.sh)");
    promtool.stdin.take().unwrap().write_all(obs::encode(obs::Format::Prometheus).as_bytes()).unwrap();
    let out = promtool.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let theirs: Vec<String> = text.lines().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect();
    let (mut ours_sorted, mut theirs_sorted) = (ours.clone(), theirs.clone());
    ours_sorted.sort();
    theirs_sorted.sort();
    assert_eq!(ours_sorted, theirs_sorted, "obs' lints and promtool's disagree");
    assert_eq!(ours.len(), 3);
}
