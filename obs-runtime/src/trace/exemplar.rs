//! Exemplars: the trace of one observation per histogram bucket, shown in OpenMetrics as
//! `… 3 # {trace_id="…",span_id="…"} 0.042 1700000000.123`.
//!
//! Only observations made inside a sampled span leave one, so the cost is paid on the sampled path only; the
//! store is taken with `try_lock`, so an observation never waits (a contended exemplar is simply not replaced).

use super::context;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// One exemplar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exemplar {
    /// The trace of the observation.
    pub trace_id: u128,
    /// The span of the observation.
    pub span_id: u64,
    /// The observed value.
    pub value: f64,
    /// When, in Unix seconds.
    pub timestamp: f64,
}

/// (series key, series offset, bucket) → latest exemplar.
static STORE: Mutex<BTreeMap<(usize, u32, u32), Exemplar>> = Mutex::new(BTreeMap::new());

/// The current sampled span, if an observation made now should leave an exemplar.
#[inline(always)]
pub(crate) fn sampled_context() -> Option<context::SpanContext> {
    if !super::sampler::is_active() {
        return None;
    }
    let c = context::current();
    (c.sampled && c.is_valid()).then_some(c)
}

/// Records the exemplar of bucket `bucket` of the series at (`key`, `offset`).
#[cold]
pub(crate) fn record(key: usize, offset: u32, bucket: u32, ctx: context::SpanContext, value: f64) {
    let ex = Exemplar {
        trace_id: ctx.trace_id,
        span_id: ctx.span_id,
        value,
        timestamp: super::clock::unix_nanos(super::clock::now()) as f64 * 1e-9,
    };
    if let Ok(mut m) = STORE.try_lock() {
        m.insert((key, offset, bucket), ex);
    }
}

/// The exemplars of one series, by bucket.
pub(crate) fn of_series(key: usize, offset: u32) -> Vec<(u32, Exemplar)> {
    let m = STORE.lock().unwrap_or_else(|e| e.into_inner());
    m.range((key, offset, 0)..=(key, offset, u32::MAX)).map(|(k, v)| (k.2, *v)).collect()
}

/// Records an exemplar for an observation of `value` into bucket `bucket`, if made inside a sampled span.
#[inline(always)]
pub(crate) fn observe(key: usize, offset: u32, bucket: usize, value: f64) {
    if let Some(ctx) = sampled_context() {
        record(key, offset, bucket as u32, ctx, value);
    }
}
