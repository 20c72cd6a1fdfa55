//! Golden files: the artifacts of the fixed test catalog (`tests/common`), byte for byte. After an intended
//! change, regenerate them with `UPDATE_GOLDEN=1 cargo test -p obs-dashboards --test generated golden` and review
//! the diff.

use crate::common;

use obs_dashboards::{generate, Options};
use std::path::Path;

#[test]
fn generated_files_match_the_golden_files() {
    let files = generate(&common::fixture(), &Options::default()).unwrap().files();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&root);
        common::write_all(&files, &root);
    }
    let mut stale = Vec::new();
    for f in &files {
        let path = root.join(&f.path);
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        if on_disk != f.contents {
            let diff = similar::TextDiff::from_lines(&on_disk, &f.contents);
            stale.push(format!("{}", diff.unified_diff().header(&path.display().to_string(), "generated")));
        }
    }
    assert!(
        stale.is_empty(),
        "generated output differs from the golden files; if intended, run \
         `UPDATE_GOLDEN=1 cargo test -p obs-dashboards --test generated golden`:\n{}",
        stale.join("\n")
    );
}

#[test]
fn output_is_deterministic_whatever_the_input_order() {
    let model = common::fixture();
    let a = generate(&model, &Options::default()).unwrap().files();
    let mut shuffled = model.clone();
    shuffled.metrics.reverse();
    shuffled.functions.reverse();
    shuffled.health_checks.reverse();
    let b = generate(&shuffled, &Options::default()).unwrap().files();
    assert_eq!(a, b);
}

#[test]
fn uids_are_stable_and_panel_ids_unique() {
    let a = generate(&common::fixture(), &Options::default()).unwrap();
    let uids: Vec<&str> = a.dashboards.iter().map(|(_, d)| d.uid.as_str()).collect();
    assert_eq!(uids, ["shop-7e6ecd91ceb047d1", "shop-f6f638352d25d8df"]);
    for (_, d) in &a.dashboards {
        let mut ids: Vec<u32> = d.panels.iter().map(|p| p.id).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate panel ids in {}", d.title);
        assert!(d.uid.len() <= 40);
    }
}
