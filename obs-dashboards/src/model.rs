//! What the generator reads: an owned copy of the catalog, buildable by hand in tests.

use obs_runtime::{AlertDesc, Catalog, MetricKind};

/// Everything the generator needs to know about one service.
///
/// Build it from the catalog with [`Model::from_catalog`] (or `Model::from(obs_runtime::catalog())`), or by hand.
///
/// ```
/// use obs_dashboards::{Metric, Model};
/// use obs_runtime::MetricKind;
/// let mut model = Model::new("shop");
/// model.metrics.push(Metric::new("orders_placed", MetricKind::Counter, "Orders placed."));
/// assert_eq!(model.metrics[0].sample_name(), "orders_placed_total");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    /// The service's name: the `service` label of every alert, and the dashboards' title.
    pub service: String,
    /// Declared metric families, sorted by name.
    pub metrics: Vec<Metric>,
    /// `#[traced]` functions, sorted by module and name.
    pub functions: Vec<Function>,
    /// `#[health_check]`s, sorted by name.
    pub health_checks: Vec<HealthCheck>,
}

/// One declared metric family.
///
/// ```
/// use obs_dashboards::Metric;
/// use obs_runtime::MetricKind;
/// let m = Metric::new("db_query_duration_seconds", MetricKind::Histogram, "Query time.").unit("seconds");
/// assert_eq!(m.unit.as_deref(), Some("seconds"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// The family name with namespace and unit, without `_total` / `_info`.
    pub name: String,
    /// The kind.
    pub kind: MetricKind,
    /// HELP text.
    pub help: String,
    /// The base unit, if any.
    pub unit: Option<String>,
    /// Labels, in declaration order.
    pub labels: Vec<Label>,
    /// Histogram bucket bounds.
    pub buckets: Vec<f64>,
    /// A histogram with native buckets: Prometheus stores those (and not the classic ones) when it scrapes with
    /// native histograms on, so its queries are native PromQL, without `_bucket` and `le`.
    pub native: bool,
    /// The declaring module (`module_path!()`), which groups panels into rows.
    pub module: String,
    /// The declaring crate's package name.
    pub crate_name: String,
    /// Threshold alerts declared with `alert(...)`.
    pub alerts: Vec<AlertDesc>,
    /// The most series the family holds before new label sets go to its overflow series.
    pub cap: u32,
    /// Where it is declared, when known (the catalog always knows; a hand-built model may not).
    pub source: Option<Source>,
}

/// A declaration's position in the source: `file!()` and `line!()` of the item.
///
/// ```
/// let s = obs_dashboards::Source { file: "src/orders.rs".into(), line: 12 };
/// assert_eq!(s.to_string(), "src/orders.rs:12");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file, as `file!()` names it (relative to the workspace root for workspace crates).
    pub file: String,
    /// The line of the declaration.
    pub line: u32,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

impl From<obs_runtime::Location> for Source {
    fn from(l: obs_runtime::Location) -> Source {
        Source { file: l.file.to_owned(), line: l.line }
    }
}

/// One label of a metric.
///
/// ```
/// let l = obs_dashboards::Label::fixed("outcome", &["approved", "declined"]);
/// assert!(l.values.is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The label name.
    pub name: String,
    /// The fixed value set, or `None` for dynamic values.
    pub values: Option<Vec<String>>,
}

/// One `#[traced]` function, whose RED metrics the runtime exposes as `function_calls_*`.
///
/// ```
/// let f = obs_dashboards::Function::new("checkout", "shop::cart");
/// assert!(f.slo.is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// The `function` label.
    pub function: String,
    /// The `module` label.
    pub module: String,
    /// Whether `function_calls_total` and the duration histogram are recorded.
    pub red_metrics: bool,
    /// Whether `function_calls_in_flight` is kept.
    pub in_flight: bool,
    /// Duration buckets, in seconds.
    pub buckets: Vec<f64>,
    /// Whether the duration histogram has native buckets (`#[traced(native)]`): Prometheus with native histograms
    /// on stores those and not the classic ones, so the function's duration queries are native PromQL.
    pub native: bool,
    /// The declared objective.
    pub slo: Option<Slo>,
    /// The declaring crate's package name.
    pub crate_name: String,
    /// Where it is declared, when known.
    pub source: Option<Source>,
}

/// A service-level objective of a traced function.
///
/// ```
/// let slo = obs_dashboards::Slo { name: "checkout".into(), success_rate: Some(0.999), latency: Some((0.99, 0.25)) };
/// assert_eq!(slo.latency, Some((0.99, 0.25)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    /// The objective's name.
    pub name: String,
    /// The share of calls that must succeed.
    pub success_rate: Option<f64>,
    /// `(percentile, threshold_seconds)`: that share of calls finish within the threshold (a bucket bound).
    pub latency: Option<(f64, f64)>,
}

/// One `#[health_check]`.
///
/// ```
/// let h = obs_dashboards::HealthCheck { name: "database".into(), critical: true };
/// assert!(h.critical);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    /// The `check` label.
    pub name: String,
    /// Whether readiness fails with it (and an alert pages).
    pub critical: bool,
}

impl Model {
    /// An empty model for `service`.
    ///
    /// ```
    /// assert!(obs_dashboards::Model::new("shop").metrics.is_empty());
    /// ```
    pub fn new(service: &str) -> Model {
        Model { service: service.to_owned(), ..Model::default() }
    }

    /// Copies the catalog. The service name is the crate that declares the most entries, obs' own excepted.
    ///
    /// ```
    /// let model = obs_dashboards::Model::from_catalog(obs_runtime::catalog());
    /// assert!(model.metrics.iter().any(|m| m.name.starts_with("obs_")));
    /// ```
    pub fn from_catalog(catalog: &Catalog) -> Model {
        let metrics: Vec<Metric> = catalog
            .exposed()
            .map(|m| Metric {
                name: m.name().to_owned(),
                kind: m.kind(),
                help: m.help().to_owned(),
                unit: m.unit().map(str::to_owned),
                labels: m
                    .labels()
                    .iter()
                    .map(|l| Label {
                        name: l.name.to_owned(),
                        values: l.values.map(|v| v.iter().map(|s| (*s).to_owned()).collect()),
                    })
                    .collect(),
                buckets: m.buckets().to_vec(),
                native: m.desc().native.is_some(),
                module: m.location().module_path.to_owned(),
                crate_name: m.crate_name().to_owned(),
                alerts: m.desc().alerts.to_vec(),
                cap: m.cap(),
                source: Some(m.location().into()),
            })
            .collect();
        let functions = catalog
            .exposed_functions()
            .map(|f| Function {
                function: f.function.to_owned(),
                module: f.location.module_path.to_owned(),
                red_metrics: f.red_metrics,
                in_flight: f.in_flight,
                buckets: f.buckets.to_vec(),
                native: f.native.is_some(),
                slo: f.slo.map(|s| Slo {
                    name: s.name.to_owned(),
                    success_rate: s.success_rate,
                    latency: s.latency.map(|l| (l.percentile, l.threshold_seconds)),
                }),
                crate_name: f.krate.name.to_owned(),
                source: Some(f.location.into()),
            })
            .collect();
        let health_checks =
            catalog.health_checks().map(|h| HealthCheck { name: h.name.to_owned(), critical: h.critical }).collect();
        let mut crates: Vec<&str> = catalog
            .exposed()
            .map(|m| m.crate_name())
            .chain(catalog.functions().map(|f| f.krate.name))
            .chain(catalog.health_checks().map(|h| h.krate.name))
            .filter(|c| !is_obs_crate(c))
            .collect();
        crates.sort_unstable();
        let mut service = String::from("service");
        let mut best = 0;
        for group in crates.chunk_by(|a, b| a == b) {
            if group.len() > best {
                best = group.len();
                service = group[0].to_owned();
            }
        }
        let mut model = Model { service, metrics, functions, health_checks };
        model.sort();
        model
    }

    /// Sorts every list, so the output does not depend on the order things were added in.
    ///
    /// ```
    /// use obs_dashboards::{Metric, Model};
    /// use obs_runtime::MetricKind;
    /// let mut m = Model::new("s");
    /// m.metrics.push(Metric::new("b", MetricKind::Gauge, "B."));
    /// m.metrics.push(Metric::new("a", MetricKind::Gauge, "A."));
    /// m.sort();
    /// assert_eq!(m.metrics[0].name, "a");
    /// ```
    pub fn sort(&mut self) {
        self.metrics.sort_by(|a, b| a.name.cmp(&b.name));
        self.functions.sort_by(|a, b| (&a.module, &a.function).cmp(&(&b.module, &b.function)));
        self.health_checks.sort_by(|a, b| a.name.cmp(&b.name));
    }

    /// The metrics declared by the user, not by obs itself.
    ///
    /// ```
    /// use obs_dashboards::{Metric, Model};
    /// use obs_runtime::MetricKind;
    /// let mut m = Model::new("s");
    /// m.metrics.push(Metric::new("obs_series", MetricKind::Gauge, "Series.").crate_name("obs-runtime"));
    /// assert_eq!(m.user_metrics().count(), 0);
    /// ```
    pub fn user_metrics(&self) -> impl Iterator<Item = &Metric> {
        self.metrics.iter().filter(|m| !is_obs_crate(&m.crate_name))
    }

    /// The metric whose family name is `name`.
    ///
    /// ```
    /// assert!(obs_dashboards::Model::new("s").metric("x").is_none());
    /// ```
    pub fn metric(&self, name: &str) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.name == name)
    }
}

impl From<&Catalog> for Model {
    fn from(c: &Catalog) -> Model {
        Model::from_catalog(c)
    }
}

/// obs' own crates, whose metrics do not make a service.
fn is_obs_crate(name: &str) -> bool {
    matches!(name, "obs" | "obs-runtime" | "")
}

impl Metric {
    /// A metric without labels, unit or buckets, declared in module `app`.
    ///
    /// ```
    /// let m = obs_dashboards::Metric::new("jobs", obs_runtime::MetricKind::Counter, "Jobs.");
    /// assert_eq!(m.module, "app");
    /// ```
    pub fn new(name: &str, kind: MetricKind, help: &str) -> Metric {
        Metric {
            name: name.to_owned(),
            kind,
            help: help.to_owned(),
            unit: None,
            labels: Vec::new(),
            buckets: Vec::new(),
            native: false,
            module: "app".to_owned(),
            crate_name: "app".to_owned(),
            alerts: Vec::new(),
            cap: obs_runtime::DEFAULT_CAP,
            source: None,
        }
    }
    /// Sets the unit.
    ///
    /// ```
    /// let m = obs_dashboards::Metric::new("x_bytes", obs_runtime::MetricKind::Gauge, "X.").unit("bytes");
    /// assert_eq!(m.unit.as_deref(), Some("bytes"));
    /// ```
    pub fn unit(mut self, unit: &str) -> Metric {
        self.unit = Some(unit.to_owned());
        self
    }
    /// Adds a label.
    ///
    /// ```
    /// use obs_dashboards::{Label, Metric};
    /// let m = Metric::new("x", obs_runtime::MetricKind::Gauge, "X.").label(Label::dynamic("route"));
    /// assert_eq!(m.labels.len(), 1);
    /// ```
    pub fn label(mut self, label: Label) -> Metric {
        self.labels.push(label);
        self
    }
    /// Sets the buckets.
    ///
    /// ```
    /// let m = obs_dashboards::Metric::new("x", obs_runtime::MetricKind::Histogram, "X.").buckets(&[0.1, 1.0]);
    /// assert_eq!(m.buckets, [0.1, 1.0]);
    /// ```
    pub fn buckets(mut self, buckets: &[f64]) -> Metric {
        self.buckets = buckets.to_vec();
        self
    }
    /// Marks a histogram as native.
    ///
    /// ```
    /// let m = obs_dashboards::Metric::new("x_seconds", obs_runtime::MetricKind::Histogram, "X.").native();
    /// assert!(m.native);
    /// ```
    pub fn native(mut self) -> Metric {
        self.native = true;
        self
    }
    /// Sets the declaring module.
    ///
    /// ```
    /// let m = obs_dashboards::Metric::new("x", obs_runtime::MetricKind::Gauge, "X.").module("shop::cart");
    /// assert_eq!(m.module, "shop::cart");
    /// ```
    pub fn module(mut self, module: &str) -> Metric {
        self.module = module.to_owned();
        self
    }
    /// Sets the crate name.
    ///
    /// ```
    /// let m = obs_dashboards::Metric::new("x", obs_runtime::MetricKind::Gauge, "X.").crate_name("shop");
    /// assert_eq!(m.crate_name, "shop");
    /// ```
    pub fn crate_name(mut self, name: &str) -> Metric {
        self.crate_name = name.to_owned();
        self
    }
    /// Sets the cardinality cap.
    ///
    /// ```
    /// let m = obs_dashboards::Metric::new("x", obs_runtime::MetricKind::Gauge, "X.").cap(50);
    /// assert_eq!(m.cap, 50);
    /// ```
    pub fn cap(mut self, cap: u32) -> Metric {
        self.cap = cap;
        self
    }
    /// Sets where it is declared.
    ///
    /// ```
    /// let m = obs_dashboards::Metric::new("x", obs_runtime::MetricKind::Gauge, "X.").source("src/x.rs", 7);
    /// assert_eq!(m.source.unwrap().to_string(), "src/x.rs:7");
    /// ```
    pub fn source(mut self, file: &str, line: u32) -> Metric {
        self.source = Some(Source { file: file.to_owned(), line });
        self
    }
    /// Adds a threshold alert.
    ///
    /// ```
    /// use obs_runtime::{AlertDesc, AlertOp, AlertSignal, MetricKind};
    /// let m = obs_dashboards::Metric::new("queue_depth", MetricKind::Gauge, "Jobs waiting.")
    ///     .alert(AlertDesc::new("QueueBacklog", AlertSignal::Value, AlertOp::Gt, 100.0).summary("Backlog"));
    /// assert_eq!(m.alerts.len(), 1);
    /// ```
    pub fn alert(mut self, alert: AlertDesc) -> Metric {
        self.alerts.push(alert);
        self
    }
    /// The main sample's name: `_total` for counters, `_info` for info metrics.
    ///
    /// ```
    /// let m = obs_dashboards::Metric::new("build", obs_runtime::MetricKind::Info, "Build.");
    /// assert_eq!(m.sample_name(), "build_info");
    /// ```
    pub fn sample_name(&self) -> String {
        obs_runtime::names::sample_name(&self.name, self.kind)
    }
}

impl Label {
    /// A label with a fixed value set.
    ///
    /// ```
    /// assert_eq!(obs_dashboards::Label::fixed("ok", &["false", "true"]).values.unwrap().len(), 2);
    /// ```
    pub fn fixed(name: &str, values: &[&str]) -> Label {
        Label { name: name.to_owned(), values: Some(values.iter().map(|s| (*s).to_owned()).collect()) }
    }
    /// A label with dynamic values.
    ///
    /// ```
    /// assert!(obs_dashboards::Label::dynamic("route").values.is_none());
    /// ```
    pub fn dynamic(name: &str) -> Label {
        Label { name: name.to_owned(), values: None }
    }
}

impl Function {
    /// A traced function with RED metrics, Prometheus' default buckets and no objective.
    ///
    /// ```
    /// assert!(obs_dashboards::Function::new("f", "m").red_metrics);
    /// ```
    pub fn new(function: &str, module: &str) -> Function {
        Function {
            function: function.to_owned(),
            module: module.to_owned(),
            red_metrics: true,
            in_flight: false,
            buckets: obs_runtime::DEFAULT_BUCKETS.to_vec(),
            native: false,
            slo: None,
            crate_name: "app".to_owned(),
            source: None,
        }
    }

    /// Sets where it is declared.
    ///
    /// ```
    /// let f = obs_dashboards::Function::new("f", "m").source("src/m.rs", 3);
    /// assert_eq!(f.source.unwrap().line, 3);
    /// ```
    pub fn source(mut self, file: &str, line: u32) -> Function {
        self.source = Some(Source { file: file.to_owned(), line });
        self
    }
}
