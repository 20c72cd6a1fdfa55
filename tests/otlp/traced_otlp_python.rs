//! End to end: the quickstart exports its spans over OTLP http/protobuf to `scripts/otlp_receiver.py`, a receiver
//! built only on PyPI's `opentelemetry-proto`, which decodes them independently of the Rust code.
//!
//! This test fails (it does not skip) when python3 or the Python packages are missing: `scripts/test.sh` installs
//! them.

use crate::example;

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

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn quickstart_spans_reach_an_independent_otlp_receiver() {
    export_and_check("http/protobuf");
}

#[test]
fn quickstart_spans_reach_an_independent_otlp_receiver_over_grpc() {
    export_and_check("grpc");
}

fn export_and_check(protocol: &str) {
    let grpc = protocol == "grpc";
    let imports = if grpc {
        "import opentelemetry.proto.collector.trace.v1.trace_service_pb2_grpc, google.protobuf, grpc"
    } else {
        "import opentelemetry.proto.collector.trace.v1.trace_service_pb2, google.protobuf"
    };
    let check = Command::new("python3").args(["-c", imports]).status();
    assert!(
        matches!(check, Ok(s) if s.success()),
        "python3 with `opentelemetry-proto`, `protobuf` (and `grpcio` for gRPC) is required: run scripts/test.sh, \
         or `pip install opentelemetry-proto protobuf grpcio`"
    );
    let dir = std::env::temp_dir().join(format!("obs-otlp-{}-{}", std::process::id(), protocol.replace('/', "-")));
    std::fs::create_dir_all(&dir).unwrap();
    let (port_file, out_file) = (dir.join("port"), dir.join("spans.jsonl"));
    let mut receiver = Command::new("python3");
    receiver.arg(root().join("scripts/otlp_receiver.py")).args([&port_file, &out_file]);
    if grpc {
        receiver.arg("--grpc");
    }
    let _receiver = Kill(receiver.spawn().expect("start the receiver"));
    let port = wait_for(&port_file, Duration::from_secs(20));

    // The quickstart, built by Cargo for this test run's profile, exports before it exits.
    let status = example::cargo_run_example("quickstart")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://127.0.0.1:{port}"))
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)
        .env("OTEL_SERVICE_NAME", "quickstart-e2e")
        .env("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test")
        .stdout(Stdio::null())
        .status()
        .expect("run the quickstart");
    assert!(status.success());

    let text = std::fs::read_to_string(&out_file).unwrap();
    let spans: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(spans.len() >= 2, "at least two spans: {text}");
    for s in &spans {
        assert_eq!(s["service_name"], "quickstart-e2e", "{s}");
        assert_eq!(s["resource"]["deployment.environment"], "test");
    }
    let by_name = |n: &str| -> Vec<&serde_json::Value> { spans.iter().filter(|s| s["name"] == n).collect() };
    let checkouts = by_name("checkout");
    assert_eq!(checkouts.len(), 2, "{text}");
    let reserves = by_name("reserve_stock");
    // Parent-child: every reserve_stock span is a child of a checkout span in the same trace.
    for r in &reserves {
        let parent = checkouts
            .iter()
            .find(|c| c["span_id"] == r["parent_span_id"])
            .unwrap_or_else(|| panic!("reserve_stock's parent is a checkout: {r}"));
        assert_eq!(parent["trace_id"], r["trace_id"]);
        assert_eq!(r["attributes"]["warehouse"], "eu-1");
        assert!(r["attributes"]["items"].as_i64().is_some(), "{r}");
    }
    for c in &checkouts {
        assert_eq!(c["parent_span_id"], "", "checkout is a root span");
        assert_eq!(c["kind"], 2, "SPAN_KIND_SERVER");
        assert_eq!(c["attributes"]["code.function.name"], "checkout");
        assert_eq!(c["attributes"]["code.namespace"], "quickstart");
        assert!(c["attributes"]["code.file.path"].as_str().unwrap().ends_with("quickstart.rs"));
        assert!(c["end"].as_u64() >= c["start"].as_u64());
    }
    // The failing call: error status with the message, and an exception event.
    let charges = by_name("charge_card");
    let failed = charges
        .iter()
        .find(|c| c["status_code"] == 2)
        .unwrap_or_else(|| panic!("a charge_card span with STATUS_CODE_ERROR: {text}"));
    assert_eq!(failed["status_message"], "payment of 25000 cents declined");
    assert_eq!(failed["events"][0]["name"], "exception");
    assert_eq!(failed["kind"], 3, "SPAN_KIND_CLIENT");
    assert!(charges.iter().any(|c| c["status_code"] == 0), "the successful charge is unset");
    let _ = std::fs::remove_dir_all(&dir);
}

fn wait_for(path: &Path, timeout: Duration) -> u16 {
    let start = Instant::now();
    loop {
        if let Ok(s) = std::fs::read_to_string(path) {
            if let Ok(p) = s.trim().parse() {
                return p;
            }
        }
        assert!(start.elapsed() < timeout, "the receiver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}
