//! Health checks: the latest result of each `#[health_check]`, liveness, readiness and the health score.
//!
//! Checks run in the background ([`runner`]); requests to `/health` and `/ready` read the cached results and never
//! wait for a check.

pub(crate) mod metrics;
#[cfg(feature = "server")]
pub(crate) mod runner;

use crate::catalog::catalog;
use crate::desc::HealthCheckDesc;
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use metrics::RunResult;

/// How a caught panic travels in a check's error, for the runner to report `panic` rather than `error`.
pub(crate) const PANIC_MARKER: &str = "\u{0}panic:";
/// The error of a sync check whose previous run is still blocked; the runner reports it as a timeout.
pub(crate) const HUNG_MARKER: &str = "\u{0}the previous run has not returned yet";

pub(crate) fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panicked".to_owned())
}

/// The state of one check.
///
/// ```
/// let report = obs_runtime::health_report();
/// for (name, check) in &report.checks {
///     println!("{name}: {} ({} failures in a row)", check.status, check.consecutive_failures);
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "server", derive(serde::Serialize))]
pub struct CheckStatus {
    /// `healthy`, `unhealthy`, or `unknown` before the first run ends.
    pub status: &'static str,
    /// Whether readiness depends on this check.
    pub critical: bool,
    /// How the last run ended (`ok`, `error`, `timeout`, `panic`), if any.
    pub result: Option<&'static str>,
    /// The error of the last run, if it failed.
    pub error: Option<String>,
    /// How long the last run took, in milliseconds.
    pub duration_ms: f64,
    /// When the last run ended, in seconds since the Unix epoch.
    pub last_run_unix: Option<f64>,
    /// Failed runs in a row.
    pub consecutive_failures: u32,
}

impl CheckStatus {
    fn unknown(critical: bool) -> Self {
        CheckStatus {
            status: "unknown",
            critical,
            result: None,
            error: None,
            duration_ms: 0.0,
            last_run_unix: None,
            consecutive_failures: 0,
        }
    }
    /// Whether the last run passed.
    ///
    /// ```
    /// let (ready, report) = obs_runtime::readiness();
    /// assert_eq!(ready, report.checks.values().filter(|c| c.critical).all(|c| c.is_healthy()));
    /// ```
    pub fn is_healthy(&self) -> bool {
        self.status == "healthy"
    }
}

/// A report of every check: what `/health` and `/ready` serve.
///
/// ```
/// // No `#[health_check]` is linked into this example: everything is fine.
/// let report = obs_runtime::health_report();
/// assert_eq!((report.status, report.score), ("ok", 100.0));
/// assert!(report.checks.is_empty());
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "server", derive(serde::Serialize))]
pub struct HealthReport {
    /// `ok`, or `degraded` when any check fails (liveness), or `not_ready` (readiness).
    pub status: &'static str,
    /// Weighted share of passing checks, from 0 to 100.
    pub score: f64,
    /// Each check by name.
    pub checks: BTreeMap<&'static str, CheckStatus>,
}

fn states() -> &'static Mutex<BTreeMap<&'static str, CheckStatus>> {
    static STATES: OnceLock<Mutex<BTreeMap<&'static str, CheckStatus>>> = OnceLock::new();
    STATES.get_or_init(|| {
        Mutex::new(catalog().health_checks().map(|d| (d.name, CheckStatus::unknown(d.critical))).collect())
    })
}

pub(crate) fn record(desc: &'static HealthCheckDesc, result: RunResult, error: Option<String>, took: Duration) {
    let healthy = result == RunResult::Ok;
    let mut map = states().lock().unwrap_or_else(|e| e.into_inner());
    let entry = map.entry(desc.name).or_insert_with(|| CheckStatus::unknown(desc.critical));
    let turned_unhealthy = !healthy && entry.status != "unhealthy";
    entry.status = if healthy { "healthy" } else { "unhealthy" };
    entry.result = Some(result.as_str());
    entry.error = error;
    entry.duration_ms = took.as_secs_f64() * 1000.0;
    entry.last_run_unix = SystemTime::now().duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs_f64());
    entry.consecutive_failures = if healthy { 0 } else { entry.consecutive_failures.saturating_add(1) };
    drop(map);
    if desc.critical && turned_unhealthy {
        crate::trace::request_flight_dump_unhealthy();
    }
    metrics::HEALTH_CHECK_UP
        .with(metrics::CheckCritical { check: desc.name, critical: desc.critical })
        .set(healthy as i64);
    metrics::HEALTH_CHECK_DURATION.with(metrics::Check { check: desc.name }).set(took.as_secs_f64());
    metrics::HEALTH_CHECK_RUNS.with(metrics::CheckRun { check: desc.name, result }).inc();
    metrics::HEALTH_SCORE.set(report().score);
}

/// The current state of every check.
///
/// ```
/// let report = obs_runtime::health_report();
/// assert!(report.score >= 0.0 && report.score <= 100.0);
/// ```
pub fn report() -> HealthReport {
    let checks = states().lock().unwrap_or_else(|e| e.into_inner()).clone();
    let weights: BTreeMap<&str, u32> = catalog().health_checks().map(|d| (d.name, d.weight)).collect();
    let (mut total, mut passing) = (0u64, 0u64);
    for (name, c) in &checks {
        let w = u64::from(*weights.get(name).unwrap_or(&1));
        total += w;
        if c.is_healthy() {
            passing += w;
        }
    }
    let score = if total == 0 { 100.0 } else { passing as f64 * 100.0 / total as f64 };
    let status = if checks.values().all(CheckStatus::is_healthy) { "ok" } else { "degraded" };
    HealthReport { status, score, checks }
}

/// Readiness: every critical check passed its last run.
///
/// ```
/// let (ready, _report) = obs_runtime::readiness();
/// # let _ = ready;
/// ```
pub fn readiness() -> (bool, HealthReport) {
    let mut r = report();
    let ready = r.checks.values().filter(|c| c.critical).all(CheckStatus::is_healthy);
    if !ready {
        r.status = "not_ready";
    }
    (ready, r)
}

/// Turns a check's `Result` into the runner's, keeping the error's message.
///
/// ```
/// use obs_runtime::health::check_result;
/// assert_eq!(check_result(Ok::<u32, std::io::Error>(42)), Ok(()));
/// assert_eq!(check_result(Err::<(), _>("database down")), Err("database down".to_owned()));
/// ```
#[doc(hidden)]
pub fn check_result<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<(), String> {
    r.map(|_| ()).map_err(|e| e.to_string())
}

/// Runs a synchronous check on the blocking pool, so a slow one never stalls the async runner.
///
/// A sync check cannot be cancelled: while one run is still blocked, later runs report a timeout at once instead
/// of starting another thread, so a hanging check holds one thread, never more.
///
/// Without the `server` feature there is no runner and no blocking pool: the check then runs on the thread that
/// polls the future. The function exists in every build, so a library's `#[health_check]` expansion links to the
/// same item whichever features the binary turns on.
///
/// ```
/// fn ping() -> Result<(), String> {
///     Ok(())
/// }
/// fn broken() -> Result<(), String> {
///     panic!("no connection")
/// }
/// # #[cfg(feature = "server")] {
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// assert_eq!(rt.block_on(obs_runtime::health::blocking_check(ping)), Ok(()));
/// assert!(rt.block_on(obs_runtime::health::blocking_check(broken)).unwrap_err().ends_with("no connection"));
/// # }
/// ```
#[doc(hidden)]
pub fn blocking_check(f: fn() -> Result<(), String>) -> crate::desc::HealthFuture {
    static RUNNING: Mutex<Vec<usize>> = Mutex::new(Vec::new());
    let key = f as usize;
    {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        if running.contains(&key) {
            return Box::pin(async { Err(HUNG_MARKER.to_owned()) });
        }
        running.push(key);
    }
    let run = move || {
        let r = std::panic::catch_unwind(f);
        RUNNING.lock().unwrap_or_else(|e| e.into_inner()).retain(|k| *k != key);
        r
    };
    let outcome = |r: std::thread::Result<Result<(), String>>| match r {
        Ok(r) => r,
        Err(panic) => Err(PANIC_MARKER.to_owned() + &panic_message(panic)),
    };
    #[cfg(feature = "server")]
    return Box::pin(async move {
        match tokio::task::spawn_blocking(run).await {
            Ok(r) => outcome(r),
            Err(e) => Err(e.to_string()),
        }
    });
    #[cfg(not(feature = "server"))]
    Box::pin(async move { outcome(run()) })
}
