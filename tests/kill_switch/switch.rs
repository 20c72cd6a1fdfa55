//! The kill switch: `set_enabled(false)` makes every write a no-op, and `true` brings them back.

/// Counted while enabled.
#[obs::metric(counter)]
struct Switched;

/// Observed while enabled.
#[obs::metric(histogram, buckets = [1.0])]
struct SwitchedHist;

/// Set while enabled.
#[obs::metric(gauge)]
struct SwitchedGauge;

#[test]
fn disabled_writes_are_dropped_and_reads_keep_working() {
    // The switch is process-wide: the tests of this binary that flip it take turns.
    let _switch = crate::common::turn(&crate::common::SWITCH);
    Switched.inc();
    obs::set_enabled(false);
    Switched.inc();
    SwitchedHist.observe(0.5);
    SwitchedGauge.set(5);
    assert_eq!(Switched.get(), 1);
    assert_eq!(SwitchedHist.snapshot().count(), 0);
    assert_eq!(SwitchedGauge.get(), 0);
    assert!(obs::encode(obs::Format::Prometheus).contains("switched_total 1\n"));
    obs::set_enabled(true);
    Switched.inc();
    assert_eq!(Switched.get(), 2);
}
