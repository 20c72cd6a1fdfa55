//! The recorder's memory: finished spans in the order they reached it, bounded by age and by bytes. The bytes
//! counted are the slots the queue has reserved plus what each record owns on the heap, so the bound holds for
//! what is really allocated; the queue grows by doubling only while the doubled size still fits.

use super::super::clock;
use super::super::record::{SpanRecord, SpanStatus};
use super::super::sink::Resource;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::mem::size_of;
use std::time::Duration;

pub(crate) struct Store {
    pub(crate) records: VecDeque<SpanRecord>,
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

fn attrs_heap(a: &[(Cow<'static, str>, super::super::AttrValue)], cap: usize) -> usize {
    let mut n =
        if cap > 0 { cap * size_of::<(Cow<'static, str>, super::super::AttrValue)>() + ALLOC_OVERHEAD } else { 0 };
    for (k, v) in a {
        n += cow_heap(k);
        if let super::super::AttrValue::Str(s) = v {
            n += cow_heap(s);
        }
    }
    n
}

/// The heap bytes one record owns.
pub(crate) fn heap_size(r: &SpanRecord) -> usize {
    let mut n = attrs_heap(&r.attributes, r.attributes.capacity());
    if let SpanStatus::Error(m) = &r.status {
        n += cow_heap(m);
    }
    if r.events.capacity() > 0 {
        n += r.events.capacity() * size_of::<super::super::SpanEvent>() + ALLOC_OVERHEAD;
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
        self.records.capacity() * size_of::<SpanRecord>() + self.heap
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
    pub(crate) fn push(&mut self, mut r: SpanRecord) {
        r.attributes.shrink_to_fit();
        r.events.shrink_to_fit();
        let size = heap_size(&r);
        let slot = size_of::<SpanRecord>();
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
    use crate::desc::SpanKind;

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
            s.push(rec(i));
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
        s.push(r);
        s.expire();
        assert!(s.records.is_empty());
        assert_eq!(s.dropped_age, 1);
    }
}
