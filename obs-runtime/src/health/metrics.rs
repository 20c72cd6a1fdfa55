//! The metrics of health checks, declared with obs' own macro.

use obs_macros::{metric, LabelValue, Labels};

/// How one run of a check ended.
#[derive(LabelValue, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunResult {
    /// The check returned `Ok`.
    Ok,
    /// The check returned `Err`.
    Error,
    /// The check did not finish within its timeout.
    Timeout,
    /// The check panicked.
    Panic,
}

#[derive(Labels)]
pub(crate) struct Check {
    pub(crate) check: &'static str,
}

#[derive(Labels)]
pub(crate) struct CheckCritical {
    pub(crate) check: &'static str,
    pub(crate) critical: bool,
}

#[derive(Labels)]
pub(crate) struct CheckRun {
    pub(crate) check: &'static str,
    pub(crate) result: RunResult,
}

/// Whether the check passed its last run (1) or not (0).
#[metric(gauge, labels = CheckCritical, name = "obs_health_check_up", namespace = "")]
pub(crate) struct HealthCheckUp;

/// How long the last run of the check took.
#[metric(gauge, labels = Check, value = f64, unit = "seconds", name = "obs_health_check_duration", namespace = "")]
pub(crate) struct HealthCheckDuration;

/// Runs of each check, by how they ended.
#[metric(counter, labels = CheckRun, name = "obs_health_check_runs", namespace = "")]
pub(crate) struct HealthCheckRuns;

/// Weighted share of passing health checks, from 0 to 100.
#[metric(gauge, value = f64, name = "obs_health_score", namespace = "")]
pub(crate) struct HealthScore;
