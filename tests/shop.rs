//! The demo service end to end in one process: its routes, its metrics through promtool, and the fault switch
//! that turns `/ready` to 503 within the check's interval and back.

mod common;

use common::{eventually, get};
use std::time::Duration;

#[test]
fn the_shop_serves_measures_and_fails_readiness_on_demand() {
    let obs = obs::builder!().service_name("shop").listen("127.0.0.1:0").init().unwrap();
    let ops = obs.local_addr().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let shop = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, shop_service::app()).await });
        addr
    });
    let send = |method: &str, path: &str| rt.block_on(shop_service::loadgen::request(shop, method, path)).unwrap();
    assert_eq!(send("GET", "/catalogue/books"), 200);
    assert_eq!(send("GET", "/catalogue/toys"), 404);
    assert_eq!(send("POST", "/cart/3"), 201);
    assert!([200, 402, 502].contains(&send("POST", "/checkout")));
    assert_eq!(send("POST", "/rum?load_ms=1250"), 204);
    assert_eq!(send("POST", "/rum?load_ms=-1"), 400, "a hostile beacon is refused");
    assert_eq!(send("POST", "/rum?load_ms=NaN"), 400, "a hostile beacon is refused");

    let text = get(ops, "/metrics", &[]).text();
    for needle in [
        "shop_catalogue_views_total{category=\"books\"} 1",
        "http_server_requests_total{method=\"GET\",route=\"/catalogue/{category}\",status_class=\"2xx\"} 1",
        "http_server_requests_total{method=\"GET\",route=\"/catalogue/{category}\",status_class=\"4xx\"} 1",
        "http_server_request_duration_seconds_bucket{method=\"POST\",route=\"/cart/{item}\",le=\"+Inf\"} 1",
        "build_info{service=\"shop\"",
        "process_resident_memory_bytes ",
        "shop_db_query_duration_seconds_count ",
        "shop_page_load_seconds_count 1\n",
    ] {
        assert!(text.contains(needle), "{needle} missing");
    }

    assert!(eventually(Duration::from_secs(5), || get(ops, "/ready", &[]).status == 200));
    assert_eq!(send("POST", "/faults?fail_database=true"), 200);
    // The database check runs every second: readiness follows within that interval.
    assert!(eventually(Duration::from_millis(2500), || get(ops, "/ready", &[]).status == 503));
    assert_eq!(get(ops, "/health", &[]).status, 200, "liveness is unaffected");
    assert_eq!(send("DELETE", "/faults"), 200);
    assert!(eventually(Duration::from_millis(2500), || get(ops, "/ready", &[]).status == 200));
    assert_eq!(send("POST", "/faults?error_rate=7"), 400, "bad fault values are refused");
}
