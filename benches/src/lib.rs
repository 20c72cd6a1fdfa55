//! Helpers for the `metrics` and `spans` benchmarks: where criterion wrote its estimates, and the ratio table built from them.
//!
//! The benchmarks themselves live in `benches/metrics.rs` and `benches/spans.rs` (helpers in [`spans`]); run them
//! from the repository root with `cargo bench -p obs-benches --bench metrics` and `--bench spans`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub mod spans;

/// Series populated for the encoding case.
pub const ENCODE_SERIES: usize = 10_000;

/// Benchmark group names; the bench file and the report share them.
pub mod group {
    /// Case 1: counter inc, no labels.
    pub const PLAIN: &str = "1_counter_inc_no_labels";
    /// Case 2: counter inc, two fixed-cardinality labels.
    pub const FIXED: &str = "2_counter_inc_fixed_labels";
    /// Case 3: counter inc, one dynamic string label.
    pub const DYNAMIC: &str = "3_counter_inc_dynamic_label";
    /// Case 4: histogram observe.
    pub const HISTOGRAM: &str = "4_histogram_observe";
    /// Case 5: threads hammering one series (per-op time per thread).
    pub const THREADS: &str = "5_one_series_threads";
    /// Case 6: encoding 10 000 series to text.
    pub const ENCODE: &str = "6_encode_10k_series";
    /// Case 7: encoding the same 10 000 series to the Prometheus protobuf exposition.
    pub const PROTOBUF: &str = "7_encode_protobuf_10k_series";
    /// Case 8: one family of 1 000, 10 000 and 100 000 series: encoding per format, and increments spread over it.
    pub const SCALE: &str = "8_scale";
    /// Case 9: native histogram observe, beside obs' classic observe.
    pub const NATIVE: &str = "9_native_histogram_observe";
    /// Case 10: a scrape's fixed cost: collecting and rendering the process families, which every scrape pays.
    pub const SCRAPE_FIXED: &str = "10_scrape_fixed_cost";
    /// Case 13: the two write strategies side by side (the calling thread switched to each), and a resolved handle.
    pub const STRATEGY: &str = "13_write_strategy";
    /// Case 11: collecting and encoding one OTLP metrics push of 10 000 series (bench `otlp_metrics`).
    pub const OTLP_PUSH: &str = "11_otlp_push_10k_series";
    /// Case 12: counter inc with the OTLP metrics exporter pushing in the background, and without (A/B).
    pub const OTLP_HOT_PATH: &str = "12_otlp_exporter_hot_path";
}

/// Peer columns of the table: (column title, bench id suffix used in groups).
pub const PEERS: &[(&str, &str)] = &[
    ("raw AtomicU64", "raw_atomic"),
    ("prometheus (vec)", "prometheus_vec"),
    ("prometheus (handle)", "prometheus_cached"),
    ("prometheus-client", "prometheus_client"),
    ("metrics", "metrics"),
    ("measured", "measured"),
];

/// One row: a title, the group, the bench id of obs, and a suffix appended to every peer's id (e.g. `_2t`).
struct Row {
    title: &'static str,
    group: &'static str,
    obs: &'static str,
    suffix: &'static str,
    /// Divides every figure (per-series encoding cost).
    divide: f64,
}

const ROWS: &[Row] = &[
    Row { title: "1. counter inc, no labels", group: group::PLAIN, obs: "obs", suffix: "", divide: 1.0 },
    Row { title: "1h. counter inc, resolved handle", group: group::PLAIN, obs: "obs_handle", suffix: "", divide: 1.0 },
    Row {
        title: "2. counter inc, 2 fixed labels (`with` each time)",
        group: group::FIXED,
        obs: "obs",
        suffix: "",
        divide: 1.0,
    },
    Row { title: "3. counter inc, 1 dynamic string label", group: group::DYNAMIC, obs: "obs", suffix: "", divide: 1.0 },
    Row { title: "4. histogram observe (11 buckets)", group: group::HISTOGRAM, obs: "obs", suffix: "", divide: 1.0 },
    Row {
        title: "5a. one series, 1 thread (per op)",
        group: group::THREADS,
        obs: "obs_1t",
        suffix: "_1t",
        divide: 1.0,
    },
    Row {
        title: "5b. one series, 2 threads (per op, per thread)",
        group: group::THREADS,
        obs: "obs_2t",
        suffix: "_2t",
        divide: 1.0,
    },
    Row {
        title: "5c. one dynamic-label series, 1 thread (per op, lookup each time)",
        group: group::THREADS,
        obs: "obs_dyn_1t",
        suffix: "_dyn_1t",
        divide: 1.0,
    },
    Row {
        title: "5d. one dynamic-label series, 2 threads (per op, per thread)",
        group: group::THREADS,
        obs: "obs_dyn_2t",
        suffix: "_dyn_2t",
        divide: 1.0,
    },
    Row { title: "6. encode 10 000 series (whole scrape)", group: group::ENCODE, obs: "obs", suffix: "", divide: 1.0 },
    Row { title: "6. encode, per series", group: group::ENCODE, obs: "obs", suffix: "", divide: ENCODE_SERIES as f64 },
    Row {
        title: "7. protobuf encode, per series",
        group: group::PROTOBUF,
        obs: "obs",
        suffix: "",
        divide: ENCODE_SERIES as f64,
    },
    Row { title: "9. native histogram observe (schema 3)", group: group::NATIVE, obs: "obs", suffix: "", divide: 1.0 },
    Row {
        title: "10. a scrape's fixed cost (the process families)",
        group: group::SCRAPE_FIXED,
        obs: "obs",
        suffix: "",
        divide: 1.0,
    },
    Row { title: "13a. slot strategy, no labels", group: group::STRATEGY, obs: "obs_slot", suffix: "", divide: 1.0 },
    Row {
        title: "13b. atomic strategy, no labels",
        group: group::STRATEGY,
        obs: "obs_atomic",
        suffix: "",
        divide: 1.0,
    },
    Row {
        title: "13c. slot strategy, 2 fixed labels",
        group: group::STRATEGY,
        obs: "obs_slot_fixed",
        suffix: "",
        divide: 1.0,
    },
    Row {
        title: "13d. atomic strategy, 2 fixed labels",
        group: group::STRATEGY,
        obs: "obs_atomic_fixed",
        suffix: "",
        divide: 1.0,
    },
    Row {
        title: "13e. slot strategy, resolved handle",
        group: group::STRATEGY,
        obs: "obs_slot_handle",
        suffix: "",
        divide: 1.0,
    },
    Row {
        title: "13f. atomic strategy, resolved handle",
        group: group::STRATEGY,
        obs: "obs_atomic_handle",
        suffix: "",
        divide: 1.0,
    },
];

/// Case 8's rows: (title, bench id, series).
const SCALE_ROWS: &[(&str, &str, f64)] = &[
    ("text, per series, 10 series", "text_10", 10.0),
    ("text, per series, 1 000 series", "text_1000", 1_000.0),
    ("text, per series, 10 000 series", "text_10000", 10_000.0),
    ("text, per series, 100 000 series", "text_100000", 100_000.0),
    ("OpenMetrics, per series, 10 series", "openmetrics_10", 10.0),
    ("OpenMetrics, per series, 1 000 series", "openmetrics_1000", 1_000.0),
    ("OpenMetrics, per series, 10 000 series", "openmetrics_10000", 10_000.0),
    ("OpenMetrics, per series, 100 000 series", "openmetrics_100000", 100_000.0),
    ("protobuf, per series, 10 series", "protobuf_10", 10.0),
    ("protobuf, per series, 1 000 series", "protobuf_1000", 1_000.0),
    ("protobuf, per series, 10 000 series", "protobuf_10000", 10_000.0),
    ("protobuf, per series, 100 000 series", "protobuf_100000", 100_000.0),
];

/// Case 8's increments spread over N series: (N as shown, N in the bench ids).
const SPREAD: &[(&str, &str)] = &[("10", "10"), ("1 000", "1000"), ("10 000", "10000"), ("100 000", "100000")];

/// A median read from criterion's output, and whether it was written by this run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Median time per iteration, in nanoseconds.
    pub median_ns: f64,
    /// False when the file predates the run (e.g. a filtered run that skipped this bench).
    pub fresh: bool,
}

/// Where criterion keeps its results, found the way criterion 0.5 chooses it: `CRITERION_HOME`, else
/// `$CARGO_TARGET_DIR/criterion`, else `<target>/criterion` with `<target>` derived from this executable
/// (`<target>/[<triple>/]<profile>/deps/<exe>`). The first candidate holding any of our groups wins.
pub fn criterion_dir() -> Option<PathBuf> {
    criterion_dir_with(&[
        group::PLAIN,
        group::FIXED,
        group::DYNAMIC,
        group::HISTOGRAM,
        group::THREADS,
        group::ENCODE,
        group::PROTOBUF,
        group::SCALE,
        group::NATIVE,
    ])
}

/// [`criterion_dir`], for a bench whose groups are `groups`.
pub fn criterion_dir_with(groups: &[&str]) -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(h) = std::env::var_os("CRITERION_HOME") {
        candidates.push(PathBuf::from(h));
    }
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        let t = PathBuf::from(t);
        let t = if t.is_relative() { Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(t) } else { t };
        candidates.push(t.join("criterion"));
    }
    if let Ok(exe) = std::env::current_exe() {
        // deps -> profile -> target (or triple -> target): try each ancestor.
        for dir in exe.ancestors().skip(1).take(4) {
            candidates.push(dir.join("criterion"));
        }
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/criterion"));
    candidates.into_iter().find(|c| groups.iter().any(|g| c.join(g).is_dir()))
}

/// Reads the median of `<dir>/<group>/<bench>/new/estimates.json`.
pub fn read_estimate(dir: &Path, group: &str, bench: &str, since: SystemTime) -> Option<Estimate> {
    let path = dir.join(group).join(bench).join("new").join("estimates.json");
    let text = std::fs::read_to_string(&path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let median_ns = v.get("median")?.get("point_estimate")?.as_f64()?;
    let fresh = std::fs::metadata(&path).and_then(|m| m.modified()).is_ok_and(|t| t >= since);
    Some(Estimate { median_ns, fresh })
}

/// Formats nanoseconds with a sensible precision.
pub fn ns(v: f64) -> String {
    if v >= 1_000_000.0 {
        format!("{:.2} ms", v / 1_000_000.0)
    } else if v >= 10_000.0 {
        format!("{:.1} µs", v / 1_000.0)
    } else if v >= 100.0 {
        format!("{v:.0} ns")
    } else {
        format!("{v:.2} ns")
    }
}

/// The table and the checks, built from the results under `dir`; also returns whether every figure was fresh
/// and present (a complete run).
pub fn report(dir: &Path, since: SystemTime) -> (String, bool) {
    let get = |g: &str, b: &str| read_estimate(dir, g, b, since);
    let mut complete = true;
    let mut out = String::new();
    let mark = |e: Option<Estimate>, complete: &mut bool| match e {
        Some(e) if e.fresh => String::new(),
        Some(_) => {
            *complete = false;
            "†".to_owned()
        }
        None => {
            *complete = false;
            String::new()
        }
    };

    out.push_str("| case | obs median |");
    for (title, _) in PEERS {
        let _ = write!(out, " obs ÷ {title} |");
    }
    out.push_str("\n|---|---:|");
    for _ in PEERS {
        out.push_str("---:|");
    }
    out.push('\n');
    for row in ROWS {
        let obs = get(row.group, row.obs);
        let _ = write!(out, "| {} |", row.title);
        match obs {
            Some(e) => {
                let m = mark(obs, &mut complete);
                let _ = write!(out, " {}{m} |", ns(e.median_ns / row.divide));
            }
            None => {
                complete = false;
                out.push_str(" – |");
            }
        }
        for (_, id) in PEERS {
            let peer = get(row.group, &format!("{id}{}", row.suffix));
            match (obs, peer) {
                (Some(o), Some(p)) => {
                    let m = mark(peer, &mut complete);
                    let _ = write!(out, " {:.3}{m} ({}) |", o.median_ns / p.median_ns, ns(p.median_ns / row.divide));
                }
                _ => out.push_str(" – |"),
            }
        }
        out.push('\n');
    }
    out.push_str(
        "\nEach peer cell is `obs ÷ peer` (below 1: obs is faster; 0.10 means 10× faster), with the peer's own \
         median in parentheses; – : no such case for that peer (or not run).\n\n\
         What each column calls: raw: `static AtomicU64` `fetch_add(1, Relaxed)`; prometheus 0.14 (vec): \
         `IntCounterVec::with_label_values(..).inc()` each time, and for encoding `Registry::gather` + \
         `TextEncoder::encode`; prometheus (handle): an `IntCounter` / `Histogram` obtained once; prometheus-client \
         0.25: `Family::get_or_create(&labels).inc()` (a plain `Counter` / `Histogram` without labels), \
         `text::encode` (OpenMetrics text); metrics 0.24 + metrics-exporter-prometheus 0.18: `counter!(..)` / \
         `histogram!(..)` through the global `PrometheusRecorder`, `PrometheusHandle::render()`; measured 0.0.25: \
         `CounterVec::inc(labels)` (dense for fixed labels, lasso `ThreadedRodeo` for the dynamic one), \
         `collect_family_into` a `BufferedTextEncoder`. obs: `Metric.with(labels).inc()` each time, \
         `obs::encode(Format::Prometheus)` of the whole binary (the 10 000 series, plus the few lines of the \
         other tiny bench metrics and obs' self-metrics: the run prints the line count). Case 5 spawns fresh threads per sample, starts them at \
         a barrier and reports the slowest thread's time ÷ its own op count; 5a/5b write the fixed-label series \
         of case 2, 5c/5d the dynamic-label series of case 3.",
    );
    if !complete {
        out.push_str(" † : figure from an earlier run, not this one.");
    }
    out.push_str(
        " Case 7 (protobuf): obs `encode_protobuf()`; prometheus: `ProtobufEncoder`; prometheus-client: \
         `prometheus_protobuf::encode` + length-delimited framing of each family.\n\n",
    );

    // Case 8: scale, obs alone (one family encoded through the public renderers; increments over N series).
    out.push_str("| scale (obs) | median |\n|---|---:|\n");
    for (title, id, divide) in SCALE_ROWS {
        match get(group::SCALE, id) {
            Some(e) => {
                let m = mark(Some(e), &mut complete);
                let _ = writeln!(out, "| {title} | {}{m} |", ns(e.median_ns / divide));
            }
            None => {
                complete = false;
                let _ = writeln!(out, "| {title} | – |");
            }
        }
    }
    out.push('\n');

    // Case 8, increments spread over N series: obs beside the floor (a prebuilt hashbrown map of the same keys,
    // looked up and added to) and prometheus, per N.
    out.push_str(
        "| inc spread over N series, per op | obs | floor: hashbrown `AtomicU64` | floor: hashbrown `u64` | \
         prometheus `with_label_values` | obs ÷ floor | obs ÷ plain floor | obs ÷ prometheus |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (shown, n) in SPREAD {
        let cell = |id: &str, complete: &mut bool| match get(group::SCALE, id) {
            Some(e) => format!("{}{}", ns(e.median_ns), mark(Some(e), complete)),
            None => {
                *complete = false;
                "–".to_owned()
            }
        };
        let ids = [
            format!("inc_{n}"),
            format!("floor_inc_{n}"),
            format!("floor_plain_inc_{n}"),
            format!("prometheus_inc_{n}"),
        ];
        let cells: Vec<String> = ids.iter().map(|id| cell(id, &mut complete)).collect();
        let r = |b: &str| match (get(group::SCALE, &ids[0]), get(group::SCALE, b)) {
            (Some(o), Some(p)) => format!("{:.2}", o.median_ns / p.median_ns),
            _ => "–".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {shown} | {} | {} | {} | {} | {} | {} | {} |",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            r(&ids[1]),
            r(&ids[2]),
            r(&ids[3])
        );
    }
    out.push_str(
        "\nThe floor looks up the same route strings in the same order in a `hashbrown::HashMap` prebuilt with \
         the N keys (foldhash, as obs' series map) and adds 1: with `AtomicU64` cells (`fetch_add`, as any \
         shareable map must), and with plain `u64` cells behind `&mut` (no locked instruction, nothing a shared \
         metric could do). Past the caches any map pays memory misses; obs ÷ floor shows what obs adds.\n\n",
    );

    // Target checks.
    out.push_str("| target | figure | result |\n|---|---|---|\n");
    let ratio = |g: &str, a: &str, b: &str| Some(get(g, a)?.median_ns / get(g, b)?.median_ns);
    let check =
        |out: &mut String, what: &str, figure: Option<f64>, shown: &dyn Fn(f64) -> String, ok: &dyn Fn(f64) -> bool| {
            let (fig, res) = match figure {
                Some(f) => (shown(f), if ok(f) { "PASS" } else { "MISS" }),
                None => ("not measured".to_owned(), "–"),
            };
            let _ = writeln!(out, "| {what} | {fig} | {res} |");
        };
    let times = |r: f64| format!("{r:.2}×");
    let faster = |r: f64| format!("{:.1}× faster (ratio {r:.3})", 1.0 / r);
    // Issue 17's targets: against the raw atomic, and against the fastest form any peer offers of the same case.
    let fastest = |g: &str, ids: &[&'static str]| -> Option<(f64, &'static str)> {
        ids.iter().filter_map(|id| get(g, id).map(|e| (e.median_ns, *id))).min_by(|a, b| a.0.total_cmp(&b.0))
    };
    let all_peers = ["prometheus_vec", "prometheus_cached", "prometheus_client", "metrics", "measured"];
    let vs_fastest = |out: &mut String, what: &str, g: &str, obs: &str, ids: &[&'static str], bound: f64| {
        let (fig, res) = match (get(g, obs), fastest(g, ids)) {
            (Some(o), Some((p, id))) => {
                let r = o.median_ns / p;
                (
                    format!("ratio {r:.3} ({} against {id} {})", ns(o.median_ns), ns(p)),
                    if r <= bound { "PASS" } else { "MISS" },
                )
            }
            _ => ("not measured".to_owned(), "–"),
        };
        let _ = writeln!(out, "| {what} | {fig} | {res} |");
    };
    for (what, g, obs) in [
        ("counter inc, no labels", group::PLAIN, "obs"),
        ("counter inc, 2 fixed labels, `with` each time", group::FIXED, "obs"),
        ("counter inc, resolved handle", group::PLAIN, "obs_handle"),
    ] {
        check(&mut out, &format!("{what} ≤ 1.0× raw atomic"), ratio(g, obs, "raw_atomic"), &times, &|r| r <= 1.0);
        vs_fastest(&mut out, &format!("{what} faster than every peer's fastest form"), g, obs, &all_peers, 0.999);
    }
    check(
        &mut out,
        "histogram observe ≤ 2× raw atomic",
        ratio(group::HISTOGRAM, "obs", "raw_atomic"),
        &times,
        &|r| r <= 2.0,
    );
    vs_fastest(
        &mut out,
        "histogram observe ≥ 2× faster than the fastest peer",
        group::HISTOGRAM,
        "obs",
        &all_peers,
        0.5,
    );
    vs_fastest(
        &mut out,
        "dynamic label ≤ 0.8× the fastest peer's lookup",
        group::DYNAMIC,
        "obs",
        &["prometheus_vec", "prometheus_client", "metrics", "measured"],
        0.8,
    );
    check(
        &mut out,
        "2 threads on one series: per-op ≤ 1.1× the 1-thread figure",
        ratio(group::THREADS, "obs_2t", "obs_1t"),
        &times,
        &|r| r <= 1.1,
    );
    check(&mut out, "encode per series ≤ 0.8× measured's", ratio(group::ENCODE, "obs", "measured"), &times, &|r| {
        r <= 0.8
    });
    check(
        &mut out,
        "fixed-label counter inc ≤ 1.5× raw atomic",
        ratio(group::FIXED, "obs", "raw_atomic"),
        &times,
        &|r| r <= 1.5,
    );
    for (peer, id) in [
        ("prometheus `with_label_values`", "prometheus_vec"),
        ("prometheus-client `Family`", "prometheus_client"),
        ("metrics `counter!`", "metrics"),
    ] {
        check(
            &mut out,
            &format!("fixed-label counter inc ≥ 10× faster than {peer}"),
            ratio(group::FIXED, "obs", id),
            &faster,
            &|r| r <= 0.1,
        );
    }
    check(
        &mut out,
        "2 threads on one series: obs per-op ≤ 2× obs 1-thread",
        ratio(group::THREADS, "obs_2t", "obs_1t"),
        &times,
        &|r| r <= 2.0,
    );
    if let Some(control) = ratio(group::THREADS, "control_2t", "control_1t") {
        let _ = writeln!(
            out,
            "| control for the line above: thread-private work, 2 threads ÷ 1 thread (1.0 = two free cores) | \
             {control:.2}× | {} |",
            if control <= 1.2 {
                "the two threads ran in parallel"
            } else {
                "the threads shared a core: 2-thread figures are inflated"
            }
        );
    }
    check(
        &mut out,
        "histogram observe ≤ 3× raw atomic",
        ratio(group::HISTOGRAM, "obs", "raw_atomic"),
        &times,
        &|r| r <= 3.0,
    );
    check(
        &mut out,
        "encoding ≤ 50 ns per series",
        get(group::ENCODE, "obs").map(|e| e.median_ns / ENCODE_SERIES as f64),
        &|v| format!("{v:.1} ns per series"),
        &|v| v <= 50.0,
    );
    check(
        &mut out,
        "encoding ≥ 10× faster than prometheus `TextEncoder`",
        ratio(group::ENCODE, "obs", "prometheus_vec"),
        &faster,
        &|r| r <= 0.1,
    );
    let fastest_pb_peer = [get(group::PROTOBUF, "prometheus_vec"), get(group::PROTOBUF, "prometheus_client")]
        .into_iter()
        .flatten()
        .map(|e| e.median_ns)
        .reduce(f64::min);
    check(
        &mut out,
        "protobuf encode ≤ 0.5× the fastest peer's protobuf encoder",
        get(group::PROTOBUF, "obs").zip(fastest_pb_peer).map(|(o, p)| o.median_ns / p),
        &times,
        &|r| r <= 0.5,
    );
    let spread = |id: &str| get(group::SCALE, id).map(|e| e.median_ns);
    for (renderer, id) in [("text", "text"), ("OpenMetrics", "openmetrics"), ("protobuf", "protobuf")] {
        let per_series = |n: f64| spread(&format!("{id}_{n}")).map(|t| t / n);
        check(
            &mut out,
            &format!("{renderer} encode per series flat from 1 000 to 100 000 series (≤ 1.5×)"),
            per_series(100_000.0).zip(per_series(1_000.0)).map(|(a, b)| a / b),
            &times,
            &|r| r <= 1.5,
        );
    }
    check(
        &mut out,
        "inc per op flat from 10 to 100 000 series (≤ 1.5×)",
        spread("inc_100000").zip(spread("inc_10")).map(|(a, b)| a / b),
        &times,
        &|r| r <= 1.5,
    );
    // Against each reference over the same series: prometheus' map, then the floor (a plain hashbrown lookup).
    let references: [(&str, &str, f64); 2] = [
        ("prometheus_inc", "prometheus `with_label_values` over the same", 1.0),
        ("floor_inc", "the floor (hashbrown `AtomicU64` lookup + add)", 1.5),
    ];
    for (peer, what, bound) in references {
        for (shown, n) in SPREAD {
            check(
                &mut out,
                &format!("inc spread over {shown} series ≤ {bound:.1}× {what}"),
                ratio(group::SCALE, &format!("inc_{n}"), &format!("{peer}_{n}")),
                &times,
                &|r| r <= bound,
            );
        }
    }
    let over_floor = |n: &str| ratio(group::SCALE, &format!("inc_{n}"), &format!("floor_inc_{n}"));
    let floor_ratios: Option<Vec<f64>> = SPREAD.iter().map(|(_, n)| over_floor(n)).collect();
    check(
        &mut out,
        "obs ÷ floor flat from 10 to 100 000 series (largest ÷ smallest ≤ 1.5×)",
        floor_ratios.map(|v| v.iter().copied().fold(f64::MIN, f64::max) / v.iter().copied().fold(f64::MAX, f64::min)),
        &times,
        &|r| r <= 1.5,
    );
    check(
        &mut out,
        "a scrape's fixed cost ≤ 50 µs",
        get(group::SCRAPE_FIXED, "obs").map(|e| e.median_ns),
        &ns,
        &|v| v <= 50_000.0,
    );
    check(
        &mut out,
        "native histogram observe ≤ 2× obs' classic observe",
        ratio(group::NATIVE, "obs", "obs_classic"),
        &times,
        &|r| r <= 2.0,
    );
    check(
        &mut out,
        "native histogram observe faster than prometheus-client's native histogram",
        ratio(group::NATIVE, "obs", "prometheus_client"),
        &faster,
        &|r| r < 1.0,
    );
    (out, complete)
}

/// A line describing the machine, for the results file.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} logical cores available")
}

/// What one renderer costs in memory for one scale family.
#[derive(Debug, Clone, PartialEq)]
pub struct RendererMemory {
    /// The renderer's name, as the table shows it.
    pub renderer: &'static str,
    /// Bytes of output for the family.
    pub output: u64,
}

/// Case 8's memory at one size: obs' storage for the series, and each renderer's output.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleMemory {
    /// Series in the family.
    pub series: u64,
    /// Heap the series took when first written (one writing thread), before any scrape.
    pub written: u64,
    /// Heap the family takes once scraped, the scrape's output dropped: its steady state.
    pub scraped: u64,
    /// Each renderer's figures.
    pub renderers: Vec<RendererMemory>,
}

/// The memory table of case 8: bytes per series of the family's storage, written and then scraped, and of each
/// renderer's output.
pub fn memory_table(rows: &[ScaleMemory]) -> String {
    let Some(first) = rows.first() else { return String::new() };
    let mut out = String::from("\n| memory per series | heap, written (1 thread) | heap, once scraped |");
    for r in &first.renderers {
        let _ = write!(out, " {} output |", r.renderer);
    }
    out.push_str("\n|---|---:|---:|");
    for _ in &first.renderers {
        out.push_str("---:|");
    }
    out.push('\n');
    let per = |bytes: u64, n: u64| format!("{:.1} B", bytes as f64 / n as f64);
    for row in rows {
        let n = row.series;
        let _ = write!(out, "| {n} series | {} | {} |", per(row.written, n), per(row.scraped, n));
        for r in &row.renderers {
            let _ = write!(out, " {} |", per(r.output, n));
        }
        out.push('\n');
    }
    out.push_str(
        "\nHeap: glibc's heap in use (`mallinfo2`) beyond what it was before the family's series were written: once \
         they are written (one writing thread), and once the family has been scraped and the output dropped, its \
         steady state (the first scrape settles the index of new series and frees its staging; a dynamic family \
         of 4 096 series or more keeps its blocks' sums, 8 B per cell, whatever the renderer). Output: the bytes \
         one scrape of the family produces in each format.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_table_divides_by_the_series() {
        let rows = [ScaleMemory {
            series: 1_000,
            written: 64_000,
            scraped: 8_000,
            renderers: vec![RendererMemory { renderer: "text", output: 30_500 }],
        }];
        let t = memory_table(&rows);
        let head = "| memory per series | heap, written (1 thread) | heap, once scraped | text output |";
        assert!(t.contains(head), "{t}");
        assert!(t.contains("| 1000 series | 64.0 B | 8.0 B | 30.5 B |"), "{t}");
        assert_eq!(memory_table(&[]), "");
    }

    #[test]
    fn report_from_fake_estimates() {
        let dir = std::env::temp_dir().join(format!("obs-benches-test-{}", std::process::id()));
        let write = |g: &str, b: &str, v: f64| {
            let d = dir.join(g).join(b).join("new");
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("estimates.json"), format!(r#"{{"median":{{"point_estimate":{v}}}}}"#)).unwrap();
        };
        let since = SystemTime::now() - std::time::Duration::from_secs(5);
        write(group::FIXED, "obs", 2.0);
        write(group::FIXED, "raw_atomic", 4.0);
        write(group::FIXED, "prometheus_vec", 40.0);
        write(group::ENCODE, "obs", 300_000.0);
        let (t, complete) = report(&dir, since);
        assert!(!complete);
        assert!(
            t.contains(
                "| 2. counter inc, 2 fixed labels (`with` each time) | 2.00 ns | 0.500 (4.00 ns) | 0.050 (40.00 ns) |"
            ),
            "{t}"
        );
        assert!(t.contains("| fixed-label counter inc ≤ 1.5× raw atomic | 0.50× | PASS |"), "{t}");
        assert!(t.contains("| encoding ≤ 50 ns per series | 30.0 ns per series | PASS |"), "{t}");
        assert!(t.contains("| histogram observe ≤ 3× raw atomic | not measured | – |"), "{t}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
