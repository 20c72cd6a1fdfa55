//! `tracing` interop: a `tracing-subscriber` layer that makes `tracing` spans obs spans.
//!
//! - A `tracing` span opened inside a traced function (or inside another `tracing` span) becomes its child in
//!   the same trace, and is exported with the function's spans.
//! - While a `tracing` span is entered, it is the current context, so `#[traced]` calls inside it are its
//!   children and [`json_logs`](super::json_logs) events carry its ids.
//! - Events inside a sampled `tracing` span are recorded as span events.
//!
//! ```
//! use tracing_subscriber::layer::SubscriberExt;
//! let subscriber = tracing_subscriber::registry().with(obs_runtime::trace::layer());
//! tracing_core::dispatcher::with_default(&tracing_core::Dispatch::new(subscriber), || {
//!     // tracing spans and events here are part of obs' traces
//! });
//! ```

use super::attr::AttrValue;
use super::context::{self, SpanContext};
use super::record::{SpanEvent, SpanRecord, SpanStatus};
use super::{clock, id, ring, sampler};
use crate::desc::SpanKind;
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// The layer; see the module documentation.
///
/// ```
/// use obs_runtime::trace::ObsLayer;
/// use tracing_subscriber::layer::SubscriberExt;
/// let subscriber = tracing_subscriber::registry().with(ObsLayer::default());
/// let _dispatch = tracing_core::Dispatch::new(subscriber);
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct ObsLayer;

/// The `tracing` interop layer.
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
/// let subscriber = tracing_subscriber::registry().with(obs_runtime::trace::layer());
/// tracing_core::dispatcher::with_default(&tracing_core::Dispatch::new(subscriber), || {
///     // `tracing` spans here are obs spans
/// });
/// ```
pub fn layer() -> ObsLayer {
    ObsLayer
}

struct ObsSpan {
    ctx: SpanContext,
    parent: SpanContext,
    start: u64,
    attrs: Vec<(Cow<'static, str>, AttrValue)>,
    events: Vec<SpanEvent>,
    error: Option<String>,
    /// The test capture open on the thread that made the span (`obs::testing`).
    capture: Option<super::capture::Buffer>,
    /// Not sampled, but kept by the flight recorder.
    flight: bool,
}

impl ObsSpan {
    /// Whether the span is recorded: sampled for export, captured by a test, or kept by the flight recorder.
    fn recording(&self) -> bool {
        self.ctx.sampled || self.capture.is_some() || self.flight
    }
}

thread_local! {
    static ENTERED: RefCell<Vec<SpanContext>> = const { RefCell::new(Vec::new()) };
}

/// Collects `tracing` fields as attribute values.
pub(crate) struct Fields<'a>(pub(crate) &'a mut Vec<(Cow<'static, str>, AttrValue)>);

impl Visit for Fields<'_> {
    fn record_f64(&mut self, f: &Field, v: f64) {
        self.0.push((Cow::Borrowed(f.name()), AttrValue::F64(v)));
    }
    fn record_i64(&mut self, f: &Field, v: i64) {
        self.0.push((Cow::Borrowed(f.name()), AttrValue::I64(v)));
    }
    fn record_u64(&mut self, f: &Field, v: u64) {
        self.0.push((
            Cow::Borrowed(f.name()),
            i64::try_from(v).map_or(AttrValue::Str(v.to_string().into()), AttrValue::I64),
        ));
    }
    fn record_bool(&mut self, f: &Field, v: bool) {
        self.0.push((Cow::Borrowed(f.name()), AttrValue::Bool(v)));
    }
    fn record_str(&mut self, f: &Field, v: &str) {
        self.0.push((Cow::Borrowed(f.name()), AttrValue::Str(v.to_owned().into())));
    }
    fn record_debug(&mut self, f: &Field, v: &dyn fmt::Debug) {
        self.0.push((Cow::Borrowed(f.name()), AttrValue::Str(format!("{v:?}").into())));
    }
}

impl<S> Layer<S> for ObsLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, span_id: &Id, cx: Context<'_, S>) {
        let Some(span) = cx.span(span_id) else { return };
        let parent = if attrs.is_root() {
            SpanContext::NONE
        } else if let Some(p) = attrs.parent() {
            cx.span(p).and_then(|p| p.extensions().get::<ObsSpan>().map(|o| o.ctx)).unwrap_or(SpanContext::NONE)
        } else {
            context::current()
        };
        let state = sampler::state();
        let capture = if state & sampler::CAPTURES != 0 { super::capture::current() } else { None };
        let ctx = if (sampler::is_active() || capture.is_some()) && crate::switch::is_enabled() {
            let trace_id = if parent.is_valid() { parent.trace_id } else { id::trace_id() };
            let sampled = sampler::is_active() && sampler::decide(&parent, trace_id);
            SpanContext { trace_id, span_id: id::span_id(), sampled, remote: false }
        } else {
            SpanContext::NONE
        };
        let capture = capture.filter(|_| ctx.is_valid());
        let flight = ctx.is_valid() && !ctx.sampled && state & sampler::FLIGHT != 0;
        let mut o = ObsSpan {
            ctx,
            parent,
            start: clock::now(),
            attrs: Vec::new(),
            events: Vec::new(),
            error: None,
            capture,
            flight,
        };
        if o.recording() {
            attrs.record(&mut Fields(&mut o.attrs));
        }
        span.extensions_mut().insert(o);
    }

    fn on_record(&self, span_id: &Id, values: &Record<'_>, cx: Context<'_, S>) {
        if let Some(span) = cx.span(span_id) {
            if let Some(o) = span.extensions_mut().get_mut::<ObsSpan>() {
                if o.recording() {
                    values.record(&mut Fields(&mut o.attrs));
                }
            }
        }
    }

    fn on_enter(&self, span_id: &Id, cx: Context<'_, S>) {
        let Some(span) = cx.span(span_id) else { return };
        let ctx = span.extensions().get::<ObsSpan>().map(|o| o.ctx);
        if let Some(ctx) = ctx.filter(SpanContext::is_valid) {
            let prev = context::replace(ctx);
            ENTERED.with(|s| s.borrow_mut().push(prev));
        } else {
            ENTERED.with(|s| s.borrow_mut().push(context::current()));
        }
    }

    fn on_exit(&self, _span_id: &Id, _cx: Context<'_, S>) {
        if let Some(prev) = ENTERED.with(|s| s.borrow_mut().pop()) {
            context::replace(prev);
        }
    }

    fn on_event(&self, event: &Event<'_>, cx: Context<'_, S>) {
        let Some(span) = cx.event_span(event) else {
            // Directly inside a traced function: the call takes the event when it finishes.
            let current = context::current();
            if current.is_valid() && (current.sampled || sampler::state() & sampler::FLIGHT != 0) {
                let (e, _) = to_event(event);
                super::events::hold(current.span_id, e);
            }
            return;
        };
        let mut ext = span.extensions_mut();
        let Some(o) = ext.get_mut::<ObsSpan>() else {
            return;
        };
        if !o.recording() {
            return;
        }
        let (e, error) = to_event(event);
        if error {
            o.error = Some(e.name.to_string());
        }
        o.events.push(e);
    }

    fn on_close(&self, span_id: Id, cx: Context<'_, S>) {
        let Some(span) = cx.span(&span_id) else {
            return;
        };
        let Some(o) = span.extensions_mut().remove::<ObsSpan>() else {
            return;
        };
        if !o.recording() {
            return;
        }
        let record = SpanRecord {
            trace_id: o.ctx.trace_id,
            span_id: o.ctx.span_id,
            parent_span_id: if o.parent.is_valid() { o.parent.span_id } else { 0 },
            parent_remote: o.parent.remote,
            name: span.metadata().name(),
            kind: SpanKind::Internal,
            start: o.start,
            end: clock::now(),
            status: o.error.map_or(SpanStatus::Unset, |e| SpanStatus::Error(e.into())),
            attributes: o.attrs,
            events: o.events,
            function: None,
            trace_state: None,
            sampled: o.ctx.sampled,
            thread: 0,
        };
        match (o.capture, o.ctx.sampled || o.flight) {
            (Some(buf), true) => {
                super::capture::record(&buf, record.clone());
                ring::push(record);
            }
            (Some(buf), false) => super::capture::record(&buf, record),
            (None, _) => {
                ring::push(record);
            }
        }
    }
}

/// A `tracing` event as a span event (its message as the name, its level as an attribute), and whether it is
/// at level ERROR.
fn to_event(event: &Event<'_>) -> (SpanEvent, bool) {
    let mut attributes = Vec::new();
    event.record(&mut Fields(&mut attributes));
    let message = attributes
        .iter()
        .position(|(k, _)| k == "message")
        .map(|i| attributes.remove(i).1.to_string())
        .unwrap_or_else(|| event.metadata().name().to_owned());
    let level = *event.metadata().level();
    attributes.push((Cow::Borrowed("level"), AttrValue::Str(Cow::Borrowed(level.as_str()))));
    (SpanEvent { name: Cow::Owned(message), at: clock::now(), attributes }, level == tracing_core::Level::ERROR)
}
