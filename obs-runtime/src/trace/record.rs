//! A finished span, as the hot path leaves it in the thread's ring: ids, static name, raw clock readings and
//! attributes. Conversion to wall-clock time and to OTLP happens on the collector thread.

use super::attr::AttrValue;
use crate::desc::{FunctionDesc, SpanKind};
use std::borrow::Cow;

/// The status of a finished span.
///
/// ```
/// use obs_runtime::trace::SpanStatus;
/// assert_eq!(SpanStatus::default(), SpanStatus::Unset);
/// assert_ne!(SpanStatus::Error("timeout".into()), SpanStatus::Unset);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SpanStatus {
    /// Nothing said (the default).
    #[default]
    Unset,
    /// Failed, with a description.
    Error(Cow<'static, str>),
}

/// An event inside a span (an error recorded by `err`, a `tracing` event).
///
/// ```
/// use obs_runtime::trace::{clock, AttrValue, SpanEvent};
/// let event = SpanEvent {
///     name: "exception".into(),
///     at: clock::now(),
///     attributes: vec![("exception.message".into(), AttrValue::Str("timeout".into()))],
/// };
/// assert_eq!(event.name, "exception");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SpanEvent {
    /// The event's name (`exception` for errors).
    pub name: Cow<'static, str>,
    /// Clock reading; see [`clock`](super::clock).
    pub at: u64,
    /// Its attributes.
    pub attributes: Vec<(Cow<'static, str>, AttrValue)>,
}

/// One finished span.
///
/// ```
/// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
/// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
/// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
/// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
/// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
/// # static WORK: TracedFn = TracedFn::new(&DESC);
/// # let sink = obs_runtime::trace::MemorySink::default();
/// # let guard = obs_runtime::trace::TracePipeline::builder().service_name("demo").sink(sink.clone()).install().unwrap();
/// # obs_runtime::trace::Call::enter(&WORK).finish(obs_runtime::trace::Outcome::Ok, None);
/// # guard.flush();
/// let span = &sink.spans()[0];
/// assert_eq!((span.name, span.parent_span_id), ("work", 0)); // a root span
/// assert!(span.end >= span.start);
/// ```
#[derive(Debug, Clone)]
pub struct SpanRecord {
    /// Trace id.
    pub trace_id: u128,
    /// Span id.
    pub span_id: u64,
    /// The parent's span id, or 0 for a root span.
    pub parent_span_id: u64,
    /// Whether the parent came from another process.
    pub parent_remote: bool,
    /// The span name.
    pub name: &'static str,
    /// The span kind.
    pub kind: SpanKind,
    /// Start, as a raw clock reading.
    pub start: u64,
    /// End, as a raw clock reading.
    pub end: u64,
    /// Status.
    pub status: SpanStatus,
    /// Attributes recorded at run time.
    pub attributes: Vec<(Cow<'static, str>, AttrValue)>,
    /// Events.
    pub events: Vec<SpanEvent>,
    /// The traced function, whose static attributes (`code.function`…) are added at export.
    pub function: Option<&'static FunctionDesc>,
    /// W3C `tracestate` inherited from a remote parent.
    pub trace_state: Option<Box<str>>,
    /// Whether the sampler kept it (exported); a span kept only by the flight recorder is not.
    pub sampled: bool,
    /// obs' number for the thread that finished the span (1, 2, … in the order threads first recorded one).
    pub thread: u32,
}

impl SpanRecord {
    /// Start as Unix nanoseconds.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// # let sink = obs_runtime::trace::MemorySink::default();
    /// # let guard = obs_runtime::trace::TracePipeline::builder().service_name("demo").sink(sink.clone()).install().unwrap();
    /// # obs_runtime::trace::Call::enter(&WORK).finish(obs_runtime::trace::Outcome::Ok, None);
    /// # guard.flush();
    /// let span = &sink.spans()[0];
    /// assert!(span.start_unix_nanos() > 1_600_000_000_000_000_000);
    /// ```
    pub fn start_unix_nanos(&self) -> u64 {
        super::clock::unix_nanos(self.start)
    }
    /// End as Unix nanoseconds.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// # let sink = obs_runtime::trace::MemorySink::default();
    /// # let guard = obs_runtime::trace::TracePipeline::builder().service_name("demo").sink(sink.clone()).install().unwrap();
    /// # obs_runtime::trace::Call::enter(&WORK).finish(obs_runtime::trace::Outcome::Ok, None);
    /// # guard.flush();
    /// let span = &sink.spans()[0];
    /// assert!(span.end_unix_nanos() >= span.start_unix_nanos());
    /// ```
    pub fn end_unix_nanos(&self) -> u64 {
        super::clock::unix_nanos(self.end)
    }
    /// Attribute value by key (run-time attributes only).
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// # let sink = obs_runtime::trace::MemorySink::default();
    /// # let guard = obs_runtime::trace::TracePipeline::builder().service_name("demo").sink(sink.clone()).install().unwrap();
    /// # obs_runtime::trace::Call::enter(&WORK).finish(obs_runtime::trace::Outcome::Ok, None);
    /// # guard.flush();
    /// let span = &sink.spans()[0];
    /// assert_eq!(span.attribute("order.id"), None); // none was recorded
    /// ```
    pub fn attribute(&self, key: &str) -> Option<&AttrValue> {
        self.attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// What the hot path leaves in a ring: a compact record of a traced call, turned into a [`SpanRecord`] on the
/// collector thread, or a full record (spans of the `tracing` layer, which carry run-time names).
pub(crate) enum Pending {
    Call(RawCall),
    Full(Box<SpanRecord>),
}

/// A finished traced call, as small as the hot path can leave it: the name, kind and static attributes come from
/// its `FunctionDesc`; anything else rides in `extra`, allocated only when there is something to say.
#[derive(Clone)]
pub(crate) struct RawCall {
    pub(crate) trace_id: u128,
    pub(crate) span_id: u64,
    pub(crate) parent_span_id: u64,
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) function: &'static FunctionDesc,
    pub(crate) parent_remote: bool,
    pub(crate) sampled: bool,
    pub(crate) extra: Option<Box<CallExtra>>,
}

/// Where one test capture (`obs::testing`, see `capture.rs`) collects its spans.
pub(crate) type CaptureBuffer = std::sync::Arc<std::sync::Mutex<Vec<SpanRecord>>>;

/// The rarer parts of a traced call's span.
#[derive(Default, Clone)]
pub(crate) struct CallExtra {
    /// The test capture the call started under (taken out before the call is handed to the ring).
    pub(crate) capture: Option<CaptureBuffer>,
    pub(crate) status: SpanStatus,
    pub(crate) attributes: Vec<(Cow<'static, str>, AttrValue)>,
    pub(crate) events: Vec<SpanEvent>,
    pub(crate) trace_state: Option<Box<str>>,
}

impl Pending {
    /// The full record, built off the hot path.
    pub(crate) fn into_record(self) -> SpanRecord {
        self.into_record_of(0)
    }

    /// The full record, finished on obs' thread number `thread`.
    pub(crate) fn into_record_of(self, thread: u32) -> SpanRecord {
        match self {
            Pending::Full(mut r) => {
                r.thread = thread;
                *r
            }
            Pending::Call(c) => {
                let (status, attributes, events, trace_state) = match c.extra {
                    Some(e) => (e.status, e.attributes, e.events, e.trace_state),
                    None => (SpanStatus::Unset, Vec::new(), Vec::new(), None),
                };
                SpanRecord {
                    trace_id: c.trace_id,
                    span_id: c.span_id,
                    parent_span_id: c.parent_span_id,
                    parent_remote: c.parent_remote,
                    name: c.function.span_name,
                    kind: c.function.kind,
                    start: c.start,
                    end: c.end,
                    status,
                    attributes,
                    events,
                    function: Some(c.function),
                    trace_state,
                    sampled: c.sampled,
                    thread,
                }
            }
        }
    }
}
