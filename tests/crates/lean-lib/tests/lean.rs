//! The library's declarations working with obs built without default features (`cargo test -p lean-lib` selects
//! this crate alone, so obs is built lean): the exposition, `#[traced]` RED metrics and spans to an in-process
//! sink, and the health check's declaration and run. `scripts/test.sh` runs it so.

use obs::trace::{MemorySink, SpanStatus, TracePipeline};
use std::future::Future;
use std::task::{Context, Poll, Waker};

/// Polls a future that needs no runtime to its end: the lean build has none.
fn ready<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

#[test]
fn declarations_traced_functions_and_health_checks_work_without_the_services() {
    // Spans: the in-process pipeline is part of the declaration layer; exporters are the binary's choice.
    let sink = MemorySink::default();
    let guard = TracePipeline::builder().service_name("lean").sink(sink.clone()).install().expect("pipeline");
    assert_eq!(lean_lib::query("users", 300), Ok(300));
    assert_eq!(lean_lib::query("", 0), Err("no table".to_owned()));
    lean_lib::OpenConnections.set(2);
    guard.flush();
    drop(guard);
    let spans = sink.spans();
    let statuses: Vec<_> = spans.iter().filter(|s| s.name == "query").map(|s| s.status.clone()).collect();
    assert_eq!(statuses.len(), 2, "{spans:?}");
    assert!(matches!(statuses[0], SpanStatus::Unset), "{statuses:?}");
    assert!(matches!(statuses[1], SpanStatus::Error(_)), "{statuses:?}");

    let text = obs::encode(obs::Format::Prometheus);
    for line in [
        "lean_queries_total{table=\"users\",outcome=\"ok\"} 1\n",
        "lean_queries_total{table=\"\",outcome=\"refused\"} 1\n",
        "lean_query_bytes_bucket{le=\"1024.0\"} 1\n",
        "lean_open_connections 2\n",
        "function_calls_total{function=\"query\",module=\"lean_lib\",result=\"ok\"} 1\n",
        "function_calls_total{function=\"query\",module=\"lean_lib\",result=\"error\"} 1\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }

    // The health check is declared, and its run works here too (on this thread: no blocking pool without `server`).
    let entry = obs::catalog()
        .health_check_entries()
        .iter()
        .find(|e| e.desc.name == "ping")
        .expect("the library's health check is in the catalog");
    assert!(entry.desc.critical);
    assert_eq!(ready((entry.run)()), Ok(()));
    lean_lib::set_down(true);
    assert_eq!(ready((entry.run)()), Err("lean server down".to_owned()));
    lean_lib::set_down(false);
    // Nothing runs the checks in a library's own build: the report holds the declared check, not yet run.
    let report = obs::health_report();
    assert_eq!(report.checks["ping"].status, "unknown");
}
