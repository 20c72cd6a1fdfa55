//! A library built against obs without default features (tests/crates/lean-lib) in a binary that enables them:
//! one catalog and one exposition hold the library's families next to the runtime's own, and the library's
//! `#[health_check]`, which compiled without the runner, is run by this binary's runner and decides readiness.

use crate::common;

use common::{eventually, get};
use std::time::Duration;

#[test]
fn a_lean_library_is_served_by_a_binary_with_the_features() {
    // Its traced calls would reach the pipeline another test of this binary installs: they take turns.
    let _lock = common::turn(&common::PIPELINE);
    assert_eq!(lean_lib::query("orders", 2000), Ok(2000));
    assert!(lean_lib::query("", 0).is_err());

    let guard = obs::builder!().service_name("lean-host").listen("127.0.0.1:0").init().expect("obs starts");
    let addr = guard.local_addr().unwrap();

    let text = get(addr, "/metrics", &[]).text();
    for line in [
        // the library's declarations and its #[traced] function's RED metrics
        "lean_queries_total{table=\"orders\",outcome=\"ok\"} 1\n",
        "lean_queries_total{table=\"\",outcome=\"refused\"} 1\n",
        "lean_query_bytes_count 1\n",
        "function_calls_total{function=\"query\",module=\"lean_lib\",result=\"error\"} 1\n",
        // the features' own families, in the same exposition
        "# TYPE process_cpu_seconds_total counter\n",
        "build_info{service=\"lean-host\",",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    assert_eq!(text.matches("# TYPE lean_queries_total counter\n").count(), 1, "one family, once:\n{text}");

    // The runner (feature `server`) runs the library's check; it is critical, so it decides readiness.
    assert!(
        eventually(Duration::from_secs(10), || get(addr, "/ready", &[]).status == 200
            && obs::health_report().checks.get("ping").is_some_and(|c| c.is_healthy())),
        "the library's check passes: {:?}",
        obs::health_report()
    );
    lean_lib::set_down(true);
    assert!(
        eventually(Duration::from_secs(10), || get(addr, "/ready", &[]).status == 503),
        "a failing critical check of the library makes the binary not ready: {}",
        get(addr, "/ready", &[]).text()
    );
    let health = get(addr, "/health", &[]).text();
    assert!(health.contains("lean server down"), "{health}");
    let metrics = get(addr, "/metrics", &[]).text();
    assert!(metrics.contains("obs_health_check_up{check=\"ping\""), "{metrics}");
    drop(guard);
}
