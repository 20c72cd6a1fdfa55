//! Span capture for tests (`obs::testing`): the spans that calls started on a capturing thread record, whatever
//! the sampler and with no pipeline installed.
//!
//! A capture is pushed on its thread's stack; while any capture is open anywhere, [`super::sampler`]'s state word
//! says so, which is the only thing the hot path reads (the same load that checks for a pipeline). A call that
//! starts on a thread with an open capture takes the capture's buffer with it (in its boxed extras, so a call
//! without one stays as small as before), and records its span there when it finishes, on whichever thread that is.

pub(crate) use super::record::CaptureBuffer as Buffer;
use super::record::SpanRecord;
use super::sampler;
use std::cell::RefCell;
use std::sync::Arc;

thread_local! {
    static STACK: RefCell<Vec<Buffer>> = const { RefCell::new(Vec::new()) };
}

/// An open capture on this thread; [`Capture::finish`] closes it.
pub(crate) struct Capture {
    buf: Buffer,
    // Tied to the thread whose stack holds it.
    _thread: std::marker::PhantomData<*const ()>,
}

impl Capture {
    /// Opens a capture on the calling thread; captures nest (an outer one also sees an inner one's spans).
    pub(crate) fn begin() -> Capture {
        let buf = Buffer::default();
        STACK.with(|s| s.borrow_mut().push(buf.clone()));
        sampler::capture_opened();
        Capture { buf, _thread: std::marker::PhantomData }
    }

    /// Closes it and returns its spans, in the order they finished.
    pub(crate) fn finish(self) -> Vec<SpanRecord> {
        let spans = std::mem::take(&mut *self.buf.lock().unwrap_or_else(|e| e.into_inner()));
        // Dropping closes it; the outer capture, if any, gets a copy.
        drop(self);
        if let Some(outer) = current() {
            outer.lock().unwrap_or_else(|e| e.into_inner()).extend(spans.iter().cloned());
        }
        spans
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = STACK.try_with(|s| {
            let mut s = s.borrow_mut();
            if let Some(i) = s.iter().rposition(|b| Arc::ptr_eq(b, &self.buf)) {
                s.remove(i);
            }
        });
        sampler::capture_closed();
    }
}

/// The innermost open capture of the calling thread.
pub(crate) fn current() -> Option<Buffer> {
    STACK.try_with(|s| s.borrow().last().cloned()).ok().flatten()
}

/// Records a finished span into the capture its call started under.
pub(crate) fn record(buf: &Buffer, span: SpanRecord) {
    buf.lock().unwrap_or_else(|e| e.into_inner()).push(span);
}
