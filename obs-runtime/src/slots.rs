//! Per-thread write slots, and the write strategy chosen once per process.
//!
//! A counter series is stored once per slot, and each thread owns at most one slot at a time. A thread that owns
//! its slot exclusively writes it with a plain load + store (no locked instruction, no shared cache line), and a
//! scrape sums the slots. Threads beyond the slot count share one extra row written with atomic read-modify-write,
//! so oversubscription costs speed, never exactness.
//!
//! Which of the two a thread uses is the process' [`WriteStrategy`], chosen once at the first write: where an
//! uncontended `lock xadd` is about as cheap as a plain load and store (some AMD parts), every thread writes the
//! shared row with one `fetch_add`; where it costs several times more (Intel Xeon), threads take slots. The choice
//! only decides what a thread's slot word says, so the write path is the same code under both.
//!
//! Ownership rules that keep the plain store exact:
//! - a slot is handed out by [`claim`] under a mutex, and given back only by the owner's thread-exit destructor,
//!   so two threads never own one slot at the same time, and the mutex orders the old owner's writes before the
//!   new owner's;
//! - slots are never reset: values written by a thread that exited stay in its slot and keep being summed.

use crate::otel_env::{self, ConfigError, WriteStrategy};
use std::cell::Cell;
use std::hint::black_box;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Acquire, Ordering::Relaxed, Ordering::Release};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Marker: this thread has not asked for a slot yet.
const UNCLAIMED: u32 = u32::MAX;
/// Marker returned by [`current`]: this thread writes the shared row (no slot was free, the strategy is
/// [`WriteStrategy::Atomic`], or the thread is being torn down).
pub(crate) const SHARED: u32 = u32::MAX - 1;
/// Set in a thread's [`word`] when it writes the shared row; the low bits are then the shared row's index.
pub(crate) const SHARED_FLAG: u32 = 1 << 31;

thread_local! {
    // The thread's row in every sharded block: an exclusive slot `s` as `s`, the shared row as
    // `SHARED_FLAG | count()`, or `UNCLAIMED`. `const` initialisation and no destructor: the write path reads it
    // with one TLS load and one test of the top bit, and it stays readable while other thread-local destructors run.
    static WORD: Cell<u32> = const { Cell::new(UNCLAIMED) };
    static OWNER: SlotOwner = const { SlotOwner };
}

struct Pool {
    next: u32,
    free: Vec<u32>,
}

static POOL: Mutex<Pool> = Mutex::new(Pool { next: 0, free: Vec::new() });
/// `POOL.next` for readers that take no lock: the slots ever handed out are `0..CLAIMED`, and every other row of
/// a sharded block has never been written.
static CLAIMED: AtomicU32 = AtomicU32::new(0);
static COUNT: OnceLock<u32> = OnceLock::new();

/// Number of exclusive slots; fixed for the life of the process once storage exists.
pub(crate) fn count() -> u32 {
    *COUNT.get_or_init(|| {
        let cpus = std::thread::available_parallelism().map_or(4, |n| n.get());
        (cpus * 2).clamp(8, 64) as u32
    })
}

/// How many exclusive slots have ever been handed out: rows `0..claimed()` of a sharded block may hold writes, the
/// rows from there up to the shared row never do, so a scrape sums only these and the shared row.
#[inline]
pub(crate) fn claimed() -> u32 {
    CLAIMED.load(Acquire)
}

/// The calling thread's row word (see `WORD`); [`UNCLAIMED`]'s top bit is set, so a write path tests
/// `w & SHARED_FLAG == 0` for the plain store and handles the rest out of line ([`resolve_shared`]).
#[inline(always)]
pub(crate) fn word() -> u32 {
    WORD.get()
}

/// For a word with [`SHARED_FLAG`] set: the row to write atomically, claiming a row first if the thread had none.
#[inline]
pub(crate) fn resolve_shared(w: u32) -> u32 {
    if w == UNCLAIMED {
        let w = claim();
        if w & SHARED_FLAG == 0 {
            // The first write of a thread that got a slot: still exact to write it atomically.
            return w;
        }
        w & !SHARED_FLAG
    } else {
        w & !SHARED_FLAG
    }
}

/// Returns the calling thread's slot, or [`SHARED`].
#[inline(always)]
pub(crate) fn current() -> u32 {
    let mut w = WORD.get();
    if w == UNCLAIMED {
        w = claim();
    }
    if w & SHARED_FLAG == 0 {
        w
    } else {
        SHARED
    }
}

/// The word of a thread that writes the shared row.
fn shared_word() -> u32 {
    SHARED_FLAG | count()
}

/// First write of this thread: an exclusive slot under the slot strategy, the shared row under the atomic one.
#[cold]
#[inline(never)]
fn claim() -> u32 {
    match write_strategy() {
        WriteStrategy::Slot => claim_slot(),
        WriteStrategy::Atomic => {
            WORD.set(shared_word());
            shared_word()
        }
    }
}

/// Takes a free slot for this thread if there is one, else the shared row; returns and stores the new word.
fn claim_slot() -> u32 {
    let n = count();
    // Registering the owner's destructor fails while the thread is being torn down: write the shared row then.
    let w = if OWNER.try_with(|_| ()).is_ok() {
        let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
        match pool.free.pop() {
            Some(s) => s,
            None if pool.next < n => {
                pool.next += 1;
                // Release, before the new owner's first write: a reader that sees a write to this slot's row
                // through any synchronisation also sees the row counted.
                CLAIMED.store(pool.next, Release);
                pool.next - 1
            }
            None => shared_word(),
        }
    } else {
        shared_word()
    };
    WORD.set(w);
    w
}

/// The calling thread's slot for a caller that needs an exclusive one (`obs::testing`): a thread that writes the
/// shared row (every slot was taken when it first wrote, or the strategy is atomic) takes a free slot if there is
/// one. Returns [`SHARED`] when none is free. Never called on the write path.
pub(crate) fn exclusive() -> u32 {
    match current() {
        SHARED => {
            // Moving from the shared row to a slot is safe at any point: writes resolve their row per operation,
            // and the slot comes from the pool under its mutex, after its previous owner exited.
            let w = claim_slot();
            if w & SHARED_FLAG == 0 {
                w
            } else {
                SHARED
            }
        }
        s => s,
    }
}

/// Switches the calling thread to `strategy`'s way of writing, whatever the process chose: for a benchmark that
/// times both in one process. Exact at any point, as [`exclusive`] explains: an exclusive slot goes back to the pool
/// under its mutex, and a slot taken comes from it.
pub fn use_on_this_thread(strategy: WriteStrategy) {
    let w = WORD.get();
    match strategy {
        // A thread that never wrote has no slot to give back.
        WriteStrategy::Atomic if w == UNCLAIMED => WORD.set(shared_word()),
        WriteStrategy::Slot if w & SHARED_FLAG != 0 => {
            claim_slot();
        }
        WriteStrategy::Atomic if w & SHARED_FLAG == 0 => {
            WORD.set(shared_word());
            POOL.lock().unwrap_or_else(|e| e.into_inner()).free.push(w);
        }
        _ => {}
    }
}

struct SlotOwner;

impl Drop for SlotOwner {
    fn drop(&mut self) {
        // Later destructors of this thread may still write metrics: they go to the shared row.
        let w = WORD.replace(shared_word());
        if w & SHARED_FLAG == 0 {
            POOL.lock().unwrap_or_else(|e| e.into_inner()).free.push(w);
        }
    }
}

/// The environment variable that forces a [`WriteStrategy`]: `slot`, `atomic`, or `auto` (the default: timed).
pub const WRITE_STRATEGY_VAR: &str = "OBS_WRITE_STRATEGY";

/// How the strategy was chosen, with the calibration's figures when it was timed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Choice {
    strategy: WriteStrategy,
    /// Best round of the calibration (plain load + store, `fetch_add`), per write, in ns; `None` when forced.
    timed: Option<(f64, f64)>,
}

static CHOICE: OnceLock<Choice> = OnceLock::new();

/// The write strategy of this process, chosen on the first call (the first metric write calls it): forced by
/// `OBS_WRITE_STRATEGY=slot|atomic`, or timed by a short calibration (about 0.2 ms) when the variable is unset,
/// empty or `auto`.
///
/// A value the runtime cannot read makes `obs::init` fail with a `ConfigError` naming the variable; a process
/// that writes before `init` (or never calls it) times the strategy instead.
///
/// ```
/// let s = obs_runtime::write_strategy();
/// assert!(matches!(s, obs_runtime::WriteStrategy::Slot | obs_runtime::WriteStrategy::Atomic));
/// assert_eq!(s, obs_runtime::write_strategy()); // chosen once
/// ```
pub fn write_strategy() -> WriteStrategy {
    choice().strategy
}

/// The calibration's figures: the best round's cost per write of a plain load + store and of a `fetch_add`, in
/// nanoseconds, or `None` when `OBS_WRITE_STRATEGY` forced the strategy.
///
/// ```
/// if let Some((plain, atomic)) = obs_runtime::write_strategy_calibration() {
///     assert!(plain > 0.0 && atomic > 0.0);
/// }
/// ```
pub fn write_strategy_calibration() -> Option<(f64, f64)> {
    choice().timed
}

fn choice() -> Choice {
    *CHOICE.get_or_init(|| {
        match forced(&otel_env::process_env) {
            Ok(Some(strategy)) => Choice { strategy, timed: None },
            // A bad value is reported by `init` (config.rs reads the variable through the same parser).
            Ok(None) | Err(_) => {
                let (plain, atomic) = calibrate();
                Choice { strategy: pick(plain, atomic), timed: Some((plain, atomic)) }
            }
        }
    })
}

/// The strategy `OBS_WRITE_STRATEGY` forces, `None` for automatic.
pub(crate) fn forced(get: otel_env::Env<'_>) -> Result<Option<WriteStrategy>, ConfigError> {
    match otel_env::lookup(get, WRITE_STRATEGY_VAR) {
        Some(v) => WriteStrategy::parse(&v),
        None => Ok(None),
    }
}

/// Slots unless the atomic add is clearly cheaper: slots also keep threads off each other's cache lines, which a
/// single-threaded calibration cannot see, so a tie goes to them.
fn pick(plain_ns: f64, atomic_ns: f64) -> WriteStrategy {
    if atomic_ns < 0.9 * plain_ns {
        WriteStrategy::Atomic
    } else {
        WriteStrategy::Slot
    }
}

/// Rounds of the calibration, and writes per round of each kind.
const ROUNDS: usize = 5;
const WRITES: u32 = 4_000;

/// Times the two ways to add to a cell this thread alone writes: `ROUNDS` interleaved rounds of `WRITES` each, the
/// best round of each kind (the least disturbed by interrupts and frequency changes). Returns ns per write.
fn calibrate() -> (f64, f64) {
    #[repr(align(64))]
    struct Line(AtomicU64);
    let line = Line(AtomicU64::new(0));
    let mut best = (Duration::MAX, Duration::MAX);
    for _ in 0..ROUNDS {
        let t = Instant::now();
        for _ in 0..WRITES {
            // `black_box` on the reference each time: the compiler must not merge the writes into one.
            let c = black_box(&line.0);
            c.store(c.load(Relaxed).wrapping_add(1), Relaxed);
        }
        best.0 = best.0.min(t.elapsed());
        let t = Instant::now();
        for _ in 0..WRITES {
            black_box(&line.0).fetch_add(1, Relaxed);
        }
        best.1 = best.1.min(t.elapsed());
    }
    let per = |d: Duration| d.as_nanos() as f64 / f64::from(WRITES);
    (per(best.0).max(f64::MIN_POSITIVE), per(best.1).max(f64::MIN_POSITIVE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_gets_an_exclusive_slot_under_the_slot_strategy() {
        let a = std::thread::spawn(exclusive).join().unwrap();
        assert!(a < count(), "a fresh thread owns a slot while fewer than count() threads hold one");
    }

    #[test]
    fn a_clearly_cheaper_atomic_add_wins_and_a_tie_goes_to_slots() {
        assert_eq!(pick(1.0, 1.0), WriteStrategy::Slot);
        assert_eq!(pick(1.0, 0.95), WriteStrategy::Slot);
        assert_eq!(pick(2.0, 1.0), WriteStrategy::Atomic);
        assert_eq!(pick(1.0, 6.0), WriteStrategy::Slot);
    }

    #[test]
    fn the_calibration_times_both_writes_in_well_under_a_millisecond_of_work() {
        let t = Instant::now();
        let (plain, atomic) = calibrate();
        assert!(plain > 0.0 && atomic > 0.0);
        // 40 000 writes: even on a slow, shared machine this is far below 50 ms.
        assert!(t.elapsed() < Duration::from_millis(50), "{:?}", t.elapsed());
    }

    #[test]
    fn the_variable_forces_either_strategy_and_a_bad_value_names_it() {
        let env = |v: &'static str| move |k: &str| (k == WRITE_STRATEGY_VAR).then(|| v.to_owned());
        assert_eq!(forced(&env("slot")), Ok(Some(WriteStrategy::Slot)));
        assert_eq!(forced(&env("atomic")), Ok(Some(WriteStrategy::Atomic)));
        assert_eq!(forced(&env("auto")), Ok(None));
        assert_eq!(forced(&env("")), Ok(None));
        let e = forced(&env("fast")).unwrap_err();
        assert_eq!((e.variable, e.value.as_str()), (WRITE_STRATEGY_VAR, "fast"));
    }

    #[test]
    fn a_thread_switches_between_its_slot_and_the_shared_row() {
        std::thread::spawn(|| {
            use_on_this_thread(WriteStrategy::Atomic);
            assert_eq!(current(), SHARED);
            use_on_this_thread(WriteStrategy::Slot);
            assert!(current() < count());
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_shared_word_decodes_to_the_shared_row() {
        let w = shared_word();
        assert_ne!(w & SHARED_FLAG, 0);
        assert_eq!(resolve_shared(w), count());
    }
}
