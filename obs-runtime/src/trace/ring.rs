//! Per-thread span rings: the hot path's hand-off to the collector.
//!
//! Each thread that finishes a sampled span owns one single-producer single-consumer ring. Pushing a span is a
//! write into the slot and one release store of the head index: no locked instruction, no shared cache line
//! written by two threads, no allocation. The collector (and a flush) drains every ring under one lock. A full ring
//! drops the span and counts it; the caller never blocks.

use super::record::{Pending, RawCall, SpanRecord};
use std::cell::{Cell, UnsafeCell};
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Arc, Mutex};

/// Spans a thread can hold before the collector drains them.
pub const CAPACITY: usize = 2048;

#[repr(align(64))]
struct Padded<T>(T);

pub(crate) struct Ring {
    slots: Box<[UnsafeCell<MaybeUninit<Pending>>]>,
    /// Written by the owning thread only.
    head: Padded<AtomicUsize>,
    /// Written by the consumer (under `RINGS`) only.
    tail: Padded<AtomicUsize>,
    /// Spans refused because the ring was full; written by the owner only.
    dropped: AtomicU64,
    /// obs' number for the owning thread, given to its spans.
    thread: u32,
}

// SAFETY: the owning thread is the only producer (it reaches the ring through its thread-local only) and the
// consumer side runs under the `RINGS` lock, so each slot is accessed by one side at a time, ordered by the
// release/acquire pair on `head` and on `tail`.
unsafe impl Sync for Ring {}
unsafe impl Send for Ring {}

impl Ring {
    fn new() -> Ring {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
        Ring {
            thread: NEXT.fetch_add(1, Relaxed),
            slots: (0..CAPACITY).map(|_| UnsafeCell::new(MaybeUninit::uninit())).collect(),
            head: Padded(AtomicUsize::new(0)),
            tail: Padded(AtomicUsize::new(0)),
            dropped: AtomicU64::new(0),
        }
    }

    /// Producer side; only the owning thread calls it.
    #[inline]
    fn push(&self, cached_tail: &Cell<usize>, rec: Pending) {
        let h = self.head.0.load(Relaxed);
        let used = h - cached_tail.get();
        if used >= CAPACITY {
            cached_tail.set(self.tail.0.load(Acquire));
            if h - cached_tail.get() >= CAPACITY {
                let d = self.dropped.load(Relaxed);
                self.dropped.store(d + 1, Relaxed);
                // Full: the collector should be draining already; remind it now and then, in case it slept.
                if d % 1024 == 0 {
                    super::wake::nudge();
                }
                return;
            }
        } else if used == CAPACITY / 2 {
            // Half full by the cached tail: check the real one, and wake the collector rather than drop later.
            cached_tail.set(self.tail.0.load(Acquire));
            if h - cached_tail.get() >= CAPACITY / 2 {
                super::wake::nudge();
            }
        }
        // SAFETY: slot `h` is free: the consumer released it (tail > h - CAPACITY) and only this thread writes.
        unsafe { (*self.slots[h % CAPACITY].get()).write(rec) };
        self.head.0.store(h + 1, Release);
        // The collector read the slots a few pushes ahead, so their lines are shared with its core: ask for them
        // in the exclusive state now, so a later write does not wait for the other core. A slot is not a whole
        // number of lines, so it can straddle two: both its first and its last byte.
        let ahead = self.slots[(h + PREFETCH_AHEAD) % CAPACITY].get() as *const u8;
        prefetch_write(ahead);
        prefetch_write(ahead.wrapping_add(size_of::<Pending>() - 1));
    }

    /// Consumer side; called under the `RINGS` lock.
    fn drain_into(&self, out: &mut Vec<SpanRecord>) {
        let t = self.tail.0.load(Relaxed);
        let h = self.head.0.load(Acquire);
        for i in t..h {
            // SAFETY: slots in [tail, head) were fully written before `head` was released.
            out.push(unsafe { (*self.slots[i % CAPACITY].get()).assume_init_read() }.into_record_of(self.thread));
        }
        self.tail.0.store(h, Release);
    }
}

/// How many slots ahead of the head to prefetch for writing.
const PREFETCH_AHEAD: usize = 4;

#[inline(always)]
fn prefetch_write(p: *const u8) {
    // `prefetchw` (`_MM_HINT_ET0` compiles to a plain read prefetch without the `prfchw` target feature); CPUs
    // without it decode this encoding as a no-op.
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults and does not change memory or flags.
    unsafe {
        core::arch::asm!("prefetchw [{0}]", in(reg) p, options(nostack, preserves_flags, readonly));
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

impl Drop for Ring {
    fn drop(&mut self) {
        let mut rest = Vec::new();
        self.drain_into(&mut rest);
    }
}

static RINGS: Mutex<Vec<Arc<Ring>>> = Mutex::new(Vec::new());
/// Drops of rings whose threads have exited.
static RETIRED_DROPS: AtomicU64 = AtomicU64::new(0);

struct Local {
    ring: Arc<Ring>,
    cached_tail: Cell<usize>,
}

thread_local! {
    static LOCAL: Local = {
        let ring = Arc::new(Ring::new());
        RINGS.lock().unwrap_or_else(|e| e.into_inner()).push(ring.clone());
        Local { ring, cached_tail: Cell::new(0) }
    };
}

/// Hands a finished span to the collector; never blocks. Returns `false` when it was dropped.
#[inline]
pub(crate) fn push(rec: SpanRecord) -> bool {
    LOCAL.try_with(|l| l.ring.push(&l.cached_tail, Pending::Full(Box::new(rec)))).is_ok()
}

/// Hands a finished traced call to the collector in its compact form; never blocks.
#[inline]
pub(crate) fn push_call(call: RawCall) -> bool {
    LOCAL.try_with(|l| l.ring.push(&l.cached_tail, Pending::Call(call))).is_ok()
}

/// Moves every span finished so far, on any thread, into `out`; rings of exited threads are retired.
pub(crate) fn drain_all(out: &mut Vec<SpanRecord>) {
    let mut rings = RINGS.lock().unwrap_or_else(|e| e.into_inner());
    rings.retain(|r| {
        // Checked before draining: when only the registry holds it, its thread has exited, nothing more can be
        // pushed, and this drain is the last.
        let alive = Arc::strong_count(r) > 1;
        r.drain_into(out);
        if !alive {
            RETIRED_DROPS.fetch_add(r.dropped.load(Relaxed), Relaxed);
        }
        alive
    });
}

/// Spans dropped because a ring was full, over all threads, living and exited.
pub(crate) fn dropped() -> u64 {
    let rings = RINGS.lock().unwrap_or_else(|e| e.into_inner());
    RETIRED_DROPS.load(Relaxed) + rings.iter().map(|r| r.dropped.load(Relaxed)).sum::<u64>()
}
