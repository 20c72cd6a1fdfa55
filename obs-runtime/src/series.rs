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
use crate::labels::{encode, fixed_product, fixed_values, same_bytes, Key, KeyBuf, LabelSet};
use crate::model::Labels;
use crate::self_metrics::{self, OverflowReason};
use hashbrown::HashTable;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Mutex, OnceLock, RwLock};

/// Series carved from one block of a dynamic family.
const CHUNK: u32 = 16;
/// Lock shards of a dynamic family's map.
const SHARDS: usize = 16;
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
    key: &'static [u8],
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
    shards: Box<[RwLock<HashTable<Entry>>]>,
    state: Mutex<DynState>,
}

/// Key bytes an [`Entry`] holds in place: a key this long or shorter is compared without leaving the entry.
const INLINE: usize = 20;

/// One series in a dynamic family's map: one cache line holding the whole hash, the key (in place when short) and
/// where the series' cells are, so a lookup past the per-thread cache touches the control bytes, this line and
/// the cell it writes, and chases no pointer to compare the key.
#[repr(C, align(64))]
struct Entry {
    hash: u64,
    /// The whole key, leaked: series are never removed, and the per-thread cache and the exposition keep it.
    key: &'static [u8],
    block: &'static Block,
    /// Row 0's copy of the series' first cell (sharded families), so the write path never reads the block.
    cell: Option<CellPtr>,
    base: u32,
    /// The key's first [`INLINE`] bytes.
    inline: [u8; INLINE],
}

const _: () = assert!(std::mem::size_of::<Entry>() == 64, "an entry is one cache line");

impl Entry {
    /// Whether this entry holds the series of `key`, whose hash is `hash`: the whole hash first, then the
    /// bytes, from the entry itself when the key fits in it.
    #[inline(always)]
    fn holds(&self, hash: u64, key: &[u8]) -> bool {
        self.hash == hash
            && self.key.len() == key.len()
            && same_bytes(if key.len() <= INLINE { &self.inline[..key.len()] } else { self.key }, key)
    }

    #[inline(always)]
    fn series(&self) -> SeriesRef {
        SeriesRef { block: self.block, base: self.base }
    }

    #[inline(always)]
    fn hot(&self, stride: usize) -> Option<Hot> {
        // SAFETY: `cell` is `Block::hot(word).as_ptr()` of this entry's sharded block, whose rows have `stride`
        // cells (every block of a dynamic family is carved with the same size: see `SeriesStore::dyn_stride`).
        self.cell.map(|c| unsafe { Hot::row0(c.0.as_ptr(), stride) })
    }
}

/// A cell pointer made by [`Block::hot`]; a plain pointer so the entry stays one line.
#[derive(Clone, Copy)]
struct CellPtr(std::ptr::NonNull<std::sync::atomic::AtomicU64>);

// SAFETY: it points into a leaked block of atomics (see `Hot`), which `Hot` itself shares across threads.
unsafe impl Send for CellPtr {}
// SAFETY: as above.
unsafe impl Sync for CellPtr {}

#[derive(Default)]
struct DynState {
    len: u32,
    chunk: Option<(&'static Block, u32)>,
    /// Rendered labels to series and key, in exposition order.
    ordered: BTreeMap<Box<str>, (SeriesRef, Key)>,
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
            shards: (0..SHARDS).map(|_| RwLock::new(HashTable::new())).collect(),
            state: Mutex::new(DynState::default()),
        })
    }

    /// The generic half of a dynamic lookup: collect the key `labels` write, then look it up in code shared by
    /// every label type and call site.
    #[inline(always)]
    fn resolve_dynamic<L: LabelSet>(&self, labels: &L) -> (SeriesRef, Option<Hot>) {
        let mut key = KeyBuf::new();
        labels.hash_values(&mut key);
        match key.bytes() {
            Some(bytes) => self.resolve_key(bytes),
            None => self.resolve_long(labels),
        }
    }

    /// A label set too long for the stack key: collected on the heap, then the same lookup.
    #[cold]
    #[inline(never)]
    fn resolve_long<L: LabelSet>(&self, labels: &L) -> (SeriesRef, Option<Hot>) {
        self.resolve_key(&encode(labels))
    }

    #[inline(never)]
    fn resolve_key(&self, key: &[u8]) -> (SeriesRef, Option<Hot>) {
        let map = self.map();
        let hash = map.hasher.hash_one(key);
        let store = self as *const SeriesStore as usize;
        // A hit in this thread's cache takes no lock and writes no shared line, so hot dynamic series scale
        // across threads; the key is compared, so a hash collision only costs a miss.
        let slot = (hash ^ (store as u64 >> 6)) as usize % CACHE_SLOTS;
        let cached = CACHE.with(|c| c[slot].get());
        if let Some(c) = cached {
            if c.store == store && c.hash == hash && c.key.len() == key.len() && same_bytes(c.key, key) {
                return (c.series, c.hot);
            }
        }
        let shard = &map.shards[(hash >> 40) as usize % SHARDS];
        let found = shard.read().unwrap_or_else(|e| e.into_inner()).find(hash, |e| e.holds(hash, key)).map(|e| {
            let hot = e.hot(self.dyn_stride());
            if let Some(h) = hot {
                h.prefetch();
            }
            (e.series(), e.key, hot)
        });
        match found {
            Some((series, key, hot)) => {
                CACHE.with(|c| c[slot].set(Some(Cached { store, hash, key, series, hot })));
                (series, hot)
            }
            None => self.insert(map, shard, hash, key),
        }
    }

    #[cold]
    fn insert(
        &self,
        map: &DynMap,
        shard: &RwLock<HashTable<Entry>>,
        hash: u64,
        bytes: &[u8],
    ) -> (SeriesRef, Option<Hot>) {
        let mut st = map.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut table = shard.write().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = table.find(hash, |e| e.holds(hash, bytes)) {
            return (e.series(), e.hot(self.dyn_stride()));
        }
        // Checked before leaking anything: what is leaked is bounded by the cap.
        let refused = if bytes.split(|b| *b == 0xff).any(|v| v.len() > MAX_LABEL_VALUE_LEN) {
            Some(OverflowReason::ValueTooLong)
        } else if bytes.split(|b| *b == 0xff).any(|v| v == OVERFLOW_VALUE.as_bytes()) {
            Some(OverflowReason::ReservedValue)
        } else if st.len >= self.desc.cap {
            Some(OverflowReason::Cardinality)
        } else {
            None
        };
        let key = match refused {
            None => match Key::new(bytes.to_vec(), self.desc.labels.len()) {
                Some(key) => Ok(key),
                None => Err(OverflowReason::InvalidLabelSet),
            },
            Some(reason) => Err(reason),
        };
        let key = match key {
            Ok(key) => key,
            Err(reason) => {
                let series = self.overflow_series(&mut st);
                drop(table);
                drop(st);
                self_metrics::record_overflow(self.desc, reason);
                return (series, self.hot_of(series));
            }
        };
        let series = self.alloc(&mut st);
        st.len += 1;
        st.ordered.insert(render(self.desc, key).into(), (series, key));
        let hot = self.hot_of(series);
        let mut inline = [0; INLINE];
        let head = &key.bytes()[..key.bytes().len().min(INLINE)];
        inline[..head.len()].copy_from_slice(head);
        let entry = Entry {
            hash,
            key: key.bytes(),
            block: series.block,
            cell: hot.and_then(|h| std::ptr::NonNull::new(h.as_ptr())).map(CellPtr),
            base: series.base,
            inline,
        };
        table.insert_unique(hash, entry, |e| e.hash);
        (series, hot)
    }

    /// Cells per row of every block of a dynamic family: each is carved by `alloc` for [`CHUNK`] series.
    #[inline(always)]
    fn dyn_stride(&self) -> usize {
        Block::stride_for((CHUNK * self.width) as usize)
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
        let bytes = self.desc.labels.iter().flat_map(|_| OVERFLOW_VALUE.bytes().chain([0xff])).collect();
        let key = Key::new(bytes, self.desc.labels.len()).expect("the overflow value is UTF-8 without 0xff");
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
                f(Labels::stored(names, *key, rendered), *s);
            }
        }
    }
}

fn render(desc: &MetricDesc, key: Key) -> String {
    render_labels(desc.labels, key.values())
}
