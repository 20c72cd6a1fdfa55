//! Reading a dump: each line an OTLP JSON `ExportTraceServiceRequest` (the OpenTelemetry file exporter's format:
//! hex ids, int64 as strings or numbers, lowerCamelCase keys), decoded by opentelemetry-proto's own OTLP JSON
//! mapping (`with-serde`) into the proto types the OTLP client sends. A line that is not one is reported with its
//! number and skipped.

use obs_runtime::otlp_proto::collector::trace::v1::ExportTraceServiceRequest;
use obs_runtime::otlp_proto::common::v1::{any_value, InstrumentationScope};
use obs_runtime::otlp_proto::resource::v1::Resource;
use obs_runtime::otlp_proto::trace::v1::Span;

/// One span with the resource and scope it came with.
#[derive(Clone)]
pub struct Item {
    /// The resource of the line's `resourceSpans` entry (the service).
    pub resource: Resource,
    /// The instrumentation scope it was under.
    pub scope: InstrumentationScope,
    /// The span, ids and timestamps as recorded.
    pub span: Span,
}

/// The spans of one line.
pub fn parse_line(line: &str) -> Result<Vec<Item>, String> {
    let req: ExportTraceServiceRequest =
        serde_json::from_str(line).map_err(|e| format!("not an OTLP JSON request: {e}"))?;
    let mut out = Vec::new();
    for rs in req.resource_spans {
        let resource = rs.resource.unwrap_or_default();
        for ss in rs.scope_spans {
            let scope = ss.scope.unwrap_or_default();
            for span in ss.spans {
                if span.trace_id.len() != 16 || span.span_id.len() != 8 {
                    return Err(format!("span `{}` has no valid traceId or spanId", span.name));
                }
                out.push(Item { resource: resource.clone(), scope: scope.clone(), span });
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
