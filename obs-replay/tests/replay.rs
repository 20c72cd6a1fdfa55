//! `obs-replay` end to end, through the binary into the independent OTLP receiver the runtime's tests use
//! (`scripts/otlp_receiver.py`, PyPI `opentelemetry-proto` only, `grpcio` for its gRPC mode): the dump's spans
//! arrive with their ids and parent links, every timestamp moved by one offset, and a `--speed 5` replay takes
//! the window ÷ 5 (within 10%, by this test's own clock) with a progress line a second; `--speed max` sends at
//! once, over http/protobuf and gRPC; `--from`/`--to`, `--trace-id`, `--function` and `--errors-only` select
//! exactly the spans they name; a malformed, non-UTF-8 or over-long line is reported with its number and skipped;
//! a bad argument is an error, never a panic. Fails (does not skip) without python3 and `opentelemetry-proto`.
//!
//! One dump is recorded (20 s) for the whole binary, and the replays take turns, so the timed one runs alone.

use obs::flight::{self, Filter};
use obs::trace::{Sampler, TracePipeline};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const BIN: &str = env!("CARGO_BIN_EXE_obs-replay");

/// Kills the receiver when the test ends, passed or failed.
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

/// Named apart from its function, so `--function` is seen to match either.
#[obs::traced(err, name = "backend.step")]
fn step(i: u32) -> Result<u32, String> {
    // Two traces with an error (4 and 27), one in each half of the window.
    if i % 23 == 4 {
        Err("backend timeout".into())
    } else {
        Ok(i)
    }
}

/// Runs of the binary take turns: the timed one must not share two cores with the others.
fn lock() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// The dump every test replays, as the flight recorder wrote it.
struct Recorded {
    dir: PathBuf,
    /// One OTLP JSON line (82 spans fit in one).
    text: Vec<u8>,
    /// Its spans, as OTLP JSON objects.
    spans: Vec<Value>,
    /// From the first span's start to the last one's end.
    window: Duration,
}

/// Records once for the whole binary: a 20 s incident the sampler dropped entirely, long enough that the
/// replay's 10% (0.4 s at speed 5) is not taken up by process start-up or the last send's round trip.
fn recorded() -> &'static Recorded {
    static R: OnceLock<Recorded> = OnceLock::new();
    R.get_or_init(|| {
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
        let mut text = Vec::new();
        assert_eq!(flight::dump(&mut text, &Filter::default()).unwrap(), 82);
        drop(guard);
        let dir = std::env::temp_dir().join(format!("obs-replay-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let spans = spans_in(&text);
        assert_eq!(spans.len(), 82);
        let start = spans.iter().map(|s| nanos(s, "startTimeUnixNano")).min().unwrap();
        let end = spans.iter().map(|s| nanos(s, "endTimeUnixNano")).max().unwrap();
        Recorded { dir, text, spans, window: Duration::from_nanos(end - start) }
    })
}

impl Recorded {
    /// Writes `bytes` as dump `name` in the test directory; returns its path.
    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_owned()
    }

    /// The first span's start.
    fn start(&self) -> u64 {
        self.spans.iter().map(|s| nanos(s, "startTimeUnixNano")).min().unwrap()
    }

    /// The `handle` span of call `i` (calls started in order) and its `backend.step` child.
    fn call(&self, i: usize) -> (&Value, &Value) {
        let mut roots: Vec<&Value> = self.spans.iter().filter(|s| s["name"] == "handle").collect();
        roots.sort_by_key(|s| nanos(s, "startTimeUnixNano"));
        let root = roots[i];
        let child = self.spans.iter().find(|s| s["parentSpanId"] == root["spanId"]).unwrap();
        (root, child)
    }

    /// The span ids of the recorded spans `keep` selects.
    fn ids_where(&self, keep: impl Fn(&Value) -> bool) -> BTreeSet<String> {
        self.spans.iter().filter(|s| keep(s)).map(|s| s["spanId"].as_str().unwrap().to_owned()).collect()
    }
}

/// The spans of OTLP JSON lines (the unparsable ones left out).
fn spans_in(text: &[u8]) -> Vec<Value> {
    let mut out = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        let Ok(v) = serde_json::from_slice::<Value>(line) else { continue };
        for rs in v["resourceSpans"].as_array().into_iter().flatten() {
            for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
                out.extend(ss["spans"].as_array().into_iter().flatten().cloned());
            }
        }
    }
    out
}

/// An OTLP JSON int64 (a string, or a number).
fn nanos_of(v: &Value) -> u64 {
    v.as_u64().or_else(|| v.as_str()?.parse().ok()).unwrap_or_else(|| panic!("not an int64: {v}"))
}

/// A span's timestamp `key`.
fn nanos(span: &Value, key: &str) -> u64 {
    nanos_of(&span[key])
}

/// The dump with every timestamp moved `by` into the past.
fn aged(text: &[u8], by: Duration) -> Vec<u8> {
    fn walk(v: &mut Value, by: u64) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if matches!(k.as_str(), "startTimeUnixNano" | "endTimeUnixNano" | "timeUnixNano") {
                        *x = Value::String((nanos_of(x) - by).to_string());
                    } else {
                        walk(x, by);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, by)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let mut v: Value = serde_json::from_slice(line).unwrap();
        walk(&mut v, by.as_nanos() as u64);
        out.extend(serde_json::to_vec(&v).unwrap());
        out.push(b'\n');
    }
    out
}

/// The dump rewritten one span a line, each with its resource and scope: lines to put bad ones between.
fn one_span_a_line(text: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let v: Value = serde_json::from_slice(line).unwrap();
        for rs in v["resourceSpans"].as_array().unwrap() {
            for ss in rs["scopeSpans"].as_array().unwrap() {
                for span in ss["spans"].as_array().unwrap() {
                    let one = json!({"resourceSpans": [{"resource": rs["resource"],
                        "scopeSpans": [{"scope": ss["scope"], "spans": [span]}]}]});
                    out.push(serde_json::to_vec(&one).unwrap());
                }
            }
        }
    }
    out
}

/// Unix nanoseconds as RFC 3339 with nanoseconds, at a UTC offset of `offset_min` minutes (0 writes `Z`), by the
/// `time` crate's formatter.
fn rfc3339(t: u64, offset_min: i64) -> String {
    let offset = time::UtcOffset::from_whole_seconds(offset_min as i32 * 60).unwrap();
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(t)).unwrap().to_offset(offset);
    at.format(&time::format_description::well_known::Rfc3339).unwrap()
}

/// The independent receiver, on a free port, writing one JSON object a span.
struct Receiver {
    _child: Kill,
    port: u16,
    out: PathBuf,
}

impl Receiver {
    fn start(name: &str, grpc: bool) -> Receiver {
        let mut imports = "import opentelemetry.proto.collector.trace.v1.trace_service_pb2, google.protobuf".to_owned();
        if grpc {
            imports += ", grpc, opentelemetry.proto.collector.trace.v1.trace_service_pb2_grpc";
        }
        let ok = Command::new("python3").args(["-c", &imports]).status();
        assert!(matches!(ok, Ok(s) if s.success()), "python3 with `opentelemetry-proto` (and `grpcio`) is required");
        let dir = &recorded().dir;
        let (port_file, out) = (dir.join(format!("{name}.port")), dir.join(format!("{name}.spans.jsonl")));
        let _ = std::fs::remove_file(&port_file);
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut cmd = Command::new("python3");
        cmd.arg(root.join("scripts/otlp_receiver.py")).args([&port_file, &out]);
        if grpc {
            cmd.arg("--grpc");
        }
        let child = Kill(cmd.spawn().unwrap());
        let port = wait_for(&port_file);
        Receiver { _child: child, port, out }
    }

    /// The http/protobuf endpoint.
    fn http(&self) -> String {
        format!("http://127.0.0.1:{}/v1/traces", self.port)
    }

    /// The spans received so far, emptying the record for the next replay (the receiver appends, reopening the
    /// file for each request, and the binary exits only once every request was answered).
    fn take(&self) -> Vec<Value> {
        let got = std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        std::fs::write(&self.out, "").unwrap();
        got
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

/// A finished run of the binary.
struct Run {
    status: ExitStatus,
    stderr: String,
    /// Around the child process, by this test's clock.
    wall: Duration,
}

fn replay(args: &[&str]) -> Run {
    replay_from(args, None)
}

/// Runs the binary, `stdin` on its standard input if given.
fn replay_from(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let began = Instant::now();
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(bytes) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Run { status: out.status, stderr: String::from_utf8_lossy(&out.stderr).into_owned(), wall: began.elapsed() }
}

/// The received spans' ids, each once.
fn ids_of(got: &[Value]) -> BTreeSet<String> {
    let ids: BTreeSet<String> = got.iter().map(|s| s["span_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), got.len(), "a span arrived twice: {got:?}");
    ids
}

/// Every recorded span arrived once, with its ids, parent link, name and service, its timestamps moved by
/// `offset` (the same for all); returns that offset.
fn all_arrived(rec: &Recorded, got: &[Value]) -> i128 {
    assert_eq!(got.len(), rec.spans.len(), "{got:?}");
    let by_id: HashMap<&str, &Value> = got.iter().map(|s| (s["span_id"].as_str().unwrap(), s)).collect();
    let mut offsets = Vec::new();
    for o in &rec.spans {
        let r = by_id.get(o["spanId"].as_str().unwrap()).expect("every span arrives with its id");
        assert_eq!(r["trace_id"], o["traceId"]);
        assert_eq!(r["parent_span_id"].as_str().unwrap(), o["parentSpanId"].as_str().unwrap_or(""));
        assert_eq!(r["name"], o["name"]);
        assert_eq!(r["service_name"], "replayed");
        let (os, oe) = (nanos(o, "startTimeUnixNano") as i128, nanos(o, "endTimeUnixNano") as i128);
        offsets.push((r["start"].as_i64().unwrap() as i128 - os, r["end"].as_i64().unwrap() as i128 - oe));
    }
    let first = offsets[0].0;
    assert!(offsets.iter().all(|&(a, b)| a == first && b == first), "one offset for every timestamp: {offsets:?}");
    let errors: Vec<_> = got.iter().filter(|s| s["status_code"] == 2).collect();
    assert_eq!(errors.len(), 2);
    assert!(errors.iter().all(|e| e["status_message"] == "backend timeout" && e["name"] == "backend.step"));
    first
}

/// The `N/M spans sent` progress lines, as (N, M).
fn progress(stderr: &str) -> Vec<(usize, usize)> {
    stderr
        .lines()
        .filter_map(|l| {
            let (n, m) = l.strip_prefix("obs-replay: ")?.split_once(" spans sent (")?.0.split_once('/')?;
            Some((n.parse().ok()?, m.parse().ok()?))
        })
        .collect()
}

#[test]
fn a_dump_replays_into_an_independent_receiver_shifted_and_at_speed() {
    let _turn = lock();
    let rec = recorded();
    // An hour old, as a dump looked at after the incident is (--shift-to-now must not wait that hour ÷ 5 out),
    // and a malformed line after the recorder's: reported and skipped.
    let mut text = aged(&rec.text, Duration::from_secs(3600));
    text.extend_from_slice(b"{\"resourceSpans\": 7}\n");
    let dump = rec.write("speed5.jsonl", &text);
    let receiver = Receiver::start("speed5", false);
    let before = SystemTime::now();
    let run = replay(&[&dump, "--endpoint", &receiver.http(), "--speed", "5", "--shift-to-now"]);
    let stderr = &run.stderr;
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.lines().any(|l| l.contains("line 2: not an OTLP JSON request") && l.ends_with("; skipped")),
        "{stderr}"
    );
    // The wall time, by this test's clock around the whole process, against the window ÷ 5: both bounds.
    let want = rec.window.as_secs_f64() / 5.0;
    let wall = run.wall.as_secs_f64();
    eprintln!("speed 5: {wall:.3} s by the test's clock, the window ÷ 5 is {want:.3} s");
    assert!((wall - want).abs() <= want * 0.1, "replayed in {wall:.3} s, the window ÷ 5 is {want:.3} s: {stderr}");
    // The replay's own account agrees.
    let took: f64 = stderr.rsplit("in ").next().unwrap().trim().trim_end_matches(" s").parse().unwrap();
    assert!((took - want).abs() <= want * 0.1, "replayed in {took:.3} s by its account, the window ÷ 5 is {want:.3} s");
    assert!(stderr.contains("done: 82 spans sent, 0 failed, 1 malformed lines skipped"), "{stderr}");
    // A line a second of a ~4 s replay, counting up.
    let lines = progress(stderr);
    assert!(lines.len() >= 2, "{stderr}");
    assert!(lines.iter().all(|&(n, m)| m == 82 && n <= 82), "{stderr}");
    assert!(lines.windows(2).all(|w| w[0].0 < w[1].0), "{stderr}");

    let got = receiver.take();
    let offset = all_arrived(rec, &got);
    assert!(offset > 0, "shifted forward");
    // The last span ends when the replay started.
    let unix = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_nanos() as i64;
    let last = got.iter().map(|s| s["end"].as_i64().unwrap()).max().unwrap();
    assert!((unix(before)..=unix(before) + run.wall.as_nanos() as i64).contains(&last), "{last}");
}

#[test]
fn quiet_replays_from_stdin_with_nothing_on_stderr() {
    let _turn = lock();
    let rec = recorded();
    let receiver = Receiver::start("quiet", false);
    // 2 s at speed 10: long enough that progress would be printed.
    let run = replay_from(&["-", "--endpoint", &receiver.http(), "--speed", "10", "--quiet"], Some(&rec.text));
    assert!(run.status.success(), "{}", run.stderr);
    assert!(run.wall >= Duration::from_millis(1500), "{:?}", run.wall);
    assert_eq!(run.stderr, "", "--quiet prints nothing for a clean dump");
    assert_eq!(all_arrived(rec, &receiver.take()), 0, "not shifted");
}

#[test]
fn progress_goes_on_through_a_gap_in_the_dump() {
    let _turn = lock();
    let rec = recorded();
    let dump = rec.write("gap.jsonl", &rec.text);
    let receiver = Receiver::start("gap", false);
    // The two error traces, calls 4 and 27: 11.5 s apart, 2.3 s at speed 5 with nothing to send in between.
    let run = replay(&[&dump, "--endpoint", &receiver.http(), "--speed", "5", "--errors-only"]);
    assert!(run.status.success(), "{}", run.stderr);
    let ((root4, _), (root27, _)) = (rec.call(4), rec.call(27));
    let want = Duration::from_nanos(nanos(root27, "endTimeUnixNano") - nanos(root4, "startTimeUnixNano")) / 5;
    assert!(run.wall >= want && run.wall < want + Duration::from_secs(1), "{:?}, want {want:?}", run.wall);
    let waiting = progress(&run.stderr).iter().filter(|&&p| p == (2, 4)).count();
    assert!(waiting >= 2, "a line a second while waiting for the second trace: {}", run.stderr);
    assert_eq!(receiver.take().len(), 4);
}

#[test]
fn speed_max_sends_everything_at_once() {
    let _turn = lock();
    let rec = recorded();
    let dump = rec.write("max.jsonl", &rec.text);
    let receiver = Receiver::start("max", false);
    let run = replay(&[&dump, "--endpoint", &receiver.http(), "--speed", "max"]);
    assert!(run.status.success(), "{}", run.stderr);
    assert!(run.wall < rec.window / 10, "{:?} for a {:?} window", run.wall, rec.window);
    assert!(progress(&run.stderr).is_empty(), "under a second, no progress line: {}", run.stderr);
    assert!(run.stderr.contains("done: 82 spans sent, 0 failed, 0 malformed lines skipped"), "{}", run.stderr);
    assert_eq!(all_arrived(rec, &receiver.take()), 0, "not shifted");
}

#[test]
fn grpc_replays_into_the_grpc_receiver() {
    let _turn = lock();
    let rec = recorded();
    let dump = rec.write("grpc.jsonl", &rec.text);
    let receiver = Receiver::start("grpc", true);
    // The URL tonic takes, and `host:port` as the help offers it.
    for endpoint in [format!("http://127.0.0.1:{}", receiver.port), format!("127.0.0.1:{}", receiver.port)] {
        let run = replay(&[&dump, "--protocol", "grpc", "--endpoint", &endpoint, "--speed", "max", "--shift-to-now"]);
        assert!(run.status.success(), "{endpoint}: {}", run.stderr);
        assert!(run.stderr.contains("done: 82 spans sent, 0 failed"), "{endpoint}: {}", run.stderr);
        assert!(all_arrived(rec, &receiver.take()) > 0, "shifted forward");
    }
}

#[test]
fn filters_send_exactly_the_spans_they_select() {
    let _turn = lock();
    let rec = recorded();
    let dump = rec.write("filters.jsonl", &rec.text);
    let receiver = Receiver::start("filters", false);
    let start = rec.start();
    let (s, e) = (|v: &Value| nanos(v, "startTimeUnixNano"), |v: &Value| nanos(v, "endTimeUnixNano"));
    let trace_of = |v: &Value| v["traceId"].as_str().unwrap().to_owned();

    // Spans start every 0.5 s: offsets mid-gap, then RFC 3339 instants exactly on a span's start and another's
    // end (both bounds inclusive; the parent of the span `--from` names starts before it and is left out).
    let (root10, step10) = rec.call(10);
    let (root20, step20) = rec.call(20);
    let (from, to) = (s(step10), e(root20));
    let error_traces: BTreeSet<String> = rec.spans.iter().filter(|v| v["status"]["code"] == 2).map(trace_of).collect();
    assert_eq!(error_traces.len(), 2);
    let (root7, _) = rec.call(7);
    let trace7 = trace_of(root7);
    let (_, step27) = rec.call(27);
    type Case = (Vec<String>, Box<dyn Fn(&Value) -> bool>);
    let cases: Vec<Case> = vec![
        (
            vec!["--from".into(), "5250ms".into(), "--to".into(), "+12.25s".into()],
            Box::new(move |v| s(v) >= start + 5_250_000_000 && e(v) <= start + 12_250_000_000),
        ),
        (
            vec!["--from".into(), rfc3339(from, 0), "--to".into(), rfc3339(to, 120)],
            Box::new(move |v| s(v) >= from && e(v) <= to),
        ),
        (vec!["--from".into(), "10s".into()], Box::new(move |v| s(v) >= start + 10_000_000_000)),
        (vec!["--to".into(), rfc3339(to, -330)], Box::new(move |v| e(v) <= to)),
        (vec!["--trace-id".into(), trace7.to_uppercase()], Box::new(move |v| trace_of(v) == trace7)),
        (vec!["--function".into(), "backend.step".into()], Box::new(|v| v["name"] == "backend.step")),
        // `step`'s code.function.name: the same spans.
        (vec!["--function".into(), "step".into()], Box::new(|v| v["name"] == "backend.step")),
        (vec!["--function".into(), "handle".into()], Box::new(|v| v["name"] == "handle")),
        (vec!["--errors-only".into()], Box::new(move |v| error_traces.contains(&trace_of(v)))),
        // Within the window, whole error traces only: the second one.
        (
            vec!["--errors-only".into(), "--from".into(), "10s".into()],
            Box::new(move |v| trace_of(v) == trace_of(step27)),
        ),
    ];
    for (args, keep) in cases {
        let want = rec.ids_where(keep);
        assert!(!want.is_empty() && want.len() < rec.spans.len(), "{args:?} selects some: {want:?}");
        let endpoint = receiver.http();
        let mut all = vec![dump.as_str(), "--endpoint", &endpoint, "--speed", "max", "--quiet"];
        all.extend(args.iter().map(String::as_str));
        let run = replay(&all);
        assert!(run.status.success(), "{args:?}: {}", run.stderr);
        assert_eq!(ids_of(&receiver.take()), want, "{args:?}");
    }
    // The boundary spans themselves: each bound is inclusive, and the parent starting before `--from` is out.
    let id = |v: &Value| v["spanId"].as_str().unwrap().to_owned();
    let window = rec.ids_where(|v| s(v) >= from && e(v) <= to);
    assert!(window.contains(&id(step10)) && window.contains(&id(root20)) && window.contains(&id(step20)));
    assert!(!window.contains(&id(root10)));
    assert_eq!(window.len(), 21, "step 10, then calls 11 to 20");
    // A filter that matches nothing (a trace id from another dump) sends nothing and says so.
    let endpoint = receiver.http();
    let run = replay(&[&dump, "--endpoint", &endpoint, "--speed", "max", "--trace-id", &"f".repeat(32)]);
    assert!(run.status.success(), "{}", run.stderr);
    assert!(run.stderr.contains("no span of the dump matches the filters"), "{}", run.stderr);
    assert!(receiver.take().is_empty());
}

#[test]
fn a_line_not_utf8_or_over_64_mib_is_reported_with_its_number_and_skipped() {
    let _turn = lock();
    let rec = recorded();
    let mut lines = one_span_a_line(&rec.text);
    assert_eq!(lines.len(), 82);
    // Line 31: invalid UTF-8 (a lone continuation byte, a truncated sequence); line 62: 64 MiB and one byte.
    lines.insert(30, b"{\"resourceSpans\": [\x80\xc3]}".to_vec());
    lines.insert(61, vec![b' '; (64 << 20) + 1]);
    let dump = rec.write("bad-lines.jsonl", &lines.join(&b'\n'));
    let receiver = Receiver::start("bad-lines", false);
    let run = replay(&[&dump, "--endpoint", &receiver.http(), "--speed", "max"]);
    let _ = std::fs::remove_file(&dump);
    let stderr = &run.stderr;
    assert!(run.status.success(), "{stderr}");
    let reported = |start: &str| stderr.lines().any(|l| l.contains(start) && l.ends_with("; skipped"));
    assert!(reported("bad-lines.jsonl: line 31: not UTF-8"), "{stderr}");
    assert!(reported("bad-lines.jsonl: line 62: longer than 64 MiB"), "{stderr}");
    assert!(stderr.contains("done: 82 spans sent, 0 failed, 2 malformed lines skipped"), "{stderr}");
    all_arrived(rec, &receiver.take());
}

#[test]
fn bad_arguments_and_unreadable_dumps_are_errors_not_panics() {
    let _turn = lock();
    let missing = std::env::temp_dir().join(format!("obs-replay-missing-{}.jsonl", std::process::id()));
    let m = missing.to_str().unwrap();
    let fails = |args: &[&str], says: &str| {
        let run = replay(args);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(says) && !run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
    };
    // 32 bytes, `é` across the first digit pair; a sign `u8::from_str_radix` would take as a digit.
    fails(&[m, "--trace-id", "aé345678901234567890123456789012"], "--trace-id: `aé34");
    fails(&[m, "--trace-id", "+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1"], "is not 32 hex digits");
    // Multibyte where the UTC offset is read; a day February does not have.
    fails(&[m, "--from", "2026-12-02T14:31:18é1234"], "--from: `2026-12-02T14:31:18é1234` is neither");
    fails(&[m, "--to", "2026-02-30T00:00:00Z"], "--to: `2026-02-30T00:00:00Z` is neither");
    // Options are checked before the dump is read: the file is missing, the option is what is reported.
    fails(&[m, "--speed", "0"], "--speed: `0`");
    fails(&[m, "--endpoint", "127.0.0.1:4318/v1/traces"], "is not an http:// or https:// URL");
    // The dump itself: missing, or not a file.
    fails(&[m], m);
    let dir = std::env::temp_dir();
    fails(&[dir.to_str().unwrap()], dir.to_str().unwrap());
}

#[test]
fn the_help_says_which_forms_from_and_to_accept() {
    let _turn = lock();
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("RFC 3339") && help.contains("offset from the dump's first span"), "{help}");
    let bad = Command::new(BIN).args(["x.jsonl", "--speed", "fast"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--speed: `fast`"));
}
