//! Where a label set's cells live.
//!
//! Dense families (every label fixed, and few enough sets to fit the cap) keep all their series in one block,
//! addressed by the index the labels compute from their discriminants: no hashing, no lock. Dynamic families look
//! the label values up in a sharded hash map; new series are carved from blocks of [`CHUNK`] series, and once the
//! family holds `cap` series every new label set is sent to one overflow series and counted.
//!
//! The overflow series takes [`OVERFLOW_VALUE`] in every label, so that value is reserved: a user's label set that
//! contains it is refused like an oversized one (sent to the overflow series and counted), rather than stored as a
//! series whose rendered labels would be the overflow series' own.

use crate::block::{Block, Hot};
use crate::desc::MetricDesc;
use crate::encoding::render_labels;
use crate::labels::{fixed_product, fixed_values, LabelSet};
use crate::model::Labels;
use crate::self_metrics::{self, OverflowReason};
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Mutex, OnceLock};
use table::Table;

/// Series carved from one block of a dynamic family.
const CHUNK: u32 = 16;
/// The longest label value stored; a longer one goes to the overflow series.
pub const MAX_LABEL_VALUE_LEN: usize = 1024;
/// The value every label of the overflow series takes.
///
/// It is reserved: a label set that uses it in any label is refused, its increments go to the overflow series, and
/// it is counted in `obs_cardinality_overflow_total{reason="reserved_value"}`. A user's value therefore never
/// becomes a series of its own that the overflow series would shadow in the exposition.
///
/// ```
/// assert_eq!(obs_runtime::OVERFLOW_VALUE, "__overflow__");
/// ```
pub const OVERFLOW_VALUE: &str = "__overflow__";

/// Entries of the per-thread cache of dynamic label sets: 256 of 64 bytes, 16 KiB per thread, so a thread that
/// cycles over a few hundred hot series stays off the shared map (a power of two: the slot is a mask).
const CACHE_SLOTS: usize = 256;

#[derive(Clone, Copy)]
struct Cached {
    store: usize,
    hash: u64,
    key: &'static [Cow<'static, str>],
    series: SeriesRef,
    /// The series' first cell, for counters' write path (sharded families only).
    hot: Option<Hot>,
}

// `Cell`s, not a `RefCell`: a lookup is one copy out and an insert one copy in, with no borrow flag to test and
// set. `const` initialised without a destructor, so `with` is a plain TLS access.
thread_local! {
    static CACHE: [Cell<Option<Cached>>; CACHE_SLOTS] = const { [const { Cell::new(None) }; CACHE_SLOTS] };
}

const _: () = assert!(std::mem::size_of::<Option<Cached>>() <= 64, "a cache entry fits one line");

/// The cells of one series: a position in a block.
#[derive(Clone, Copy)]
pub(crate) struct SeriesRef {
    pub(crate) block: &'static Block,
    pub(crate) base: u32,
}

impl SeriesRef {
    #[inline(always)]
    pub(crate) fn word(&self, k: usize) -> usize {
        self.base as usize + k
    }
}

/// Where a series' cells are read from: the live sum over every slot, as the exposition reads them ([`Live`]), or
/// a test's view of what one scope wrote (`obs::testing`). The kinds turn cells into values through this trait
/// alone, so a test's assertion reads the same value the exposition renders.
pub(crate) trait Cells {
    /// An integer cell.
    fn u64(&self, s: SeriesRef, k: usize) -> u64;
    /// A cell holding `f64` bits.
    fn f64(&self, s: SeriesRef, k: usize) -> f64;
}

/// The cells as every exporter reads them: summed over the write slots.
pub(crate) struct Live;

impl Cells for Live {
    #[inline]
    fn u64(&self, s: SeriesRef, k: usize) -> u64 {
        s.block.sum_u64(s.word(k))
    }
    #[inline]
    fn f64(&self, s: SeriesRef, k: usize) -> f64 {
        s.block.sum_f64(s.word(k))
    }
}

/// The series of one metric family.
pub(crate) struct SeriesStore {
    desc: &'static MetricDesc,
    /// Cells per series.
    width: u32,
    sharded: bool,
    /// The dense size, or 0 if this family is dynamic.
    dense: u32,
    /// The dense block once made (null before): one load and one test on the write path, where a `OnceLock`
    /// costs a state check and a second load.
    dense_block: AtomicPtr<Block>,
    /// Row 0's first cell of the dense block, set before `dense_block` is published (sharded families only).
    dense_cells: AtomicPtr<std::sync::atomic::AtomicU64>,
    /// Cells per row of the dense block, known at compile time.
    dense_stride: usize,
    /// Rendered labels and raw values of every dense series.
    dense_labels: OnceLock<Box<[DenseLabels]>>,
    dynamic: OnceLock<DynMap>,
}

/// The rendered labels and raw values of one dense series.
type DenseLabels = (String, Box<[&'static str]>);

struct DynMap {
    hasher: hashbrown::DefaultHashBuilder,
    /// Every accepted label set, found without a lock; written under `state`'s mutex.
    table: Table<Entry>,
    state: Mutex<DynState>,
}

struct Entry {
    hash: u64,
    // Leaked: series are never removed, and the per-thread cache keeps references to keys.
    key: &'static [Cow<'static, str>],
    series: SeriesRef,
    hot: Option<Hot>,
}

#[derive(Default)]
struct DynState {
    len: u32,
    chunk: Option<(&'static Block, u32)>,
    /// Rendered labels to series and raw values, in exposition order.
    ordered: BTreeMap<Box<str>, (SeriesRef, &'static [Cow<'static, str>])>,
    overflow: Option<SeriesRef>,
}

impl SeriesStore {
    /// `dense_ok` is false for kinds that must not expose unset label combinations (info).
    pub(crate) const fn new(desc: &'static MetricDesc, width: u32, sharded: bool, dense_ok: bool) -> Self {
        // The labels come from `L::LABELS`, so this agrees with `L::FIXED`, without bounding `new` on `L`: a
        // missing `#[derive(Labels)]` is then reported once, on the user's type.
        let dense = match fixed_product(desc.labels) {
            Some(n) if dense_ok && n <= desc.cap => n,
            _ => 0,
        };
        SeriesStore {
            desc,
            width,
            sharded,
            dense,
            dense_block: AtomicPtr::new(std::ptr::null_mut()),
            dense_cells: AtomicPtr::new(std::ptr::null_mut()),
            dense_stride: Block::stride_for((dense * width) as usize),
            dense_labels: OnceLock::new(),
            dynamic: OnceLock::new(),
        }
    }

    pub(crate) fn desc(&self) -> &'static MetricDesc {
        self.desc
    }

    /// The series of `labels`, creating it on first use.
    #[inline(always)]
    pub(crate) fn resolve<L: LabelSet>(&self, labels: &L) -> SeriesRef {
        if L::FIXED.is_some() && self.dense != 0 {
            SeriesRef { block: self.dense_block(), base: labels.fixed_index() * self.width }
        } else {
            self.resolve_dynamic(labels).0
        }
    }

    /// The series of `labels` and the [`Hot`] view of its first cell, for a sharded family's write path.
    #[inline(always)]
    pub(crate) fn resolve_hot<L: LabelSet>(&self, labels: &L) -> (SeriesRef, Hot) {
        debug_assert!(self.sharded);
        if L::FIXED.is_some() && self.dense != 0 {
            let block = self.dense_block();
            let base = labels.fixed_index() * self.width;
            // Relaxed: `dense_block`'s acquire load above ordered this store before it.
            let cells = self.dense_cells.load(Ordering::Relaxed);
            // SAFETY: `init_dense` made the block sharded (this family is) with `dense_stride` cells per row and
            // stored its `hot(0)` before publishing it; `fixed_index() < dense`, so `base < dense * width <=
            // dense_stride`: the offset stays inside row 0.
            let hot = unsafe { Hot::row0(cells, self.dense_stride).offset(base as usize) };
            (SeriesRef { block, base }, hot)
        } else {
            match self.resolve_dynamic(labels) {
                (s, Some(hot)) => (s, hot),
                (s, None) => (s, s.block.hot(s.word(0))),
            }
        }
    }

    #[inline(always)]
    fn dense_block(&self) -> &'static Block {
        let b = self.dense_block.load(Ordering::Acquire);
        if b.is_null() {
            self.init_dense()
        } else {
            // SAFETY: a non-null pointer is a leaked block published by `init_dense` with release ordering.
            unsafe { &*b }
        }
    }

    #[cold]
    #[inline(never)]
    fn init_dense(&self) -> &'static Block {
        // First uses racing on two threads must agree on one block: one lock for every family's first use.
        static INIT: Mutex<()> = Mutex::new(());
        let _g = INIT.lock().unwrap_or_else(|e| e.into_inner());
        let b = self.dense_block.load(Ordering::Acquire);
        if !b.is_null() {
            // SAFETY: as in `dense_block`.
            return unsafe { &*b };
        }
        let block = Block::leak((self.dense * self.width) as usize, self.sharded);
        if self.sharded {
            self.dense_cells.store(block.hot(0).as_ptr(), Ordering::Relaxed);
        }
        self.dense_block.store(block as *const Block as *mut Block, Ordering::Release);
        block
    }

    fn map(&self) -> &DynMap {
        self.dynamic.get_or_init(|| DynMap {
            hasher: Default::default(),
            table: Table::new(),
            state: Mutex::new(DynState::default()),
        })
    }

    fn resolve_dynamic<L: LabelSet>(&self, labels: &L) -> (SeriesRef, Option<Hot>) {
        let map = self.map();
        let mut h = map.hasher.build_hasher();
        labels.hash_values(&mut h);
        let hash = h.finish();
        let store = self as *const SeriesStore as usize;
        // A hit in this thread's cache takes no lock and writes no shared line, so hot dynamic series scale
        // across threads; the key is compared, so a hash collision only costs a miss.
        let slot = (hash ^ (store as u64 >> 6)) as usize % CACHE_SLOTS;
        let cached = CACHE.with(|c| c[slot].get());
        if let Some(c) = cached {
            if c.store == store && c.hash == hash && labels.matches(c.key) {
                return (c.series, c.hot);
            }
        }
        let found = map.table.find(hash, |e| labels.matches(e.key)).map(|e| (e.series, e.key, e.hot));
        match found {
            Some((series, key, hot)) => {
                CACHE.with(|c| c[slot].set(Some(Cached { store, hash, key, series, hot })));
                (series, hot)
            }
            None => self.insert(map, hash, labels),
        }
    }

    #[cold]
    fn insert<L: LabelSet>(&self, map: &DynMap, hash: u64, labels: &L) -> (SeriesRef, Option<Hot>) {
        let mut st = map.state.lock().unwrap_or_else(|e| e.into_inner());
        // Under the mutex: another thread may have inserted it since this one's lock-free look.
        if let Some(e) = map.table.find(hash, |e| labels.matches(e.key)) {
            return (e.series, e.hot);
        }
        let key = labels.to_stored();
        let refused = if key.iter().any(|v| v.len() > MAX_LABEL_VALUE_LEN) {
            Some(OverflowReason::ValueTooLong)
        } else if key.iter().any(|v| v == OVERFLOW_VALUE) {
            Some(OverflowReason::ReservedValue)
        } else if st.len >= self.desc.cap {
            Some(OverflowReason::Cardinality)
        } else {
            None
        };
        if let Some(reason) = refused {
            let series = self.overflow_series(&mut st);
            drop(st);
            self_metrics::record_overflow(self.desc, reason);
            return (series, self.hot_of(series));
        }
        let series = self.alloc(&mut st);
        st.len += 1;
        // Only accepted keys are kept, so what is leaked is bounded by the cap.
        let key: &'static [Cow<'static, str>] = Box::leak(key);
        st.ordered.insert(render(self.desc, key).into(), (series, key));
        let hot = self.hot_of(series);
        // The entry is leaked like its key: series are never removed, and readers hold `&'static` references.
        let entry: &'static Entry = Box::leak(Box::new(Entry { hash, key, series, hot }));
        // SAFETY: `state`'s mutex is held, the one writer `Table::insert` requires; the hash is the entry's.
        unsafe { map.table.insert(hash, entry) };
        (series, hot)
    }

    fn hot_of(&self, s: SeriesRef) -> Option<Hot> {
        self.sharded.then(|| s.block.hot(s.word(0)))
    }

    fn alloc(&self, st: &mut DynState) -> SeriesRef {
        let (block, used) = match st.chunk {
            Some((b, used)) if used < CHUNK => (b, used),
            _ => (Block::leak((CHUNK * self.width) as usize, self.sharded), 0),
        };
        st.chunk = Some((block, used + 1));
        SeriesRef { block, base: used * self.width }
    }

    fn overflow_series(&self, st: &mut DynState) -> SeriesRef {
        if let Some(s) = st.overflow {
            return s;
        }
        let s = self.alloc(st);
        // One per family, so leaking it is bounded.
        let key: &'static [Cow<'static, str>] =
            Box::leak(self.desc.labels.iter().map(|_| Cow::Borrowed(OVERFLOW_VALUE)).collect());
        st.ordered.insert(render(self.desc, key).into(), (s, key));
        st.overflow = Some(s);
        s
    }

    /// Number of series held (dense families count every label combination).
    pub(crate) fn len(&self) -> usize {
        if self.dense != 0 {
            return self.dense as usize;
        }
        self.dynamic.get().map_or(0, |m| m.state.lock().unwrap_or_else(|e| e.into_inner()).ordered.len())
    }

    /// Calls `f` with each series' labels and cells, in exposition order.
    pub(crate) fn for_each(&self, mut f: impl FnMut(Labels<'_>, SeriesRef)) {
        let names = self.desc.labels;
        if self.dense != 0 {
            let block = self.dense_block();
            let dense = self.dense_labels.get_or_init(|| {
                (0..self.dense)
                    .map(|i| {
                        let vals: Box<[&'static str]> = fixed_values(names, i).into();
                        (render_labels(names, vals.iter().copied()), vals)
                    })
                    .collect()
            });
            for (i, (rendered, vals)) in dense.iter().enumerate() {
                f(Labels::new(names, vals, rendered), SeriesRef { block, base: i as u32 * self.width });
            }
        } else if let Some(map) = self.dynamic.get() {
            let st = map.state.lock().unwrap_or_else(|e| e.into_inner());
            for (rendered, (s, key)) in &st.ordered {
                f(Labels::stored(names, key, rendered), *s);
            }
        }
    }
}

fn render(desc: &MetricDesc, values: &[Cow<'static, str>]) -> String {
    render_labels(desc.labels, values.iter().map(|v| v.as_ref()))
}

mod table {
    //! An append-only, open-addressing hash table whose readers take no lock: a dynamic family's series, looked up
    //! on every write that misses the per-thread cache.
    //!
    //! Why not a `RwLock<hashbrown::HashTable>`: a read lock is two atomic read-modify-writes on a line every
    //! reading thread shares (about 15 ns on the project's Xeon, and the line bounces between cores), paid by
    //! each increment of a family with more hot series than the per-thread cache holds.
    //!
    //! Why it is sound, with no memory reclamation scheme:
    //! - entries are `&'static` (leaked by the caller) and never removed;
    //! - a slot goes from empty to one entry once: its hash is stored (relaxed) before its entry pointer
    //!   (release), and a reader loads the pointer (acquire) before the hash, so a reader that sees the entry
    //!   sees its hash and its contents;
    //! - one writer at a time (the family's state mutex, which `insert`'s caller holds);
    //! - growing copies every entry into a table twice the size and publishes it (release); the old table is
    //!   leaked, not freed, so a reader still probing it stays valid. All tables together are less than twice the
    //!   last one, which the family's cap bounds;
    //! - a reader on an old table may miss an entry inserted after the switch: it then takes the slow path,
    //!   which looks again under the mutex, in the current table;
    //! - the load factor stays at most 1/2, so every probe sequence meets an empty slot and ends.

    use std::sync::atomic::{
        AtomicPtr, AtomicU64, AtomicUsize,
        Ordering::{Acquire, Relaxed, Release},
    };

    struct Slot<T> {
        hash: AtomicU64,
        entry: AtomicPtr<T>,
    }

    struct Slots<T> {
        mask: usize,
        slots: Box<[Slot<T>]>,
    }

    impl<T> Slots<T> {
        fn with_capacity(n: usize) -> &'static Slots<T> {
            let slots = (0..n).map(|_| Slot { hash: AtomicU64::new(0), entry: AtomicPtr::new(std::ptr::null_mut()) });
            Box::leak(Box::new(Slots { mask: n - 1, slots: slots.collect() }))
        }

        /// Puts `entry` in the first empty slot of its probe sequence (single writer, load factor below 1/2).
        fn put(&self, hash: u64, entry: &'static T) {
            let mut i = hash as usize & self.mask;
            loop {
                let s = &self.slots[i];
                if s.entry.load(Relaxed).is_null() {
                    s.hash.store(hash, Relaxed);
                    s.entry.store(entry as *const T as *mut T, Release);
                    return;
                }
                i = (i + 1) & self.mask;
            }
        }
    }

    /// The table; see the module comment.
    pub(super) struct Table<T: 'static> {
        current: AtomicPtr<Slots<T>>,
        /// Entries held (written by the one writer).
        len: AtomicUsize,
    }

    /// Slots of a new table; it doubles from there.
    const INITIAL: usize = 16;

    impl<T: 'static> Table<T> {
        pub(super) fn new() -> Table<T> {
            let first = Slots::with_capacity(INITIAL);
            Table { current: AtomicPtr::new(first as *const Slots<T> as *mut Slots<T>), len: AtomicUsize::new(0) }
        }

        #[inline(always)]
        fn slots(&self) -> &'static Slots<T> {
            // SAFETY: `current` always points at a leaked, never freed `Slots` (set in `new` and `insert`), and the
            // acquire load pairs with the release store that published it.
            unsafe { &*self.current.load(Acquire) }
        }

        /// The entry with this hash for which `eq` holds, if one was inserted (and, for an entry inserted while
        /// this call ran, possibly `None`: see the module comment).
        #[inline]
        pub(super) fn find(&self, hash: u64, mut eq: impl FnMut(&T) -> bool) -> Option<&'static T> {
            let t = self.slots();
            let mut i = hash as usize & t.mask;
            loop {
                let s = &t.slots[i];
                let e = s.entry.load(Acquire);
                if e.is_null() {
                    return None;
                }
                if s.hash.load(Relaxed) == hash {
                    // SAFETY: a non-null entry pointer is a `&'static T` that `put` stored with release ordering.
                    let e = unsafe { &*e };
                    if eq(e) {
                        return Some(e);
                    }
                }
                i = (i + 1) & t.mask;
            }
        }

        /// Adds `entry` under `hash`.
        ///
        /// # Safety
        /// One writer at a time: every call must hold the same lock (the family's state mutex).
        pub(super) unsafe fn insert(&self, hash: u64, entry: &'static T)
        where
            T: Hashed,
        {
            let mut t = self.slots();
            let len = self.len.load(Relaxed) + 1;
            if len * 2 > t.slots.len() {
                let bigger = Slots::with_capacity(t.slots.len() * 2);
                for s in t.slots.iter() {
                    let e = s.entry.load(Relaxed);
                    if !e.is_null() {
                        // SAFETY: as in `find`; this is the one writer, so the entry is fully published.
                        let e: &'static T = unsafe { &*e };
                        bigger.put(e.hash(), e);
                    }
                }
                self.current.store(bigger as *const Slots<T> as *mut Slots<T>, Release);
                t = bigger;
            }
            t.put(hash, entry);
            self.len.store(len, Relaxed);
        }
    }

    /// An entry that knows its hash, so the table can grow without hashing keys again.
    pub(super) trait Hashed {
        fn hash(&self) -> u64;
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        struct E(u64, u32);
        impl Hashed for E {
            fn hash(&self) -> u64 {
                self.0
            }
        }

        /// A colliding hash for every 16th key, so probes cross entries of other keys.
        fn key_hash(k: u32) -> u64 {
            if k % 16 == 0 {
                42
            } else {
                u64::from(k).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            }
        }

        #[test]
        fn readers_on_many_threads_find_every_entry_while_one_writer_grows_the_table() {
            let table: &'static Table<E> = Box::leak(Box::new(Table::new()));
            let lock = std::sync::Mutex::new(());
            const N: u32 = 20_000;
            std::thread::scope(|s| {
                // More threads than cores: readers are preempted mid-probe while the writer grows the table.
                for r in 0..6u32 {
                    s.spawn(move || {
                        for round in 0..3 {
                            for k in (r..N).step_by(7) {
                                let h = key_hash(k);
                                if let Some(e) = table.find(h, |e| e.1 == k) {
                                    assert_eq!((e.0, e.1), (h, k), "round {round}");
                                }
                            }
                        }
                    });
                }
                s.spawn(|| {
                    for k in 0..N {
                        let h = key_hash(k);
                        let _g = lock.lock().unwrap();
                        // SAFETY: `lock` is held: one writer.
                        unsafe { table.insert(h, Box::leak(Box::new(E(h, k)))) };
                    }
                });
            });
            for k in 0..N {
                let h = key_hash(k);
                assert_eq!(table.find(h, |e| e.1 == k).map(|e| e.1), Some(k));
            }
            assert!(table.find(7, |_| true).is_none());
        }
    }
}

impl table::Hashed for Entry {
    fn hash(&self) -> u64 {
        self.hash
    }
}
