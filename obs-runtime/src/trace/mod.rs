//! Spans, RED metrics of traced functions, the OTLP export pipeline and W3C propagation.
//!
//! `#[traced]` expands to a [`Call`] around the function's body. The hot path, in the spirit of fastrace:
//! - the RED metrics go to the function's own static storage, per-thread slots written with plain stores;
//! - the clock is one `rdtsc` where the TSC is invariant ([`clock`]);
//! - ids come from a thread-local generator; sampling is one compare against an atomic threshold;
//! - a sampled span is pushed into the thread's own ring, drained by the collector thread, which converts and
//!   exports batches off the hot path. The rings are bounded; a full one drops the span and counts it.
//!
//! Without an installed [`TracePipeline`], `#[traced]` records the RED metrics only.
//!
//! ```
//! use obs_runtime::trace::{MemorySink, TracePipeline};
//! let sink = MemorySink::default();
//! let guard = TracePipeline::builder().service_name("demo").sink(sink.clone()).install().unwrap();
//! // ... #[traced] calls ...
//! guard.flush();
//! drop(guard);
//! ```

mod attr;
mod call;
pub(crate) mod capture;
pub mod clock;
mod collector;
mod config;
mod context;
// `tracing` events reach a traced call through the layer.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
mod events;
mod exemplar;
#[cfg(feature = "flight")]
pub mod flight;
mod functions;
mod id;
#[cfg(feature = "tracing")]
mod json;
#[cfg(feature = "tracing")]
mod layer;
mod metrics;
mod otlp;
mod panics;
mod pipeline;
mod propagation;
// The `tracing` layer also pushes finished spans of its own (`Pending::Full`, `ring::push`).
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
mod record;
mod red;
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
mod ring;
mod sampler;
mod sink;
mod wake;

pub use crate::desc::{CrateInfo, FunctionDesc, LatencyObjective, Location, SloDesc, SpanKind};
#[doc(hidden)]
pub use attr::{AttrDebug, AttrProbe, AttrTyped};
pub use attr::{AttrValue, ToAttrValue};
#[doc(hidden)]
pub use call::{call_once, err_debug, err_display, OutcomeProbe, PlainOutcome, ResultOutcome};
pub use call::{Call, Instrumented};
pub use collector::{TraceGuard, EXPORT_QUEUE_SPANS};
#[cfg(feature = "otlp-metrics")]
pub(crate) use config::default_service_name;
pub use config::{Protocol, TraceError, TracePipeline};
pub use context::{current, ContextGuard, SpanContext, WithContext};
pub(crate) use exemplar::observe as observe_exemplar;
pub(crate) use exemplar::of_series as exemplars_of_series;
pub use exemplar::Exemplar;
pub use functions::traced_function;
#[cfg(feature = "tracing")]
pub use json::{json_logs, JsonLogs};
#[cfg(feature = "tracing")]
pub use layer::{layer, ObsLayer};
pub use metrics::pipeline_stats;
#[cfg(feature = "otlp-metrics")]
pub use otlp::OtlpTraceClient;
pub use propagation::{attach_remote, extract, inject, inject_current, parse_trace_state, parse_traceparent, Carrier};
pub use record::{SpanEvent, SpanRecord, SpanStatus};
pub use red::{Outcome, TracedFn};
pub use sampler::{is_active, sampling_ratio, set_sampling_ratio, Sampler};
pub use sink::{MemorySink, Resource, SpanSink};

/// A critical health check turned unhealthy: the flight recorder, if it writes dumps, writes one (rate-limited).
pub(crate) fn request_flight_dump_unhealthy() {
    panics::request_dump(panics::HEALTH);
}
