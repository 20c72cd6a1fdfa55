//! Hostile label values: memory stays bounded whatever arrives, and every refusal is counted.

use obs::Labels;

#[derive(Labels)]
struct User {
    user_id: String,
}

#[derive(Labels)]
struct Path {
    path: String,
}

/// Requests by user, capped at 1000 series.
#[obs::metric(counter, labels = User, cap = 1000)]
struct ByUser;

/// Requests by path, with the default cap.
#[obs::metric(counter, labels = Path)]
struct ByPath;

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

fn sample(text: &str, prefix: &str) -> Option<u64> {
    text.lines().find(|l| l.starts_with(prefix)).and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse().ok())
}

#[test]
fn a_million_distinct_values_keep_memory_bounded_and_are_counted() {
    // Warm up: the first 1000 series fill the cap and allocate what the family will ever hold.
    for i in 0..1_000 {
        ByUser.with(User { user_id: format!("user-{i}") }).inc();
    }
    let before = resident_bytes();
    for i in 1_000..1_000_000 {
        ByUser.with(User { user_id: format!("user-{i}") }).inc();
    }
    let grown = resident_bytes().saturating_sub(before);
    let entry = obs::catalog().metric("by_user").unwrap();
    assert_eq!(entry.series_count(), 1001, "1000 series plus the overflow series");
    assert!(grown < 8 << 20, "resident memory grew by {grown} bytes over 999 000 refused label sets");

    let text = obs::encode(obs::Format::Prometheus);
    assert_eq!(sample(&text, "by_user_total{user_id=\"__overflow__\"}"), Some(999_000));
    assert_eq!(
        sample(&text, "obs_cardinality_overflow_total{metric=\"by_user\",reason=\"cardinality\"}"),
        Some(999_000)
    );
    assert_eq!(sample(&text, "obs_series{metric=\"by_user\"}"), Some(1001));
    // Nothing was lost: every increment is in some series.
    let total: u64 = text
        .lines()
        .filter(|l| l.starts_with("by_user_total{"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 1_000_000);
}

#[test]
fn oversized_label_values_go_to_the_overflow_series() {
    let huge = "x".repeat(obs::MAX_LABEL_VALUE_LEN + 1);
    ByPath.with(Path { path: huge.clone() }).inc();
    ByPath.with(Path { path: huge }).inc();
    ByPath.with(Path { path: "/ok".into() }).inc();
    let text = obs::encode(obs::Format::Prometheus);
    assert!(!text.contains(&"x".repeat(100)), "the oversized value is never stored or exposed");
    assert_eq!(sample(&text, "by_path_total{path=\"__overflow__\"}"), Some(2));
    assert_eq!(sample(&text, "by_path_total{path=\"/ok\"}"), Some(1));
    assert_eq!(sample(&text, "obs_cardinality_overflow_total{metric=\"by_path\",reason=\"value_too_long\"}"), Some(2));
}

/// A hand-written label set that feeds its value to the hasher without [`obs::hash_str`]'s separator, against
/// `LabelSet::hash_values`' contract: obs cannot store a key it could find again, so it refuses the set.
struct Unframed(&'static str);

impl obs::LabelSet for Unframed {
    const LABELS: &'static [obs::LabelDesc] = &[obs::LabelDesc { name: "tag", values: None }];
    const FIXED: Option<u32> = None;
    fn fixed_index(&self) -> u32 {
        0
    }
    fn hash_values<H: std::hash::Hasher>(&self, h: &mut H) {
        h.write(self.0.as_bytes());
    }
    fn matches(&self, stored: &[std::borrow::Cow<'static, str>]) -> bool {
        stored.len() == 1 && stored[0] == self.0
    }
    fn to_stored(&self) -> Box<[std::borrow::Cow<'static, str>]> {
        Box::new([std::borrow::Cow::Borrowed(self.0)])
    }
}

/// Tags, with a label set that breaks the encoding.
#[obs::metric(counter, labels = Unframed)]
struct ByTag;

#[test]
fn a_label_set_that_breaks_the_key_encoding_is_refused_and_counted() {
    for _ in 0..3 {
        ByTag.with(Unframed("a")).inc();
    }
    ByTag.with(Unframed("b")).inc();
    let text = obs::encode(obs::Format::Prometheus);
    // No series of its own (it could never be found again), nothing lost, and the refusal is counted.
    assert_eq!(sample(&text, "by_tag_total{tag=\"a\"}"), None, "{text}");
    assert_eq!(sample(&text, "by_tag_total{tag=\"__overflow__\"}"), Some(4));
    assert_eq!(
        sample(&text, "obs_cardinality_overflow_total{metric=\"by_tag\",reason=\"invalid_label_set\"}"),
        Some(4)
    );
    assert_eq!(obs::catalog().metric("by_tag").unwrap().series_count(), 1);
}
