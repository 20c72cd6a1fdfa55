//! The recorder's memory: finished spans in the order they reached it, bounded by age and by bytes. The bytes
//! counted are the slots the queue has reserved plus what each record owns on the heap, so the bound holds for
//! what is really allocated; the queue grows by doubling only while the doubled size still fits.
//!
//! A record is kept compact ([`Kept`]): most recorded calls have no attributes, events or error, and hold only
//! ids, times and their function, so the rest is boxed apart and allocated only when there is some. Such a call
//! takes 96 bytes on 64-bit targets against a full [`SpanRecord`]'s 176, so the same budget holds 1.8 times the
//! calls, and the collector copies about half the bytes for each call it hands over.

use super::super::clock;
use super::super::record::{SpanEvent, SpanRecord, SpanStatus};
use super::super::sink::Resource;
use super::super::AttrValue;
use crate::desc::{FunctionDesc, SpanKind};
use std::borrow::Cow;
use std::collections::VecDeque;
use std::mem::size_of;
use std::time::Duration;

/// One recorded span: a [`SpanRecord`]'s fields, with the rarer ones in `rest`. Cloned for an automatic dump's
/// snapshot: a plain call is copied without touching the heap.
#[derive(Clone)]
pub(crate) struct Kept {
    pub(crate) trace_id: u128,
    pub(crate) span_id: u64,
    parent_span_id: u64,
    start: u64,
    end: u64,
    pub(crate) name: &'static str,
    pub(crate) function: Option<&'static FunctionDesc>,
    rest: Option<Box<Rest>>,
    thread: u32,
    kind: SpanKind,
    parent_remote: bool,
    sampled: bool,
}

/// What a span has only sometimes.
#[derive(Clone)]
struct Rest {
    status: SpanStatus,
    attributes: Vec<(Cow<'static, str>, AttrValue)>,
    events: Vec<SpanEvent>,
    trace_state: Option<Box<str>>,
}

impl Kept {
    /// The compact copy of `s` (cloned vectors are allocated at their length, so nothing is held spare).
    pub(crate) fn new(s: &SpanRecord) -> Kept {
        let plain = matches!(s.status, SpanStatus::Unset)
            && s.attributes.is_empty()
            && s.events.is_empty()
            && s.trace_state.is_none();
        Kept {
            trace_id: s.trace_id,
            span_id: s.span_id,
            parent_span_id: s.parent_span_id,
            start: s.start,
            end: s.end,
            name: s.name,
            function: s.function,
            rest: (!plain).then(|| {
                Box::new(Rest {
                    status: s.status.clone(),
                    attributes: s.attributes.clone(),
                    events: s.events.clone(),
                    trace_state: s.trace_state.clone(),
                })
            }),
            thread: s.thread,
            kind: s.kind,
            parent_remote: s.parent_remote,
            sampled: s.sampled,
        }
    }

    /// Whether the call ended with an error status.
    pub(crate) fn is_error(&self) -> bool {
        self.rest.as_ref().is_some_and(|r| matches!(r.status, SpanStatus::Error(_)))
    }

    /// The full record again, for a dump.
    pub(crate) fn record(&self) -> SpanRecord {
        let (status, attributes, events, trace_state) = match &self.rest {
            Some(r) => (r.status.clone(), r.attributes.clone(), r.events.clone(), r.trace_state.clone()),
            None => (SpanStatus::Unset, Vec::new(), Vec::new(), None),
        };
        SpanRecord {
            trace_id: self.trace_id,
            span_id: self.span_id,
            parent_span_id: self.parent_span_id,
            parent_remote: self.parent_remote,
            name: self.name,
            kind: self.kind,
            start: self.start,
            end: self.end,
            status,
            attributes,
            events,
            function: self.function,
            trace_state,
            sampled: self.sampled,
            thread: self.thread,
        }
    }

    /// End as Unix nanoseconds.
    pub(crate) fn end_unix_nanos(&self) -> u64 {
        clock::unix_nanos(self.end)
    }
}

pub(crate) struct Store {
    pub(crate) records: VecDeque<Kept>,
    /// Heap bytes the records own (strings, attribute and event vectors).
    heap: usize,
    pub(crate) max_age: Duration,
    pub(crate) max_bytes: usize,
    pub(crate) resource: Resource,
    pub(crate) dropped_bytes: u64,
    pub(crate) dropped_age: u64,
}

/// What one allocation costs beyond its payload (the allocator's header and rounding), counted for each.
const ALLOC_OVERHEAD: usize = 16;

#[allow(clippy::ptr_arg)] // Borrowed or Owned is the point
fn cow_heap(s: &Cow<'static, str>) -> usize {
    match s {
        Cow::Borrowed(_) => 0,
        Cow::Owned(o) => o.capacity() + ALLOC_OVERHEAD,
    }
}

fn attrs_heap(a: &[(Cow<'static, str>, AttrValue)], cap: usize) -> usize {
    let mut n = if cap > 0 { cap * size_of::<(Cow<'static, str>, AttrValue)>() + ALLOC_OVERHEAD } else { 0 };
    for (k, v) in a {
        n += cow_heap(k);
        if let AttrValue::Str(s) = v {
            n += cow_heap(s);
        }
    }
    n
}

/// The heap bytes one record owns: its `rest`, if it has one, and what that holds.
fn heap_size(k: &Kept) -> usize {
    let Some(r) = &k.rest else { return 0 };
    let mut n = size_of::<Rest>() + ALLOC_OVERHEAD + attrs_heap(&r.attributes, r.attributes.capacity());
    if let SpanStatus::Error(m) = &r.status {
        n += cow_heap(m);
    }
    if r.events.capacity() > 0 {
        n += r.events.capacity() * size_of::<SpanEvent>() + ALLOC_OVERHEAD;
    }
    for e in &r.events {
        n += cow_heap(&e.name) + attrs_heap(&e.attributes, e.attributes.capacity());
    }
    n + r.trace_state.as_ref().map_or(0, |t| t.len() + ALLOC_OVERHEAD)
}

impl Store {
    pub(crate) fn new(max_age: Duration, max_bytes: usize, resource: Resource) -> Store {
        Store { records: VecDeque::new(), heap: 0, max_age, max_bytes, resource, dropped_bytes: 0, dropped_age: 0 }
    }

    /// The bytes held: reserved slots plus the records' heap.
    pub(crate) fn bytes(&self) -> usize {
        self.records.capacity() * size_of::<Kept>() + self.heap
    }

    fn pop_oldest(&mut self) -> bool {
        match self.records.pop_front() {
            Some(r) => {
                self.heap -= heap_size(&r);
                true
            }
            None => false,
        }
    }

    /// Adds a record, first dropping the oldest ones it needs room from (counted as `max_bytes` drops). A record
    /// bigger than the whole budget is dropped itself.
    pub(crate) fn push(&mut self, r: Kept) {
        let size = heap_size(&r);
        let slot = size_of::<Kept>();
        if slot + size > self.max_bytes {
            self.dropped_bytes += 1;
            return;
        }
        if self.records.len() == self.records.capacity() {
            let cap = self.records.capacity();
            let grown = (cap * 2).max(64);
            if grown * slot + self.heap + size <= self.max_bytes {
                self.records.reserve_exact(grown - cap);
            } else if cap == 0 {
                // The smallest queue that fits one record.
                self.records.reserve_exact(1);
            }
        }
        while self.records.len() == self.records.capacity() || self.bytes() + size > self.max_bytes {
            if !self.pop_oldest() {
                break;
            }
            self.dropped_bytes += 1;
        }
        if self.records.len() < self.records.capacity() && self.bytes() + size <= self.max_bytes {
            self.heap += size;
            self.records.push_back(r);
        } else {
            self.dropped_bytes += 1;
        }
    }

    /// Drops the records that ended more than `max_age` ago.
    pub(crate) fn expire(&mut self) {
        let now = clock::unix_nanos(clock::now());
        let horizon = now.saturating_sub(self.max_age.as_nanos() as u64);
        while self.records.front().is_some_and(|r| r.end_unix_nanos() < horizon) {
            self.pop_oldest();
            self.dropped_age += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(i: u64) -> SpanRecord {
        let now = clock::now();
        SpanRecord {
            trace_id: 1,
            span_id: i,
            parent_span_id: 0,
            parent_remote: false,
            name: "x",
            kind: SpanKind::Internal,
            start: now,
            end: now,
            status: SpanStatus::Error(Cow::Owned("e".repeat(100))),
            attributes: Vec::new(),
            events: Vec::new(),
            function: None,
            trace_state: None,
            sampled: false,
            thread: 1,
        }
    }

    #[test]
    fn bytes_stay_under_the_bound_and_the_oldest_go_first() {
        let mut s = Store::new(Duration::from_secs(60), 64 * 1024, Resource::default());
        for i in 0..10_000 {
            s.push(Kept::new(&rec(i)));
            assert!(s.bytes() <= 64 * 1024, "{} bytes after {i}", s.bytes());
        }
        assert!(s.dropped_bytes > 0);
        assert_eq!(s.records.back().unwrap().span_id, 9_999);
        let first = s.records.front().unwrap().span_id;
        assert_eq!(s.dropped_bytes, first, "drops are exactly the oldest records");
    }

    #[test]
    fn old_records_expire() {
        let mut s = Store::new(Duration::ZERO, 1 << 20, Resource::default());
        let mut r = rec(1);
        r.end = 0;
        s.push(Kept::new(&r));
        s.expire();
        assert!(s.records.is_empty());
        assert_eq!(s.dropped_age, 1);
    }

    #[test]
    fn a_plain_call_takes_half_a_full_record_and_every_record_comes_back_whole() {
        assert!(
            size_of::<Kept>() * 2 <= size_of::<SpanRecord>() + 16,
            "{} vs {}",
            size_of::<Kept>(),
            size_of::<SpanRecord>()
        );
        let mut plain = rec(7);
        plain.status = SpanStatus::Unset;
        let k = Kept::new(&plain);
        assert_eq!(heap_size(&k), 0);
        let mut rich = rec(8);
        rich.parent_span_id = 3;
        rich.parent_remote = true;
        rich.sampled = true;
        rich.attributes = vec![("order.id".into(), AttrValue::Str("A-17".to_string().into()))];
        rich.events = vec![SpanEvent { name: "retry".into(), at: rich.start, attributes: Vec::new() }];
        rich.trace_state = Some("vendor=1".into());
        for r in [plain, rich] {
            let back = Kept::new(&r).record();
            assert_eq!(format!("{back:?}"), format!("{r:?}"));
        }
    }
}
