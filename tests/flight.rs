//! The flight recorder (issue 13), checked by real consumers: a dump read by a decoder built only on PyPI's
//! `opentelemetry-proto` (`scripts/check_flight_dump.py`), the Chrome trace-event JSON against the format's
//! documented fields, the endpoint behind the bearer token, the `OBS_FLIGHT_RECORDER*` variables, automatic dumps
//! (on panic, on error, on a critical health check turning unhealthy), their rate limit, the dump directory's
//! bound, dumps written off the collector and kept through shutdown, and a 60 s span flood bounded in memory.
//!
//! Fails (does not skip) without python3 and `opentelemetry-proto`: `scripts/test.sh` installs them.
#![cfg(feature = "flight")]

mod common;

use obs::flight::{self, Filter, Format};
use obs::trace::{MemorySink, Sampler, TracePipeline};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
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

#[obs::traced(err, dump_on_error)]
fn reject(i: u32) -> Result<(), String> {
    Err(format!("rejected order {i}"))
}

#[obs::traced]
fn lookup_stock(i: u32) -> u32 {
    i + 1
}

#[obs::traced]
fn fill(i: u32) -> u32 {
    i ^ 1
}

#[obs::traced]
fn during_the_dump(i: u32) -> u32 {
    i + 3
}

static DATABASE_DOWN: AtomicBool = AtomicBool::new(false);
static CACHE_DOWN: AtomicBool = AtomicBool::new(false);

/// A critical check the health test turns unhealthy; it runs only while that test's `obs::builder!()` guard lives
/// (every other test here starts obs without health checks).
#[obs::health_check(critical, interval = "100ms", timeout = "1s")]
fn flight_database() -> Result<(), String> {
    if DATABASE_DOWN.load(SeqCst) {
        Err("connection refused".into())
    } else {
        Ok(())
    }
}

/// A check readiness does not depend on.
#[obs::health_check(interval = "100ms", timeout = "1s")]
fn flight_cache() -> Result<(), String> {
    if CACHE_DOWN.load(SeqCst) {
        Err("cache miss storm".into())
    } else {
        Ok(())
    }
}

/// The value of one exposed sample, by its name and labels (`name{label="v"}`); 0 before it is first written.
fn sample(series: &str) -> f64 {
    let text = obs::encode(obs::Format::Prometheus);
    let prefix = format!("{series} ");
    text.lines().find_map(|l| l.strip_prefix(&prefix)).map_or(0.0, |v| v.trim().parse().unwrap())
}

fn dumps_written(trigger: &str) -> f64 {
    sample(&format!("obs_flight_dumps_total{{trigger=\"{trigger}\"}}"))
}

fn dumps_skipped(reason: &str) -> f64 {
    sample(&format!("obs_flight_dumps_skipped_total{{reason=\"{reason}\"}}"))
}

/// Whether a thread of this process has this name (Linux keeps it in `/proc/self/task/*/comm`).
fn thread_named(name: &str) -> bool {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(Result::ok)
        .any(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim_end() == name))
}

/// The names in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    v.sort();
    v
}

/// Makes traced calls until the recorder holds `n` records, in bursts a ring holds, so few are dropped.
fn fill_recorder(n: usize) {
    let mut i = 0u32;
    let start = Instant::now();
    while flight::stats().unwrap().records < n {
        assert!(start.elapsed() < Duration::from_secs(60), "the recorder took a minute to fill: {:?}", flight::stats());
        for _ in 0..1000 {
            fill(i);
            i = i.wrapping_add(1);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
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

/// Set in the child processes [`the_environment_configures_the_recorder_and_a_bad_value_stops_init`] starts: the
/// case [`environment_child`] checks.
const CHILD: &str = "OBS_FLIGHT_TEST_CHILD";

/// The half of the environment test that runs in a process of its own, where `OBS_FLIGHT_RECORDER*` are set from
/// its start (the environment is process-wide, and setting it here would race the other tests' threads); a no-op
/// in the parent's run.
#[test]
fn environment_child() {
    let Ok(case) = std::env::var(CHILD) else { return };
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let started = obs::builder!().listen(addr.to_string()).without_health_checks().init();
    match case.as_str() {
        "good" => {
            let obs = started.expect("obs starts with a valid OBS_FLIGHT_RECORDER");
            assert!(flight::is_on(), "init turned the recorder on from the environment alone");
            let from_env = TracePipeline::from_env().unwrap();
            let s = from_env.flight_settings().expect("from_env reads OBS_FLIGHT_RECORDER");
            assert_eq!((s.max_age, s.max_bytes), (Duration::from_secs(30), 4 << 20));
            assert_eq!(s.dir.as_deref(), Some(Path::new(&std::env::var("OBS_FLIGHT_RECORDER_DIR").unwrap())));
            for i in 1..=5 {
                let _ = charge(i);
            }
            obs.flush();
            let r = common::get(addr, "/debug/flight?function=charge", &[]);
            assert_eq!(r.status, 200, "{}", r.text());
            assert_eq!(r.text().matches("\"name\":\"charge\"").count(), 5, "{}", r.text());
            assert!(std::panic::catch_unwind(|| explode(9)).is_err());
            // Dropped at once, as a process that exits after a panic does: the dump goes to the variable's directory.
            drop(obs);
        }
        "bad" => {
            let value = std::env::var("OBS_FLIGHT_RECORDER").unwrap();
            let err = started.err().expect("a bad OBS_FLIGHT_RECORDER is refused");
            match &err {
                obs::InitError::Trace(e) => assert_eq!(e.variable(), Some("OBS_FLIGHT_RECORDER"), "{e}"),
                other => panic!("not a trace configuration error: {other}"),
            }
            // The variable, and the part of its value at fault.
            let msg = err.to_string();
            let quoted = msg.split_once("OBS_FLIGHT_RECORDER: `").and_then(|(_, r)| r.split_once('`')).map(|(q, _)| q);
            assert!(quoted.is_some_and(|q| !q.is_empty() && value.contains(q)), "{msg}");
            // Nothing was left half-started: no recorder, no span pipeline, no endpoint.
            assert!(!flight::is_on());
            assert!(!obs::trace::is_active());
            assert!(std::net::TcpStream::connect(addr).is_err(), "nothing listens on {addr}");
            drop(TracePipeline::builder().install().expect("no pipeline was left installed"));
        }
        "dir_only" => {
            // A dump directory for a recorder that is off is a mistake worth stopping for, not a silent no-op.
            let err = started.err().expect("OBS_FLIGHT_RECORDER_DIR without OBS_FLIGHT_RECORDER is refused");
            match &err {
                obs::InitError::Trace(e) => assert_eq!(e.variable(), Some("OBS_FLIGHT_RECORDER_DIR"), "{e}"),
                other => panic!("not a trace configuration error: {other}"),
            }
            assert!(err.to_string().contains("OBS_FLIGHT_RECORDER=<max_age>,<max_bytes>"), "{err}");
            assert!(!flight::is_on());
            assert!(std::net::TcpStream::connect(addr).is_err(), "nothing listens on {addr}");
        }
        other => panic!("unknown case {other}"),
    }
}

#[test]
fn the_environment_configures_the_recorder_and_a_bad_value_stops_init() {
    let child = |case: &str, recorder: &str, dir: &Path| {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args(["--exact", "environment_child", "--nocapture", "--test-threads", "1"])
            .env(CHILD, case)
            .env("OBS_FLIGHT_RECORDER_DIR", dir)
            .env_remove("OBS_BEARER_TOKEN");
        match recorder {
            "" => cmd.env_remove("OBS_FLIGHT_RECORDER"),
            r => cmd.env("OBS_FLIGHT_RECORDER", r),
        };
        let out = cmd.output().unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        // The child ran the test (a filter that matched nothing would pass too).
        assert!(
            out.status.success() && stdout.contains("test result: ok. 1 passed"),
            "OBS_FLIGHT_RECORDER={recorder}:\n{stdout}\n{stderr}"
        );
    };
    let dir = tmp("environment");
    child("good", "30s,4MiB", &dir);
    let files = dumps_in(&dir);
    assert_eq!(files.len(), 1, "the panic's dump is in OBS_FLIGHT_RECORDER_DIR: {files:?}");
    assert!(files[0].to_str().unwrap().ends_with("-panic.jsonl"), "{files:?}");
    assert!(std::fs::read_to_string(&files[0]).unwrap().contains("disk on fire 9"));

    // Not `<max_age>,<max_bytes>`; a duration that is none; a budget too small to hold anything.
    for bad in ["60s", "soon,4MiB", "60s,1KiB"] {
        let dir = tmp("environment-bad");
        child("bad", bad, &dir);
        assert!(names_in(&dir).is_empty());
    }
    child("dir_only", "", &tmp("environment-dir-only"));
}

#[test]
fn a_critical_health_check_turning_unhealthy_writes_one_dump_and_a_non_critical_one_none() {
    let _l = lock();
    let dir = tmp("health");
    DATABASE_DOWN.store(false, SeqCst);
    CACHE_DOWN.store(false, SeqCst);
    let obs = obs::builder!()
        .without_server()
        .trace_pipeline(
            TracePipeline::builder()
                .sampler(Sampler::AlwaysOff)
                .export_interval(Duration::from_millis(50))
                .flight_recorder(Duration::from_secs(60), 4 << 20)
                .flight_recorder_dir(&dir)
                // No rate limit: only the turn to unhealthy may keep a failing check from dumping again.
                .flight_dump_limits(Duration::ZERO, 10),
        )
        .init()
        .unwrap();
    let health0 = dumps_written("health");
    let status = |check: &str| obs::health_report().checks[check].status;
    let runs = |check: &str| sample(&format!("obs_health_check_runs_total{{check=\"{check}\",result=\"error\"}}"));
    assert!(common::eventually(Duration::from_secs(5), || status("flight_database") == "healthy"
        && status("flight_cache") == "healthy"));
    for i in 0..5 {
        lookup_stock(i);
    }
    obs.flush();

    // A check readiness does not depend on fails, several runs in a row: no dump.
    let cache0 = runs("flight_cache");
    CACHE_DOWN.store(true, SeqCst);
    assert!(common::eventually(Duration::from_secs(5), || runs("flight_cache") >= cache0 + 3.0));
    obs.flush();
    std::thread::sleep(Duration::from_millis(200));
    assert!(dumps_in(&dir).is_empty(), "{:?}", dumps_in(&dir));

    // The critical one turns unhealthy: one dump, with the calls recorded before it.
    DATABASE_DOWN.store(true, SeqCst);
    assert!(common::eventually(Duration::from_secs(5), || !dumps_in(&dir).is_empty()));
    let database0 = runs("flight_database");
    // It stays unhealthy for several more runs: still the one dump (the cache has been failing all along too).
    assert!(common::eventually(Duration::from_secs(5), || runs("flight_database") >= database0 + 3.0));
    obs.flush();
    std::thread::sleep(Duration::from_millis(200));
    let files = dumps_in(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].to_str().unwrap().ends_with("-health.jsonl"), "{files:?}");
    assert_eq!(dumps_written("health") - health0, 1.0);
    let got = python_check(&files[0]);
    assert_eq!(got["names"]["lookup_stock"], 5, "{got}");
    DATABASE_DOWN.store(false, SeqCst);
    CACHE_DOWN.store(false, SeqCst);
    drop(obs);
}

#[test]
fn the_dump_directory_keeps_the_newest_files_and_never_deletes_foreign_ones() {
    let _l = lock();
    const KEEP: u32 = 3;
    const MORE: u32 = 4;
    let dir = tmp("keep");
    // Files the recorder did not write, some named much like its own, and a directory: all are left alone.
    let foreign = ["notes.txt", "flight-incident.jsonl", "flight-1000000000000-error.jsonl.gz", "flight-x-error.jsonl"];
    for f in foreign {
        std::fs::write(dir.join(f), "kept").unwrap();
    }
    std::fs::create_dir(dir.join("flight-1000000000001-panic.jsonl")).unwrap();
    // A dump of an earlier run counts against the bound, and as the oldest goes first.
    std::fs::write(dir.join("flight-1000000000002-error.jsonl"), "").unwrap();
    // Half-written dumps: one an hour old (its writer died) is removed when the recorder starts; one just begun
    // (another process may be writing it) and a foreign one stay.
    let partial = |name: &str, age: Duration| {
        let f = std::fs::File::create(dir.join(name)).unwrap();
        f.set_modified(std::time::SystemTime::now() - age).unwrap();
    };
    partial(".flight-1000000000003-panic.partial", Duration::from_secs(3600));
    partial(".flight-1000000000004-panic.partial", Duration::ZERO);
    partial(".notes.partial", Duration::from_secs(3600));
    let guard = TracePipeline::builder()
        .sampler(Sampler::AlwaysOff)
        .export_interval(Duration::from_millis(50))
        .flight_recorder(Duration::from_secs(60), 4 << 20)
        .flight_recorder_dir(&dir)
        .flight_dump_limits(Duration::ZERO, KEEP as usize)
        .install()
        .unwrap();
    let (written0, limited0, failed0) =
        (dumps_written("error"), dumps_skipped("rate_limited"), dumps_skipped("write_failed"));
    // The recorder's dump files (and the earlier run's), oldest first.
    let ours = || -> Vec<PathBuf> {
        let is_foreign = |p: &PathBuf| p.is_dir() || foreign.contains(&p.file_name().unwrap().to_str().unwrap());
        dumps_in(&dir).into_iter().filter(|p| !is_foreign(p)).collect()
    };
    let mut newest = Vec::new();
    for i in 0..KEEP + MORE {
        assert!(reject(i).is_err());
        assert!(
            common::eventually(Duration::from_secs(10), || dumps_written("error") - written0 == f64::from(i + 1)),
            "dump {i} was not written"
        );
        newest.push(ours().pop().unwrap());
    }
    // The shutdown waits for the writer, which prunes after each dump.
    drop(guard);
    assert_eq!(dumps_skipped("rate_limited") - limited0, 0.0);
    assert_eq!(dumps_skipped("write_failed") - failed0, 0.0);
    newest.dedup();
    assert_eq!(newest.len(), (KEEP + MORE) as usize, "every dump has a name of its own: {newest:?}");
    let kept = ours();
    assert_eq!(kept, newest[MORE as usize..], "the newest {KEEP}, and only them");
    // Each holds every rejection up to its own: the ones kept are those of the last calls.
    for (j, p) in kept.iter().enumerate() {
        let text = std::fs::read_to_string(p).unwrap();
        let i = MORE + j as u32;
        assert!(text.contains(&format!("rejected order {i}\"")), "{p:?} lacks call {i}");
        assert!(!text.contains(&format!("rejected order {}\"", i + 1)), "{p:?} is not dump {i}");
    }
    let names = names_in(&dir);
    for f in foreign.iter().chain(&["flight-1000000000001-panic.jsonl"]) {
        assert!(names.iter().any(|n| n == f), "{f} was deleted: {names:?}");
    }
    assert!(!names.iter().any(|n| n == "flight-1000000000002-error.jsonl"), "{names:?}");
    assert!(!names.iter().any(|n| n == ".flight-1000000000003-panic.partial"), "a stale partial dump stays: {names:?}");
    for f in [".flight-1000000000004-panic.partial", ".notes.partial"] {
        assert!(names.iter().any(|n| n == f), "{f} was deleted: {names:?}");
    }
    // The foreign files, the directory, the two partials that stay, and the newest dumps: nothing else.
    assert_eq!(names.len(), foreign.len() + 1 + 2 + KEEP as usize, "{names:?}");
}

/// The dump being written in `dir`: its `.partial` file, before the rename.
fn partial_in(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).find(|p| p.extension().is_some_and(|x| x == "partial"))
}

#[test]
fn an_automatic_dump_is_written_off_the_collector_and_holds_back_neither_it_nor_the_recorder() {
    let _l = lock();
    // Enough records that encoding the dump takes seconds in a debug build: long enough to act while it runs.
    const RECORDS: usize = 100_000;
    let dir = tmp("background");
    let guard = TracePipeline::builder()
        .sampler(Sampler::AlwaysOff)
        .export_interval(Duration::from_millis(50))
        .flight_recorder(Duration::from_secs(120), 64 << 20)
        .flight_recorder_dir(&dir)
        .flight_dump_limits(Duration::ZERO, 10)
        .install()
        .unwrap();
    fill_recorder(RECORDS);
    guard.flush();
    let held = flight::stats().unwrap().records;
    assert!(refund(3).is_err());
    let begun = Instant::now();
    let partial = loop {
        if let Some(p) = partial_in(&dir) {
            break p;
        }
        assert!(begun.elapsed() < Duration::from_secs(10), "no dump began: {:?}", names_in(&dir));
        std::thread::sleep(Duration::from_millis(1));
    };
    // While it is written: the recorder's lock is free, the collector drains the rings and feeds the recorder, and
    // the writer is a thread of its own.
    let t = Instant::now();
    let stats = flight::stats().unwrap();
    let stats_took = t.elapsed();
    for i in 0..100 {
        during_the_dump(i);
    }
    guard.flush();
    let flushed = t.elapsed();
    let filter = Filter { function: Some("during_the_dump".into()), ..Filter::default() };
    let fed = flight::dump(&mut Vec::new(), &filter).unwrap();
    let writer = thread_named("obs-flight-dump");
    let still_writing = partial.exists() && dumps_in(&dir).is_empty();
    let all = t.elapsed();
    assert!(
        still_writing,
        "the dump was done before stats ({stats_took:?}), a flush ({flushed:?}) and a dump ({all:?}) returned"
    );
    assert_eq!(fed, 100, "the calls made during the dump reached the recorder");
    assert!(writer, "a thread named obs-flight-dump writes it");
    assert!(stats.records >= held, "{stats:?}");
    assert!(common::eventually(Duration::from_secs(120), || !dumps_in(&dir).is_empty()));
    let wrote = begun.elapsed();
    let files = dumps_in(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    // The snapshot: every record held when the request was served (the filling calls and the refund), none of the
    // calls made after.
    assert_eq!(text.matches("\"spanId\"").count(), held + 1, "written in {wrote:?}");
    assert!(text.contains("refund rejected by the bank"));
    assert!(!text.contains("during_the_dump"));
    drop(guard);
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("stats {stats_took:?}, flush {flushed:?}, all {all:?} while a {held}-span dump took {wrote:?}");
}

#[test]
fn dropping_the_guard_right_after_a_panic_still_writes_its_dump() {
    let _l = lock();
    let dir = tmp("shutdown");
    let guard = TracePipeline::builder()
        .sampler(Sampler::AlwaysOff)
        .export_interval(Duration::from_secs(5))
        .flight_recorder(Duration::from_secs(60), 16 << 20)
        .flight_recorder_dir(&dir)
        .flight_dump_limits(Duration::ZERO, 10)
        .install()
        .unwrap();
    // A dump that takes a moment to write, so a shutdown that did not wait for it would return first.
    fill_recorder(30_000);
    assert!(std::panic::catch_unwind(|| explode(11)).is_err());
    // No flush and no wait, as in a `main` that unwinds or returns after the panic.
    drop(guard);
    let names = names_in(&dir);
    let files = dumps_in(&dir);
    assert_eq!(files.len(), 1, "the dump is written when the guard returns: {names:?}");
    assert!(files[0].to_str().unwrap().ends_with("-panic.jsonl"), "{names:?}");
    assert_eq!(names.len(), 1, "no partial file is left: {names:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("disk on fire 11"));
    assert!(text.matches("\"spanId\"").count() > 30_000);
    let _ = std::fs::remove_dir_all(&dir);
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

/// Returns the heap's free pages to the OS (glibc's `malloc_trim`): the RSS baseline then holds what is in use,
/// not what earlier tests of this binary freed, which the recorder could fill again without RSS moving.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_free_heap() {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: malloc_trim takes the allocator's own locks and releases only free memory.
    unsafe { malloc_trim(0) };
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_free_heap() {}

#[test]
fn a_60_s_span_flood_stays_within_max_bytes_and_counts_its_drops() {
    let _l = lock();
    const MAX: u64 = 8 << 20;
    // What may be resident at the peak beyond the records, whose growth the recorder bounds by max_bytes less what
    // it held at the baseline:
    // - the collector's drain buffer, grown to the largest drain: this thread's ring and the late queue, up to
    //   2 x 2048 full records of 176 bytes (0.7 MiB), and the call details boxed in the ring until a drain;
    // - the allocator's slack: the recorder's queue grows by reallocation and the old buffer's pages may stay
    //   resident, and the chunks of dropped records are reused rather than unmapped, so partly free pages stay;
    // - pages first touched after the baseline: the threads' stacks, page rounding.
    // Half of max_bytes covers them (about 1.7 MiB was measured on Linux x86_64); a recorder that held max_bytes
    // twice over grows RSS by more than its room and this allowance together.
    const OVERHEAD: u64 = MAX / 2;
    let guard = TracePipeline::builder()
        .sampler(Sampler::AlwaysOff)
        .export_interval(Duration::from_millis(100))
        .flight_recorder(Duration::from_secs(120), MAX)
        .install()
        .unwrap();
    // Set up before the baseline, with the recorder far from full: this thread's ring, the collector's buffers
    // (two ring-fulls drained), the metric series `charge` writes, and the sampler thread.
    let mut i = 0u32;
    for _ in 0..2 {
        for _ in 0..2048 {
            let _ = charge(i);
            i = i.wrapping_add(1);
        }
        guard.flush();
    }
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            loop {
                peak = peak.max(rss_bytes());
                if stop.load(SeqCst) {
                    return peak;
                }
                std::thread::sleep(Duration::from_millis(250));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(50));
    release_free_heap();
    let held0 = flight::stats().unwrap().bytes as u64;
    let before = rss_bytes();
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
            let s = flight::stats().unwrap();
            assert!(s.bytes as u64 <= MAX, "{s:?}");
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    guard.flush();
    stop.store(true, SeqCst);
    let peak = sampler.join().unwrap();
    let stats = flight::stats().unwrap();
    // Every call of the minute was handed to the recorder or counted: far more than its budget holds.
    assert!(calls > 50 * stats.records as u64, "{calls} calls, {stats:?}");
    assert!(stats.bytes as u64 <= MAX && stats.records > 10_000, "{stats:?}");
    assert!(stats.dropped_max_bytes > 0, "{stats:?}");
    let grown = peak.saturating_sub(before);
    let filled = stats.bytes as u64 - held0;
    eprintln!("RSS {before} -> peak {peak}: grew {grown}, the recorder by {filled} from {held0}; {stats:?}");
    assert!(
        grown <= MAX - held0 + OVERHEAD,
        "RSS grew by {grown} bytes during the flood (from {before}), more than the recorder's room ({} bytes) and \
         the overhead ({OVERHEAD})",
        MAX - held0
    );
    // The baseline was taken before the recorder filled: the growth it measures includes the records'.
    assert!(grown >= filled / 2, "RSS grew by {grown} bytes only, while the recorder grew by {filled}");
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
