//! The current span context of a thread, and how it moves: entered by a traced call, set around each poll of a
//! traced future, and handed to another thread or task explicitly with [`SpanContext::attach`] or
//! [`SpanContext::wrap`].

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

/// The identity of a span as children and remote peers see it (W3C trace context).
///
/// ```
/// use obs_runtime::trace::SpanContext;
/// let ctx = SpanContext { trace_id: 1, span_id: 2, sampled: true, remote: false };
/// assert!(ctx.is_valid());
/// assert_eq!(SpanContext::default(), SpanContext::NONE);
/// ```
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
    ///
    /// ```
    /// use obs_runtime::trace::{current, SpanContext};
    /// assert!(!SpanContext::NONE.is_valid());
    /// assert_eq!(current(), SpanContext::NONE); // outside any span
    /// ```
    pub const NONE: SpanContext = SpanContext { trace_id: 0, span_id: 0, sampled: false, remote: false };

    /// Whether this is a real span (both ids non-zero).
    ///
    /// ```
    /// use obs_runtime::trace::SpanContext;
    /// let ctx = SpanContext { trace_id: 1, span_id: 2, sampled: false, remote: false };
    /// assert!(ctx.is_valid());
    /// assert!(!SpanContext { span_id: 0, ..ctx }.is_valid());
    /// ```
    pub fn is_valid(&self) -> bool {
        self.trace_id != 0 && self.span_id != 0
    }

    /// The trace id as 32 lowercase hex digits.
    ///
    /// ```
    /// use obs_runtime::trace::SpanContext;
    /// let ctx = SpanContext { trace_id: 0x4bf92f3577b34da6a3ce929d0e0e4736, ..SpanContext::NONE };
    /// assert_eq!(ctx.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
    /// assert_eq!(SpanContext::NONE.trace_id_hex(), "0".repeat(32));
    /// ```
    pub fn trace_id_hex(&self) -> String {
        format!("{:032x}", self.trace_id)
    }

    /// The span id as 16 lowercase hex digits.
    ///
    /// ```
    /// use obs_runtime::trace::SpanContext;
    /// let ctx = SpanContext { span_id: 0xff, ..SpanContext::NONE };
    /// assert_eq!(ctx.span_id_hex(), "00000000000000ff");
    /// ```
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
    ///
    /// ```
    /// # use std::future::Future;
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// use obs_runtime::trace::{current, SpanContext};
    /// let ctx = SpanContext { trace_id: 1, span_id: 2, sampled: true, remote: false };
    /// let fut = std::pin::pin!(ctx.wrap(async { current() }));
    /// assert_eq!(fut.poll(&mut cx), std::task::Poll::Ready(ctx));
    /// assert_eq!(current(), SpanContext::NONE); // only during the poll
    /// ```
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
///
/// ```
/// use obs_runtime::trace::{current, SpanContext};
/// assert_eq!(current(), SpanContext::NONE);
/// let ctx = SpanContext { trace_id: 1, span_id: 2, sampled: true, remote: false };
/// let _g = ctx.attach();
/// assert_eq!(current(), ctx);
/// ```
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
///
/// ```
/// use obs_runtime::trace::{current, ContextGuard, SpanContext};
/// let ctx = SpanContext { trace_id: 1, span_id: 2, sampled: true, remote: false };
/// {
///     let _g: ContextGuard = ctx.attach();
///     assert_eq!(current(), ctx);
/// }
/// assert_eq!(current(), SpanContext::NONE);
/// ```
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
///
/// ```
/// # use std::future::Future;
/// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// use obs_runtime::trace::{SpanContext, WithContext};
/// let fut: WithContext<_> = SpanContext::NONE.wrap(async { 42 });
/// assert_eq!(std::pin::pin!(fut).poll(&mut cx), std::task::Poll::Ready(42));
/// ```
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
