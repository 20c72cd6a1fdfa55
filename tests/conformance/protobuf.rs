//! The Prometheus protobuf exposition agrees with the text exposition family by family: decoded with the
//! prost-generated `io.prometheus.client` types, every sample of the text scrape is there with the same value.

use obs::model::prometheus_proto::{MetricFamily, MetricType};
use obs::{LabelValue, Labels};
use prost::Message;
use std::collections::BTreeMap;

obs::namespace!("pb");

#[derive(LabelValue, Clone, Copy)]
enum Method {
    Get,
    Post,
}

#[derive(Labels)]
struct Route {
    method: Method,
    route: String,
}

#[derive(Labels)]
struct Build {
    version: &'static str,
}

/// Requests served.
#[obs::metric(counter, labels = Route)]
struct Requests;

/// Time to serve a request.
#[obs::metric(histogram, labels = Route, unit = "seconds", buckets = [0.1, 0.5])]
struct Latency;

/// Items in the cart.
#[obs::metric(gauge)]
struct Items;

/// Money taken.
#[obs::metric(counter, value = f64)]
struct Revenue;

/// The running build.
#[obs::metric(info, labels = Build)]
struct BuildInfo;

type Samples = BTreeMap<(String, Vec<(String, String)>), f64>;

/// Parses the Prometheus text format into (sample name, sorted labels) → value.
fn parse_text(text: &str) -> Samples {
    let mut out = Samples::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let (series, value) = line.rsplit_once(' ').unwrap();
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap(),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series.to_owned(), Vec::new()),
            Some((name, rest)) => (name.to_owned(), parse_labels(rest.strip_suffix('}').unwrap())),
        };
        out.insert((name, sorted(labels)), value);
    }
    out
}

fn parse_labels(mut s: &str) -> Vec<(String, String)> {
    let mut labels = Vec::new();
    while !s.is_empty() {
        let (name, rest) = s.split_once("=\"").unwrap();
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next().unwrap() {
                (_, '\\') => match chars.next().unwrap().1 {
                    'n' => value.push('\n'),
                    c => value.push(c),
                },
                (i, '"') => break i,
                (_, c) => value.push(c),
            }
        };
        labels.push((name.to_owned(), value));
        s = rest[end + 1..].trim_start_matches(',');
    }
    labels
}

fn sorted(mut v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.sort();
    v
}

/// Expands decoded families into the samples the text format shows for them.
fn expand(families: &[MetricFamily]) -> Samples {
    let mut out = Samples::new();
    for f in families {
        let name = f.name();
        for m in &f.metric {
            let labels: Vec<(String, String)> = m.label.iter().map(|l| (l.name().into(), l.value().into())).collect();
            let with = |extra: Option<(&str, String)>| {
                let mut l = labels.clone();
                l.extend(extra.map(|(k, v)| (k.to_owned(), v)));
                sorted(l)
            };
            match f.r#type() {
                MetricType::Counter => {
                    out.insert((name.to_owned(), with(None)), m.counter.clone().unwrap_or_default().value());
                }
                MetricType::Gauge => {
                    out.insert((name.to_owned(), with(None)), m.gauge.unwrap_or_default().value());
                }
                MetricType::Histogram => {
                    let h = m.histogram.as_ref().unwrap();
                    for b in &h.bucket {
                        let le = obs_runtime::format_f64(b.upper_bound());
                        out.insert((format!("{name}_bucket"), with(Some(("le", le)))), b.cumulative_count() as f64);
                    }
                    let inf = Some(("le", "+Inf".to_owned()));
                    out.insert((format!("{name}_bucket"), with(inf)), h.sample_count() as f64);
                    out.insert((format!("{name}_count"), with(None)), h.sample_count() as f64);
                    out.insert((format!("{name}_sum"), with(None)), h.sample_sum());
                }
                other => panic!("unexpected type {other:?} for {name}"),
            }
        }
    }
    out
}

fn decode(mut body: &[u8]) -> Vec<MetricFamily> {
    let mut families = Vec::new();
    while !body.is_empty() {
        families.push(MetricFamily::decode_length_delimited(&mut body).expect("a delimited MetricFamily"));
    }
    families
}

#[test]
fn protobuf_scrape_agrees_with_the_text_scrape_family_by_family() {
    Requests.with(Route { method: Method::Get, route: "/cart".into() }).inc_by(2);
    Requests.with(Route { method: Method::Post, route: "a \"quoted\"\\path\n".into() }).inc();
    Latency.with(Route { method: Method::Get, route: "/cart".into() }).observe(0.05);
    Latency.with(Route { method: Method::Get, route: "/cart".into() }).observe(7.0);
    Items.set(-3);
    Revenue.inc_by(12.5);
    BuildInfo.set(Build { version: "1.2.3" });

    let text = parse_text(&obs::encode(obs::Format::Prometheus));
    let families = decode(&obs::encode_protobuf());

    // Same families, in the same (sorted) order, with the text format's HELP and TYPE.
    let text_types: Vec<(String, String)> = obs::encode(obs::Format::Prometheus)
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(|l| {
            let (n, t) = l.split_once(' ').unwrap();
            (n.to_owned(), t.to_owned())
        })
        .collect();
    let pb_types: Vec<(String, String)> = families
        .iter()
        .map(|f| {
            let t = match f.r#type() {
                MetricType::Counter => "counter",
                MetricType::Gauge => "gauge",
                MetricType::Histogram => "histogram",
                MetricType::Summary => "summary",
                MetricType::Untyped | MetricType::GaugeHistogram => "untyped",
            };
            (f.name().to_owned(), t.to_owned())
        })
        .collect();
    assert_eq!(pb_types, text_types);
    let latency = families.iter().find(|f| f.name() == "pb_latency_seconds").unwrap();
    assert_eq!((latency.help(), latency.unit()), ("Time to serve a request.", "seconds"));

    // Every sample, same value; process metrics move between two scrapes, so they are compared by presence.
    let pb = expand(&families);
    let moving = |name: &str| name.starts_with("process_") || name.starts_with("obs_scrape");
    assert_eq!(pb.keys().collect::<Vec<_>>(), text.keys().collect::<Vec<_>>());
    for (k, v) in &text {
        if !moving(&k.0) {
            assert_eq!(pb[k], *v, "{k:?}");
        }
    }
    let key = |n: &str, l: &[(&str, &str)]| {
        (n.to_owned(), sorted(l.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()))
    };
    assert_eq!(pb[&key("pb_requests_total", &[("method", "post"), ("route", "a \"quoted\"\\path\n")])], 1.0);
    assert_eq!(pb[&key("pb_latency_seconds_bucket", &[("method", "get"), ("route", "/cart"), ("le", "0.1")])], 1.0);
    assert_eq!(pb[&key("pb_build_info", &[("version", "1.2.3")])], 1.0);
    assert_eq!(pb[&key("pb_items", &[])], -3.0);
}
