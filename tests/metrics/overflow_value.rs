//! A user's label value equal to the overflow value never becomes, or shadows, obs' overflow series.
//!
//! Each test uses its own family, so the order in which the user's `__overflow__` and a real overflow arrive is
//! fixed within the test whatever order the tests run in.

use obs::Labels;

#[derive(Labels)]
struct Tenant {
    tenant: String,
}

/// Requests by tenant, capped at one series; the user's `__overflow__` comes first.
#[obs::metric(counter, labels = Tenant, cap = 1)]
struct UserValueFirst;

/// Requests by tenant, with room for two series; a real overflow (an oversized value) comes first.
#[obs::metric(counter, labels = Tenant, cap = 2)]
struct OverflowFirst;

/// The series of family `name` in the Prometheus exposition, as (labels, value) in exposition order.
fn series(name: &str) -> Vec<(String, u64)> {
    let text = obs::encode(obs::Format::Prometheus);
    let prefix = format!("{name}_total{{");
    text.lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(|l| {
            let (labels, value) = l.rsplit_once("} ").expect("a sample line");
            (labels.to_owned(), value.parse().expect("an integer count"))
        })
        .collect()
}

fn reserved_refusals(name: &str) -> Option<u64> {
    let text = obs::encode(obs::Format::Prometheus);
    let line = format!("obs_cardinality_overflow_total{{metric=\"{name}\",reason=\"reserved_value\"}} ");
    text.lines().find_map(|l| l.strip_prefix(&line)).map(|v| v.parse().unwrap())
}

/// Every increment is in exactly one series, and no two series share their labels.
fn assert_nothing_lost(name: &str, increments: u64) {
    let all = series(name);
    let mut labels: Vec<&str> = all.iter().map(|(l, _)| l.as_str()).collect();
    labels.sort_unstable();
    labels.dedup();
    assert_eq!(labels.len(), all.len(), "two series of {name} are exposed with the same labels: {all:?}");
    assert_eq!(all.iter().map(|(_, v)| v).sum::<u64>(), increments, "increments of {name} vanished: {all:?}");
}

#[test]
fn a_user_overflow_value_before_an_overflow_is_refused_and_counted() {
    let user = UserValueFirst.with(Tenant { tenant: obs::OVERFLOW_VALUE.to_owned() });
    user.inc_by(5);
    UserValueFirst.with(Tenant { tenant: "acme".into() }).inc_by(2); // fills the cap of one
    UserValueFirst.with(Tenant { tenant: "globex".into() }).inc_by(3); // overflows
    assert_nothing_lost("user_value_first", 10);
    assert_eq!(
        series("user_value_first"),
        [("tenant=\"__overflow__\"".to_owned(), 8), ("tenant=\"acme\"".to_owned(), 2)],
        "the user's value is refused into the overflow series, and did not take the family's only slot"
    );
    assert_eq!(reserved_refusals("user_value_first"), Some(1));
}

#[test]
fn a_user_overflow_value_after_an_overflow_is_refused_and_counted() {
    OverflowFirst.with(Tenant { tenant: "acme".into() }).inc_by(2);
    OverflowFirst.with(Tenant { tenant: "x".repeat(obs::MAX_LABEL_VALUE_LEN + 1) }).inc_by(3); // overflows
                                                                                               // The family still has room for a series: only the reservation keeps this out of it.
    OverflowFirst.with(Tenant { tenant: obs::OVERFLOW_VALUE.to_owned() }).inc_by(5);
    assert_nothing_lost("overflow_first", 10);
    assert_eq!(
        series("overflow_first"),
        [("tenant=\"__overflow__\"".to_owned(), 8), ("tenant=\"acme\"".to_owned(), 2)]
    );
    assert_eq!(reserved_refusals("overflow_first"), Some(1));
}
