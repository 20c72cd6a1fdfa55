//! Runs each health check in the background: every `interval`, bounded by `timeout`, panics caught.
//!
//! Every run, async or sync, is polled on a thread of the blocking pool, never on the runtime's worker that
//! serves `/metrics`, `/health` and `/ready` and keeps the checks' timers: an `async fn` check that blocks its
//! thread then stalls only itself, and is still reported as timed out at its timeout.
//!
//! A run that hangs is abandoned at its timeout. One that is waiting is cancelled; one that blocks cannot be, so
//! while it is still blocked its later runs report a timeout at once (see `blocking_check` for sync checks): a
//! hanging check never piles up threads.

use super::{panic_message, record, RunResult, HUNG_MARKER, PANIC_MARKER};
use crate::desc::HealthCheckEntry;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
    let Some(Run { mut task, cancel }) = Run::start(entry) else {
        record(entry.desc, RunResult::Timeout, Some(HUNG_MARKER[1..].to_owned()), started.elapsed());
        return;
    };
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
            // Ends a run that waits at its next poll; one that blocks returns when it unblocks.
            drop(cancel);
            (RunResult::Timeout, Some(format!("timed out after {timeout:?}")))
        }
    };
    record(entry.desc, result, error, started.elapsed());
}

/// Entries whose last run has not returned yet.
static RUNNING: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// One run of a check on its own blocking-pool thread.
struct Run {
    task: tokio::task::JoinHandle<Result<(), String>>,
    /// Dropping it cancels the run.
    cancel: tokio::sync::oneshot::Sender<()>,
}

/// Takes the entry out of [`RUNNING`] when the run's thread is done with it, even if the check panicked.
struct Returned(usize);

impl Drop for Returned {
    fn drop(&mut self) {
        RUNNING.lock().unwrap_or_else(|e| e.into_inner()).retain(|k| *k != self.0);
    }
}

impl Run {
    /// Starts a run, or returns `None` while the previous one is still blocked.
    fn start(entry: &'static HealthCheckEntry) -> Option<Run> {
        let key = entry as *const HealthCheckEntry as usize;
        {
            let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
            if running.contains(&key) {
                return None;
            }
            running.push(key);
        }
        let returned = Returned(key);
        let (cancel, cancelled) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::runtime::Handle::current();
        // A panic unwinds out of `block_on` into the JoinError, as it did out of a task.
        let task = tokio::task::spawn_blocking(move || {
            let _returned = returned;
            handle.block_on(async move {
                tokio::select! {
                    r = (entry.run)() => r,
                    _ = cancelled => Err("cancelled at its timeout".to_owned()),
                }
            })
        });
        Some(Run { task, cancel })
    }
}
