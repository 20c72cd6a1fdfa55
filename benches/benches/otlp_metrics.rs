//! OTLP metrics (issue 11): collecting and encoding one push of 10 000 series, obs' `OtlpEncoder` beside
//! `opentelemetry_sdk`'s metrics pipeline (a periodic reader whose in-memory exporter turns the collected
//! `ResourceMetrics` into the same `ExportMetricsServiceRequest` with opentelemetry-proto's transform, as
//! opentelemetry-otlp does, and encodes it), holding the same counter and series; and the hot path with obs'
//! exporter pushing in the background against the same increment with it off.
//!
//! `cargo bench -p obs-benches --bench otlp_metrics` (`-- --quick` for a short run).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use obs::otlp::{MetricsExporter, OtlpEncoder, Temporality};
use obs::Labels;
use obs_benches::{group, ENCODE_SERIES};
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, Stream};
use prost::Message;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

#[derive(Labels)]
struct Route {
    route: &'static str,
}

/// Requests by route (the 10 000 series of the push).
#[obs::metric(counter, labels = Route, cap = 20000)]
struct OtlpBenchRoutes;

/// The hot path's counter.
#[obs::metric(counter)]
struct OtlpBenchHot;

/// The SDK's in-memory exporter, encoding what it is handed the way opentelemetry-otlp does; keeps the size.
#[derive(Debug, Clone, Default)]
struct EncodingExporter {
    bytes: Arc<AtomicUsize>,
}

impl PushMetricExporter for EncodingExporter {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let body = ExportMetricsServiceRequest::from(metrics).encode_to_vec();
        self.bytes.store(black_box(body).len(), Relaxed);
        Ok(())
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
        Ok(())
    }
    fn temporality(&self) -> opentelemetry_sdk::metrics::Temporality {
        opentelemetry_sdk::metrics::Temporality::Cumulative
    }
}

fn routes() -> Vec<&'static str> {
    (0..ENCODE_SERIES).map(|i| &*Box::leak(format!("/r{i}").into_boxed_str())).collect()
}

fn push_10k(c: &mut Criterion) {
    let routes = routes();
    for r in &routes {
        OtlpBenchRoutes.with(Route { route: r }).inc();
    }
    let exporter = EncodingExporter::default();
    let provider = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(exporter.clone()).with_interval(Duration::from_secs(3600)).build())
        // The SDK keeps 2 000 series per instrument by default: room for the 10 000 of the case.
        .with_view(|_: &opentelemetry_sdk::metrics::Instrument| {
            Stream::builder().with_cardinality_limit(2 * ENCODE_SERIES).build().ok()
        })
        .build();
    let counter = provider.meter("bench").u64_counter("otlp_bench_routes").build();
    for r in &routes {
        counter.add(1, &[KeyValue::new("route", *r)]);
    }

    let resource = obs::trace::Resource { service_name: "bench".into(), attributes: vec![] };
    let mut cumulative = OtlpEncoder::new(resource.clone(), Temporality::Cumulative);
    let mut delta = OtlpEncoder::new(resource, Temporality::Delta);
    // Sanity: both pushes carry the 10 000 series.
    let req = cumulative.request(obs::catalog());
    let m = &req.resource_metrics[0].scope_metrics[0].metrics;
    let routes_metric = m.iter().find(|m| m.name.ends_with("otlp_bench_routes")).unwrap();
    let Some(obs::otlp::proto::metrics::v1::metric::Data::Sum(sum)) = &routes_metric.data else { panic!() };
    assert_eq!(sum.data_points.len(), ENCODE_SERIES);
    provider.force_flush().unwrap();
    let sdk_bytes = exporter.bytes.load(Relaxed);
    let obs_bytes = cumulative.encode(obs::catalog()).len();
    assert!(sdk_bytes > 10 * ENCODE_SERIES && obs_bytes > 10 * ENCODE_SERIES);
    println!("one push of {ENCODE_SERIES} series: obs {obs_bytes} bytes (with its own families), opentelemetry_sdk {sdk_bytes} bytes");

    let mut g = c.benchmark_group(group::OTLP_PUSH);
    g.sample_size(10);
    g.bench_function("obs", |b| b.iter(|| cumulative.encode(black_box(obs::catalog()))));
    g.bench_function("obs_delta", |b| {
        b.iter(|| {
            let body = delta.encode(black_box(obs::catalog()));
            delta.commit();
            body
        })
    });
    g.bench_function("opentelemetry_sdk", |b| b.iter(|| provider.force_flush().unwrap()));
    g.finish();
    provider.shutdown().unwrap();
}

fn hot_path(c: &mut Criterion) {
    let mut g = c.benchmark_group(group::OTLP_HOT_PATH);
    g.bench_function("exporter_off", |b| b.iter(|| OtlpBenchHot.inc()));
    // On: a push every 100 ms (600 times the default rate), each collecting the whole catalog (10 000 series) on
    // the exporter thread; nothing listens at the port, so each push fails fast.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let guard = MetricsExporter::builder()
        .endpoint(format!("http://127.0.0.1:{port}/v1/metrics"))
        .interval(Duration::from_millis(100))
        .timeout(Duration::from_millis(100))
        .install()
        .unwrap();
    g.bench_function("exporter_on", |b| b.iter(|| OtlpBenchHot.inc()));
    drop(guard);
    g.finish();
}

criterion_group!(benches, push_10k, hot_path);
criterion_main!(benches);
