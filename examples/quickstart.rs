//! Declares a few metrics of each kind, updates them, and prints the Prometheus exposition to stdout.
//!
//! `cargo run -q --example quickstart | promtool check metrics` prints nothing: the output is lint-clean.
//! `cargo run -q --example quickstart -- --openmetrics` prints OpenMetrics 1.0 text instead.

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

fn main() {
    if let Err(e) = obs::catalog().validate() {
        eprintln!("{e}");
        std::process::exit(1);
    }
    BuildInfo.set(Build {
        version: env!("CARGO_PKG_VERSION"),
        commit: "0000000",
    });
    for (i, route) in [
        "/catalogue",
        "/cart",
        "/checkout\"quoted\"\n",
        "/ünïcødé\\path",
    ]
    .iter()
    .enumerate()
    {
        let method = if i % 2 == 0 {
            Method::Get
        } else {
            Method::Post
        };
        let _in_flight = InFlightRequests.track();
        HttpRequests
            .with(Route { method, route })
            .inc_by(i as u64 + 1);
        HttpRequestDuration
            .with(Route { method, route })
            .observe(0.003 * (i as f64 + 1.0) * 10.0);
        let outcome = [Outcome::Ok, Outcome::ClientError, Outcome::ServerError][i % 3];
        HttpResponses.with(Result_ { method, outcome }).inc();
        ResponseSize.observe(300.0 * 4f64.powi(i as i32));
    }
    CacheFill.set(0.42);
    HandlerCpu.inc_by(0.0125);
    let format = if std::env::args().any(|a| a == "--openmetrics") {
        obs::Format::OpenMetrics
    } else {
        obs::Format::Prometheus
    };
    print!("{}", obs::encode(format));
}
