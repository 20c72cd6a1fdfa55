//! The dump formats: OTLP JSON lines (one `ExportTraceServiceRequest` per line, as the OpenTelemetry file
//! exporter writes them: hex ids, int64 nanoseconds as strings, lowerCamelCase keys) and Chrome trace-event JSON
//! (what Perfetto and `chrome://tracing` open: one track per thread, an `X` slice per span, `i` instants for
//! its events).

use super::super::attr::AttrValue;
use super::super::clock;
use super::super::record::{SpanRecord, SpanStatus};
use super::super::sink::Resource;
use crate::desc::SpanKind;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::io::{self, Write};

/// Spans per line of an OTLP JSON dump.
const SPANS_PER_LINE: usize = 512;

fn any_value(v: &AttrValue) -> Value {
    match v {
        AttrValue::Bool(b) => json!({ "boolValue": b }),
        AttrValue::I64(i) => json!({ "intValue": i.to_string() }),
        AttrValue::F64(f) if f.is_finite() => json!({ "doubleValue": f }),
        AttrValue::F64(f) => json!({ "stringValue": f.to_string() }),
        AttrValue::Str(s) => json!({ "stringValue": s }),
    }
}

fn kv(key: &str, value: Value) -> Value {
    json!({ "key": key, "value": value })
}

fn attrs(a: &[(Cow<'static, str>, AttrValue)]) -> Vec<Value> {
    a.iter().map(|(k, v)| kv(k, any_value(v))).collect()
}

fn kind(k: SpanKind) -> u8 {
    match k {
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
        SpanKind::Producer => 4,
        SpanKind::Consumer => 5,
    }
}

fn span_json(s: &SpanRecord) -> Value {
    let mut attributes = Vec::with_capacity(s.attributes.len() + 6);
    if let Some(f) = s.function {
        attributes.push(kv("code.function.name", json!({ "stringValue": f.function })));
        attributes.push(kv("code.namespace", json!({ "stringValue": f.location.module_path })));
        attributes.push(kv("code.file.path", json!({ "stringValue": f.location.file })));
        attributes.push(kv("code.line.number", json!({ "intValue": f.location.line.to_string() })));
    }
    attributes.push(kv("thread.id", json!({ "intValue": s.thread.to_string() })));
    // Whether the sampler kept it: a backend shows which spans the exporter never sent.
    attributes.push(kv("obs.sampled", json!({ "boolValue": s.sampled })));
    attributes.extend(attrs(&s.attributes));
    let mut m = Map::new();
    m.insert("traceId".into(), json!(format!("{:032x}", s.trace_id)));
    m.insert("spanId".into(), json!(format!("{:016x}", s.span_id)));
    if let Some(t) = &s.trace_state {
        m.insert("traceState".into(), json!(t));
    }
    if s.parent_span_id != 0 {
        m.insert("parentSpanId".into(), json!(format!("{:016x}", s.parent_span_id)));
    }
    m.insert("name".into(), json!(s.name));
    m.insert("kind".into(), json!(kind(s.kind)));
    m.insert("startTimeUnixNano".into(), json!(s.start_unix_nanos().to_string()));
    m.insert("endTimeUnixNano".into(), json!(s.end_unix_nanos().to_string()));
    m.insert("attributes".into(), Value::Array(attributes));
    if !s.events.is_empty() {
        let events: Vec<Value> = s
            .events
            .iter()
            .map(|e| {
                json!({
                    "timeUnixNano": clock::unix_nanos(e.at).to_string(),
                    "name": e.name,
                    "attributes": attrs(&e.attributes),
                })
            })
            .collect();
        m.insert("events".into(), Value::Array(events));
    }
    if let SpanStatus::Error(msg) = &s.status {
        m.insert("status".into(), json!({ "code": 2, "message": msg }));
    }
    Value::Object(m)
}

fn resource_json(r: &Resource) -> Value {
    let mut a = vec![kv("service.name", json!({ "stringValue": r.service_name }))];
    a.extend(r.attributes.iter().map(|(k, v)| kv(k, json!({ "stringValue": v }))));
    json!({ "attributes": a })
}

/// Writes OTLP JSON lines; returns the number of spans written.
pub(crate) fn otlp_json(w: &mut dyn Write, spans: &[SpanRecord], resource: &Resource) -> io::Result<usize> {
    let res = resource_json(resource);
    let scope = json!({ "name": "obs", "version": env!("CARGO_PKG_VERSION") });
    for chunk in spans.chunks(SPANS_PER_LINE) {
        let line = json!({
            "resourceSpans": [{
                "resource": res,
                "scopeSpans": [{ "scope": scope, "spans": chunk.iter().map(span_json).collect::<Vec<_>>() }],
            }]
        });
        serde_json::to_writer(&mut *w, &line)?;
        w.write_all(b"\n")?;
    }
    Ok(spans.len())
}

fn micros(unix_nanos: u64) -> f64 {
    unix_nanos as f64 / 1000.0
}

/// Writes a Chrome trace-event JSON object; returns the number of spans written.
pub(crate) fn chrome(w: &mut dyn Write, spans: &[SpanRecord], resource: &Resource) -> io::Result<usize> {
    let pid = std::process::id();
    let mut events = Vec::with_capacity(spans.len() + 8);
    events.push(json!({ "ph": "M", "name": "process_name", "pid": pid, "tid": 0,
                        "args": { "name": resource.service_name } }));
    let mut threads: Vec<u32> = spans.iter().map(|s| s.thread).collect();
    threads.sort_unstable();
    threads.dedup();
    for t in threads {
        events.push(json!({ "ph": "M", "name": "thread_name", "pid": pid, "tid": t,
                            "args": { "name": format!("obs thread {t}") } }));
    }
    // Sorted by start, and among equal starts the longer (outer) first, so a viewer nests them as they ran.
    let mut order: Vec<&SpanRecord> = spans.iter().collect();
    order.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    for s in order {
        let (start, end) = (s.start_unix_nanos(), s.end_unix_nanos());
        let mut args = Map::new();
        args.insert("trace_id".into(), json!(format!("{:032x}", s.trace_id)));
        args.insert("span_id".into(), json!(format!("{:016x}", s.span_id)));
        if s.parent_span_id != 0 {
            args.insert("parent_span_id".into(), json!(format!("{:016x}", s.parent_span_id)));
        }
        args.insert("sampled".into(), json!(s.sampled));
        if let SpanStatus::Error(m) = &s.status {
            args.insert("error".into(), json!(m));
        }
        for (k, v) in &s.attributes {
            args.insert(k.to_string(), json!(v.to_string()));
        }
        events.push(json!({
            "name": s.name, "cat": "span", "ph": "X", "ts": micros(start),
            "dur": micros(end.saturating_sub(start)), "pid": pid, "tid": s.thread, "args": args,
        }));
        for e in &s.events {
            let args: Map<String, Value> =
                e.attributes.iter().map(|(k, v)| (k.to_string(), json!(v.to_string()))).collect();
            events.push(json!({
                "name": e.name, "cat": "event", "ph": "i", "s": "t", "ts": micros(clock::unix_nanos(e.at)),
                "pid": pid, "tid": s.thread, "args": args,
            }));
        }
    }
    serde_json::to_writer(&mut *w, &json!({ "traceEvents": events, "displayTimeUnit": "ms" }))?;
    w.write_all(b"\n")?;
    Ok(spans.len())
}
