//! HTTP RED metrics for axum services: a middleware labelling by method, matched route template and status class.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use obs_macros::{metric, LabelValue, Labels};
use std::time::Instant;

/// The request method, as a fixed label.
#[derive(LabelValue, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET.
    #[label(rename = "GET")]
    Get,
    /// POST.
    #[label(rename = "POST")]
    Post,
    /// PUT.
    #[label(rename = "PUT")]
    Put,
    /// DELETE.
    #[label(rename = "DELETE")]
    Delete,
    /// PATCH.
    #[label(rename = "PATCH")]
    Patch,
    /// HEAD.
    #[label(rename = "HEAD")]
    Head,
    /// OPTIONS.
    #[label(rename = "OPTIONS")]
    Options,
    /// Any other method.
    #[label(rename = "other")]
    Other,
}

impl From<&axum::http::Method> for Method {
    fn from(m: &axum::http::Method) -> Self {
        match *m {
            axum::http::Method::GET => Method::Get,
            axum::http::Method::POST => Method::Post,
            axum::http::Method::PUT => Method::Put,
            axum::http::Method::DELETE => Method::Delete,
            axum::http::Method::PATCH => Method::Patch,
            axum::http::Method::HEAD => Method::Head,
            axum::http::Method::OPTIONS => Method::Options,
            _ => Method::Other,
        }
    }
}

/// The class of a response status.
#[derive(LabelValue, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusClass {
    /// 1xx.
    #[label(rename = "1xx")]
    Informational,
    /// 2xx.
    #[label(rename = "2xx")]
    Success,
    /// 3xx.
    #[label(rename = "3xx")]
    Redirection,
    /// 4xx.
    #[label(rename = "4xx")]
    ClientError,
    /// 5xx.
    #[label(rename = "5xx")]
    ServerError,
}

impl StatusClass {
    fn of(status: u16) -> Self {
        match status {
            100..=199 => StatusClass::Informational,
            200..=299 => StatusClass::Success,
            300..=399 => StatusClass::Redirection,
            400..=499 => StatusClass::ClientError,
            _ => StatusClass::ServerError,
        }
    }
}

#[derive(Labels)]
pub(crate) struct RequestLabels {
    method: Method,
    route: String,
    status_class: StatusClass,
}

#[derive(Labels)]
pub(crate) struct RouteLabels {
    method: Method,
    route: String,
}

/// HTTP requests served, by method, matched route template and status class.
#[metric(counter, labels = RequestLabels, name = "http_server_requests", namespace = "", cap = 1000)]
pub(crate) struct HttpServerRequests;

/// Time to serve an HTTP request, by method and matched route template.
#[metric(histogram, labels = RouteLabels, unit = "seconds", name = "http_server_request_duration", namespace = "", cap = 500)]
pub(crate) struct HttpServerRequestDuration;

/// HTTP requests being served.
#[metric(gauge, name = "http_server_requests_in_flight", namespace = "")]
pub(crate) struct HttpServerRequestsInFlight;

/// Records RED metrics for every request; add it with `axum::middleware::from_fn(obs::http::track_requests)`.
///
/// A W3C `traceparent` on the request is extracted, so spans the handler records join the caller's trace.
///
/// The route label is the matched route template (`/cart/{id}`), never the raw path, so cardinality stays that of
/// the router; requests that match no route are labelled `unmatched`.
///
/// ```
/// use axum::{routing::get, Router};
/// let app: Router = Router::new()
///     .route("/cart/{id}", get(|| async { "cart" }))
///     .layer(axum::middleware::from_fn(obs_runtime::server::red::track_requests));
/// # let _ = app;
/// ```
pub async fn track_requests(req: Request, next: Next) -> Response {
    let method = Method::from(req.method());
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    // A caller's `traceparent` becomes the parent of the spans this request records.
    let remote = crate::trace::extract(req.headers()).map(|(ctx, _)| ctx);
    let _in_flight = HttpServerRequestsInFlight.track();
    let started = Instant::now();
    let response = match remote {
        Some(ctx) => ctx.wrap(next.run(req)).await,
        None => next.run(req).await,
    };
    let status_class = StatusClass::of(response.status().as_u16());
    HttpServerRequestDuration
        .with(RouteLabels { method, route: route.clone() })
        .observe(started.elapsed().as_secs_f64());
    HttpServerRequests.with(RequestLabels { method, route, status_class }).inc();
    response
}
