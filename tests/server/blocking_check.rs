//! A health check that blocks its thread, async or sync, never stalls `/metrics`, `/health` or `/ready`, and is
//! reported as timed out at its timeout.

use crate::common;

use common::{eventually, get};
use std::time::{Duration, Instant};

/// Blocks its thread (a blocking call inside an `async fn`) far longer than its timeout.
#[obs::health_check(interval = "100ms", timeout = "200ms")]
async fn blocks_async() -> Result<(), String> {
    std::thread::sleep(Duration::from_secs(3600));
    Ok(())
}

/// The same, sync.
#[obs::health_check(interval = "100ms", timeout = "200ms")]
fn blocks_sync() -> Result<(), String> {
    std::thread::sleep(Duration::from_secs(3600));
    Ok(())
}

#[test]
fn a_check_that_blocks_its_thread_stalls_no_endpoint() {
    let guard = obs::builder!().listen("127.0.0.1:0").init().expect("obs starts");
    let addr = guard.local_addr().unwrap();
    // Let both checks start and block, several runs over.
    std::thread::sleep(Duration::from_millis(500));
    for round in 0..5 {
        for path in ["/metrics", "/health", "/ready"] {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let started = Instant::now();
                let status = get(addr, path, &[]).status;
                let _ = tx.send((status, started.elapsed()));
            });
            let (status, took) = rx
                .recv_timeout(Duration::from_secs(2))
                .unwrap_or_else(|_| panic!("round {round}: {path} did not answer within 2 s"));
            assert!([200, 503].contains(&status), "{path}: {status} after {took:?}");
        }
    }
    let reported = eventually(Duration::from_secs(5), || {
        let body: serde_json::Value = serde_json::from_slice(&get(addr, "/health", &[]).body).unwrap();
        ["blocks_async", "blocks_sync"].iter().all(|c| body["checks"][c]["result"] == "timeout")
    });
    assert!(reported, "both blocked checks are reported as timed out");
    // The process ends with the test; the blocked threads are left to it.
    std::mem::forget(guard);
}
