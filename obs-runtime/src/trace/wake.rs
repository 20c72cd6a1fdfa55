//! The collector's wake-up, as the rings see it: whoever drains them registers a waker here, and a ring that
//! fills calls [`nudge`]. The ring depends on this module only, never on the collector above it.

use std::sync::{Arc, Mutex};

/// Something that ends the collector's wait early.
pub(crate) trait Wake: Send + Sync {
    /// Asks for a drain soon; must not block for long (it runs on the hot path's slow branch).
    fn wake(&self);
}

static WAKER: Mutex<Option<Arc<dyn Wake>>> = Mutex::new(None);

/// Installs the waker (the collector, when it starts).
pub(crate) fn register(w: Arc<dyn Wake>) {
    *WAKER.lock().unwrap_or_else(|e| e.into_inner()) = Some(w);
}

/// Removes it (the collector, when it shuts down).
pub(crate) fn clear() {
    *WAKER.lock().unwrap_or_else(|e| e.into_inner()) = None;
}

/// Wakes the collector before its interval: a thread's ring is filling. A burst of nudges costs one early drain.
pub(crate) fn nudge() {
    let w = WAKER.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if let Some(w) = w {
        w.wake();
    }
}
