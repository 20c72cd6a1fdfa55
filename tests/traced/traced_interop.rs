//! `tracing` interop: a `tracing` span inside a traced function is its child in the same trace, and events
//! logged inside carry the trace and span ids in the JSON log output.

use obs::trace::{MemorySink, TracePipeline};
use std::io::Write;
use std::sync::{Arc, Mutex};
use tracing_subscriber::layer::SubscriberExt;

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);
impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[obs::traced]
fn handle(order: u32) -> u32 {
    tracing::info!(order, "handling");
    let span = tracing::info_span!("db.query", table = "orders");
    let _e = span.enter();
    tracing::warn!("slow query");
    order
}

#[test]
fn tracing_spans_and_events_join_the_trace() {
    // The span pipeline is process-wide: the tests of this binary that install one take turns.
    let _lock = crate::common::turn(&crate::common::PIPELINE);
    let sink = MemorySink::default();
    let guard = TracePipeline::builder().service_name("interop").sink(sink.clone()).install().unwrap();
    let logs = Buf::default();
    let subscriber =
        tracing_subscriber::registry().with(obs::trace::layer()).with(obs::trace::json_logs(logs.clone(), "interop"));
    tracing::subscriber::with_default(subscriber, || {
        handle(7);
        tracing::info!("outside");
    });
    guard.flush();
    drop(guard);
    let spans = sink.spans();
    let parent = spans.iter().find(|s| s.name == "handle").expect("handle span");
    let child = spans.iter().find(|s| s.name == "db.query").expect("tracing span exported");
    assert_eq!(child.trace_id, parent.trace_id);
    assert_eq!(child.parent_span_id, parent.span_id);
    assert_eq!(child.attribute("table"), Some(&obs::trace::AttrValue::Str("orders".into())));
    assert_eq!(child.events[0].name, "slow query");

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3, "{text}");
    let tid = format!("{:032x}", parent.trace_id);
    assert_eq!(lines[0]["message"], "handling");
    assert_eq!(lines[0]["level"], "INFO");
    assert_eq!(lines[0]["fields"]["order"], 7);
    assert_eq!(lines[0]["trace_id"], tid.as_str());
    assert_eq!(lines[0]["span_id"], format!("{:016x}", parent.span_id).as_str());
    assert_eq!(lines[0]["service"], "interop");
    assert!(lines[0]["timestamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(lines[1]["span_id"], format!("{:016x}", child.span_id).as_str(), "inside the tracing span");
    assert_eq!(lines[1]["target"], "traced::traced_interop");
    assert!(lines[2]["trace_id"].is_null(), "outside any span");
}
