//! Native (exponential) histograms: exact under threads, bounded by lowering the resolution, and exposed over
//! protobuf (beside the classic buckets when both are declared) in a form whose decoded buckets hold every
//! observation where the schema says it belongs; from the storage API, `#[metric(histogram, native)]` and
//! `#[traced(native)]`.

use obs_runtime::prometheus_proto::{MetricFamily, MetricType};
use obs_runtime::{bucket_index, register, Histogram, MetricDesc, MetricKind, NativeBuckets, NativeConfig};
use prost::Message;
use std::collections::BTreeMap;

/// `(negative, index) → count` at `schema`, with the zero bucket apart: where `values` belong.
fn expected(values: &[f64], schema: i8, zero_threshold: f64) -> (u64, BTreeMap<(bool, i32), u64>) {
    let mut zero = 0;
    let mut buckets = BTreeMap::new();
    for v in values {
        if v.abs() <= zero_threshold {
            zero += 1;
        } else {
            *buckets.entry((*v < 0.0, bucket_index(v.abs(), schema))).or_insert(0) += 1;
        }
    }
    (zero, buckets)
}

fn held(n: &NativeBuckets) -> BTreeMap<(bool, i32), u64> {
    n.positive.iter().map(|&(i, c)| ((false, i), c)).chain(n.negative.iter().map(|&(i, c)| ((true, i), c))).collect()
}

/// Values spread over 18 decades, both signs, and zeros.
fn spread(n: usize, seed: usize) -> Vec<f64> {
    (0..n)
        .map(|k| {
            let x = ((k * 7919 + seed * 104_729) % 10_007) as f64 / 10_007.0;
            let v = 10f64.powf(-9.0 + 18.0 * x);
            match k % 5 {
                0 => -v,
                4 if k % 25 == 4 => 0.0,
                _ => v,
            }
        })
        .collect()
}

static THREADED: Histogram = Histogram::new(
    &MetricDesc::new("native_threaded_seconds", MetricKind::Histogram, "Threaded.")
        .native(NativeConfig { max_buckets: 24, ..NativeConfig::DEFAULT }),
);

#[test]
fn native_counts_stay_exact_under_8_threads_while_rescaling_and_scraping() {
    const PER_THREAD: usize = 20_000;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
    let (done, started) = (AtomicBool::new(false), AtomicU64::new(0));
    std::thread::scope(|s| {
        // A concurrent reader, scraping while rows rescale: a snapshot that saw a bucket twice would count more
        // observations than have started, and one that missed a bucket would count fewer than the one before.
        s.spawn(|| {
            let mut prev = 0;
            while !done.load(SeqCst) {
                let snap = THREADED.snapshot();
                let n = snap.native().unwrap();
                assert!(n.positive.len() + n.negative.len() <= 24);
                assert!(n.count <= started.load(SeqCst), "{} counted, {} started", n.count, started.load(SeqCst));
                assert!(n.count >= prev, "{} counted after {}", n.count, prev);
                prev = n.count;
            }
        });
        let writers: Vec<_> = (0..8)
            .map(|t| {
                let started = &started;
                s.spawn(move || {
                    for v in spread(PER_THREAD, t) {
                        started.fetch_add(1, SeqCst);
                        THREADED.observe(v);
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let all: Vec<f64> = (0..8).flat_map(|t| spread(PER_THREAD, t)).collect();
    let snap = THREADED.snapshot();
    let n = snap.native().unwrap();
    assert_eq!(n.count, 8 * PER_THREAD as u64);
    assert_eq!(snap.count(), 8 * PER_THREAD as u64);
    let (zero, buckets) = expected(&all, n.schema, n.zero_threshold);
    assert_eq!(n.zero_count, zero);
    assert_eq!(held(n), buckets, "every observation in its bucket at schema {}", n.schema);
}

static WIDE: Histogram =
    Histogram::new(&MetricDesc::new("native_wide_seconds", MetricKind::Histogram, "Wide spread.").native_default());

#[test]
fn wide_spread_lowers_the_resolution_to_stay_within_160_buckets() {
    let values: Vec<f64> = (0..=1800).map(|k| 10f64.powf(-9.0 + k as f64 / 100.0)).collect();
    for v in &values {
        WIDE.observe(*v);
    }
    let snap = WIDE.snapshot();
    let n = snap.native().unwrap();
    assert!(n.positive.len() + n.negative.len() <= 160, "{} buckets", n.positive.len());
    // 18 decades are ~60 octaves: schema 3 would need ~480 buckets, schema 1 needs ~120.
    assert!(n.schema < NativeConfig::DEFAULT.initial_schema(), "resolution lowered, schema {}", n.schema);
    assert!(n.schema >= 1, "lowered no further than needed, schema {}", n.schema);
    assert_eq!(n.count, values.len() as u64);
    assert_eq!(held(n), expected(&values, n.schema, n.zero_threshold).1);
}

static SCRAPED: Histogram =
    Histogram::new(&MetricDesc::new("native_scraped_seconds", MetricKind::Histogram, "Scraped.").native_default());
register!(SCRAPED);

static BOTH: Histogram = Histogram::new(
    &MetricDesc::new("native_both_seconds", MetricKind::Histogram, "Both forms.").buckets(&[0.1, 1.0]).native_default(),
);
register!(BOTH);

fn scrape(name: &str) -> obs_runtime::prometheus_proto::Histogram {
    let body = obs_runtime::encode_protobuf();
    let mut buf = body.as_slice();
    while !buf.is_empty() {
        let f = MetricFamily::decode_length_delimited(&mut buf).unwrap();
        if f.name() == name {
            assert_eq!(f.r#type(), MetricType::Histogram);
            return f.metric[0].histogram.clone().unwrap();
        }
    }
    panic!("no family {name} in the protobuf scrape");
}

/// `(negative, index) → count` from the wire's spans and deltas.
fn decode(h: &obs_runtime::prometheus_proto::Histogram) -> BTreeMap<(bool, i32), u64> {
    let mut out = BTreeMap::new();
    for (neg, spans, deltas) in
        [(false, &h.positive_span, &h.positive_delta), (true, &h.negative_span, &h.negative_delta)]
    {
        let (mut index, mut count, mut d) = (0i32, 0i64, deltas.iter());
        for (k, span) in spans.iter().enumerate() {
            index += span.offset() + if k == 0 { 0 } else { 1 };
            for n in 0..span.length() {
                if n > 0 {
                    index += 1;
                }
                count += d.next().unwrap();
                if count != 0 {
                    out.insert((neg, index), count as u64);
                }
            }
        }
        assert!(d.next().is_none(), "one delta per bucket");
    }
    out
}

#[test]
fn protobuf_scrape_decodes_to_buckets_that_hold_every_observation() {
    let values = [0.0, 1e-3, 1e-3, 0.0123, 0.5, 1.0, 1.0, 2.0, 3.7, 3.8, 100.0, -0.25, -7.0, 1e-40];
    for v in values {
        SCRAPED.observe(v);
    }
    let h = scrape("native_scraped_seconds");
    let schema = h.schema() as i8;
    assert_eq!(schema, 3);
    assert_eq!(h.zero_threshold(), 2f64.powi(-128));
    let (zero, buckets) = expected(&values, schema, h.zero_threshold());
    assert_eq!(h.zero_count(), zero);
    assert_eq!(decode(&h), buckets);
    assert_eq!(h.sample_count(), values.len() as u64);
    assert!((h.sample_sum() - values.iter().sum::<f64>()).abs() < 1e-9);
    assert!(h.bucket.is_empty(), "native only: no classic buckets over protobuf");
    // Text keeps the classic form: only `+Inf`, `_sum` and `_count`.
    let text = obs_runtime::encode(obs_runtime::Format::Prometheus);
    let lines: Vec<_> = text.lines().filter(|l| l.starts_with("native_scraped_seconds")).collect();
    assert_eq!(lines[0], format!("native_scraped_seconds_bucket{{le=\"+Inf\"}} {}", values.len()));
    assert_eq!(lines.len(), 3, "{lines:?}");
}

#[test]
fn native_and_classic_histogram_exposes_both() {
    let values = [0.05, 0.5, 0.7, 5.0];
    for v in values {
        BOTH.observe(v);
    }
    let h = scrape("native_both_seconds");
    let classic: Vec<_> = h.bucket.iter().map(|b| (b.upper_bound(), b.cumulative_count())).collect();
    assert_eq!(classic, [(0.1, 1), (1.0, 3)]);
    assert_eq!(decode(&h), expected(&values, h.schema() as i8, h.zero_threshold()).1);
    assert_eq!(h.sample_count(), 4);
    let text = obs_runtime::encode(obs_runtime::Format::Prometheus);
    assert!(text.contains("native_both_seconds_bucket{le=\"0.1\"} 1\n"), "{text}");
    assert!(text.contains("native_both_seconds_bucket{le=\"1.0\"} 3\n"), "{text}");
    assert!(text.contains("native_both_seconds_count 4\n"), "{text}");
}

/// Time to serve a request, native buckets only.
#[obs::metric(histogram, native, unit = "seconds")]
struct MacroNative;

/// Time to serve a request, native and classic buckets.
#[obs::metric(histogram, native, unit = "seconds", buckets = [0.1, 1.0])]
struct MacroBoth;

#[test]
fn the_native_option_of_the_metric_macro_declares_native_buckets() {
    let values = [0.003, 0.05, 0.5, 0.7, 5.0];
    for v in values {
        MacroNative.observe(v);
        MacroBoth.observe(v);
    }
    // Native only: schema 3 (factor 1.1), every observation in its bucket; the classic form is `+Inf` alone.
    let h = scrape("macro_native_seconds");
    assert_eq!(h.schema(), 3);
    assert_eq!(decode(&h), expected(&values, 3, h.zero_threshold()).1);
    assert!(h.bucket.iter().all(|b| b.upper_bound().is_infinite()), "{:?}", h.bucket);
    let text = obs_runtime::encode(obs_runtime::Format::Prometheus);
    assert!(text.contains("macro_native_seconds_bucket{le=\"+Inf\"} 5\n"), "{text}");
    assert!(!text.contains("macro_native_seconds_bucket{le=\"0.005\"}"), "{text}");
    // Both: the declared classic buckets and the native ones.
    let h = scrape("macro_both_seconds");
    let classic: Vec<_> = h.bucket.iter().map(|b| (b.upper_bound(), b.cumulative_count())).collect();
    assert_eq!(classic, [(0.1, 2), (1.0, 4)]);
    assert_eq!(decode(&h), expected(&values, 3, h.zero_threshold()).1);
    assert_eq!(obs::catalog().metric("macro_both_seconds").unwrap().desc().native, Some(NativeConfig::DEFAULT));
}

#[obs::traced(native)]
fn native_traced(nap_us: u64) {
    std::thread::sleep(std::time::Duration::from_micros(nap_us));
}

#[obs::traced]
fn classic_traced() {}

/// The duration histogram of the traced function `function` of this module, from a protobuf scrape.
fn scrape_function(function: &str) -> obs_runtime::prometheus_proto::Histogram {
    let body = obs_runtime::encode_protobuf();
    let mut buf = body.as_slice();
    while !buf.is_empty() {
        let f = MetricFamily::decode_length_delimited(&mut buf).unwrap();
        if f.name() != "function_calls_duration_seconds" {
            continue;
        }
        let label = |m: &obs_runtime::prometheus_proto::Metric, name: &str| {
            m.label.iter().find(|l| l.name() == name).map(|l| l.value().to_owned())
        };
        let m = f.metric.iter().find(|m| {
            label(m, "function").as_deref() == Some(function) && label(m, "module").as_deref() == Some(module_path!())
        });
        return m.unwrap_or_else(|| panic!("no series for {function}")).histogram.clone().unwrap();
    }
    panic!("no function_calls_duration_seconds family in the protobuf scrape");
}

#[test]
fn the_native_option_of_traced_adds_native_buckets_to_the_duration_histogram() {
    let naps = [0, 200, 1_000, 3_000, 10_000];
    for us in naps {
        native_traced(us);
    }
    classic_traced();
    let h = scrape_function("native_traced");
    assert_eq!(h.schema(), 3, "NativeConfig::DEFAULT");
    let native_count = h.zero_count() + decode(&h).values().sum::<u64>();
    assert_eq!(native_count, naps.len() as u64, "every call in a native bucket");
    assert_eq!(h.sample_count(), naps.len() as u64);
    // The classic buckets stay (older scrapers and the text formats read them), with the same calls.
    let bounds: Vec<f64> = h.bucket.iter().map(|b| b.upper_bound()).collect();
    assert_eq!(bounds, obs::DEFAULT_BUCKETS);
    let cumulative: Vec<u64> = h.bucket.iter().map(|b| b.cumulative_count()).collect();
    assert!(cumulative.is_sorted() && cumulative[cumulative.len() - 1] <= naps.len() as u64, "{cumulative:?}");
    // Each call sits where its duration belongs: none is shorter than its nap, so the slowest nap's bucket is
    // at or above the bucket of 10 ms.
    let top = decode(&h).keys().filter(|(neg, _)| !neg).map(|(_, i)| *i).max().unwrap();
    assert!(top >= bucket_index(0.010, 3), "slowest call in bucket {top}");
    assert!(h.sample_sum() >= 0.014, "sum {}", h.sample_sum());
    // A traced function without the option shares the family but has no native buckets.
    let c = scrape_function("classic_traced");
    assert!(c.schema.is_none() && c.positive_span.is_empty(), "{c:?}");
    assert_eq!(c.bucket.last().unwrap().cumulative_count(), 1);
}
