//! Native (exponential) histogram storage and math, in Prometheus' schema.
//!
//! Schema `s` (−4..=8) puts bucket boundaries at powers of `2^(2^-s)`: bucket `i` holds `(2^((i-1)·2^-s), 2^(i·2^-s)]`,
//! so a boundary belongs to the lower bucket. Negative values mirror into negative buckets, and `|v| ≤ zero_threshold`
//! goes to the zero bucket. Lowering the schema by one merges bucket pairs (`i → ceil(i/2)`), which is how a series
//! keeps its bucket count bounded: it loses resolution, never observations.
//!
//! # Concurrency
//! Like the classic histogram's cells, the buckets are kept per write slot ([`crate::slots`]): a thread that owns its
//! slot writes its own row with plain load + store, and only that thread ever rearranges the row (moves its window,
//! or lowers its schema). A rearrangement is bracketed by a sequence number (odd while it runs), so a scrape that
//! reads a row during one retries instead of seeing a bucket twice or not at all. Threads without a slot share one
//! row behind a mutex, which makes the mutex holder its owner. A scrape merges the rows at the lowest schema among
//! them, and lowers it further while the merged series has more than `max_buckets` populated buckets.
//!
//! # Memory per series
//! See [`NativeConfig`].

use crate::slots;
use std::sync::atomic::{AtomicI64, AtomicPtr, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// The lowest schema: each bucket spans 16 octaves.
pub const MIN_SCHEMA: i8 = -4;
/// The highest schema: 256 buckets per octave.
pub const MAX_SCHEMA: i8 = 8;

/// How a native histogram picks and bounds its buckets.
///
/// # Memory per series
/// `48 + 16·(S + 1) + T·(192 + 16·max_buckets)` bytes, where `S` is the write-slot count (twice the CPUs, 8..=64)
/// and `T ≤ S + 1` the number of slots that have observed into the series: a series header, a row pointer and one
/// extra classic cell per slot, and for each observing slot a two-cache-line row header plus two windows (positive,
/// negative) of `max_buckets` 8-byte counters. With the default 160 buckets that is 2752 bytes per observing thread.
/// Nothing grows past that: the bucket count is bounded by lowering the schema.
///
/// # Exactness under threads
/// Each slot's row is written only by the thread owning the slot (plain load + store), and only that thread moves
/// its window or lowers its schema, inside a sequence-number bracket that makes a concurrent scrape retry. Threads
/// without a slot share one row behind a mutex.
///
/// ```
/// use obs_runtime::NativeConfig;
/// let c = NativeConfig::DEFAULT;
/// assert_eq!((c.factor, c.max_buckets, c.zero_threshold), (1.1, 160, 2f64.powi(-128)));
/// assert_eq!(c.initial_schema(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NativeConfig {
    /// The largest ratio wanted between neighbouring bucket boundaries; the schema is the coarsest whose factor
    /// `2^(2^-s)` is at most this (1.1 gives schema 3, factor 1.0905), as client_golang picks it.
    pub factor: f64,
    /// The most populated buckets a series keeps (positive and negative together) before it lowers its schema.
    pub max_buckets: u32,
    /// Observations with `|v| ≤ zero_threshold` are counted in the zero bucket.
    pub zero_threshold: f64,
}

impl NativeConfig {
    /// client_golang's defaults: factor 1.1, at most 160 buckets, zero threshold `2^-128`.
    pub const DEFAULT: NativeConfig =
        NativeConfig { factor: 1.1, max_buckets: 160, zero_threshold: 2.938735877055719e-39 };

    /// The schema a series starts at: the coarsest in `MIN_SCHEMA..=MAX_SCHEMA` whose growth factor is at most
    /// [`factor`](Self::factor) (the finest if none is).
    ///
    /// ```
    /// use obs_runtime::NativeConfig;
    /// let with = |factor| NativeConfig { factor, ..NativeConfig::DEFAULT }.initial_schema();
    /// assert_eq!((with(1.1), with(2.0), with(1.0001), with(1e9)), (3, 0, 8, -4));
    /// ```
    pub fn initial_schema(&self) -> i8 {
        (MIN_SCHEMA..=MAX_SCHEMA).find(|&s| 2f64.powf(2f64.powi(-(s as i32))) <= self.factor).unwrap_or(MAX_SCHEMA)
    }
}

/// The bucket index of `v > 0` in schema `s`: the `i` with `2^((i-1)·2^-s) < v ≤ 2^(i·2^-s)`.
///
/// ±Inf falls in the bucket of `f64::MAX`, so an infinite observation is counted rather than lost.
///
/// ```
/// use obs_runtime::bucket_index;
/// assert_eq!(bucket_index(1.0, 0), 0); // (0.5, 1]
/// assert_eq!(bucket_index(1.5, 0), 1); // (1, 2]
/// assert_eq!(bucket_index(2.0, 1), 2); // (√2, 2]
/// ```
#[inline(always)]
pub fn bucket_index(v: f64, s: i8) -> i32 {
    let v = v.min(f64::MAX);
    let bits = v.to_bits();
    let biased = (bits >> 52) as i32 & 0x7ff;
    if biased == 0 {
        return subnormal_index(v, s);
    }
    let e = biased - 1023;
    let mant = bits & ((1 << 52) - 1);
    if s > 0 {
        (e << s) + positive_schema_offset(&tables().0[s as usize], s as u32, mant)
    } else {
        // Boundaries sit at exponents that are multiples of 2^-s; an exact power of two is the top of its bucket.
        let e = e - (mant == 0) as i32;
        (e >> -(s as i32)) + 1
    }
}

/// Where mantissa `mant` falls in the `2^s` buckets of an octave of positive schema `s`: `0..=2^s`.
#[inline(always)]
fn positive_schema_offset(t: &Schema, s: u32, mant: u64) -> i32 {
    // One table cell spans less than the narrowest bucket, so it holds at most one boundary: one comparison. The
    // cell is below `2^(s+1)`, so the mask only lets the compiler drop the bounds check.
    let cell = (mant >> (51 - s)) as usize & ((2 << MAX_SCHEMA) - 1);
    let j = t.lut[cell] as usize;
    let m = f64::from_bits(mant | 1023u64 << 52);
    (j + (m > t.bounds[j]) as usize) as i32
}

#[cold]
fn subnormal_index(v: f64, s: i8) -> i32 {
    // Below 2^-1022 only a zero threshold of 0 lets values through; the log is exact enough there.
    (v.log2() * 2f64.powi(s as i32)).ceil() as i32
}

/// Boundaries and lookup table of one positive schema, in fixed arrays: the observe path indexes them from one
/// address, with no vector to dereference.
struct Schema {
    /// `bounds[j]` = `2^(j·2^-s)` for `j` in `0..=2^s`.
    bounds: [f64; (1 << MAX_SCHEMA) + 1],
    /// For each of the schema's `2^(s+1)` mantissa cells, the first `j` whose bound is at least the cell's start.
    lut: [u16; 2 << MAX_SCHEMA],
}

/// The tables of schemas `0..=MAX_SCHEMA` (schema 0's are unused: its boundaries are the powers of two).
struct Tables([Schema; MAX_SCHEMA as usize + 1]);

static TABLES: OnceLock<Box<Tables>> = OnceLock::new();

/// The tables, on the observe path: one load and one test once they exist.
#[inline(always)]
fn tables() -> &'static Tables {
    match TABLES.get() {
        Some(t) => t,
        None => init_tables(),
    }
}

#[cold]
#[inline(never)]
fn init_tables() -> &'static Tables {
    TABLES.get_or_init(|| {
        let empty = || Schema { bounds: [0.0; (1 << MAX_SCHEMA) + 1], lut: [0; 2 << MAX_SCHEMA] };
        let mut t = Box::new(Tables(std::array::from_fn(|_| empty())));
        for (s, t) in t.0.iter_mut().enumerate() {
            let n = 1usize << s;
            for j in 0..=n {
                t.bounds[j] = 2f64.powf(j as f64 / n as f64);
            }
            let cells = 1usize << (s + 1);
            for c in 0..cells {
                let start = 1.0 + c as f64 / cells as f64;
                t.lut[c] = t.bounds[..=n].iter().position(|b| *b >= start).unwrap_or(n) as u16;
            }
        }
        t
    })
}

/// The state of one native histogram series: populated buckets only, sorted by index.
///
/// ```
/// use obs_runtime::NativeBuckets;
/// let b = NativeBuckets { schema: 0, zero_threshold: 0.0, zero_count: 1, count: 4, sum: 6.0,
///     positive: vec![(1, 2), (2, 1)], negative: vec![] };
/// assert_eq!(b.prometheus_spans(&b.positive), (vec![(1, 2)], vec![2, -1]));
/// assert_eq!(b.otlp_dense(&b.positive), (0, vec![2, 1]));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NativeBuckets {
    /// The schema of the indices.
    pub schema: i8,
    /// Observations with `|v| ≤ zero_threshold` are in [`zero_count`](Self::zero_count).
    pub zero_threshold: f64,
    /// Observations in the zero bucket.
    pub zero_count: u64,
    /// All observations.
    pub count: u64,
    /// Sum of the observations.
    pub sum: f64,
    /// `(index, count)` of positive buckets, ascending, counts non-zero.
    pub positive: Vec<(i32, u64)>,
    /// `(index, count)` of negative buckets by the index of `|v|`, ascending, counts non-zero.
    pub negative: Vec<(i32, u64)>,
}

impl NativeBuckets {
    /// The bounds `(lower, upper]` of positive bucket `index` in this schema.
    ///
    /// ```
    /// use obs_runtime::NativeBuckets;
    /// let b = NativeBuckets { schema: 1, zero_threshold: 0.0, zero_count: 0, count: 0, sum: 0.0,
    ///     positive: vec![], negative: vec![] };
    /// assert_eq!(b.bounds(2), (2f64.sqrt(), 2.0));
    /// ```
    pub fn bounds(&self, index: i32) -> (f64, f64) {
        let w = 2f64.powi(-(self.schema as i32));
        (2f64.powf((index - 1) as f64 * w), 2f64.powf(index as f64 * w))
    }

    /// Lowers the schema by `by`, merging buckets (`i → ceil(i/2)` per step); counts are kept.
    ///
    /// ```
    /// use obs_runtime::NativeBuckets;
    /// let mut b = NativeBuckets { schema: 1, zero_threshold: 0.0, zero_count: 0, count: 3, sum: 0.0,
    ///     positive: vec![(-1, 1), (1, 1), (2, 1)], negative: vec![] };
    /// b.reduce(1);
    /// assert_eq!((b.schema, b.positive), (0, vec![(0, 1), (1, 2)]));
    /// ```
    pub fn reduce(&mut self, by: u8) {
        if by == 0 {
            return;
        }
        self.schema -= by as i8;
        for side in [&mut self.positive, &mut self.negative] {
            let mut out: Vec<(i32, u64)> = Vec::with_capacity(side.len());
            for &(i, c) in side.iter() {
                let j = reduce_index(i, by);
                match out.last_mut() {
                    Some((k, n)) if *k == j => *n += c,
                    _ => out.push((j, c)),
                }
            }
            *side = out;
        }
    }

    /// Prometheus' sparse form of `buckets`: spans `(offset, length)` and delta-encoded counts. Gaps of up to two
    /// empty buckets are bridged with zero counts, as client_golang does, since a span costs more than two deltas.
    pub fn prometheus_spans(&self, buckets: &[(i32, u64)]) -> (Vec<(i32, u32)>, Vec<i64>) {
        let mut spans: Vec<(i32, u32)> = Vec::new();
        let mut deltas = Vec::with_capacity(buckets.len());
        let (mut prev_index, mut prev_count) = (0i32, 0i64);
        for (n, &(i, c)) in buckets.iter().enumerate() {
            let gap = i - prev_index - 1;
            if n == 0 {
                spans.push((i, 1));
            } else if gap <= 2 {
                for _ in 0..gap {
                    deltas.push(-prev_count);
                    prev_count = 0;
                }
                if let Some(last) = spans.last_mut() {
                    last.1 += gap as u32 + 1;
                }
            } else {
                spans.push((gap, 1));
            }
            deltas.push(c as i64 - prev_count);
            (prev_index, prev_count) = (i, c as i64);
        }
        (spans, deltas)
    }

    /// OTLP ExponentialHistogram's dense form of `buckets`: `(offset, bucket_counts)`. OTLP's bucket `k` covers
    /// `(base^k, base^(k+1)]` with `scale` = schema, so its offset is the first Prometheus index minus one.
    pub fn otlp_dense(&self, buckets: &[(i32, u64)]) -> (i32, Vec<u64>) {
        let (Some(first), Some(last)) = (buckets.first(), buckets.last()) else { return (0, Vec::new()) };
        let mut counts = vec![0u64; (last.0 - first.0 + 1) as usize];
        for &(i, c) in buckets {
            counts[(i - first.0) as usize] = c;
        }
        (first.0 - 1, counts)
    }

    fn populated(&self) -> usize {
        self.positive.len() + self.negative.len()
    }
}

/// `ceil(i / 2^by)`.
#[inline]
fn reduce_index(i: i32, by: u8) -> i32 {
    ((i as i64 + (1i64 << by) - 1) >> by) as i32
}

/// The buckets of one sign in one row: a window of `cap` (= `max_buckets`) counters starting at index `off`, with
/// buckets populated between `lo` and `hi`. A row lowers its schema when a new bucket would make more than
/// `max_buckets` populated in both windows together, or would stretch one side's range past its window.
struct Side {
    off: AtomicI64,
    lo: AtomicI64,
    hi: AtomicI64,
}

impl Side {
    const fn new() -> Side {
        // lo > hi: empty.
        Side { off: AtomicI64::new(0), lo: AtomicI64::new(i64::MAX), hi: AtomicI64::new(i64::MIN) }
    }
}

#[repr(align(64))]
struct Header {
    /// Odd while the owner rearranges the row.
    seq: AtomicU64,
    schema: AtomicI64,
    /// Non-zero bucket counters in both windows; at most `max_buckets` (except at the lowest schema).
    populated: AtomicI64,
    zero: AtomicU64,
    pos: Side,
    neg: Side,
    /// The current schema's boundaries and lookup table while it is positive, null otherwise: the owner's fast
    /// path indexes them directly, with no table lookup.
    tables: AtomicPtr<Schema>,
    /// The least value the fast path counts: above the zero bucket and not subnormal.
    floor: f64,
}

/// The buckets written by one slot.
struct NativeRow {
    h: Header,
    /// Positive window, then negative window, `cap` each.
    cells: Box<[AtomicU64]>,
}

const R: Ordering = Ordering::Relaxed;

impl NativeRow {
    fn new(cfg: &NativeConfig) -> NativeRow {
        let cap = cfg.max_buckets.max(1) as usize;
        let row = NativeRow {
            h: Header {
                seq: AtomicU64::new(0),
                schema: AtomicI64::new(cfg.initial_schema() as i64),
                populated: AtomicI64::new(0),
                zero: AtomicU64::new(0),
                pos: Side::new(),
                neg: Side::new(),
                tables: AtomicPtr::new(std::ptr::null_mut()),
                floor: cfg.zero_threshold.max(f64::MIN_POSITIVE),
            },
            cells: (0..2 * cap).map(|_| AtomicU64::new(0)).collect(),
        };
        row.point_tables();
        row
    }

    /// Points the fast path's tables at the current schema's (null below schema 1, which the fast path leaves to
    /// [`observe`](Self::observe)).
    fn point_tables(&self) {
        let s = self.h.schema.load(R);
        let t = match s > 0 {
            true => std::ptr::from_ref(&tables().0[s as usize]).cast_mut(),
            false => std::ptr::null_mut(),
        };
        self.h.tables.store(t, R);
    }

    /// Counts `v` (not NaN) if it is positive, above the zero bucket, and falls in a bucket already populated at a
    /// positive schema: the common case, with no rearrangement. Returns false, having written nothing, otherwise.
    /// The caller owns the row.
    #[inline(always)]
    fn observe_fast(&self, v: f64) -> bool {
        let t = self.h.tables.load(R);
        // Subnormals (possible only with a zero threshold below them) take the general path's exact log.
        if t.is_null() || v <= self.h.floor {
            return false;
        }
        // SAFETY: non-null, it points into the `TABLES` box, which is never freed (see `point_tables`).
        let t = unsafe { &*t };
        let s = self.h.schema.load(R) as u32 & 0xf;
        // As `bucket_index`; +Inf lands where `f64::MAX` does, as there.
        let bits = v.to_bits();
        let i = (((bits >> 52) as i64 - 1023) << s) + positive_schema_offset(t, s, bits & ((1 << 52) - 1)) as i64;
        // A window's cells outside its populated range are zero, so a non-zero cell is a populated bucket.
        let k = i.wrapping_sub(self.h.pos.off.load(R)) as usize;
        if k >= self.cap() {
            return false;
        }
        let c = &self.cells[k];
        let n = c.load(R);
        if n == 0 {
            return false;
        }
        c.store(n + 1, R);
        true
    }

    fn cap(&self) -> usize {
        self.cells.len() / 2
    }

    /// Counts `v`; the caller owns the row (its slot's, or the shared one under its mutex).
    #[inline(always)]
    fn observe(&self, v: f64, cfg: &NativeConfig) {
        let a = v.abs();
        if a <= cfg.zero_threshold {
            bump(&self.h.zero);
            return;
        }
        let neg = v < 0.0;
        let (side, base) = if neg { (&self.h.neg, self.cap()) } else { (&self.h.pos, 0) };
        let i = bucket_index(a, self.h.schema.load(R) as i8) as i64;
        if i >= side.lo.load(R) && i <= side.hi.load(R) {
            let c = &self.cells[base + (i - side.off.load(R)) as usize];
            let n = c.load(R);
            // A bucket already populated: the common case. An empty one counts against the bound: slow path.
            if n != 0 {
                c.store(n + 1, R);
                return;
            }
        }
        self.extend(a, neg, cfg);
    }

    /// The slow path: populate a new bucket for `a`, moving the window or lowering the schema to make room.
    #[cold]
    #[inline(never)]
    fn extend(&self, a: f64, neg: bool, cfg: &NativeConfig) {
        let cap = self.cap() as i64;
        let budget = cfg.max_buckets.max(1) as i64;
        self.h.seq.fetch_add(1, Ordering::AcqRel);
        std::sync::atomic::fence(Ordering::Release);
        loop {
            let s = self.h.schema.load(R) as i8;
            let mut i = bucket_index(a, s) as i64;
            let side = if neg { &self.h.neg } else { &self.h.pos };
            let (old_lo, old_hi) = (side.lo.load(R), side.hi.load(R));
            if s == MIN_SCHEMA && old_lo <= old_hi {
                // The resolution cannot go lower: an extreme beyond the window joins the outermost bucket.
                i = i.clamp(old_hi - cap + 1, old_lo + cap - 1);
            }
            let (lo, hi) = (old_lo.min(i), old_hi.max(i));
            let base = if neg { self.cap() } else { 0 };
            let inside = old_lo <= i && i <= old_hi;
            let fresh = !inside || self.cells[base + (i - side.off.load(R)) as usize].load(R) == 0;
            let populated = self.h.populated.load(R) + fresh as i64;
            let range = hi - lo + 1;
            if range <= cap && (populated <= budget || s == MIN_SCHEMA) {
                let off = side.off.load(R);
                if lo < off || hi >= off + cap {
                    // Leave room on both sides so the next new bucket is unlikely to move the window again.
                    self.move_window(neg, lo - (cap - range) / 2);
                }
                side.lo.store(lo, R);
                side.hi.store(hi, R);
                self.h.populated.store(populated, R);
                bump(&self.cells[base + (i - side.off.load(R)) as usize]);
                break;
            }
            self.halve();
        }
        std::sync::atomic::fence(Ordering::Release);
        self.h.seq.fetch_add(1, Ordering::AcqRel);
    }

    /// Moves one side's window to start at `new_off`; its populated range must fit.
    fn move_window(&self, neg: bool, new_off: i64) {
        let (side, base) = if neg { (&self.h.neg, self.cap()) } else { (&self.h.pos, 0) };
        let cap = self.cap() as i64;
        let (off, lo, hi) = (side.off.load(R), side.lo.load(R), side.hi.load(R));
        let mut tmp = vec![0u64; self.cap()];
        if lo <= hi {
            for i in lo..=hi {
                tmp[(i - new_off) as usize] = self.cells[base + (i - off) as usize].swap(0, R);
            }
        }
        debug_assert!(lo > hi || (lo >= new_off && hi < new_off + cap));
        for (k, c) in tmp.into_iter().enumerate() {
            self.cells[base + k].store(c, R);
        }
        side.off.store(new_off, R);
    }

    /// Lowers the schema by one, merging bucket pairs in both windows.
    fn halve(&self) {
        let cap = self.cap() as i64;
        for neg in [false, true] {
            let (side, base) = if neg { (&self.h.neg, self.cap()) } else { (&self.h.pos, 0) };
            let (off, lo, hi) = (side.off.load(R), side.lo.load(R), side.hi.load(R));
            if lo > hi {
                continue;
            }
            let mut merged = vec![0u64; self.cap()];
            let (nlo, nhi) = (reduce_index(lo as i32, 1) as i64, reduce_index(hi as i32, 1) as i64);
            let noff = nlo - (cap - (nhi - nlo + 1)) / 2;
            for i in lo..=hi {
                merged[(reduce_index(i as i32, 1) as i64 - noff) as usize] +=
                    self.cells[base + (i - off) as usize].load(R);
            }
            for (k, c) in merged.into_iter().enumerate() {
                self.cells[base + k].store(c, R);
            }
            side.off.store(noff, R);
            side.lo.store(nlo, R);
            side.hi.store(nhi, R);
        }
        let populated = self.cells.iter().filter(|c| c.load(R) != 0).count();
        self.h.populated.store(populated as i64, R);
        self.h.schema.fetch_sub(1, R);
        self.point_tables();
    }

    /// A consistent copy: `(schema, zero, positive, negative)`.
    fn read(&self) -> (i8, u64, Sparse, Sparse) {
        loop {
            let seq = self.h.seq.load(Ordering::Acquire);
            if seq % 2 == 1 {
                std::thread::yield_now();
                continue;
            }
            let schema = self.h.schema.load(R) as i8;
            let zero = self.h.zero.load(R);
            let side = |side: &Side, base: usize| {
                let (off, lo, hi) = (side.off.load(R), side.lo.load(R), side.hi.load(R));
                let mut v = Vec::new();
                if lo <= hi && lo >= off && hi < off + self.cap() as i64 {
                    for i in lo..=hi {
                        let c = self.cells[base + (i - off) as usize].load(R);
                        if c > 0 {
                            v.push((i as i32, c));
                        }
                    }
                }
                v
            };
            let pos = side(&self.h.pos, 0);
            let neg = side(&self.h.neg, self.cap());
            std::sync::atomic::fence(Ordering::Acquire);
            if self.h.seq.load(R) == seq {
                return (schema, zero, pos, neg);
            }
        }
    }
}

/// `(index, count)` of populated buckets, ascending.
type Sparse = Vec<(i32, u64)>;

/// `+1` by the cell's only writer: a plain load + store.
#[inline(always)]
fn bump(c: &AtomicU64) {
    c.store(c.load(R).wrapping_add(1), R);
}

/// Counts `v` (not NaN) in the row at `addr` if the row's fast path takes it (see [`NativeRow::observe_fast`]);
/// false, having written nothing, otherwise or when `addr` is 0. Out of line: the bucket index math would be most
/// of every histogram call site, native or not (a desc's kind is known only at run time).
///
/// # Safety
/// A non-zero `addr` is [`NativeSeries::row_addr`] of a series that is never dropped, for a slot the caller's
/// thread owns.
#[inline(never)]
pub(crate) unsafe fn observe_at(addr: u64, v: f64) -> bool {
    // SAFETY: a row lives as long as its series, which the caller says is never dropped.
    addr != 0 && unsafe { &*(addr as *const NativeRow) }.observe_fast(v)
}

/// The native buckets of one histogram series: one lazily made row per slot, and a shared row behind a mutex.
pub(crate) struct NativeSeries {
    cfg: NativeConfig,
    /// Slot `k`'s row, null until it first observes; the last is the shared row. Set once, freed with the series.
    rows: Box<[AtomicPtr<NativeRow>]>,
    shared: Mutex<()>,
}

impl Drop for NativeSeries {
    fn drop(&mut self) {
        for r in self.rows.iter_mut() {
            let p = *r.get_mut();
            if !p.is_null() {
                // SAFETY: a non-null row came from `Box::into_raw` in `init_row` and is freed only here.
                drop(unsafe { Box::from_raw(p) });
            }
        }
    }
}

impl NativeSeries {
    pub(crate) fn new(cfg: NativeConfig) -> NativeSeries {
        let rows = (0..=slots::count()).map(|_| AtomicPtr::new(std::ptr::null_mut())).collect();
        NativeSeries { cfg, rows, shared: Mutex::new(()) }
    }

    /// Slot `k`'s row, if it has observed.
    #[inline(always)]
    fn get(&self, k: usize) -> Option<&NativeRow> {
        // SAFETY: a non-null row came from `Box::into_raw` in `init_row`, published with release ordering, and is
        // freed only when the series drops.
        self.rows.get(k).and_then(|r| unsafe { r.load(Ordering::Acquire).as_ref() })
    }

    /// Slot `k`'s row, on the observe path: one load and one test once it exists.
    #[inline(always)]
    fn row(&self, k: usize) -> &NativeRow {
        match self.get(k) {
            Some(r) => r,
            None => self.init_row(k),
        }
    }

    #[cold]
    #[inline(never)]
    fn init_row(&self, k: usize) -> &NativeRow {
        let mine = Box::into_raw(Box::new(NativeRow::new(&self.cfg)));
        let cell = &self.rows[k];
        match cell.compare_exchange(std::ptr::null_mut(), mine, Ordering::AcqRel, Ordering::Acquire) {
            // SAFETY: just published; freed only when the series drops.
            Ok(_) => unsafe { &*mine },
            Err(theirs) => {
                // SAFETY: ours was never shared; theirs was published as above.
                drop(unsafe { Box::from_raw(mine) });
                unsafe { &*theirs }
            }
        }
    }

    /// Counts `v` (not NaN) in the caller's row.
    #[inline(always)]
    pub(crate) fn observe(&self, v: f64) {
        let s = slots::current();
        if s < slots::SHARED {
            self.observe_in_slot(s, v);
        } else {
            let _owner = self.shared.lock().unwrap_or_else(|e| e.into_inner());
            self.row(self.rows.len() - 1).observe(v, &self.cfg);
        }
    }

    /// Counts `v` (not NaN) in the row of slot `slot`, which the caller's thread owns.
    #[inline(always)]
    pub(crate) fn observe_in_slot(&self, slot: u32, v: f64) {
        match self.get(slot as usize) {
            Some(row) if row.observe_fast(v) => {}
            _ => self.observe_slow(slot, v),
        }
    }

    /// The address of slot `slot`'s row, made if it has none, for [`observe_at`]: an owner can keep it beside its
    /// classic cells and skip the lookup through the series.
    pub(crate) fn row_addr(&self, slot: u32) -> u64 {
        std::ptr::from_ref(self.row(slot as usize)) as u64
    }

    /// What `observe_in_slot`'s fast path leaves: a first observation, a new bucket, zero, negative, low schemas.
    #[inline(never)]
    fn observe_slow(&self, slot: u32, v: f64) {
        self.row(slot as usize).observe(v, &self.cfg);
    }

    /// The merged buckets, at most `max_buckets` of them; `sum` is the classic cells' sum.
    pub(crate) fn snapshot(&self, sum: f64) -> NativeBuckets {
        let rows: Vec<_> = (0..self.rows.len()).filter_map(|k| self.get(k)).map(|r| r.read()).collect();
        let schema = rows.iter().map(|r| r.0).min().unwrap_or_else(|| self.cfg.initial_schema());
        let mut out = NativeBuckets {
            schema,
            zero_threshold: self.cfg.zero_threshold,
            zero_count: 0,
            count: 0,
            sum,
            positive: Vec::new(),
            negative: Vec::new(),
        };
        let mut pos = std::collections::BTreeMap::new();
        let mut neg = std::collections::BTreeMap::new();
        for (s, zero, p, n) in rows {
            out.zero_count += zero;
            let by = (s - schema) as u8;
            for (i, c) in p {
                *pos.entry(reduce_index(i, by)).or_insert(0) += c;
            }
            for (i, c) in n {
                *neg.entry(reduce_index(i, by)).or_insert(0) += c;
            }
        }
        out.positive = pos.into_iter().collect();
        out.negative = neg.into_iter().collect();
        while out.populated() > self.cfg.max_buckets as usize && out.schema > MIN_SCHEMA {
            out.reduce(1);
        }
        out.count = out.zero_count + out.positive.iter().chain(&out.negative).map(|b| b.1).sum::<u64>();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(v: f64, s: i8) -> i32 {
        (v.log2() * 2f64.powi(s as i32)).ceil() as i32
    }

    #[test]
    fn index_matches_log2_reference_away_from_boundaries() {
        let mut x = 0x9e3779b97f4a7c15u64;
        for s in MIN_SCHEMA..=MAX_SCHEMA {
            for _ in 0..20_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let v = f64::from_bits((x >> 12) | (((x % 200) + 923) << 52));
                let l = v.log2() * 2f64.powi(s as i32);
                if (l - l.round()).abs() < 1e-9 {
                    continue; // within rounding of a boundary: checked exactly below
                }
                assert_eq!(bucket_index(v, s), reference(v, s), "v={v} s={s}");
            }
        }
    }

    #[test]
    fn boundaries_and_powers_of_two_belong_to_the_lower_bucket() {
        for s in MIN_SCHEMA..=MAX_SCHEMA {
            for e in -60..60 {
                let v = 2f64.powi(e);
                let want = if s >= 0 { e << s } else { (e as f64 / 2f64.powi(-(s as i32))).ceil() as i32 };
                assert_eq!(bucket_index(v, s), want, "2^{e} s={s}");
                // Just above a power of two is the next bucket, where a power of two is a boundary.
                if s < 0 && e % (1 << -(s as i32)) != 0 {
                    continue;
                }
                assert_eq!(bucket_index(v * (1.0 + 1e-15), s), bucket_index(v, s) + 1, "above 2^{e} s={s}");
            }
        }
        // Every table boundary of a positive schema is the top of its own bucket.
        for s in 1..=MAX_SCHEMA {
            for (j, b) in tables().0[s as usize].bounds[..=1 << s].iter().enumerate().skip(1) {
                assert_eq!(bucket_index(*b, s), j as i32, "bound {j} of schema {s}");
                assert_eq!(bucket_index(b.next_up(), s), j as i32 + 1, "above bound {j} of schema {s}");
            }
        }
    }

    #[test]
    fn memory_formula_in_the_docs_matches_the_types() {
        assert_eq!(std::mem::size_of::<NativeSeries>(), 48);
        assert_eq!(std::mem::size_of::<AtomicPtr<NativeRow>>(), 8);
        assert_eq!(std::mem::size_of::<NativeRow>(), 192);
        let row = NativeRow::new(&NativeConfig::DEFAULT);
        assert_eq!(std::mem::size_of_val(&*row.cells), 16 * 160);
    }

    #[test]
    fn factor_1_1_picks_schema_3() {
        assert_eq!(NativeConfig::DEFAULT.initial_schema(), 3);
        assert_eq!(NativeConfig::DEFAULT.zero_threshold, 2f64.powi(-128));
    }

    #[test]
    fn rescale_keeps_every_observation_and_bounds_buckets() {
        let cfg = NativeConfig { max_buckets: 20, ..NativeConfig::DEFAULT };
        let row = NativeRow::new(&cfg);
        let values: Vec<f64> =
            (0..2000).map(|k| 1.013f64.powi(k - 1000) * if k % 3 == 0 { -1.0 } else { 1.0 }).collect();
        for v in &values {
            row.observe(*v, &cfg);
        }
        let (schema, zero, pos, neg) = row.read();
        assert!(schema < 3, "the schema was lowered");
        assert!(pos.len() + neg.len() <= 20);
        assert_eq!(zero + pos.iter().chain(&neg).map(|b| b.1).sum::<u64>(), values.len() as u64);
        // Each observation is in the bucket its value maps to at the final schema.
        let mut want = std::collections::BTreeMap::new();
        for v in &values {
            *want.entry((*v < 0.0, bucket_index(v.abs(), schema))).or_insert(0u64) += 1;
        }
        let got: std::collections::BTreeMap<_, _> =
            pos.iter().map(|&(i, c)| ((false, i), c)).chain(neg.iter().map(|&(i, c)| ((true, i), c))).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn the_owner_fast_path_counts_as_the_general_path_does_across_schema_changes() {
        // Few buckets, so the schema falls from 3 to below 1 (where the fast path steps aside) as values spread.
        let cfg = NativeConfig { max_buckets: 12, ..NativeConfig::DEFAULT };
        let series = NativeSeries::new(cfg);
        let general = NativeRow::new(&cfg);
        let mut x = 0x2545f4914f6cdd1du64;
        let mut values = vec![1.0, 2.0, 0.5, 0.0, -0.0, -3.0];
        for k in 0..5_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Within one octave of 1 at first (fast-path hits once populated), then spreading, which lowers the
            // schema; boundaries and their neighbours now and then.
            let spread = 1 + k / 1000;
            let v = f64::from_bits((x >> 12) | ((1023 - spread + x % (2 * spread)) << 52));
            values.push(match k % 7 {
                0 => 2f64.powf((x % 16) as f64 / 8.0),
                1 => 2f64.powf((x % 16) as f64 / 8.0).next_up(),
                _ => v,
            });
        }
        values.extend([f64::INFINITY, f64::NEG_INFINITY, f64::MAX, 1e-300, 1e300, 7.0, 7.0]);
        let slot = 0;
        let mut fast_hits = 0;
        for v in &values {
            let before = series.get(slot as usize).map(|r| r.read());
            let fast = series.get(slot as usize).is_some_and(|r| r.observe_fast(*v));
            if fast {
                fast_hits += 1;
            } else {
                assert_eq!(series.get(slot as usize).map(|r| r.read()), before, "a declined fast path wrote");
                series.observe_slow(slot, *v);
            }
            general.observe(*v, &cfg);
            assert_eq!(series.get(slot as usize).unwrap().read(), general.read(), "after {v}");
        }
        assert!(
            fast_hits > 1000 && fast_hits < values.len() - 1000,
            "the fast path took {fast_hits} of {}",
            values.len()
        );
        assert!(general.read().0 < 1, "the schema fell below the fast path's range");
    }

    #[test]
    fn a_scrape_waits_out_a_rearrangement_in_progress() {
        let cfg = NativeConfig::DEFAULT;
        let row = NativeRow::new(&cfg);
        row.observe(1.0, &cfg);
        // What `extend` does while it moves buckets: an odd sequence number.
        row.h.seq.store(1, R);
        std::thread::scope(|s| {
            let reader = s.spawn(|| row.read());
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!reader.is_finished(), "a read returned while the row was being rearranged");
            row.h.seq.store(2, Ordering::Release);
            assert_eq!(reader.join().unwrap().2, vec![(0, 1)]);
        });
    }

    #[test]
    fn reduce_index_is_ceil_half() {
        for i in -9..9 {
            assert_eq!(reduce_index(i, 1), (i as f64 / 2.0).ceil() as i32);
            assert_eq!(reduce_index(i, 3), (i as f64 / 8.0).ceil() as i32);
        }
    }

    fn empty() -> NativeBuckets {
        NativeBuckets {
            schema: 0,
            zero_threshold: 0.0,
            zero_count: 0,
            count: 0,
            sum: 0.0,
            positive: vec![],
            negative: vec![],
        }
    }

    #[test]
    fn prometheus_spans_bridge_gaps_of_two_and_split_longer() {
        let b = empty();
        // 1,2 | gap of 2 (3,4) bridged | 5 | gap of 3 (6,7,8) | 9
        let (spans, deltas) = b.prometheus_spans(&[(1, 3), (2, 1), (5, 4), (9, 2)]);
        assert_eq!(spans, vec![(1, 5), (3, 1)]);
        assert_eq!(deltas, vec![3, -2, -1, 0, 4, -2]);
        assert_eq!(b.prometheus_spans(&[]), (vec![], vec![]));
        assert_eq!(b.prometheus_spans(&[(-3, 1)]), (vec![(-3, 1)], vec![1]));
    }

    #[test]
    fn otlp_dense_offset_is_first_index_minus_one() {
        let b = empty();
        assert_eq!(b.otlp_dense(&[(3, 1), (5, 2)]), (2, vec![1, 0, 2]));
        assert_eq!(b.otlp_dense(&[]), (0, vec![]));
    }
}
