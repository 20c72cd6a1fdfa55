//! W3C propagation: round trips, the specification's examples, and a fuzz of the parser (never panics, never
//! accepts what it should not).

use obs::trace::{extract, inject, parse_traceparent, SpanContext};
use proptest::prelude::*;
use std::collections::HashMap;

#[test]
fn round_trip_through_header_map_and_hash_map() {
    let ctx = SpanContext {
        trace_id: 0x0af7651916cd43dd8448eb211c80319c,
        span_id: 0xb7ad6b7169203331,
        sampled: true,
        remote: false,
    };
    let mut h = http::HeaderMap::new();
    inject(&ctx, Some("congo=t61rcWkgMzE"), &mut h);
    assert_eq!(h["traceparent"], "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    let (back, state) = extract(&h).unwrap();
    assert_eq!((back.trace_id, back.span_id, back.sampled, back.remote), (ctx.trace_id, ctx.span_id, true, true));
    assert_eq!(state.as_deref(), Some("congo=t61rcWkgMzE"));
    let mut m: HashMap<String, String> = HashMap::new();
    inject(&SpanContext { sampled: false, ..ctx }, None, &mut m);
    assert_eq!(m["traceparent"], "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
    assert!(!extract(&m).unwrap().0.sampled);
}

#[test]
fn malformed_headers_are_ignored() {
    for bad in [
        "",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
        "00_0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331_01",
        "0-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x",
        "00-0af7651916cd43dd8448eb211c80319é-b7ad6b716920333-01",
    ] {
        assert!(parse_traceparent(bad).is_none(), "{bad:?}");
    }
    // A future version may append fields.
    assert!(parse_traceparent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-ever").is_some());
    let mut h = http::HeaderMap::new();
    h.insert("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".parse().unwrap());
    h.insert("tracestate", "Bad Key=1".parse().unwrap());
    let (_, state) = extract(&h).unwrap();
    assert!(state.is_none(), "a bad tracestate is dropped, the traceparent kept");
}

proptest! {
    #[test]
    fn fuzz_traceparent_never_panics(s in ".{0,80}") {
        let _ = parse_traceparent(&s);
        let _ = obs::trace::parse_trace_state(&s);
    }

    #[test]
    fn fuzz_mutated_valid_header(pos in 0usize..55, byte in any::<u8>()) {
        let mut v = b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_vec();
        v[pos] = byte;
        if let Ok(s) = std::str::from_utf8(&v) {
            if let Some(ctx) = parse_traceparent(s) {
                // Whatever is accepted re-injects to the same text.
                let mut m: HashMap<String, String> = HashMap::new();
                inject(&ctx, None, &mut m);
                prop_assert_eq!(parse_traceparent(&m["traceparent"]).unwrap().trace_id, ctx.trace_id);
            }
        }
    }

    #[test]
    fn fuzz_round_trip(t in 1u128.., sp in 1u64.., sampled in any::<bool>()) {
        let ctx = SpanContext { trace_id: t, span_id: sp, sampled, remote: false };
        let mut m: HashMap<String, String> = HashMap::new();
        inject(&ctx, None, &mut m);
        let back = extract(&m).unwrap().0;
        prop_assert_eq!((back.trace_id, back.span_id, back.sampled), (t, sp, sampled));
    }
}
