//! The metric reference (`docs/METRICS.md`, `docs/catalog.json` and its schema): what it holds, checked against
//! the published schema by the `jsonschema` package, its example queries parsed by promtool, and `--check`
//! failing when either file is edited.

use crate::common;

use obs_dashboards::cli::{parse, run};
use obs_dashboards::reference::Reference;
use obs_dashboards::{generate, Options};
use std::path::Path;
use std::process::Command;

fn script(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts").join(name)
}

/// Runs scripts/check_catalog.py on `path`: Ok when valid, Err(its report) otherwise.
fn validate(path: &Path) -> Result<(), String> {
    let out = Command::new("python3")
        .arg(script("check_catalog.py"))
        .arg(path)
        .output()
        .expect("python3 runs (bash scripts/test.sh installs jsonschema)");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(
        !text.contains("ModuleNotFoundError"),
        "the jsonschema package is missing; run bash scripts/test.sh\n{text}"
    );
    if out.status.success() {
        Ok(())
    } else {
        Err(text)
    }
}

#[test]
fn catalog_json_follows_its_published_schema_and_a_broken_one_does_not() {
    let dir = common::temp_dir("reference-schema");
    common::write_all(&generate(&common::fixture(), &Options::default()).unwrap().files(), &dir);
    let path = dir.join("docs/catalog.json");
    validate(&path).unwrap();

    let good: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let broken = |edit: &dyn Fn(&mut serde_json::Value), what: &str| {
        let mut v = good.clone();
        edit(&mut v);
        std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        let err = validate(&path).expect_err(what);
        assert!(err.contains("catalog.json"), "{err}");
    };
    broken(&|v| drop(v["families"][0].as_object_mut().unwrap().remove("help")), "a family without help");
    broken(&|v| v["families"][0]["type"] = "meter".into(), "an unknown type");
    broken(&|v| v["families"][0]["labels"][0]["name"] = "bad-name".into(), "an invalid label name");
    broken(&|v| v["functions"][0]["objectives"][0]["objective"] = 1.5.into(), "an objective above 1");
    broken(&|v| v["extra"] = true.into(), "an unknown key");
}

#[test]
fn every_family_has_its_facts_its_alerts_and_its_panels() {
    let a = generate(&common::fixture(), &Options::default()).unwrap();
    let r: Reference = serde_json::from_str(&a.reference.to_json()).unwrap();
    assert_eq!(r, a.reference, "catalog.json reads back as written");
    let model = common::fixture();
    assert_eq!(r.families.len(), model.metrics.len());

    let attempts = r.families.iter().find(|f| f.name == "shop_payment_attempts").unwrap();
    assert_eq!(attempts.kind, "counter");
    assert_eq!(attempts.samples, ["shop_payment_attempts_total"]);
    assert_eq!(attempts.cap, 200);
    assert_eq!((attempts.source.file.as_deref(), attempts.source.line), (Some("src/payments.rs"), Some(12)));
    assert_eq!((attempts.source.krate.as_str(), attempts.source.module.as_str()), ("shop", "shop::payments"));
    assert_eq!(attempts.labels[0].values.as_deref(), Some(&["approved".into(), "declined".into(), "error".into()][..]));
    assert_eq!(attempts.alerts, ["PaymentErrors"]);

    let queries = r.families.iter().find(|f| f.name == "shop_db_query_duration_seconds").unwrap();
    assert_eq!(queries.alerts, ["SlowQueries"]);
    assert!(queries.example_query.contains("shop_db_query_duration_seconds_bucket"), "{}", queries.example_query);
    // Every family is shown somewhere: the metrics dashboard has a panel per family.
    for f in &r.families {
        assert!(!f.panels.is_empty(), "{} is on no panel", f.name);
        assert!(f.panels.iter().all(|p| a.dashboards.iter().any(|(_, d)| d.uid == p.uid)));
    }

    // Traced functions: each objective with the four burn-rate alerts the rule file holds.
    let alerts: Vec<String> = a
        .rules
        .groups
        .iter()
        .flat_map(|g| &g.rules)
        .filter_map(|r| match r {
            obs_dashboards::rules::Rule::Alerting(a) => Some(a.alert.clone()),
            _ => None,
        })
        .collect();
    let checkout = r.functions.iter().find(|f| f.function == "checkout").unwrap();
    assert_eq!(checkout.objectives.len(), 2);
    for o in &checkout.objectives {
        assert_eq!(o.alerts.len(), 5, "four burn-rate alerts and the absent alert");
        assert!(o.alerts[4].ends_with("MetricAbsent"));
        for name in &o.alerts {
            assert!(alerts.contains(name), "{name} is not in the rule file");
        }
    }

    let md = a.reference.to_markdown();
    for f in &r.families {
        assert!(md.contains(&format!("### `{}`", f.name)), "{} missing from METRICS.md", f.name);
        assert!(md.contains(&f.example_query), "{}", f.example_query);
    }
    assert!(md.contains("`src/payments.rs:12`, crate `shop`, module `shop::payments`"), "{md}");
    assert!(md.contains("`outcome`: `approved`, `declined`, `error`"), "{md}");
    assert!(md.contains("CheckoutAvailabilityBurnRate1h5m"), "{md}");
}

#[test]
fn example_queries_are_valid_promql() {
    let a = generate(&common::fixture(), &Options::default()).unwrap();
    let dir = common::temp_dir("reference-promql");
    let mut rules = String::from("groups:\n- name: examples\n  rules:\n");
    for (i, f) in a.reference.families.iter().enumerate() {
        rules.push_str(&format!(
            "  - record: example:query:{i}\n    expr: {}\n",
            serde_json::to_string(&f.example_query).unwrap()
        ));
    }
    let path = dir.join("examples.yml");
    std::fs::write(&path, rules).unwrap();
    let out = Command::new("promtool").arg("check").arg("rules").arg(&path).output().expect("promtool is installed");
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

#[test]
fn check_fails_when_the_reference_is_edited() {
    let dir = common::temp_dir("reference-check");
    let d = dir.to_str().unwrap();
    let model = common::fixture();
    assert!(run(&parse(&["--out".into(), d.into()]).unwrap(), &model, &mut Vec::new()).unwrap());
    let check = parse(&["--out".into(), d.into(), "--check".into()]).unwrap();
    assert!(run(&check, &model, &mut Vec::new()).unwrap());
    for (file, from, to) in [
        ("docs/METRICS.md", "Payment attempts, by outcome.", "Payment tries."),
        ("docs/catalog.json", "\"cap\": 200", "\"cap\": 300"),
        ("docs/catalog.schema.json", "\"minLength\": 1", "\"minLength\": 0"),
    ] {
        let path = dir.join(file);
        let original = std::fs::read_to_string(&path).unwrap();
        assert!(original.contains(from), "{file}");
        std::fs::write(&path, original.replacen(from, to, 1)).unwrap();
        let mut log = Vec::new();
        assert!(!run(&check, &model, &mut log).unwrap(), "{file} edited, yet --check passed");
        let log = String::from_utf8(log).unwrap();
        assert!(log.contains(&format!("stale: {}", path.display())), "{log}");
        std::fs::write(&path, original).unwrap();
        assert!(run(&check, &model, &mut Vec::new()).unwrap());
    }
}
