//! Trace and span ids from a thread-local generator: no atomics, no lock, no system call per id.

use std::cell::Cell;

thread_local! {
    static STATE: Cell<u64> = const { Cell::new(0) };
}

#[cold]
#[inline(never)]
fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // `RandomState` is seeded from the OS once per thread; mix in the time and the thread for good measure.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(super::clock::now());
    h.write_usize(&STATE as *const _ as usize);
    h.finish() | 1
}

/// The next 64 random bits (wyrand: one multiply per id, passes BigCrush).
#[inline(always)]
pub fn next_u64() -> u64 {
    STATE.with(|s| {
        let mut x = s.get();
        if x == 0 {
            x = seed();
        }
        x = x.wrapping_add(0xa076_1d64_78bd_642f);
        s.set(x);
        let t = (x as u128).wrapping_mul((x ^ 0xe703_7ed1_a0b4_28db) as u128);
        ((t >> 64) ^ t) as u64
    })
}

/// A non-zero span id.
#[inline(always)]
pub fn span_id() -> u64 {
    match next_u64() {
        0 => 1,
        v => v,
    }
}

/// A non-zero trace id.
#[inline(always)]
pub fn trace_id() -> u128 {
    match ((next_u64() as u128) << 64) | next_u64() as u128 {
        0 => 1,
        v => v,
    }
}
