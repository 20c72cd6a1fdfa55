//! `/metrics` negotiates its format and its compression as RFC 9110 says: q-values, `*`, whole tokens.

use crate::common;

use common::get;
use std::net::SocketAddr;
use std::sync::OnceLock;

const PROMETHEUS: &str = "text/plain; version=0.0.4; charset=utf-8";
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

fn server() -> SocketAddr {
    static GUARD: OnceLock<obs::Guard> = OnceLock::new();
    GUARD
        .get_or_init(|| obs::builder!().listen("127.0.0.1:0").without_health_checks().init().expect("obs starts"))
        .local_addr()
        .unwrap()
}

#[test]
fn a_zero_q_value_refuses_openmetrics() {
    let addr = server();
    for accept in [
        "application/openmetrics-text;q=0",
        "application/openmetrics-text; q=0.0, text/plain",
        "text/plain;q=0.9, application/openmetrics-text;q=0.1",
    ] {
        let r = get(addr, "/metrics", &[&format!("Accept: {accept}")]);
        assert_eq!(r.header("content-type"), Some(PROMETHEUS), "Accept: {accept}");
        assert!(!r.text().contains("# EOF"), "Accept: {accept}");
    }
    for accept in ["application/openmetrics-text;q=0.9, text/plain;q=0.1", "application/*", "*/*;q=0.5, text/plain;q=0"]
    {
        let r = get(addr, "/metrics", &[&format!("Accept: {accept}")]);
        assert_eq!(r.header("content-type"), Some(OPENMETRICS), "Accept: {accept}");
    }
}

#[test]
fn gzip_is_sent_only_for_the_gzip_token_or_star_with_a_non_zero_q_value() {
    let addr = server();
    for (accept, gzipped) in [
        ("gzip;q=0", false),
        ("gzipfoo", false),
        ("deflate, br", false),
        ("*;q=0", false),
        ("gzip;q=0, *", false),
        ("gzip;q=0.5, deflate", true),
        ("GZIP", true),
        ("*", true),
    ] {
        let r = get(addr, "/metrics", &[&format!("Accept-Encoding: {accept}")]);
        assert_eq!(r.header("content-encoding") == Some("gzip"), gzipped, "Accept-Encoding: {accept}");
        if !gzipped {
            assert!(r.text().contains("process_threads "), "Accept-Encoding: {accept}: a plain body");
        }
    }
}
