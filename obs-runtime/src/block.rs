//! Cache-line-aligned storage for the series of one metric.
//!
//! A block holds `rows` copies of `words` 64-bit cells. Sharded blocks (counters, histograms) have one row per
//! write slot plus a shared row, each row padded to whole cache lines so no two threads write one line. Unsharded
//! blocks (gauges, whose `set` cannot be split) have one row written with atomic read-modify-write.

use crate::slots;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

#[repr(align(64))]
struct Line([AtomicU64; 8]);

// `Block::cells` views the lines as one slice of cells.
const _: () = assert!(std::mem::size_of::<Line>() == 8 * std::mem::size_of::<AtomicU64>());

/// When the process started counting: set by the first block made (a family's first use, before its first write
/// lands) or the first read of it, whichever comes first, so it precedes every value a series holds.
pub(crate) fn counting_since() -> SystemTime {
    static SINCE: OnceLock<SystemTime> = OnceLock::new();
    *SINCE.get_or_init(SystemTime::now)
}

/// The cells of one or more series; leaked on creation because the metric that owns it is a `static`.
pub struct Block {
    lines: Box<[Line]>,
    /// Cells per row, rounded up to a whole number of lines.
    stride: usize,
    /// Index of the row shared by threads without a slot; 0 for unsharded blocks.
    shared_row: usize,
}

impl Block {
    /// Cells per row of a block of `words` cells: whole cache lines.
    pub(crate) const fn stride_for(words: usize) -> usize {
        let lines = words.div_ceil(8);
        if lines == 0 {
            8
        } else {
            lines * 8
        }
    }

    /// A block for `words` cells per row, with one row per slot (`sharded`) or a single row.
    pub(crate) fn leak(words: usize, sharded: bool) -> &'static Block {
        counting_since();
        let stride = Block::stride_for(words);
        let shared_row = if sharded { slots::count() as usize } else { 0 };
        let lines = (0..(shared_row + 1) * stride / 8).map(|_| Line(Default::default())).collect();
        let block: &'static Block = Box::leak(Box::new(Block { lines, stride, shared_row }));
        if sharded {
            // Blocks are made on a family's first use, never on the write path: the lock costs nothing there.
            SHARDED.lock().unwrap_or_else(|e| e.into_inner()).push(block);
        }
        block
    }

    #[inline(always)]
    fn cell(&self, row: usize, word: usize) -> &AtomicU64 {
        let i = row * self.stride + word;
        &self.lines[i / 8].0[i % 8]
    }

    /// Every cell, row after row.
    #[inline(always)]
    fn cells(&self) -> &[AtomicU64] {
        // SAFETY: a `Line` is exactly eight `AtomicU64`s (64 bytes, its alignment adds no padding), and the boxed
        // slice of lines is one allocation, so it is a valid slice of `8 * len` cells for as long as `self`.
        unsafe { std::slice::from_raw_parts(self.lines.as_ptr().cast::<AtomicU64>(), self.lines.len() * 8) }
    }

    /// Folds `f` over the bits of cell `word` in every row that may hold writes: the rows of the slots handed out
    /// so far, then the shared row (row 0 alone when unsharded). Rows of slots never claimed are all zeros, and
    /// skipping them keeps a scrape from touching a cache line per possible slot of every series.
    #[inline]
    fn fold_written<T>(&self, word: usize, init: T, mut f: impl FnMut(T, u64) -> T) -> T {
        let cells = self.cells();
        let claimed = (slots::claimed() as usize).min(self.shared_row);
        // A plain loop over the one slice: an iterator chain of the rows measured 5% slower on a 10 000-series scrape.
        let mut acc = init;
        for r in 0..claimed {
            acc = f(acc, cells[r * self.stride + word].load(Relaxed));
        }
        f(acc, cells[self.shared_row * self.stride + word].load(Relaxed))
    }

    /// The sum over all rows of an integer cell.
    pub(crate) fn sum_u64(&self, word: usize) -> u64 {
        self.fold_written(word, 0u64, u64::wrapping_add)
    }

    /// The sum over all rows of a float cell.
    pub(crate) fn sum_f64(&self, word: usize) -> f64 {
        self.fold_written(word, 0.0, |acc, bits| acc + f64::from_bits(bits))
    }

    /// Writes the sum over every written row of cells `0..out.len()` into `out`: as `f64` bits for the cells
    /// `float` says hold floats, wrapping integers for the others. A scrape of a large family sums its blocks this
    /// way first, row by row in memory order, so its walk in label order reads one dense cell per value instead of
    /// one cache line per written row.
    pub(crate) fn sum_into(&self, out: &mut [u64], float: impl Fn(usize) -> bool) {
        let cells = self.cells();
        let claimed = (slots::claimed() as usize).min(self.shared_row);
        let n = out.len().min(self.stride);
        let row = |r: usize| &cells[r * self.stride..r * self.stride + n];
        for (o, c) in out.iter_mut().zip(row(self.shared_row)) {
            *o = c.load(Relaxed);
        }
        for r in 0..claimed {
            for (o, c) in out.iter_mut().zip(row(r)) {
                *o = o.wrapping_add(c.load(Relaxed));
            }
        }
        for (w, o) in out.iter_mut().enumerate().take(n) {
            if float(w) {
                *o = self.sum_f64(w).to_bits();
            }
        }
    }

    /// Asks the CPU to fetch the lines of every written row, for [`Block::sum_into`] on this block a little later.
    pub(crate) fn prefetch_written(&self) {
        let claimed = (slots::claimed() as usize).min(self.shared_row);
        let base = self.lines.as_ptr();
        let per_row = self.stride / 8;
        for r in (0..claimed).chain([self.shared_row]) {
            for l in 0..per_row {
                // SAFETY: row `r` is a row of this block, so the line is inside `lines`.
                prefetch(unsafe { base.add(r * per_row + l) }.cast());
            }
        }
    }

    /// The single cell of an unsharded block, for atomic read-modify-write.
    #[inline(always)]
    pub(crate) fn atomic(&self, word: usize) -> &AtomicU64 {
        self.cell(0, word)
    }

    /// Cell `word` of the shared row (row 0 when unsharded).
    #[inline(always)]
    pub(crate) fn shared_cell(&self, word: usize) -> &AtomicU64 {
        self.cell(self.shared_row, word)
    }
}

/// A read prefetch of the line at `p`: a hint, which never faults.
#[inline(always)]
pub(crate) fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults and changes no memory.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Every sharded block made so far, for [`RowCopy`] (a test reads its own thread's row of each).
static SHARDED: Mutex<Vec<&'static Block>> = Mutex::new(Vec::new());

/// The cells of every sharded block at one moment: one slot's row as written, and the sum over all rows (as
/// integers and as floats, since a block does not know which of its cells hold `f64` bits).
///
/// This is what `obs::testing` compares between a scope's start and end: the delta of the scope's own slot is
/// exactly what its thread wrote (no other thread writes that row), and the delta of the sum is what every
/// thread wrote, so the difference is the writes of other threads.
pub(crate) struct RowCopy {
    blocks: std::collections::HashMap<usize, Copied>,
}

struct Copied {
    own: Box<[u64]>,
    all_u64: Box<[u64]>,
    all_f64: Box<[f64]>,
}

impl RowCopy {
    /// Copies row `slot` (which must be an exclusive slot, not [`slots::SHARED`]) of every sharded block.
    pub(crate) fn take(slot: u32) -> RowCopy {
        let blocks: Vec<&'static Block> = SHARDED.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let blocks = blocks
            .into_iter()
            .map(|b| {
                let own = (0..b.stride).map(|w| b.cell(slot as usize, w).load(Relaxed)).collect();
                let all_u64 = (0..b.stride).map(|w| b.sum_u64(w)).collect();
                let all_f64 = (0..b.stride).map(|w| b.sum_f64(w)).collect();
                (b as *const Block as usize, Copied { own, all_u64, all_f64 })
            })
            .collect();
        RowCopy { blocks }
    }

    /// Cell `word` of `block` in the copied row; a block made after the copy was all zeros then.
    pub(crate) fn own(&self, block: &'static Block, word: usize) -> u64 {
        self.blocks.get(&(block as *const Block as usize)).map_or(0, |c| c.own[word])
    }

    /// Cell `word` of `block` summed over every row, as an integer and as a float.
    pub(crate) fn all(&self, block: &'static Block, word: usize) -> (u64, f64) {
        self.blocks.get(&(block as *const Block as usize)).map_or((0, 0.0), |c| (c.all_u64[word], c.all_f64[word]))
    }
}

/// One cell of a sharded block as a write path wants it: the address of the cell in row 0 and the distance
/// between rows, so a write is the thread's row word, one multiply-add, one test and the add.
///
/// Made only by [`Block::hot`], which checks that the cell is inside a row of a sharded block. The block has one
/// row per slot plus the shared row, and a thread's row word is always one of those rows (an exclusive slot is
/// `< slots::count()`, the shared row is `slots::count()`, and `count()` is fixed before the first block is
/// made), so the pointer arithmetic of a write stays inside the block's one allocation, which is leaked and
/// never freed. The cells are atomics, so another thread reading them (a scrape) is no data race.
#[derive(Clone, Copy)]
pub(crate) struct Hot {
    cell: NonNull<AtomicU64>,
    /// Cells per row.
    stride: usize,
}

// SAFETY: a `Hot` points into a leaked block of atomics (see the type's comment): sharing it is sharing
// `&'static [AtomicU64]`, which is `Send + Sync`.
unsafe impl Send for Hot {}
// SAFETY: as above.
unsafe impl Sync for Hot {}

impl Block {
    /// The [`Hot`] view of cell `word` of a sharded block.
    pub(crate) fn hot(&'static self, word: usize) -> Hot {
        assert!(word < self.stride && self.shared_row == slots::count() as usize, "a cell of a sharded row");
        // From the slice's pointer, not from `&cells[word]`: the pointer must be valid for every row's cell.
        let cells = self.cells();
        // SAFETY: `word < stride <= cells.len()`, so the offset stays inside the slice.
        let cell = unsafe { NonNull::new_unchecked(cells.as_ptr().add(word).cast_mut()) };
        Hot { cell, stride: self.stride }
    }
}

impl Hot {
    /// Row 0's first cell of a sharded block with `stride` cells per row, as [`Hot::as_ptr`] gave it.
    ///
    /// # Safety
    /// `cells` must be `block.hot(0).as_ptr()` of a sharded block whose rows have `stride` cells.
    #[inline(always)]
    pub(crate) unsafe fn row0(cells: *mut AtomicU64, stride: usize) -> Hot {
        debug_assert!(!cells.is_null());
        // SAFETY: the caller passes a cell pointer that `Block::hot` made, so not null.
        Hot { cell: unsafe { NonNull::new_unchecked(cells) }, stride }
    }

    /// The cell's address, to rebuild it with [`Hot::row0`].
    pub(crate) fn as_ptr(self) -> *mut AtomicU64 {
        self.cell.as_ptr()
    }

    /// The cell `k` places after this one in the same row.
    ///
    /// # Safety
    /// This cell's word plus `k` must be below the block's row stride (the cell stays in row 0).
    #[inline(always)]
    pub(crate) unsafe fn offset(self, k: usize) -> Hot {
        // SAFETY: the caller keeps the cell inside row 0 of the same block.
        Hot { cell: unsafe { self.cell.add(k) }, stride: self.stride }
    }

    /// The cell of row `row`.
    #[inline(always)]
    fn at(self, row: u32) -> &'static AtomicU64 {
        // SAFETY: `row` is a thread's row word (an exclusive slot) or `resolve_shared`'s result (the shared row
        // or a slot), so `row <= slots::count()`, the block's last row: see the type's comment.
        unsafe { &*self.cell.as_ptr().add(row as usize * self.stride) }
    }

    /// Adds `v` to this cell of the caller's row: a plain load + store in its own slot, `fetch_add` in the
    /// shared row.
    #[inline(always)]
    pub(crate) fn add_u64(self, v: u64) {
        let w = slots::word();
        if w & slots::SHARED_FLAG == 0 {
            let c = self.at(w);
            c.store(c.load(Relaxed).wrapping_add(v), Relaxed);
        } else {
            self.at(slots::resolve_shared(w)).fetch_add(v, Relaxed);
        }
    }

    /// Adds `v` to this cell, holding `f64` bits, of the caller's row.
    #[inline(always)]
    pub(crate) fn add_f64(self, v: f64) {
        let w = slots::word();
        if w & slots::SHARED_FLAG == 0 {
            let c = self.at(w);
            c.store((f64::from_bits(c.load(Relaxed)) + v).to_bits(), Relaxed);
        } else {
            atomic_add_f64(self.at(slots::resolve_shared(w)), v);
        }
    }
}

impl Hot {
    /// The caller's row, resolved once for a write of several cells (a histogram's bucket and sum, a traced
    /// call's result, bucket and sum).
    #[inline(always)]
    pub(crate) fn row(self) -> HotRow {
        let w = slots::word();
        let (row, exclusive) = if w & slots::SHARED_FLAG == 0 { (w, true) } else { (slots::resolve_shared(w), false) };
        self.row_at(row, exclusive)
    }

    /// The caller's slot and row if it owns one (an exclusive slot), for a write path that keeps the shared row's
    /// atomic writes and the first claim of a slot out of line.
    #[inline(always)]
    pub(crate) fn own_row(self) -> Option<(u32, HotRow)> {
        let w = slots::word();
        (w & slots::SHARED_FLAG == 0).then(|| (w, self.row_at(w, true)))
    }

    /// Row `row` from this cell on; `row` is a thread's row word (an exclusive slot) or `resolve_shared`'s result.
    #[inline(always)]
    fn row_at(self, row: u32, exclusive: bool) -> HotRow {
        // SAFETY: as in `Hot::at`: `row <= slots::count()`, the block's last row. A raw pointer, not `&cell`:
        // the row's other cells are reached from it.
        HotRow { cell: unsafe { self.cell.as_ptr().add(row as usize * self.stride) }, exclusive }
    }
}

/// The caller's row of a sharded block, from this row's copy of a [`Hot`] cell onwards; see [`Hot::row`].
#[derive(Clone, Copy)]
pub(crate) struct HotRow {
    cell: *const AtomicU64,
    /// The caller owns the row, so plain load + store is exact; otherwise the row is shared: atomic RMW.
    exclusive: bool,
}

/// A row the caller owns, kept (one pointer) to be written again on the same thread: see [`HotRow::keep`].
#[derive(Clone, Copy)]
pub(crate) struct OwnRow(NonNull<AtomicU64>);

// SAFETY: as for `Hot`: an `OwnRow` points into a leaked block of atomics, so sending it to another thread is
// memory-safe; written from another thread, its plain stores would lose updates, which its holders rule out.
unsafe impl Send for OwnRow {}
// SAFETY: as above.
unsafe impl Sync for OwnRow {}

impl OwnRow {
    /// The kept row, written with plain stores and no test left for the shared row.
    #[inline(always)]
    pub(crate) fn row(self) -> HotRow {
        HotRow { cell: self.0.as_ptr(), exclusive: true }
    }
}

impl HotRow {
    /// This row, to keep for writes that will run on this thread again, if the caller owns it.
    #[inline(always)]
    pub(crate) fn keep(self) -> Option<OwnRow> {
        // SAFETY: a row's cell is an address inside a leaked block, never null.
        self.exclusive.then(|| OwnRow(unsafe { NonNull::new_unchecked(self.cell.cast_mut()) }))
    }

    /// The cell `k` places after the [`Hot`] cell this row came from.
    ///
    /// # Safety
    /// The `Hot` cell's word plus `k` must be below the block's row stride (the cell stays in this row).
    #[inline(always)]
    unsafe fn at(self, k: usize) -> &'static AtomicU64 {
        // SAFETY: the caller keeps `k` inside the row, and the row is inside the block (see `Hot`).
        unsafe { &*self.cell.add(k) }
    }

    /// Adds `v` to the integer cell `k` places on.
    ///
    /// # Safety
    /// As [`HotRow::at`].
    #[inline(always)]
    pub(crate) unsafe fn add_u64(self, k: usize, v: u64) {
        // SAFETY: passed on from the caller.
        let c = unsafe { self.at(k) };
        if self.exclusive {
            c.store(c.load(Relaxed).wrapping_add(v), Relaxed);
        } else {
            c.fetch_add(v, Relaxed);
        }
    }

    /// The integer cell `k` places on.
    ///
    /// # Safety
    /// As [`HotRow::at`].
    #[inline(always)]
    pub(crate) unsafe fn load_u64(self, k: usize) -> u64 {
        // SAFETY: passed on from the caller.
        unsafe { self.at(k) }.load(Relaxed)
    }

    /// Sets the integer cell `k` places on, in a row the caller owns.
    ///
    /// # Safety
    /// As [`HotRow::at`].
    #[inline(always)]
    pub(crate) unsafe fn set_u64(self, k: usize, v: u64) {
        debug_assert!(self.exclusive);
        // SAFETY: passed on from the caller.
        unsafe { self.at(k) }.store(v, Relaxed);
    }

    /// Adds `v` to the float cell `k` places on.
    ///
    /// # Safety
    /// As [`HotRow::at`].
    #[inline(always)]
    pub(crate) unsafe fn add_f64(self, k: usize, v: f64) {
        // SAFETY: passed on from the caller.
        let c = unsafe { self.at(k) };
        if self.exclusive {
            c.store((f64::from_bits(c.load(Relaxed)) + v).to_bits(), Relaxed);
        } else {
            atomic_add_f64(c, v);
        }
    }
}

/// Atomic float addition by compare-and-swap on the bits.
#[inline]
pub(crate) fn atomic_add_f64(cell: &AtomicU64, v: f64) {
    let mut cur = cell.load(Relaxed);
    loop {
        let new = (f64::from_bits(cur) + v).to_bits();
        match cell.compare_exchange_weak(cur, new, Relaxed, Relaxed) {
            Ok(_) => return,
            Err(seen) => cur = seen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sum_counts_the_rows_of_slots_claimed_after_the_block_was_made_and_the_shared_row() {
        let block = Block::leak(1, true);
        let hot = block.hot(0);
        let before = slots::claimed();
        // Threads that take slots now (fresh ones, unless earlier threads gave theirs back) write rows the
        // block's first sum could have skipped; one more writes the shared row.
        let writers: Vec<_> = (0..3u64)
            .map(|i| std::thread::spawn(move || hot.add_u64(1 << i)))
            .chain([std::thread::spawn(move || {
                slots::use_on_this_thread(crate::WriteStrategy::Atomic);
                hot.add_u64(8);
            })])
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        assert!(slots::claimed() >= before && slots::claimed() <= slots::count());
        assert_eq!(block.sum_u64(0), 15);
    }
}
