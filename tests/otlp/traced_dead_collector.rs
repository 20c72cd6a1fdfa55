//! A dead or hanging OTLP collector: each export fails within the configured timeout, its spans are dropped and
//! counted, and neither the traced calls nor a flush nor the shutdown hang. The RED metrics do not depend on it.

use obs::trace::{pipeline_stats, Protocol, TracePipeline};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::collectors::silent_collector;

// The span pipeline and its counters are process-wide: the tests take turns, with the others of this binary.
use crate::common::{turn, PIPELINE};

#[obs::traced]
fn work(n: u64) -> u64 {
    n + 1
}

/// A port nothing listens on: connections are refused.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    port
}

/// Runs `calls` traced calls under a pipeline exporting to `url`, flushes and shuts down; returns the spans
/// dropped at export, the export errors, and the time the flush plus the shutdown took.
fn export_to(url: String, protocol: Protocol, calls: u64) -> (u64, u64, Duration) {
    let f = obs::trace::traced_function(module_path!(), "work").expect("work is traced");
    let ok_before = f.calls(obs::trace::Outcome::Ok);
    let (exported0, _, failed0, errors0) = pipeline_stats();
    let guard = TracePipeline::builder()
        .service_name("dead-collector")
        .endpoint(url)
        .protocol(protocol)
        .timeout(Duration::from_millis(500))
        .install()
        .expect("a pipeline installs whether or not its collector is up");
    for i in 0..calls {
        assert_eq!(work(i), i + 1);
    }
    let t = Instant::now();
    guard.flush();
    drop(guard);
    let took = t.elapsed();
    let (exported, _, failed, errors) = pipeline_stats();
    assert_eq!(exported, exported0, "nothing can have been exported");
    assert_eq!(f.calls(obs::trace::Outcome::Ok) - ok_before, calls, "RED metrics are independent of the export");
    (failed - failed0, errors - errors0, took)
}

#[test]
fn refused_connections_are_counted_drops() {
    let _lock = turn(&PIPELINE);
    for protocol in [Protocol::HttpProtobuf, Protocol::Grpc] {
        let port = closed_port();
        let url = match protocol {
            Protocol::HttpProtobuf => format!("http://127.0.0.1:{port}/v1/traces"),
            Protocol::Grpc => format!("http://127.0.0.1:{port}"),
        };
        let (dropped, errors, took) = export_to(url, protocol, 300);
        assert_eq!(dropped, 300, "{protocol:?}: every span is counted as dropped at export");
        assert!(errors >= 1, "{protocol:?}: the failed exports are counted");
        assert!(took < Duration::from_secs(5), "{protocol:?}: flush and shutdown took {took:?}");
    }
}

#[test]
fn a_silent_collector_times_out() {
    let _lock = turn(&PIPELINE);
    let port = silent_collector();
    let (dropped, errors, took) = export_to(format!("http://127.0.0.1:{port}/v1/traces"), Protocol::HttpProtobuf, 50);
    assert_eq!(dropped, 50, "the spans of the timed-out export are counted as dropped");
    assert!(errors >= 1);
    // One batch times out after 500 ms; the flush waits for it, the shutdown does not start another.
    assert!(took < Duration::from_secs(5), "flush and shutdown took {took:?}");
}

/// A sink that panics at every export: each batch is counted as a failed export, and flushes and the shutdown
/// still return (the panic does not take the export thread with it).
#[test]
fn a_panicking_sink_fails_its_exports_and_hangs_nothing() {
    struct Panicking;
    impl obs::trace::SpanSink for Panicking {
        fn export(&mut self, _: &[obs::trace::SpanRecord], _: &obs::trace::Resource) -> Result<(), String> {
            panic!("a sink's bug");
        }
    }
    let _turn = turn(&PIPELINE);
    let (_, _, failed0, errors0) = pipeline_stats();
    let guard = TracePipeline::builder().service_name("panicking-sink").sink(Panicking).install().unwrap();
    let started = Instant::now();
    for round in 0..3 {
        for i in 0..10 {
            work(i);
        }
        guard.flush();
        let (_, _, failed, errors) = pipeline_stats();
        assert_eq!((failed - failed0, errors - errors0), (10 * (round + 1), round + 1), "round {round}");
    }
    drop(guard);
    assert!(started.elapsed() < Duration::from_secs(10), "flushes and shutdown took {:?}", started.elapsed());
}
