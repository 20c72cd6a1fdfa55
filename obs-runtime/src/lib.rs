//! Storage, catalog and exposition behind `obs`' declared metrics.
//!
//! Users depend on the `obs` facade, whose `#[metric]` attribute expands to the types here. This crate can also be
//! used by hand: build a [`MetricDesc`], put a [`Counter`] (or another kind) in a `static`, and [`register!`] it.
//!
//! ```
//! use obs_runtime::{Counter, MetricDesc, MetricKind};
//! static REQUESTS: Counter = Counter::new(&MetricDesc::new("requests", MetricKind::Counter, "Requests served."));
//! obs_runtime::register!(REQUESTS);
//!
//! REQUESTS.inc();
//! let text = obs_runtime::encode(obs_runtime::Format::Prometheus);
//! assert!(text.contains("# TYPE requests_total counter\nrequests_total 1\n"));
//! ```
#![warn(missing_docs)]

mod block;
mod catalog;
mod desc;
mod encoding;
#[cfg(feature = "prometheus")]
mod interop;
mod labels;
mod metrics;
mod registry;
mod self_metrics;
mod series;
mod slots;
mod switch;
pub mod trace;

pub use catalog::{catalog, Catalog, CatalogError, CatalogErrors, CatalogMetric};
pub use desc::{
    CrateInfo, FunctionDesc, HealthCheckDesc, HealthCheckEntry, HealthFuture, LatencyObjective, Location, MetricDesc, MetricKind, Namespace,
    NamespaceDecl, SloDesc, SpanKind, ValueType, DEFAULT_CAP,
};
pub use encoding::{
    encode, encode_into, escape_help, escape_label_value, format_f64, FamilyEncoder, Format,
};
#[cfg(feature = "prometheus")]
pub use interop::register_prometheus_registry;
pub use labels::{cardinality, fixed_product, hash_str, LabelDesc, LabelSet, LabelValue};
pub use metrics::counter::{Counter, CounterHandle, FloatCounter, FloatCounterHandle};
pub use metrics::gauge::{FloatGauge, FloatGaugeHandle, Gauge, GaugeHandle, InFlight};
pub use metrics::histogram::{Histogram, HistogramHandle, HistogramSnapshot, HistogramTimer};
pub use metrics::info::Info;
pub use registry::{Collect, MetricEntry};
pub use series::{MAX_LABEL_VALUE_LEN, OVERFLOW_VALUE};
pub use switch::{is_enabled, set_enabled};

#[doc(hidden)]
pub use inventory;

/// Adds a hand-built metric `static` to the catalog, as `#[metric]` does for declared ones.
///
/// ```
/// use obs_runtime::{Gauge, MetricDesc, MetricKind};
/// static TEMPERATURE: Gauge = Gauge::new(&MetricDesc::new("temperature_celsius", MetricKind::Gauge, "Temperature."));
/// obs_runtime::register!(TEMPERATURE);
/// assert!(obs_runtime::catalog().metric("temperature_celsius").is_some());
/// ```
#[macro_export]
macro_rules! register {
    ($family:path) => {
        $crate::inventory::submit! { $crate::MetricEntry::new(&$family) }
    };
}

/// The [`CrateInfo`] of the crate that expands it; used by generated code.
#[doc(hidden)]
#[macro_export]
macro_rules! crate_info {
    () => {
        $crate::CrateInfo {
            name: match ::core::option_env!("CARGO_PKG_NAME") {
                ::core::option::Option::Some(s) => s,
                ::core::option::Option::None => "",
            },
            version: match ::core::option_env!("CARGO_PKG_VERSION") {
                ::core::option::Option::Some(s) => s,
                ::core::option::Option::None => "",
            },
            ident: match ::core::option_env!("CARGO_CRATE_NAME") {
                ::core::option::Option::Some(s) => s,
                ::core::option::Option::None => "",
            },
        }
    };
}
