//! `obs::testing`: what a scope measures is exactly its own writes, whatever other threads write meanwhile; what it
//! cannot isolate is reported; captured spans are the scope's own, whatever the sampler.

use obs::testing::{measure, spans, start};
use obs::trace::{AttrValue, SpanKind, SpanStatus};
use obs::{LabelValue, Labels};
use std::sync::{Arc, Barrier};

#[derive(LabelValue, Clone, Copy)]
enum Outcome {
    Ok,
    Declined,
}

#[derive(Labels)]
struct Checkout {
    outcome: Outcome,
}

#[derive(Labels)]
struct User {
    user: String,
}

/// Checkouts.
#[obs::metric(counter, labels = Checkout)]
struct Checkouts;

/// Hits on a series every test of this file shares.
#[obs::metric(counter)]
struct SharedHits;

/// Logins by user (dynamic labels: series made inside a scope).
#[obs::metric(counter, labels = User)]
struct Logins;

/// Money taken.
#[obs::metric(counter, value = f64, unit = "euros")]
struct Revenue;

/// Time to check out.
#[obs::metric(histogram, labels = Checkout, unit = "seconds", buckets = [0.1, 1.0])]
struct CheckoutLatency;

/// Increments the shared series `n` times inside a scope and returns the scope's count and the others'.
fn hits_in_scope(n: u64) -> (u64, u64) {
    let c = measure(|| (0..n).for_each(|_| SharedHits.inc())).counter(SharedHits);
    (c.get(), c.others())
}

// Two tests of this binary hammering the same series while the harness runs them in parallel: each sees its own.
#[test]
fn parallel_test_a_counts_exactly_its_own_increments() {
    for i in 0..1000 {
        assert_eq!(hits_in_scope(100 + i % 7).0, 100 + i % 7);
    }
}

#[test]
fn parallel_test_b_counts_exactly_its_own_increments() {
    for i in 0..1000 {
        assert_eq!(hits_in_scope(50 + i % 11).0, 50 + i % 11);
    }
}

#[test]
fn the_pair_run_1000_times_in_parallel_each_gets_its_exact_count() {
    let mut overlapped = 0;
    for round in 0..1000u64 {
        let barrier = Arc::new(Barrier::new(2));
        let pair: Vec<_> = [300 + round % 13, 500 + round % 17]
            .into_iter()
            .map(|n| {
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    (n, hits_in_scope(n))
                })
            })
            .collect();
        for t in pair {
            let (n, (own, others)) = t.join().unwrap();
            assert_eq!(own, n, "round {round}: a scope counted {own} of its own {n} increments");
            overlapped += (others > 0) as u32;
        }
    }
    // Not a condition of exactness, a check that the test ran what it claims: the pairs really wrote concurrently.
    assert!(overlapped > 0, "no round overlapped: the pair never ran in parallel");
}

#[test]
fn writes_of_another_thread_during_the_scope_are_excluded_and_reported() {
    let handle = Checkouts.with(Checkout { outcome: Outcome::Declined });
    let scope = start();
    handle.inc_by(2);
    std::thread::spawn(move || handle.inc_by(5)).join().unwrap();
    let m = scope.finish();
    let c = m.counter(handle);
    assert_eq!(c, 2);
    assert_eq!(c.others(), 5);
    let shown = format!("{c:?}");
    assert!(shown.starts_with("2 (5 more written by other threads during the scope"), "{shown}");
    // A failing assertion therefore tells a missed thread apart from a wrong count.
    let failure = std::panic::catch_unwind(|| assert_eq!(c, 7)).unwrap_err();
    assert!(failure.downcast_ref::<String>().unwrap().contains("5 more written by other threads"));
    // Another series stays untouched.
    assert_eq!(m.counter(Checkouts.with(Checkout { outcome: Outcome::Ok })), 0);
}

#[test]
fn wrapped_closures_and_spawned_threads_count_in_the_scope() {
    let ok = Checkouts.with(Checkout { outcome: Outcome::Ok });
    let scope = start();
    ok.inc();
    scope.spawn(move || ok.inc_by(10)).join().unwrap();
    let task = scope.wrap(move || ok.inc_by(100));
    std::thread::spawn(task).join().unwrap();
    let c = scope.finish().counter(ok);
    assert_eq!(c, 111);
}

#[test]
fn finishing_while_a_wrapped_closure_is_pending_is_refused() {
    let scope = start();
    let task = scope.wrap(|| SharedHits.inc());
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scope.finish())).err().unwrap();
    assert!(refused.downcast_ref::<String>().unwrap().contains("have not finished"));
    drop(task);
}

#[test]
fn a_current_thread_runtime_is_measured_and_a_multi_thread_one_is_reported() {
    let ok = Checkouts.with(Checkout { outcome: Outcome::Ok });
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let m = measure(|| {
        rt.block_on(async {
            let tasks: Vec<_> = (0..4).map(|_| tokio::spawn(async move { ok.inc() })).collect();
            for t in tasks {
                t.await.unwrap();
            }
        })
    });
    assert_eq!(m.counter(ok), 4);

    let declined = Checkouts.with(Checkout { outcome: Outcome::Declined });
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let m = measure(|| rt.block_on(async { tokio::spawn(async move { declined.inc() }).await.unwrap() }));
    // The task ran on a worker thread: not counted as the scope's, and said so.
    let c = m.counter(declined);
    assert_eq!((c.get() + c.others(), c.get()), (1, 0));
}

#[test]
fn float_counters_histograms_and_series_made_inside_the_scope() {
    let m = measure(|| {
        Revenue.inc_by(12.5);
        Logins.with(User { user: "ann-inside-the-scope".into() }).inc();
        let h = CheckoutLatency.with(Checkout { outcome: Outcome::Ok });
        h.observe(0.05);
        h.observe(0.5);
        h.observe(3.0);
    });
    assert_eq!(m.counter(Revenue), 12.5);
    assert_eq!(m.counter(Logins.with(User { user: "ann-inside-the-scope".into() })), 1);
    assert_eq!(m.counter(Logins.with(User { user: "nobody".into() })), 0);
    let h = m.histogram(CheckoutLatency.with(Checkout { outcome: Outcome::Ok }));
    assert_eq!(h.count(), 3);
    assert_eq!(h.sum(), 3.55);
    assert_eq!(h.buckets(), [(0.1, 1), (1.0, 2), (f64::INFINITY, 3)]);
    assert_eq!(m.histogram(CheckoutLatency.with(Checkout { outcome: Outcome::Declined })).count(), 0);
}

#[test]
fn the_assertion_reads_what_the_exposition_renders() {
    // A series only this test writes: its exposed value and the scope's count are the same number.
    let m = measure(|| Logins.with(User { user: "exposition-check".into() }).inc_by(3));
    let text = obs::encode(obs::Format::Prometheus);
    let line = format!(
        "logins_total{{user=\"exposition-check\"}} {}\n",
        m.counter(Logins.with(User { user: "exposition-check".into() }))
    );
    assert!(text.contains(&line), "{line}");
}

// --- spans ---

#[obs::traced(kind = server)]
fn checkout(tag: u64) -> Result<(), String> {
    reserve(tag);
    charge(tag)
}

#[obs::traced]
fn reserve(tag: u64) {
    let _ = tag;
}

#[obs::traced(kind = client, err)]
fn charge(tag: u64) -> Result<(), String> {
    if tag % 2 == 1 {
        Err(format!("card {tag} declined"))
    } else {
        Ok(())
    }
}

#[test]
fn spans_are_captured_with_no_pipeline_installed() {
    // No pipeline: the tests of this binary that install one wait.
    let _lock = crate::common::turn(&crate::common::PIPELINE);
    let spans = spans(|| checkout(7));
    assert_eq!(spans.tree(), "checkout\n  reserve\n  charge\n");
    let root = spans.one("checkout");
    assert_eq!((root.kind, root.parent_span_id), (SpanKind::Server, 0));
    assert_eq!(root.attribute("tag"), Some(&AttrValue::I64(7)));
    let charge = spans.one("charge");
    assert_eq!(charge.kind, SpanKind::Client);
    assert_eq!(charge.status, SpanStatus::Error("card 7 declined".into()));
    assert_eq!(charge.events[0].attributes, [("exception.message".into(), AttrValue::Str("card 7 declined".into()))]);
    assert_eq!(spans.parent(charge).map(|p| p.span_id), Some(root.span_id));
    assert!(spans.iter().all(|s| s.trace_id == root.trace_id));
}

#[test]
fn a_capture_never_sees_another_threads_spans() {
    for round in 0..200u64 {
        let barrier = Arc::new(Barrier::new(2));
        let pair: Vec<_> = [2 * round, 2 * round + 1]
            .into_iter()
            .map(|tag| {
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    let spans = spans(|| (0..20).for_each(|_| drop(checkout(tag))));
                    (tag, spans)
                })
            })
            .collect();
        for t in pair {
            let (tag, spans) = t.join().unwrap();
            assert_eq!(spans.len(), 60, "round {round}");
            let roots = spans.roots();
            assert_eq!(roots.len(), 20);
            assert!(roots.iter().all(|r| r.attribute("tag") == Some(&AttrValue::I64(tag as i64))), "round {round}");
        }
    }
}

// --- a traced function's RED metrics ---

struct Cart;

trait Store {
    fn get(&self, id: u32) -> Option<u32>;
}

#[obs::traced]
impl Cart {
    fn add(&self, id: u32) -> u32 {
        id
    }
}

#[obs::traced]
impl Store for Cart {
    fn get(&self, id: u32) -> Option<u32> {
        (id < 10).then_some(id)
    }
}

#[obs::traced]
fn explode(really: bool) {
    assert!(!really, "boom");
}

fn untraced() {}

#[test]
fn calls_are_counted_by_result_for_functions_and_methods() {
    let m = measure(|| {
        let _ = checkout(2); // ok: reserve and charge ok
        let _ = checkout(3); // the charge fails
        Cart.add(1);
        Cart.add(2);
        Cart.get(1);
        explode(false);
        let _ = std::panic::catch_unwind(|| explode(true));
    });
    let c = m.calls(checkout);
    assert_eq!(c.ok(), 1);
    assert_eq!(c.errors(), 1);
    assert_eq!(c.panics(), 0);
    assert_eq!(m.calls(charge).errors(), 1);
    assert_eq!(m.calls(reserve).ok(), 2);
    assert_eq!(m.calls(reserve).durations().count(), 2);
    assert_eq!(m.calls(Cart::add).ok(), 2);
    assert_eq!(m.calls(<Cart as Store>::get).ok(), 1);
    assert_eq!(m.calls(explode).ok(), 1);
    assert_eq!(m.calls(explode).panics(), 1);
    assert_eq!(m.calls(explode).durations().count(), 2);

    // Only this test calls `explode`: the exposition's function_calls_total shows the same number.
    let text = obs::encode(obs::Format::Prometheus);
    let line = format!(
        "function_calls_total{{function=\"explode\",module=\"traced::testing\",result=\"panic\"}} {}\n",
        m.calls(explode).panics()
    );
    assert!(text.contains(&line), "{line}");
    // A scope that calls nothing sees nothing.
    assert_eq!(measure(|| ()).calls(checkout).ok(), 0);

    let refused = std::panic::catch_unwind(|| m.calls(untraced)).unwrap_err();
    let msg = refused.downcast_ref::<String>().unwrap();
    assert!(msg.contains("traced::testing::untraced` is not a #[traced] function"), "{msg}");
}

#[test]
fn calls_of_another_thread_are_reported_not_counted() {
    let scope = start();
    Cart.add(7);
    std::thread::spawn(|| Cart.add(8)).join().unwrap();
    let c = scope.finish().calls(Cart::add).ok();
    assert_eq!(c, 1);
    assert!(c.others() >= 1, "{c:?}");
}

#[test]
fn the_catalog_of_this_binary_passes_assert_catalog() {
    obs::testing::assert_catalog();
}

mod lookups {
    #[obs::traced]
    pub fn lookup() {}
}

#[test]
fn a_traced_function_declared_in_a_test_body_is_told_from_its_namesake_in_another_module() {
    // Its type's path is `traced::testing::<test>::lookup`, its module `traced::testing`; the namesake's module is
    // `traced::testing::lookups`.
    #[obs::traced]
    fn lookup() {}
    let m = measure(|| {
        lookup();
        lookup();
        lookups::lookup();
    });
    assert_eq!(m.calls(lookup).ok(), 2);
    assert_eq!(m.calls(lookups::lookup).ok(), 1);
}
