//! obs side by side with its peers, in one criterion run, followed by a table of ratios (obs ÷ peer).
//!
//! Run from the repository root: `cargo bench -p obs-benches --bench metrics`.
//! Shorter while iterating: `cargo bench -p obs-benches --bench metrics -- --warm-up-time 1 --measurement-time 2`.
//!
//! Every metric declared with obs in this binary is tiny (a few series) except the one filled for the encoding
//! case, so `obs::encode` there measures essentially the 10 000 series (plus obs' own few self-metrics).

use criterion::{measurement::WallTime, BenchmarkGroup, Criterion};
use obs_benches::{group, ENCODE_SERIES};
use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Barrier, OnceLock};
use std::time::{Duration, Instant, SystemTime};

const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

// ---------------------------------------------------------------------------------------------------------------
// obs declarations
// ---------------------------------------------------------------------------------------------------------------

#[derive(obs::LabelValue, Clone, Copy)]
enum Method {
    Get,
    #[allow(dead_code)]
    Post,
}

#[derive(obs::LabelValue, Clone, Copy)]
enum Status {
    Ok,
    #[allow(dead_code)]
    Error,
}

#[derive(obs::Labels)]
struct Fixed {
    method: Method,
    status: Status,
}

#[derive(obs::Labels)]
struct Dyn {
    route: &'static str,
}

/// Bench: counter without labels.
#[obs::metric(counter)]
struct BenchPlain;

/// Bench: counter with two fixed labels.
#[obs::metric(counter, labels = Fixed)]
struct BenchFixed;

/// Bench: counter with one dynamic label.
#[obs::metric(counter, labels = Dyn, cap = 20000)]
struct BenchDynamic;

/// Bench: histogram.
#[obs::metric(histogram, unit = "seconds", buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])]
struct BenchHist;

/// Bench: counter with one dynamic label, filled with 10 000 series for the encoding case.
#[obs::metric(counter, labels = Dyn, cap = 20000)]
struct BenchRoutes;

// ---------------------------------------------------------------------------------------------------------------
// peers' declarations
// ---------------------------------------------------------------------------------------------------------------

mod pc {
    //! prometheus-client label types.
    use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};

    #[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
    pub enum Method {
        Get,
        #[allow(dead_code)]
        Post,
    }

    #[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
    pub enum Status {
        Ok,
        #[allow(dead_code)]
        Error,
    }

    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
    pub struct Fixed {
        pub method: Method,
        pub status: Status,
    }

    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
    pub struct Route {
        pub route: &'static str,
    }
}

mod ms {
    //! measured label types.
    use measured::lasso::ThreadedRodeo;
    use measured::{FixedCardinalityLabel, LabelGroup};

    #[derive(FixedCardinalityLabel, Clone, Copy)]
    pub enum Method {
        Get,
        #[allow(dead_code)]
        Post,
    }

    #[derive(FixedCardinalityLabel, Clone, Copy)]
    pub enum Status {
        Ok,
        #[allow(dead_code)]
        Error,
    }

    #[derive(LabelGroup)]
    #[label(set = FixedSet)]
    pub struct Fixed {
        pub method: Method,
        pub status: Status,
    }

    #[derive(LabelGroup)]
    #[label(set = RouteSet)]
    pub struct Route<'a> {
        #[label(dynamic_with = ThreadedRodeo, default)]
        pub route: &'a str,
    }
}

/// The process-wide `metrics` recorder (a `PrometheusRecorder`) and its handle for rendering.
fn metrics_handle() -> &'static metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: OnceLock<metrics_exporter_prometheus::PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new()
            .set_buckets(&BUCKETS)
            .expect("valid buckets")
            .build_recorder();
        let handle = recorder.handle();
        metrics::set_global_recorder(recorder).expect("no other recorder installed");
        handle
    })
}

fn prom_fixed_vec() -> prometheus::IntCounterVec {
    prometheus::IntCounterVec::new(prometheus::Opts::new("bench_fixed", "help"), &["method", "status"]).unwrap()
}

fn prom_route_vec(name: &str) -> prometheus::IntCounterVec {
    prometheus::IntCounterVec::new(prometheus::Opts::new(name, "help"), &["route"]).unwrap()
}

// ---------------------------------------------------------------------------------------------------------------
// cases 1-4: single-thread hot paths
// ---------------------------------------------------------------------------------------------------------------

/// An `AtomicU64` alone on its cache line.
#[repr(align(64))]
struct Padded(AtomicU64);

/// The limit: one relaxed `fetch_add` on a static. The increment is a constant and the result is dropped: routing
/// either through `black_box` adds a stack store that the locked instruction must wait for, which costs a few ns.
fn raw(g: &mut BenchmarkGroup<'_, WallTime>) {
    static RAW: Padded = Padded(AtomicU64::new(0));
    g.bench_function("raw_atomic", |b| {
        b.iter(|| {
            RAW.0.fetch_add(1, Relaxed);
        })
    });
}

fn counter_no_labels(c: &mut Criterion) {
    let mut g = c.benchmark_group(group::PLAIN);
    raw(&mut g);
    g.bench_function("obs", |b| b.iter(|| BenchPlain.inc()));
    let handle = BenchPlain.with(());
    g.bench_function("obs_handle", |b| b.iter(|| handle.inc()));
    let p = prometheus::IntCounter::new("bench_plain", "help").unwrap();
    g.bench_function("prometheus_cached", |b| b.iter(|| p.inc()));
    let pc = prometheus_client::metrics::counter::Counter::<u64>::default();
    g.bench_function("prometheus_client", |b| b.iter(|| pc.inc()));
    metrics_handle();
    g.bench_function("metrics", |b| b.iter(|| metrics::counter!("bench_plain").increment(1)));
    let m = measured::Counter::new();
    g.bench_function("measured", |b| b.iter(|| m.inc()));
    g.finish();
}

fn counter_fixed_labels(c: &mut Criterion) {
    let mut g = c.benchmark_group(group::FIXED);
    raw(&mut g);
    g.bench_function("obs", |b| {
        b.iter(|| BenchFixed.with(Fixed { method: black_box(Method::Get), status: black_box(Status::Ok) }).inc())
    });
    let vec = prom_fixed_vec();
    g.bench_function("prometheus_vec", |b| {
        b.iter(|| vec.with_label_values(&[black_box("get"), black_box("ok")]).inc())
    });
    let cached = vec.with_label_values(&["get", "ok"]);
    g.bench_function("prometheus_cached", |b| b.iter(|| cached.inc()));
    let fam =
        prometheus_client::metrics::family::Family::<pc::Fixed, prometheus_client::metrics::counter::Counter>::default(
        );
    g.bench_function("prometheus_client", |b| {
        b.iter(|| {
            fam.get_or_create(&pc::Fixed { method: black_box(pc::Method::Get), status: black_box(pc::Status::Ok) })
                .inc()
        })
    });
    metrics_handle();
    g.bench_function("metrics", |b| {
        b.iter(|| metrics::counter!("bench_fixed", "method" => "get", "status" => "ok").increment(1))
    });
    let mvec = measured::CounterVec::<ms::FixedSet>::new();
    g.bench_function("measured", |b| {
        b.iter(|| mvec.inc(ms::Fixed { method: black_box(ms::Method::Get), status: black_box(ms::Status::Ok) }))
    });
    g.finish();
}

fn counter_dynamic_label(c: &mut Criterion) {
    let mut g = c.benchmark_group(group::DYNAMIC);
    raw(&mut g);
    g.bench_function("obs", |b| b.iter(|| BenchDynamic.with(Dyn { route: black_box("/cart") }).inc()));
    let vec = prom_route_vec("bench_dynamic");
    g.bench_function("prometheus_vec", |b| b.iter(|| vec.with_label_values(&[black_box("/cart")]).inc()));
    let cached = vec.with_label_values(&["/cart"]);
    g.bench_function("prometheus_cached", |b| b.iter(|| cached.inc()));
    let fam =
        prometheus_client::metrics::family::Family::<pc::Route, prometheus_client::metrics::counter::Counter>::default(
        );
    g.bench_function("prometheus_client", |b| {
        b.iter(|| fam.get_or_create(&pc::Route { route: black_box("/cart") }).inc())
    });
    metrics_handle();
    g.bench_function("metrics", |b| {
        b.iter(|| metrics::counter!("bench_dynamic", "route" => black_box("/cart")).increment(1))
    });
    let mvec = measured::CounterVec::<ms::RouteSet>::new();
    g.bench_function("measured", |b| b.iter(|| mvec.inc(ms::Route { route: black_box("/cart") })));
    g.finish();
}

fn histogram_observe(c: &mut Criterion) {
    let mut g = c.benchmark_group(group::HISTOGRAM);
    raw(&mut g);
    g.bench_function("obs", |b| b.iter(|| BenchHist.observe(black_box(0.3))));
    let p = prometheus::Histogram::with_opts(
        prometheus::HistogramOpts::new("bench_hist", "help").buckets(BUCKETS.to_vec()),
    )
    .unwrap();
    g.bench_function("prometheus_cached", |b| b.iter(|| p.observe(black_box(0.3))));
    let pc = prometheus_client::metrics::histogram::Histogram::new(BUCKETS);
    g.bench_function("prometheus_client", |b| b.iter(|| pc.observe(black_box(0.3))));
    // The recorder buffers raw samples until a render or upkeep; drain them outside the timed loop so memory stays
    // bounded.
    let handle = metrics_handle();
    g.bench_function("metrics", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                metrics::histogram!("bench_hist_seconds").record(black_box(0.3));
            }
            let t = start.elapsed();
            handle.run_upkeep();
            t
        })
    });
    let m = measured::Histogram::<11>::with_metadata(measured::metric::histogram::Thresholds::with_buckets(BUCKETS));
    g.bench_function("measured", |b| b.iter(|| m.get_metric().observe(black_box(0.3))));
    g.finish();
}

// ---------------------------------------------------------------------------------------------------------------
// case 13: the write strategies, forced on this thread one after the other
// ---------------------------------------------------------------------------------------------------------------

fn write_strategies(c: &mut Criterion) {
    use obs::__private::use_write_strategy_on_this_thread as use_strategy;
    println!(
        "write strategy of this process: {} ({})",
        obs::write_strategy().as_str(),
        match obs::write_strategy_calibration() {
            Some((plain, atomic)) => format!("timed: plain load+store {plain:.2} ns, fetch_add {atomic:.2} ns"),
            None => "forced by OBS_WRITE_STRATEGY".to_owned(),
        }
    );
    let chosen = obs::write_strategy();
    let mut g = c.benchmark_group(group::STRATEGY);
    raw(&mut g);
    let handle = BenchPlain.with(());
    let fixed = || BenchFixed.with(Fixed { method: black_box(Method::Get), status: black_box(Status::Ok) }).inc();
    for s in [obs::WriteStrategy::Slot, obs::WriteStrategy::Atomic] {
        use_strategy(s);
        let name = s.as_str();
        g.bench_function(format!("obs_{name}"), |b| b.iter(|| BenchPlain.inc()));
        g.bench_function(format!("obs_{name}_fixed"), |b| b.iter(fixed));
        g.bench_function(format!("obs_{name}_handle"), |b| b.iter(|| handle.inc()));
    }
    use_strategy(chosen);
    g.finish();
}

// ---------------------------------------------------------------------------------------------------------------
// case 7: native histogram observe
// ---------------------------------------------------------------------------------------------------------------

/// Bench: native histogram with client_golang's defaults (schema 3, 160 buckets), declared by hand.
static BENCH_NATIVE: obs_runtime::Histogram = obs_runtime::Histogram::new(
    &obs_runtime::MetricDesc::new("bench_native_seconds", obs_runtime::MetricKind::Histogram, "Bench: native.")
        .native_default(),
);

/// Native observe against obs' classic observe (the bound is 2×) and prometheus-client's native histogram
/// at the same schema; every one observes the same value as case 4.
fn native_histogram_observe(c: &mut Criterion) {
    let mut g = c.benchmark_group(group::NATIVE);
    g.bench_function("obs", |b| b.iter(|| BENCH_NATIVE.observe(black_box(0.3))));
    g.bench_function("obs_classic", |b| b.iter(|| BenchHist.observe(black_box(0.3))));
    let pc = prometheus_client::metrics::histogram::Histogram::new_native(
        prometheus_client::metrics::histogram::NativeHistogramConfig::new(1.1).max_buckets(160),
    );
    g.bench_function("prometheus_client", |b| b.iter(|| pc.observe(black_box(0.3))));
    g.finish();
}

// ---------------------------------------------------------------------------------------------------------------
// case 5: threads hammering one series
// ---------------------------------------------------------------------------------------------------------------

/// Time during which every thread of a multi-thread sample was running, and the slowest thread's time, summed over
/// the samples (ns). Their ratio shows whether the threads really ran at the same time: on a machine where another
/// process holds a core they take turns, and the "contended" figure measures no contention.
static OVERLAP_NS: AtomicU64 = AtomicU64::new(0);
static SPAN_NS: AtomicU64 = AtomicU64::new(0);

/// Runs `op` `iters` times on each of `threads` fresh threads that start together; returns the slowest thread's
/// time, so criterion's per-iteration figure is the per-op cost seen by one thread.
fn per_thread(threads: usize, iters: u64, op: &(impl Fn() + Sync)) -> Duration {
    let barrier = Barrier::new(threads);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        op();
                    }
                    (start, Instant::now())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let longest = spans.iter().map(|(a, b)| *b - *a).max().unwrap();
    if threads > 1 {
        let first_end = spans.iter().map(|s| s.1).min().unwrap();
        let last_start = spans.iter().map(|s| s.0).max().unwrap();
        let overlap = first_end.saturating_duration_since(last_start);
        OVERLAP_NS.fetch_add(overlap.as_nanos() as u64, Relaxed);
        SPAN_NS.fetch_add(longest.as_nanos() as u64, Relaxed);
    }
    longest
}

fn one_series_threads(c: &mut Criterion) {
    static SHARED: Padded = Padded(AtomicU64::new(0));
    let prom = prom_fixed_vec().with_label_values(&["get", "ok"]);
    let fam =
        prometheus_client::metrics::family::Family::<pc::Fixed, prometheus_client::metrics::counter::Counter>::default(
        );

    let obs_op = || BenchFixed.with(Fixed { method: black_box(Method::Get), status: black_box(Status::Ok) }).inc();
    let raw_op = || {
        SHARED.0.fetch_add(1, Relaxed);
    };
    let prom_op = || prom.inc();
    let pc_op = || {
        fam.get_or_create(&pc::Fixed { method: black_box(pc::Method::Get), status: black_box(pc::Status::Ok) }).inc();
    };

    // The same with one dynamic label: every op looks the series up.
    let prom_vec = prom_route_vec("bench_threads_dynamic");
    let fam_dyn =
        prometheus_client::metrics::family::Family::<pc::Route, prometheus_client::metrics::counter::Counter>::default(
        );
    let obs_dyn_op = || BenchDynamic.with(Dyn { route: black_box("/cart") }).inc();
    let prom_dyn_op = || prom_vec.with_label_values(&[black_box("/cart")]).inc();
    let pc_dyn_op = || {
        fam_dyn.get_or_create(&pc::Route { route: black_box("/cart") }).inc();
    };

    // Control: thread-private work only. Its 2-thread ÷ 1-thread ratio is 1 when the two threads really get a core
    // each, and about 2 when they share one (a busy machine, or vCPUs placed on one physical core by the host).
    let control_op = || {
        black_box(black_box(0x2545_f491_4f6c_dd1d_u64).wrapping_mul(0x5851_f42d_4c95_7f2d));
    };

    let mut g = c.benchmark_group(group::THREADS);
    for threads in [1, 2] {
        g.bench_function(format!("control_{threads}t"), |b| b.iter_custom(|n| per_thread(threads, n, &control_op)));
    }
    for threads in [1, 2] {
        g.bench_function(format!("obs_dyn_{threads}t"), |b| b.iter_custom(|n| per_thread(threads, n, &obs_dyn_op)));
        g.bench_function(format!("prometheus_vec_dyn_{threads}t"), |b| {
            b.iter_custom(|n| per_thread(threads, n, &prom_dyn_op))
        });
        g.bench_function(format!("prometheus_client_dyn_{threads}t"), |b| {
            b.iter_custom(|n| per_thread(threads, n, &pc_dyn_op))
        });
    }
    for threads in [1, 2] {
        g.bench_function(format!("obs_{threads}t"), |b| b.iter_custom(|n| per_thread(threads, n, &obs_op)));
        g.bench_function(format!("raw_atomic_{threads}t"), |b| b.iter_custom(|n| per_thread(threads, n, &raw_op)));
        g.bench_function(format!("prometheus_cached_{threads}t"), |b| {
            b.iter_custom(|n| per_thread(threads, n, &prom_op))
        });
        g.bench_function(format!("prometheus_client_{threads}t"), |b| {
            b.iter_custom(|n| per_thread(threads, n, &pc_op))
        });
    }
    g.finish();
}

// ---------------------------------------------------------------------------------------------------------------
// case 6: encoding 10 000 series
// ---------------------------------------------------------------------------------------------------------------

fn encode_10k(c: &mut Criterion) {
    let routes: Vec<&'static str> =
        (0..ENCODE_SERIES).map(|i| &*Box::leak(format!("/r{i}").into_boxed_str())).collect();

    for r in &routes {
        BenchRoutes.with(Dyn { route: r }).inc();
    }

    let preg = prometheus::Registry::new();
    let pvec = prom_route_vec("bench_routes");
    preg.register(Box::new(pvec.clone())).unwrap();
    for r in &routes {
        pvec.with_label_values(&[*r]).inc();
    }

    let mut pcreg = prometheus_client::registry::Registry::default();
    let fam =
        prometheus_client::metrics::family::Family::<pc::Route, prometheus_client::metrics::counter::Counter>::default(
        );
    pcreg.register("bench_routes", "help", fam.clone());
    for r in &routes {
        fam.get_or_create(&pc::Route { route: r }).inc();
    }

    let handle = metrics_handle();
    for r in &routes {
        metrics::counter!("bench_routes", "route" => *r).increment(1);
    }
    handle.run_upkeep();

    let mvec = measured::CounterVec::<ms::RouteSet>::new();
    for r in &routes {
        mvec.inc(ms::Route { route: r });
    }

    // Sanity: every encoder sees the 10 000 series.
    let obs_text = obs::encode(obs::Format::Prometheus);
    assert_eq!(obs_text.matches("bench_routes_total{").count(), ENCODE_SERIES);
    println!(
        "obs exposition for the encoding case: {} lines, {} bytes ({} series of bench_routes_total)",
        obs_text.lines().count(),
        obs_text.len(),
        ENCODE_SERIES
    );

    let mut g = c.benchmark_group(group::ENCODE);
    g.sample_size(20);
    g.bench_function("obs", |b| b.iter(|| obs::encode(black_box(obs::Format::Prometheus))));
    g.bench_function("prometheus_vec", |b| {
        b.iter(|| {
            let mut buf = Vec::new();
            prometheus::Encoder::encode(&prometheus::TextEncoder::new(), &preg.gather(), &mut buf).unwrap();
            buf
        })
    });
    g.bench_function("prometheus_client", |b| {
        b.iter(|| {
            let mut buf = String::new();
            prometheus_client::encoding::text::encode(&mut buf, &pcreg).unwrap();
            buf
        })
    });
    g.bench_function("metrics", |b| b.iter(|| handle.render()));
    g.bench_function("measured", |b| {
        b.iter(|| {
            use measured::metric::MetricFamilyEncoding;
            let mut enc = measured::text::BufferedTextEncoder::new();
            mvec.collect_family_into(measured::metric::name::MetricName::from_str("bench_routes"), &mut enc).unwrap();
            enc.finish()
        })
    });
    g.finish();

    // The same 10 000 series in the Prometheus protobuf exposition (delimited io.prometheus.client.MetricFamily).
    let obs_pb = obs::encode_protobuf();
    let pc_pb = pc_protobuf(&pcreg);
    assert!(obs_pb.len() > 10 * ENCODE_SERIES && pc_pb.len() > 10 * ENCODE_SERIES);
    println!("protobuf bytes for the encoding case: obs {}, prometheus-client {}", obs_pb.len(), pc_pb.len());
    let mut g = c.benchmark_group(group::PROTOBUF);
    g.sample_size(20);
    g.bench_function("obs", |b| b.iter(obs::encode_protobuf));
    g.bench_function("prometheus_vec", |b| {
        b.iter(|| {
            let mut buf = Vec::new();
            prometheus::Encoder::encode(&prometheus::ProtobufEncoder::new(), &preg.gather(), &mut buf).unwrap();
            buf
        })
    });
    g.bench_function("prometheus_client", |b| b.iter(|| pc_protobuf(&pcreg)));
    g.finish();
}

/// prometheus-client's Prometheus protobuf exposition, framed as a scrape response is.
fn pc_protobuf(reg: &prometheus_client::registry::Registry) -> Vec<u8> {
    use prost::Message;
    let mut buf = Vec::new();
    for f in prometheus_client::encoding::prometheus_protobuf::encode(reg).unwrap() {
        f.encode_length_delimited(&mut buf).unwrap();
    }
    buf
}

// ---------------------------------------------------------------------------------------------------------------
// case 8: scale — one family of N series, encoded alone, and increments spread over N series
// ---------------------------------------------------------------------------------------------------------------

/// Scale families; each is filled right before its rows, so earlier cases do not encode them.
/// A counter family of 10 series.
#[obs::metric(counter, labels = Dyn, cap = 200000)]
struct Scale10;

/// A counter family of 1 000 series.
#[obs::metric(counter, labels = Dyn, cap = 200000)]
struct Scale1k;

/// A counter family of 10 000 series.
#[obs::metric(counter, labels = Dyn, cap = 200000)]
struct Scale10k;

/// A counter family of 100 000 series.
#[obs::metric(counter, labels = Dyn, cap = 200000)]
struct Scale100k;

/// Heap bytes in use, from glibc's allocator statistics (small chunks and mmapped ones). Resident memory would not
/// do: the earlier cases free megabytes that the allocator keeps and hands out again without the RSS moving.
fn heap_in_use() -> u64 {
    // SAFETY: mallinfo2 has no preconditions; it returns a plain struct of counters.
    let m = unsafe { libc::mallinfo2() };
    (m.uordblks + m.hblkhd) as u64
}

/// Increments one series of a scale family.
type Inc = dyn Fn(&'static str);

/// Case 8's memory figures, one entry per size, for the report.
static MEMORY: std::sync::Mutex<Vec<obs_benches::ScaleMemory>> = std::sync::Mutex::new(Vec::new());

fn scale(c: &mut Criterion) {
    let cases: [(usize, &str, &Inc); 4] = [
        (10, "scale10", &|r| Scale10.with(Dyn { route: r }).inc()),
        (1_000, "scale1k", &|r| Scale1k.with(Dyn { route: r }).inc()),
        (10_000, "scale10k", &|r| Scale10k.with(Dyn { route: r }).inc()),
        (100_000, "scale100k", &|r| Scale100k.with(Dyn { route: r }).inc()),
    ];
    let mut g = c.benchmark_group(group::SCALE);
    g.sample_size(10);
    for (n, name, inc) in cases {
        // The route strings are the input, not obs' memory: made before the measurement.
        let routes: Vec<&'static str> = (0..n).map(|i| &*Box::leak(format!("/s{n}/{i}").into_boxed_str())).collect();
        let empty = heap_in_use();
        for r in &routes {
            inc(r);
        }
        let grown = heap_in_use().saturating_sub(empty);
        println!(
            "scale {n} series: obs' heap grew {grown} bytes ({:.0} bytes per series, 1 writing thread)",
            grown as f64 / n as f64
        );
        let m = obs::catalog()
            .metric(&format!("obs_benches_{name}"))
            .or_else(|| obs::catalog().metric(name))
            .expect("scale family");
        let text = |format: obs::Format| {
            let mut out = String::new();
            let mut r = obs::model::TextRenderer::new(&mut out, format);
            obs::model::FamilySink::begin(&mut r, m.family());
            m.collector().collect(&mut r);
            out
        };
        let protobuf = || {
            let mut out = Vec::new();
            let mut r = obs::model::ProtobufRenderer::new(&mut out);
            obs::model::FamilySink::begin(&mut r, m.family());
            m.collector().collect(&mut r);
            r.finish();
            out
        };
        // The family once scraped, its output dropped: the steady state (the first scrape settles the index of
        // new series, freeing its staging, and a large family keeps its blocks' sums), whichever renderer asked;
        // then each renderer's output per series.
        let lines = text(obs::Format::Prometheus).lines().count();
        let scraped = heap_in_use().saturating_sub(empty);
        assert_eq!(lines, n + 2);
        let mut renderers = Vec::new();
        let renders: [(&'static str, &dyn Fn() -> Vec<u8>); 3] = [
            ("text", &|| text(obs::Format::Prometheus).into_bytes()),
            ("OpenMetrics", &|| text(obs::Format::OpenMetrics).into_bytes()),
            ("protobuf", &protobuf),
        ];
        for (renderer, render) in renders {
            renderers.push(obs_benches::RendererMemory { renderer, output: render().len() as u64 });
        }
        MEMORY.lock().unwrap().push(obs_benches::ScaleMemory { series: n as u64, written: grown, scraped, renderers });
        g.bench_function(format!("text_{n}"), |b| b.iter(|| text(black_box(obs::Format::Prometheus))));
        g.bench_function(format!("openmetrics_{n}"), |b| b.iter(|| text(black_box(obs::Format::OpenMetrics))));
        g.bench_function(format!("protobuf_{n}"), |b| b.iter(protobuf));
        // Per-op cost with increments spread over every series (a lookup each time, past the per-thread cache),
        // beside prometheus' `with_label_values` over the same series: what a map of N entries costs anyone.
        let mut i = 0usize;
        g.bench_function(format!("inc_{n}"), |b| {
            b.iter(|| {
                i = (i + 7919) % n;
                inc(black_box(routes[i]))
            })
        });
        // The floor: the cheapest honest lookup of the same strings in the same order, with no metrics library
        // around it: a map prebuilt with the N keys, the same hasher as obs' series map, one lookup and one add.
        // Two forms: a shareable map (`AtomicU64` cells, one `fetch_add`, what any `Sync` series map pays), and a
        // plain `u64` behind `&mut` (no locked instruction at all; nothing shared could do this).
        let floor: hashbrown::HashMap<Box<str>, AtomicU64> =
            routes.iter().map(|r| (Box::<str>::from(*r), AtomicU64::new(0))).collect();
        g.bench_function(format!("floor_inc_{n}"), |b| {
            b.iter(|| {
                i = (i + 7919) % n;
                floor[black_box(routes[i])].fetch_add(1, Relaxed);
            })
        });
        let mut plain: hashbrown::HashMap<Box<str>, u64> = routes.iter().map(|r| (Box::<str>::from(*r), 0)).collect();
        g.bench_function(format!("floor_plain_inc_{n}"), |b| {
            b.iter(|| {
                i = (i + 7919) % n;
                *plain.get_mut(black_box(routes[i])).expect("prebuilt with every key") += 1;
            })
        });
        let vec = prom_route_vec(&format!("peer_scale_{n}"));
        for r in &routes {
            vec.with_label_values(&[r]).inc();
        }
        g.bench_function(format!("prometheus_inc_{n}"), |b| {
            b.iter(|| {
                i = (i + 7919) % n;
                vec.with_label_values(&[black_box(routes[i])]).inc()
            })
        });
    }
    g.finish();
}

// ---------------------------------------------------------------------------------------------------------------
// case 10: what every scrape pays whatever the catalog holds: the process families, read from the OS
// ---------------------------------------------------------------------------------------------------------------

fn scrape_fixed_cost(c: &mut Criterion) {
    let process: Vec<_> = obs::catalog().exposed().filter(|m| m.name().starts_with("process_")).collect();
    assert!(process.len() >= 7, "the process families are in the catalog");
    let mut g = c.benchmark_group(group::SCRAPE_FIXED);
    g.bench_function("obs", |b| {
        b.iter(|| {
            let mut out = String::new();
            let mut r = obs::model::TextRenderer::new(&mut out, obs::Format::Prometheus);
            for m in &process {
                obs::model::FamilySink::begin(&mut r, m.family());
                m.collector().collect(&mut r);
            }
            out
        })
    });
    g.finish();
}

// ---------------------------------------------------------------------------------------------------------------

/// The 1-minute load average, to tell a quiet machine from a busy one.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn main() {
    let since = SystemTime::now();
    let load_before = load_average();
    let mut c = Criterion::default().configure_from_args();
    counter_no_labels(&mut c);
    write_strategies(&mut c);
    counter_fixed_labels(&mut c);
    counter_dynamic_label(&mut c);
    histogram_observe(&mut c);
    one_series_threads(&mut c);
    encode_10k(&mut c);
    scale(&mut c);
    native_histogram_observe(&mut c);
    scrape_fixed_cost(&mut c);
    c.final_summary();

    let Some(dir) = obs_benches::criterion_dir() else {
        println!("\nNo criterion results found; no ratio table.");
        return;
    };
    let (mut table, complete) = obs_benches::report(&dir, since);
    table.push_str(&obs_benches::memory_table(&MEMORY.lock().unwrap()));
    let span = SPAN_NS.load(Relaxed);
    if span > 0 {
        let pct = 100.0 * OVERLAP_NS.load(Relaxed) as f64 / span as f64;
        let _ = write!(
            table,
            "\nCase 5, 2 threads: the two threads ran at the same time for {pct:.0}% of the slowest one's time{}.\n",
            if pct < 90.0 {
                " — below 90%: another process held a core, so the 2-thread figures understate contention; \
                 rerun on an idle machine"
            } else {
                ""
            }
        );
    }
    let _ = write!(table, "\nLoad average (1 min) before the run: {load_before}; after: {}.\n", load_average());
    println!("\n## obs ÷ peer (medians, same run)\n\nMachine: {}.\n\n{table}", obs_benches::machine());
    if complete {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("RESULTS.md");
        let doc = format!(
            "# obs vs peers: benchmark results\n\n\
             Produced by `cargo bench -p obs-benches --bench metrics` (criterion medians, one run, every crate \
             measured in the same process).\n\nMachine: {}.\n\n{table}",
            obs_benches::machine()
        );
        match std::fs::write(&path, doc) {
            Ok(()) => println!("Wrote {}", path.display()),
            Err(e) => println!("Could not write {}: {e}", path.display()),
        }
    } else {
        println!("Partial run (filtered, or some results missing): RESULTS.md left as it was.");
    }
}
