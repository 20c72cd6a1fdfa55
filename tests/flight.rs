//! The flight recorder (issue 13), checked by real consumers: a dump read by a decoder built only on PyPI's
//! `opentelemetry-proto` (`scripts/check_flight_dump.py`), the Chrome trace-event JSON against the format's
//! documented fields, the endpoint behind the bearer token, automatic dumps on panic and their rate limit, and a
//! 60 s span flood bounded in memory.
//!
//! Fails (does not skip) without python3 and `opentelemetry-proto`: `scripts/test.sh` installs them.
#![cfg(feature = "flight")]

mod common;

use obs::flight::{self, Filter, Format};
use obs::trace::{MemorySink, Sampler, TracePipeline};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tracing_subscriber::layer::SubscriberExt;

/// The span pipeline is process-wide: tests that install one take turns.
static PIPELINE: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    // The panics below are expected: keep their reports out of the test output (the recorder's hook chains to this).
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let expected = info.payload().downcast_ref::<String>().is_some_and(|m| m.starts_with("disk on fire"));
            if !expected {
                default(info);
            }
        }));
    });
    PIPELINE.lock().unwrap_or_else(|e| e.into_inner())
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("obs-flight-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[obs::traced]
fn place_order(i: u32) -> u32 {
    let span = tracing::info_span!("db.query", table = "orders");
    let _e = span.enter();
    tracing::warn!("slow query");
    drop(_e);
    charge(i).unwrap_or(0)
}

#[obs::traced(err)]
fn charge(i: u32) -> Result<u32, String> {
    tracing::info!(amount = i, "charging");
    if i % 10 == 0 {
        return Err(format!("card declined {i}"));
    }
    Ok(i)
}

#[obs::traced(err, dump_on_error)]
fn refund(i: u32) -> Result<u32, String> {
    if i == 3 {
        return Err("refund rejected by the bank".into());
    }
    Ok(i)
}

#[obs::traced]
fn explode(i: u32) -> u32 {
    if i < u32::MAX {
        panic!("disk on fire {i}");
    }
    i
}

fn python_check(dump: &Path) -> serde_json::Value {
    let out = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check_flight_dump.py"))
        .arg(dump)
        .output()
        .expect(
            "python3 with `opentelemetry-proto` and `protobuf` is required: run scripts/test.sh, or \
             `pip install opentelemetry-proto protobuf`",
        );
    assert!(out.status.success(), "the decoder refused the dump: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_dump_holds_every_call_of_the_window_including_those_the_sampler_dropped() {
    let _l = lock();
    let exported = MemorySink::default();
    let guard = TracePipeline::builder()
        .service_name("flight-test")
        .sampler(Sampler::TraceIdRatio(0.3))
        .sink(exported.clone())
        .flight_recorder(Duration::from_secs(60), 16 << 20)
        .install()
        .unwrap();
    let subscriber = tracing_subscriber::registry().with(obs::trace::layer());
    tracing::subscriber::with_default(subscriber, || {
        for i in 0..200 {
            place_order(i);
        }
    });
    guard.flush();
    let sampled = exported.spans().len();
    assert!(sampled > 0 && sampled < 600, "the sampler kept some, not all: {sampled}");

    let dir = tmp("dump");
    let path = dir.join("dump.jsonl");
    let mut file = std::fs::File::create(&path).unwrap();
    let n = flight::dump(&mut file, &Filter { last: Some(Duration::from_secs(30)), ..Filter::default() }).unwrap();
    drop(file);
    assert_eq!(n, 600);
    let got = python_check(&path);
    assert_eq!(got["spans"], 600, "{got}");
    assert_eq!(got["services"], serde_json::json!(["flight-test"]));
    assert_eq!(got["names"]["place_order"], 200);
    assert_eq!(got["names"]["charge"], 200);
    assert_eq!(got["names"]["db.query"], 200);
    assert_eq!(got["unsampled"], 600 - sampled, "{got}");
    assert_eq!(got["children"], 400, "charge and db.query are children of place_order");
    assert_eq!(got["bad_times"], 0);
    let errors = got["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 20, "{got}");
    assert_eq!(errors[0], serde_json::json!(["charge", "card declined 0"]));
    let events = got["events"].as_array().unwrap();
    assert_eq!(events.iter().filter(|e| e[0] == "db.query" && e[1] == "slow query").count(), 200);
    assert_eq!(events.iter().filter(|e| e[0] == "charge" && e[1] == "exception").count(), 20);
    // An event directly in a traced function (no `tracing` span around it) belongs to the call.
    assert_eq!(events.iter().filter(|e| e[0] == "charge" && e[1] == "charging").count(), 200);

    // Filters: one trace; only the traces with an error; a function.
    let mut one = Vec::new();
    let tid = exported.spans()[0].trace_id;
    flight::dump(&mut one, &Filter { trace_id: Some(tid), ..Filter::default() }).unwrap();
    let text = String::from_utf8(one).unwrap();
    assert_eq!(text.matches("\"spanId\"").count(), 3, "{text}");
    let mut errs = Vec::new();
    assert_eq!(flight::dump(&mut errs, &Filter { errors_only: true, ..Filter::default() }).unwrap(), 60);
    let mut charges = Vec::new();
    assert_eq!(
        flight::dump(&mut charges, &Filter { function: Some("charge".into()), ..Filter::default() }).unwrap(),
        200
    );
    drop(guard);
}

#[test]
fn the_chrome_trace_has_the_documented_fields_and_nests_per_thread() {
    let _l = lock();
    let guard = TracePipeline::builder()
        .sampler(Sampler::AlwaysOff)
        .flight_recorder(Duration::from_secs(60), 16 << 20)
        .install()
        .unwrap();
    let subscriber = tracing_subscriber::registry().with(obs::trace::layer());
    tracing::subscriber::with_default(subscriber, || {
        for i in 0..20 {
            place_order(i);
        }
    });
    std::thread::spawn(|| {
        for i in 0..20 {
            place_order(i);
        }
    })
    .join()
    .unwrap();
    guard.flush();
    let mut out = Vec::new();
    assert_eq!(flight::dump_as(&mut out, &Filter::default(), Format::Chrome).unwrap(), 100);
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let events = doc["traceEvents"].as_array().unwrap();
    // Times are microseconds from the earliest span's start, which `otherData` gives in Unix nanoseconds.
    let origin: u64 = doc["otherData"]["start_unix_nanos"].as_str().unwrap().parse().unwrap();
    assert!(origin > 1_600_000_000_000_000_000, "{origin}");
    let mut by_tid: std::collections::BTreeMap<u64, Vec<(f64, f64, String)>> = Default::default();
    let mut instants = 0;
    for e in events {
        let ph = e["ph"].as_str().unwrap();
        for key in ["ph", "pid", "tid", "name"] {
            assert!(!e[key].is_null(), "{key} missing: {e}");
        }
        match ph {
            "X" => {
                let (ts, dur) = (e["ts"].as_f64().unwrap(), e["dur"].as_f64().unwrap());
                assert!(ts >= 0.0 && dur >= 0.0, "{e}");
                by_tid.entry(e["tid"].as_u64().unwrap()).or_default().push((ts, ts + dur, e["name"].to_string()));
            }
            "i" => {
                assert!(e["ts"].as_f64().is_some(), "{e}");
                instants += 1;
            }
            "M" => {}
            other => panic!("unexpected phase {other}: {e}"),
        }
    }
    assert_eq!(by_tid.values().map(Vec::len).sum::<usize>(), 100);
    assert!(by_tid.len() >= 2, "one track per thread: {:?}", by_tid.keys());
    // The subscriber is the main thread's only: 20 `slow query` and 20 `charging` there, and 4 exceptions.
    assert_eq!(instants, 20 + 20 + 4);
    // On each thread, in start order, a slice either nests in the open one or starts after it ended.
    for (tid, slices) in &by_tid {
        let mut stack: Vec<(f64, f64, String)> = Vec::new();
        for s in slices {
            while stack.last().is_some_and(|top| s.0 >= top.1 - 1e-3) {
                stack.pop();
            }
            if let Some(top) = stack.last() {
                assert!(s.1 <= top.1 + 1e-3, "thread {tid}: {s:?} overlaps {top:?} without nesting");
            }
            stack.push(s.clone());
        }
    }
    drop(guard);
}

#[test]
fn the_endpoint_serves_dumps_behind_the_bearer_token() {
    let _l = lock();
    let obs = obs::builder!()
        .listen("127.0.0.1:0")
        .bearer_token("s3cret")
        .without_health_checks()
        .trace_pipeline(
            TracePipeline::builder().sampler(Sampler::AlwaysOff).flight_recorder(Duration::from_secs(60), 4 << 20),
        )
        .init()
        .unwrap();
    let addr = obs.local_addr().unwrap();
    for i in 1..=5 {
        let _ = charge(i);
    }
    obs.flush();
    assert_eq!(common::get(addr, "/debug/flight?last=30s", &[]).status, 401);
    let auth = "Authorization: Bearer s3cret";
    let r = common::get(addr, "/debug/flight?last=30s&function=charge", &[auth]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text().matches("\"name\":\"charge\"").count(), 5, "{}", r.text());
    let r = common::get(addr, "/debug/flight?format=chrome", &[auth]);
    assert_eq!(r.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["traceEvents"].is_array());
    let r = common::get(addr, "/debug/flight?last=soon", &[auth]);
    assert_eq!(r.status, 400);
    assert!(r.text().contains("last"), "{}", r.text());
}

/// The finished dumps in `dir`: not the `.partial` file of one being written, which a poll can catch before its
/// rename.
fn dumps_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    v.sort();
    v
}

#[test]
fn a_panic_writes_one_dump_and_a_storm_one_per_rate_limit_period() {
    let _l = lock();
    let dir = tmp("panics");
    let guard = TracePipeline::builder()
        .sampler(Sampler::AlwaysOff)
        .export_interval(Duration::from_millis(50))
        .flight_recorder(Duration::from_secs(60), 16 << 20)
        .flight_recorder_dir(&dir)
        .flight_dump_limits(Duration::from_secs(1), 100)
        .install()
        .unwrap();
    assert!(std::panic::catch_unwind(|| explode(7)).is_err());
    guard.flush();
    assert!(common::eventually(Duration::from_secs(5), || !dumps_in(&dir).is_empty()));
    let files = dumps_in(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("disk on fire 7"), "the dump has the panic message: {text}");
    let got = python_check(&files[0]);
    assert_eq!(got["errors"][0][0], "explode");
    assert!(got["errors"][0][1].as_str().unwrap().contains("disk on fire 7"), "{got}");

    // A storm: 1000 panics over about 2.5 s write one dump per second, not 1000.
    std::thread::sleep(Duration::from_millis(1100));
    let start = Instant::now();
    for i in 0..1000 {
        assert!(std::panic::catch_unwind(|| explode(i)).is_err());
        std::thread::sleep(Duration::from_micros(2500));
    }
    guard.flush();
    let secs = start.elapsed().as_secs_f64();
    let storm = dumps_in(&dir).len() - 1;
    assert!(storm >= 1 && storm as f64 <= secs.ceil() + 1.0, "{storm} dumps in {secs:.1} s");
    // The dumps the rate limit held back are counted, not silently lost.
    let text = obs::encode(obs::Format::Prometheus);
    let skipped: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("obs_flight_dumps_skipped_total{reason=\"rate_limited\"} "))
        .unwrap_or_else(|| panic!("no rate_limited count in:\n{text}"))
        .parse()
        .unwrap();
    assert!(skipped >= 1.0, "{skipped}");
    drop(guard);
}

#[test]
fn a_function_declared_dump_on_error_writes_a_dump_when_it_fails() {
    let _l = lock();
    let dir = tmp("errors");
    let guard = TracePipeline::builder()
        .sampler(Sampler::AlwaysOff)
        .flight_recorder(Duration::from_secs(60), 4 << 20)
        .flight_recorder_dir(&dir)
        .install()
        .unwrap();
    for i in 0..3 {
        refund(i).unwrap();
    }
    guard.flush();
    assert!(dumps_in(&dir).is_empty(), "no dump while the calls succeed");
    assert!(refund(3).is_err());
    guard.flush();
    assert!(common::eventually(Duration::from_secs(5), || !dumps_in(&dir).is_empty()));
    let files = dumps_in(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].to_str().unwrap().ends_with("-error.jsonl"), "{files:?}");
    let got = python_check(&files[0]);
    assert_eq!(got["names"]["refund"], 4, "{got}");
    assert_eq!(got["errors"], serde_json::json!([["refund", "refund rejected by the bank"]]));
    drop(guard);
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[test]
fn a_60_s_span_flood_stays_within_max_bytes_and_counts_its_drops() {
    let _l = lock();
    const MAX: u64 = 8 << 20;
    let guard = TracePipeline::builder()
        .sampler(Sampler::AlwaysOff)
        .export_interval(Duration::from_millis(100))
        .flight_recorder(Duration::from_secs(120), MAX)
        .install()
        .unwrap();
    // Warm up: rings, the collector's buffers and the recorder's queue reach their working size.
    let mut i = 0u32;
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_secs(3) {
        for _ in 0..1000 {
            let _ = charge(i);
            i = i.wrapping_add(1);
        }
    }
    guard.flush();
    let before = rss_bytes();
    let mut peak = 0;
    let mut calls = 0u64;
    let start = Instant::now();
    // Bursts at full speed, faster than the collector drains the rings, with pauses between them: the recorder
    // stays over its budget for the whole minute, and the test leaves a core to the tests that run beside it.
    while start.elapsed() < Duration::from_secs(60) {
        let burst = Instant::now();
        while burst.elapsed() < Duration::from_millis(100) {
            for _ in 0..1000 {
                let _ = charge(i);
                i = i.wrapping_add(1);
            }
            calls += 1000;
            if let Some(s) = flight::stats() {
                assert!(s.bytes as u64 <= MAX, "{s:?}");
                peak = peak.max(rss_bytes());
            }
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    guard.flush();
    let stats = flight::stats().unwrap();
    // Every call of the minute was handed to the recorder or counted: far more than its budget holds.
    assert!(calls > 50 * stats.records as u64, "{calls} calls, {stats:?}");
    assert!(stats.bytes as u64 <= MAX && stats.records > 10_000, "{stats:?}");
    assert!(stats.dropped_max_bytes > 0, "{stats:?}");
    let grown = peak.saturating_sub(before);
    assert!(grown <= MAX, "RSS grew by {grown} bytes during the flood, more than max_bytes");
    let text = obs::encode(obs::Format::Prometheus);
    let line = text
        .lines()
        .find(|l| l.starts_with("obs_flight_records_dropped_total{reason=\"max_bytes\"}"))
        .unwrap_or_else(|| panic!("the drops are exposed: {text}"));
    let counted: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(counted >= stats.dropped_max_bytes as f64, "{line} vs {stats:?}");
    drop(guard);
}

#[obs::traced]
fn before_the_hang(i: u32) -> u32 {
    i + 1
}

#[obs::traced]
fn during_the_hang(i: u32) -> u32 {
    i + 2
}

/// An OTLP endpoint that accepts connections, reads the requests and never answers; the channel says when the
/// first bytes of an export arrived (the exporter is then blocked until its timeout).
fn hanging_endpoint() -> (u16, std::sync::mpsc::Receiver<()>) {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let mut told = false;
                while matches!(s.read(&mut buf), Ok(n) if n > 0) {
                    if !told {
                        told = true;
                        let _ = tx.send(());
                    }
                }
            });
        }
    });
    (port, rx)
}

fn shutdown_dropped() -> u64 {
    let text = obs::encode(obs::Format::Prometheus);
    text.lines()
        .find_map(|l| l.strip_prefix("obs_spans_dropped_total{reason=\"shutdown_deadline\"} "))
        .map_or(0, |v| v.parse().unwrap())
}

#[test]
fn a_hanging_exporter_holds_back_neither_the_recorder_nor_the_rings_and_a_full_export_queue_is_counted() {
    let _l = lock();
    const TIMEOUT: Duration = Duration::from_secs(8);
    let (port, export_started) = hanging_endpoint();
    let (exported0, full0, failed0, _) = obs::trace::pipeline_stats();
    let shutdown0 = shutdown_dropped();
    let guard = TracePipeline::builder()
        .service_name("flight-hang")
        .endpoint(format!("http://127.0.0.1:{port}/v1/traces"))
        .protocol(obs::trace::Protocol::HttpProtobuf)
        .timeout(TIMEOUT)
        .export_interval(Duration::from_millis(50))
        .flight_recorder(Duration::from_secs(60), 64 << 20)
        .install()
        .unwrap();
    before_the_hang(0);
    export_started.recv_timeout(Duration::from_secs(3)).expect("the exporter sends the first span");
    // The export is in flight and will hang for TIMEOUT: the calls made now must still reach the recorder.
    let hang = Instant::now();
    const CALLS: u32 = 200;
    for i in 0..CALLS {
        during_the_hang(i);
    }
    let filter = Filter { function: Some("during_the_hang".into()), ..Filter::default() };
    let mut held = 0;
    while hang.elapsed() < TIMEOUT / 6 {
        held = flight::dump(&mut Vec::new(), &filter).unwrap();
        if held == CALLS as usize {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let waited = hang.elapsed();
    assert_eq!(held, CALLS as usize, "the dump taken {waited:?} into a {TIMEOUT:?} export hang lacks its calls");

    // More calls than the export queue holds, paced so the rings (drained every 50 ms or when half full) never
    // fill: the recorder gets them all, and the batches the queue cannot take are counted as `queue_full`.
    let flood = obs::trace::EXPORT_QUEUE_SPANS as u32 + 4096;
    for i in 0..flood {
        during_the_hang(i);
        if i % 256 == 255 {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let total = CALLS + flood;
    // Polled through the counts (a dump of 20 000 calls each time would be slow in a debug build), checked by one.
    let records = || flight::stats().unwrap().records;
    assert!(
        common::eventually(TIMEOUT / 4, || records() == 1 + total as usize),
        "the recorder has {} of the {} calls, {:?} into the hang",
        records(),
        1 + total,
        hang.elapsed()
    );
    assert_eq!(flight::dump(&mut Vec::new(), &filter).unwrap(), total as usize);
    assert!(hang.elapsed() < TIMEOUT * 3 / 4, "the flood outlasted the hang: {:?}", hang.elapsed());
    let queue_full = obs::trace::pipeline_stats().1 - full0;
    // Queued: the spans behind the export in flight, up to the queue's bound; the rest was refused.
    let refused_at_least = (total as usize).saturating_sub(obs::trace::EXPORT_QUEUE_SPANS) as u64;
    assert!(queue_full >= refused_at_least, "{queue_full} spans counted as queue_full, expected {refused_at_least}+");

    let t = Instant::now();
    drop(guard);
    assert!(t.elapsed() < TIMEOUT + Duration::from_millis(500), "the shutdown took {:?}", t.elapsed());
    let (exported, full, failed, _) = obs::trace::pipeline_stats();
    assert_eq!(exported, exported0, "the endpoint never answered, so nothing was exported");
    let accounted = (full - full0) + (failed - failed0) + (shutdown_dropped() - shutdown0);
    assert_eq!(accounted, 1 + total as u64, "every span is counted as dropped, once, by reason");
}
