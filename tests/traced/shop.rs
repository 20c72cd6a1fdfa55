//! The demo service end to end in one process: its routes, what each request counted and traced (obs::testing),
//! its exposition, and the fault switch that turns `/ready` to 503 within the check's interval and back.

use crate::common;

use common::{eventually, get};
use obs::trace::{SpanKind, SpanStatus};
use shop_service::metrics::{
    Catalogue, CatalogueViews, Category, OrderValue, OrdersPlaced, PageLoad, Payment, PaymentAttempts, PaymentOutcome,
};
use std::time::Duration;

#[test]
fn the_shop_serves_measures_and_fails_readiness_on_demand() {
    let obs = obs::builder!().service_name("shop").listen("127.0.0.1:0").init().unwrap();
    let ops = obs.local_addr().unwrap();
    // One thread serves and sends: every handler runs on this test's thread, so obs::testing measures exactly what
    // these requests wrote and recorded.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let shop = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, shop_service::app()).await });
        addr
    });
    let send = |method: &str, path: &str| rt.block_on(shop_service::loadgen::request(shop, method, path)).unwrap();
    let scope = obs::testing::start();
    assert_eq!(send("GET", "/catalogue/books"), 200);
    assert_eq!(send("GET", "/catalogue/toys"), 404);
    assert_eq!(send("POST", "/cart/3"), 201);
    let paid = send("POST", "/checkout");
    assert!([200, 402, 502].contains(&paid));
    assert_eq!(send("POST", "/rum?load_ms=1250"), 204);
    assert_eq!(send("POST", "/rum?load_ms=-1"), 400, "a hostile beacon is refused");
    assert_eq!(send("POST", "/rum?load_ms=NaN"), 400, "a hostile beacon is refused");
    let m = scope.finish();

    let views = |category| m.counter(CatalogueViews.with(Catalogue { category }));
    assert_eq!(views(Category::Books), 1);
    assert_eq!(views(Category::Games), 0, "a 404 counts no view");
    assert_eq!(m.counter(OrdersPlaced), u64::from(paid == 200));
    assert_eq!(m.histogram(OrderValue).count(), u64::from(paid == 200));
    let attempts = |outcome| m.counter(PaymentAttempts.with(Payment { outcome })).get();
    let by_outcome = [PaymentOutcome::Approved, PaymentOutcome::Declined, PaymentOutcome::Error].map(attempts);
    assert_eq!(by_outcome.iter().sum::<u64>(), 1, "one payment attempt: {by_outcome:?}");
    assert_eq!(by_outcome[0], u64::from(paid == 200));
    let beacons = m.histogram(PageLoad);
    assert_eq!(beacons.count(), 1, "refused beacons are not recorded");
    assert_eq!(beacons.sum(), 1.25);

    let spans = m.spans();
    let checkout = spans.one("POST /checkout");
    assert_eq!(checkout.kind, SpanKind::Server);
    let place_order = spans.children(checkout);
    assert_eq!(place_order.iter().map(|s| s.name).collect::<Vec<_>>(), ["place_order"]);
    assert_eq!(spans.children(place_order[0]).iter().map(|s| s.name).collect::<Vec<_>>(), ["query", "charge"]);
    let charge = spans.one("charge");
    assert_eq!(charge.kind, SpanKind::Client);
    match paid {
        200 => assert_eq!(charge.status, SpanStatus::Unset),
        _ => assert!(matches!(&charge.status, SpanStatus::Error(e) if !e.is_empty()), "{:?}", charge.status),
    }
    let catalogue = spans.named("GET /catalogue/{category}");
    assert_eq!(catalogue.len(), 2, "both catalogue requests, the 404 too");
    assert_eq!(spans.children(catalogue[0]).iter().map(|s| s.name).collect::<Vec<_>>(), ["query"]);
    assert!(spans.children(catalogue[1]).is_empty(), "no query for an unknown category");

    // The exposition renders the same storage: these series exist with the labels declared.
    let text = get(ops, "/metrics", &[]).text();
    for needle in [
        "shop_catalogue_views_total{category=\"books\"} ",
        "http_server_requests_total{method=\"GET\",route=\"/catalogue/{category}\",status_class=\"2xx\"} ",
        "http_server_requests_total{method=\"GET\",route=\"/catalogue/{category}\",status_class=\"4xx\"} ",
        "http_server_request_duration_seconds_bucket{method=\"POST\",route=\"/cart/{item}\",le=\"+Inf\"} ",
        "build_info{service=\"shop\"",
        "process_resident_memory_bytes ",
        "shop_db_query_duration_seconds_count ",
        "shop_page_load_seconds_count ",
    ] {
        assert!(text.contains(needle), "{needle} missing");
    }
    let books = format!("shop_catalogue_views_total{{category=\"books\"}} {}\n", views(Category::Books));
    assert!(text.contains(&books), "{books}");

    assert!(eventually(Duration::from_secs(5), || get(ops, "/ready", &[]).status == 200));
    assert_eq!(send("POST", "/faults?fail_database=true"), 200);
    // The database check runs every second: readiness follows within that interval.
    assert!(eventually(Duration::from_millis(2500), || get(ops, "/ready", &[]).status == 503));
    assert_eq!(get(ops, "/health", &[]).status, 200, "liveness is unaffected");
    assert_eq!(send("DELETE", "/faults"), 200);
    assert!(eventually(Duration::from_millis(2500), || get(ops, "/ready", &[]).status == 200));
    assert_eq!(send("POST", "/faults?error_rate=7"), 400, "bad fault values are refused");
}
