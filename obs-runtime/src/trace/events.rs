//! `tracing` events recorded directly inside a traced function (not inside a `tracing` span): the layer leaves
//! them here, on the thread, keyed by the current span id, and the call takes its own when it finishes. The hot
//! path reads one relaxed counter to learn there is nothing to take.

use super::record::SpanEvent;
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Events a thread holds for calls that have not finished; beyond it, the oldest go (an async call finishing on
/// another thread leaves its events behind, so this bounds what such calls can leave).
const MAX_PER_THREAD: usize = 256;

/// Events held on all threads.
static PENDING: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static HELD: RefCell<Vec<(u64, SpanEvent)>> = const { RefCell::new(Vec::new()) };
}

/// Keeps `event` for the call whose span is `span_id`.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) fn hold(span_id: u64, event: SpanEvent) {
    let _ = HELD.try_with(|h| {
        let mut h = h.borrow_mut();
        if h.len() >= MAX_PER_THREAD {
            h.remove(0);
        } else {
            PENDING.fetch_add(1, Relaxed);
        }
        h.push((span_id, event));
    });
}

/// Whether any thread holds events (cheap: one relaxed load).
#[inline(always)]
pub(crate) fn any() -> bool {
    PENDING.load(Relaxed) != 0
}

/// Takes this thread's events for `span_id`, in the order they happened.
pub(crate) fn take(span_id: u64) -> Vec<SpanEvent> {
    HELD.try_with(|h| {
        let mut h = h.borrow_mut();
        let mut out = Vec::new();
        h.retain_mut(|(id, e)| {
            if *id == span_id {
                out.push(std::mem::replace(e, SpanEvent { name: "".into(), at: 0, attributes: Vec::new() }));
                false
            } else {
                true
            }
        });
        PENDING.fetch_sub(out.len(), Relaxed);
        out
    })
    .unwrap_or_default()
}
