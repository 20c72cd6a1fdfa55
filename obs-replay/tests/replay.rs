//! `obs-replay` against the independent OTLP receiver the runtime's tests use (`scripts/otlp_receiver.py`, PyPI
//! `opentelemetry-proto` only): the dump's spans arrive with their ids and parent links, every timestamp moved by
//! one offset, and a `--speed 5` replay takes the window ÷ 5 (within 10%). A malformed line is reported with its
//! number and skipped. Fails (does not skip) without python3 and `opentelemetry-proto`.

use obs::flight::{self, Filter};
use obs::trace::{Sampler, TracePipeline};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Kill(std::process::Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[obs::traced]
fn handle(i: u32) -> u32 {
    step(i).unwrap_or(0)
}

#[obs::traced(err)]
fn step(i: u32) -> Result<u32, String> {
    if i == 4 {
        Err("backend timeout".into())
    } else {
        Ok(i)
    }
}

fn wait_for(path: &Path) -> u16 {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(20) {
        if let Ok(s) = std::fs::read_to_string(path) {
            if let Ok(p) = s.trim().parse() {
                return p;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the receiver did not start");
}

fn spans_of(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path).unwrap_or_default().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn a_dump_replays_into_an_independent_receiver_shifted_and_at_speed() {
    let imports = "import opentelemetry.proto.collector.trace.v1.trace_service_pb2, google.protobuf";
    let ok = Command::new("python3").args(["-c", imports]).status();
    assert!(matches!(ok, Ok(s) if s.success()), "python3 with `opentelemetry-proto` and `protobuf` is required");

    // A 20 s incident the sampler dropped entirely: long enough that the replay's 10% (0.4 s at speed 5) is not
    // taken up by the last send's round trip on a loaded machine (0.22 s was seen in the test command).
    let guard = TracePipeline::builder()
        .service_name("replayed")
        .sampler(Sampler::AlwaysOff)
        .flight_recorder(Duration::from_secs(60), 8 << 20)
        .install()
        .unwrap();
    for i in 0..41 {
        handle(i);
        if i < 40 {
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    guard.flush();
    let dir = std::env::temp_dir().join(format!("obs-replay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let dump = dir.join("dump.jsonl");
    let mut text = Vec::new();
    assert_eq!(flight::dump(&mut text, &Filter::default()).unwrap(), 82);
    drop(guard);
    // A malformed line in the middle: reported and skipped.
    text.extend_from_slice(b"{\"resourceSpans\": 7}\n");
    std::fs::write(&dump, &text).unwrap();
    let original: Vec<serde_json::Value> = String::from_utf8(text)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["resourceSpans"][0]["scopeSpans"][0]["spans"].as_array().cloned())
        .flatten()
        .collect();
    assert_eq!(original.len(), 82);
    let start =
        original.iter().map(|s| s["startTimeUnixNano"].as_str().unwrap().parse::<u64>().unwrap()).min().unwrap();
    let end = original.iter().map(|s| s["endTimeUnixNano"].as_str().unwrap().parse::<u64>().unwrap()).max().unwrap();
    let window = Duration::from_nanos(end - start);

    let (port_file, out_file) = (dir.join("port"), dir.join("spans.jsonl"));
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let _receiver = Kill(
        Command::new("python3")
            .arg(root.join("scripts/otlp_receiver.py"))
            .args([&port_file, &out_file])
            .spawn()
            .unwrap(),
    );
    let port = wait_for(&port_file);
    let began = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_obs-replay"))
        .arg(&dump)
        .args(["--endpoint", &format!("http://127.0.0.1:{port}/v1/traces"), "--speed", "5", "--shift-to-now"])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let wall = began.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.lines().any(|l| l.contains("line 2: not an OTLP JSON request") && l.ends_with("; skipped")),
        "{stderr}"
    );
    // The replay's own time, as it reports it, against the window ÷ 5.
    let took: f64 = stderr.rsplit("in ").next().unwrap().trim().trim_end_matches(" s").parse().unwrap();
    let want = window.as_secs_f64() / 5.0;
    assert!((took - want).abs() <= want * 0.1, "replayed in {took:.3} s, the window ÷ 5 is {want:.3} s");
    assert!(wall.as_secs_f64() < want * 1.1 + 1.0, "{wall:?}");

    let got = spans_of(&out_file);
    assert_eq!(got.len(), 82, "{got:?}");
    let by_id: HashMap<String, &serde_json::Value> =
        got.iter().map(|s| (s["span_id"].as_str().unwrap().to_owned(), s)).collect();
    let mut offsets = Vec::new();
    for o in &original {
        let r = by_id.get(o["spanId"].as_str().unwrap()).expect("every span arrives with its id");
        assert_eq!(r["trace_id"], o["traceId"]);
        assert_eq!(r["parent_span_id"].as_str().unwrap(), o["parentSpanId"].as_str().unwrap_or(""));
        assert_eq!(r["name"], o["name"]);
        assert_eq!(r["service_name"], "replayed");
        let (os, oe) = (
            o["startTimeUnixNano"].as_str().unwrap().parse::<i128>().unwrap(),
            o["endTimeUnixNano"].as_str().unwrap().parse::<i128>().unwrap(),
        );
        offsets.push((r["start"].as_i64().unwrap() as i128 - os, r["end"].as_i64().unwrap() as i128 - oe));
    }
    let first = offsets[0].0;
    assert!(first > 0, "shifted forward");
    assert!(offsets.iter().all(|&(a, b)| a == first && b == first), "one offset for every timestamp: {offsets:?}");
    let errors: Vec<_> = got.iter().filter(|s| s["status_code"] == 2).collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["status_message"], "backend timeout");
}

#[test]
fn the_help_says_which_forms_from_and_to_accept() {
    let out = Command::new(env!("CARGO_BIN_EXE_obs-replay")).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("RFC 3339") && help.contains("offset from the dump's first span"), "{help}");
    let bad = Command::new(env!("CARGO_BIN_EXE_obs-replay")).args(["x.jsonl", "--speed", "fast"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--speed: `fast`"));
}
