use std::borrow::Cow;

#[derive(obs::LabelValue, Clone, Copy)]
enum Method {
    Get,
    #[label(rename = "POST")]
    Post,
}

#[derive(obs::Labels)]
struct Route {
    method: Method,
    route: &'static str,
}

#[derive(obs::Labels)]
struct Everything {
    a: String,
    b: Cow<'static, str>,
    c: u16,
    d: i64,
    e: bool,
    #[label(name = "type")]
    kind: Method,
}

obs::namespace!("passing");

/// Requests.
#[obs::metric(counter, labels = Route)]
struct Requests;

/// Mixed labels.
#[obs::metric(counter, labels = Everything, cap = 10)]
struct Mixed;

/// Float total.
#[obs::metric(counter, value = f64, unit = "seconds")]
struct Busy;

/// Depth.
#[obs::metric(gauge, namespace = "queue")]
struct Depth;

/// Ratio.
#[obs::metric(gauge, value = f64, unit = "ratio")]
struct Fill;

/// Latency.
#[obs::metric(histogram, labels = Route, unit = "seconds", buckets = linear(0.1, 0.1, 5))]
pub(crate) struct Latency;

/// Sizes with default byte buckets.
#[obs::metric(histogram, unit = "bytes")]
struct Sizes;

/// Build.
#[obs::metric(info, labels = Route, name = "build_info")]
struct Build;

fn main() {
    Requests.with(Route { method: Method::Post, route: "/x" }).inc();
    Mixed
        .with(Everything { a: "a".into(), b: Cow::Borrowed("b"), c: 1, d: -1, e: true, kind: Method::Get })
        .inc_by(2);
    Busy.inc_by(0.5);
    Depth.set(3);
    Fill.set(0.5);
    let handle = Latency.with(Route { method: Method::Get, route: "/y" });
    drop(handle.start_timer());
    Sizes.observe(1024.0);
    Build.set(Route { method: Method::Get, route: "v1" });
    let text = obs::encode(obs::Format::Prometheus);
    assert!(text.contains("passing_requests_total{method=\"POST\",route=\"/x\"} 1\n"), "{text}");
    assert!(text.contains("queue_depth 3\n"));
    assert!(text.contains("passing_busy_seconds_total 0.5\n"));
    assert!(text.contains("passing_build_info{method=\"get\",route=\"v1\"} 1\n"));
    assert!(text.contains("type=\"get\""));
    assert_eq!(obs::catalog().metric("passing_sizes_bytes").unwrap().buckets().len(), 10);
}
