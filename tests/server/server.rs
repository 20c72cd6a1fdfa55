//! The runtime against the real server over loopback: endpoints, negotiation, gzip, auth, malformed requests,
//! concurrency, and health checks that fail, hang and panic.

use crate::common;

use common::{eventually, get, send};
use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

static DB_DOWN: AtomicBool = AtomicBool::new(true);

#[derive(Debug)]
struct Down(&'static str);
impl std::fmt::Display for Down {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// A critical check the tests switch on and off.
#[obs::health_check(critical, interval = "100ms", timeout = "1s")]
async fn database() -> Result<(), Down> {
    if DB_DOWN.load(Ordering::SeqCst) {
        Err(Down("connection refused"))
    } else {
        Ok(())
    }
}

/// A sync check that always passes.
#[obs::health_check(interval = "100ms", name = "disk")]
fn disk_space() -> Result<(), String> {
    Ok(())
}

/// An async check that never finishes.
#[obs::health_check(interval = "100ms", timeout = "200ms")]
async fn hangs_async() -> Result<(), String> {
    std::future::pending::<()>().await;
    Ok(())
}

/// A sync check that blocks for far longer than its timeout.
#[obs::health_check(interval = "100ms", timeout = "200ms")]
fn hangs_sync() -> Result<(), String> {
    std::thread::sleep(Duration::from_secs(3600));
    Ok(())
}

/// A check that panics.
#[obs::health_check(interval = "100ms")]
fn panics() -> Result<(), String> {
    panic!("boom")
}

/// An async check that panics.
#[obs::health_check(interval = "100ms")]
async fn panics_async() -> Result<(), String> {
    panic!("async boom")
}

fn server() -> SocketAddr {
    static GUARD: OnceLock<obs::Guard> = OnceLock::new();
    GUARD
        .get_or_init(|| obs::builder!().listen("127.0.0.1:0").commit("abc123").init().expect("obs starts"))
        .local_addr()
        .unwrap()
}

fn json(addr: SocketAddr, path: &str) -> (u16, serde_json::Value) {
    let r = get(addr, path, &[]);
    assert_eq!(r.header("content-type"), Some("application/json"));
    (r.status, serde_json::from_slice(&r.body).expect("JSON body"))
}

#[test]
fn metrics_negotiates_the_format_and_compresses() {
    let addr = server();
    let prom = get(addr, "/metrics", &[]);
    assert_eq!(prom.status, 200);
    assert_eq!(prom.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    let text = prom.text();
    for name in [
        "process_cpu_seconds_total ",
        "process_resident_memory_bytes ",
        "process_virtual_memory_bytes ",
        "process_open_fds ",
        "process_max_fds ",
        "process_threads ",
        "process_start_time_seconds ",
        "build_info{service=\"obs\",version=\"0.1.0\",commit=\"abc123\"} 1",
    ] {
        assert!(text.contains(name), "{name} missing");
    }
    assert!(!text.contains("# EOF"));

    let om = get(addr, "/metrics", &["Accept: application/openmetrics-text; version=1.0.0,text/plain;q=0.5"]);
    assert_eq!(om.header("content-type"), Some("application/openmetrics-text; version=1.0.0; charset=utf-8"));
    assert!(om.text().ends_with("# EOF\n"));

    let gz = get(addr, "/metrics", &["Accept-Encoding: gzip, deflate"]);
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    let mut plain = String::new();
    flate2::read::GzDecoder::new(&gz.body[..]).read_to_string(&mut plain).unwrap();
    assert!(plain.contains("process_threads "));
}

#[test]
fn scraped_output_passes_promtool() {
    let addr = server();
    let body = get(addr, "/metrics", &[]).body;
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool is installed (scripts/test.sh installs it)");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&body).unwrap();
    let out = child.wait_with_output().unwrap();
    let all = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && all.trim().is_empty(), "promtool: {all}");
}

#[test]
fn readiness_follows_the_critical_check_and_liveness_stays_up() {
    let addr = server();
    DB_DOWN.store(true, Ordering::SeqCst);
    // Until the check's first run /ready is 503 with no error yet, so wait for the failure itself.
    assert!(eventually(Duration::from_secs(5), || {
        json(addr, "/ready").1["checks"]["database"]["error"] == "connection refused"
    }));
    let (status, body) = json(addr, "/ready");
    assert_eq!(status, 503);
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["checks"]["database"]["error"], "connection refused");
    assert_eq!(json(addr, "/health").0, 200, "liveness is the process answering");

    DB_DOWN.store(false, Ordering::SeqCst);
    assert!(eventually(Duration::from_secs(5), || json(addr, "/ready").0 == 200));
    let (_, body) = json(addr, "/ready");
    assert_eq!(body["checks"]["database"]["status"], "healthy");
    assert_eq!(body["checks"]["disk"]["status"], "healthy");
    DB_DOWN.store(true, Ordering::SeqCst);
    assert!(eventually(Duration::from_secs(5), || json(addr, "/ready").0 == 503), "and back");
}

#[test]
fn hanging_and_panicking_checks_are_reported_and_contained() {
    let addr = server();
    let reported = eventually(Duration::from_secs(5), || {
        let (_, b) = json(addr, "/health");
        ["hangs_async", "hangs_sync"].iter().all(|c| b["checks"][c]["result"] == "timeout")
            && ["panics", "panics_async"].iter().all(|c| b["checks"][c]["result"] == "panic")
    });
    let (_, body) = json(addr, "/health");
    assert!(reported, "{body:#}");
    assert_eq!(body["checks"]["panics"]["error"], "panicked: boom");
    assert_eq!(body["checks"]["panics_async"]["error"], "panicked: async boom");
    let score = body["score"].as_f64().unwrap();
    assert!((0.0..100.0).contains(&score), "failing checks lower the score: {score}");
    // Many runs later, the hanging sync check still holds one blocked thread, not one per run.
    std::thread::sleep(Duration::from_millis(800));
    let text = get(addr, "/metrics", &[]).text();
    let threads: f64 = text.lines().find_map(|l| l.strip_prefix("process_threads ")).unwrap().parse().unwrap();
    assert!(threads < 40.0, "{threads} threads");
    assert!(text.contains("obs_health_check_runs_total{check=\"hangs_sync\",result=\"timeout\"}"));
    assert!(text.contains("obs_health_check_up{check=\"database\",critical=\"true\"}"));
    assert!(text.contains("obs_health_score "));
}

#[test]
fn malformed_requests_get_4xx_and_the_server_lives_on() {
    let addr = server();
    let cases: &[(&[u8], &[u16])] = &[
        (b"GARBAGE\r\n\r\n", &[400]),
        (b"GET /metrics HTTP/9.9\r\n\r\n", &[400, 505]),
        (b"\x00\x01\x02\xff\xfe\r\n\r\n", &[400]),
        (b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &[404]),
        (b"POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc", &[405]),
    ];
    for (raw, expected) in cases {
        let r = send(addr, raw).expect("an answer, not a hang or a reset");
        assert!(expected.contains(&r.status), "{:?} -> {}", String::from_utf8_lossy(raw), r.status);
    }
    let huge_header = format!("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(1 << 20));
    match send(addr, huge_header.as_bytes()) {
        Ok(r) => assert!((400..500).contains(&r.status), "{}", r.status),
        Err(e) => {
            assert!(matches!(e.kind(), std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe), "{e}")
        }
    }
    assert_eq!(get(addr, "/metrics", &[]).status, 200, "still serving");
}

#[test]
fn a_hundred_concurrent_scrapes_are_all_answered() {
    let addr = server();
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..100).map(|_| s.spawn(move || get(addr, "/metrics", &[]).status)).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(statuses, vec![200; 100]);
}

#[test]
fn bearer_token_guards_every_endpoint_when_set() {
    let guard = obs::builder!().listen("127.0.0.1:0").bearer_token("s3cret").without_health_checks().init().unwrap();
    let addr = guard.local_addr().unwrap();
    for path in ["/metrics", "/health", "/ready"] {
        assert_eq!(get(addr, path, &[]).status, 401, "{path} without a token");
        assert_eq!(get(addr, path, &["Authorization: Bearer wrong"]).status, 401);
        assert!(
            [200, 503].contains(&get(addr, path, &["Authorization: Bearer s3cret"]).status),
            "{path} with the token"
        );
    }
    // And off: the shared server needs none.
    assert_eq!(get(server(), "/metrics", &[]).status, 200);
}
