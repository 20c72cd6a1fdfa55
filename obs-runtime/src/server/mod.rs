//! The HTTP endpoints: `/metrics`, `/health`, `/ready`, as a router to serve or to mount in an axum app.

mod auth;
pub mod endpoints;
pub mod red;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

/// Requests served at once; more wait in line, so a burst of scrapes is answered, not dropped.
///
/// ```
/// assert_eq!(obs_runtime::server::MAX_CONCURRENT_REQUESTS, 64);
/// ```
pub const MAX_CONCURRENT_REQUESTS: usize = 64;
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
    let r = Router::new()
        .route("/metrics", get(endpoints::metrics))
        .route("/health", get(endpoints::health))
        .route("/ready", get(endpoints::ready));
    let r = match bearer_token {
        Some(t) => r.layer(axum::middleware::from_fn_with_state(Arc::<str>::from(t), auth::require_bearer)),
        None => r,
    };
    r.layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(MAX_CONCURRENT_REQUESTS))
}
