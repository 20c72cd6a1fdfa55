//! The global kill switch.
//!
//! Every write checks one relaxed load of [`ENABLED`], so turning obs off costs that load and nothing else.

use std::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(true);

/// Turns every metric write into a no-op (`false`) or back on (`true`).
///
/// Reads (exposition, `get`) keep working, so a scrape shows the values frozen at the moment of the switch.
///
/// ```
/// obs_runtime::set_enabled(false);
/// assert!(!obs_runtime::is_enabled());
/// obs_runtime::set_enabled(true);
/// ```
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether metric writes are recorded; see [`set_enabled`].
///
/// ```
/// assert!(obs_runtime::is_enabled());
/// ```
#[inline(always)]
pub fn is_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}
