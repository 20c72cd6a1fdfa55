//! The dashboards: an overview of the service (traced functions, SLOs, HTTP, health checks, process) and one
//! row per module for the declared metrics, with the panel that fits each kind.

use crate::grafana::{
    Dashboard, DashboardLink, FieldConfig, FieldConfigSource, GridPos, Panel, Target, Thresholds, Variable,
};
use crate::model::{Metric, Model};
use crate::options::Options;
use crate::rules::{self, SloObjective};
use crate::util::{bucket, dur, num, q, total, uid};
use obs_runtime::families as fam;
use obs_runtime::names::{LE, QUANTILE};
use obs_runtime::MetricKind;
use serde_json::json;
use std::collections::BTreeMap;

/// Label names that template variables or PromQL already own.
const RESERVED_VARS: &[&str] = &["datasource", "job", "instance", LE, QUANTILE, "function", "module"];

/// The Grafana unit of a base unit; `rate` for per-second rates of counters.
///
/// ```
/// use obs_dashboards::dashboards::grafana_unit;
/// assert_eq!(grafana_unit(Some("seconds"), false), "s");
/// assert_eq!(grafana_unit(Some("bytes"), true), "Bps");
/// assert_eq!(grafana_unit(Some("ratio"), false), "percentunit");
/// assert_eq!(grafana_unit(None, true), "ops");
/// ```
pub fn grafana_unit(unit: Option<&str>, rate: bool) -> String {
    let u = match (unit, rate) {
        (None, true) => "ops",
        (None, false) => "short",
        (Some("seconds"), _) => "s",
        (Some("bytes"), true) => "Bps",
        (Some("bytes"), false) => "bytes",
        (Some("ratio"), _) => "percentunit",
        (Some("percent"), _) => "percent",
        (Some("celsius"), _) => "celsius",
        (Some("meters"), _) => "lengthm",
        (Some("volts"), _) => "volt",
        (Some("amperes"), _) => "amp",
        (Some("joules"), _) => "joule",
        (Some("grams"), _) => "massg",
        (Some("hertz"), _) => "hertz",
        (Some("euros"), _) => "currencyEUR",
        (Some("dollars"), _) => "currencyUSD",
        (Some(other), true) => return format!("suffix: {other}/s"),
        (Some(other), false) => return format!("suffix: {other}"),
    };
    u.to_owned()
}

/// Lays panels out on the grid and numbers them in display order.
struct Layout {
    panels: Vec<Panel>,
    x: u32,
    y: u32,
    row_h: u32,
    next_id: u32,
}

impl Layout {
    fn new() -> Layout {
        Layout { panels: Vec::new(), x: 0, y: 0, row_h: 0, next_id: 1 }
    }
    fn newline(&mut self) {
        if self.x > 0 {
            self.y += self.row_h;
            self.x = 0;
            self.row_h = 0;
        }
    }
    fn row(&mut self, title: &str) {
        self.newline();
        let mut r = Panel::row(title);
        r.id = self.next_id;
        self.next_id += 1;
        r.grid_pos = GridPos { x: 0, y: self.y, w: 24, h: 1 };
        self.y += 1;
        self.panels.push(r);
    }
    fn add(&mut self, mut p: Panel, w: u32, h: u32) {
        if self.x + w > 24 {
            self.newline();
        }
        p.id = self.next_id;
        self.next_id += 1;
        p.grid_pos = GridPos { x: self.x, y: self.y, w, h };
        self.x += w;
        self.row_h = self.row_h.max(h);
        self.panels.push(p);
    }
}

fn unit_cfg(unit: &str) -> Option<FieldConfigSource> {
    Some(FieldConfigSource {
        defaults: FieldConfig { unit: Some(unit.to_owned()), ..FieldConfig::default() },
        overrides: Vec::new(),
    })
}

fn timeseries(title: &str, description: &str, unit: &str, targets: Vec<Target>) -> Panel {
    let mut p = Panel::new("timeseries", title);
    p.description = (!description.is_empty()).then(|| description.to_owned());
    p.field_config = unit_cfg(unit);
    p.targets = targets;
    p.options = Some(json!({
        "legend": { "displayMode": "list", "placement": "bottom", "showLegend": true },
        "tooltip": { "mode": "multi", "sort": "desc" }
    }));
    p
}

fn stat(title: &str, description: &str, unit: &str, expr: &str, thresholds: Thresholds) -> Panel {
    let mut p = Panel::new("stat", title);
    p.description = (!description.is_empty()).then(|| description.to_owned());
    let mut cfg = unit_cfg(unit).expect("some");
    cfg.defaults.thresholds = Some(thresholds);
    p.field_config = Some(cfg);
    p.targets = vec![Target { range: false, instant: true, ..Target::range("A", expr, "") }];
    p.options = Some(json!({
        "reduceOptions": { "calcs": ["lastNotNull"], "fields": "", "values": false },
        "colorMode": "background", "graphMode": "none", "textMode": "auto", "orientation": "auto", "justifyMode": "auto"
    }));
    p
}

fn table(title: &str, description: &str, expr: &str) -> Panel {
    let mut p = Panel::new("table", title);
    p.description = (!description.is_empty()).then(|| description.to_owned());
    p.targets = vec![Target::instant("A", expr)];
    p.options = Some(json!({ "showHeader": true, "cellHeight": "sm" }));
    p
}

fn legend(labels: &[&str], fallback: &str) -> String {
    if labels.is_empty() {
        fallback.to_owned()
    } else {
        labels.iter().map(|l| format!("{{{{{l}}}}}")).collect::<Vec<_>>().join(" ")
    }
}

fn by(labels: &[&str]) -> String {
    if labels.is_empty() {
        String::new()
    } else {
        format!(" by ({})", labels.join(", "))
    }
}

/// The selector every query of the service's dashboards starts from.
const SEL: &str = "job=~\"$job\", instance=~\"$instance\"";

fn common_vars(opts: &Options, job: &str) -> Vec<Variable> {
    let mut job_var = Variable::query("job", &format!("label_values({}, job)", fam::UP));
    job_var.include_all = false;
    job_var.multi = false;
    job_var.all_value = None;
    job_var.current = Some(crate::grafana::VariableOption::new(job, job, true));
    vec![
        Variable::datasource(&opts.datasource_uid),
        job_var,
        Variable::query("instance", &format!("label_values({}{{job=~\"$job\"}}, instance)", fam::UP)),
    ]
}

/// The variables for fixed-cardinality labels: one per label name, over the union of its value sets.
fn fixed_label_vars<'a>(metrics: impl Iterator<Item = &'a Metric>) -> BTreeMap<String, Vec<String>> {
    let mut vars: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in metrics {
        for l in &m.labels {
            if let Some(values) = &l.values {
                if RESERVED_VARS.contains(&l.name.as_str()) {
                    continue;
                }
                let e = vars.entry(l.name.clone()).or_default();
                for v in values {
                    if !e.contains(v) {
                        e.push(v.clone());
                    }
                }
            }
        }
    }
    vars
}

/// The selector of one declared metric: the common one plus a filter per variable-backed label.
fn metric_sel(m: &Metric, vars: &BTreeMap<String, Vec<String>>) -> String {
    let mut s = SEL.to_owned();
    for l in &m.labels {
        if l.values.is_some() && vars.contains_key(&l.name) {
            s.push_str(&format!(", {}=~\"${}\"", l.name, l.name));
        }
    }
    s
}

/// The panels that show one declared metric, fitting its kind.
fn metric_panels(m: &Metric, vars: &BTreeMap<String, Vec<String>>) -> Vec<(Panel, u32)> {
    let sel = metric_sel(m, vars);
    let labels: Vec<&str> = m.labels.iter().map(|l| l.name.as_str()).collect();
    let unit = m.unit.as_deref();
    match m.kind {
        MetricKind::Counter => {
            let expr = format!("sum{} (rate({}{{{sel}}}[$__rate_interval]))", by(&labels), m.sample_name());
            vec![(
                timeseries(
                    &format!("{} (rate)", m.sample_name()),
                    &m.help,
                    &grafana_unit(unit, true),
                    vec![Target::range("A", &expr, &legend(&labels, "rate"))],
                ),
                12,
            )]
        }
        MetricKind::Gauge | MetricKind::Summary | MetricKind::Unknown => {
            let mut with_instance = vec!["instance"];
            with_instance.extend(&labels);
            let expr = format!("sum{} ({}{{{sel}}})", by(&with_instance), m.name);
            vec![(
                timeseries(
                    &m.name,
                    &m.help,
                    &grafana_unit(unit, false),
                    vec![Target::range("A", &expr, &legend(&with_instance, &m.name))],
                ),
                12,
            )]
        }
        MetricKind::Histogram => {
            let mut le: Vec<&str> = labels.clone();
            le.push(LE);
            // A native histogram is one series with its buckets inside; a classic one, a series per `le`.
            let (series, grouping) = if m.native { (m.name.clone(), by(&labels)) } else { (bucket(&m.name), by(&le)) };
            let targets = [("A", 0.5), ("B", 0.9), ("C", 0.99)]
                .iter()
                .map(|(r, qv)| {
                    let expr = format!(
                        "histogram_quantile({}, sum{grouping} (rate({series}{{{sel}}}[$__rate_interval])))",
                        num(*qv),
                    );
                    let lg = format!("p{} {}", (qv * 100.0).round(), legend(&labels, ""));
                    Target { exemplar: true, ..Target::range(r, &expr, lg.trim_end()) }
                })
                .collect();
            let quantiles =
                timeseries(&format!("{} p50 / p90 / p99", m.name), &m.help, &grafana_unit(unit, false), targets);
            let mut heat = Panel::new("heatmap", &format!("{} distribution", m.name));
            heat.description = Some(m.help.clone());
            heat.targets = vec![Target {
                format: "heatmap".to_owned(),
                ..Target::range(
                    "A",
                    &match m.native {
                        true => format!("sum(increase({}{{{sel}}}[$__rate_interval]))", m.name),
                        false => format!("sum by ({LE}) (increase({}{{{sel}}}[$__rate_interval]))", bucket(&m.name)),
                    },
                    "{{le}}",
                )
            }];
            heat.field_config = unit_cfg(&grafana_unit(unit, false));
            heat.options = Some(json!({
                "calculate": false,
                "yAxis": { "unit": grafana_unit(unit, false) },
                "color": { "mode": "scheme", "scheme": "Oranges", "steps": 64 },
                "cellGap": 1,
                "exemplars": { "color": "rgba(255,0,255,0.7)" },
                "tooltip": { "mode": "single", "yHistogram": true },
                "legend": { "show": true }
            }));
            vec![(quantiles, 12), (heat, 12)]
        }
        MetricKind::Info => vec![(table(&m.sample_name(), &m.help, &format!("{}{{{sel}}}", m.sample_name())), 24)],
    }
}

fn up_thresholds() -> Thresholds {
    Thresholds::steps(&[(None, "red"), (Some(1.0), "green")])
}

/// The overview: functions' RED, SLOs, HTTP RED, health checks, process.
fn overview(model: &Model, opts: &Options, job: &str, uids: &Uids) -> Dashboard {
    let title = format!("{}{} overview", opts.title_prefix, model.service);
    let mut d = Dashboard::new(&uids.overview, &title);
    d.description = format!(
        "Generated by obs-dashboards from the declarations of {}: traced functions, objectives, HTTP, health checks and process. Do not edit; regenerate.",
        model.service
    );
    d.tags.push(model.service.clone());
    d.links.push(DashboardLink::to_tag(&model.service));
    d.templating.list = common_vars(opts, job);
    let mut l = Layout::new();

    l.row("Service");
    l.add(
        stat(
            "Targets up",
            "Scraped targets of the job that are up.",
            "short",
            &format!("sum({}{{job=~\"$job\", instance=~\"$instance\"}})", fam::UP),
            up_thresholds(),
        ),
        6,
        5,
    );
    l.add(
        stat(
            "Uptime",
            "Time since the process started.",
            "s",
            &format!("time() - max({}{{{SEL}}})", fam::PROCESS_START_TIME_SECONDS),
            Thresholds::steps(&[(None, "green")]),
        ),
        6,
        5,
    );
    l.add(
        {
            let build = obs_runtime::names::sample_name(fam::BUILD, MetricKind::Info);
            table("Build", &format!("Version and commit of the running build ({build})."), &format!("{build}{{{SEL}}}"))
        },
        12,
        5,
    );

    let traced: Vec<_> = model.functions.iter().filter(|f| f.red_metrics).collect();
    if !traced.is_empty() {
        let calls = total(fam::FUNCTION_CALLS);
        let durations = fam::FUNCTION_CALLS_DURATION_SECONDS;
        let duration_series = bucket(durations);
        let in_flight = fam::FUNCTION_CALLS_IN_FLIGHT;
        d.templating
            .list
            .push(Variable::query("function", &format!("label_values({calls}{{job=~\"$job\"}}, function)")));
        let fsel = format!("{SEL}, function=~\"$function\"");
        l.row("Traced functions (RED)");
        l.add(
            timeseries(
                "Call rate",
                &format!("Calls per second of each #[traced] function, by result ({calls})."),
                "ops",
                vec![Target::range(
                    "A",
                    &format!("sum by (function, module, result) (rate({calls}{{{fsel}}}[$__rate_interval]))"),
                    "{{module}}::{{function}} {{result}}",
                )],
            ),
            12,
            8,
        );
        let mut err = timeseries(
            "Error ratio",
            "Share of calls that returned an error or panicked.",
            "percentunit",
            vec![Target::range(
                "A",
                &format!(
                    "sum by (function, module) (rate({calls}{{{fsel}, result!=\"ok\"}}[$__rate_interval])) / sum by (function, module) (rate({calls}{{{fsel}}}[$__rate_interval]))"
                ),
                "{{module}}::{{function}}",
            )],
        );
        if let Some(fc) = err.field_config.as_mut() {
            fc.defaults.min = Some(0.0);
        }
        l.add(err, 12, 8);
        // A `#[traced(native)]` function's durations are stored as one native series, with no `_bucket`: with any
        // such function, each quantile also reads the native series (`or` keeps one answer per function).
        let any_native = traced.iter().any(|f| f.native);
        let quantile = |q: &str, range: &str| {
            let classic = format!(
                "histogram_quantile({q}, sum by (function, module, {LE}) (rate({duration_series}{{{fsel}}}[{range}])))"
            );
            match any_native {
                false => classic,
                true => format!(
                    "{classic} or histogram_quantile({q}, sum by (function, module) (rate({durations}{{{fsel}}}[{range}])))"
                ),
            }
        };
        let lat = [("A", 0.5), ("B", 0.9), ("C", 0.99)]
            .iter()
            .map(|(r, qv)| Target {
                exemplar: true,
                ..Target::range(
                    r,
                    &quantile(&num(*qv), "$__rate_interval"),
                    &format!("p{} {{{{module}}}}::{{{{function}}}}", (qv * 100.0).round()),
                )
            })
            .collect();
        l.add(
            timeseries(
                "Latency p50 / p90 / p99",
                &format!("Call duration quantiles ({durations}), with exemplars linking to traces."),
                "s",
                lat,
            ),
            12,
            8,
        );
        let mut top = table(
            "Top 10 functions by call rate",
            "The busiest functions over the dashboard's time range.",
            &format!("topk(10, sum by (function, module) (rate({calls}{{{fsel}}}[$__range])))"),
        );
        top.targets.push(Target::instant("B", &format!("topk(10, {})", quantile("0.99", "$__range"))));
        top.title = "Top 10 functions: call rate (A) and p99 latency (B)".to_owned();
        l.add(top, 12, 8);
        if traced.iter().any(|f| f.in_flight) {
            l.add(
                timeseries(
                    "In flight",
                    &format!("Calls currently running ({in_flight})."),
                    "short",
                    vec![Target::range(
                        "A",
                        &format!("sum by (function, module) ({in_flight}{{{fsel}}})"),
                        "{{module}}::{{function}}",
                    )],
                ),
                12,
                8,
            );
        }
    }

    let objectives = rules::objectives(model);
    if !objectives.is_empty() {
        l.row("Service-level objectives");
        let period = opts.scaled(30 * 86400);
        for o in &objectives {
            slo_panels(&mut l, o, opts, period);
        }
    }

    if model.metric(fam::HTTP_SERVER_REQUESTS).is_some() {
        let requests = total(fam::HTTP_SERVER_REQUESTS);
        let durations = fam::HTTP_SERVER_REQUEST_DURATION_SECONDS;
        let duration_series = bucket(durations);
        let in_flight = fam::HTTP_SERVER_REQUESTS_IN_FLIGHT;
        l.row("HTTP server (RED)");
        l.add(
            timeseries(
                "Request rate",
                &format!("Requests per second by route and status class ({requests})."),
                "reqps",
                vec![Target::range(
                    "A",
                    &format!("sum by (method, route, status_class) (rate({requests}{{{SEL}}}[$__rate_interval]))"),
                    "{{method}} {{route}} {{status_class}}",
                )],
            ),
            12,
            8,
        );
        l.add(
            timeseries(
                "Error ratio (5xx)",
                "Share of requests answered with a 5xx status.",
                "percentunit",
                vec![Target::range(
                    "A",
                    &format!("sum by (route) (rate({requests}{{{SEL}, status_class=\"5xx\"}}[$__rate_interval])) / sum by (route) (rate({requests}{{{SEL}}}[$__rate_interval]))"),
                    "{{route}}",
                )],
            ),
            12,
            8,
        );
        let lat = [("A", 0.5), ("B", 0.9), ("C", 0.99)]
            .iter()
            .map(|(r, qv)| Target {
                exemplar: true,
                ..Target::range(
                    r,
                    &format!("histogram_quantile({}, sum by (route, {LE}) (rate({duration_series}{{{SEL}}}[$__rate_interval])))", num(*qv)),
                    &format!("p{} {{{{route}}}}", (qv * 100.0).round()),
                )
            })
            .collect();
        l.add(
            timeseries(
                "Request latency p50 / p90 / p99",
                &format!("Request duration quantiles ({durations})."),
                "s",
                lat,
            ),
            12,
            8,
        );
        if model.metric(in_flight).is_some() {
            l.add(
                timeseries(
                    "Requests in flight",
                    "Requests being served.",
                    "short",
                    vec![Target::range("A", &format!("sum by (instance) ({in_flight}{{{SEL}}})"), "{{instance}}")],
                ),
                12,
                8,
            );
        }
    }

    if !model.health_checks.is_empty() {
        l.row("Health checks");
        let mut score = Panel::new("gauge", "Health score");
        score.description = Some(format!("Weighted share of passing checks, 0 to 100 ({}).", fam::OBS_HEALTH_SCORE));
        score.targets = vec![Target {
            instant: true,
            range: false,
            ..Target::range("A", &format!("min({}{{{SEL}}})", fam::OBS_HEALTH_SCORE), "")
        }];
        score.field_config = Some(FieldConfigSource {
            defaults: FieldConfig {
                unit: Some("percent".to_owned()),
                min: Some(0.0),
                max: Some(100.0),
                thresholds: Some(Thresholds::steps(&[(None, "red"), (Some(50.0), "orange"), (Some(90.0), "green")])),
                ..FieldConfig::default()
            },
            overrides: Vec::new(),
        });
        score.options = Some(
            json!({ "reduceOptions": { "calcs": ["lastNotNull"], "fields": "", "values": false }, "showThresholdMarkers": true }),
        );
        l.add(score, 6, 8);
        let mut states = Panel::new("state-timeline", "Check states");
        states.description = Some(format!(
            "1 when the check passed on its last run ({}); critical checks gate readiness.",
            fam::OBS_HEALTH_CHECK_UP
        ));
        states.targets = vec![Target::range(
            "A",
            &format!("max by (check, critical) ({}{{{SEL}}})", fam::OBS_HEALTH_CHECK_UP),
            "{{check}} (critical={{critical}})",
        )];
        states.field_config = Some(FieldConfigSource {
            defaults: FieldConfig {
                thresholds: Some(up_thresholds()),
                mappings: vec![
                    json!({ "type": "value", "options": { "0": { "text": "failing", "color": "red" }, "1": { "text": "ok", "color": "green" } } }),
                ],
                ..FieldConfig::default()
            },
            overrides: Vec::new(),
        });
        states.options = Some(
            json!({ "showValue": "auto", "mergeValues": true, "rowHeight": 0.9, "legend": { "showLegend": false, "displayMode": "list", "placement": "bottom" } }),
        );
        l.add(states, 18, 8);
        l.add(
            timeseries(
                "Check duration",
                &format!("How long each check's last run took ({}).", fam::OBS_HEALTH_CHECK_DURATION_SECONDS),
                "s",
                vec![Target::range(
                    "A",
                    &format!("max by (check) ({}{{{SEL}}})", fam::OBS_HEALTH_CHECK_DURATION_SECONDS),
                    "{{check}}",
                )],
            ),
            12,
            8,
        );
        l.add(
            timeseries(
                "Check runs by result",
                &format!(
                    "Runs per second by result: ok, error, timeout or panic ({}).",
                    total(fam::OBS_HEALTH_CHECK_RUNS)
                ),
                "ops",
                vec![Target::range(
                    "A",
                    &format!(
                        "sum by (check, result) (rate({}{{{SEL}}}[$__rate_interval]))",
                        total(fam::OBS_HEALTH_CHECK_RUNS)
                    ),
                    "{{check}} {{result}}",
                )],
            ),
            12,
            8,
        );
    }

    l.row("Process");
    l.add(
        timeseries(
            "CPU",
            &format!("CPU time used per second, in cores ({}).", total(fam::PROCESS_CPU_SECONDS)),
            "percentunit",
            vec![Target::range(
                "A",
                &format!("rate({}{{{SEL}}}[$__rate_interval])", total(fam::PROCESS_CPU_SECONDS)),
                "{{instance}}",
            )],
        ),
        8,
        8,
    );
    l.add(
        timeseries(
            "Memory",
            &format!(
                "Resident and virtual memory ({}, {}).",
                fam::PROCESS_RESIDENT_MEMORY_BYTES,
                fam::PROCESS_VIRTUAL_MEMORY_BYTES
            ),
            "bytes",
            vec![
                Target::range(
                    "A",
                    &format!("{}{{{SEL}}}", fam::PROCESS_RESIDENT_MEMORY_BYTES),
                    "resident {{instance}}",
                ),
                Target::range("B", &format!("{}{{{SEL}}}", fam::PROCESS_VIRTUAL_MEMORY_BYTES), "virtual {{instance}}"),
            ],
        ),
        8,
        8,
    );
    l.add(
        timeseries(
            "File descriptors and threads",
            "Open and maximum file descriptors, and OS threads.",
            "short",
            vec![
                Target::range("A", &format!("{}{{{SEL}}}", fam::PROCESS_OPEN_FDS), "open fds {{instance}}"),
                Target::range("B", &format!("{}{{{SEL}}}", fam::PROCESS_MAX_FDS), "max fds {{instance}}"),
                Target::range("C", &format!("{}{{{SEL}}}", fam::PROCESS_THREADS), "threads {{instance}}"),
            ],
        ),
        8,
        8,
    );
    d.panels = l.panels;
    d
}

/// Objective, SLI, error budget remaining and burn rates of one objective.
fn slo_panels(l: &mut Layout, o: &SloObjective, opts: &Options, period: u64) {
    let label = format!("{} {} ({}::{})", o.slo, o.sli, o.module, o.function);
    let good_bad = |range: &str| o.error_ratio_expr(SEL, range);
    // The metadata rules' selector: the objective's own series.
    let meta = format!("{{slo={}, sli={}}}", q(&o.slo), q(o.sli));
    l.add(
        stat(
            &format!("{label}: objective"),
            &o.describe(),
            "percentunit",
            &format!("{}{meta}", rules::meta::OBJECTIVE),
            Thresholds::steps(&[(None, "blue")]),
        ),
        4,
        6,
    );
    l.add(
        stat(
            &format!("{label}: SLI over the time range"),
            "The share of good calls over the dashboard's time range.",
            "percentunit",
            &format!("1 - ({})", good_bad("$__range")),
            Thresholds::steps(&[(None, "red"), (Some(o.objective), "green")]),
        ),
        5,
        6,
    );
    l.add(
        stat(
            &format!("{label}: error budget remaining ({})", dur(period)),
            "1 means untouched, 0 spent, below 0 overspent.",
            "percentunit",
            &format!("{}{meta}", rules::meta::PERIOD_ERROR_BUDGET_REMAINING),
            Thresholds::steps(&[(None, "red"), (Some(0.0), "orange"), (Some(0.5), "green")]),
        ),
        5,
        6,
    );
    let mut targets: Vec<Target> = rules::burn_windows(opts)
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let r = ((b'A' + i as u8) as char).to_string();
            Target::range(
                &r,
                &format!(
                    "{}{meta} / on (slo, sli, function, module) {}{meta}",
                    rules::record_error_ratio(*w),
                    rules::meta::ERROR_BUDGET
                ),
                &format!("burn rate {}", dur(*w)),
            )
        })
        .collect();
    let next = ((b'A' + targets.len() as u8) as char).to_string();
    targets.push(Target::range(
        &next,
        &format!("{}{meta}", rules::meta::PERIOD_BURN_RATE),
        &format!("burn rate {}", dur(period)),
    ));
    let mut burn = timeseries(
        &format!("{label}: burn rate"),
        "Error-budget burn rate per window (1 = spending exactly the budget); pages fire at 14.4 and 6, tickets at 3 and 1.",
        "short",
        targets,
    );
    if let Some(fc) = burn.field_config.as_mut() {
        fc.defaults.thresholds = Some(Thresholds::steps(&[(None, "green"), (Some(1.0), "orange"), (Some(6.0), "red")]));
        fc.defaults.custom = Some(json!({ "thresholdsStyle": { "mode": "line" } }));
    }
    l.add(burn, 10, 6);
}

/// Rows per module for the declared metrics (obs' own included), the panel fitting each kind.
fn metrics_dashboard(model: &Model, opts: &Options, job: &str, uids: &Uids) -> Dashboard {
    let title = format!("{}{} metrics", opts.title_prefix, model.service);
    let mut d = Dashboard::new(&uids.metrics, &title);
    d.description = format!(
        "Generated by obs-dashboards: every metric declared with #[obs::metric] in {}, one row per module. Do not edit; regenerate.",
        model.service
    );
    d.tags.push(model.service.clone());
    d.links.push(DashboardLink::to_tag(&model.service));
    d.templating.list = common_vars(opts, job);
    let vars = fixed_label_vars(model.metrics.iter());
    for (name, values) in &vars {
        d.templating.list.push(Variable::custom(name, values));
    }
    let mut modules: BTreeMap<&str, Vec<&Metric>> = BTreeMap::new();
    for m in &model.metrics {
        modules.entry(m.module.as_str()).or_default().push(m);
    }
    let mut l = Layout::new();
    for (module, metrics) in modules {
        l.row(if module.is_empty() { "(no module)" } else { module });
        for m in metrics {
            for (p, w) in metric_panels(m, &vars) {
                l.add(p, w, 8);
            }
        }
    }
    d.panels = l.panels;
    d
}

/// The uids of a service's dashboards.
pub(crate) struct Uids {
    pub overview: String,
    pub metrics: String,
}

impl Uids {
    pub(crate) fn new(service: &str) -> Uids {
        Uids {
            overview: uid(service, &format!("{service}/overview")),
            metrics: uid(service, &format!("{service}/metrics")),
        }
    }
}

/// Both dashboards of the service: `(file stem, dashboard)`.
pub(crate) fn dashboards(model: &Model, opts: &Options, job: &str) -> Vec<(String, Dashboard)> {
    let uids = Uids::new(&model.service);
    vec![
        (format!("{}-overview", model.service), overview(model, opts, job, &uids)),
        (format!("{}-metrics", model.service), metrics_dashboard(model, opts, job, &uids)),
    ]
}
