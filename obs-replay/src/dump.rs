//! Reading a dump: each line an OTLP JSON `ExportTraceServiceRequest` (the OpenTelemetry file exporter's format:
//! hex ids, int64 as strings or numbers, lowerCamelCase keys), decoded into the proto types the OTLP client sends.
//! A line that is not one is reported with its number and skipped.

use obs_runtime::otlp_proto::common::v1::{
    any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList,
};
use obs_runtime::otlp_proto::resource::v1::Resource;
use obs_runtime::otlp_proto::trace::v1::{span, Span, Status};
use serde_json::Value;

/// One span with the resource and scope it came with.
#[derive(Clone)]
pub struct Item {
    pub resource: Resource,
    pub scope: InstrumentationScope,
    pub span: Span,
}

fn hex(v: &Value, len: usize, what: &str) -> Result<Vec<u8>, String> {
    let s = match v {
        Value::Null => return Ok(Vec::new()),
        Value::String(s) if s.is_empty() => return Ok(Vec::new()),
        Value::String(s) => s,
        _ => return Err(format!("{what} is not a hex string")),
    };
    if s.len() != len * 2 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("{what} `{s}` is not {len} bytes of hex"));
    }
    Ok((0..len).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap_or(0)).collect())
}

fn int(v: &Value, what: &str) -> Result<i64, String> {
    match v {
        Value::Null => Ok(0),
        Value::Number(n) => {
            n.as_i64().or_else(|| n.as_u64().map(|u| u as i64)).ok_or(format!("{what} is not an integer"))
        }
        Value::String(s) => s
            .parse::<i64>()
            .or_else(|_| s.parse::<u64>().map(|u| u as i64))
            .map_err(|_| format!("{what} `{s}` is not an integer")),
        _ => Err(format!("{what} is not an integer")),
    }
}

fn nanos(v: &Value, what: &str) -> Result<u64, String> {
    match v {
        Value::String(s) => s.parse::<u64>().map_err(|_| format!("{what} `{s}` is not a number of nanoseconds")),
        other => int(other, what).map(|i| i as u64),
    }
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn any(v: &Value) -> Result<AnyValue, String> {
    let value = if let Some(s) = v.get("stringValue") {
        Some(any_value::Value::StringValue(text(s)))
    } else if let Some(b) = v.get("boolValue") {
        Some(any_value::Value::BoolValue(b.as_bool().ok_or("boolValue is not a boolean")?))
    } else if let Some(i) = v.get("intValue") {
        Some(any_value::Value::IntValue(int(i, "intValue")?))
    } else if let Some(d) = v.get("doubleValue") {
        Some(any_value::Value::DoubleValue(d.as_f64().ok_or("doubleValue is not a number")?))
    } else if let Some(a) = v.get("arrayValue") {
        let values = a.get("values").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        Some(any_value::Value::ArrayValue(ArrayValue { values: values.iter().map(any).collect::<Result<_, _>>()? }))
    } else if let Some(kv) = v.get("kvlistValue") {
        Some(any_value::Value::KvlistValue(KeyValueList { values: attrs(kv.get("values"))? }))
    } else {
        None
    };
    Ok(AnyValue { value })
}

fn attrs(v: Option<&Value>) -> Result<Vec<KeyValue>, String> {
    let Some(list) = v.and_then(Value::as_array) else { return Ok(Vec::new()) };
    list.iter()
        .map(|kv| {
            Ok(KeyValue { key: text(&kv["key"]), value: kv.get("value").map(any).transpose()?, ..Default::default() })
        })
        .collect()
}

fn span_of(v: &Value) -> Result<Span, String> {
    let events = v
        .get("events")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|e| {
            Ok(span::Event {
                time_unix_nano: nanos(&e["timeUnixNano"], "timeUnixNano")?,
                name: text(&e["name"]),
                attributes: attrs(e.get("attributes"))?,
                dropped_attributes_count: 0,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let links = v
        .get("links")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|l| {
            Ok(span::Link {
                trace_id: hex(&l["traceId"], 16, "link traceId")?,
                span_id: hex(&l["spanId"], 8, "link spanId")?,
                trace_state: text(&l["traceState"]),
                attributes: attrs(l.get("attributes"))?,
                ..Default::default()
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let trace_id = hex(&v["traceId"], 16, "traceId")?;
    let span_id = hex(&v["spanId"], 8, "spanId")?;
    if trace_id.is_empty() || span_id.is_empty() {
        return Err("a span without traceId or spanId".into());
    }
    Ok(Span {
        trace_id,
        span_id,
        trace_state: text(&v["traceState"]),
        parent_span_id: hex(&v["parentSpanId"], 8, "parentSpanId")?,
        flags: int(&v["flags"], "flags")? as u32,
        name: text(&v["name"]),
        kind: match &v["kind"] {
            Value::String(s) => match s.as_str() {
                "SPAN_KIND_INTERNAL" => 1,
                "SPAN_KIND_SERVER" => 2,
                "SPAN_KIND_CLIENT" => 3,
                "SPAN_KIND_PRODUCER" => 4,
                "SPAN_KIND_CONSUMER" => 5,
                _ => 0,
            },
            other => int(other, "kind")? as i32,
        },
        start_time_unix_nano: nanos(&v["startTimeUnixNano"], "startTimeUnixNano")?,
        end_time_unix_nano: nanos(&v["endTimeUnixNano"], "endTimeUnixNano")?,
        attributes: attrs(v.get("attributes"))?,
        events,
        links,
        status: v
            .get("status")
            .map(|s| -> Result<Status, String> {
                let code = match &s["code"] {
                    Value::String(c) => match c.as_str() {
                        "STATUS_CODE_OK" => 1,
                        "STATUS_CODE_ERROR" => 2,
                        _ => 0,
                    },
                    other => int(other, "status code")? as i32,
                };
                Ok(Status { message: text(&s["message"]), code })
            })
            .transpose()?,
        ..Default::default()
    })
}

/// The spans of one line.
pub fn parse_line(line: &str) -> Result<Vec<Item>, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let rss = v.get("resourceSpans").and_then(Value::as_array).ok_or("no `resourceSpans` array")?;
    let mut out = Vec::new();
    for rs in rss {
        let resource =
            Resource { attributes: attrs(rs.get("resource").and_then(|r| r.get("attributes")))?, ..Default::default() };
        for ss in rs.get("scopeSpans").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            let scope = ss.get("scope").map_or_else(InstrumentationScope::default, |s| InstrumentationScope {
                name: text(&s["name"]),
                version: text(&s["version"]),
                ..Default::default()
            });
            for s in ss.get("spans").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
                out.push(Item { resource: resource.clone(), scope: scope.clone(), span: span_of(s)? });
            }
        }
    }
    Ok(out)
}

/// An attribute's string value.
pub fn str_attr<'a>(s: &'a Span, key: &str) -> Option<&'a str> {
    s.attributes.iter().find(|kv| kv.key == key).and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
        any_value::Value::StringValue(v) => Some(v.as_str()),
        _ => None,
    })
}
