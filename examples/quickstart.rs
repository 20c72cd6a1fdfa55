//! Declares a few metrics of each kind, updates them, and prints the Prometheus exposition to stdout.
//!
//! `cargo run -q --example quickstart | promtool check metrics` prints nothing: the output is lint-clean.
//! `cargo run -q --example quickstart -- --openmetrics` prints OpenMetrics 1.0 text instead, with exemplars.
//!
//! It also calls `#[traced]` functions: `checkout` calls `reserve_stock` across an `.await`, and `charge_card`
//! fails. Their RED metrics are in the exposition; their spans are exported over OTLP before exit when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set (`OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf` or `grpc`), and so are its
//! metrics: one OTLP push of the state printed, when the exporter's guard drops at the end.

use obs::{LabelValue, Labels};

obs::namespace!("quickstart");

#[derive(LabelValue, Clone, Copy)]
enum Method {
    Get,
    Post,
}

#[derive(LabelValue, Clone, Copy)]
enum Outcome {
    Ok,
    #[label(rename = "client_error")]
    ClientError,
    ServerError,
}

#[derive(Labels)]
struct Route {
    method: Method,
    route: &'static str,
}

#[derive(Labels)]
struct Result_ {
    method: Method,
    outcome: Outcome,
}

#[derive(Labels)]
struct Build {
    version: &'static str,
    commit: &'static str,
}

/// HTTP requests served, by method and route.
#[obs::metric(counter, labels = Route)]
struct HttpRequests;

/// HTTP responses, by method and outcome.
#[obs::metric(counter, labels = Result_)]
struct HttpResponses;

/// Time to serve one request.
#[obs::metric(histogram, labels = Route, unit = "seconds", buckets = [0.005, 0.01, 0.05, 0.1, 0.5, 1.0])]
struct HttpRequestDuration;

/// Size of response bodies.
#[obs::metric(histogram, unit = "bytes", buckets = exponential(256, 4, 6))]
struct ResponseSize;

/// Requests being served right now.
#[obs::metric(gauge)]
struct InFlightRequests;

/// Fraction of the cache in use.
#[obs::metric(gauge, unit = "ratio", value = f64)]
struct CacheFill;

/// CPU time spent in request handlers.
#[obs::metric(counter, unit = "seconds", value = f64)]
struct HandlerCpu;

/// Version of this build.
#[obs::metric(info, labels = Build)]
struct BuildInfo;

/// Why a payment failed.
#[derive(Debug)]
struct PaymentDeclined {
    cents: u64,
}

impl std::fmt::Display for PaymentDeclined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "payment of {} cents declined", self.cents)
    }
}

/// Reserves items; a child span of `checkout`.
#[obs::traced(fields(warehouse = "eu-1"))]
async fn reserve_stock(items: u32) -> u32 {
    tokio::task::yield_now().await;
    items
}

/// Charges a card; fails above a limit, which marks its span as an error.
#[obs::traced(kind = client, err)]
async fn charge_card(cents: u64) -> Result<u64, PaymentDeclined> {
    if cents > 10_000 {
        return Err(PaymentDeclined { cents });
    }
    Ok(cents)
}

/// One checkout: the parent span of the two calls above.
#[obs::traced(kind = server, in_flight, slo(success_rate = 0.99, latency(percentile = 0.99, threshold = 0.25)))]
async fn checkout(cart: &'static str, items: u32, cents: u64) -> Result<u64, PaymentDeclined> {
    let reserved = reserve_stock(items).await;
    HttpRequestDuration.with(Route { method: Method::Post, route: "/checkout" }).observe(0.02 * reserved as f64);
    let charged = charge_card(cents).await?;
    Ok(charged + u64::from(cart.is_empty()))
}

/// Runs the traced demo on a small tokio runtime.
fn traced_demo() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    rt.block_on(async {
        let _ = checkout("cart-1", 2, 1_999).await;
        let _ = checkout("cart-2", 1, 25_000).await;
    });
}

fn main() {
    // Spans are recorded (for exemplars) and, with OTEL_EXPORTER_OTLP_ENDPOINT set, exported; the guard flushes
    // them at the end of `main`.
    let trace_guard = match obs::trace::TracePipeline::from_env().and_then(|p| p.install()) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("tracing: {e}");
            std::process::exit(1);
        }
    };
    // With a metrics endpoint set, the metrics are pushed over OTLP too: the guard's drop makes the last push.
    let metrics_guard = match obs::otlp::MetricsExporter::from_env() {
        Ok(e) if e.otlp_endpoint().is_some() => match e.install() {
            Ok(g) => Some(g),
            Err(e) => {
                eprintln!("metrics: {e}");
                std::process::exit(1);
            }
        },
        Ok(_) => None,
        Err(e) => {
            eprintln!("metrics: {e}");
            std::process::exit(1);
        }
    };
    traced_demo();
    if let Err(e) = obs::catalog().validate() {
        eprintln!("{e}");
        std::process::exit(1);
    }
    BuildInfo.set(Build { version: env!("CARGO_PKG_VERSION"), commit: "0000000" });
    for (i, route) in ["/catalogue", "/cart", "/checkout\"quoted\"\n", "/ünïcødé\\path"].iter().enumerate() {
        let method = if i % 2 == 0 { Method::Get } else { Method::Post };
        let _in_flight = InFlightRequests.track();
        HttpRequests.with(Route { method, route }).inc_by(i as u64 + 1);
        HttpRequestDuration.with(Route { method, route }).observe(0.003 * (i as f64 + 1.0) * 10.0);
        let outcome = [Outcome::Ok, Outcome::ClientError, Outcome::ServerError][i % 3];
        HttpResponses.with(Result_ { method, outcome }).inc();
        ResponseSize.observe(300.0 * 4f64.powi(i as i32));
    }
    CacheFill.set(0.42);
    HandlerCpu.inc_by(0.0125);
    let format =
        if std::env::args().any(|a| a == "--openmetrics") { obs::Format::OpenMetrics } else { obs::Format::Prometheus };
    print!("{}", obs::encode(format));
    drop(metrics_guard);
    drop(trace_guard);
}
