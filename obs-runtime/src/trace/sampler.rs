//! Sampling: parent-based with a trace-id ratio, as `OTEL_TRACES_SAMPLER` describes. The decision is a compare
//! of the trace id against a threshold held in one atomic, so [`set_sampling_ratio`] takes effect at once.

use super::context::SpanContext;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering::Relaxed, Ordering::SeqCst};

/// A sampler, as named by `OTEL_TRACES_SAMPLER`.
///
/// ```
/// use obs_runtime::trace::{MemorySink, Sampler, TracePipeline};
/// assert_eq!(Sampler::default(), Sampler::ParentBased(1.0));
/// let guard = TracePipeline::builder().sampler(Sampler::AlwaysOff).sink(MemorySink::default()).install().unwrap();
/// assert_eq!(obs_runtime::trace::sampling_ratio(), 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sampler {
    /// Record every trace.
    AlwaysOn,
    /// Record none.
    AlwaysOff,
    /// Record this share of traces, by trace id, ignoring the parent's decision.
    TraceIdRatio(f64),
    /// Follow the parent's decision; decide roots by trace-id ratio (1.0 is `parentbased_always_on`).
    ParentBased(f64),
}

impl Default for Sampler {
    fn default() -> Self {
        Sampler::ParentBased(1.0)
    }
}

/// Whether spans are wanted at all, the one word `#[traced]` reads before doing any span work: bit [`PIPELINE`]
/// while a pipeline is installed, plus [`CAPTURE`] for each open test capture (`obs::testing`) on any thread.
static STATE: AtomicU32 = AtomicU32::new(0);
/// [`STATE`]: a pipeline is installed.
pub(crate) const PIPELINE: u32 = 1;
/// [`STATE`]: one open capture (captures are counted in the bits below [`FLIGHT`]).
pub(crate) const CAPTURE: u32 = 2;
/// [`STATE`]: the flight recorder is on, so calls the sampler drops are recorded too.
pub(crate) const FLIGHT: u32 = 1 << 31;
/// [`STATE`]: the bits that count open captures.
pub(crate) const CAPTURES: u32 = !(PIPELINE | FLIGHT);

/// Marks the flight recorder on (it goes off with the pipeline).
#[cfg_attr(not(feature = "flight"), allow(dead_code))]
pub(crate) fn set_flight() {
    STATE.fetch_or(FLIGHT, SeqCst);
}

/// Marks the pipeline installed or gone (gone, the flight recorder records nothing more either).
pub(crate) fn set_installed(on: bool) {
    if on {
        STATE.fetch_or(PIPELINE, SeqCst);
    } else {
        STATE.fetch_and(!(PIPELINE | FLIGHT), SeqCst);
    }
}

pub(crate) fn capture_opened() {
    STATE.fetch_add(CAPTURE, SeqCst);
}

pub(crate) fn capture_closed() {
    STATE.fetch_sub(CAPTURE, SeqCst);
}

/// [`STATE`]: zero when no span work is wanted.
#[inline(always)]
pub(crate) fn state() -> u32 {
    STATE.load(Relaxed)
}
static THRESHOLD: AtomicU64 = AtomicU64::new(u64::MAX);
static PARENT_BASED: AtomicU8 = AtomicU8::new(1);

fn threshold(ratio: f64) -> u64 {
    if ratio >= 1.0 {
        u64::MAX
    } else if ratio <= 0.0 || ratio.is_nan() {
        0
    } else {
        (ratio * u64::MAX as f64) as u64
    }
}

pub(crate) fn configure(s: Sampler) {
    let (ratio, parent) = match s {
        Sampler::AlwaysOn => (1.0, false),
        Sampler::AlwaysOff => (0.0, false),
        Sampler::TraceIdRatio(r) => (r, false),
        Sampler::ParentBased(r) => (r, true),
    };
    THRESHOLD.store(threshold(ratio), Relaxed);
    PARENT_BASED.store(parent as u8, Relaxed);
}

/// Changes the share of new traces that are sampled, at run time (`0.0` to `1.0`); children keep following their
/// parent under a parent-based sampler.
///
/// ```
/// obs_runtime::trace::set_sampling_ratio(0.1);
/// assert!((obs_runtime::trace::sampling_ratio() - 0.1).abs() < 1e-9);
/// obs_runtime::trace::set_sampling_ratio(1.0);
/// ```
pub fn set_sampling_ratio(ratio: f64) {
    THRESHOLD.store(threshold(ratio.clamp(0.0, 1.0)), Relaxed);
}

/// The current ratio of new traces sampled.
///
/// ```
/// assert_eq!(obs_runtime::trace::sampling_ratio(), 1.0); // the default samples every trace
/// ```
pub fn sampling_ratio() -> f64 {
    match THRESHOLD.load(Relaxed) {
        u64::MAX => 1.0,
        t => t as f64 / u64::MAX as f64,
    }
}

/// Whether spans are recorded at all: a pipeline is installed.
///
/// ```
/// use obs_runtime::trace::{is_active, MemorySink, TracePipeline};
/// assert!(!is_active());
/// let guard = TracePipeline::builder().sink(MemorySink::default()).install().unwrap();
/// assert!(is_active());
/// ```
#[inline(always)]
pub fn is_active() -> bool {
    state() & PIPELINE != 0
}

/// The sampling decision for a new span of `trace_id` under `parent`.
#[inline(always)]
pub(crate) fn decide(parent: &SpanContext, trace_id: u128) -> bool {
    if parent.is_valid() && PARENT_BASED.load(Relaxed) != 0 {
        return parent.sampled;
    }
    let t = THRESHOLD.load(Relaxed);
    t == u64::MAX || (trace_id as u64) < t
}
