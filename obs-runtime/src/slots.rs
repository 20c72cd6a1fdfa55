//! Per-thread write slots.
//!
//! A counter series is stored once per slot, and each thread owns at most one slot at a time. A thread that owns
//! its slot exclusively writes it with a plain load + store (no locked instruction, no shared cache line), and a
//! scrape sums the slots. Threads beyond the slot count share one extra row written with atomic read-modify-write,
//! so oversubscription costs speed, never exactness.
//!
//! Ownership rules that keep the plain store exact:
//! - a slot is handed out by [`claim`] under a mutex, and given back only by the owner's thread-exit destructor,
//!   so two threads never own one slot at the same time, and the mutex orders the old owner's writes before the
//!   new owner's;
//! - slots are never reset: values written by a thread that exited stay in its slot and keep being summed.

use std::cell::Cell;
use std::sync::{Mutex, OnceLock};

/// Marker: this thread has not asked for a slot yet.
const UNCLAIMED: u32 = u32::MAX;
/// Marker: this thread writes the shared row (no slot was free, or it is being torn down).
pub(crate) const SHARED: u32 = u32::MAX - 1;

thread_local! {
    // `const` initialisation and no destructor: the hot path reads it with one TLS load, and it stays readable
    // while other thread-local destructors run.
    static SLOT: Cell<u32> = const { Cell::new(UNCLAIMED) };
    static OWNER: SlotOwner = const { SlotOwner };
}

struct Pool {
    next: u32,
    free: Vec<u32>,
}

static POOL: Mutex<Pool> = Mutex::new(Pool { next: 0, free: Vec::new() });
static COUNT: OnceLock<u32> = OnceLock::new();

/// Number of exclusive slots; fixed for the life of the process once storage exists.
pub(crate) fn count() -> u32 {
    *COUNT.get_or_init(|| {
        let cpus = std::thread::available_parallelism().map_or(4, |n| n.get());
        (cpus * 2).clamp(8, 64) as u32
    })
}

/// Returns the calling thread's slot, or [`SHARED`].
#[inline(always)]
pub(crate) fn current() -> u32 {
    let s = SLOT.get();
    if s == UNCLAIMED {
        claim()
    } else {
        s
    }
}

#[cold]
#[inline(never)]
fn claim() -> u32 {
    let n = count();
    // Registering the owner's destructor fails while the thread is being torn down: write the shared row then.
    let slot = if OWNER.try_with(|_| ()).is_ok() {
        let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
        match pool.free.pop() {
            Some(s) => s,
            None if pool.next < n => {
                pool.next += 1;
                pool.next - 1
            }
            None => SHARED,
        }
    } else {
        SHARED
    };
    SLOT.set(slot);
    slot
}

/// The calling thread's slot for a caller that needs an exclusive one (`obs::testing`): a thread that writes the
/// shared row because every slot was taken when it first wrote takes one freed since, if there is one. Returns
/// [`SHARED`] when none is free. Never called on the write path.
pub(crate) fn exclusive() -> u32 {
    match current() {
        SHARED => {
            // Moving from the shared row to a slot is safe at any point: writes resolve their row per operation,
            // and the slot comes from the pool under its mutex, after its previous owner exited.
            SLOT.set(UNCLAIMED);
            claim()
        }
        s => s,
    }
}

struct SlotOwner;

impl Drop for SlotOwner {
    fn drop(&mut self) {
        // Later destructors of this thread may still write metrics: they go to the shared row.
        let s = SLOT.replace(SHARED);
        if s < SHARED {
            POOL.lock().unwrap_or_else(|e| e.into_inner()).free.push(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_gets_an_exclusive_slot() {
        let a = std::thread::spawn(current).join().unwrap();
        assert!(a < count(), "a fresh thread owns a slot while fewer than count() threads hold one");
    }
}
