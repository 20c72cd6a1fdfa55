//! A finished span, as the hot path leaves it in the thread's ring: ids, static name, raw clock readings and
//! attributes. Conversion to wall-clock time and to OTLP happens on the collector thread.

use super::attr::AttrValue;
use crate::desc::{FunctionDesc, SpanKind};
use std::borrow::Cow;

/// The status of a finished span.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SpanStatus {
    /// Nothing said (the default).
    #[default]
    Unset,
    /// Failed, with a description.
    Error(Cow<'static, str>),
}

/// An event inside a span (an error recorded by `err`, a `tracing` event).
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
}

impl SpanRecord {
    /// Start as Unix nanoseconds.
    pub fn start_unix_nanos(&self) -> u64 {
        super::clock::unix_nanos(self.start)
    }
    /// End as Unix nanoseconds.
    pub fn end_unix_nanos(&self) -> u64 {
        super::clock::unix_nanos(self.end)
    }
    /// Attribute value by key (run-time attributes only).
    pub fn attribute(&self, key: &str) -> Option<&AttrValue> {
        self.attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}
