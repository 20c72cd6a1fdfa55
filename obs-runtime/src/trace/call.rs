//! One call of a traced function: what `#[traced]` expands to around the body.
//!
//! [`Call::enter`] (sync) or [`Call::start`] (async, entered around each poll by [`Instrumented`]) reads the clock,
//! decides sampling, and makes the call's span current; [`Call::finish`] records the RED metrics and, when
//! sampled, pushes the finished span into the thread's ring. A call dropped while its thread panics is recorded
//! with `result="panic"` and an error status, and the panic goes on.

use super::attr::AttrValue;
use super::context::{self, SpanContext};
use super::record::{CallExtra, Pending, RawCall, SpanEvent, SpanStatus};
use super::red::{Outcome, TracedFn};
use super::{capture, clock, exemplar, id, ring, sampler};
use crate::block::OwnRow;
use crate::switch::is_enabled;
use std::borrow::Cow;
use std::future::Future;
use std::hint::black_box;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

/// One running call; see the module documentation.
///
/// ```
/// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
/// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
/// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
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
    /// The clock reading at the start; meaningless unless `ON`.
    start: u64,
    // The span, kept small (the call lives on the caller's stack and is moved around): zero without a pipeline.
    // The parent shares the trace id; its flags live in `flags`.
    trace_id: u128,
    span_id: u64,
    parent_span_id: u64,
    flags: u16,
    /// Attributes, boxed only when a recorded span has some. Freed by whatever ends the span (`emit`) or by
    /// `drop_slow`, so a call without extras (every metrics-only call) has no drop glue to run.
    extra: ManuallyDrop<Option<Box<CallExtra>>>,
    /// The thread's row of the function's storage, found when a metrics-only call of a sync `#[traced]` function
    /// starts ([`enter_here`](Self::enter_here)), whose end runs on the same thread: the end then needs no lookup.
    row: Option<OwnRow>,
}

/// Metrics are on: the call is timed and counted.
const ON: u16 = 1;
/// The call has a span (a pipeline is installed); sampled or not, its context is propagated.
const SPAN: u16 = 2;
/// The span was made current on this thread and must be un-made when the call ends.
const ENTERED: u16 = 4;
/// Finished: dropping does nothing more.
const FINISHED: u16 = 8;
/// The span is sampled: it is recorded and exported.
const SAMPLED: u16 = 16;
/// The parent span (if `parent_span_id` is not zero) was sampled.
const PARENT_SAMPLED: u16 = 32;
/// The parent span came from another process (`traceparent`).
const PARENT_REMOTE: u16 = 64;
/// A test capture (`obs::testing`) was open on the starting thread: the span is recorded into it, sampled or not.
const CAPTURED: u16 = 128;
/// The sampler dropped the span but the flight recorder keeps it: recorded, handed to the ring, not exported.
const FLIGHT: u16 = 256;
/// `dump_on_error` saw an error: ask the flight recorder for a dump once the span is handed over.
const DUMP: u16 = 512;
/// Any of the reasons to record the span.
const RECORDED: u16 = SAMPLED | CAPTURED | FLIGHT;

impl Call {
    /// Starts a call without making its span current (async functions: [`Instrumented`] does, at each poll).
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
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
        let mut call = Call::unstarted(f);
        call.start_here();
        call
    }

    /// Starts a call and makes its span current until it finishes (sync functions).
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
    /// use obs_runtime::trace::{current, Call, Outcome};
    /// let mut call = Call::enter(&WORK);
    /// assert_eq!(current(), call.context());
    /// call.finish(Outcome::Ok, None);
    /// assert!(!current().is_valid());
    /// ```
    #[inline(always)]
    pub fn enter(f: &'static TracedFn) -> Call {
        let mut call = Call::unstarted(f);
        // Not `enter_here`: this call may be moved to another thread before it ends.
        if is_enabled() {
            call.begin_any(true);
        }
        call
    }

    /// A call not started yet, for `#[traced]`: it starts it in the variable that holds it
    /// ([`enter_here`](Self::enter_here), [`start_here`](Self::start_here)), so the span half, written out of line
    /// through `&mut`, is never copied into another slot afterwards (a copy that read back wider than the span
    /// half wrote stalled on store forwarding).
    #[doc(hidden)]
    #[inline(always)]
    pub const fn unstarted(f: &'static TracedFn) -> Call {
        Call {
            f,
            start: 0,
            trace_id: 0,
            span_id: 0,
            parent_span_id: 0,
            flags: 0,
            extra: ManuallyDrop::new(None),
            row: None,
        }
    }

    /// [`enter`](Self::enter), in place (see [`unstarted`](Self::unstarted)), for a call that ends on the thread
    /// that entered it, as a sync `#[traced]` function's does.
    #[doc(hidden)]
    #[inline(always)]
    pub fn enter_here(&mut self) {
        if is_enabled() {
            self.enter_on();
        }
    }

    /// [`start`](Self::start), in place: see [`unstarted`](Self::unstarted).
    #[doc(hidden)]
    #[inline(always)]
    pub fn start_here(&mut self) {
        if is_enabled() {
            self.begin_any(false);
        }
    }

    // The lean start, inlined into each sync `#[traced]` function: a call without a span, on a thread that owns
    // its row, after the function's first call, with the clock read by `rdtsc`. It keeps the row for the call's
    // end. Inlined because on Intel a call and its return beside the clock reads cost about a nanosecond, a fifth
    // of the call's bookkeeping; everything else is `begin_any`, one function for every traced function, so an
    // expansion stays small (compile time).
    #[inline(always)]
    fn enter_on(&mut self) {
        if sampler::state() != 0 || !clock::fast() {
            return self.begin_any(true);
        }
        let Some(target) = self.f.own_target() else {
            return self.begin_any(true);
        };
        target.add_in_flight(1);
        self.row = target.keep();
        self.flags = ON;
        self.start = clock::now_fast();
    }

    #[inline(never)]
    fn begin_any(&mut self, enter: bool) {
        self.flags = ON;
        let state = sampler::state();
        if state != 0 {
            self.open_span(enter, state);
        }
        let f = self.f;
        if f.desc.in_flight && f.desc.red_metrics {
            f.in_flight_add(1);
        }
        // Last, so the span bookkeeping above is not part of the measured duration.
        self.start = clock::now();
    }

    /// The context that was current when the call started (the parent's, if it had one).
    fn parent(&self) -> SpanContext {
        if self.parent_span_id == 0 {
            return SpanContext::NONE;
        }
        SpanContext {
            trace_id: self.trace_id,
            span_id: self.parent_span_id,
            sampled: self.flags & PARENT_SAMPLED != 0,
            remote: self.flags & PARENT_REMOTE != 0,
        }
    }

    /// Whether the span is recorded (sampled, captured by a test, or kept by the flight recorder), so attributes
    /// and the error text are worth formatting.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// use obs_runtime::trace::Call;
    /// // No pipeline is installed: RED metrics only, nothing to record.
    /// assert!(!Call::start(&WORK).is_recording());
    /// ```
    #[inline(always)]
    pub fn is_recording(&self) -> bool {
        self.flags & RECORDED != 0
    }

    /// The call's span context.
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
    /// let call = obs_runtime::trace::Call::start(&WORK);
    /// assert!(call.context().is_valid() && call.context().sampled);
    /// ```
    #[inline(always)]
    pub fn context(&self) -> SpanContext {
        SpanContext {
            trace_id: self.trace_id,
            span_id: self.span_id,
            sampled: self.flags & SAMPLED != 0,
            remote: false,
        }
    }

    /// Adds a span attribute.
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
    /// use obs_runtime::trace::{AttrValue, Call, Outcome};
    /// let mut call = Call::enter(&WORK);
    /// call.attr("order.id", AttrValue::I64(42));
    /// call.finish(Outcome::Ok, None);
    /// guard.flush();
    /// assert_eq!(sink.spans()[0].attribute("order.id"), Some(&AttrValue::I64(42)));
    /// ```
    pub fn attr(&mut self, key: &'static str, value: AttrValue) {
        self.extra.get_or_insert_with(Default::default).attributes.push((Cow::Borrowed(key), value));
    }

    /// `#[traced(err, dump_on_error)]`: when the call failed, asks the flight recorder for an automatic dump
    /// (rate-limited; nothing without a recorder writing to a directory).
    #[doc(hidden)]
    #[inline]
    pub fn dump_on_error(&mut self, outcome: Outcome) {
        if outcome == Outcome::Error {
            // Asked for once the span is in the ring (see `emit`), so the dump can hold it.
            self.flags |= DUMP;
        }
    }

    /// Ends the call: RED metrics, then the span. `error` is the rendered `Err` when `err` is set.
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
    /// use obs_runtime::trace::{Call, Outcome, SpanStatus};
    /// Call::enter(&WORK).finish(Outcome::Error, Some("timeout".into()));
    /// guard.flush();
    /// assert_eq!(sink.spans()[0].status, SpanStatus::Error("timeout".into()));
    /// assert_eq!(WORK.calls(Outcome::Error), 1);
    /// ```
    #[inline(always)]
    pub fn finish(&mut self, outcome: Outcome, error: Option<String>) {
        let flags = self.flags;
        self.flags |= FINISHED;
        if flags & (ON | FINISHED) == ON {
            // An error is rendered only for a recorded span, so a call without one (every metrics-only call)
            // takes the lean path and passes nothing to drop.
            match error {
                None => self.finish_on(flags, outcome),
                error => self.finish_any(flags, outcome, error),
            }
        }
    }

    // The lean end, inlined as `enter_on` is: a call that kept its row (so it has no span, and its clock is
    // `rdtsc`) ends here; everything else in `finish_any`.
    #[inline(always)]
    fn finish_on(&mut self, flags: u16, outcome: Outcome) {
        let Some(target) = self.row.and_then(|row| self.f.kept_target(row)) else {
            return self.finish_other(flags, outcome);
        };
        let end = clock::now_fast();
        target.record(outcome, end.wrapping_sub(self.start));
    }

    // So that each traced function calls `finish_any` without an error to build and pass by pointer.
    #[inline(never)]
    fn finish_other(&mut self, flags: u16, outcome: Outcome) {
        self.finish_any(flags, outcome, None);
    }

    #[inline(never)]
    fn finish_any(&mut self, flags: u16, outcome: Outcome, error: Option<String>) {
        let f = self.f;
        let target = if f.desc.red_metrics { Some(f.target()) } else { None };
        let end = clock::now();
        let bucket = target.map(|t| t.record(outcome, end.wrapping_sub(self.start)));
        if flags & SPAN != 0 {
            self.close_span(end, outcome, error.map(Cow::Owned), bucket, false);
        }
    }

    /// The span half of ending a call, inlined into `finish_any` as `open_span` is into `begin_any` (as calls, they cost
    /// a recorded span far more than they saved a metrics-only one): restores the parent context and, when sampled,
    /// leaves an exemplar on the duration bucket and hands the span to the thread's ring.
    #[inline(always)]
    fn close_span(
        &mut self,
        end: u64,
        outcome: Outcome,
        error: Option<Cow<'static, str>>,
        bucket: Option<usize>,
        cancelled: bool,
    ) {
        if self.flags & ENTERED != 0 {
            context::replace(self.parent());
        }
        if self.flags & RECORDED == 0 {
            return;
        }
        if let Some(b) = bucket.filter(|_| self.flags & SAMPLED != 0) {
            let seconds = clock::seconds(self.start, end);
            exemplar::observe_sampled(self.f as *const TracedFn as usize, 0, b as u32, self.context(), seconds, end);
        }
        // The common span: no attributes or capture, no error, no remote parent, no events, no dump to ask for.
        let plain = self.extra.is_none()
            && error.is_none()
            && !cancelled
            && outcome != Outcome::Panic
            && self.flags & (PARENT_REMOTE | DUMP) == 0
            && !super::events::any();
        if plain {
            ring::push_call(self.raw(end, false, None));
            return;
        }
        self.emit(end, outcome, error, cancelled);
    }

    /// The compact record of this call, ended at `end`.
    #[inline(always)]
    fn raw(&self, end: u64, parent_remote: bool, extra: Option<Box<CallExtra>>) -> RawCall {
        // Field by field: the call's ids were just stored one at a time, and a load merged across two of them
        // cannot be forwarded from those stores (a stall that cost more than the rest of the span's end).
        let (span_id, parent_span_id) = (black_box(self.span_id), black_box(self.parent_span_id));
        RawCall {
            trace_id: self.trace_id,
            span_id,
            parent_span_id,
            start: self.start,
            end,
            function: self.f.desc,
            parent_remote,
            sampled: self.flags & SAMPLED != 0,
            extra,
        }
    }

    /// Every other span: its status, events and extras gathered, a capture fed, a dump asked for.
    #[inline(never)]
    fn emit(&mut self, end: u64, outcome: Outcome, error: Option<Cow<'static, str>>, cancelled: bool) {
        let capture = self.extra.as_mut().and_then(|e| e.capture.take());
        let status = match (outcome, error) {
            (Outcome::Panic, _) => {
                SpanStatus::Error(super::panics::take_message().unwrap_or(Cow::Borrowed("panicked")))
            }
            (_, Some(msg)) => SpanStatus::Error(msg),
            _ => SpanStatus::Unset,
        };
        let remote = self.flags & PARENT_REMOTE != 0;
        if super::events::any() {
            let held = super::events::take(self.span_id);
            if !held.is_empty() {
                self.extra.get_or_insert_with(Default::default).events.extend(held);
            }
        }
        // The common span (no attributes, no error, no remote parent) travels without any allocation.
        let extra = if self.extra.is_none() && matches!(status, SpanStatus::Unset) && !cancelled && !remote {
            None
        } else {
            let mut extra = self.extra.take().unwrap_or_default();
            if let SpanStatus::Error(msg) = &status {
                if outcome != Outcome::Panic {
                    extra.events.push(SpanEvent {
                        name: Cow::Borrowed("exception"),
                        at: end,
                        attributes: vec![(Cow::Borrowed("exception.message"), AttrValue::Str(msg.clone()))],
                    });
                }
            }
            extra.status = status;
            if cancelled {
                extra.attributes.push((Cow::Borrowed("obs.cancelled"), AttrValue::Bool(true)));
            }
            if remote {
                let trace_id = self.trace_id;
                extra.trace_state = context::TRACE_STATE
                    .with(|t| t.borrow().as_ref().filter(|(tid, _)| *tid == trace_id).map(|(_, s)| s.clone()));
            }
            Some(extra)
        };
        let call = self.raw(end, remote, extra);
        let dump = match (outcome, self.flags & DUMP != 0) {
            (Outcome::Panic, _) => super::panics::PANIC,
            (_, true) => super::panics::ERROR,
            _ => 0,
        };
        match capture {
            None => {
                ring::push_call(call);
            }
            Some(buf) => {
                // The ring takes what is exported or kept by the flight recorder; a test capture takes it either way.
                if self.flags & (SAMPLED | FLIGHT) != 0 {
                    capture::record(&buf, Pending::Call(call.clone()).into_record());
                    ring::push_call(call);
                } else {
                    capture::record(&buf, Pending::Call(call).into_record());
                }
            }
        }
        if dump != 0 {
            super::panics::request_dump(dump);
        }
    }
}

impl Call {
    /// The span half of starting a call; `state` is the sampler's state word, not zero.
    #[inline(always)]
    fn open_span(&mut self, enter: bool, state: u32) {
        let parent = context::current();
        let mut flags = SPAN;
        if parent.is_valid() {
            self.trace_id = parent.trace_id;
            self.parent_span_id = parent.span_id;
            flags |= if parent.sampled { PARENT_SAMPLED } else { 0 } | if parent.remote { PARENT_REMOTE } else { 0 };
        } else {
            self.trace_id = id::trace_id();
        }
        self.span_id = id::span_id();
        // Only an installed pipeline samples (with captures alone, spans are made for the capture and go nowhere else).
        let sampled = state & sampler::PIPELINE != 0 && sampler::decide(&parent, self.trace_id);
        if sampled {
            flags |= SAMPLED;
        } else if state & sampler::FLIGHT != 0 {
            flags |= FLIGHT;
        }
        if state & sampler::CAPTURES != 0 {
            if let Some(buf) = capture::current() {
                flags |= CAPTURED;
                *self.extra = Some(Box::new(CallExtra { capture: Some(buf), ..CallExtra::default() }));
            }
        }
        if enter {
            context::replace(SpanContext { trace_id: self.trace_id, span_id: self.span_id, sampled, remote: false });
            flags |= ENTERED;
        }
        self.flags |= flags;
    }
}

impl Drop for Call {
    #[inline(always)]
    fn drop(&mut self) {
        // A call that returned and recorded no span extras does nothing here; a panic, a dropped future, or extras
        // left over (attributes added after `finish`) go on out of line.
        if self.flags & FINISHED == 0 || self.extra.is_some() {
            self.drop_slow();
        }
    }
}

impl Call {
    #[inline(never)]
    fn drop_slow(&mut self) {
        self.end_unfinished();
        // SAFETY: the call is being dropped; `extra` is not touched again.
        unsafe { ManuallyDrop::drop(&mut self.extra) };
    }

    fn end_unfinished(&mut self) {
        if self.flags & FINISHED != 0 {
            return;
        }
        if std::thread::panicking() {
            self.finish(Outcome::Panic, None);
            return;
        }
        // A future dropped before completion: no result to count, but the gauge and the context are restored
        // and a sampled span is still exported, marked cancelled.
        let flags = self.flags;
        self.flags |= FINISHED;
        if flags & ON == 0 {
            return;
        }
        if self.f.desc.red_metrics && self.f.desc.in_flight {
            self.f.in_flight_add(-1);
        }
        if flags & SPAN != 0 {
            self.close_span(clock::now(), Outcome::Ok, None, None, true);
        }
    }
}

/// A traced async body: polled with the call's span current.
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
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
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
        let ctx = this.call.context();
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
// Out of line: each traced function's body is then a function of its own, which LLVM optimizes apart from the
// call's bookkeeping and its unwinding paths, and in parallel with the others; inlined, one function of 200 traced
// ones took most of a release rebuild's time. The call it adds could not be told apart in the spans benchmark.
#[doc(hidden)]
#[inline(never)]
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
