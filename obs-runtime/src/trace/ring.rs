//! Per-thread span rings: the hot path's hand-off to the collector.
//!
//! Each thread that finishes a sampled span owns one single-producer single-consumer ring. Pushing a span is a
//! write into the slot and one release store of the head index: no locked instruction, no shared cache line
//! written by two threads, no allocation. The collector (and a flush) drains every ring under one lock. A full ring
//! drops the span and counts it; the caller never blocks.
//!
//! A span finished after its thread's ring is gone (in a thread-local destructor that runs after the ring's) goes
//! to one shared queue of late spans instead, bounded like a ring and drained with them.

use super::record::{CallExtra, Pending, RawCall, SpanRecord};
use crate::desc::FunctionDesc;
use std::cell::{Cell, UnsafeCell};
use std::mem::MaybeUninit;
use std::ptr::addr_of_mut;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Arc, Mutex};

/// Spans a thread can hold before the collector drains them.
pub const CAPACITY: usize = 2048;

#[repr(align(64))]
struct Padded<T>(T);

/// One ring slot, one cache line: a traced call's fields, or a boxed full record. A push writes the fields one by
/// one straight into the slot: a record built on the stack and copied in was read back with wider loads than the
/// stores that built it, which cannot be forwarded and stalled the push.
#[repr(C, align(64))]
struct Slot {
    trace_lo: u64,
    trace_hi: u64,
    span_id: u64,
    parent_span_id: u64,
    start: u64,
    end: u64,
    /// The call's `FunctionDesc` address with [`REMOTE`] and [`SAMPLED`] in its low bits; 0 for a full record.
    function: usize,
    /// A call's `Box<CallExtra>` (null for none), or a full record's `Box<SpanRecord>`.
    extra: *mut (),
}

/// In `Slot::function`: the parent came from another process.
const REMOTE: usize = 1;
/// In `Slot::function`: the span is sampled (exported), not only kept by the flight recorder.
const SAMPLED: usize = 2;
// The flags fit in the alignment bits of a `FunctionDesc` address, and a slot is one line.
const _: () = assert!(align_of::<FunctionDesc>() > (REMOTE | SAMPLED) && size_of::<Slot>() == 64);

impl Slot {
    /// Writes `c` into the slot at `p`.
    ///
    /// # Safety
    /// `p` is a slot no one else accesses now, holding no record (or one already taken).
    #[inline(always)]
    unsafe fn write_call(p: *mut Slot, c: RawCall) {
        let flags = if c.parent_remote { REMOTE } else { 0 } | if c.sampled { SAMPLED } else { 0 };
        let extra = c.extra.map_or(std::ptr::null_mut(), |e| Box::into_raw(e).cast::<()>());
        // SAFETY: the caller owns the slot; each write is of a plain field.
        unsafe {
            addr_of_mut!((*p).trace_lo).write(c.trace_id as u64);
            addr_of_mut!((*p).trace_hi).write((c.trace_id >> 64) as u64);
            addr_of_mut!((*p).span_id).write(c.span_id);
            addr_of_mut!((*p).parent_span_id).write(c.parent_span_id);
            addr_of_mut!((*p).start).write(c.start);
            addr_of_mut!((*p).end).write(c.end);
            addr_of_mut!((*p).function).write(std::ptr::from_ref(c.function) as usize | flags);
            addr_of_mut!((*p).extra).write(extra);
        }
    }

    /// Writes a full record into the slot at `p`; as [`write_call`](Self::write_call).
    ///
    /// # Safety
    /// As `write_call`.
    #[inline]
    unsafe fn write_full(p: *mut Slot, r: Box<SpanRecord>) {
        // SAFETY: as in `write_call`.
        unsafe {
            addr_of_mut!((*p).function).write(0);
            addr_of_mut!((*p).extra).write(Box::into_raw(r).cast::<()>());
        }
    }

    /// Takes the record out of the slot at `p`.
    ///
    /// # Safety
    /// The slot holds a record written by `write_call` or `write_full` and not taken since; it is left empty.
    unsafe fn take(p: *const Slot) -> Pending {
        // SAFETY: the caller says the slot was written; a full record's slot has only `function` and `extra`.
        let (function, extra) = unsafe { ((*p).function, (*p).extra) };
        if function == 0 {
            // SAFETY: `write_full` stored a `Box<SpanRecord>`, taken once.
            return Pending::Full(unsafe { Box::from_raw(extra.cast::<SpanRecord>()) });
        }
        // SAFETY: `write_call` wrote every field.
        let s = unsafe { &*p };
        Pending::Call(RawCall {
            trace_id: (s.trace_hi as u128) << 64 | s.trace_lo as u128,
            span_id: s.span_id,
            parent_span_id: s.parent_span_id,
            start: s.start,
            end: s.end,
            // SAFETY: the address of a `&'static FunctionDesc`, flags cleared.
            function: unsafe { &*((function & !(REMOTE | SAMPLED)) as *const FunctionDesc) },
            parent_remote: function & REMOTE != 0,
            sampled: function & SAMPLED != 0,
            // SAFETY: a non-null `extra` is the `Box<CallExtra>` `write_call` leaked, taken once.
            extra: (!extra.is_null()).then(|| unsafe { Box::from_raw(extra.cast::<CallExtra>()) }),
        })
    }
}

pub(crate) struct Ring {
    slots: Box<[UnsafeCell<MaybeUninit<Slot>>]>,
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

    /// Producer side; only the owning thread calls it. Inlined into the caller, so a call's fields go straight from
    /// its registers into the slot (see [`Slot`]).
    ///
    /// # Safety
    /// `write` fills the slot it is given with `Slot::write_call` or `Slot::write_full`.
    #[inline(always)]
    unsafe fn push(&self, cached_tail: &Cell<usize>, write: impl FnOnce(*mut Slot)) {
        let h = self.head.0.load(Relaxed);
        let used = h - cached_tail.get();
        if (used == CAPACITY / 2 || used >= CAPACITY) && self.refresh(cached_tail, h) {
            return;
        }
        // Slot `h` is free: the consumer released it (tail > h - CAPACITY) and only this thread writes.
        write(self.slots[h % CAPACITY].get().cast::<Slot>());
        self.head.0.store(h + 1, Release);
        // The collector read the slots a few pushes ahead, so their lines are shared with its core: ask for them
        // in the exclusive state now, so a later write does not wait for the other core.
        prefetch_write(self.slots[(h + PREFETCH_AHEAD) % CAPACITY].get() as *const u8);
    }

    /// The push path's rarer half, at half full and at full by the cached tail: reads the real tail; at half full
    /// wakes the collector rather than drop later, at full counts a drop. Returns whether the ring is full.
    #[cold]
    #[inline(never)]
    fn refresh(&self, cached_tail: &Cell<usize>, h: usize) -> bool {
        let was = h - cached_tail.get();
        cached_tail.set(self.tail.0.load(Acquire));
        let used = h - cached_tail.get();
        if was >= CAPACITY && used >= CAPACITY {
            let d = self.dropped.load(Relaxed);
            self.dropped.store(d + 1, Relaxed);
            // Full: the collector should be draining already; remind it now and then, in case it slept.
            if d % 1024 == 0 {
                super::wake::nudge();
            }
            return true;
        }
        if was == CAPACITY / 2 && used >= CAPACITY / 2 {
            super::wake::nudge();
        }
        false
    }

    /// Consumer side; called under the `RINGS` lock.
    fn drain_into(&self, out: &mut Vec<SpanRecord>) {
        let t = self.tail.0.load(Relaxed);
        let h = self.head.0.load(Acquire);
        for i in t..h {
            // SAFETY: slots in [tail, head) were fully written before `head` was released.
            out.push(unsafe { Slot::take(self.slots[i % CAPACITY].get().cast::<Slot>()) }.into_record_of(self.thread));
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
/// Drops of rings whose threads have exited, and of late spans refused by a full [`LATE`].
static RETIRED_DROPS: AtomicU64 = AtomicU64::new(0);
/// Spans finished on threads whose ring was already dropped, for the next drain; at most [`CAPACITY`] of them.
static LATE: Mutex<Vec<SpanRecord>> = Mutex::new(Vec::new());

struct Local {
    ring: Arc<Ring>,
    cached_tail: Cell<usize>,
}

impl Drop for Local {
    fn drop(&mut self) {
        // Later destructors of this thread that finish spans take the slow path, find `LOCAL` gone, and hand
        // their spans to `LATE` under this thread's number.
        let _ = FAST.try_with(|f| f.set(std::ptr::null()));
        let _ = THREAD.try_with(|t| t.set(self.ring.thread));
    }
}

thread_local! {
    static LOCAL: Local = {
        let ring = Arc::new(Ring::new());
        RINGS.lock().unwrap_or_else(|e| e.into_inner()).push(ring.clone());
        Local { ring, cached_tail: Cell::new(0) }
    };
    /// This thread's `LOCAL` while it lives, null before its first push and after its destructor: `const` and
    /// without a destructor, so the push path reads it with one TLS load and no lazy-initialisation check.
    static FAST: Cell<*const Local> = const { Cell::new(std::ptr::null()) };
    /// The number of this thread's dropped ring, for its late spans (`const`, without a destructor, so it outlives
    /// `LOCAL`).
    static THREAD: Cell<u32> = const { Cell::new(0) };
}

/// Pushes the record `write` fills in into this thread's ring, or into [`LATE`] once the ring is gone (the
/// thread is exiting); false if it was dropped, and counted.
///
/// # Safety
/// As [`Ring::push`].
#[inline(always)]
unsafe fn push_with(write: impl FnOnce(*mut Slot)) -> bool {
    let l = FAST.get();
    if l.is_null() {
        let mut write = Some(write);
        // SAFETY: passed on from the caller; `write` is called at most once.
        return push_first(&mut |p| write.take().map_or((), |w| w(p)));
    }
    // SAFETY: `FAST` is non-null only from the first push (`push_first`) until `LOCAL`'s destructor clears it,
    // and `LOCAL` is this thread's, so the pointer is to a live `Local`.
    let l = unsafe { &*l };
    // SAFETY: passed on from the caller.
    unsafe { l.ring.push(&l.cached_tail, write) };
    true
}

/// The first push of a thread (which makes its ring), or a push after its ring was dropped.
#[cold]
#[inline(never)]
fn push_first(write: &mut dyn FnMut(*mut Slot)) -> bool {
    LOCAL
        .try_with(|l| {
            FAST.set(l);
            // SAFETY: `write` is `push_with`'s, whose caller fills the slot as `Ring::push` asks.
            unsafe { l.ring.push(&l.cached_tail, &mut *write) }
        })
        .is_ok()
        || push_late(write)
}

/// A push after this thread's ring was dropped: the record goes to [`LATE`], or is counted as a full ring's
/// would be.
#[cold]
fn push_late(write: &mut dyn FnMut(*mut Slot)) -> bool {
    let mut slot = MaybeUninit::<Slot>::uninit();
    write(slot.as_mut_ptr());
    // SAFETY: `write` filled the slot (as `push_with`'s caller promises), and it is taken once.
    let rec = unsafe { Slot::take(slot.as_ptr()) }.into_record_of(THREAD.get());
    queue_late(&LATE, rec)
}

/// Adds `rec` to `late` unless it holds [`CAPACITY`] records already; a refused record is counted in
/// [`RETIRED_DROPS`]. At half full the collector is woken, as a ring wakes it.
fn queue_late(late: &Mutex<Vec<SpanRecord>>, rec: SpanRecord) -> bool {
    let mut late = late.lock().unwrap_or_else(|e| e.into_inner());
    if late.len() >= CAPACITY {
        drop(late);
        RETIRED_DROPS.fetch_add(1, Relaxed);
        return false;
    }
    late.push(rec);
    let half = late.len() == CAPACITY / 2;
    drop(late);
    if half {
        super::wake::nudge();
    }
    true
}

/// Hands a finished span to the collector; never blocks. Returns `false` when it was dropped.
#[inline]
pub(crate) fn push(rec: SpanRecord) -> bool {
    let rec = Box::new(rec);
    // SAFETY: the slot is filled by `write_full`.
    unsafe { push_with(|p| Slot::write_full(p, rec)) }
}

/// Hands a finished traced call to the collector in its compact form; never blocks.
#[inline(always)]
pub(crate) fn push_call(call: RawCall) -> bool {
    // SAFETY: the slot is filled by `write_call`.
    unsafe { push_with(|p| Slot::write_call(p, call)) }
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
    out.append(&mut LATE.lock().unwrap_or_else(|e| e.into_inner()));
}

/// Spans dropped because a ring (or the queue of late spans) was full, over all threads, living and exited.
pub(crate) fn dropped() -> u64 {
    let rings = RINGS.lock().unwrap_or_else(|e| e.into_inner());
    RETIRED_DROPS.load(Relaxed) + rings.iter().map(|r| r.dropped.load(Relaxed)).sum::<u64>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{SpanKind, SpanStatus};

    #[test]
    fn late_spans_are_bounded_like_a_ring_and_the_refused_ones_are_counted() {
        let late = Mutex::new(Vec::new());
        let rec = SpanRecord {
            trace_id: 1,
            span_id: 2,
            parent_span_id: 0,
            parent_remote: false,
            name: "late",
            kind: SpanKind::Internal,
            start: 1,
            end: 2,
            status: SpanStatus::Unset,
            attributes: vec![],
            events: vec![],
            function: None,
            trace_state: None,
            sampled: true,
            thread: 3,
        };
        let before = dropped();
        let taken = (0..CAPACITY + 5).filter(|_| queue_late(&late, rec.clone())).count();
        assert_eq!((taken, late.lock().unwrap().len()), (CAPACITY, CAPACITY));
        // Other tests' rings may drop too, never un-drop.
        assert!(dropped() - before >= 5);
    }
}
