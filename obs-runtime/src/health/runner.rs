//! Runs each health check in the background: every `interval`, bounded by `timeout`, panics caught.
//!
//! A run that hangs is abandoned at its timeout. An async check is cancelled; a sync one cannot be, so while it
//! is still blocked its later runs report a timeout at once (see `blocking_check`): a hanging check never piles
//! up threads.

use super::{record, RunResult};
use crate::desc::HealthCheckEntry;
use std::time::{Duration, Instant};

pub(crate) const PANIC_MARKER: &str = "\u{0}panic:";
pub(crate) const HUNG_MARKER: &str = "\u{0}the previous run has not returned yet";

pub(crate) fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panicked".to_owned())
}

/// Starts one task per check on `handle`; they stop when the runtime shuts down.
pub(crate) fn spawn_all(handle: &tokio::runtime::Handle, entries: &[&'static HealthCheckEntry]) {
    for entry in entries {
        let entry: &'static HealthCheckEntry = entry;
        handle.spawn(async move {
            let interval = Duration::from_millis(entry.desc.interval_ms.max(1));
            loop {
                run_once(entry).await;
                tokio::time::sleep(interval).await;
            }
        });
    }
}

/// One run of one check, recorded in the cache and the metrics.
pub(crate) async fn run_once(entry: &'static HealthCheckEntry) {
    let timeout = Duration::from_millis(entry.desc.timeout_ms.max(1));
    let started = Instant::now();
    // Its own task: a panic is contained in the JoinError, and a timeout can abort it.
    let mut task = tokio::spawn((entry.run)());
    let (result, error) = match tokio::time::timeout(timeout, &mut task).await {
        Ok(Ok(Ok(()))) => (RunResult::Ok, None),
        Ok(Ok(Err(e))) if e == HUNG_MARKER => (RunResult::Timeout, Some(e[1..].to_owned())),
        Ok(Ok(Err(e))) => match e.strip_prefix(PANIC_MARKER) {
            Some(msg) => (RunResult::Panic, Some(format!("panicked: {msg}"))),
            None => (RunResult::Error, Some(e)),
        },
        Ok(Err(join)) if join.is_panic() => {
            (RunResult::Panic, Some(format!("panicked: {}", panic_message(join.into_panic()))))
        }
        Ok(Err(join)) => (RunResult::Error, Some(join.to_string())),
        Err(_) => {
            task.abort();
            (RunResult::Timeout, Some(format!("timed out after {timeout:?}")))
        }
    };
    record(entry.desc, result, error, started.elapsed());
}
