//! The drift check of `gen-dashboards --check` as a `#[test]`: the committed dashboards, rules and routing must be
//! what the code generates now, or the test fails with the diff.
//!
//! ```no_run
//! #[test]
//! fn the_deploy_directory_is_up_to_date() {
//!     obs_dashboards::testing::assert_up_to_date("deploy/");
//! }
//! ```
//!
//! The catalog is the test binary's: declare nothing in the test file itself (its declarations would be in the
//! catalog too), and name the crate that declares the service's metrics as `gen-dashboards` does.

use crate::cli::{run, Command};
use crate::{Model, Options};
use std::path::Path;

/// Fails the calling test, with a unified diff per stale file and the list of missing ones, unless every file
/// generated from this binary's catalog with the default [`Options`] is in `dir` as generated. A relative `dir` is
/// taken from the current directory, which `cargo test` sets to the package's root.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("obs-up-to-date-doc-{}", std::process::id()));
/// let mut model = obs_dashboards::Model::new("svc");
/// model.metrics.push(obs_dashboards::Metric::new("jobs", obs_runtime::MetricKind::Counter, "Jobs."));
/// let write = obs_dashboards::cli::Command { out: dir.clone(), check: false, options: Default::default() };
/// obs_dashboards::cli::run(&write, &model, &mut Vec::new()).unwrap();
/// obs_dashboards::testing::assert_model_up_to_date(&dir, &model, &Default::default());
/// # std::fs::remove_dir_all(dir).unwrap();
/// ```
///
/// # Panics
/// When a file is missing or differs, or nothing can be generated (an empty catalog, contradictory options).
#[track_caller]
pub fn assert_up_to_date(dir: impl AsRef<Path>) {
    assert_up_to_date_with(dir, &Options::default())
}

/// [`assert_up_to_date`] for files generated with `options` (what `gen-dashboards --config FILE` or its flags
/// set).
///
/// ```no_run
/// let options = obs_dashboards::Options { job: Some("shop".into()), ..Default::default() };
/// obs_dashboards::testing::assert_up_to_date_with("deploy/", &options);
/// ```
///
/// # Panics
/// As [`assert_up_to_date`].
#[track_caller]
pub fn assert_up_to_date_with(dir: impl AsRef<Path>, options: &Options) {
    assert_model_up_to_date(dir, &Model::from_catalog(obs_runtime::catalog()), options)
}

/// [`assert_up_to_date_with`] for a model built by hand rather than read from the catalog.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("obs-stale-doc-{}", std::process::id()));
/// let mut model = obs_dashboards::Model::new("svc");
/// model.metrics.push(obs_dashboards::Metric::new("jobs", obs_runtime::MetricKind::Counter, "Jobs."));
/// let stale = std::panic::catch_unwind(|| {
///     obs_dashboards::testing::assert_model_up_to_date(&dir, &model, &Default::default())
/// });
/// assert!(stale.is_err()); // nothing was written there: every file is missing
/// ```
///
/// # Panics
/// As [`assert_up_to_date`].
#[track_caller]
pub fn assert_model_up_to_date(dir: impl AsRef<Path>, model: &Model, options: &Options) {
    let dir = dir.as_ref();
    let cmd = Command { out: dir.to_path_buf(), check: true, options: options.clone() };
    let mut log = Vec::new();
    match run(&cmd, model, &mut log) {
        Ok(true) => {}
        Ok(false) => panic!(
            "{}\nregenerate them with your gen-dashboards binary: cargo run --bin gen-dashboards -- --out {}",
            String::from_utf8_lossy(&log).trim_end(),
            dir.display()
        ),
        Err(msg) => panic!("cannot check {}: {msg}", dir.display()),
    }
}
