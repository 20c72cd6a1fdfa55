//! Where a label set's cells live.
//!
//! Dense families (every label fixed, and few enough sets to fit the cap) keep all their series in one block,
//! addressed by the index the labels compute from their discriminants: no hashing, no lock. Dynamic families look
//! the label values up in an insert-only hash index that readers probe without a lock; new series are carved from
//! blocks of [`CHUNK`] series, and once the family holds `cap` series every new label set is sent to one overflow
//! series and counted.
//!
//! The overflow series takes [`OVERFLOW_VALUE`] in every label, so that value is reserved: a user's label set that
//! contains it is refused like an oversized one (sent to the overflow series and counted), rather than stored as a
//! series whose rendered labels would be the overflow series' own.

use crate::block::{Block, Hot};
use crate::bytes::same_bytes;
use crate::desc::MetricDesc;
use crate::encoding::render_labels;
use crate::labels::{encode, fixed_product, fixed_values, Key, KeyBuf, LabelSet};
use crate::model::Labels;
use crate::self_metrics::{self, OverflowReason};
use std::cell::{Cell, UnsafeCell};
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

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

/// Entries of the per-thread cache of dynamic label sets: 256 of 16 bytes, 4 KiB per thread, so a thread that
/// cycles over a few hundred hot series skips the shared index's probe (a power of two: the slot is a mask).
const CACHE_SLOTS: usize = 256;

/// A series this thread found: its family's store and its index entry, which holds the hash and key to compare.
#[derive(Clone, Copy)]
struct Cached {
    store: usize,
    entry: &'static Entry,
}

// `Cell`s, not a `RefCell`: a lookup is one copy out and an insert one copy in, with no borrow flag to test and
// set. `const` initialised without a destructor, so `with` is a plain TLS access.
thread_local! {
    static CACHE: [Cell<Option<Cached>>; CACHE_SLOTS] = const { [const { Cell::new(None) }; CACHE_SLOTS] };
}

const _: () = assert!(std::mem::size_of::<Option<Cached>>() == 16, "four cache entries to a line");

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

/// The cells of the series [`SeriesStore::for_each`] passes: read live from the block ([`Live`]), or from the sums
/// of the series' cells a scrape of a large dynamic family made first (`Summed`, the series' own cells, as
/// [`Block::sum_into`] wrote them).
pub(crate) enum Read<'a> {
    Live,
    Summed(&'a [u64]),
}

impl Cells for Read<'_> {
    #[inline]
    fn u64(&self, s: SeriesRef, k: usize) -> u64 {
        match self {
            Read::Live => Live.u64(s, k),
            Read::Summed(cells) => cells[k],
        }
    }
    #[inline]
    fn f64(&self, s: SeriesRef, k: usize) -> f64 {
        match self {
            Read::Live => Live.f64(s, k),
            Read::Summed(cells) => f64::from_bits(cells[k]),
        }
    }
}

/// Series a dynamic family must hold before a scrape sums its blocks ahead of the walk: below it the blocks stay
/// in the caches between one series' read and the next, and summing them first is only extra work.
const SUM_AHEAD_FROM: usize = 4096;

/// The series of one metric family.
pub(crate) struct SeriesStore {
    desc: &'static MetricDesc,
    /// Cells per series.
    width: u32,
    /// The one cell of each series that holds `f64` bits, if any.
    float_cell: Option<u32>,
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
    /// A dynamic family's current index (null until its first lookup), read with an acquire load and no lock;
    /// replaced (by a twice larger copy) only with the state locked.
    index: AtomicPtr<Index>,
    dynamic: OnceLock<DynMap>,
}

/// The rendered labels and raw values of one dense series.
type DenseLabels = (String, Box<[&'static str]>);

struct DynMap {
    /// Held by every writer: inserts, growth and the exposition's ordered view.
    state: Mutex<DynState>,
}

/// A dynamic family's series by key hash, laid out as hashbrown lays out its tables (groups of 8 one-byte tags
/// beside the entries themselves), but with slots that are written once, so readers take no lock.
///
/// Series are never removed, so a slot goes from empty to its entry once and never changes again. A writer (the
/// state lock held) writes the entry, then publishes it by storing its group's tag word with release ordering; a
/// reader loads the tag word with acquire ordering and reads only entries whose tag it saw. A reader on a
/// superseded index only misses a series inserted since, and a miss is re-checked under the state lock. A
/// superseded index is leaked, not freed (a reader may still be probing it): each index is twice the size of the
/// one before, so the leaked ones together are smaller than the current one, and the family's cap bounds that.
/// The index is kept at most 7/8 full, so a probe always ends at a group with an empty slot.
struct Index {
    /// One word per group (a power of two of them): byte `j` (bits `8j..8j+8`) is slot `j`'s tag, 0 while empty, else `0x80` and the
    /// hash's top 7 bits.
    tags: Box<[AtomicU64]>,
    /// The entries, `GROUP` per group.
    rooms: Box<[EntryRoom]>,
}

/// Slots per group: one tag word.
const GROUP: usize = 8;
/// Groups of a dynamic family's first index (a power of two); each growth doubles it.
const FIRST_GROUPS: usize = 2;
const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

impl Index {
    fn leak(groups: usize) -> &'static Index {
        debug_assert!(groups.is_power_of_two());
        Box::leak(Box::new(Index {
            tags: (0..groups).map(|_| AtomicU64::new(0)).collect(),
            rooms: (0..groups * GROUP).map(|_| EntryRoom(UnsafeCell::new(MaybeUninit::uninit()))).collect(),
        }))
    }

    #[inline(always)]
    fn tag(hash: u64) -> u8 {
        0x80 | (hash >> 57) as u8
    }

    /// The groups a probe for `hash` visits, in order: triangular probing, which over a power-of-two number of
    /// groups visits every group once (so it cannot miss the empty slot the load bound keeps).
    #[inline(always)]
    fn probe(&self, hash: u64) -> impl Iterator<Item = usize> {
        let mask = self.tags.len() - 1;
        (0..=mask).scan(hash as usize & mask, move |g, stride| {
            let at = *g;
            *g = (*g + stride + 1) & mask;
            Some(at)
        })
    }

    /// The published entry of slot `j` of group `g`.
    ///
    /// # Safety
    /// The slot's tag was seen set, with acquire ordering or by the writer holding the state lock; `g` is a
    /// group of this index and `j < GROUP`.
    #[inline(always)]
    unsafe fn entry(&self, g: usize, j: usize) -> &Entry {
        debug_assert!(g < self.tags.len() && j < GROUP);
        // SAFETY: `rooms` has `GROUP` rooms per group, so the room is in bounds; a set tag was stored (release)
        // after its entry was written in full (`put`), and a published entry is never written again.
        unsafe { (*self.rooms.get_unchecked(g * GROUP + j).0.get()).assume_init_ref() }
    }

    /// The entry holding `key` (whose hash is `hash`), if this index has it.
    #[inline(always)]
    fn find(&self, hash: u64, key: &[u8]) -> Option<&Entry> {
        let tag = Self::tag(hash);
        for g in self.probe(hash) {
            // SAFETY: `probe` yields groups below `tags.len()` (masked by it, a power of two).
            let w = unsafe { self.tags.get_unchecked(g) }.load(Ordering::Acquire);
            // Bytes equal to the tag (a borrow can flag a byte that is not: each is checked exactly below).
            let x = w ^ (LO * tag as u64);
            let mut m = x.wrapping_sub(LO) & !x & HI;
            while m != 0 {
                let j = (m.trailing_zeros() / 8) as usize;
                if (w >> (8 * j)) as u8 == tag {
                    // SAFETY: the tag of slot `j` is set in the word just loaded with acquire ordering.
                    let e = unsafe { self.entry(g, j) };
                    if e.holds(hash, key) {
                        return Some(e);
                    }
                }
                m &= m - 1;
            }
            if !w & HI != 0 {
                return None;
            }
        }
        None
    }

    /// Adds `entry`; the caller holds the state lock (so it is the only writer) and has checked there is room.
    fn put(&self, entry: Entry) {
        let tag = Self::tag(entry.hash);
        for g in self.probe(entry.hash) {
            let w = self.tags[g].load(Ordering::Relaxed);
            let empty = !w & HI;
            if empty != 0 {
                let j = (empty.trailing_zeros() / 8) as usize;
                // SAFETY: slot `j` of group `g` is empty (its tag is 0), so no reader reads this room, and the
                // one writer (the caller holds the state lock) writes it once.
                unsafe { (*self.rooms[g * GROUP + j].0.get()).write(entry) };
                self.tags[g].store(w | (tag as u64) << (8 * j), Ordering::Release);
                return;
            }
        }
        unreachable!("an index is grown before it is 7/8 full, so a probe finds an empty slot");
    }

    /// Entries this index takes before it must grow: 7/8 of its slots.
    fn capacity(&self) -> usize {
        self.tags.len() * 7
    }

    /// Every entry.
    fn entries(&self) -> impl Iterator<Item = &Entry> + '_ {
        self.tags.iter().enumerate().flat_map(move |(g, t)| {
            let w = t.load(Ordering::Acquire);
            // SAFETY: the slot's tag is set in the word just loaded with acquire ordering.
            (0..GROUP).filter(move |j| (w >> (8 * j)) & 0x80 != 0).map(move |j| unsafe { self.entry(g, j) })
        })
    }
}

/// Room for one [`Entry`] of an [`Index`], written once by the one writer before readers can see its tag.
struct EntryRoom(UnsafeCell<MaybeUninit<Entry>>);

// SAFETY: a room is written once, by the one writer holding the state lock, before its tag is published with
// release ordering; readers read it only after seeing that tag, and nothing writes it again.
unsafe impl Sync for EntryRoom {}

/// Key bytes an [`Entry`] holds in place: a key this long or shorter is compared without leaving the entry.
const INLINE: usize = 20;

/// One series in a dynamic family's map: one cache line holding the whole hash, the key (in place when short) and
/// where the series' cells are, so a lookup past the per-thread cache touches the control bytes, this line and
/// the cell it writes, and chases no pointer to compare the key.
#[derive(Clone, Copy)]
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
    /// Every block carved so far, in carving order: series `n` is cell `n % CHUNK` of block `n / CHUNK`.
    blocks: Vec<&'static Block>,
    /// Kept from one scrape to the next: what [`Block::sum_into`] wrote for every block, block after block.
    sums: Vec<u64>,
    /// Every series with its rendered labels, in exposition order.
    ordered: Ordered,
    overflow: Option<&'static Entry>,
}

/// A dynamic family's series in exposition order (sorted by rendered labels), laid out for a scrape to read front to
/// back: the rendered label sets one after another in one string, and a row per series pointing into it. Series
/// inserted since the last scrape wait in `pending`, and the next scrape merges them in, so an insert costs a push
/// and a scrape of an unchanged family follows no pointer per series but its cells.
#[derive(Default)]
struct Ordered {
    text: String,
    rows: Vec<Row>,
    pending: Vec<(Box<str>, Carved, Key)>,
}

/// A series carved from a dynamic family's blocks: its cells, and its number in carving order.
#[derive(Clone, Copy)]
struct Carved {
    series: SeriesRef,
    n: u32,
}

/// One series of [`Ordered`]: its rendered labels at `text[at..at + len]`.
#[derive(Clone, Copy)]
struct Row {
    at: usize,
    len: usize,
    series: Carved,
    key: Key,
}

impl Row {
    /// The row's rendered labels, in the `text` of the [`Ordered`] it belongs to.
    fn labels<'t>(&self, text: &'t str) -> &'t str {
        &text[self.at..self.at + self.len]
    }
}

impl Ordered {
    fn len(&self) -> usize {
        self.rows.len() + self.pending.len()
    }

    fn insert(&mut self, rendered: String, series: Carved, key: Key) {
        self.pending.push((rendered.into(), series, key));
    }

    /// Merges the pending series into the sorted rows (rendered label sets are unique: each is one key's).
    fn settle(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut pending = std::mem::take(&mut self.pending);
        pending.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let (old_text, old_rows) = (std::mem::take(&mut self.text), std::mem::take(&mut self.rows));
        let mut text = String::with_capacity(old_text.len() + pending.iter().map(|p| p.0.len()).sum::<usize>());
        let mut rows = Vec::with_capacity(old_rows.len() + pending.len());
        let mut push = |rendered: &str, series: Carved, key: Key| {
            rows.push(Row { at: text.len(), len: rendered.len(), series, key });
            text.push_str(rendered);
        };
        let (mut old, mut new) = (old_rows.iter().peekable(), pending.iter().peekable());
        loop {
            let old_first = match (old.peek(), new.peek()) {
                (Some(r), Some(p)) => r.labels(&old_text) < &*p.0,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if old_first {
                let r = old.next().expect("peeked");
                push(r.labels(&old_text), r.series, r.key);
            } else {
                let (rendered, series, key) = new.next().expect("peeked");
                push(rendered, *series, *key);
            }
        }
        (self.text, self.rows) = (text, rows);
    }
}

impl SeriesStore {
    /// `dense_ok` is false for kinds that must not expose unset label combinations (info).
    /// `float_cell` is the one cell of a series that holds `f64` bits, if any.
    pub(crate) const fn new(
        desc: &'static MetricDesc,
        width: u32,
        float_cell: Option<u32>,
        sharded: bool,
        dense_ok: bool,
    ) -> Self {
        // The labels come from `L::LABELS`, so this agrees with `L::FIXED`, without bounding `new` on `L`: a
        // missing `#[derive(Labels)]` is then reported once, on the user's type.
        let dense = match fixed_product(desc.labels) {
            Some(n) if dense_ok && n <= desc.cap => n,
            _ => 0,
        };
        SeriesStore {
            desc,
            width,
            float_cell,
            sharded,
            dense,
            dense_block: AtomicPtr::new(std::ptr::null_mut()),
            dense_cells: AtomicPtr::new(std::ptr::null_mut()),
            dense_stride: Block::stride_for((dense * width) as usize),
            dense_labels: OnceLock::new(),
            index: AtomicPtr::new(std::ptr::null_mut()),
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
            self.resolve_dynamic(labels).series()
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
            let e = self.resolve_dynamic(labels);
            let s = e.series();
            match e.hot(self.dyn_stride()) {
                Some(hot) => (s, hot),
                None => (s, s.block.hot(s.word(0))),
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
        self.dynamic.get_or_init(|| DynMap { state: Mutex::new(DynState::default()) })
    }

    /// The current index of this dynamic family, made on first use.
    #[inline(always)]
    fn index(&self) -> &'static Index {
        let i = self.index.load(Ordering::Acquire);
        if i.is_null() {
            self.first_index()
        } else {
            // SAFETY: a non-null pointer is a leaked index, published with release ordering.
            unsafe { &*i }
        }
    }

    #[cold]
    #[inline(never)]
    fn first_index(&self) -> &'static Index {
        let _st = self.map().state.lock().unwrap_or_else(|e| e.into_inner());
        let i = self.index.load(Ordering::Acquire);
        if !i.is_null() {
            // SAFETY: as in `index`.
            return unsafe { &*i };
        }
        let index = Index::leak(FIRST_GROUPS);
        self.index.store(index as *const Index as *mut Index, Ordering::Release);
        index
    }

    /// Replaces the full `old` index by a copy twice its size, published for readers; the state lock is held.
    /// Entries already handed out stay valid: the old index is leaked, and an entry never changes.
    #[cold]
    fn grow(&self, old: &'static Index) -> &'static Index {
        let new = Index::leak(old.tags.len() * 2);
        for e in old.entries() {
            new.put(*e);
        }
        self.index.store(new as *const Index as *mut Index, Ordering::Release);
        new
    }

    /// The generic half of a dynamic lookup: collect the key `labels` write, then look it up in code shared by
    /// every label type and call site.
    #[inline(always)]
    fn resolve_dynamic<L: LabelSet>(&self, labels: &L) -> &'static Entry {
        let mut key = KeyBuf::new();
        labels.hash_values(&mut key);
        match key.bytes() {
            Some(bytes) => self.resolve_key(bytes, key.hash()),
            // The hasher saw every byte, so the hash is whole even when the bytes outgrew the stack.
            None => self.resolve_long(labels, key.hash()),
        }
    }

    /// A label set too long for the stack key: collected on the heap, then the same lookup.
    #[cold]
    #[inline(never)]
    fn resolve_long<L: LabelSet>(&self, labels: &L, hash: u64) -> &'static Entry {
        self.resolve_key(&encode(labels), hash)
    }

    /// The entry of the series `key` names (whose hash is `hash`), creating the series on first use; a refused
    /// label set gets the overflow series' entry.
    #[inline(never)]
    fn resolve_key(&self, key: &[u8], hash: u64) -> &'static Entry {
        let store = self as *const SeriesStore as usize;
        // A hit in this thread's cache skips the probe; the entry's key is compared, so a hash collision only
        // costs a miss.
        let slot = (hash ^ (store as u64 >> 6)) as usize % CACHE_SLOTS;
        if let Some(c) = CACHE.with(|c| c[slot].get()) {
            if c.store == store && c.entry.holds(hash, key) {
                return c.entry;
            }
        }
        match self.index().find(hash, key) {
            Some(entry) => {
                CACHE.with(|c| c[slot].set(Some(Cached { store, entry })));
                entry
            }
            None => self.insert(hash, key),
        }
    }

    #[cold]
    fn insert(&self, hash: u64, bytes: &[u8]) -> &'static Entry {
        let mut st = self.map().state.lock().unwrap_or_else(|e| e.into_inner());
        // Under the lock the index is current: a series another thread inserted since this one's probe is here.
        let index = self.index();
        if let Some(e) = index.find(hash, bytes) {
            return e;
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
                let overflow = self.overflow_series(&mut st);
                drop(st);
                self_metrics::record_overflow(self.desc, reason);
                return overflow;
            }
        };
        let carved = self.alloc(&mut st);
        st.len += 1;
        st.ordered.insert(render(self.desc, key), carved, key);
        let entry = self.entry(hash, key, carved.series);
        let index = if st.len as usize > index.capacity() { self.grow(index) } else { index };
        index.put(entry);
        // The copy just published: it stays where it is (an index is never written again but to add entries).
        index.find(hash, key.bytes()).expect("the entry was just put")
    }

    /// The index entry of `series`, whose key is `key`.
    fn entry(&self, hash: u64, key: Key, series: SeriesRef) -> Entry {
        let mut inline = [0; INLINE];
        let head = &key.bytes()[..key.bytes().len().min(INLINE)];
        inline[..head.len()].copy_from_slice(head);
        Entry {
            hash,
            key: key.bytes(),
            block: series.block,
            cell: self.hot_of(series).and_then(|h| std::ptr::NonNull::new(h.as_ptr())).map(CellPtr),
            base: series.base,
            inline,
        }
    }

    /// Cells per row of every block of a dynamic family: each is carved by `alloc` for [`CHUNK`] series.
    #[inline(always)]
    fn dyn_stride(&self) -> usize {
        Block::stride_for((CHUNK * self.width) as usize)
    }

    fn hot_of(&self, s: SeriesRef) -> Option<Hot> {
        self.sharded.then(|| s.block.hot(s.word(0)))
    }

    fn alloc(&self, st: &mut DynState) -> Carved {
        let (block, used) = match st.chunk {
            Some((b, used)) if used < CHUNK => (b, used),
            _ => {
                let b = Block::leak((CHUNK * self.width) as usize, self.sharded);
                st.blocks.push(b);
                (b, 0)
            }
        };
        st.chunk = Some((block, used + 1));
        let n = (st.blocks.len() as u32 - 1) * CHUNK + used;
        Carved { series: SeriesRef { block, base: used * self.width }, n }
    }

    /// The overflow series' entry, made on first use; not in the index (no key finds it), so every refused
    /// label set comes back to `insert` and is counted.
    fn overflow_series(&self, st: &mut DynState) -> &'static Entry {
        if let Some(e) = st.overflow {
            return e;
        }
        let carved = self.alloc(st);
        // One per family, so leaking it is bounded.
        let bytes = self.desc.labels.iter().flat_map(|_| OVERFLOW_VALUE.bytes().chain([0xff])).collect();
        let key = Key::new(bytes, self.desc.labels.len()).expect("the overflow value is UTF-8 without 0xff");
        st.ordered.insert(render(self.desc, key), carved, key);
        let e: &'static Entry = Box::leak(Box::new(self.entry(0, key, carved.series)));
        st.overflow = Some(e);
        e
    }

    /// Number of series held (dense families count every label combination).
    pub(crate) fn len(&self) -> usize {
        if self.dense != 0 {
            return self.dense as usize;
        }
        self.dynamic.get().map_or(0, |m| m.state.lock().unwrap_or_else(|e| e.into_inner()).ordered.len())
    }

    /// Calls `f` with each series' labels and cells, and where to read the cells' values from, in exposition order.
    pub(crate) fn for_each(&self, mut f: impl FnMut(Labels<'_>, SeriesRef, &Read<'_>)) {
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
                f(Labels::new(names, vals, rendered), SeriesRef { block, base: i as u32 * self.width }, &Read::Live);
            }
        } else if let Some(map) = self.dynamic.get() {
            let mut st = map.state.lock().unwrap_or_else(|e| e.into_inner());
            let DynState { ordered, blocks, sums, .. } = &mut *st;
            ordered.settle();
            let width = self.width as usize;
            if self.sharded && ordered.rows.len() >= SUM_AHEAD_FROM {
                let per_block = CHUNK as usize * width;
                sums.resize(blocks.len() * per_block, 0);
                let float = |w: usize| self.float_cell.is_some_and(|c| w % width == c as usize);
                const AHEAD: usize = 4;
                for (i, out) in sums.chunks_exact_mut(per_block).enumerate() {
                    if let Some(b) = blocks.get(i + 2 * AHEAD) {
                        crate::block::prefetch((*b as *const Block).cast());
                    }
                    if let Some(b) = blocks.get(i + AHEAD) {
                        b.prefetch_written();
                    }
                    blocks[i].sum_into(out, float);
                }
                for r in &ordered.rows {
                    let cells = &sums[r.series.n as usize * width..][..width];
                    f(Labels::stored(names, r.key, r.labels(&ordered.text)), r.series.series, &Read::Summed(cells));
                }
            } else {
                for r in &ordered.rows {
                    f(Labels::stored(names, r.key, r.labels(&ordered.text)), r.series.series, &Read::Live);
                }
            }
        }
    }
}

fn render(desc: &MetricDesc, key: Key) -> String {
    render_labels(desc.labels, key.values())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_inserted_between_scrapes_are_merged_into_one_sorted_walk() {
        let block = Block::leak(64, false);
        let mut o = Ordered::default();
        // Three rounds of inserts in scrambled order, settled after each: the rows stay sorted and complete.
        let mut all = Vec::new();
        for round in 0..3u32 {
            for i in (0..40u32).map(|i| (i * 17 + round * 7) % 40) {
                let rendered = format!("route=\"/r{}-{i}\"", ["b", "a", "c"][round as usize]);
                let key = Key::new([rendered.as_bytes(), &[0xff]].concat(), 1).expect("a valid key");
                let n = all.len() as u32;
                o.insert(rendered.clone(), Carved { series: SeriesRef { block, base: n }, n }, key);
                all.push(rendered);
            }
            assert_eq!(o.len(), all.len());
            o.settle();
            assert!(o.pending.is_empty());
            let walked: Vec<&str> = o.rows.iter().map(|r| r.labels(&o.text)).collect();
            let mut want: Vec<&str> = all.iter().map(String::as_str).collect();
            want.sort();
            assert_eq!(walked, want, "round {round}");
            // Each row keeps its own series and key.
            for r in &o.rows {
                let rendered = r.labels(&o.text);
                assert_eq!(all[r.series.series.base as usize], rendered);
                assert_eq!(r.series.n, r.series.series.base);
                assert_eq!(r.key.bytes(), [rendered.as_bytes(), &[0xff]].concat());
            }
        }
    }
}
