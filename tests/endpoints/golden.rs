//! Golden exposition: the exact bytes of both formats for one metric of every kind, with an exemplar (OpenMetrics
//! only) on the bucket of an observation made inside a sampled span.
//!
//! Regenerate with `OBS_BLESS=1 cargo test --test endpoints golden` and read the diff before committing.

use obs::{LabelValue, Labels};

obs::namespace!("shop");

#[derive(LabelValue, Clone, Copy)]
enum Method {
    Get,
    Post,
}

#[derive(LabelValue, Clone, Copy)]
enum Tier {
    #[label(rename = "gold-tier")]
    Gold,
    Free,
}

#[derive(Labels)]
struct Route {
    method: Method,
    route: &'static str,
}

#[derive(Labels)]
struct Plan {
    tier: Tier,
    trial: bool,
}

#[derive(Labels)]
struct Build {
    version: &'static str,
}

/// Orders placed, by plan. A backslash \ and "quotes" survive escaping.
#[obs::metric(counter, labels = Plan)]
struct Orders;

/// Requests served.
#[obs::metric(counter, labels = Route, name = "requests_total")]
struct Requests;

/// Time to serve a request.
#[obs::metric(histogram, labels = Route, unit = "seconds", buckets = [0.1, 0.5])]
struct Latency;

/// Payload sizes, without a namespace.
#[obs::metric(histogram, unit = "bytes", buckets = linear(100, 100, 2), namespace = "")]
struct Payload;

/// Items in the cart.
#[obs::metric(gauge, namespace = "cart")]
struct Items;

/// Fill level of the cache.
#[obs::metric(gauge, unit = "ratio", value = f64)]
struct CacheFill;

/// Money taken.
#[obs::metric(counter, value = f64)]
struct Revenue;

/// The running build.
#[obs::metric(info, labels = Build)]
struct BuildInfo;

fn populate() {
    Orders.with(Plan { tier: Tier::Gold, trial: false }).inc_by(3);
    Orders.with(Plan { tier: Tier::Free, trial: true }).inc();
    Requests.with(Route { method: Method::Post, route: "/checkout" }).inc();
    Requests.with(Route { method: Method::Get, route: "/cart" }).inc_by(2);
    Latency.with(Route { method: Method::Get, route: "/cart" }).observe(0.05);
    {
        // Inside a sampled span: the observation's bucket carries its trace and span as an exemplar.
        let _span = obs::trace::SpanContext {
            trace_id: 0x4bf92f3577b34da6a3ce929d0e0e4736,
            span_id: 0x00f067aa0ba902b7,
            sampled: true,
            remote: true,
        }
        .attach();
        Latency.with(Route { method: Method::Get, route: "/cart" }).observe(0.3);
    }
    Latency.with(Route { method: Method::Get, route: "/cart" }).observe(7.0);
    Payload.observe(150.0);
    Items.set(-2);
    CacheFill.set(0.25);
    Revenue.inc_by(12.5);
    BuildInfo.set(Build { version: "1.2.3" });
}

/// The families declared in this file only: the runtime's own (process, self metrics...) vary by machine.
/// An exemplar's timestamp, the one figure that differs between runs, is checked to be the time of the run and
/// then written as `<now>`.
fn ours(text: &str) -> String {
    let mut out = String::new();
    let mut keep = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            keep = ["shop_", "cart_", "payload_"].iter().any(|p| rest.starts_with(p));
        }
        if keep || line == "# EOF" {
            let line = match line.split_once(" # {") {
                Some((_, exemplar)) => {
                    let (head, ts) = line.rsplit_once(' ').expect("an exemplar ends in its timestamp");
                    let ts: f64 = ts.parse().unwrap_or_else(|_| panic!("exemplar timestamp in `{exemplar}`"));
                    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
                    assert!((now.as_secs_f64() - ts).abs() < 600.0, "exemplar timestamp {ts} is not now");
                    format!("{head} <now>")
                }
                None => line.to_owned(),
            };
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

fn check(file: &str, actual: &str) {
    let path = format!("{}/tests/golden/{file}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("OBS_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(actual, expected, "{file} differs; run with OBS_BLESS=1 to regenerate and review the diff");
}

#[test]
fn both_formats_match_the_golden_files_and_are_deterministic() {
    // `check` reads OBS_BLESS, so it takes turns with the test of this binary that sets a variable.
    let _env = crate::common::turn(&crate::common::ENV);
    // Spans are sampled only with a pipeline installed; it is dropped before the test ends, so this binary's
    // `init` test (which takes the same turn) can install its own.
    let guard = obs::trace::TracePipeline::builder().sink(obs::trace::MemorySink::default()).install().unwrap();
    populate();
    let prom = obs::encode(obs::Format::Prometheus);
    let om = obs::encode(obs::Format::OpenMetrics);
    check("exposition.prom", &ours(&prom));
    check("exposition.om", &ours(&om));
    assert_eq!(ours(&prom), ours(&obs::encode(obs::Format::Prometheus)), "two scrapes of one state are identical");
    drop(guard);
}
