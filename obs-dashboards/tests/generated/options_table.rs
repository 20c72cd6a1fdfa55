//! The README's options table lists every flag of `gen-dashboards` and every `obs.yml` key, with the default the
//! code has: a new option without a row, or a changed default, fails here.

use obs_dashboards::kubernetes::KubernetesOptions;
use obs_dashboards::Options;

fn table() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let section = readme.split("### Options\n").nth(1).expect("README has an `### Options` section");
    section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| l.trim_matches('|').split(" | ").map(|c| c.trim().to_owned()).collect())
        .collect()
}

fn keys(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
    if let serde_json::Value::Object(m) = v {
        for (k, v) in m {
            let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            match v {
                serde_json::Value::Object(inner) if !inner.is_empty() && k != "selector" && k != "labels" => {
                    keys(&key, v, out)
                }
                _ => out.push((key, v.clone())),
            }
        }
    }
}

#[test]
fn every_flag_and_key_has_a_row_with_its_default() {
    let rows = table();
    assert!(rows.len() > 20, "{rows:?}");
    let usage = obs_dashboards::cli::parse(&["--help".to_owned()]).unwrap_err();
    for flag in usage.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).filter(|w| w.starts_with("--")) {
        assert!(rows.iter().any(|r| r[0].contains(&format!("`{flag}"))), "no row for {flag}");
    }
    let opts = Options { kubernetes: Some(KubernetesOptions::default()), ..Options::default() };
    let mut all = Vec::new();
    keys("", &serde_json::to_value(&opts).unwrap(), &mut all);
    for (key, default) in all {
        // receivers.page.webhook_urls is written receivers.{page,ticket,info}.webhook_urls.
        let written = match key.split('.').collect::<Vec<_>>()[..] {
            ["receivers", _, field] => format!("receivers.{{page,ticket,info}}.{field}"),
            _ => key.clone(),
        };
        let row =
            rows.iter().find(|r| r[1] == format!("`{written}`")).unwrap_or_else(|| panic!("no row for `{written}`"));
        let shown = match &default {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string().trim_end_matches(".0").to_owned()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        if let Some(shown) = shown {
            assert!(
                row[2].contains(&format!("`{shown}`")),
                "`{written}` defaults to {shown}, the README says {}",
                row[2]
            );
        }
    }
}
