//! The current span context of a thread, and how it moves: entered by a traced call, set around each poll of a
//! traced future, and handed to another thread or task explicitly with [`SpanContext::attach`] or
//! [`SpanContext::wrap`].

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

/// The identity of a span as children and remote peers see it (W3C trace context).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SpanContext {
    /// The trace id (non-zero when valid).
    pub trace_id: u128,
    /// The span id (non-zero when valid).
    pub span_id: u64,
    /// Whether the trace is sampled (recorded and exported).
    pub sampled: bool,
    /// Whether this context came from another process (through propagation).
    pub remote: bool,
}

impl SpanContext {
    /// No span: children of it start a new trace.
    pub const NONE: SpanContext = SpanContext { trace_id: 0, span_id: 0, sampled: false, remote: false };

    /// Whether this is a real span (both ids non-zero).
    pub fn is_valid(&self) -> bool {
        self.trace_id != 0 && self.span_id != 0
    }

    /// The trace id as 32 lowercase hex digits.
    pub fn trace_id_hex(&self) -> String {
        format!("{:032x}", self.trace_id)
    }

    /// The span id as 16 lowercase hex digits.
    pub fn span_id_hex(&self) -> String {
        format!("{:016x}", self.span_id)
    }

    /// Makes this the current context of this thread until the guard drops: spans started meanwhile are its
    /// children. Use it to hand a context to another thread.
    ///
    /// ```
    /// let ctx = obs_runtime::trace::current();
    /// std::thread::spawn(move || {
    ///     let _g = ctx.attach();
    ///     // #[traced] calls here are children of the spawning thread's span
    /// }).join().unwrap();
    /// ```
    pub fn attach(self) -> ContextGuard {
        ContextGuard { prev: replace(self), _not_send: std::marker::PhantomData }
    }

    /// Runs `fut` with this context current during each poll: the hand-off for spawned tasks.
    pub fn wrap<F: Future>(self, fut: F) -> WithContext<F> {
        WithContext { ctx: self, inner: fut }
    }
}

thread_local! {
    static CURRENT: Cell<SpanContext> = const { Cell::new(SpanContext::NONE) };
    /// `tracestate` of a remote parent, carried to the spans of its trace on this thread.
    pub(crate) static TRACE_STATE: RefCell<Option<(u128, Box<str>)>> = const { RefCell::new(None) };
}

/// The current span context of this thread ([`SpanContext::NONE`] outside any span).
#[inline(always)]
pub fn current() -> SpanContext {
    CURRENT.get()
}

/// Sets the current context and returns the previous one.
#[inline(always)]
pub(crate) fn replace(ctx: SpanContext) -> SpanContext {
    CURRENT.replace(ctx)
}

/// Restores the previous context when dropped; see [`SpanContext::attach`].
#[must_use = "the context is current only until this guard drops"]
pub struct ContextGuard {
    prev: SpanContext,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for ContextGuard {
    fn drop(&mut self) {
        replace(self.prev);
    }
}

/// A future polled with a given span context current; see [`SpanContext::wrap`].
pub struct WithContext<F> {
    ctx: SpanContext,
    inner: F,
}

impl<F: Future> Future for WithContext<F> {
    type Output = F::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is never moved out of the pinned struct; `ctx` is `Copy` and not structurally pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let _g = this.ctx.attach();
        unsafe { Pin::new_unchecked(&mut this.inner) }.poll(cx)
    }
}
