//! # obs: declare what a service measures, once, in the type system
//!
//! A metric is a unit struct with `#[obs::metric]`. Its doc comment is the HELP text, its labels are a struct
//! deriving [`Labels`], and fixed label values are enums deriving [`LabelValue`]. Every declaration linked into
//! the binary lands in one [`catalog`], from which the exposition (and the dashboards) are generated.
//!
//! ```
//! #[derive(obs::LabelValue, Clone, Copy)]
//! enum Method { Get, Post }
//!
//! #[derive(obs::Labels)]
//! struct Route { method: Method, route: &'static str }
//!
//! /// HTTP requests served.
//! #[obs::metric(counter, labels = Route)]
//! struct HttpRequests;
//!
//! /// Time to serve one request.
//! #[obs::metric(histogram, labels = Route, unit = "seconds", buckets = [0.005, 0.01, 0.05, 0.1, 0.5, 1.0])]
//! struct HttpRequestDuration;
//!
//! /// Jobs waiting in the queue.
//! #[obs::metric(gauge)]
//! struct QueueDepth;
//!
//! HttpRequests.with(Route { method: Method::Get, route: "/cart" }).inc();
//! {
//!     let _timer = HttpRequestDuration.with(Route { method: Method::Post, route: "/checkout" }).start_timer();
//! } // observed here
//! QueueDepth.set(3);
//!
//! let text = obs::encode(obs::Format::Prometheus);
//! assert!(text.contains("# HELP http_requests_total HTTP requests served.\n"));
//! assert!(text.contains("http_requests_total{method=\"get\",route=\"/cart\"} 1\n"));
//! assert!(text.contains("http_request_duration_seconds_count{method=\"post\",route=\"/checkout\"} 1\n"));
//! assert!(text.contains("queue_depth 3\n"));
//! ```
//!
//! ## `#[metric(kind, options...)]`
//!
//! | option | meaning |
//! |---|---|
//! | `counter`, `gauge`, `histogram`, `info` | the kind, first and once |
//! | `labels = Type` | a struct deriving [`Labels`]; without it the metric has no labels and needs no `with` |
//! | `name = "..."` | overrides the name, which is otherwise the struct's name in snake case |
//! | `namespace = "..."` | a prefix for this metric (`""` for none), overriding the crate's [`namespace!`] |
//! | `unit = "seconds"` | a base unit; the name gets the `_seconds` suffix once, and OpenMetrics a `# UNIT` line |
//! | `buckets = [..]` | histogram bounds; or `exponential(start, factor, count)`, `linear(start, width, count)` |
//! | `cap = N` | the most series kept (default 2000); further label sets go to one overflow series |
//! | `value = f64` | float counters and gauges (default `u64` for counters, `i64` for gauges) |
//!
//! Counters are exposed with `_total`, info metrics with `_info`. Histograms without `buckets` get Prometheus'
//! default buckets (`0.005` to `10` seconds), or `exponential(64, 4, 10)` when `unit = "bytes"`.
//!
//! ## Label values
//! Enums deriving [`LabelValue`] are fixed sets, exposed in snake case (`#[label(rename = "...")]` to change one).
//! `bool` is fixed too. `&'static str`, `String`, `Cow<'static, str>` and integers are dynamic. When every label
//! of a metric is fixed, its series are a dense array indexed by the enum discriminants: no hashing, no lock.
//! Dynamic label sets are looked up in a hash index that readers probe without a lock; resolve them once with
//! `with(..)` and keep the `Copy` handle to skip the lookup.
//!
//! ## Linking
//! `inventory` gathers declarations at link time, and the linker drops a crate that no code references. A crate
//! that only declares metrics must be named once from the binary, e.g. `use my_metrics_crate as _;`.
//!
//! ## Features
//! A library depends on obs with `default-features = false`: the macros, storage, catalog, text exposition,
//! `#[traced]` RED metrics and in-process spans, and `#[health_check]` declarations, on inventory, hashbrown, itoa
//! and ryu. The binary keeps the defaults or picks: `server` (`init!`, the endpoints, `obs::http`, the health-check
//! runner), `http`, `otlp` (span export), `otlp-metrics` (`obs::otlp`), `protobuf`, `tracing` (the `tracing` layer),
//! `process` (process metrics), and `prometheus` (off by default). Features add services over the one catalog:
//! a library built lean and a binary with every feature share one catalog and one exposition.

#![warn(missing_docs)]

extern crate self as obs;

pub use obs_macros::{health_check, metric, namespace, traced, LabelValue, Labels};
#[cfg(feature = "server")]
pub use obs_runtime::{builder, init, Builder, Guard, InitError};
pub use obs_runtime::{
    catalog, encode, encode_into, is_enabled, set_enabled, Catalog, CatalogError, CatalogErrors, CatalogMetric,
    Counter, CounterHandle, FloatCounter, FloatCounterHandle, FloatGauge, FloatGaugeHandle, Format, Gauge, GaugeHandle,
    Histogram, HistogramHandle, HistogramSnapshot, HistogramTimer, InFlight, Info, LabelDesc, LabelSet, LabelValue,
    Location, MetricDesc, MetricKind, ValueType, DEFAULT_BUCKETS, DEFAULT_CAP, MAX_LABEL_VALUE_LEN, OVERFLOW_VALUE,
};
pub use obs_runtime::{health_report, readiness, CheckStatus, ConfigError, HealthReport, Settings};
pub use obs_runtime::{write_strategy, write_strategy_calibration, WriteStrategy, WRITE_STRATEGY_VAR};
pub use obs_runtime::{AlertDesc, AlertOp, AlertSignal, Severity};

/// The format-neutral metrics model every exporter renders, and its naming rules.
pub mod model {
    pub use obs_runtime::names;
    pub use obs_runtime::{
        collect, process_start, snapshot, Family, FamilySink, FamilySnapshot, HistogramPoint, Labels, NativeBuckets,
        Number, Point, PointSink, SeriesSnapshot, Snapshot, SummaryPoint, TextRenderer, Value,
    };
    #[cfg(feature = "protobuf")]
    pub use obs_runtime::{prometheus_proto, ProtobufRenderer};
}
#[cfg(feature = "protobuf")]
pub use obs_runtime::{encode_protobuf, encode_protobuf_into};
pub use obs_runtime::{snapshot, Snapshot, PROTOBUF_CONTENT_TYPE};

/// OpenTelemetry metrics over OTLP: the periodic exporter `init` installs, its settings, and the encoder of one push
/// (feature `otlp-metrics`).
#[cfg(feature = "otlp-metrics")]
pub mod otlp {
    pub use obs_runtime::otlp_proto as proto;
    pub use obs_runtime::{
        Compression, ExportError, MetricsExporter, MetricsExporters, MetricsGuard, OtlpEncoder, Protocol, Temporality,
        DEFAULT_METRIC_EXPORT_INTERVAL, DEFAULT_METRIC_EXPORT_TIMEOUT,
    };
}

/// Merges metrics registered in a `prometheus::Registry` into obs' exposition (feature `prometheus`).
#[cfg(feature = "prometheus")]
pub use obs_runtime::{register_prometheus_registry, MergedFamily};

/// HTTP: the endpoints as an axum router to mount in your app, and a middleware recording HTTP RED metrics (feature
/// `server`).
#[cfg(feature = "server")]
pub mod http {
    pub use obs_runtime::server::endpoints::{health, metrics, ready};
    pub use obs_runtime::server::red::{track_requests, Method, StatusClass};
    pub use obs_runtime::server::{
        router, HEADER_READ_TIMEOUT, MAX_BODY_BYTES, MAX_CONCURRENT_REQUESTS, MAX_CONNECTIONS,
    };
}

/// Testing what a service measures: per-test metric assertions on the declared types, captured spans, and the
/// catalog's checks, from `cargo test`. What is isolated, and what is not, is stated on the module.
pub mod testing {
    pub use obs_runtime::testing::*;
}

// --- tracing (#[traced], spans, OTLP, propagation): public items ---
/// Spans, RED metrics of traced functions, OTLP export and W3C propagation.
pub mod trace {
    pub use obs_runtime::trace::*;
}
/// The flight recorder (feature `flight`): the last minutes of every traced call, sampled or not, dumped on
/// request (`GET /debug/flight`, [`flight::dump`]) or when a traced call panics.
#[cfg(feature = "flight")]
pub mod flight {
    pub use obs_runtime::trace::flight::*;
}
// --- end tracing ---

/// The README's examples, run as doctests (they use the default features).
#[cfg(all(
    doctest,
    feature = "server",
    feature = "otlp",
    feature = "otlp-metrics",
    feature = "protobuf",
    feature = "tracing"
))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Not public API: used by code that obs' macros generate.
#[doc(hidden)]
pub mod __private {
    pub use obs_runtime::__private::*;
    // --- tracing: items generated code needs live in obs_runtime::trace ---
    pub use obs_runtime::trace;
}
