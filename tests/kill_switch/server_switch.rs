//! The kill switch seen through the real server: writes stop while disabled, scrapes keep answering.

use crate::common;

/// Counted only while obs is enabled.
#[obs::metric(counter)]
struct Orders;

fn value(addr: std::net::SocketAddr) -> String {
    let text = common::get(addr, "/metrics", &[]).text();
    text.lines().find(|l| l.starts_with("orders_total ")).unwrap().to_owned()
}

#[test]
fn set_enabled_false_freezes_values_and_true_brings_them_back() {
    // The switch is process-wide: the tests of this binary that flip it take turns.
    let _switch = common::turn(&common::SWITCH);
    let guard = obs::builder!().listen("127.0.0.1:0").without_health_checks().init().unwrap();
    let addr = guard.local_addr().unwrap();
    Orders.inc();
    assert_eq!(value(addr), "orders_total 1");
    obs::set_enabled(false);
    for _ in 0..1000 {
        Orders.inc();
    }
    assert_eq!(value(addr), "orders_total 1", "writes are no-ops, scrapes still answer");
    obs::set_enabled(true);
    Orders.inc();
    assert_eq!(value(addr), "orders_total 2");
}

#[test]
fn otel_sdk_disabled_starts_switched_off() {
    // The variable is read by init; the resolved settings say so without touching this process' switch.
    let settings = obs::builder!().listen("127.0.0.1:0").settings().unwrap();
    assert!(!settings.sdk_disabled);
}
