//! `init` from a plain `main` and from inside tokio, and its errors.

use crate::common;

#[test]
fn invalid_environment_values_are_errors_naming_the_variable() {
    // This binary's only test that sets a variable; golden, which reads one, takes ENV too, and the other tests
    // pass explicit settings.
    let _env = common::turn(&common::ENV);
    // SAFETY: no other test of this binary reads or writes the environment while ENV is held (see above), so no
    // thread reads it while it changes.
    unsafe { std::env::set_var("OTEL_EXPORTER_PROMETHEUS_PORT", "ninety") };
    let err = obs::init!().err().expect("an invalid port is refused");
    // SAFETY: as above.
    unsafe { std::env::remove_var("OTEL_EXPORTER_PROMETHEUS_PORT") };
    let msg = err.to_string();
    assert!(msg.contains("OTEL_EXPORTER_PROMETHEUS_PORT") && msg.contains("`ninety`"), "{msg}");
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let err = obs::builder!().listen(addr.clone()).without_health_checks().init().err().unwrap();
    assert!(err.to_string().contains(&format!("cannot listen on {addr}")), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_and_drop_inside_a_tokio_runtime() {
    let guard = obs::builder!().listen("127.0.0.1:0").without_health_checks().init().unwrap();
    let addr = guard.local_addr().unwrap();
    let status = tokio::task::spawn_blocking(move || common::get(addr, "/health", &[]).status).await.unwrap();
    assert_eq!(status, 200);
    drop(guard); // must not panic inside an async context
}

#[tokio::test(flavor = "current_thread")]
async fn init_inside_a_current_thread_runtime_still_serves() {
    let guard = obs::builder!().listen("127.0.0.1:0").without_health_checks().init().unwrap();
    let addr = guard.local_addr().unwrap();
    // The endpoints run on obs' own runtime, so a blocked caller does not stall them.
    assert_eq!(common::get(addr, "/metrics", &[]).status, 200);
}
