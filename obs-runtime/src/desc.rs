//! Descriptors: what a `#[metric]` declaration says, as a `const`-constructible value.

use crate::labels::LabelDesc;
use std::fmt;

/// The kind of a metric family.
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
        }
    }
}

impl fmt::Display for MetricKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a counter or gauge holds integers or floats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// `u64` for counters, `i64` for gauges.
    Int,
    /// `f64`.
    Float,
}

/// Where a declaration sits in the source.
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
        write!(
            f,
            "{}:{}:{} ({})",
            self.file, self.line, self.column, self.module_path
        )
    }
}

/// The crate a declaration comes from.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Namespace {
    /// Use the crate's `obs::namespace!`, if it declares one.
    Crate,
    /// `namespace = "..."` on the metric.
    Explicit(&'static str),
}

/// Everything a `#[metric]` declaration states.
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
    /// The most series this metric keeps; further label sets go to one overflow series.
    pub cap: u32,
    /// The declaration's position.
    pub location: Location,
    /// The declaring crate.
    pub krate: CrateInfo,
}

/// A crate-wide namespace, declared with `obs::namespace!("...")`.
#[derive(Debug, Clone, Copy)]
pub struct NamespaceDecl {
    /// `CARGO_CRATE_NAME` of the declaring crate.
    pub crate_ident: &'static str,
    /// The prefix, validated at compile time.
    pub namespace: &'static str,
    /// The declaration's position.
    pub location: Location,
}

inventory::collect!(NamespaceDecl);

/// The series cap of a metric that does not set `cap`.
pub const DEFAULT_CAP: u32 = 2000;

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
            cap: DEFAULT_CAP,
            location: Location {
                file: caller.file(),
                line: caller.line(),
                column: caller.column(),
                module_path: "",
            },
            krate: CrateInfo {
                name: "",
                version: "",
                ident: "",
            },
        }
    }
    /// Sets the labels (usually `<L as LabelSet>::LABELS`).
    pub const fn labels(mut self, labels: &'static [LabelDesc]) -> Self {
        self.labels = labels;
        self
    }
    /// Sets histogram buckets.
    pub const fn buckets(mut self, buckets: &'static [f64]) -> Self {
        self.buckets = buckets;
        self
    }
    /// Sets the series cap.
    pub const fn cap(mut self, cap: u32) -> Self {
        self.cap = cap;
        self
    }
    /// Sets the unit.
    pub const fn unit(mut self, unit: &'static str) -> Self {
        self.unit = Some(unit);
        self
    }
    /// Marks the values as floats.
    pub const fn float(mut self) -> Self {
        self.value = ValueType::Float;
        self
    }
    /// Exposes the name without any namespace prefix.
    pub const fn no_namespace(mut self) -> Self {
        self.namespace = Namespace::Explicit("");
        self
    }
}
