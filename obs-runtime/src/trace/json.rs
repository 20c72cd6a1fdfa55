//! JSON logs: a `tracing-subscriber` layer writing one JSON object per event and line, with `timestamp`, `level`,
//! `target`, `message`, `fields`, `trace_id`, `span_id` and `service`. The ids are those of the current span,
//! a `#[traced]` call or a `tracing` span, so logs and traces join on them.

use super::attr::AttrValue;
use super::context;
use super::layer::Fields;
use std::io::Write;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};
use tracing_core::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// The JSON log layer; see [`json_logs`].
///
/// ```
/// use obs_runtime::trace::{json_logs, JsonLogs};
/// use tracing_subscriber::layer::SubscriberExt;
/// let layer: JsonLogs = json_logs(std::io::sink(), "checkout");
/// let subscriber = tracing_subscriber::registry().with(layer);
/// tracing_core::dispatcher::with_default(&tracing_core::Dispatch::new(subscriber), || {
///     // `tracing` events here are written as JSON lines
/// });
/// ```
pub struct JsonLogs {
    out: Mutex<Box<dyn Write + Send>>,
    service: String,
}

/// JSON logs to `writer`, for service `service` (e.g. the pipeline's `service.name`).
///
/// ```
/// let layer = obs_runtime::trace::json_logs(std::io::stdout(), "checkout");
/// # let _ = layer;
/// ```
pub fn json_logs(writer: impl Write + Send + 'static, service: impl Into<String>) -> JsonLogs {
    JsonLogs { out: Mutex::new(Box::new(writer)), service: service.into() }
}

fn escape(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn value(out: &mut String, v: &AttrValue) {
    match v {
        AttrValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        AttrValue::I64(i) => out.push_str(&i.to_string()),
        AttrValue::F64(f) if f.is_finite() => out.push_str(&f.to_string()),
        AttrValue::F64(f) => escape(out, &f.to_string()),
        AttrValue::Str(s) => escape(out, s),
    }
}

/// RFC 3339 in UTC with nanoseconds, from Unix nanoseconds (civil-from-days, H. Hinnant).
pub(crate) fn rfc3339(unix_nanos: u128) -> String {
    let secs = (unix_nanos / 1_000_000_000) as i64;
    let nanos = (unix_nanos % 1_000_000_000) as u32;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

impl<S: Subscriber> Layer<S> for JsonLogs {
    fn on_event(&self, event: &Event<'_>, _cx: Context<'_, S>) {
        let mut fields = Vec::new();
        event.record(&mut Fields(&mut fields));
        let message =
            fields.iter().position(|(k, _)| k == "message").map(|i| fields.remove(i).1.to_string()).unwrap_or_default();
        let meta = event.metadata();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let mut line = String::with_capacity(256);
        line.push_str("{\"timestamp\":");
        escape(&mut line, &rfc3339(now));
        line.push_str(",\"level\":");
        escape(&mut line, meta.level().as_str());
        line.push_str(",\"target\":");
        escape(&mut line, meta.target());
        line.push_str(",\"message\":");
        escape(&mut line, &message);
        line.push_str(",\"fields\":{");
        for (i, (k, v)) in fields.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            escape(&mut line, k);
            line.push(':');
            value(&mut line, v);
        }
        line.push('}');
        let ctx = context::current();
        if ctx.is_valid() {
            line.push_str(&format!(",\"trace_id\":\"{:032x}\",\"span_id\":\"{:016x}\"", ctx.trace_id, ctx.span_id));
        } else {
            line.push_str(",\"trace_id\":null,\"span_id\":null");
        }
        line.push_str(",\"service\":");
        escape(&mut line, &self.service);
        line.push_str("}\n");
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
    }
}
