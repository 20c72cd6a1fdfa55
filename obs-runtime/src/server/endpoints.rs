//! The handlers of `/metrics`, `/health`, `/ready` and `/debug/flight`.

use super::negotiate::Answer;
use crate::exposition::encode_into;
use crate::health;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use obs_macros::metric;
use std::io::Write;

/// Time to render one scrape of `/metrics`.
#[metric(histogram, unit = "seconds", name = "obs_scrape_duration", namespace = "",
         buckets = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5])]
pub(crate) struct ScrapeDuration;

#[derive(obs_macros::Labels)]
pub(crate) struct ScrapeFormat {
    format: &'static str,
}

/// Scrapes of `/metrics`, by the format negotiated: `prometheus`, `openmetrics` or `protobuf`.
#[metric(counter, labels = ScrapeFormat, name = "obs_scrapes", namespace = "")]
pub(crate) struct Scrapes;

/// `GET /metrics`: the format the `Accept` header prefers (OpenMetrics, the Prometheus protobuf exposition or, by
/// default, Prometheus text), gzipped when `Accept-Encoding` accepts it; q-values and wildcards count, as RFC 9110
/// says.
pub async fn metrics(headers: HeaderMap) -> Response {
    let timer = ScrapeDuration.start_timer();
    let answer = super::negotiate::format(&headers);
    let body = match answer {
        Answer::Text(format) => {
            let mut body = String::with_capacity(crate::exposition::LAST_TEXT.capacity());
            encode_into(crate::catalog(), format, &mut body);
            body.into_bytes()
        }
        #[cfg(feature = "protobuf")]
        Answer::Protobuf => {
            let mut body = Vec::with_capacity(crate::exposition::LAST_PROTOBUF.capacity());
            crate::exposition::encode_protobuf_into(crate::catalog(), &mut body);
            body
        }
    };
    Scrapes.with(ScrapeFormat { format: answer.name() }).inc();
    drop(timer);
    let mut response = if super::negotiate::gzip(&headers) {
        let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::fast());
        match gz.write_all(&body).and_then(|()| gz.finish()) {
            Ok(bytes) => {
                let mut r = bytes.into_response();
                r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                r
            }
            Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        }
    } else {
        body.into_response()
    };
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(answer.content_type()));
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept, accept-encoding"));
    response
}

fn json(status: StatusCode, body: &impl serde::Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// `GET /health`: liveness. The process answers, so it is 200; the body reports every check and the score.
pub async fn health() -> Response {
    json(StatusCode::OK, &health::report())
}

/// `GET /ready`: readiness. 200 when every critical check passed its last run, 503 otherwise.
pub async fn ready() -> Response {
    let (ready, report) = health::readiness();
    json(if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, &report)
}

/// `GET /debug/flight?last=30s&trace_id=…&function=…&errors=true&format=otlp|chrome` (feature `flight`): the
/// flight recorder's records as OTLP JSON lines (the default) or Chrome trace-event JSON. 400 on a bad query,
/// 404 when no recorder is on.
#[cfg(feature = "flight")]
pub async fn flight(axum::extract::RawQuery(query): axum::extract::RawQuery) -> Response {
    use crate::trace::flight::{self, Filter, Format};
    let filter = match Filter::parse_query(query.as_deref().unwrap_or("")) {
        Ok(f) => f,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    };
    let mut body = Vec::with_capacity(64 * 1024);
    match flight::dump_as(&mut body, &filter, filter.format) {
        Ok(_) => {
            let ct = match filter.format {
                Format::OtlpJson => "application/x-ndjson",
                Format::Chrome => "application/json",
            };
            (StatusCode::OK, [(header::CONTENT_TYPE, ct)], body).into_response()
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (StatusCode::NOT_FOUND, format!("{e}\n")).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}
