//! Content negotiation for `/metrics` (RFC 9110, 12.4.2, 12.5.1 and 12.5.3): which format, and whether to gzip.
//!
//! Media types are parsed by `mime`; q-values, wildcards, specificity and content codings are applied here.
//! A format is one row of [`OFFERS`].

use crate::encoding::Format;
use axum::http::header::HeaderName;
use axum::http::HeaderMap;

/// What `/metrics` answers with: a text format, or the Prometheus protobuf exposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Prometheus text 0.0.4 or OpenMetrics 1.0.
    Text(Format),
    /// Delimited `io.prometheus.client.MetricFamily` messages (what Prometheus asks for with native histograms on).
    #[cfg(feature = "protobuf")]
    Protobuf,
}

impl Answer {
    /// The `Content-Type` of the answer.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Answer::Text(f) => f.content_type(),
            #[cfg(feature = "protobuf")]
            Answer::Protobuf => crate::encoding::PROTOBUF_CONTENT_TYPE,
        }
    }

    /// The answer's name in `obs_scrapes_total{format}`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Answer::Text(Format::Prometheus) => "prometheus",
            Answer::Text(Format::OpenMetrics) => "openmetrics",
            #[cfg(feature = "protobuf")]
            Answer::Protobuf => "protobuf",
        }
    }
}

/// One format `/metrics` can answer with, as the media type a client names to ask for it.
struct Offer {
    format: Answer,
    type_: &'static str,
    subtype: &'static str,
    /// The parameters of what is produced; a range's parameter must be one of these, with this value, to match.
    params: &'static [(&'static str, &'static str)],
}

/// The formats offered; at equal preference the more specifically named one wins, then the earlier row.
const OFFERS: &[Offer] = &[
    Offer {
        format: Answer::Text(Format::Prometheus),
        type_: "text",
        subtype: "plain",
        params: &[("version", "0.0.4"), ("charset", "utf-8")],
    },
    Offer {
        format: Answer::Text(Format::OpenMetrics),
        type_: "application",
        subtype: "openmetrics-text",
        params: &[("version", "1.0.0"), ("charset", "utf-8")],
    },
    #[cfg(feature = "protobuf")]
    Offer {
        format: Answer::Protobuf,
        type_: "application",
        subtype: "vnd.google.protobuf",
        params: &[("proto", "io.prometheus.client.MetricFamily"), ("encoding", "delimited")],
    },
];

/// The format to answer with: the offer the `Accept` header prefers, or the Prometheus text format when it
/// prefers none (no header, nothing offered matches, or every match has `q=0`).
pub(crate) fn format(headers: &HeaderMap) -> Answer {
    let ranges: Vec<mime::Mime> =
        elements(headers, axum::http::header::ACCEPT).filter_map(|e| e.parse().ok()).collect();
    let mut best: Option<(u16, Specificity, &Offer)> = None;
    for offer in OFFERS {
        // The most specific matching range sets the offer's quality (RFC 9110, 12.5.1).
        let Some((spec, q)) =
            ranges.iter().filter_map(|r| matches(r, offer).map(|s| (s, quality(r)))).max_by_key(|m| m.0)
        else {
            continue;
        };
        if q > 0 && best.is_none_or(|(bq, bs, _)| (q, spec) > (bq, bs)) {
            best = Some((q, spec, offer));
        }
    }
    best.map_or(Answer::Text(Format::Prometheus), |(_, _, o)| o.format)
}

/// Whether the `Accept-Encoding` header accepts gzip: `gzip` (or `x-gzip`) with a non-zero q-value, or else `*`
/// with one.
pub(crate) fn gzip(headers: &HeaderMap) -> bool {
    let (mut named, mut any) = (None, None);
    for e in elements(headers, axum::http::header::ACCEPT_ENCODING) {
        let mut parts = e.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let Some(q) = parts.map(str::trim).try_fold(1000, |q, p| param_q(p).map(|v| v.unwrap_or(q))) else {
            continue; // a malformed q-value: the element is ignored
        };
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            named = Some(named.map_or(q, |n: u16| n.max(q)));
        } else if coding == "*" {
            any = Some(q);
        }
    }
    named.or(any).is_some_and(|q| q > 0)
}

/// How specifically a range names an offer: `*/*` < `type/*` < `type/subtype`, then by parameters matched.
type Specificity = (u8, usize);

fn matches(range: &mime::Mime, offer: &Offer) -> Option<Specificity> {
    let level = match (range.type_().as_str(), range.subtype().as_str()) {
        ("*", "*") => 0,
        (t, "*") if t.eq_ignore_ascii_case(offer.type_) => 1,
        (t, s) if t.eq_ignore_ascii_case(offer.type_) && s.eq_ignore_ascii_case(offer.subtype) => 2,
        _ => return None,
    };
    let mut matched = 0;
    for (name, value) in range.params() {
        if name.as_str().eq_ignore_ascii_case("q") {
            continue;
        }
        let ours = offer.params.iter().find(|(n, _)| name.as_str().eq_ignore_ascii_case(n))?;
        if !value.as_str().eq_ignore_ascii_case(ours.1) {
            return None;
        }
        matched += 1;
    }
    Some((level, matched))
}

/// The range's q-value in thousandths (1000 when absent; 0 when malformed, which refuses it).
fn quality(range: &mime::Mime) -> u16 {
    range.get_param("q").map_or(1000, |v| parse_q(v.as_str()).unwrap_or(0))
}

/// `Some(Some(q))` for a well-formed `q=…` parameter, `Some(None)` for another parameter, `None` for a bad q.
fn param_q(p: &str) -> Option<Option<u16>> {
    match p.split_once('=') {
        Some((k, v)) if k.trim().eq_ignore_ascii_case("q") => parse_q(v.trim()).map(Some),
        _ => Some(None),
    }
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths.
fn parse_q(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths =
        frac.bytes().chain(std::iter::repeat(b'0')).take(3).fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The comma-separated elements of every `name` header, trimmed, empty ones skipped.
fn elements(headers: &HeaderMap, name: HeaderName) -> impl Iterator<Item = &str> {
    headers
        .get_all(name)
        .into_iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: &str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
        h
    }

    #[cfg(feature = "protobuf")]
    #[test]
    fn prometheus_with_native_histograms_gets_protobuf() {
        // What Prometheus 2.4x sends with --enable-feature=native-histograms.
        let h = with(
            "accept",
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,\
             text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
        );
        assert_eq!(format(&h), Answer::Protobuf);
        let other_proto =
            with("accept", "application/vnd.google.protobuf;proto=openmetrics.MetricSet, text/plain;q=0.1");
        assert_eq!(format(&other_proto), Answer::Text(Format::Prometheus));
        let refused = with("accept", "application/vnd.google.protobuf;q=0, application/openmetrics-text;q=0.1");
        assert_eq!(format(&refused), Answer::Text(Format::OpenMetrics));
    }

    #[test]
    fn prometheus_own_accept_header_gets_openmetrics() {
        let h = with(
            "accept",
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,\
             text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
        );
        assert_eq!(format(&h), Answer::Text(Format::OpenMetrics));
    }

    #[test]
    fn q_values_wildcards_and_parameters_decide_the_format() {
        for (accept, expected) in [
            ("application/openmetrics-text;q=0", Answer::Text(Format::Prometheus)),
            ("application/openmetrics-text; q=0.000", Answer::Text(Format::Prometheus)),
            ("application/openmetrics-text;q=0.2, text/plain;q=0.9", Answer::Text(Format::Prometheus)),
            ("text/plain;q=0.2, application/openmetrics-text;q=0.9", Answer::Text(Format::OpenMetrics)),
            ("*/*", Answer::Text(Format::Prometheus)),
            ("application/*", Answer::Text(Format::OpenMetrics)),
            ("application/openmetrics-text, */*", Answer::Text(Format::OpenMetrics)),
            ("*/*;q=0.5, text/plain;q=0", Answer::Text(Format::OpenMetrics)),
            ("application/openmetrics-text;version=9.9.9", Answer::Text(Format::Prometheus)),
            ("APPLICATION/OpenMetrics-Text", Answer::Text(Format::OpenMetrics)),
            ("application/openmetrics-textfoo", Answer::Text(Format::Prometheus)),
            ("application/openmetrics-text;q=2", Answer::Text(Format::Prometheus)),
        ] {
            assert_eq!(format(&with("accept", accept)), expected, "Accept: {accept}");
        }
        assert_eq!(format(&HeaderMap::new()), Answer::Text(Format::Prometheus));
    }

    #[test]
    fn gzip_needs_the_gzip_token_or_star_with_a_non_zero_q() {
        for (accept, expected) in [
            ("gzip", true),
            ("GZip", true),
            ("deflate, gzip;q=0.5", true),
            ("x-gzip", true),
            ("*", true),
            ("gzip;q=0", false),
            ("gzip; q=0.0", false),
            ("gzipfoo", false),
            ("deflate, br", false),
            ("*;q=0", false),
            ("gzip;q=0, *", false),
            ("*;q=0, gzip", true),
            ("gzip;q=1.5", false),
            ("identity", false),
        ] {
            assert_eq!(gzip(&with("accept-encoding", accept)), expected, "Accept-Encoding: {accept}");
        }
    }
}
