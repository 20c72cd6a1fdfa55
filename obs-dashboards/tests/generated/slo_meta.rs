//! Error-budget metadata (Sloth's `slo:*` names) and the absent alert (Pyrra's `SLOMetricAbsent`) of every
//! objective, the overview reading the metadata, and a generated promtool case for each. promtool itself runs the
//! cases in tools.rs.

use crate::common;

use obs_dashboards::rules::{self, meta, Rule};
use obs_dashboards::{generate, Options};

#[test]
fn every_objective_has_its_metadata_its_absent_alert_and_their_tests() {
    for opts in [Options::default(), Options { time_scale: 60, ..Options::default() }] {
        let a = generate(&common::fixture(), &opts).unwrap();
        let objectives = rules::objectives(&common::fixture());
        assert!(!objectives.is_empty());
        let all: Vec<&Rule> = a.rules.groups.iter().flat_map(|g| &g.rules).collect();
        let tests = serde_norway::to_string(&a.rule_tests).unwrap();
        let exprs: Vec<&str> =
            a.rule_tests.tests.iter().flat_map(|g| &g.promql_expr_test).map(|c| c.expr.as_str()).collect();
        for o in &objectives {
            let sel = format!("slo: {}", o.slo);
            for record in [
                meta::OBJECTIVE,
                meta::ERROR_BUDGET,
                meta::TIME_PERIOD,
                meta::CURRENT_BURN_RATE,
                meta::PERIOD_BURN_RATE,
                meta::PERIOD_ERROR_BUDGET_REMAINING,
            ] {
                let found = all.iter().any(|r| match r {
                    Rule::Recording(r) => {
                        r.record == record
                            && r.labels.get("slo") == Some(&o.slo)
                            && r.labels.get("sli").map(String::as_str) == Some(o.sli)
                    }
                    _ => false,
                });
                assert!(found, "{record} missing for {sel} {}", o.sli);
                let read = format!("{record}{{slo=\"{}\", sli=\"{}\"}}", o.slo, o.sli);
                assert!(exprs.iter().any(|e| e.contains(&read)), "no test reads {read}");
            }
            let name = rules::absent_alert_name(o);
            let absent = all
                .iter()
                .find_map(|r| match r {
                    Rule::Alerting(r) if r.alert == name => Some(r),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("no {name}"));
            assert!(absent.expr.starts_with("absent("), "{}", absent.expr);
            assert!(absent.expr.contains(&format!("function=\"{}\"", o.function)), "{}", absent.expr);
            // `for` comes from the objective: 2% of the period's budget at a total outage, scaled.
            let secs = opts.scaled(rules::absent_for_seconds(o.objective));
            let shown = [(86400, "d"), (3600, "h"), (60, "m"), (1, "s")]
                .iter()
                .find(|(unit, _)| secs % unit == 0)
                .map(|(unit, s)| format!("{}{s}", secs / unit))
                .unwrap();
            assert_eq!(absent.for_, shown, "{name}");
            assert!(tests.contains(&format!("alertname: {name}")), "no test for {name}");
        }
        // The overview reads the metadata instead of recomputing objective and budget.
        let (_, overview) = a.dashboards.iter().find(|(stem, _)| stem.ends_with("-overview")).unwrap();
        let exprs: Vec<&str> = overview.panels.iter().flat_map(|p| &p.targets).map(|t| t.expr.as_str()).collect();
        for record in [meta::OBJECTIVE, meta::PERIOD_ERROR_BUDGET_REMAINING, meta::PERIOD_BURN_RATE, meta::ERROR_BUDGET]
        {
            assert!(
                exprs.iter().any(|e| e.starts_with(record) || e.contains(&format!(" {record}{{"))),
                "the overview does not read {record}"
            );
        }
        assert!(!exprs.iter().any(|e| e.starts_with("vector(")), "the overview still writes objectives as constants");
    }
}
