//! `#[traced]` RED metrics, catalog entries and spans: counts by result, durations, in-flight, panics, async
//! parent-child relations across `.await` and threads, and the exposition of the three families.

use obs::trace::{MemorySink, SpanRecord, SpanStatus, TracePipeline};
// The span pipeline is process-wide: tests that install one take turns, with the others of this binary.
use crate::common::{turn, PIPELINE};

#[derive(Debug)]
struct Oops;
impl std::fmt::Display for Oops {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("oops")
    }
}

#[obs::traced]
fn add(a: u32, b: u32) -> u32 {
    a + b
}

#[obs::traced(err, kind = client, in_flight)]
fn parse(input: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = input.parse()?;
    Ok(n * 2)
}

#[obs::traced]
fn boom(n: u32) -> u32 {
    if n > 0 {
        panic!("boom");
    }
    n
}

#[obs::traced(name = "load-user", fields(user.kind = "admin", len = name.len()), skip(secret))]
async fn load_user(name: String, secret: &str) -> Result<usize, Oops> {
    let _ = secret;
    let n = child(name.len()).await;
    if n == 0 {
        return Err(Oops);
    }
    Ok(n)
}

#[obs::traced]
async fn child(n: usize) -> usize {
    tokio::task::yield_now().await;
    n
}

#[obs::traced(slo(success_rate = 0.999, latency(percentile = 0.99, threshold = 0.25)))]
fn with_slo() {}

fn find(spans: &[SpanRecord], name: &str) -> SpanRecord {
    spans
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no span `{name}` in {:?}", spans.iter().map(|s| s.name).collect::<Vec<_>>()))
        .clone()
}

#[test]
fn counts_by_result() {
    let f = obs::trace::traced_function(module_path!(), "parse").expect("parse is traced");
    let before = (f.calls(obs::trace::Outcome::Ok), f.calls(obs::trace::Outcome::Error));
    assert_eq!(parse("21"), Ok(42));
    assert!(parse("x").is_err());
    assert!(parse("y").is_err());
    assert_eq!(f.calls(obs::trace::Outcome::Ok) - before.0, 1);
    assert_eq!(f.calls(obs::trace::Outcome::Error) - before.1, 2);
    assert_eq!(f.in_flight(), 0);
    let (buckets, sum) = f.durations();
    assert!(buckets.last().unwrap().1 >= 3);
    assert!(sum >= 0.0);
}

#[obs::traced(buckets = [0.2, 5.0])]
fn naps(ms: u64) {
    std::thread::sleep(std::time::Duration::from_millis(ms));
}

#[test]
fn durations_land_in_their_buckets_and_sum_in_seconds() {
    let f = obs::trace::traced_function(module_path!(), "naps").expect("naps is traced");
    naps(0);
    naps(250);
    let (buckets, sum) = f.durations();
    // Cumulative: the quick call is at most 200 ms, the 250 ms nap is above that and (well) under five seconds. The
    // margins are wide because the suite runs four tests at a time on two cores: a thread descheduled for more than
    // 10 ms during the quick call was seen there.
    assert_eq!(buckets, vec![(0.2, 1), (5.0, 2), (f64::INFINITY, 2)]);
    assert!((0.25..5.0).contains(&sum), "sum of the two calls in seconds: {sum}");
    let text = obs::encode(obs::Format::Prometheus);
    let m = module_path!();
    for (le, n) in [("0.2", 1), ("5.0", 2), ("+Inf", 2)] {
        let line =
            format!("function_calls_duration_seconds_bucket{{function=\"naps\",module=\"{m}\",le=\"{le}\"}} {n}");
        assert!(text.lines().any(|l| l == line), "missing `{line}` in:\n{text}");
    }
}

/// An error that counts how often it is rendered.
#[derive(Debug)]
struct Costly;
static RENDERED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
impl std::fmt::Display for Costly {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        RENDERED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        f.write_str("costly")
    }
}

#[obs::traced(err)]
fn fails() -> Result<(), Costly> {
    Err(Costly)
}

#[test]
fn an_error_is_rendered_only_for_a_recorded_span() {
    use std::sync::atomic::Ordering::SeqCst;
    let _lock = turn(&PIPELINE);
    let f = obs::trace::traced_function(module_path!(), "fails").expect("fails is traced");
    let before = f.calls(obs::trace::Outcome::Error);
    // No pipeline: counted as an error, never formatted.
    assert!(fails().is_err());
    assert_eq!((RENDERED.load(SeqCst), f.calls(obs::trace::Outcome::Error) - before), (0, 1));
    let sink = MemorySink::default();
    let guard = TracePipeline::builder().service_name("traced-red").sink(sink.clone()).install().unwrap();
    assert!(fails().is_err());
    guard.flush();
    assert_eq!(RENDERED.load(SeqCst), 1);
    assert_eq!(find(&sink.spans(), "fails").status, SpanStatus::Error("costly".into()));
    drop(guard);
}

#[obs::traced(in_flight)]
async fn never_ready() {
    std::future::pending::<()>().await
}

#[test]
fn a_cancelled_call_is_exported_marked_and_not_counted() {
    use std::future::Future;
    let _lock = turn(&PIPELINE);
    let f = obs::trace::traced_function(module_path!(), "never_ready").expect("never_ready is traced");
    let sink = MemorySink::default();
    let guard = TracePipeline::builder().service_name("traced-red").sink(sink.clone()).install().unwrap();
    {
        let mut fut = std::pin::pin!(never_ready());
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert_eq!(f.in_flight(), 1);
    } // dropped before completion
    guard.flush();
    assert_eq!(f.in_flight(), 0, "the gauge comes back down");
    let total: u64 = [obs::trace::Outcome::Ok, obs::trace::Outcome::Error, obs::trace::Outcome::Panic]
        .map(|o| f.calls(o))
        .iter()
        .sum();
    assert_eq!(total, 0, "a call that never ended has no result to count");
    let span = find(&sink.spans(), "never_ready");
    assert_eq!(span.attribute("obs.cancelled"), Some(&obs::trace::AttrValue::Bool(true)));
    assert!(!obs::trace::current().is_valid(), "the context is restored");
    drop(guard);
}

/// Ready on its second poll: the first poll may run on one thread and the second on another.
#[obs::traced(in_flight)]
async fn two_polls() {
    let mut first = true;
    std::future::poll_fn(|cx| {
        if std::mem::take(&mut first) {
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await
}

#[test]
fn the_in_flight_gauge_is_exact_when_calls_start_on_one_thread_and_end_on_another() {
    use std::future::Future;
    let f = obs::trace::traced_function(module_path!(), "two_polls").expect("two_polls is traced");
    let ok = f.calls(obs::trace::Outcome::Ok);
    // 50 calls started on this thread, each left pending after its first poll.
    let mut calls: Vec<_> = (0..50).map(|_| Box::pin(two_polls())).collect();
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    for c in &mut calls {
        assert!(c.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(f.in_flight(), 50);
    // Finished on two other threads, 25 each, one after the other: each call ends where it did not start.
    let finish = |mut part: Vec<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>>| {
        std::thread::spawn(move || {
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            for c in &mut part {
                assert!(c.as_mut().poll(&mut cx).is_ready());
            }
        })
    };
    let mut calls: Vec<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>> =
        calls.into_iter().map(|c| c as std::pin::Pin<Box<dyn Future<Output = ()> + Send>>).collect();
    let rest = calls.split_off(25);
    finish(calls).join().unwrap();
    assert_eq!(f.in_flight(), 25, "the 25 calls not finished yet");
    finish(rest).join().unwrap();
    assert_eq!(f.in_flight(), 0);
    assert_eq!(f.calls(obs::trace::Outcome::Ok) - ok, 50);
    let text = obs::encode(obs::Format::Prometheus);
    let line = format!("function_calls_in_flight{{function=\"two_polls\",module=\"{}\"}} 0", module_path!());
    assert!(text.lines().any(|l| l == line), "missing `{line}`");
}

#[obs::traced]
fn handle_remote() -> u32 {
    7
}

#[test]
fn a_remote_parent_and_its_tracestate_reach_the_span() {
    let _lock = turn(&PIPELINE);
    let sink = MemorySink::default();
    let guard = TracePipeline::builder().service_name("traced-red").sink(sink.clone()).install().unwrap();
    let mut headers = http::HeaderMap::new();
    headers.insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap());
    headers.insert("tracestate", "vendor=abc,other=1".parse().unwrap());
    {
        let _remote = obs::trace::attach_remote(&headers).expect("a valid traceparent");
        assert_eq!(handle_remote(), 7);
    }
    guard.flush();
    let span = find(&sink.spans(), "handle_remote");
    assert_eq!(span.trace_id, 0x4bf92f3577b34da6a3ce929d0e0e4736);
    assert_eq!(span.parent_span_id, 0x00f067aa0ba902b7);
    assert!(span.parent_remote);
    assert_eq!(span.trace_state.as_deref(), Some("vendor=abc,other=1"));
    assert_eq!(span.status, SpanStatus::Unset);
    drop(guard);
}

#[test]
fn a_panic_is_counted_and_goes_on() {
    let f = obs::trace::traced_function(module_path!(), "boom").unwrap();
    let before = f.calls(obs::trace::Outcome::Panic);
    assert!(std::panic::catch_unwind(|| boom(1)).is_err());
    assert_eq!(boom(0), 0);
    assert_eq!(f.calls(obs::trace::Outcome::Panic) - before, 1);
}

#[test]
fn catalog_lists_functions() {
    let fns: Vec<_> = obs::catalog().functions().collect();
    let p = fns.iter().find(|f| f.function == "parse").expect("parse in the catalog");
    assert_eq!(p.kind, obs::trace::SpanKind::Client);
    assert!(p.in_flight && p.red_metrics);
    assert_eq!(p.attributes, &["input"]);
    assert_eq!(p.location.module_path, module_path!());
    assert!(p.location.line > 0 && p.location.file.ends_with("traced_red.rs"));
    let u = fns.iter().find(|f| f.function == "load_user").unwrap();
    assert_eq!(u.span_name, "load-user");
    assert_eq!(u.attributes, &["name", "user.kind", "len"]);
    let s = fns.iter().find(|f| f.function == "with_slo").unwrap();
    let slo = s.slo.unwrap();
    assert_eq!(slo.name, "with_slo");
    assert_eq!(slo.success_rate, Some(0.999));
    assert_eq!(slo.latency.unwrap().threshold_seconds, 0.25);
    assert_eq!(s.buckets.len(), 11);
}

#[test]
fn exposition_has_the_three_families() {
    add(1, 2);
    let _ = parse("1");
    let text = obs::encode(obs::Format::Prometheus);
    let m = module_path!();
    assert!(text.contains("# TYPE function_calls_total counter\n"), "{text}");
    assert!(text.contains(&format!("function_calls_total{{function=\"add\",module=\"{m}\",result=\"ok\"}} ")));
    assert!(text.contains(&format!("function_calls_total{{function=\"add\",module=\"{m}\",result=\"panic\"}} 0\n")));
    assert!(text
        .contains(&format!("function_calls_duration_seconds_bucket{{function=\"add\",module=\"{m}\",le=\"0.005\"}} ")));
    assert!(text.contains(&format!("function_calls_in_flight{{function=\"parse\",module=\"{m}\"}} 0\n")));
    assert!(!text.contains("function_calls_in_flight{function=\"add\""));
    assert!(text.contains("# TYPE obs_spans_exported_total counter\n"));
    assert!(text.contains("obs_spans_dropped_total{reason=\"queue_full\"} "));
    assert!(!text.contains(" # {"), "no exemplars in the Prometheus format");
}

#[test]
fn spans_parent_child_across_await_and_threads() {
    let _lock = turn(&PIPELINE);
    let sink = MemorySink::default();
    let guard = TracePipeline::builder().service_name("traced-red").sink(sink.clone()).install().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    assert_eq!(rt.block_on(load_user("bob".into(), "hunter2")).unwrap(), 3);
    assert!(rt.block_on(load_user(String::new(), "x")).is_err());
    // Explicit hand-off to another thread.
    let (ctx, parent_span) = {
        let _g = obs::trace::SpanContext { trace_id: 7, span_id: 9, sampled: true, remote: false }.attach();
        (obs::trace::current(), 9u64)
    };
    std::thread::spawn(move || {
        let _g = ctx.attach();
        add(2, 3);
    })
    .join()
    .unwrap();
    let _ = parse("nope");
    guard.flush();
    drop(guard);
    let spans = sink.spans();
    let users: Vec<&SpanRecord> = spans.iter().filter(|s| s.name == "load-user").collect();
    assert_eq!(users.len(), 2);
    let ok = users.iter().find(|s| s.status == SpanStatus::Unset).unwrap();
    assert_eq!(ok.parent_span_id, 0);
    assert_eq!(ok.attribute("name"), Some(&obs::trace::AttrValue::Str("bob".into())));
    assert_eq!(ok.attribute("len"), Some(&obs::trace::AttrValue::I64(3)));
    assert_eq!(ok.attribute("user.kind"), Some(&obs::trace::AttrValue::Str("admin".into())));
    assert!(ok.attribute("secret").is_none());
    let kids: Vec<&SpanRecord> = spans.iter().filter(|s| s.name == "child" && s.trace_id == ok.trace_id).collect();
    assert_eq!(kids.len(), 1, "one child in the trace");
    assert_eq!(kids[0].parent_span_id, ok.span_id);
    assert!(kids[0].start >= ok.start && kids[0].end <= ok.end);
    let added = find(&spans, "add");
    assert_eq!((added.trace_id, added.parent_span_id), (7, parent_span));
    let failed = spans.iter().find(|s| s.name == "parse").unwrap();
    assert!(matches!(&failed.status, SpanStatus::Error(m) if m.contains("invalid digit")), "{:?}", failed.status);
    assert_eq!(failed.events[0].name, "exception");
    assert_eq!(failed.kind, obs::trace::SpanKind::Client);
}

#[test]
fn exemplars_in_openmetrics_only() {
    let _lock = turn(&PIPELINE);
    let guard = TracePipeline::builder().install().unwrap();
    with_slo();
    let om = obs::encode(obs::Format::OpenMetrics);
    drop(guard);
    let line = om
        .lines()
        .find(|l| l.starts_with("function_calls_duration_seconds_bucket{function=\"with_slo\"") && l.contains(" # {"))
        .unwrap_or_else(|| panic!("an exemplar on with_slo's buckets:\n{om}"));
    assert!(line.contains("trace_id=\""), "{line}");
    assert!(!obs::encode(obs::Format::Prometheus).contains(" # {"));
}

#[obs::traced]
fn before_exit() -> u32 {
    1
}

#[obs::traced]
fn at_thread_exit() -> u32 {
    2
}

/// Ends a traced call when its thread's locals are destroyed.
struct CallOnExit;
impl Drop for CallOnExit {
    fn drop(&mut self) {
        at_thread_exit();
    }
}

thread_local! {
    static CALL_ON_EXIT: CallOnExit = const { CallOnExit };
}

#[test]
fn a_call_ended_by_a_thread_local_destructor_after_the_span_ring_is_gone_is_still_exported() {
    let _lock = turn(&PIPELINE);
    let sink = MemorySink::default();
    let guard = TracePipeline::builder().service_name("traced-red").sink(sink.clone()).install().unwrap();
    let dropped = obs::trace::pipeline_stats().1;
    std::thread::spawn(|| {
        // Thread-local destructors run in the reverse order of first use: this one after the span ring's, which
        // the traced call below makes.
        CALL_ON_EXIT.with(|_| ());
        before_exit();
    })
    .join()
    .unwrap();
    guard.flush();
    let spans = sink.spans();
    let (before, late) = (find(&spans, "before_exit"), find(&spans, "at_thread_exit"));
    assert_eq!(late.thread, before.thread, "the late span keeps its thread's number");
    assert!(late.start >= before.end);
    assert_eq!(obs::trace::pipeline_stats().1, dropped, "nothing was dropped");
    drop(guard);
}

#[obs::traced(in_flight, buckets = [0.005, 0.08])]
fn steady(sleep_ms: u64, fail: bool) -> Result<u64, Oops> {
    let f = obs::trace::traced_function(module_path!(), "steady").unwrap();
    assert_eq!(f.in_flight(), 1, "the gauge counts this call while it runs");
    std::thread::sleep(std::time::Duration::from_millis(sleep_ms));
    if sleep_ms == 99 {
        panic!("steady panics");
    }
    if fail {
        Err(Oops)
    } else {
        Ok(sleep_ms)
    }
}

#[test]
fn calls_after_the_first_without_a_pipeline_are_counted_timed_and_unwound_alike() {
    // No pipeline and a function already called once: the metrics-only path that keeps its row for the end.
    let _lock = turn(&PIPELINE);
    assert!(!obs::trace::is_active());
    let f = obs::trace::traced_function(module_path!(), "steady").unwrap();
    assert_eq!(steady(0, false).unwrap(), 0);
    assert!(steady(0, true).is_err());
    assert_eq!(steady(10, false).unwrap(), 10);
    assert!(std::panic::catch_unwind(|| steady(99, false)).is_err());
    use obs::trace::Outcome::{Error, Ok as Fine, Panic};
    assert_eq!((f.calls(Fine), f.calls(Error), f.calls(Panic)), (2, 1, 1));
    assert_eq!(f.in_flight(), 0, "every call, the panicked one too, took its count back");
    let (buckets, sum) = f.durations();
    // Two calls under 5 ms, the 10 ms one under 80 ms, the 99 ms one (panicked, still timed) above.
    assert_eq!(buckets, vec![(0.005, 2), (0.08, 3), (f64::INFINITY, 4)]);
    assert!((0.109..1.0).contains(&sum), "the durations' sum in seconds: {sum}");
}
