//! OTLP metrics pushes, decoded by `scripts/otlp_metrics_receiver.py` (PyPI `opentelemetry-proto` only, nothing
//! of obs): every catalog family with its type, unit, monotonicity, temporality and attributes; values equal to a
//! Prometheus scrape of the same state; buckets that reproduce the observations; deltas that sum back to the
//! totals across a failed push; the Python SDK's exporter as the reference for field usage; and collectors that
//! refuse, never answer or answer 500.
//!
//! This test fails (it does not skip) when python3 or the Python packages are missing: `scripts/test.sh` installs
//! them.

use obs::otlp::{MetricsExporter, Protocol, Temporality};
use obs::{Labels, MetricKind};
use obs_runtime::names::{otel_name, sample_name, ucum_unit};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

// The exporters, the span pipeline and the counters they read are process-wide: the tests take turns, with the
// other tests of this binary that install a pipeline too.
use crate::common::{turn, PIPELINE};
use crate::{collectors, example};

#[derive(Labels)]
struct Queue {
    queue: &'static str,
}

#[derive(Labels)]
struct Release {
    version: &'static str,
}

/// Jobs run, by queue.
#[obs::metric(counter, labels = Queue)]
struct OtlpJobs;

/// Time spent working.
#[obs::metric(counter, unit = "seconds", value = f64)]
struct OtlpWorkTime;

/// Jobs waiting, by queue.
#[obs::metric(gauge, labels = Queue)]
struct OtlpDepth;

/// Time per job, by queue.
#[obs::metric(histogram, labels = Queue, unit = "seconds", buckets = [0.1, 1.0])]
struct OtlpJobDuration;

/// Payload sizes, in native buckets.
#[obs::metric(histogram, native, unit = "bytes")]
struct OtlpPayload;

/// Payload sizes of the delta test, in native buckets.
#[obs::metric(histogram, native, unit = "bytes")]
struct OtlpDeltaPayload;

/// The release running.
#[obs::metric(info, labels = Release)]
struct OtlpRelease;

/// Capped at one series: a second queue goes to the overflow series.
#[obs::metric(counter, labels = Queue, cap = 1)]
struct OtlpCapped;

/// A traced step: its RED duration histogram carries exemplars while a trace pipeline samples.
#[obs::traced]
fn otlp_step(x: u64) -> u64 {
    x + 1
}

struct Receiver {
    child: std::process::Child,
    port: u16,
    out: PathBuf,
    fail: PathBuf,
    dir: PathBuf,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

impl Receiver {
    fn start(grpc: bool) -> Receiver {
        let check = Command::new("python3")
            .args([
                "-c",
                "import opentelemetry.proto.collector.metrics.v1.metrics_service_pb2_grpc, google.protobuf, grpc",
            ])
            .status();
        assert!(
            matches!(check, Ok(s) if s.success()),
            "python3 with `opentelemetry-proto`, `protobuf` and `grpcio` is required: run scripts/test.sh"
        );
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("obs-otlp-metrics-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (port_file, out, fail) = (dir.join("port"), dir.join("pushes.jsonl"), dir.join("fail"));
        let mut cmd = Command::new("python3");
        cmd.arg(root().join("scripts/otlp_metrics_receiver.py"))
            .arg(&port_file)
            .arg(&out)
            .arg("--fail-file")
            .arg(&fail);
        if grpc {
            cmd.arg("--grpc");
        }
        let child = cmd.stdout(Stdio::null()).spawn().expect("start the receiver");
        let start = Instant::now();
        let port = loop {
            if let Some(p) = std::fs::read_to_string(&port_file).ok().and_then(|s| s.trim().parse().ok()) {
                break p;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "the receiver did not start");
            std::thread::sleep(Duration::from_millis(50));
        };
        Receiver { child, port, out, fail, dir }
    }

    fn endpoint(&self, grpc: bool) -> String {
        if grpc {
            format!("http://127.0.0.1:{}", self.port)
        } else {
            format!("http://127.0.0.1:{}/v1/metrics", self.port)
        }
    }

    fn pushes(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.out).unwrap();
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    fn refuse(&self, on: bool) {
        if on {
            std::fs::write(&self.fail, b"").unwrap();
        } else {
            let _ = std::fs::remove_file(&self.fail);
        }
    }
}

/// `(sample name, labels) → value` of a Prometheus text scrape.
type Scrape = BTreeMap<(String, BTreeMap<String, String>), f64>;

fn parse_labels(s: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut chars = s.chars().peekable();
    loop {
        let name: String = chars.by_ref().take_while(|&c| c != '=').collect();
        if name.is_empty() {
            return out;
        }
        assert_eq!(chars.next(), Some('"'));
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(c) => value.push(c),
                    None => break,
                },
                '"' => break,
                c => value.push(c),
            }
        }
        out.insert(name.trim_start_matches(',').to_owned(), value);
        if chars.peek() == Some(&',') {
            chars.next();
        }
    }
}

fn scrape() -> Scrape {
    let text = obs::encode(obs::Format::Prometheus);
    let mut out = Scrape::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let (series, value) = line.rsplit_once(' ').unwrap();
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().unwrap(),
        };
        let (name, labels) = match series.split_once('{') {
            Some((n, rest)) => (n, parse_labels(rest.strip_suffix('}').unwrap())),
            None => (series, BTreeMap::new()),
        };
        out.insert((name.to_owned(), labels), value);
    }
    out
}

fn attrs(point: &Value) -> BTreeMap<String, String> {
    point["attributes"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect()
}

fn metrics_of(push: &Value) -> &Vec<Value> {
    push["scopes"][0]["metrics"].as_array().unwrap()
}

fn metric<'a>(push: &'a Value, name: &str) -> &'a Value {
    metrics_of(push).iter().find(|m| m["name"] == name).unwrap_or_else(|| panic!("no metric {name} in the push"))
}

/// Families whose values move by themselves between the push and the scrape: the process' own readings and the
/// exporter's counter of its pushes (incremented once this push is answered).
fn volatile(family: &str) -> bool {
    family.starts_with("process_") || family == obs_runtime::families::OBS_METRIC_EXPORTS
}

/// The same float, up to the last bit that serde_json's fast (not correctly rounded) parser may get wrong when it
/// reads the receiver's shortest round-trip digits.
fn assert_same(got: f64, want: f64, what: &str) {
    assert!((got - want).abs() <= 2.0 * f64::EPSILON * want.abs(), "{what}: {got} != {want}");
}

/// Every exposed family is in `push`, typed and described as the catalog says, with the values of `scrape`.
fn check_against_scrape(push: &Value, scrape: &Scrape, temporality: &str) {
    assert_eq!(push["scopes"][0]["name"], "obs");
    for m in obs::catalog().exposed() {
        let name = otel_name(m.name(), m.unit());
        let got = metric(push, &name);
        assert_eq!(got["unit"], ucum_unit(m.unit()), "{name}");
        assert_eq!(got["description"], m.help(), "{name}");
        let native = m.desc().native.is_some();
        let (ty, monotonic, temp) = match m.kind() {
            MetricKind::Counter => ("sum", Value::Bool(true), Value::from(temporality)),
            MetricKind::Info => ("sum", Value::Bool(false), Value::from("cumulative")),
            MetricKind::Gauge | MetricKind::Unknown => ("gauge", Value::Null, Value::Null),
            MetricKind::Histogram if native => ("exponential_histogram", Value::Null, Value::from(temporality)),
            MetricKind::Histogram => ("histogram", Value::Null, Value::from(temporality)),
            MetricKind::Summary => ("summary", Value::Null, Value::Null),
        };
        assert_eq!(
            (got["type"].as_str().unwrap(), &got["monotonic"], &got["temporality"]),
            (ty, &monotonic, &temp),
            "{name}"
        );
        let points = got["points"].as_array().unwrap();
        let main = sample_name(m.name(), m.kind());
        let series_in_scrape = scrape
            .keys()
            .filter(|(n, l)| match m.kind() {
                MetricKind::Histogram => *n == format!("{}_count", m.name()),
                _ => *n == main && !l.contains_key("le"),
            })
            .count();
        if volatile(m.name()) {
            continue;
        }
        assert_eq!(points.len(), series_in_scrape, "{name}: one point per series of the scrape");
        for p in points {
            let labels = attrs(p);
            let want = |sample: &str, extra: Option<(&str, String)>| -> f64 {
                let mut l = labels.clone();
                if let Some((k, v)) = extra {
                    l.insert(k.to_owned(), v);
                }
                *scrape.get(&(sample.to_owned(), l.clone())).unwrap_or_else(|| panic!("{sample}{l:?} in the scrape"))
            };
            match ty {
                "sum" | "gauge" => assert_same(p["value"].as_f64().unwrap(), want(&main, None), &name),
                "histogram" => {
                    let counts: Vec<u64> =
                        p["bucket_counts"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap()).collect();
                    let bounds = p["explicit_bounds"].as_array().unwrap();
                    assert_eq!(counts.len(), bounds.len() + 1, "{name}");
                    let mut cumulative = 0;
                    for (i, c) in counts.iter().enumerate() {
                        cumulative += c;
                        let le =
                            bounds.get(i).map_or("+Inf".to_owned(), |b| obs_runtime::format_f64(b.as_f64().unwrap()));
                        assert_eq!(
                            cumulative as f64,
                            want(&format!("{}_bucket", m.name()), Some(("le", le))),
                            "{name}"
                        );
                    }
                    assert_eq!(p["count"].as_u64().unwrap() as f64, want(&format!("{}_count", m.name()), None));
                    assert_same(p["sum"].as_f64().unwrap(), want(&format!("{}_sum", m.name()), None), &name);
                }
                "exponential_histogram" => {
                    assert_eq!(p["count"].as_u64().unwrap() as f64, want(&format!("{}_count", m.name()), None));
                    assert_same(p["sum"].as_f64().unwrap(), want(&format!("{}_sum", m.name()), None), &name);
                }
                _ => {}
            }
            if ty != "gauge" {
                assert!(p["start"].as_u64().unwrap() > 0 && p["start"].as_u64() <= p["time"].as_u64(), "{name}: {p}");
            }
        }
    }
}

/// OTLP's exponential bucket of `v` at `scale`: `(base^k, base^(k+1)]`, one below Prometheus' index.
fn otlp_index(v: f64, scale: i64) -> i64 {
    obs_runtime::bucket_index(v, scale as i8) as i64 - 1
}

/// `index → count` of one side of an exponential point.
fn dense(side: &Value) -> BTreeMap<i64, u64> {
    let offset = side[0].as_i64().unwrap();
    side[1]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, c)| c.as_u64() != Some(0))
        .map(|(i, c)| (offset + i as i64, c.as_u64().unwrap()))
        .collect()
}

const PAYLOADS: [f64; 6] = [100.0, 120.0, 4096.0, 5000.0, 1e6, 3.5];

/// The state the push tests send; `queue` is each test's own, as the families are shared by the tests.
fn record_state(queue: &'static str) {
    OtlpJobs.with(Queue { queue: "a" }).inc_by(3);
    OtlpJobs.with(Queue { queue: "b" }).inc();
    OtlpWorkTime.inc_by(0.25);
    OtlpDepth.with(Queue { queue: "a" }).set(7);
    for v in [0.05, 0.07, 0.5, 2.0] {
        OtlpJobDuration.with(Queue { queue }).observe(v);
    }
    for v in PAYLOADS {
        OtlpPayload.observe(v);
    }
    OtlpRelease.set(Release { version: "1.2.3" });
    OtlpCapped.with(Queue { queue: "first" }).inc();
    OtlpCapped.with(Queue { queue: "second" }).inc_by(2);
}

fn push_and_check(grpc: bool) {
    let _turn = turn(&PIPELINE);
    let rx = Receiver::start(grpc);
    let sink = obs::trace::MemorySink::default();
    let trace = obs::trace::TracePipeline::builder().sink(sink.clone()).install().unwrap();
    otlp_step(1);
    let queue = if grpc { "grpc" } else { "http" };
    record_state(queue);
    trace.flush();
    let exporter = MetricsExporter::builder()
        .service_name("otlp-metrics-test")
        .resource_attribute("deployment.environment", "test")
        .endpoint(rx.endpoint(grpc))
        .protocol(if grpc { Protocol::Grpc } else { Protocol::HttpProtobuf })
        .compression(obs::otlp::Compression::Gzip)
        .header("x-obs-test", "yes")
        .interval(Duration::from_secs(3600));
    let guard = exporter.install().unwrap();
    // A first push makes the exporter's own counter series exist, so the catalog's series counts stay put.
    guard.flush().expect("the receiver takes the push");
    guard.flush().expect("the receiver takes the push");
    let scrape = scrape();
    let pushes = rx.pushes();
    let push = pushes.last().unwrap();
    assert_eq!(push["resource"]["service.name"], "otlp-metrics-test");
    assert_eq!(push["resource"]["deployment.environment"], "test");
    assert_eq!(push["headers"]["x-obs-test"], "yes");
    if !grpc {
        assert_eq!(push["headers"]["content-encoding"], "gzip");
    }
    check_against_scrape(push, &scrape, "cumulative");

    // This test's own families, by their OTLP names: the unit suffix in the unit field, no `_total`.
    let jobs = find_family(push, "otlp_jobs");
    let points = jobs["points"].as_array().unwrap();
    let of = |q: &str| points.iter().find(|p| p["attributes"]["queue"] == q).unwrap_or_else(|| panic!("queue {q}"));
    assert!(of("a")["value"].as_u64().unwrap() >= 3 && of("b")["value"].as_u64().unwrap() >= 1);
    assert!(points.iter().all(|p| p["int"] == true), "integer counters travel as integers");
    let duration = find_family(push, "otlp_job_duration");
    assert_eq!(duration["unit"], "s");
    assert!(!duration["name"].as_str().unwrap().ends_with("_seconds"));
    let p = duration["points"].as_array().unwrap().iter().find(|p| p["attributes"]["queue"] == queue).unwrap();
    assert_eq!(p["bucket_counts"], serde_json::json!([2, 1, 1]), "0.05 and 0.07, 0.5, 2.0");
    assert_eq!(p["explicit_bounds"], serde_json::json!([0.1, 1.0]));
    let work = find_family(push, "otlp_work_time");
    // A float counter travels as a double (its value is checked against the scrape above).
    assert_eq!((work["unit"].as_str(), &work["points"][0]["int"]), (Some("s"), &Value::Bool(false)));
    assert!(work["points"][0]["value"].as_f64().unwrap() >= 0.25);
    let release = find_family(push, "otlp_release");
    assert_eq!(release["points"][0]["attributes"]["version"], "1.2.3");
    assert_eq!(release["points"][0]["value"], 1);
    // The overflow series is a point like any other.
    let capped = find_family(push, "otlp_capped");
    let queues: Vec<&str> =
        capped["points"].as_array().unwrap().iter().map(|p| p["attributes"]["queue"].as_str().unwrap()).collect();
    assert!(queues.contains(&"first") && queues.contains(&obs::OVERFLOW_VALUE), "{queues:?}");
    // obs' self metrics travel too, the overflow counter naming this family.
    let overflow = metric(push, "obs_cardinality_overflow");
    assert!(overflow["points"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["attributes"]["metric"].as_str().unwrap().ends_with("otlp_capped")));

    // Native buckets: every observation in the OTLP bucket its scale puts it in.
    let payload = find_family(push, "otlp_payload");
    assert_eq!(payload["unit"], "By");
    let p = &payload["points"][0];
    let scale = p["scale"].as_i64().unwrap();
    // Each push test records PAYLOADS once (this family is theirs alone), so it holds them `rounds` times.
    let count = p["count"].as_u64().unwrap();
    assert_eq!(count % PAYLOADS.len() as u64, 0, "{p}");
    let rounds = count / PAYLOADS.len() as u64;
    let mut want = BTreeMap::new();
    for v in PAYLOADS {
        *want.entry(otlp_index(v, scale)).or_insert(0u64) += rounds;
    }
    assert_eq!(dense(&p["positive"]), want, "scale {scale}: {p}");
    assert_eq!(p["zero_count"].as_u64(), Some(0));

    // Exemplars: the traced step's duration carries the trace and span of its call.
    let calls = metric(push, "function_calls_duration");
    let point =
        calls["points"].as_array().unwrap().iter().find(|p| p["attributes"]["function"] == "otlp_step").unwrap();
    let ex = &point["exemplars"][0];
    let span = sink.spans().into_iter().find(|s| s.name == "otlp_step").expect("the step's span");
    assert_eq!(ex["trace_id"], format!("{:032x}", span.trace_id));
    assert_eq!(ex["span_id"], format!("{:016x}", span.span_id));
    drop(guard);
    drop(trace);
}

/// The one family of this test whose name starts with `prefix` after any namespace.
fn find_family<'a>(push: &'a Value, family: &str) -> &'a Value {
    let m = obs::catalog()
        .metrics()
        .iter()
        .find(|m| otel_name(m.name(), m.unit()).ends_with(family))
        .unwrap_or_else(|| panic!("{family} declared"));
    metric(push, &otel_name(m.name(), m.unit()))
}

trait NamedLike {
    fn metric_named_like(&self, family: &str) -> &str;
}

impl NamedLike for obs::Catalog {
    fn metric_named_like(&self, family: &str) -> &str {
        self.metrics().iter().find(|m| otel_name(m.name(), m.unit()).ends_with(family)).map(|m| m.name()).unwrap()
    }
}

#[test]
fn an_http_push_carries_every_family_as_the_scrape_shows_it() {
    push_and_check(false);
}

#[test]
fn a_grpc_push_carries_every_family_as_the_scrape_shows_it() {
    push_and_check(true);
}

fn sum_of(pushes: &[Value], family: &str, queue: &str) -> f64 {
    pushes
        .iter()
        .map(|p| {
            find_family(p, family)["points"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|pt| pt["attributes"]["queue"] == queue)
                .map(|pt| pt["value"].as_f64().unwrap())
                .sum::<f64>()
        })
        .sum()
}

#[test]
fn delta_pushes_sum_back_to_the_totals_across_a_failed_push() {
    let _turn = turn(&PIPELINE);
    let rx = Receiver::start(false);
    let guard = MetricsExporter::builder()
        .endpoint(rx.endpoint(false))
        .temporality(Temporality::Delta)
        .interval(Duration::from_secs(3600))
        .install()
        .unwrap();
    // A baseline: what was counted before this test is delivered, so the deltas below are this test's alone.
    guard.flush().expect("baseline push");
    let before = scrape();
    OtlpJobs.with(Queue { queue: "delta" }).inc_by(5);
    OtlpJobDuration.with(Queue { queue: "delta" }).observe(0.05);
    OtlpDeltaPayload.observe(64.0);
    guard.flush().expect("first push");
    rx.refuse(true);
    OtlpJobs.with(Queue { queue: "delta" }).inc_by(7);
    OtlpJobDuration.with(Queue { queue: "delta" }).observe(0.5);
    OtlpDeltaPayload.observe(4096.0);
    assert!(guard.flush().is_err(), "the receiver refuses this one");
    rx.refuse(false);
    OtlpJobs.with(Queue { queue: "delta" }).inc_by(11);
    OtlpJobDuration.with(Queue { queue: "delta" }).observe(5.0);
    OtlpDeltaPayload.observe(1e6);
    guard.flush().expect("third push");
    let after = scrape();
    let pushes = rx.pushes()[1..].to_vec();
    assert_eq!(pushes.len(), 2, "the refused push is not recorded");
    for p in &pushes {
        assert_eq!(find_family(p, "otlp_jobs")["temporality"], "delta");
    }
    // Counters: the deltas received add up to the total.
    assert_eq!(sum_of(&pushes, "otlp_jobs", "delta"), 23.0);
    let jobs = obs::catalog().metric_named_like("otlp_jobs");
    let key = (sample_name(jobs, MetricKind::Counter), BTreeMap::from([("queue".to_owned(), "delta".to_owned())]));
    assert_eq!(after[&key], 23.0);
    // The second push covers the failed one: its interval starts where the first one's ended.
    let delta_point = |push| {
        find_family(push, "otlp_jobs")["points"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["attributes"]["queue"] == "delta")
            .unwrap()
            .clone()
    };
    let (p0, p1) = (delta_point(&pushes[0]), delta_point(&pushes[1]));
    assert_eq!(p1["start"], p0["time"]);
    assert_eq!(p1["value"], 18, "7 of the failed push and 11 since");
    // Classic histogram: bucket deltas add up to the scrape's buckets.
    let mut buckets = vec![0u64; 3];
    let (mut count, mut sum) = (0u64, 0.0);
    for p in &pushes {
        for pt in find_family(p, "otlp_job_duration")["points"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|pt| pt["attributes"]["queue"] == "delta")
        {
            for (b, c) in buckets.iter_mut().zip(pt["bucket_counts"].as_array().unwrap()) {
                *b += c.as_u64().unwrap();
            }
            count += pt["count"].as_u64().unwrap();
            sum += pt["sum"].as_f64().unwrap();
        }
    }
    assert_eq!(buckets, [1, 1, 1]);
    assert_eq!(count, 3);
    assert!((sum - 5.55).abs() < 1e-9, "{sum}");
    // Native: the exponential deltas add up to what was observed since the exporter started.
    let mut seen: BTreeMap<i64, u64> = BTreeMap::new();
    let scale_last = find_family(&pushes[1], "otlp_delta_payload")["points"][0]["scale"].as_i64().unwrap();
    for p in &pushes {
        let pt = &find_family(p, "otlp_delta_payload")["points"][0];
        assert_eq!(pt["scale"].as_i64().unwrap(), scale_last, "no rescale in this test");
        for (i, c) in dense(&pt["positive"]) {
            *seen.entry(i).or_default() += c;
        }
    }
    let mut want = BTreeMap::new();
    for v in [64.0, 4096.0, 1e6] {
        *want.entry(otlp_index(v, scale_last)).or_insert(0u64) += 1;
    }
    assert_eq!(seen, want);
    let payload = obs::catalog().metric_named_like("otlp_delta_payload");
    let count_key = (format!("{payload}_count"), BTreeMap::new());
    assert_eq!(after[&count_key] - before.get(&count_key).copied().unwrap_or(0.0), 3.0);
    drop(guard);
}

/// The Python SDK's OTLP exporter and obs send equivalent instruments to the same receiver; obs fills the fields
/// the same way, except where this test says why not.
#[test]
fn the_python_sdk_is_the_reference_for_field_usage() {
    let _turn = turn(&PIPELINE);
    let rx = Receiver::start(false);
    let status = Command::new("python3")
        .arg(root().join("scripts/otel_sdk_metrics.py"))
        .arg(rx.endpoint(false))
        .status()
        .expect("run the Python SDK peer");
    assert!(status.success(), "the Python SDK peer (opentelemetry-sdk, opentelemetry-exporter-otlp-proto-http) ran");
    record_state("sdk");
    let guard = MetricsExporter::builder().endpoint(rx.endpoint(false)).service_name("obs-peer").install().unwrap();
    guard.flush().unwrap();
    let pushes = rx.pushes();
    let (sdk, ours) = (&pushes[0], &pushes[1]);
    assert_eq!(sdk["resource"]["service.name"], "python-peer");
    assert_eq!(ours["resource"]["service.name"], "obs-peer");
    // The SDK adds telemetry.sdk.* and service.instance.id; obs sends the resource the span exporter sends
    // (service.name, service.version and OTEL_RESOURCE_ATTRIBUTES), so both signals agree.
    let fields = |m: &Value| (m["type"].clone(), m["monotonic"].clone(), m["temporality"].clone());
    let (sdk_counter, our_counter) = (metric(sdk, "peer_jobs"), find_family(ours, "otlp_jobs"));
    assert_eq!(fields(sdk_counter), fields(our_counter));
    let (a, b) = (&sdk_counter["points"][0], &our_counter["points"][0]);
    assert_eq!((&a["int"], b["int"].clone()), (&Value::Bool(true), Value::Bool(true)), "integer counters as as_int");
    for p in [a, b] {
        assert!(p["start"].as_u64().unwrap() > 0 && p["start"].as_u64() < p["time"].as_u64());
    }
    // The SDK's start is when the instrument first recorded; obs' is the process start, which the data model
    // allows for cumulative points and which holds for every series alike.
    let (sdk_hist, our_hist) = (metric(sdk, "peer_duration"), find_family(ours, "otlp_job_duration"));
    assert_eq!(fields(sdk_hist), fields(our_hist));
    assert_eq!(sdk_hist["unit"], our_hist["unit"]);
    let b = our_hist["points"].as_array().unwrap().iter().find(|p| p["attributes"]["queue"] == "sdk").unwrap();
    let a = &sdk_hist["points"][0];
    assert_eq!(a["bucket_counts"], b["bucket_counts"], "the same observations over the same bounds");
    assert_eq!(a["sum"], b["sum"]);
    for p in [a, b] {
        let n = p["explicit_bounds"].as_array().unwrap().len();
        assert_eq!(p["bucket_counts"].as_array().unwrap().len(), n + 1, "one more count than bounds");
        assert!(p["sum"].as_f64().is_some());
    }
    // The SDK also sends min and max (the receiver does not record them): obs' histograms store neither, so it
    // leaves the optional fields out rather than invent them.
    let (sdk_gauge, our_gauge) = (metric(sdk, "peer_depth"), find_family(ours, "otlp_depth"));
    assert_eq!(fields(sdk_gauge), fields(our_gauge));
    assert_eq!(sdk_gauge["points"][0]["start"], 0);
    assert_eq!(our_gauge["points"][0]["start"], 0, "no start time on gauges, as the SDK");
    // Names: the SDK sends what the instrument is called; obs' families carry the unit suffix Prometheus wants,
    // which the OTLP name drops (it is in the unit field).
    assert_eq!(sdk_hist["name"], "peer_duration");
    assert!(!our_hist["name"].as_str().unwrap().ends_with("_seconds"));
    drop(guard);
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

fn exports(outcome: &str) -> f64 {
    let key = (
        sample_name(obs_runtime::families::OBS_METRIC_EXPORTS, MetricKind::Counter),
        BTreeMap::from([("outcome".to_owned(), outcome.to_owned())]),
    );
    scrape().get(&key).copied().unwrap_or(0.0)
}

#[test]
fn hostile_collectors_fail_within_the_deadline_and_are_counted() {
    let _turn = turn(&PIPELINE);
    let timeout = Duration::from_millis(500);
    for (port, outcome) in [
        (collectors::refusing_collector(), "failed"),
        (collectors::silent_collector(), "timeout"),
        (collectors::error_collector(), "failed"),
        (collectors::garbage_collector(), "failed"),
    ] {
        let guard = MetricsExporter::builder()
            .endpoint(format!("http://127.0.0.1:{port}/v1/metrics"))
            .timeout(timeout)
            .interval(Duration::from_secs(3600))
            .install()
            .unwrap();
        let before = exports(outcome);
        let t = Instant::now();
        let r = guard.flush();
        let took = t.elapsed();
        assert!(r.is_err(), "port {port}: {r:?}");
        assert!(took < timeout + Duration::from_millis(500), "{outcome}: the push took {took:?}");
        assert_eq!(exports(outcome), before + 1.0, "{outcome} counted");
        let t = Instant::now();
        drop(guard);
        assert!(t.elapsed() < timeout + Duration::from_millis(500), "the last push on drop keeps the deadline");
    }
}

#[test]
fn a_push_stuck_at_a_silent_collector_leaves_the_hot_path_and_metrics_alone() {
    let _turn = turn(&PIPELINE);
    let port = collectors::silent_collector();
    let obs = obs::builder!()
        .listen("127.0.0.1:0")
        .without_health_checks()
        .otlp_metrics_endpoint(format!("http://127.0.0.1:{port}/v1/metrics"))
        .metric_export_timeout(Duration::from_secs(3))
        .metric_export_interval(Duration::from_secs(3600))
        .init()
        .unwrap();
    assert!(obs.settings().metrics_exporters.otlp && obs.settings().metrics_exporters.prometheus);
    let addr = obs.local_addr().unwrap();
    std::thread::scope(|s| {
        let push = s.spawn(|| obs.flush_metrics().unwrap());
        std::thread::sleep(Duration::from_millis(100));
        let t = Instant::now();
        let h = OtlpJobs.with(Queue { queue: "hot" });
        for _ in 0..100_000 {
            h.inc();
        }
        let body = http_get(addr, "/metrics");
        let took = t.elapsed();
        assert!(body.contains("otlp_jobs_total{queue=\"hot\"} 100000"), "{body}");
        assert!(!push.is_finished(), "the push is still waiting for the silent collector");
        assert!(took < Duration::from_secs(2), "increments and a scrape took {took:?} beside the stuck push");
        assert!(matches!(push.join().unwrap(), Err(obs::otlp::ExportError::Timeout(_))));
    });
}

fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    write!(c, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut s = String::new();
    c.read_to_string(&mut s).unwrap();
    s
}

#[test]
fn memory_stays_flat_over_a_thousand_failed_pushes() {
    let _turn = turn(&PIPELINE);
    let port = collectors::error_collector();
    let guard = MetricsExporter::builder()
        .endpoint(format!("http://127.0.0.1:{port}/v1/metrics"))
        .temporality(Temporality::Delta)
        .timeout(Duration::from_secs(2))
        .interval(Duration::from_secs(3600))
        .install()
        .unwrap();
    let failed0 = exports("failed");
    for _ in 0..100 {
        assert!(guard.flush().is_err());
    }
    let rss0 = rss_bytes();
    for i in 0..1_000 {
        OtlpJobs.with(Queue { queue: "flat" }).inc();
        assert!(guard.flush().is_err(), "push {i}");
    }
    let grown = rss_bytes().saturating_sub(rss0);
    assert_eq!(exports("failed") - failed0, 1_100.0);
    // Nothing was delivered, so nothing is kept for the deltas: the next push carries all 1 000 increments.
    assert_eq!(guard.delta_series(), 0);
    assert!(grown < 4 * 1024 * 1024, "resident memory grew by {grown} bytes over 1 000 failed pushes");
}

/// `OTEL_EXPORTER_OTLP_ENDPOINT=… cargo run --example quickstart` pushes its metrics as well as its spans: the
/// push carries the quickstart's families with the values of the exposition it printed.
#[test]
fn the_quickstart_pushes_the_state_it_prints() {
    let _turn = turn(&PIPELINE);
    let rx = Receiver::start(false);
    let out = example::cargo_run_example("quickstart")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://127.0.0.1:{}", rx.port))
        .env("OTEL_SERVICE_NAME", "quickstart-metrics")
        .output()
        .expect("run the quickstart");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let pushes = rx.pushes();
    assert_eq!(pushes.len(), 1, "one push, on the guard's drop");
    let push = &pushes[0];
    assert_eq!(push["resource"]["service.name"], "quickstart-metrics");
    let sample = |name: &str, labels: &[(&str, &str)]| -> f64 {
        let want: BTreeMap<String, String> = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .find_map(|l| {
                let (series, value) = l.rsplit_once(' ')?;
                let (n, rest) = series.split_once('{').unwrap_or((series, "}"));
                (n == name && parse_labels(rest.strip_suffix('}')?) == want).then(|| value.parse().unwrap())
            })
            .unwrap_or_else(|| panic!("{name}{labels:?} in the quickstart's exposition"))
    };
    let requests = metric(push, "quickstart_http_requests");
    assert_eq!(requests["temporality"], "cumulative");
    for p in requests["points"].as_array().unwrap() {
        let a = attrs(p);
        let labels: Vec<(&str, &str)> = a.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(p["value"].as_f64().unwrap(), sample("quickstart_http_requests_total", &labels), "{p}");
    }
    assert_eq!(requests["points"].as_array().unwrap().len(), 4, "one per route, the escaped ones included");
    let size = metric(push, "quickstart_response_size");
    assert_eq!(size["unit"], "By");
    assert_eq!(size["points"][0]["count"].as_f64().unwrap(), sample("quickstart_response_size_bytes_count", &[]));
    let fill = metric(push, "quickstart_cache_fill");
    assert_eq!((fill["unit"].as_str(), fill["points"][0]["value"].as_f64()), (Some("1"), Some(0.42)));
    let build = metric(push, "quickstart_build");
    assert_eq!(build["points"][0]["attributes"]["commit"], "0000000");
}
