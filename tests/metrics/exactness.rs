//! Writes from many threads are never lost: per-thread slots are exclusive, and threads beyond the slot count
//! share an atomic row. The slot count is at most 64, so 96 threads oversubscribe it on any machine.
//!
//! The write strategy is chosen once per process, so `every_test_holds_under_each_forced_write_strategy` runs this
//! binary again with `OBS_WRITE_STRATEGY=slot` and `=atomic`, and each run checks the strategy it got.

use obs::{LabelValue, Labels};

#[derive(LabelValue, Clone, Copy)]
enum Shard {
    A,
    B,
}

#[derive(Labels)]
struct ShardLabels {
    shard: Shard,
}

#[derive(Labels)]
struct Key {
    key: String,
}

/// Exactness test counter.
#[obs::metric(counter)]
struct Plain;

/// Exactness test counter with fixed labels.
#[obs::metric(counter, labels = ShardLabels)]
struct Sharded;

/// Exactness test counter for oversubscribed slots.
#[obs::metric(counter)]
struct Oversubscribed;

/// Exactness test counter with a dynamic label.
#[obs::metric(counter, labels = Key)]
struct Dynamic;

/// Exactness test counter with a dynamic label and more series than a thread's cache holds.
#[obs::metric(counter, labels = Key, cap = 20000)]
struct ManyDynamic;

/// Exactness test histogram.
#[obs::metric(histogram, buckets = [1.0, 2.0])]
struct Observed;

/// Exactness test counter whose scrape is large enough to sum its blocks ahead of the walk.
#[obs::metric(counter, labels = Key, cap = 20000)]
struct ScrapedCounts;

/// Exactness test float counter whose scrape is large enough to sum its blocks ahead of the walk.
#[obs::metric(counter, value = f64, labels = Key, cap = 20000)]
struct ScrapedAmounts;

/// Exactness test histogram whose scrape is large enough to sum its blocks ahead of the walk.
#[obs::metric(histogram, buckets = [1.0, 2.0], labels = Key, cap = 20000)]
struct ScrapedLatency;

/// Exactness test float counter.
#[obs::metric(counter, value = f64)]
struct FloatTotal;

/// Exactness test gauge.
#[obs::metric(gauge)]
struct Level;

fn on_threads(n: usize, f: impl Fn(usize) + Sync) {
    std::thread::scope(|s| {
        for t in 0..n {
            let f = &f;
            s.spawn(move || f(t));
        }
    });
}

#[test]
fn eight_threads_times_a_million_increments_give_the_exact_sum() {
    on_threads(8, |_| {
        for _ in 0..1_000_000 {
            Plain.inc();
        }
    });
    assert_eq!(Plain.get(), 8_000_000);
}

#[test]
fn fixed_labels_are_exact_per_series() {
    on_threads(8, |t| {
        let shard = if t % 2 == 0 { Shard::A } else { Shard::B };
        for _ in 0..250_000 {
            Sharded.with(ShardLabels { shard }).inc();
        }
    });
    assert_eq!(Sharded.with(ShardLabels { shard: Shard::A }).get(), 1_000_000);
    assert_eq!(Sharded.with(ShardLabels { shard: Shard::B }).get(), 1_000_000);
}

#[test]
fn more_threads_than_slots_stay_exact_and_exited_threads_keep_their_counts() {
    // Three waves, so slots are handed back and reused, and some threads get none and share the atomic row.
    for _wave in 0..3 {
        on_threads(96, |_| {
            for _ in 0..20_000 {
                Oversubscribed.inc_by(2);
            }
        });
    }
    assert_eq!(Oversubscribed.get(), 3 * 96 * 20_000 * 2);
}

#[test]
fn dynamic_labels_are_exact_under_concurrent_creation() {
    on_threads(8, |t| {
        for i in 0..100_000u32 {
            // Every thread races to create the same 50 series.
            Dynamic.with(Key { key: format!("k{}", (i + t as u32) % 50) }).inc();
        }
    });
    let total: u64 = (0..50).map(|k| Dynamic.with(Key { key: format!("k{k}") }).get()).sum();
    assert_eq!(total, 800_000);
    assert_eq!(obs::catalog().metric("dynamic").unwrap().series_count(), 50);
}

#[test]
fn dynamic_series_beyond_the_thread_caches_are_exact_while_the_index_grows() {
    // 10 000 series, far more than a thread's cache holds, so most lookups probe the shared index while other
    // threads insert into it and replace it by larger copies (ten times, from 16 slots to 16 384). Each thread
    // walks the keys from its own offset, so every series is created by a race and found by the others
    // mid-growth.
    const SERIES: u32 = 10_000;
    on_threads(4, |t| {
        for round in 0..3u32 {
            for i in 0..SERIES {
                ManyDynamic.with(Key { key: format!("s{}", (i + t as u32 * 2_500 + round * 7) % SERIES) }).inc();
            }
        }
    });
    for k in 0..SERIES {
        assert_eq!(ManyDynamic.with(Key { key: format!("s{k}") }).get(), 12, "series s{k}");
    }
    assert_eq!(obs::catalog().metric("many_dynamic").unwrap().series_count(), SERIES as usize);
}

#[test]
fn a_scrape_of_thousands_of_dynamic_series_reads_each_series_exactly() {
    // 6 000 series, past the size from which a scrape sums a family's blocks in memory order before its walk in
    // label order; written from 4 threads, so the sums cover several slot rows (or the shared row alone under
    // the atomic strategy). Series `s{k}` gets `k % 7 + 1` writes per thread, each of value `k % 3`.
    const SERIES: u32 = 6_000;
    on_threads(4, |t| {
        for i in 0..SERIES {
            let k = (i + t as u32 * 1_500) % SERIES;
            for _ in 0..k % 7 + 1 {
                let key = || Key { key: format!("s{k}") };
                ScrapedCounts.with(key()).inc_by(u64::from(k % 3));
                ScrapedAmounts.with(key()).inc_by(f64::from(k % 3) * 0.25);
                ScrapedLatency.with(key()).observe(f64::from(k % 3));
            }
        }
    });
    let snap = obs::snapshot();
    let family = |name: &str| {
        let f = snap.families.iter().find(|f| f.name.starts_with(name)).unwrap_or_else(|| panic!("{name} in {snap:?}"));
        assert_eq!(f.series.len(), SERIES as usize, "{name}");
        f.series.iter().map(|s| (s.label("key").unwrap()[1..].parse::<u32>().unwrap(), &s.value))
    };
    let writes = |k: u32| 4 * u64::from(k % 7 + 1);
    for (k, value) in family("scraped_counts") {
        assert_eq!(*value, obs::model::Value::Counter(obs::model::Number::U64(writes(k) * u64::from(k % 3))), "s{k}");
    }
    for (k, value) in family("scraped_amounts") {
        let want = writes(k) as f64 * f64::from(k % 3) * 0.25;
        assert_eq!(*value, obs::model::Value::Counter(obs::model::Number::F64(want)), "s{k}");
    }
    for (k, value) in family("scraped_latency") {
        let obs::model::Value::Histogram { cumulative, sum, .. } = value else { panic!("s{k}: {value:?}") };
        let n = writes(k);
        let want = match k % 3 {
            0 | 1 => vec![n, n, n],
            _ => vec![0, n, n],
        };
        assert_eq!(*cumulative, want, "s{k}");
        assert_eq!(*sum, n as f64 * f64::from(k % 3), "s{k}");
    }
}

#[test]
fn histogram_counts_and_sums_are_exact() {
    on_threads(4, |_| {
        for i in 0..100_000 {
            Observed.observe([0.5, 1.5, 3.0][i % 3]);
        }
    });
    let snap = Observed.snapshot();
    assert_eq!(snap.count(), 400_000);
    let per_thread = [33_334u64, 33_333, 33_333];
    assert_eq!(
        snap.buckets(),
        vec![(1.0, 4 * per_thread[0]), (2.0, 4 * (per_thread[0] + per_thread[1])), (f64::INFINITY, 400_000)]
    );
    let expected = 4.0 * (0.5 * 33_334.0 + 1.5 * 33_333.0 + 3.0 * 33_333.0);
    assert!((snap.sum() - expected).abs() < 1e-6, "{} != {expected}", snap.sum());
}

#[test]
fn float_counters_are_exact_for_representable_steps() {
    on_threads(8, |_| {
        for _ in 0..100_000 {
            FloatTotal.inc_by(0.5);
        }
    });
    assert_eq!(FloatTotal.get(), 400_000.0);
}

#[test]
fn gauges_balance_under_contention() {
    on_threads(8, |_| {
        for _ in 0..100_000 {
            let _guard = Level.track();
            Level.add(3);
            Level.sub(3);
        }
    });
    assert_eq!(Level.get(), 0);
}

/// Set in the child runs of [`every_test_holds_under_each_forced_write_strategy`].
const CHILD: &str = "OBS_EXACTNESS_CHILD";

#[test]
fn the_process_uses_the_forced_strategy_or_a_timed_one() {
    match std::env::var("OBS_WRITE_STRATEGY").as_deref() {
        Ok("slot") => assert_eq!(obs::write_strategy(), obs::WriteStrategy::Slot),
        Ok("atomic") => assert_eq!(obs::write_strategy(), obs::WriteStrategy::Atomic),
        _ => {
            let (plain, atomic) = obs::write_strategy_calibration().expect("timed when not forced");
            assert!(plain > 0.0 && atomic > 0.0);
        }
    }
    if std::env::var_os("OBS_WRITE_STRATEGY").is_some_and(|v| v == "slot" || v == "atomic") {
        assert_eq!(obs::write_strategy_calibration(), None, "a forced strategy is not timed");
    }
}

#[test]
fn every_test_holds_under_each_forced_write_strategy() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let exe = std::env::current_exe().unwrap();
    // Every test of this binary (the metrics tests share it) runs again under each strategy.
    let list = std::process::Command::new(&exe).args(["--list", "--format", "terse"]).env(CHILD, "1").output().unwrap();
    let tests = String::from_utf8_lossy(&list.stdout).lines().filter(|l| l.ends_with(": test")).count();
    assert!(tests > 1, "the binary lists its tests");
    for strategy in ["slot", "atomic"] {
        let out = std::process::Command::new(&exe)
            .env("OBS_WRITE_STRATEGY", strategy)
            .env(CHILD, "1")
            .args(["--test-threads", "2"])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "OBS_WRITE_STRATEGY={strategy}:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The child ran every test, this one included (as a no-op).
        assert!(
            stdout.contains(&format!("test result: ok. {tests} passed")),
            "OBS_WRITE_STRATEGY={strategy}:\n{stdout}"
        );
    }
}

/// A family of the label-names test, with fixed labels (its own: the exactness tests count theirs exactly when
/// the whole binary runs in one process).
#[obs::metric(counter, labels = ShardLabels)]
struct NamedShards;

/// A family of the label-names test, with a dynamic label.
#[obs::metric(gauge, labels = Key)]
struct NamedKeys;

/// A family of the label-names test, without labels.
#[obs::metric(counter)]
struct NamedNone;

/// The snapshot names every family's labels, and each series carries exactly those, in that order: what an
/// exporter that declares a family before its points (OTLP, protobuf, a schema registry) reads.
#[test]
fn every_family_names_the_labels_its_series_carry() {
    NamedShards.with(ShardLabels { shard: Shard::B }).inc();
    NamedKeys.with(Key { key: "k".into() }).set(1);
    NamedNone.inc();
    let snap = obs::snapshot();
    assert_eq!(snap.family("named_shards").expect("declared above").label_names, ["shard"]);
    assert_eq!(snap.family("named_keys").expect("declared above").label_names, ["key"]);
    assert_eq!(snap.family("named_none").expect("declared above").label_names, Vec::<String>::new());
    let mut labelled = 0;
    for f in &snap.families {
        for s in &f.series {
            let names: Vec<&str> = s.labels.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(names, f.label_names, "family {} series {:?}", f.name, s.labels);
        }
        labelled += usize::from(!f.label_names.is_empty());
    }
    assert!(labelled >= 3, "labelled families in this binary: {labelled}");
}
