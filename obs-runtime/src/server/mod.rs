//! The HTTP endpoints: `/metrics`, `/health`, `/ready` (and `/debug/flight`), as a router to serve or to mount in an axum app.

mod auth;
pub mod endpoints;
mod listen;
mod negotiate;
pub mod red;

pub(crate) use listen::serve;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;

/// Requests served at once; more wait in line, so a burst of scrapes is answered, not dropped.
///
/// ```
/// assert_eq!(obs_runtime::server::MAX_CONCURRENT_REQUESTS, 64);
/// ```
pub const MAX_CONCURRENT_REQUESTS: usize = 64;
/// The longest a client may take to send a request head, from the moment the server waits for one: a slow
/// client is cut off, and so is a keep-alive connection idle for longer. (Applies to obs' own listener; a
/// [`router`] mounted in your app follows your server's settings.)
///
/// ```
/// assert_eq!(obs_runtime::server::HEADER_READ_TIMEOUT, std::time::Duration::from_secs(5));
/// ```
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections obs' own listener holds at once. At the cap, a new connection closes the oldest held one that is
/// not serving a request (still sending its head, or idle between requests), so clients that only hold sockets
/// cannot lock out a probe; when all of them are serving one, the new connection is closed instead.
///
/// ```
/// assert_eq!(obs_runtime::server::MAX_CONNECTIONS, 256);
/// ```
pub const MAX_CONNECTIONS: usize = 256;
/// The largest request body accepted (the endpoints take none).
///
/// ```
/// assert_eq!(obs_runtime::server::MAX_BODY_BYTES, 16 * 1024);
/// ```
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The endpoints as an axum router, to `merge` into your own app or serve alone.
///
/// With `bearer_token`, every endpoint of this router requires `Authorization: Bearer <token>`.
///
/// ```
/// let app: axum::Router = axum::Router::new()
///     .route("/", axum::routing::get(|| async { "my service" }))
///     .merge(obs_runtime::server::router(None));
/// # let _ = app;
/// ```
pub fn router(bearer_token: Option<&str>) -> Router {
    router_with(bearer_token, true)
}

/// [`router`], without `/metrics` when Prometheus is not among the metrics exporters (`OTEL_METRICS_EXPORTER`).
pub(crate) fn router_with(bearer_token: Option<&str>, metrics: bool) -> Router {
    let r = Router::new();
    let r = if metrics { r.route("/metrics", get(endpoints::metrics)) } else { r };
    let r = r.route("/health", get(endpoints::health)).route("/ready", get(endpoints::ready));
    #[cfg(feature = "flight")]
    let r = r.route("/debug/flight", get(endpoints::flight));
    let r = match bearer_token {
        Some(t) => r.layer(axum::middleware::from_fn_with_state(Arc::<str>::from(t), auth::require_bearer)),
        None => r,
    };
    r.layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(MAX_CONCURRENT_REQUESTS))
}
