//! The names of the families obs itself exposes, each defined once: the runtime declares its families with these,
//! and obs-dashboards' generators query them by these, never by a copied string.
//!
//! A name here is the family's name, without the `_total` or `_info` the exposition adds to a counter's or an info
//! metric's sample (see [`crate::names`]). Families declared with `#[metric]` keep their name in the attribute,
//! the one place the macro can read it; their constant here is taken from the descriptor the macro generates, or,
//! for the families of the `server` feature (which a build without it cannot name), written here and checked
//! against the descriptor at compile time whenever the feature is on.
//!
//! ```
//! use obs_runtime::{families, names, MetricKind};
//! assert_eq!(names::sample_name(families::FUNCTION_CALLS, MetricKind::Counter), "function_calls_total");
//! assert_eq!(families::HTTP_SERVER_REQUEST_DURATION_SECONDS, "http_server_request_duration_seconds");
//! ```

/// The running build: service, version and commit as labels, value 1 (an info metric: its sample is `build_info`).
pub const BUILD: &str = "build";

/// Calls of `#[traced]` functions, by `function`, `module` and `result` (a counter).
pub const FUNCTION_CALLS: &str = "function_calls";
/// Duration of calls of `#[traced]` functions (a histogram).
pub const FUNCTION_CALLS_DURATION_SECONDS: &str = "function_calls_duration_seconds";
/// Calls of `#[traced(in_flight)]` functions running now (a gauge).
pub const FUNCTION_CALLS_IN_FLIGHT: &str = "function_calls_in_flight";

/// HTTP requests served by the middleware, by method, route and status class (a counter).
pub const HTTP_SERVER_REQUESTS: &str = "http_server_requests";
/// Time to serve an HTTP request, by method and route (a histogram).
pub const HTTP_SERVER_REQUEST_DURATION_SECONDS: &str = "http_server_request_duration_seconds";
/// HTTP requests being served (a gauge).
pub const HTTP_SERVER_REQUESTS_IN_FLIGHT: &str = "http_server_requests_in_flight";

/// Whether each health check passed its last run (a gauge).
pub const OBS_HEALTH_CHECK_UP: &str = "obs_health_check_up";
/// How long each health check's last run took (a gauge).
pub const OBS_HEALTH_CHECK_DURATION_SECONDS: &str = "obs_health_check_duration_seconds";
/// Runs of each health check, by result (a counter).
pub const OBS_HEALTH_CHECK_RUNS: &str = "obs_health_check_runs";
/// Weighted share of passing health checks, 0 to 100 (a gauge).
pub const OBS_HEALTH_SCORE: &str = "obs_health_score";

/// Time to render one scrape of `/metrics` (a histogram).
pub const OBS_SCRAPE_DURATION_SECONDS: &str = "obs_scrape_duration_seconds";
/// Scrapes of `/metrics`, by format (a counter).
pub const OBS_SCRAPES: &str = "obs_scrapes";
/// OTLP metrics pushes, by outcome (a counter; feature `otlp`).
#[cfg(feature = "otlp-metrics")]
pub const OBS_METRIC_EXPORTS: &str = crate::otlp_metrics::MetricExports::DESC.name;

/// Label sets sent to a metric's overflow series (a counter).
pub const OBS_CARDINALITY_OVERFLOW: &str = "obs_cardinality_overflow";
/// Observations refused as invalid (a counter).
pub const OBS_DROPPED_OBSERVATIONS: &str = "obs_dropped_observations";
/// Series held by each metric family (a gauge).
pub const OBS_SERIES: &str = "obs_series";

/// Spans handed to the exporter (a counter).
pub const OBS_SPANS_EXPORTED: &str = "obs_spans_exported";
/// Spans lost, by reason (a counter).
pub const OBS_SPANS_DROPPED: &str = "obs_spans_dropped";
/// Batches of spans the exporter failed to send (a counter).
pub const OBS_SPAN_EXPORT_ERRORS: &str = "obs_span_export_errors";

/// User and system CPU time, in seconds (a counter, client_golang's name).
pub const PROCESS_CPU_SECONDS: &str = "process_cpu_seconds";
/// Resident memory, in bytes (a gauge).
pub const PROCESS_RESIDENT_MEMORY_BYTES: &str = "process_resident_memory_bytes";
/// Virtual memory, in bytes (a gauge).
pub const PROCESS_VIRTUAL_MEMORY_BYTES: &str = "process_virtual_memory_bytes";
/// Open file descriptors (a gauge).
pub const PROCESS_OPEN_FDS: &str = "process_open_fds";
/// The limit on open file descriptors (a gauge).
pub const PROCESS_MAX_FDS: &str = "process_max_fds";
/// OS threads of the process (a gauge).
pub const PROCESS_THREADS: &str = "process_threads";
/// Start time of the process since the Unix epoch, in seconds (a gauge).
pub const PROCESS_START_TIME_SECONDS: &str = "process_start_time_seconds";

/// The series Prometheus itself writes for each target it scrapes: 1 when the scrape succeeded. Not an obs family,
/// but the generators' target-down alert and overview read it.
pub const UP: &str = "up";

/// Whether two names are equal, at compile time.
#[cfg(feature = "server")]
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

// The server's families, as their declarations name them: a rename there fails the build here.
#[cfg(feature = "server")]
const _: () = {
    use crate::init::BuildInfo;
    use crate::server::endpoints::{ScrapeDuration, Scrapes};
    use crate::server::red::{HttpServerRequestDuration, HttpServerRequests, HttpServerRequestsInFlight};
    assert!(same(BUILD, BuildInfo::DESC.name));
    assert!(same(HTTP_SERVER_REQUESTS, HttpServerRequests::DESC.name));
    assert!(same(HTTP_SERVER_REQUEST_DURATION_SECONDS, HttpServerRequestDuration::DESC.name));
    assert!(same(HTTP_SERVER_REQUESTS_IN_FLIGHT, HttpServerRequestsInFlight::DESC.name));
    assert!(same(OBS_SCRAPE_DURATION_SECONDS, ScrapeDuration::DESC.name));
    assert!(same(OBS_SCRAPES, Scrapes::DESC.name));
};
