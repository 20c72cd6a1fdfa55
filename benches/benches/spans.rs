//! Traced functions: obs `#[traced]` side by side with autometrics, `tracing` + tracing-opentelemetry and fastrace,
//! in one criterion run, followed by a table of ratios (obs ÷ peer) and the spans each case exported or dropped.
//!
//! Run from the repository root: `cargo bench -p obs-benches --bench spans`.
//!
//! Every traced function has the same body as the plain one, records no argument (`skip_all` where the crate
//! would otherwise record them) and is `#[inline(never)]`. One iteration is one call, which creates exactly one
//! span in the span cases.
//!
//! Span cases run their calls in chunks of [`CHUNK`]: each chunk runs under a parent set up for it before the
//! clock starts (a synthetic sampled parent context for obs, a root `info_span!` for `tracing`, `Span::root` +
//! `set_local_parent` for fastrace, which records nothing without it). The timed part is the calls and the
//! teardown of the parent (where fastrace hands its spans over). Two ways:
//! - *flushed*: after each chunk, outside the timed part, the framework's pipeline is flushed, so every span is
//!   exported and none is dropped: the figure is the cost of a span that really leaves the process;
//! - *back to back*: no flush; the background exporters run with their default settings and drop what they
//!   cannot keep up with, and the report prints how many spans were exported and dropped.

use criterion::Criterion;
use obs_benches::spans::{self as report, case, Counts, CHUNK};
use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

// ---------------------------------------------------------------------------------------------------------------
// The functions: one body, five ways
// ---------------------------------------------------------------------------------------------------------------

/// The body every variant shares: trivial work the optimizer cannot remove.
macro_rules! body {
    ($x:expr) => {
        black_box($x).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17)
    };
}

#[inline(never)]
fn plain(x: u64) -> u64 {
    body!(x)
}

/// The plain body timed by two readings of the clock obs uses: the floor under any per-call duration.
#[inline(never)]
fn clock_floor(x: u64) -> u64 {
    let start = obs::trace::clock::now();
    let r = body!(x);
    black_box(obs::trace::clock::now().wrapping_sub(start));
    r
}

#[obs::traced(skip_all)]
#[inline(never)]
fn obs_fn(x: u64) -> u64 {
    body!(x)
}

#[autometrics::autometrics]
#[inline(never)]
fn autometrics_fn(x: u64) -> u64 {
    body!(x)
}

#[tracing::instrument(skip_all)]
#[inline(never)]
fn tracing_fn(x: u64) -> u64 {
    body!(x)
}

#[fastrace::trace]
#[inline(never)]
fn fastrace_fn(x: u64) -> u64 {
    body!(x)
}

// ---------------------------------------------------------------------------------------------------------------
// Sinks: a loopback OTLP/HTTP receiver, and in-process counters
// ---------------------------------------------------------------------------------------------------------------

/// Requests and body bytes the loopback receiver answered.
static HTTP_REQUESTS: AtomicU64 = AtomicU64::new(0);
static HTTP_BYTES: AtomicU64 = AtomicU64::new(0);

/// A tiny HTTP/1.1 server on 127.0.0.1 that reads each request's body, discards it and answers 200 with an empty
/// body (an empty `ExportTraceServiceResponse`); keep-alive, one thread per connection. Returns the traces URL.
fn loopback_receiver() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().unwrap();
    std::thread::Builder::new()
        .name("loopback-otlp".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || serve(stream));
            }
        })
        .unwrap();
    format!("http://{addr}/v1/traces")
}

fn serve(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut out = stream.try_clone().unwrap();
    let mut r = BufReader::new(stream);
    let mut body = Vec::new();
    loop {
        let mut len = 0usize;
        let mut line = String::new();
        let mut first = true;
        loop {
            line.clear();
            match r.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" || line == "\n" {
                if first {
                    continue;
                }
                break;
            }
            first = false;
            if let Some((_, v)) = line.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")) {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        body.resize(len, 0);
        if r.read_exact(&mut body).is_err() {
            return;
        }
        HTTP_REQUESTS.fetch_add(1, Relaxed);
        HTTP_BYTES.fetch_add(len as u64, Relaxed);
        let resp = "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
        if out.write_all(resp.as_bytes()).is_err() {
            return;
        }
    }
}

/// Counts the spans obs hands it, keeps none.
struct CountingSink(Arc<AtomicU64>);

impl obs::trace::SpanSink for CountingSink {
    fn export(&mut self, batch: &[obs::trace::SpanRecord], _: &obs::trace::Resource) -> Result<(), String> {
        self.0.fetch_add(black_box(batch).len() as u64, Relaxed);
        Ok(())
    }
}

/// The OTLP exporter, counting the spans of each batch it exported successfully.
#[derive(Debug)]
struct CountingExporter<E> {
    inner: E,
    exported: Arc<AtomicU64>,
}

impl<E: opentelemetry_sdk::trace::SpanExporter> opentelemetry_sdk::trace::SpanExporter for CountingExporter<E> {
    async fn export(&self, batch: Vec<opentelemetry_sdk::trace::SpanData>) -> opentelemetry_sdk::error::OTelSdkResult {
        let n = batch.len() as u64;
        let r = self.inner.export(batch).await;
        if r.is_ok() {
            self.exported.fetch_add(n, Relaxed);
        }
        r
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> opentelemetry_sdk::error::OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }
    fn force_flush(&self) -> opentelemetry_sdk::error::OTelSdkResult {
        self.inner.force_flush()
    }
}

/// Counts the spans fastrace reports, keeps none.
struct CountingReporter(Arc<AtomicU64>);

impl fastrace::collector::Reporter for CountingReporter {
    fn report(&mut self, spans: Vec<fastrace::collector::SpanRecord>) {
        self.0.fetch_add(black_box(&spans).len() as u64, Relaxed);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The chunked runner
// ---------------------------------------------------------------------------------------------------------------

/// Spans created by the current case (calls, plus the roots that are spans themselves).
static CREATED: AtomicU64 = AtomicU64::new(0);

/// Runs `iters` calls in chunks of [`CHUNK`]; `chunk(n)` sets its parent up, times `n` calls and the parent's
/// teardown, and returns that time. `flush`, when given, runs after each chunk, untimed.
fn chunked(iters: u64, mut chunk: impl FnMut(u64) -> Duration, flush: Option<&dyn Fn()>) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(CHUNK);
        total += chunk(n);
        left -= n;
        if let Some(f) = flush {
            f();
        }
    }
    total
}

/// A sampled parent for obs spans, made current for one chunk: a synthetic local context, so the calls are
/// children (as the peers' are) and no extra span is recorded.
fn obs_chunk(n: u64) -> Duration {
    let parent = obs::trace::SpanContext {
        trace_id: ((black_box(n) as u128) << 64) | 0x5eed,
        span_id: 0x1234_5678,
        sampled: true,
        remote: false,
    };
    let guard = parent.attach();
    CREATED.fetch_add(n, Relaxed);
    let start = Instant::now();
    for i in 0..n {
        black_box(obs_fn(black_box(i)));
    }
    drop(guard);
    start.elapsed()
}

fn tracing_chunk(n: u64) -> Duration {
    let root = tracing::info_span!("root");
    let entered = root.enter();
    CREATED.fetch_add(n + 1, Relaxed);
    let start = Instant::now();
    for i in 0..n {
        black_box(tracing_fn(black_box(i)));
    }
    drop(entered);
    drop(root);
    start.elapsed()
}

fn fastrace_chunk(n: u64) -> Duration {
    let root = fastrace::Span::root("root", fastrace::collector::SpanContext::random());
    let guard = root.set_local_parent();
    CREATED.fetch_add(n + 1, Relaxed);
    let start = Instant::now();
    for i in 0..n {
        black_box(fastrace_fn(black_box(i)));
    }
    drop(guard);
    drop(root);
    start.elapsed()
}

// ---------------------------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------------------------

fn group(c: &mut Criterion) -> criterion::BenchmarkGroup<'_, criterion::measurement::WallTime> {
    c.benchmark_group(report::GROUP)
}

fn no_pipeline_cases(c: &mut Criterion) {
    let mut g = group(c);
    g.bench_function(case::PLAIN, |b| b.iter(|| plain(black_box(7))));
    g.bench_function(case::CLOCK_FLOOR, |b| b.iter(|| clock_floor(black_box(7))));
    assert!(!obs::trace::is_active(), "no trace pipeline may be installed for the metrics-only case");
    g.bench_function(case::OBS_METRICS, |b| b.iter(|| obs_fn(black_box(7))));
    g.bench_function(case::AUTOMETRICS, |b| b.iter(|| autometrics_fn(black_box(7))));
    g.finish();
}

/// obs with a pipeline installed for this case only; returns what the case created, exported and dropped.
fn obs_case(c: &mut Criterion, id: &str, pipeline: obs::trace::TracePipeline, flushed: bool) -> Counts {
    let guard = pipeline.install().expect("install the obs trace pipeline");
    let (e0, q0, x0, _) = obs::trace::pipeline_stats();
    CREATED.store(0, Relaxed);
    {
        let mut g = group(c);
        let flush = || guard.flush();
        g.bench_function(id, |b| b.iter_custom(|iters| chunked(iters, obs_chunk, flushed.then_some(&flush))));
        g.finish();
    }
    drop(guard); // flushes
    let (e1, q1, x1, _) = obs::trace::pipeline_stats();
    Counts { created: CREATED.load(Relaxed), exported: e1 - e0, dropped: Some((q1 - q0) + (x1 - x0)) }
}

fn obs_cases(c: &mut Criterion, url: &str) -> Vec<(&'static str, Counts)> {
    let otlp = || {
        obs::trace::TracePipeline::builder()
            .service_name("obs-bench")
            .sampler(obs::trace::Sampler::ParentBased(1.0))
            .endpoint(url)
            .protocol(obs::trace::Protocol::HttpProtobuf)
    };
    let mut out = Vec::new();
    let req0 = HTTP_REQUESTS.load(Relaxed);
    let counts = obs_case(c, case::OBS_OTLP, otlp(), true);
    println!(
        "obs, flushed, OTLP: {} requests reached the loopback receiver ({} bytes in all)",
        HTTP_REQUESTS.load(Relaxed) - req0,
        HTTP_BYTES.load(Relaxed)
    );
    out.push((case::OBS_OTLP, counts));

    let sunk = Arc::new(AtomicU64::new(0));
    let pipeline = obs::trace::TracePipeline::builder()
        .service_name("obs-bench")
        .sampler(obs::trace::Sampler::ParentBased(1.0))
        .sink(CountingSink(sunk.clone()));
    let mut counts = obs_case(c, case::OBS_SINK, pipeline, true);
    assert_eq!(counts.exported, sunk.load(Relaxed), "the pipeline's exported count and the sink's agree");
    counts.exported = sunk.load(Relaxed);
    out.push((case::OBS_SINK, counts));

    out.push((case::OBS_OTLP_B2B, obs_case(c, case::OBS_OTLP_B2B, otlp(), false)));

    // The flight recorder (issue 13): ratio 0 ignores the chunk's sampled parent, so no call is exported and
    // every one is recorded.
    let flight = obs::trace::TracePipeline::builder()
        .service_name("obs-bench")
        .sampler(obs::trace::Sampler::TraceIdRatio(0.0))
        .flight_recorder(Duration::from_secs(60), 32 << 20);
    out.push((case::OBS_FLIGHT, obs_case(c, case::OBS_FLIGHT, flight, true)));
    let both = otlp().flight_recorder(Duration::from_secs(60), 32 << 20);
    out.push((case::OBS_FLIGHT_OTLP, obs_case(c, case::OBS_FLIGHT_OTLP, both, true)));
    out
}

fn tracing_cases(c: &mut Criterion, url: &str) -> Vec<(&'static str, Counts)> {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_otlp::WithExportConfig as _;
    use tracing_subscriber::layer::SubscriberExt as _;

    let exported = Arc::new(AtomicU64::new(0));
    let otlp = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(url)
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .build()
        .expect("build the OTLP span exporter");
    let exporter = CountingExporter { inner: otlp, exported: exported.clone() };
    // The SDK's defaults: queue of 2048 spans, batches of 512, a 5 s schedule; parent-based always-on sampling.
    let processor = opentelemetry_sdk::trace::BatchSpanProcessor::builder(exporter).build();
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().with_span_processor(processor).build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("bench"));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
        .expect("set the global tracing subscriber");

    let mut out = Vec::new();
    for (id, flushed) in [(case::TRACING, true), (case::TRACING_B2B, false)] {
        CREATED.store(0, Relaxed);
        let before = exported.load(Relaxed);
        {
            let mut g = group(c);
            let flush = || provider.force_flush().expect("flush the batch span processor");
            g.bench_function(id, |b| b.iter_custom(|iters| chunked(iters, tracing_chunk, flushed.then_some(&flush))));
            g.finish();
        }
        let _ = provider.force_flush();
        let created = CREATED.load(Relaxed);
        let e = exported.load(Relaxed) - before;
        // The SDK keeps its drop count private: every span not exported after a flush was dropped.
        out.push((id, Counts { created, exported: e, dropped: Some(created.saturating_sub(e)) }));
    }
    out
}

fn fastrace_cases(c: &mut Criterion) -> Vec<(&'static str, Counts)> {
    let reported = Arc::new(AtomicU64::new(0));
    fastrace::set_reporter(CountingReporter(reported.clone()), fastrace::collector::Config::default());
    let mut out = Vec::new();
    for (id, flushed) in [(case::FASTRACE, true), (case::FASTRACE_B2B, false)] {
        CREATED.store(0, Relaxed);
        let before = reported.load(Relaxed);
        {
            let mut g = group(c);
            g.bench_function(id, |b| {
                b.iter_custom(|iters| chunked(iters, fastrace_chunk, flushed.then_some(&fastrace::flush)))
            });
            g.finish();
        }
        fastrace::flush();
        let created = CREATED.load(Relaxed);
        let e = reported.load(Relaxed) - before;
        out.push((id, Counts { created, exported: e, dropped: Some(created.saturating_sub(e)) }));
    }
    out
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn main() {
    let since = SystemTime::now();
    let load_before = load_average();
    let started = Instant::now();
    let url = loopback_receiver();
    // Short defaults keep the whole run to a few minutes on 2 cores; command-line options override them.
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(40)
        .configure_from_args();

    // Sanity: each traced variant is live (a fastrace build without `enable` would record nothing).
    assert_eq!(obs_fn(3), plain(3));
    assert_eq!(autometrics_fn(3), plain(3));

    no_pipeline_cases(&mut c);
    let mut counts = Vec::new();
    counts.extend(obs_cases(&mut c, &url));
    counts.extend(tracing_cases(&mut c, &url));
    counts.extend(fastrace_cases(&mut c));
    c.final_summary();

    let Some(dir) = obs_benches::criterion_dir_with(&[report::GROUP]) else {
        println!("\nNo criterion results found; no ratio table.");
        return;
    };
    let (mut table, complete) = report::report(&dir, since, &counts);
    table.push_str(&format!(
        "\nLoopback OTLP receiver: {} requests, {} bytes of bodies in all. Load average (1 min) before the run: \
         {load_before}; after: {}. Wall time of the run: {:.0} s.\n",
        HTTP_REQUESTS.load(Relaxed),
        HTTP_BYTES.load(Relaxed),
        load_average(),
        started.elapsed().as_secs_f64()
    ));
    println!("\n## Spans: obs ÷ peer (medians, same run)\n\nMachine: {}.\n\n{table}", obs_benches::machine());
    if complete {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("RESULTS-spans.md");
        let doc = format!(
            "# Spans: obs vs peers\n\n\
             Produced by `cargo bench -p obs-benches --bench spans` (criterion medians, one run, every crate \
             measured in the same process).\n\nMachine: {}.\n\n{table}",
            obs_benches::machine()
        );
        match std::fs::write(&path, doc) {
            Ok(()) => println!("Wrote {}", path.display()),
            Err(e) => println!("Could not write {}: {e}", path.display()),
        }
    } else {
        println!("Partial run (filtered, or some results missing): RESULTS-spans.md left as it was.");
    }
}
