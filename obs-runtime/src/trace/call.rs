//! One call of a traced function: what `#[traced]` expands to around the body.
//!
//! [`Call::enter`] (sync) or [`Call::start`] (async, entered around each poll by [`Instrumented`]) reads the clock,
//! decides sampling, and makes the call's span current; [`Call::finish`] records the RED metrics and, when
//! sampled, pushes the finished span into the thread's ring. A call dropped while its thread panics is recorded
//! with `result="panic"` and an error status, and the panic goes on.

use super::attr::AttrValue;
use super::context::{self, SpanContext};
use super::record::{CallExtra, RawCall, SpanEvent, SpanStatus};
use super::red::{Outcome, TracedFn};
use super::{clock, id, ring, sampler};
use crate::switch::is_enabled;
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

/// One running call; see the module documentation.
///
/// ```
/// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
/// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
/// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], slo: None,
/// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
/// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
/// # static WORK: TracedFn = TracedFn::new(&DESC);
/// use obs_runtime::trace::{Call, Outcome};
/// let mut call = Call::enter(&WORK);
/// // ... the function's body ...
/// call.finish(Outcome::Ok, None);
/// assert_eq!(WORK.calls(Outcome::Ok), 1);
/// ```
pub struct Call {
    f: &'static TracedFn,
    start: u64,
    ctx: SpanContext,
    parent: SpanContext,
    on: bool,
    entered: bool,
    finished: bool,
    attrs: Vec<(Cow<'static, str>, AttrValue)>,
}

impl Call {
    /// Starts a call without making its span current (async functions: [`Instrumented`] does, at each poll).
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// use obs_runtime::trace::{Call, Outcome};
    /// let mut call = Call::start(&WORK);
    /// assert_eq!(WORK.in_flight(), 1);
    /// call.finish(Outcome::Error, Some("timeout".into()));
    /// assert_eq!((WORK.in_flight(), WORK.calls(Outcome::Error)), (0, 1));
    /// ```
    #[inline(always)]
    pub fn start(f: &'static TracedFn) -> Call {
        let on = is_enabled();
        // Without a pipeline there is no span to parent: skip the context read.
        let tracing = on && sampler::is_active();
        let parent = if tracing { context::current() } else { SpanContext::NONE };
        let ctx = if tracing {
            let trace_id = if parent.is_valid() { parent.trace_id } else { id::trace_id() };
            SpanContext { trace_id, span_id: id::span_id(), sampled: sampler::decide(&parent, trace_id), remote: false }
        } else {
            SpanContext::NONE
        };
        if on && f.desc.in_flight && f.desc.red_metrics {
            f.in_flight_add(1);
        }
        Call {
            f,
            start: if on { clock::now() } else { 0 },
            ctx,
            parent,
            on,
            entered: false,
            finished: false,
            attrs: Vec::new(),
        }
    }

    /// Starts a call and makes its span current until it finishes (sync functions).
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// # let sink = obs_runtime::trace::MemorySink::default();
    /// # let guard = obs_runtime::trace::TracePipeline::builder().service_name("demo").sink(sink.clone()).install().unwrap();
    /// use obs_runtime::trace::{current, Call, Outcome};
    /// let mut call = Call::enter(&WORK);
    /// assert_eq!(current(), call.context());
    /// call.finish(Outcome::Ok, None);
    /// assert!(!current().is_valid());
    /// ```
    #[inline(always)]
    pub fn enter(f: &'static TracedFn) -> Call {
        let mut c = Call::start(f);
        if c.ctx.is_valid() {
            context::replace(c.ctx);
            c.entered = true;
        }
        c
    }

    /// Whether the span is sampled, so attributes are worth formatting.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// use obs_runtime::trace::Call;
    /// // No pipeline is installed: RED metrics only, nothing to record.
    /// assert!(!Call::start(&WORK).is_recording());
    /// ```
    #[inline(always)]
    pub fn is_recording(&self) -> bool {
        self.ctx.sampled
    }

    /// The call's span context.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// # let sink = obs_runtime::trace::MemorySink::default();
    /// # let guard = obs_runtime::trace::TracePipeline::builder().service_name("demo").sink(sink.clone()).install().unwrap();
    /// let call = obs_runtime::trace::Call::start(&WORK);
    /// assert!(call.context().is_valid() && call.context().sampled);
    /// ```
    pub fn context(&self) -> SpanContext {
        self.ctx
    }

    /// Adds a span attribute.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// # let sink = obs_runtime::trace::MemorySink::default();
    /// # let guard = obs_runtime::trace::TracePipeline::builder().service_name("demo").sink(sink.clone()).install().unwrap();
    /// use obs_runtime::trace::{AttrValue, Call, Outcome};
    /// let mut call = Call::enter(&WORK);
    /// call.attr("order.id", AttrValue::I64(42));
    /// call.finish(Outcome::Ok, None);
    /// guard.flush();
    /// assert_eq!(sink.spans()[0].attribute("order.id"), Some(&AttrValue::I64(42)));
    /// ```
    pub fn attr(&mut self, key: &'static str, value: AttrValue) {
        self.attrs.push((Cow::Borrowed(key), value));
    }

    /// Ends the call: RED metrics, then the span. `error` is the rendered `Err` when `err` is set.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// # let sink = obs_runtime::trace::MemorySink::default();
    /// # let guard = obs_runtime::trace::TracePipeline::builder().service_name("demo").sink(sink.clone()).install().unwrap();
    /// use obs_runtime::trace::{Call, Outcome, SpanStatus};
    /// Call::enter(&WORK).finish(Outcome::Error, Some("timeout".into()));
    /// guard.flush();
    /// assert_eq!(sink.spans()[0].status, SpanStatus::Error("timeout".into()));
    /// assert_eq!(WORK.calls(Outcome::Error), 1);
    /// ```
    #[inline(always)]
    pub fn finish(&mut self, outcome: Outcome, error: Option<String>) {
        self.finished = true;
        if !self.on {
            return;
        }
        let end = clock::now();
        let f = self.f;
        if f.desc.red_metrics {
            f.record(outcome, clock::seconds(self.start, end), end);
            if f.desc.in_flight {
                f.in_flight_add(-1);
            }
        }
        if self.entered {
            context::replace(self.parent);
            self.entered = false;
        }
        if self.ctx.sampled {
            self.emit(end, outcome, error.map(Cow::Owned), false);
        }
    }

    #[cold]
    fn emit(&mut self, end: u64, outcome: Outcome, error: Option<Cow<'static, str>>, cancelled: bool) {
        let mut events = Vec::new();
        let status = match (outcome, error) {
            (Outcome::Panic, _) => SpanStatus::Error(Cow::Borrowed("panicked")),
            (_, Some(msg)) => {
                events.push(SpanEvent {
                    name: Cow::Borrowed("exception"),
                    at: end,
                    attributes: vec![(Cow::Borrowed("exception.message"), AttrValue::Str(msg.clone()))],
                });
                SpanStatus::Error(msg)
            }
            _ => SpanStatus::Unset,
        };
        let mut attributes = std::mem::take(&mut self.attrs);
        if cancelled {
            attributes.push((Cow::Borrowed("obs.cancelled"), AttrValue::Bool(true)));
        }
        let trace_state = if self.parent.remote {
            context::TRACE_STATE
                .with(|t| t.borrow().as_ref().filter(|(tid, _)| *tid == self.ctx.trace_id).map(|(_, s)| s.clone()))
        } else {
            None
        };
        // The common span (no attributes, no error) travels without any allocation.
        let plain = matches!(status, SpanStatus::Unset) && attributes.is_empty() && events.is_empty();
        let extra = if plain && trace_state.is_none() {
            None
        } else {
            Some(Box::new(CallExtra { status, attributes, events, trace_state }))
        };
        ring::push_call(RawCall {
            trace_id: self.ctx.trace_id,
            span_id: self.ctx.span_id,
            parent_span_id: if self.parent.is_valid() { self.parent.span_id } else { 0 },
            start: self.start,
            end,
            function: self.f.desc,
            parent_remote: self.parent.remote,
            extra,
        });
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if std::thread::panicking() {
            self.finish(Outcome::Panic, None);
            return;
        }
        // A future dropped before completion: no result to count, but the gauge and the context are restored
        // and a sampled span is still exported, marked cancelled.
        self.finished = true;
        if !self.on {
            return;
        }
        if self.f.desc.red_metrics && self.f.desc.in_flight {
            self.f.in_flight_add(-1);
        }
        if self.entered {
            context::replace(self.parent);
        }
        if self.ctx.sampled {
            self.emit(clock::now(), Outcome::Ok, None, true);
        }
    }
}

/// A traced async body: polled with the call's span current.
///
/// ```
/// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
/// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
/// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], slo: None,
/// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
/// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
/// # static WORK: TracedFn = TracedFn::new(&DESC);
/// # let sink = obs_runtime::trace::MemorySink::default();
/// # let guard = obs_runtime::trace::TracePipeline::builder().service_name("demo").sink(sink.clone()).install().unwrap();
/// # use std::future::Future;
/// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// use obs_runtime::trace::{current, Call, Instrumented};
/// let call = Call::start(&WORK);
/// let fut = std::pin::pin!(Instrumented::new(&call, async { current() }));
/// assert_eq!(fut.poll(&mut cx), std::task::Poll::Ready(call.context()));
/// ```
pub struct Instrumented<'a, F> {
    call: &'a Call,
    inner: F,
}

impl<'a, F: Future> Instrumented<'a, F> {
    /// Wraps the body of a traced async function.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// # use std::future::Future;
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// use obs_runtime::trace::{Call, Instrumented};
    /// let call = Call::start(&WORK);
    /// let fut = std::pin::pin!(Instrumented::new(&call, async { 1 + 1 }));
    /// assert_eq!(fut.poll(&mut cx), std::task::Poll::Ready(2));
    /// ```
    #[inline(always)]
    pub fn new(call: &'a Call, inner: F) -> Self {
        Instrumented { call, inner }
    }
}

impl<F: Future> Future for Instrumented<'_, F> {
    type Output = F::Output;
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned and never moved; `call` is a shared reference.
        let this = unsafe { self.get_unchecked_mut() };
        let ctx = this.call.ctx;
        if !ctx.is_valid() {
            return unsafe { Pin::new_unchecked(&mut this.inner) }.poll(cx);
        }
        let prev = context::replace(ctx);
        // Restores the context even if the body panics.
        struct Restore(SpanContext);
        impl Drop for Restore {
            fn drop(&mut self) {
                context::replace(self.0);
            }
        }
        let _r = Restore(prev);
        unsafe { Pin::new_unchecked(&mut this.inner) }.poll(cx)
    }
}

/// Calls a sync body once; a `FnOnce` bound lets the body return borrows it captured by move.
#[doc(hidden)]
#[inline(always)]
pub fn call_once<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[doc(hidden)]
pub struct OutcomeProbe<'a, T>(pub &'a T);

#[doc(hidden)]
pub trait ResultOutcome {
    fn __obs_outcome(&self) -> Outcome;
}

impl<T, E> ResultOutcome for OutcomeProbe<'_, Result<T, E>> {
    #[inline(always)]
    fn __obs_outcome(&self) -> Outcome {
        if self.0.is_err() {
            Outcome::Error
        } else {
            Outcome::Ok
        }
    }
}

#[doc(hidden)]
pub trait PlainOutcome {
    fn __obs_outcome(&self) -> Outcome;
}

impl<T> PlainOutcome for &OutcomeProbe<'_, T> {
    #[inline(always)]
    fn __obs_outcome(&self) -> Outcome {
        Outcome::Ok
    }
}

/// The `Err` of a result, rendered with `Display` (`err`).
#[doc(hidden)]
#[inline]
pub fn err_display<T, E: std::fmt::Display>(r: &Result<T, E>) -> Option<String> {
    r.as_ref().err().map(|e| e.to_string())
}

/// The `Err` of a result, rendered with `Debug` (`err(Debug)`).
#[doc(hidden)]
#[inline]
pub fn err_debug<T, E: std::fmt::Debug>(r: &Result<T, E>) -> Option<String> {
    r.as_ref().err().map(|e| format!("{e:?}"))
}
