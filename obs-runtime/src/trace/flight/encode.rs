//! The dump formats: OTLP JSON lines (one `ExportTraceServiceRequest` per line, as the OpenTelemetry file
//! exporter writes them) and Chrome trace-event JSON (what Perfetto and `chrome://tracing` open: one track per
//! thread, an `X` slice per span, `i` instants for its events).
//!
//! The OTLP lines are opentelemetry-proto's generated messages serialised through the crate's own OTLP JSON
//! mapping (feature `with-serde`: hex trace and span ids, 64-bit integers as strings, lowerCamelCase keys, enums
//! as integers), the mapping obs-replay reads them back with. The Chrome format has no crate; it is built here.

use super::super::attr::AttrValue;
use super::super::clock;
use super::super::record::{SpanRecord, SpanStatus};
use super::super::sink::Resource;
use super::store::Kept;
use crate::desc::SpanKind;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource as ProtoResource;
use opentelemetry_proto::tonic::trace::v1::{span, status, ResourceSpans, ScopeSpans, Span, SpanFlags, Status};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::io::{self, Write};

/// Spans per line of an OTLP JSON dump.
const SPANS_PER_LINE: usize = 512;

fn any_value(v: &AttrValue) -> AnyValue {
    let value = match v {
        AttrValue::Bool(b) => any_value::Value::BoolValue(*b),
        AttrValue::I64(i) => any_value::Value::IntValue(*i),
        AttrValue::F64(f) if f.is_finite() => any_value::Value::DoubleValue(*f),
        // JSON has no NaN or infinity (serde_json would write `null`, which no decoder takes as a double).
        AttrValue::F64(f) => any_value::Value::StringValue(f.to_string()),
        AttrValue::Str(s) => any_value::Value::StringValue(s.to_string()),
    };
    AnyValue { value: Some(value) }
}

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    key_value(key.to_owned(), AnyValue { value: Some(value) })
}

fn key_value(key: String, value: AnyValue) -> KeyValue {
    KeyValue { key, value: Some(value), ..KeyValue::default() }
}

fn string(s: &str) -> any_value::Value {
    any_value::Value::StringValue(s.to_owned())
}

fn attrs(a: &[(Cow<'static, str>, AttrValue)]) -> Vec<KeyValue> {
    a.iter().map(|(k, v)| key_value(k.to_string(), any_value(v))).collect()
}

fn kind(k: SpanKind) -> span::SpanKind {
    match k {
        SpanKind::Internal => span::SpanKind::Internal,
        SpanKind::Server => span::SpanKind::Server,
        SpanKind::Client => span::SpanKind::Client,
        SpanKind::Producer => span::SpanKind::Producer,
        SpanKind::Consumer => span::SpanKind::Consumer,
    }
}

fn span(s: &SpanRecord) -> Span {
    let mut attributes = Vec::with_capacity(s.attributes.len() + 6);
    if let Some(f) = s.function {
        attributes.push(kv("code.function.name", string(f.function)));
        attributes.push(kv("code.namespace", string(f.location.module_path)));
        attributes.push(kv("code.file.path", string(f.location.file)));
        attributes.push(kv("code.line.number", any_value::Value::IntValue(f.location.line.into())));
    }
    attributes.push(kv("thread.id", any_value::Value::IntValue(s.thread.into())));
    // Whether the sampler kept it: a backend shows which spans the exporter never sent.
    attributes.push(kv("obs.sampled", any_value::Value::BoolValue(s.sampled)));
    attributes.extend(attrs(&s.attributes));
    // The W3C flags (sampled), and whether the parent is remote, which obs knows for every span.
    let mut flags = SpanFlags::ContextHasIsRemoteMask as u32;
    if s.sampled {
        flags |= 1;
    }
    if s.parent_remote {
        flags |= SpanFlags::ContextIsRemoteMask as u32;
    }
    Span {
        trace_id: s.trace_id.to_be_bytes().to_vec(),
        span_id: s.span_id.to_be_bytes().to_vec(),
        trace_state: s.trace_state.as_deref().unwrap_or_default().to_owned(),
        // A root span has none: empty, not eight zero bytes.
        parent_span_id: if s.parent_span_id == 0 { Vec::new() } else { s.parent_span_id.to_be_bytes().to_vec() },
        flags,
        name: s.name.to_owned(),
        kind: kind(s.kind) as i32,
        start_time_unix_nano: s.start_unix_nanos(),
        end_time_unix_nano: s.end_unix_nanos(),
        attributes,
        events: s
            .events
            .iter()
            .map(|e| span::Event {
                time_unix_nano: clock::unix_nanos(e.at),
                name: e.name.to_string(),
                attributes: attrs(&e.attributes),
                dropped_attributes_count: 0,
            })
            .collect(),
        // Always present: the mapping writes a missing message as `null`, which not every reader takes.
        status: Some(match &s.status {
            SpanStatus::Unset => Status::default(),
            SpanStatus::Error(msg) => Status { message: msg.to_string(), code: status::StatusCode::Error as i32 },
        }),
        ..Span::default()
    }
}

fn resource(r: &Resource) -> ProtoResource {
    let mut attributes = vec![kv("service.name", string(&r.service_name))];
    attributes.extend(r.attributes.iter().map(|(k, v)| kv(k, string(v))));
    ProtoResource { attributes, ..ProtoResource::default() }
}

/// Writes the recorder's compact records as OTLP JSON lines; returns the number of spans written. Each record is
/// made whole only while its line is encoded, so the records are all a dump holds in memory.
pub(crate) fn otlp_json(w: &mut dyn Write, spans: &[Kept], resource_of: &Resource) -> io::Result<usize> {
    let res = resource(resource_of);
    let scope = InstrumentationScope {
        name: "obs".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        ..InstrumentationScope::default()
    };
    for chunk in spans.chunks(SPANS_PER_LINE) {
        let line = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(res.clone()),
                scope_spans: vec![ScopeSpans {
                    scope: Some(scope.clone()),
                    spans: chunk.iter().map(|k| span(&k.record())).collect(),
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            }],
        };
        serde_json::to_writer(&mut *w, &line)?;
        w.write_all(b"\n")?;
    }
    Ok(spans.len())
}

/// Microseconds from `origin` to `unix_nanos`, as the trace-event format's `ts` wants them. Relative, because a
/// double holds Unix microseconds (about 1.8e15) only to a quarter of a microsecond, which let a child span that
/// ended a few hundred nanoseconds before its parent appear to end after it.
fn micros_since(origin: u64, unix_nanos: u64) -> f64 {
    (unix_nanos as i128 - origin as i128) as f64 / 1000.0
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
    // Times count from the earliest span's start; `otherData` says when that was.
    let origin = order.first().map_or(0, |s| s.start_unix_nanos());
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
            "name": s.name, "cat": "span", "ph": "X", "ts": micros_since(origin, start),
            "dur": micros_since(start, end.max(start)), "pid": pid, "tid": s.thread, "args": args,
        }));
        for e in &s.events {
            let args: Map<String, Value> =
                e.attributes.iter().map(|(k, v)| (k.to_string(), json!(v.to_string()))).collect();
            events.push(json!({
                "name": e.name, "cat": "event", "ph": "i", "s": "t", "ts": micros_since(origin, clock::unix_nanos(e.at)),
                "pid": pid, "tid": s.thread, "args": args,
            }));
        }
    }
    let other = json!({ "start_unix_nanos": origin.to_string() });
    serde_json::to_writer(&mut *w, &json!({ "traceEvents": events, "displayTimeUnit": "ms", "otherData": other }))?;
    w.write_all(b"\n")?;
    Ok(spans.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::SpanEvent;

    fn record(parent: u64, status: SpanStatus) -> SpanRecord {
        SpanRecord {
            trace_id: 0x0af7651916cd43dd8448eb211c80319c,
            span_id: 0x00f067aa0ba902b7,
            parent_span_id: parent,
            parent_remote: parent != 0,
            name: "charge",
            kind: SpanKind::Client,
            start: clock::now(),
            end: clock::now(),
            status,
            attributes: vec![("attempt".into(), AttrValue::I64(3)), ("ratio".into(), AttrValue::F64(f64::NAN))],
            events: vec![SpanEvent { name: "retry".into(), at: clock::now(), attributes: vec![] }],
            function: None,
            trace_state: None,
            sampled: false,
            thread: 7,
        }
    }

    fn line(spans: &[SpanRecord]) -> Value {
        let mut out = Vec::new();
        assert_eq!(
            otlp_json(
                &mut out,
                &spans.iter().map(Kept::new).collect::<Vec<_>>(),
                &Resource { service_name: "shop".into(), attributes: vec![] }
            )
            .unwrap(),
            2
        );
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 1, "one request per line");
        serde_json::from_str(&text).unwrap()
    }

    /// The OTLP file format's JSON mapping, field by field: what a decoder built on protobuf's JSON mapping
    /// alone would not notice (it reads a hex id as base64 just as well).
    #[test]
    fn the_otlp_lines_follow_the_file_formats_json_mapping() {
        let v = line(&[record(0, SpanStatus::Unset), record(0x1122334455667788, SpanStatus::Error("declined".into()))]);
        let rs = &v["resourceSpans"][0];
        assert_eq!(
            rs["resource"]["attributes"][0],
            json!({ "key": "service.name", "value": { "stringValue": "shop" } })
        );
        assert_eq!(rs["scopeSpans"][0]["scope"]["name"], "obs");
        let (root, child) = (&rs["scopeSpans"][0]["spans"][0], &rs["scopeSpans"][0]["spans"][1]);
        // Ids in lowercase hex, not base64; a root span's parent is empty.
        assert_eq!(root["traceId"], "0af7651916cd43dd8448eb211c80319c");
        assert_eq!(root["spanId"], "00f067aa0ba902b7");
        assert_eq!(root["parentSpanId"], "");
        assert_eq!(child["parentSpanId"], "1122334455667788");
        // Enums as integers, fixed64 times as decimal strings, int64 attribute values as strings.
        assert_eq!(root["kind"], 3);
        assert!(root["startTimeUnixNano"].as_str().unwrap().parse::<u64>().unwrap() > 1_600_000_000_000_000_000);
        assert!(root["events"][0]["timeUnixNano"].as_str().unwrap().parse::<u64>().is_ok());
        let attr = |s: &Value, k: &str| s["attributes"].as_array().unwrap().iter().find(|a| a["key"] == k).cloned();
        assert_eq!(attr(root, "thread.id").unwrap()["value"], json!({ "intValue": "7" }));
        assert_eq!(attr(root, "attempt").unwrap()["value"], json!({ "intValue": "3" }));
        assert_eq!(attr(root, "obs.sampled").unwrap()["value"], json!({ "boolValue": false }));
        assert_eq!(attr(root, "ratio").unwrap()["value"], json!({ "stringValue": "NaN" }), "JSON has no NaN");
        assert_eq!(root["status"], json!({ "message": "", "code": 0 }), "unset, written out rather than `null`");
        assert_eq!(child["status"], json!({ "message": "declined", "code": 2 }));
        // Not sampled, and the parent's remoteness known: remote for the child only.
        assert_eq!(root["flags"], 0x100);
        assert_eq!(child["flags"], 0x300);
    }
}
