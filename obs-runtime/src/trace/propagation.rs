//! W3C trace context: `traceparent` and `tracestate`, injected into and extracted from any carrier.
//!
//! Extraction never panics and ignores what is malformed: a bad `traceparent` yields no context (the next span
//! starts a new trace), and a bad `tracestate` is dropped while the `traceparent` is kept.
//!
//! ```
//! use obs_runtime::trace::{extract, inject, SpanContext};
//! let mut headers = http::HeaderMap::new();
//! let ctx = SpanContext { trace_id: 0x4bf92f3577b34da6a3ce929d0e0e4736, span_id: 0x00f067aa0ba902b7, sampled: true, remote: false };
//! inject(&ctx, None, &mut headers);
//! assert_eq!(headers["traceparent"], "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
//! let (back, _state) = extract(&headers).unwrap();
//! assert_eq!((back.trace_id, back.span_id, back.sampled, back.remote), (ctx.trace_id, ctx.span_id, true, true));
//! ```

use super::context::{self, ContextGuard, SpanContext};

/// Something headers can be read from and written to (HTTP headers, message metadata...).
///
/// ```
/// use obs_runtime::trace::{inject, Carrier, SpanContext};
/// struct Meta(Vec<(String, String)>);
/// impl Carrier for Meta {
///     fn get(&self, key: &str) -> Option<&str> { self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()) }
///     fn set(&mut self, key: &str, value: String) { self.0.push((key.to_owned(), value)); }
/// }
/// let mut meta = Meta(Vec::new());
/// inject(&SpanContext { trace_id: 1, span_id: 2, sampled: true, remote: false }, None, &mut meta);
/// assert_eq!(meta.get("traceparent"), Some("00-00000000000000000000000000000001-0000000000000002-01"));
/// ```
pub trait Carrier {
    /// The value of `key` (lowercase), if present and text.
    fn get(&self, key: &str) -> Option<&str>;
    /// Sets `key` to `value`.
    fn set(&mut self, key: &str, value: String);
}

/// Feature `http` (on with `server`).
#[cfg(feature = "http")]
impl Carrier for http::HeaderMap {
    fn get(&self, key: &str) -> Option<&str> {
        http::HeaderMap::get(self, key).and_then(|v| v.to_str().ok())
    }
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(k), Ok(v)) =
            (http::header::HeaderName::from_bytes(key.as_bytes()), http::HeaderValue::from_str(&value))
        {
            self.insert(k, v);
        }
    }
}

impl<S: std::hash::BuildHasher> Carrier for std::collections::HashMap<String, String, S> {
    fn get(&self, key: &str) -> Option<&str> {
        std::collections::HashMap::get(self, key).map(String::as_str)
    }
    fn set(&mut self, key: &str, value: String) {
        self.insert(key.to_owned(), value);
    }
}

/// Writes `traceparent` (and `tracestate` when given) for `ctx`; an invalid context writes nothing.
///
/// ```
/// use obs_runtime::trace::{inject, SpanContext};
/// use std::collections::HashMap;
/// let ctx = SpanContext { trace_id: 1, span_id: 2, sampled: false, remote: false };
/// let mut headers = HashMap::new();
/// inject(&ctx, Some("vendor=abc"), &mut headers);
/// assert_eq!(headers["traceparent"], "00-00000000000000000000000000000001-0000000000000002-00");
/// assert_eq!(headers["tracestate"], "vendor=abc");
/// ```
pub fn inject(ctx: &SpanContext, trace_state: Option<&str>, carrier: &mut impl Carrier) {
    if !ctx.is_valid() {
        return;
    }
    carrier.set("traceparent", format!("00-{:032x}-{:016x}-{:02x}", ctx.trace_id, ctx.span_id, ctx.sampled as u8));
    if let Some(ts) = trace_state.filter(|s| parse_trace_state(s).is_some()) {
        carrier.set("tracestate", ts.to_owned());
    }
}

/// Writes the current span's context: the outgoing side of a traced client call.
///
/// ```
/// use obs_runtime::trace::{inject_current, SpanContext};
/// let mut headers = http::HeaderMap::new();
/// inject_current(&mut headers);
/// assert!(headers.is_empty()); // no current span
/// let _g = SpanContext { trace_id: 1, span_id: 2, sampled: true, remote: false }.attach();
/// inject_current(&mut headers);
/// assert!(headers.contains_key("traceparent"));
/// ```
pub fn inject_current(carrier: &mut impl Carrier) {
    inject(&context::current(), None, carrier)
}

/// Reads a remote context and its `tracestate`; `None` when `traceparent` is absent or malformed.
///
/// ```
/// use std::collections::HashMap;
/// let headers = HashMap::from([
///     ("traceparent".to_string(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_string()),
///     ("tracestate".to_string(), "BAD KEY=1".to_string()),
/// ]);
/// let (ctx, state) = obs_runtime::trace::extract(&headers).unwrap();
/// assert!(ctx.sampled && ctx.remote);
/// assert_eq!(state, None); // a malformed tracestate is dropped
/// ```
pub fn extract(carrier: &impl Carrier) -> Option<(SpanContext, Option<String>)> {
    let ctx = parse_traceparent(carrier.get("traceparent")?)?;
    let state = carrier.get("tracestate").and_then(parse_trace_state).map(str::to_owned);
    Some((ctx, state))
}

/// Extracts and attaches in one step: spans started until the guard drops are children of the remote span.
/// With nothing valid to extract, the current context is left as it is.
///
/// ```
/// use obs_runtime::trace::{attach_remote, current};
/// let mut headers = http::HeaderMap::new();
/// headers.insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap());
/// let guard = attach_remote(&headers).unwrap();
/// assert!(current().remote);
/// drop(guard);
/// assert!(!current().is_valid());
/// ```
pub fn attach_remote(carrier: &impl Carrier) -> Option<ContextGuard> {
    let (ctx, state) = extract(carrier)?;
    if let Some(s) = state {
        context::TRACE_STATE.with(|t| *t.borrow_mut() = Some((ctx.trace_id, s.into_boxed_str())));
    }
    Some(ctx.attach())
}

/// Parses a `traceparent` value (version 00, or a later version read as 00 would be).
///
/// ```
/// use obs_runtime::trace::parse_traceparent;
/// let ctx = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
/// assert_eq!((ctx.span_id, ctx.sampled), (0x00f067aa0ba902b7, true));
/// assert_eq!(parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), None);
/// ```
pub fn parse_traceparent(v: &str) -> Option<SpanContext> {
    let v = v.trim();
    let b = v.as_bytes();
    if b.len() < 55 || !v.is_ascii() {
        return None;
    }
    let version = u8::from_str_radix(hex_field(&v[0..2])?, 16).ok()?;
    if version == 0xff || (version == 0 && b.len() != 55) || (version > 0 && b.len() > 55 && b[55] != b'-') {
        return None;
    }
    if b[2] != b'-' || b[35] != b'-' || b[52] != b'-' {
        return None;
    }
    let trace_id = u128::from_str_radix(hex_field(&v[3..35])?, 16).ok()?;
    let span_id = u64::from_str_radix(hex_field(&v[36..52])?, 16).ok()?;
    let flags = u8::from_str_radix(hex_field(&v[53..55])?, 16).ok()?;
    if trace_id == 0 || span_id == 0 {
        return None;
    }
    Some(SpanContext { trace_id, span_id, sampled: flags & 1 == 1, remote: true })
}

/// Lowercase hex only, as the specification requires.
fn hex_field(s: &str) -> Option<&str> {
    s.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)).then_some(s)
}

/// Checks a `tracestate` value: at most 32 `key=value` members, 512 bytes, printable ASCII.
///
/// ```
/// use obs_runtime::trace::parse_trace_state;
/// assert_eq!(parse_trace_state(" rojo=00f067aa0ba902b7,congo=t61rcWkgMzE "), Some("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"));
/// assert_eq!(parse_trace_state("Upper=1"), None);
/// ```
pub fn parse_trace_state(v: &str) -> Option<&str> {
    let v = v.trim();
    if v.is_empty() || v.len() > 512 {
        return None;
    }
    let mut n = 0;
    for member in v.split(',').map(str::trim).filter(|m| !m.is_empty()) {
        n += 1;
        let (k, val) = member.split_once('=')?;
        let key_ok = !k.is_empty()
            && k.len() <= 256
            && k.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"_-*/@".contains(&c));
        let val_ok = !val.is_empty()
            && val.len() <= 256
            && val.bytes().all(|c| (0x20..=0x7e).contains(&c) && c != b',' && c != b'=');
        if !key_ok || !val_ok {
            return None;
        }
    }
    (n > 0 && n <= 32).then_some(v)
}
