//! Descriptors: what a `#[metric]` declaration says, as a `const`-constructible value.

use crate::labels::LabelDesc;
use std::fmt;

/// The kind of a metric family.
///
/// ```
/// use obs_runtime::MetricKind;
/// assert_eq!(MetricKind::Counter.to_string(), "counter");
/// assert!(MetricKind::Counter < MetricKind::Gauge); // sorts in declaration order
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MetricKind {
    /// A monotonic total, exposed with the `_total` suffix.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Observations counted into cumulative buckets, with `_bucket`, `_sum` and `_count` samples.
    Histogram,
    /// Constant labels with value 1, exposed with the `_info` suffix.
    Info,
    /// Quantiles with `_sum` and `_count`: only families merged from a `prometheus::Registry`.
    Summary,
    /// A value of unknown type (Prometheus' `untyped`): only families merged from a `prometheus::Registry`.
    Unknown,
}

impl MetricKind {
    /// The kind's name in `# TYPE` lines and in `#[metric(...)]`.
    ///
    /// ```
    /// assert_eq!(obs_runtime::MetricKind::Histogram.as_str(), "histogram");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
            MetricKind::Info => "info",
            MetricKind::Summary => "summary",
            MetricKind::Unknown => "unknown",
        }
    }
}

impl fmt::Display for MetricKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a counter or gauge holds integers or floats.
///
/// ```
/// use obs_runtime::{MetricDesc, MetricKind, ValueType};
/// assert_eq!(MetricDesc::new("queue_depth", MetricKind::Gauge, "Jobs waiting.").value, ValueType::Int);
/// assert_eq!(MetricDesc::new("load_ratio", MetricKind::Gauge, "Load.").float().value, ValueType::Float);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// `u64` for counters, `i64` for gauges.
    Int,
    /// `f64`.
    Float,
}

/// Where a declaration sits in the source.
///
/// ```
/// use obs_runtime::{MetricDesc, MetricKind};
/// let (desc, line) = (MetricDesc::new("jobs", MetricKind::Counter, "Jobs run."), line!());
/// assert_eq!((desc.location.file, desc.location.line), (file!(), line));
/// assert!(desc.location.to_string().starts_with(&format!("{}:{line}:", file!())));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// `file!()` of the declaration.
    pub file: &'static str,
    /// `line!()` of the declaration.
    pub line: u32,
    /// `column!()` of the declaration.
    pub column: u32,
    /// `module_path!()` of the declaration.
    pub module_path: &'static str,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{} ({})", self.file, self.line, self.column, self.module_path)
    }
}

/// The crate a declaration comes from.
///
/// ```
/// use obs_runtime::{Builder, CrateInfo};
/// let krate = CrateInfo { name: "shop", version: "1.2.3", ident: "shop" };
/// let settings = Builder::new(krate).without_server().settings().unwrap();
/// assert_eq!(settings.service_version, "1.2.3"); // the crate's version is the default
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CrateInfo {
    /// `CARGO_PKG_NAME`.
    pub name: &'static str,
    /// `CARGO_PKG_VERSION`.
    pub version: &'static str,
    /// `CARGO_CRATE_NAME`: the name `obs::namespace!` registers under.
    pub ident: &'static str,
}

/// The namespace rule of one metric.
///
/// ```
/// use obs_runtime::{MetricDesc, MetricKind, Namespace};
/// let desc = MetricDesc::new("jobs", MetricKind::Counter, "Jobs run.");
/// assert_eq!(desc.namespace, Namespace::Crate);
/// assert_eq!(desc.no_namespace().namespace, Namespace::Explicit(""));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Namespace {
    /// Use the crate's `obs::namespace!`, if it declares one.
    Crate,
    /// `namespace = "..."` on the metric.
    Explicit(&'static str),
}

/// Everything a `#[metric]` declaration states.
///
/// ```
/// use obs_runtime::{MetricDesc, MetricKind, DEFAULT_CAP};
/// const D: MetricDesc = MetricDesc::new("request_duration_seconds", MetricKind::Histogram, "Request latency.")
///     .unit("seconds")
///     .buckets(&[0.1, 0.5, 1.0]);
/// assert_eq!(D.unit, Some("seconds"));
/// assert_eq!(D.buckets.len(), 3);
/// assert_eq!(D.cap, DEFAULT_CAP);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct MetricDesc {
    /// The snake-case name with its unit suffix, without namespace and without `_total` / `_info`.
    pub name: &'static str,
    /// Where the namespace prefix comes from.
    pub namespace: Namespace,
    /// The metric kind.
    pub kind: MetricKind,
    /// Integer or float values (counters and gauges).
    pub value: ValueType,
    /// HELP text: the first paragraph of the doc comment.
    pub help: &'static str,
    /// The base unit, if any (`seconds`, `bytes`, `ratio`...).
    pub unit: Option<&'static str>,
    /// The labels, in declaration order.
    pub labels: &'static [LabelDesc],
    /// Upper bounds of the histogram buckets, strictly increasing, without `+Inf`.
    pub buckets: &'static [f64],
    /// Native (exponential) buckets for a histogram, exposed over protobuf beside the classic ones.
    pub native: Option<crate::NativeConfig>,
    /// The most series this metric keeps; further label sets go to one overflow series.
    pub cap: u32,
    /// The declaration's position.
    pub location: Location,
    /// The declaring crate.
    pub krate: CrateInfo,
    /// Threshold alerts declared with `alert(...)`, turned into Prometheus rules by `obs-dashboards`.
    pub alerts: &'static [AlertDesc],
}

/// A crate-wide namespace, declared with `obs::namespace!("...")`.
///
/// ```
/// use obs_runtime::{Location, NamespaceDecl};
/// // What `obs::namespace!("shop")` submits for the crate `shop`:
/// let decl = NamespaceDecl {
///     crate_ident: "shop",
///     namespace: "shop",
///     location: Location { file: file!(), line: line!(), column: 1, module_path: module_path!() },
/// };
/// assert_eq!(decl.namespace, "shop");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct NamespaceDecl {
    /// `CARGO_CRATE_NAME` of the declaring crate.
    pub crate_ident: &'static str,
    /// The prefix, validated at compile time.
    pub namespace: &'static str,
    /// The declaration's position.
    pub location: Location,
}

/// The series cap of a metric that does not set `cap`.
///
/// ```
/// use obs_runtime::{MetricDesc, MetricKind, DEFAULT_CAP};
/// assert_eq!(DEFAULT_CAP, 2000);
/// assert_eq!(MetricDesc::new("jobs", MetricKind::Counter, "Jobs run.").cap, DEFAULT_CAP);
/// ```
pub const DEFAULT_CAP: u32 = obs_shared::DEFAULT_CAP;

/// The buckets, in seconds, of a histogram or traced function that declares none: Prometheus' defaults.
///
/// ```
/// assert_eq!(obs_runtime::DEFAULT_BUCKETS, [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]);
/// ```
pub const DEFAULT_BUCKETS: &[f64] = obs_shared::DEFAULT_BUCKETS;

impl MetricDesc {
    /// A descriptor for metrics built by hand rather than by `#[metric]`; refine it with the other `const` methods.
    ///
    /// The location is the caller's; the crate is unknown (`""`) and gets no crate namespace.
    ///
    /// ```
    /// use obs_runtime::{MetricDesc, MetricKind};
    /// const D: MetricDesc = MetricDesc::new("jobs", MetricKind::Counter, "Jobs run.").cap(10);
    /// assert_eq!((D.name, D.cap), ("jobs", 10));
    /// ```
    #[track_caller]
    pub const fn new(name: &'static str, kind: MetricKind, help: &'static str) -> Self {
        let caller = std::panic::Location::caller();
        MetricDesc {
            name,
            namespace: Namespace::Crate,
            kind,
            value: ValueType::Int,
            help,
            unit: None,
            labels: &[],
            buckets: &[],
            native: None,
            cap: DEFAULT_CAP,
            location: Location { file: caller.file(), line: caller.line(), column: caller.column(), module_path: "" },
            krate: CrateInfo { name: "", version: "", ident: "" },
            alerts: &[],
        }
    }
    /// Sets the threshold alerts.
    ///
    /// ```
    /// use obs_runtime::{AlertDesc, AlertOp, AlertSignal, MetricDesc, MetricKind, Severity};
    /// const ALERTS: &[AlertDesc] = &[AlertDesc::new("QueueBacklog", AlertSignal::Value, AlertOp::Gt, 100.0)
    ///     .for_seconds(300)
    ///     .severity(Severity::Warning)
    ///     .summary("The queue is backing up.")];
    /// const D: MetricDesc = MetricDesc::new("queue_depth", MetricKind::Gauge, "Jobs waiting.").alerts(ALERTS);
    /// assert_eq!(D.alerts[0].name, "QueueBacklog");
    /// ```
    pub const fn alerts(mut self, alerts: &'static [AlertDesc]) -> Self {
        self.alerts = alerts;
        self
    }
    /// Sets the labels (usually `<L as LabelSet>::LABELS`).
    ///
    /// ```
    /// use obs_runtime::{LabelDesc, MetricDesc, MetricKind};
    /// const LABELS: &[LabelDesc] = &[LabelDesc { name: "method", values: None }];
    /// const D: MetricDesc = MetricDesc::new("requests", MetricKind::Counter, "Requests.").labels(LABELS);
    /// assert_eq!(D.labels[0].name, "method");
    /// ```
    pub const fn labels(mut self, labels: &'static [LabelDesc]) -> Self {
        self.labels = labels;
        self
    }
    /// Sets histogram buckets.
    ///
    /// ```
    /// use obs_runtime::{MetricDesc, MetricKind};
    /// const D: MetricDesc = MetricDesc::new("latency_seconds", MetricKind::Histogram, "Lat.").buckets(&[0.1, 1.0]);
    /// assert_eq!(D.buckets, [0.1, 1.0]);
    /// ```
    pub const fn buckets(mut self, buckets: &'static [f64]) -> Self {
        self.buckets = buckets;
        self
    }
    /// Gives a histogram native buckets; without [`buckets`](Self::buckets) it is native only, and the text formats
    /// show just its `+Inf` bucket, `_sum` and `_count`.
    ///
    /// ```
    /// use obs_runtime::{MetricDesc, MetricKind, NativeConfig};
    /// const D: MetricDesc = MetricDesc::new("latency_seconds", MetricKind::Histogram, "Lat.")
    ///     .native(NativeConfig { max_buckets: 100, ..NativeConfig::DEFAULT });
    /// assert_eq!(D.native.unwrap().max_buckets, 100);
    /// ```
    pub const fn native(mut self, config: crate::NativeConfig) -> Self {
        self.native = Some(config);
        self
    }
    /// Native buckets with client_golang's defaults ([`NativeConfig::DEFAULT`](crate::NativeConfig::DEFAULT)).
    ///
    /// ```
    /// use obs_runtime::{MetricDesc, MetricKind, NativeConfig};
    /// const D: MetricDesc = MetricDesc::new("latency_seconds", MetricKind::Histogram, "Lat.").native_default();
    /// assert_eq!(D.native, Some(NativeConfig::DEFAULT));
    /// ```
    pub const fn native_default(self) -> Self {
        self.native(crate::NativeConfig::DEFAULT)
    }
    /// Sets the series cap.
    ///
    /// ```
    /// use obs_runtime::{MetricDesc, MetricKind};
    /// const D: MetricDesc = MetricDesc::new("requests", MetricKind::Counter, "Requests.").cap(100);
    /// assert_eq!(D.cap, 100);
    /// ```
    pub const fn cap(mut self, cap: u32) -> Self {
        self.cap = cap;
        self
    }
    /// Sets the unit.
    ///
    /// ```
    /// use obs_runtime::{MetricDesc, MetricKind};
    /// const D: MetricDesc = MetricDesc::new("memory_bytes", MetricKind::Gauge, "Memory.").unit("bytes");
    /// assert_eq!(D.unit, Some("bytes"));
    /// ```
    pub const fn unit(mut self, unit: &'static str) -> Self {
        self.unit = Some(unit);
        self
    }
    /// Marks the values as floats.
    ///
    /// ```
    /// use obs_runtime::{MetricDesc, MetricKind, ValueType};
    /// const D: MetricDesc = MetricDesc::new("load_ratio", MetricKind::Gauge, "Load.").float();
    /// assert_eq!(D.value, ValueType::Float);
    /// ```
    pub const fn float(mut self) -> Self {
        self.value = ValueType::Float;
        self
    }
    /// Exposes the name without any namespace prefix.
    ///
    /// ```
    /// use obs_runtime::{MetricDesc, MetricKind, Namespace};
    /// const D: MetricDesc = MetricDesc::new("up", MetricKind::Gauge, "Up.").no_namespace();
    /// assert_eq!(D.namespace, Namespace::Explicit(""));
    /// ```
    pub const fn no_namespace(mut self) -> Self {
        self.namespace = Namespace::Explicit("");
        self
    }
    /// Sets the declaring module and crate, which `new` cannot know (`track_caller` gives only the file and line):
    /// the metric reference shows them.
    ///
    /// ```
    /// use obs_runtime::{crate_info, MetricDesc, MetricKind};
    /// const D: MetricDesc = MetricDesc::new("up", MetricKind::Gauge, "Up.").declared_in(module_path!(), crate_info!());
    /// assert_eq!((D.location.module_path, D.krate.name), (module_path!(), env!("CARGO_PKG_NAME")));
    /// ```
    pub const fn declared_in(mut self, module_path: &'static str, krate: CrateInfo) -> Self {
        self.location.module_path = module_path;
        self.krate = krate;
        self
    }
}

/// The OpenTelemetry span kind of a traced function.
///
/// ```
/// use obs_runtime::SpanKind;
/// // Every `#[traced]` function linked in, by span kind (none in this example).
/// let servers = obs_runtime::catalog().functions().filter(|f| f.kind == SpanKind::Server).count();
/// assert_eq!(servers, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpanKind {
    /// Work inside the process (the default).
    Internal,
    /// Handling a request from a remote caller.
    Server,
    /// A call to a remote service.
    Client,
    /// Sending a message for later processing.
    Producer,
    /// Processing a message.
    Consumer,
}

/// A latency objective: `percentile` of calls finish within `threshold_seconds` (a histogram bucket bound).
///
/// ```
/// use obs_runtime::LatencyObjective;
/// // 99% of calls finish within 250 ms.
/// let p99 = LatencyObjective { percentile: 0.99, threshold_seconds: 0.25 };
/// assert!(p99.percentile < 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencyObjective {
    /// The share of calls, e.g. `0.99`.
    pub percentile: f64,
    /// The bound in seconds; always one of the duration histogram's buckets.
    pub threshold_seconds: f64,
}

/// A service-level objective declared on a traced function.
///
/// ```
/// use obs_runtime::{LatencyObjective, SloDesc};
/// let slo = SloDesc {
///     name: "checkout",
///     success_rate: Some(0.999),
///     latency: Some(LatencyObjective { percentile: 0.99, threshold_seconds: 0.25 }),
/// };
/// assert_eq!(slo.latency.map(|l| l.threshold_seconds), Some(0.25));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SloDesc {
    /// The objective's name, used in rule and alert names.
    pub name: &'static str,
    /// The target share of successful calls, e.g. `0.999`.
    pub success_rate: Option<f64>,
    /// The latency target, if any.
    pub latency: Option<LatencyObjective>,
}

/// Everything `#[traced]` states about one function.
///
/// ```
/// for f in obs_runtime::catalog().functions() {
///     println!("{} ({:?}) in {}, RED metrics: {}", f.function, f.kind, f.location.module_path, f.red_metrics);
/// }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FunctionDesc {
    /// The `function` label of its RED metrics: the identifier of a free function (`checkout`); for a method of a
    /// `#[traced]` `impl` block, prefixed with the self type without generic arguments (`Cart::new`), as a qualified
    /// path for a trait impl (`<Cart as Store>::get`). With the module, it identifies the function.
    pub function: &'static str,
    /// The span name (defaults to `function`).
    pub span_name: &'static str,
    /// The span kind.
    pub kind: SpanKind,
    /// Keys of the span attributes recorded from arguments and `fields(...)`.
    pub attributes: &'static [&'static str],
    /// Whether the RED metrics are recorded.
    pub red_metrics: bool,
    /// Whether an in-flight gauge is kept.
    pub in_flight: bool,
    /// Bounds of the duration histogram, in seconds.
    pub buckets: &'static [f64],
    /// Native (exponential) buckets for the duration histogram, beside the classic ones (`#[traced(native)]`).
    pub native: Option<crate::NativeConfig>,
    /// The declared objective, if any.
    pub slo: Option<SloDesc>,
    /// The declaration's position; `module_path` is the `module` label.
    pub location: Location,
    /// The declaring crate.
    pub krate: CrateInfo,
}

impl FunctionDesc {
    /// The order of the catalog and the exposition: by module, `function` label, then declaration. Of two that
    /// expose one identity, the first in this order is exposed.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind};
    /// # const fn at(function: &'static str, line: u32) -> FunctionDesc { FunctionDesc { function, span_name: function,
    /// #     kind: SpanKind::Internal, attributes: &[], red_metrics: true, in_flight: false, buckets: &[1.0], native: None, slo: None,
    /// #     location: Location { file: "shop.rs", line, column: 1, module_path: "shop" },
    /// #     krate: CrateInfo { name: "shop", version: "0.1.0", ident: "shop" } } }
    /// let mut fns = [at("Order::new", 1), at("Cart::new", 9), at("Cart::new", 5)];
    /// fns.sort_by_key(|f| f.catalog_order());
    /// assert_eq!(fns.map(|f| (f.function, f.location.line)), [("Cart::new", 5), ("Cart::new", 9), ("Order::new", 1)]);
    /// ```
    pub fn catalog_order(&self) -> (&'static str, &'static str, Location) {
        (self.location.module_path, self.function, self.location)
    }

    /// Whether `self` and `other` expose the same series and span name: one `function` label in one module.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind};
    /// # const fn at(function: &'static str, line: u32) -> FunctionDesc { FunctionDesc { function, span_name: function,
    /// #     kind: SpanKind::Internal, attributes: &[], red_metrics: true, in_flight: false, buckets: &[1.0], native: None, slo: None,
    /// #     location: Location { file: "shop.rs", line, column: 1, module_path: "shop" },
    /// #     krate: CrateInfo { name: "shop", version: "0.1.0", ident: "shop" } } }
    /// assert!(at("Cart::new", 1).same_identity(&at("Cart::new", 9)));
    /// assert!(!at("Cart::new", 1).same_identity(&at("Order::new", 1)));
    /// ```
    pub fn same_identity(&self, other: &FunctionDesc) -> bool {
        self.function == other.function && self.location.module_path == other.location.module_path
    }
}

/// Everything `#[health_check]` states about one check.
///
/// ```
/// for check in obs_runtime::catalog().health_checks() {
///     println!("{}: every {} ms, critical: {}", check.name, check.interval_ms, check.critical);
/// }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct HealthCheckDesc {
    /// The check's name (the function's identifier unless renamed), the `check` label of its metrics.
    pub name: &'static str,
    /// Whether readiness fails when this check fails.
    pub critical: bool,
    /// How long one run may take before it counts as failed, in milliseconds.
    pub timeout_ms: u64,
    /// How often the check runs, in milliseconds.
    pub interval_ms: u64,
    /// Weight in the 0–100 health score.
    pub weight: u32,
    /// The declaration's position.
    pub location: Location,
    /// The declaring crate.
    pub krate: CrateInfo,
}

/// The future a health check returns, boxed so sync and async checks share one type.
///
/// ```
/// use obs_runtime::HealthFuture;
/// let check: HealthFuture = Box::pin(async { Err("database unreachable".to_owned()) });
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// assert_eq!(rt.block_on(check), Err("database unreachable".to_owned()));
/// ```
pub type HealthFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send>>;

/// One `#[health_check]`: its declaration and a function that starts one run.
///
/// ```
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// for entry in obs_runtime::catalog().health_check_entries() {
///     let result = rt.block_on((entry.run)());
///     println!("{}: {result:?}", entry.desc.name);
/// }
/// ```
pub struct HealthCheckEntry {
    /// The declaration.
    pub desc: &'static HealthCheckDesc,
    /// Starts one run of the check.
    pub run: fn() -> HealthFuture,
}

/// How urgent an alert is; it picks the Alertmanager route (page, ticket or info).
///
/// ```
/// use obs_runtime::Severity;
/// assert!(Severity::Critical < Severity::Warning); // most urgent first
/// assert_eq!(Severity::Warning.to_string(), "warning");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Someone is paged now.
    Critical,
    /// A ticket: look at it within working hours.
    Warning,
    /// For the record; nobody is notified urgently.
    Info,
}

impl Severity {
    /// The `severity` label value.
    ///
    /// ```
    /// assert_eq!(obs_runtime::Severity::Critical.as_str(), "critical");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The comparison of a threshold alert.
///
/// ```
/// use obs_runtime::{AlertDesc, AlertOp, AlertSignal};
/// const LOW: AlertDesc = AlertDesc::new("CacheCold", AlertSignal::Value, AlertOp::Lt, 0.5);
/// assert_eq!(LOW.op.as_str(), "<");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertOp {
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl AlertOp {
    /// The PromQL operator.
    ///
    /// ```
    /// assert_eq!(obs_runtime::AlertOp::Ge.as_str(), ">=");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            AlertOp::Gt => ">",
            AlertOp::Ge => ">=",
            AlertOp::Lt => "<",
            AlertOp::Le => "<=",
            AlertOp::Eq => "==",
            AlertOp::Ne => "!=",
        }
    }
}

/// What a threshold alert compares: chosen to make sense for the metric's kind.
///
/// ```
/// use obs_runtime::{AlertDesc, AlertOp, AlertSignal};
/// let p99 = AlertSignal::Quantile { quantile: 0.99, window_seconds: 300 };
/// let slow = AlertDesc::new("SlowRequests", p99, AlertOp::Gt, 0.5);
/// assert!(matches!(slow.signal, AlertSignal::Quantile { window_seconds: 300, .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AlertSignal {
    /// A gauge's value, per series.
    Value,
    /// A counter's per-second `rate()` over a window, per series.
    Rate {
        /// The range of `rate()`, in seconds.
        window_seconds: u64,
    },
    /// A counter's `increase()` over a window, per series.
    Increase {
        /// The range of `increase()`, in seconds.
        window_seconds: u64,
    },
    /// A histogram quantile (`histogram_quantile`) over a window, per label set.
    Quantile {
        /// The quantile, in (0, 1), e.g. `0.99`.
        quantile: f64,
        /// The range of the bucket `rate()`, in seconds.
        window_seconds: u64,
    },
}

/// A threshold alert declared on a metric with `#[metric(..., alert(...))]`.
///
/// ```text
/// #[obs::metric(gauge, alert(name = "QueueBacklog", expr = "> 100", for = "5m", severity = "warning",
///                            summary = "The queue is backing up"))]
/// ```
///
/// ```
/// use obs_runtime::{AlertDesc, AlertOp, AlertSignal, Severity};
/// const BACKLOG: AlertDesc = AlertDesc::new("QueueBacklog", AlertSignal::Value, AlertOp::Gt, 100.0)
///     .for_seconds(300)
///     .severity(Severity::Warning)
///     .summary("The queue is backing up");
/// assert_eq!((BACKLOG.op.as_str(), BACKLOG.threshold, BACKLOG.for_seconds), (">", 100.0, 300));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlertDesc {
    /// The alert's name (`alertname`), in UpperCamelCase.
    pub name: &'static str,
    /// What is compared.
    pub signal: AlertSignal,
    /// The comparison.
    pub op: AlertOp,
    /// The threshold, in the metric's unit (per second for rates).
    pub threshold: f64,
    /// How long the condition must hold before the alert fires, in seconds (`for`).
    pub for_seconds: u64,
    /// How urgent it is.
    pub severity: Severity,
    /// One line for the notification.
    pub summary: &'static str,
    /// More detail; empty when not given.
    pub description: &'static str,
}

impl AlertDesc {
    /// An alert that fires at once with severity `warning`; refine it with the other `const` methods.
    ///
    /// ```
    /// use obs_runtime::{AlertDesc, AlertOp, AlertSignal, Severity};
    /// const A: AlertDesc = AlertDesc::new("Errors", AlertSignal::Rate { window_seconds: 300 }, AlertOp::Gt, 1.0);
    /// assert_eq!((A.severity, A.for_seconds), (Severity::Warning, 0));
    /// ```
    pub const fn new(name: &'static str, signal: AlertSignal, op: AlertOp, threshold: f64) -> Self {
        AlertDesc {
            name,
            signal,
            op,
            threshold,
            for_seconds: 0,
            severity: Severity::Warning,
            summary: "",
            description: "",
        }
    }
    /// Sets `for`.
    ///
    /// ```
    /// use obs_runtime::{AlertDesc, AlertOp, AlertSignal};
    /// const A: AlertDesc = AlertDesc::new("QueueBacklog", AlertSignal::Value, AlertOp::Gt, 100.0).for_seconds(600);
    /// assert_eq!(A.for_seconds, 600);
    /// ```
    pub const fn for_seconds(mut self, s: u64) -> Self {
        self.for_seconds = s;
        self
    }
    /// Sets the severity.
    ///
    /// ```
    /// use obs_runtime::{AlertDesc, AlertOp, AlertSignal, Severity};
    /// const A: AlertDesc = AlertDesc::new("Down", AlertSignal::Value, AlertOp::Eq, 0.0).severity(Severity::Critical);
    /// assert_eq!(A.severity, Severity::Critical);
    /// ```
    pub const fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }
    /// Sets the summary.
    ///
    /// ```
    /// use obs_runtime::{AlertDesc, AlertOp, AlertSignal};
    /// const A: AlertDesc = AlertDesc::new("Down", AlertSignal::Value, AlertOp::Eq, 0.0).summary("Service down");
    /// assert_eq!(A.summary, "Service down");
    /// ```
    pub const fn summary(mut self, s: &'static str) -> Self {
        self.summary = s;
        self
    }
    /// Sets the description.
    ///
    /// ```
    /// use obs_runtime::{AlertDesc, AlertOp, AlertSignal};
    /// const A: AlertDesc =
    ///     AlertDesc::new("Down", AlertSignal::Value, AlertOp::Eq, 0.0).description("No instance answers.");
    /// assert!(A.description.starts_with("No instance"));
    /// ```
    pub const fn description(mut self, s: &'static str) -> Self {
        self.description = s;
        self
    }
}
