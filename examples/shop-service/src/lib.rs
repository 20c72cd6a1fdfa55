//! The demo shop: catalogue, cart and checkout over a simulated database and payment provider.
//!
//! Its declarations (metrics, health checks, routes) are what `gen-dashboards` turns into dashboards, rules and
//! routing; `cargo run --example shop` serves it. Settings, all optional:
//! - `SHOP_ADDR` (default `127.0.0.1:8080`): the shop's own routes;
//! - `OTEL_EXPORTER_PROMETHEUS_HOST` / `_PORT` (default `localhost:9464`): `/metrics`, `/health`, `/ready`;
//! - `SHOP_LOADGEN=0` (or `--no-load`): no built-in load generator;
//! - fault switches: see [`faults`].

pub mod faults;
pub mod loadgen;
pub mod metrics;
pub mod sim;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use metrics::{
    CartItems, Catalogue, CatalogueViews, Category, LargestContentfulPaint, OrderValue, OrdersPlaced, PageLoad,
    Revenue, RumPage,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

static CART: AtomicU64 = AtomicU64::new(0);

/// Checks the simulated database; critical, so `/ready` fails with it.
#[obs::health_check(critical, interval = "1s", timeout = "500ms")]
async fn database() -> Result<(), String> {
    if faults::current().fail_database {
        return Err("database unreachable (fault switch)".into());
    }
    sim::query("ping").await.map(|_| ())
}

/// Checks the payment provider; not critical: checkout degrades, the shop stays ready.
#[obs::health_check(interval = "2s", timeout = "1s")]
async fn payment_provider() -> Result<(), String> {
    if faults::current().error_rate >= 0.5 {
        return Err("payment provider error rate above 50%".into());
    }
    Ok(())
}

async fn slow_down(route: &str) {
    let f = faults::current();
    if f.slow_route.as_deref() == Some(route) && f.slow_ms > 0 {
        tokio::time::sleep(Duration::from_millis(f.slow_ms)).await;
    }
}

fn parse_category(s: &str) -> Option<Category> {
    match s {
        "books" => Some(Category::Books),
        "games" => Some(Category::Games),
        "music" => Some(Category::Music),
        _ => None,
    }
}

#[obs::traced(kind = server, skip_all, name = "GET /catalogue/{category}")]
async fn catalogue(Path(category): Path<String>) -> Response {
    slow_down("/catalogue/{category}").await;
    let Some(cat) = parse_category(&category) else {
        return (StatusCode::NOT_FOUND, "no such category\n").into_response();
    };
    CatalogueViews.with(Catalogue { category: cat }).inc();
    match sim::query(&category).await {
        Ok(items) => Json(items).into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e).into_response(),
    }
}

#[obs::traced(kind = server, skip_all, name = "POST /cart/{item}")]
async fn add_to_cart(Path(item): Path<u32>) -> Response {
    slow_down("/cart/{item}").await;
    if item == 0 || item > 1000 {
        return (StatusCode::BAD_REQUEST, "item ids are 1 to 1000\n").into_response();
    }
    CART.fetch_add(1, Ordering::Relaxed);
    CartItems.inc();
    (StatusCode::CREATED, "added\n").into_response()
}

/// 99% of checkouts succeed, and 95% finish within 250 ms.
#[obs::traced(kind = server, name = "POST /checkout", in_flight,
              slo(success_rate = 0.99, latency(percentile = 0.95, threshold = 0.25)))]
async fn checkout() -> Response {
    slow_down("/checkout").await;
    let items = CART.swap(0, Ordering::Relaxed);
    CartItems.sub(items as i64);
    if items == 0 {
        return (StatusCode::BAD_REQUEST, "the cart is empty\n").into_response();
    }
    match place_order(items).await {
        Ok(amount) => {
            OrdersPlaced.inc();
            Revenue.inc_by(amount);
            OrderValue.observe(amount);
            (StatusCode::OK, format!("paid {amount:.2} EUR\n")).into_response()
        }
        Err(e) if e.contains("declined") => (StatusCode::PAYMENT_REQUIRED, e).into_response(),
        Err(e) => (StatusCode::BAD_GATEWAY, e).into_response(),
    }
}

/// Records the order and charges it; returns the amount charged.
#[obs::traced(err, slo(success_rate = 0.99))]
async fn place_order(items: u64) -> Result<f64, String> {
    let amount = items as f64 * (5.0 + sim::random() * 20.0);
    sim::query("orders").await?;
    sim::charge(amount).await?;
    Ok(amount)
}

/// A real-user-monitoring beacon: a browser reports how long a page took to load and, optionally, the page's
/// Largest Contentful Paint and which page it was.
#[derive(serde::Deserialize)]
struct Beacon {
    load_ms: f64,
    #[serde(default)]
    lcp_ms: Option<f64>,
    #[serde(default)]
    page: Option<String>,
}

async fn rum(Query(b): Query<Beacon>) -> Response {
    // A beacon comes from outside: a negative, infinite or absurd figure is refused, not recorded. An LCP of NaN
    // is not refused: it is what a browser without the API sends. obs drops it and counts it in
    // `obs_dropped_observations_total`, and the beacon's load time is still recorded.
    let absurd = |ms: f64| !(0.0..=600_000.0).contains(&ms);
    if absurd(b.load_ms) || b.lcp_ms.is_some_and(|ms| !ms.is_nan() && absurd(ms)) {
        return (StatusCode::BAD_REQUEST, "load_ms and lcp_ms must be between 0 and 600000\n").into_response();
    }
    PageLoad.observe(b.load_ms / 1000.0);
    if let Some(lcp) = b.lcp_ms {
        // The page label is the browser's word too: the family's cap bounds its series.
        let page = b.page.unwrap_or_else(|| "unknown".to_owned());
        LargestContentfulPaint.with(RumPage { page }).observe(lcp / 1000.0);
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn get_faults() -> Json<faults::Faults> {
    Json(faults::current())
}

async fn set_faults(Query(f): Query<faults::Faults>) -> Response {
    match faults::set(f) {
        Ok(()) => Json(faults::current()).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e).into_response(),
    }
}

async fn clear_faults() -> Json<faults::Faults> {
    let _ = faults::set(faults::Faults::default());
    Json(faults::current())
}

/// The shop's routes, with HTTP RED metrics on every one.
pub fn app() -> Router {
    Router::new()
        .route("/catalogue/{category}", get(catalogue))
        .route("/cart/{item}", post(add_to_cart))
        .route("/checkout", post(checkout))
        .route("/rum", post(rum))
        .route("/faults", get(get_faults).post(set_faults).delete(clear_faults))
        .layer(axum::middleware::from_fn(obs::http::track_requests))
}

/// Runs the demo service until Ctrl-C.
pub fn main() {
    if let Err(e) = run() {
        eprintln!("shop: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    faults::set(faults::from_env()?)?;
    // The flight recorder is on in the demo: the last minute of every traced call, sampled or not, is served at
    // `GET /debug/flight` and dumped to `$TMPDIR/shop-flight` when a call panics (`OBS_FLIGHT_RECORDER` overrides).
    let mut spans = obs::trace::TracePipeline::from_env()?.service_name("shop");
    if spans.flight_settings().is_none() {
        spans = spans
            .flight_recorder(std::time::Duration::from_secs(60), 32 << 20)
            .flight_recorder_dir(std::env::temp_dir().join("shop-flight"));
    }
    let obs = obs::builder!().service_name("shop").trace_pipeline(spans).init()?;
    let addr = std::env::var("SHOP_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let load = std::env::var("SHOP_LOADGEN").map_or(true, |v| v != "0") && !std::env::args().any(|a| a == "--no-load");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        let shop = listener.local_addr()?;
        let ops = obs.local_addr().map_or_else(|| "(off)".to_owned(), |a| a.to_string());
        println!("shop: serving the shop on http://{shop}  (GET /catalogue/books, POST /cart/1, POST /checkout)");
        println!(
            "shop: metrics on http://{ops}/metrics, liveness /health, readiness /ready, flight recorder /debug/flight"
        );
        println!("shop: fault switches: curl -X POST 'http://{shop}/faults?error_rate=0.5&fail_database=true'");
        println!(
            "shop: load generator {}; Ctrl-C stops",
            if load { "on (SHOP_LOADGEN=0 turns it off)" } else { "off" }
        );
        if load {
            tokio::spawn(loadgen::run(shop));
        }
        axum::serve(listener, app())
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
                println!("shop: stopping");
            })
            .await?;
        drop(obs);
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    Ok(())
}
