//! Exemplars: the trace of one observation per histogram bucket, shown in OpenMetrics as
//! `… 3 # {trace_id="…",span_id="…"} 0.042 1700000000.123`.
//!
//! Only observations made inside a sampled span leave one, so the cost is paid on the sampled path only; the
//! store is taken with `try_lock`, so an observation never waits (a contended exemplar is simply not replaced).

use super::context;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// One exemplar.
///
/// ```
/// use obs_runtime::trace::Exemplar;
/// let e = Exemplar { trace_id: 1, span_id: 2, value: 0.042, timestamp: 1_700_000_000.123 };
/// assert_eq!(e, Exemplar { value: 0.042, ..e });
/// ```
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

/// An exemplar is replaced at most this often per bucket: a scrape shows one per bucket anyway, so fresher ones
/// would only cost the sampled path a lock and a map insert on every call.
const MIN_AGE_SECONDS: f64 = 0.01;
const RECENT_SLOTS: usize = 1024;
/// When each (series, bucket) hash slot last took an exemplar, in clock ticks. Written at most every
/// `MIN_AGE_SECONDS` per slot, so these lines are read far more than written and stay shared in every cache.
static RECENT: [std::sync::atomic::AtomicU64; RECENT_SLOTS] =
    [const { std::sync::atomic::AtomicU64::new(0) }; RECENT_SLOTS];

/// `MIN_AGE_SECONDS` in clock ticks, computed once: the check is then one integer compare.
#[inline(always)]
fn min_age_ticks() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    static TICKS: AtomicU64 = AtomicU64::new(0);
    match TICKS.load(Relaxed) {
        0 => {
            let t = super::clock::ticks_for_seconds(MIN_AGE_SECONDS).max(1);
            TICKS.store(t, Relaxed);
            t
        }
        t => t,
    }
}

/// Whether the exemplar of this bucket was replaced too recently to replace it again at tick `now`.
#[inline(always)]
fn too_recent(key: usize, offset: u32, bucket: u32, now: u64) -> bool {
    use std::sync::atomic::Ordering::Relaxed;
    let h = (key as u64 ^ (u64::from(offset) << 32) ^ u64::from(bucket)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let slot = &RECENT[(h >> 54) as usize % RECENT_SLOTS];
    let last = slot.load(Relaxed);
    if last != 0 && now >= last && now - last < min_age_ticks() {
        return true;
    }
    slot.store(now.max(1), Relaxed);
    false
}

/// The current sampled span, if an observation made now should leave an exemplar.
#[inline(always)]
pub(crate) fn sampled_context() -> Option<context::SpanContext> {
    if !super::sampler::is_active() {
        return None;
    }
    let c = context::current();
    (c.sampled && c.is_valid()).then_some(c)
}

/// Records the exemplar of bucket `bucket` of the series at (`key`, `offset`), observed at tick `now`.
#[cold]
fn record(key: usize, offset: u32, bucket: u32, ctx: context::SpanContext, value: f64, now: u64) {
    let ex = Exemplar {
        trace_id: ctx.trace_id,
        span_id: ctx.span_id,
        value,
        timestamp: super::clock::unix_nanos(now) as f64 * 1e-9,
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
        observe_sampled(key, offset, bucket as u32, ctx, value, super::clock::now());
    }
}

/// As [`observe`], for a caller that knows its sampled span and already read the clock (a traced call's end).
#[inline(always)]
pub(crate) fn observe_sampled(key: usize, offset: u32, bucket: u32, ctx: context::SpanContext, value: f64, now: u64) {
    if !too_recent(key, offset, bucket, now) {
        record(key, offset, bucket, ctx, value, now);
    }
}
