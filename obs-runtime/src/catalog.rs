//! The catalog: every declaration linked into the binary, gathered once by `inventory`, sorted and checked.
//!
//! `inventory` only sees crates that are linked, and the linker drops a dependency that no code references
//! (rust-lang/rust#64731). A crate that declares metrics but is otherwise unused must be named once, for example
//! `use that_crate as _;`, or its metrics vanish from the catalog.

use crate::desc::{
    FunctionDesc, HealthCheckDesc, HealthCheckEntry, Location, MetricDesc, MetricKind, Namespace, NamespaceDecl,
};
use crate::model::Family;
use crate::names;
use crate::registry::Collect;
use crate::trace::TracedFn;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::OnceLock;

/// All declarations linked into this binary; see [`catalog`].
///
/// ```standalone_crate
/// use obs_runtime::{Gauge, MetricDesc, MetricKind};
/// static QUEUE: Gauge = Gauge::new(&MetricDesc::new("queue_depth", MetricKind::Gauge, "Jobs waiting."));
/// obs_runtime::register!(QUEUE);
/// let catalog = obs_runtime::catalog();
/// catalog.validate().unwrap();
/// assert_eq!(catalog.metric("queue_depth").unwrap().help(), "Jobs waiting.");
/// ```
pub struct Catalog {
    metrics: Vec<CatalogMetric>,
    functions: Vec<&'static TracedFn>,
    health_checks: Vec<&'static HealthCheckEntry>,
    by_desc: HashMap<usize, usize>,
    /// Every sample name an exposed family owns.
    samples: std::collections::HashSet<String>,
    errors: Vec<CatalogError>,
}

/// One declared metric family, with its resolved name.
///
/// ```
/// use obs_runtime::{Counter, MetricDesc, MetricKind};
/// static JOBS: Counter = Counter::new(&MetricDesc::new("jobs", MetricKind::Counter, "Jobs run."));
/// obs_runtime::register!(JOBS);
/// let m = obs_runtime::catalog().metric("jobs").unwrap();
/// assert_eq!((m.kind(), m.sample_name()), (MetricKind::Counter, "jobs_total".to_owned()));
/// assert!(!m.is_shadowed());
/// ```
pub struct CatalogMetric {
    collector: &'static dyn Collect,
    name: String,
    namespace: Option<&'static str>,
    shadowed: bool,
}

/// A problem found when the catalog was gathered: two declarations of one name, or two namespaces for one crate.
///
/// ```
/// use obs_runtime::{Counter, MetricDesc, MetricKind};
/// static JOBS: Counter = Counter::new(&MetricDesc::new("jobs", MetricKind::Counter, "Jobs run."));
/// static JOBS_AGAIN: Counter = Counter::new(&MetricDesc::new("jobs", MetricKind::Counter, "Jobs, again."));
/// obs_runtime::register!(JOBS);
/// obs_runtime::register!(JOBS_AGAIN);
/// let errors = obs_runtime::catalog().validate().unwrap_err();
/// assert!(matches!(&errors.0[0], obs_runtime::CatalogError::DuplicateName { name, .. } if name == "jobs"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogError {
    /// Two metrics expose the same sample name.
    DuplicateName {
        /// The colliding sample name, such as `requests_total`.
        name: String,
        /// The catalog names of the exposed and of the hidden metric, such as `requests` (a counter's name has no
        /// `_total`): the names to look for in the code.
        metrics: (String, String),
        /// The declaration that is exposed.
        first: (Location, &'static str),
        /// The declaration that is hidden until the conflict is fixed.
        second: (Location, &'static str),
    },
    /// Two traced functions expose one identity: the same `function` label in one module, so their calls would
    /// be one series and their spans one name.
    DuplicateFunction {
        /// The shared `function` label.
        function: &'static str,
        /// The module both are in, the `module` label.
        module: &'static str,
        /// The function that is exposed.
        first: Location,
        /// The function whose metrics are hidden until the conflict is fixed.
        second: Location,
    },
    /// A family of a registered `prometheus::Registry` exposes a sample an obs declaration owns; it is left out
    /// of the exposition.
    MergedCollision {
        /// The merged family's name.
        family: String,
        /// The sample both would expose.
        sample: String,
    },
    /// Two registered `prometheus::Registry` instances expose the same sample (the same family in both); the one
    /// registered later is left out of the exposition.
    MergedDuplicate {
        /// The family left out.
        family: String,
        /// The sample both would expose.
        sample: String,
    },
    /// A crate called `obs::namespace!` twice.
    DuplicateNamespace {
        /// The crate.
        crate_ident: &'static str,
        /// Both declarations.
        locations: (Location, Location),
    },
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogError::DuplicateName { name, metrics, first, second } => write!(
                f,
                "metric `{}` declared at {} in crate `{}` and metric `{}` declared at {} in crate `{}` both expose \
                 the sample `{name}`; rename one with `name = \"...\"` or give it a `namespace`",
                metrics.0, first.0, first.1, metrics.1, second.0, second.1
            ),
            CatalogError::DuplicateFunction { function, module, first, second } => write!(
                f,
                "two traced functions expose `function=\"{function}\"` in module `{module}`: one at {first}, the other at \
                 {second}; if they are methods, put `#[obs::traced]` on their `impl` blocks so each is named after its \
                 type (`Type::method`), otherwise rename one or leave one out with `#[traced(off)]`"
            ),
            CatalogError::MergedCollision { family, sample } => write!(
                f,
                "family `{family}` of a registered prometheus::Registry exposes the sample `{sample}`, which an obs \
                 declaration owns, so it is left out of the exposition; rename the registry's metric or the declaration"
            ),
            CatalogError::MergedDuplicate { family, sample } => write!(
                f,
                "family `{family}` of a registered prometheus::Registry exposes the sample `{sample}`, which a family \
                 of a registry registered earlier exposes too, so it is left out of the exposition; register each \
                 metric in one registry"
            ),
            CatalogError::DuplicateNamespace { crate_ident, locations } => write!(
                f,
                "crate `{crate_ident}` declares `obs::namespace!` twice, at {} and at {}; keep one",
                locations.0, locations.1
            ),
        }
    }
}

impl std::error::Error for CatalogError {}

/// The errors of a catalog, reported together.
///
/// ```standalone_crate
/// use obs_runtime::{Counter, MetricDesc, MetricKind};
/// static JOBS: Counter = Counter::new(&MetricDesc::new("jobs", MetricKind::Counter, "Jobs run."));
/// static JOBS_AGAIN: Counter = Counter::new(&MetricDesc::new("jobs", MetricKind::Counter, "Jobs, again."));
/// obs_runtime::register!(JOBS);
/// obs_runtime::register!(JOBS_AGAIN);
/// let errors = obs_runtime::catalog().validate().unwrap_err();
/// assert_eq!(errors.0.len(), 1);
/// assert!(errors.to_string().starts_with("metric `jobs` declared at "));
/// assert!(errors.to_string().contains("both expose the sample `jobs`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogErrors(pub Vec<CatalogError>);

impl fmt::Display for CatalogErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CatalogErrors {}

/// One declaration, as `#[metric]`, `#[traced]`, `#[health_check]`, `namespace!` and
/// [`register!`](crate::register) submit it: the one `inventory` collection the catalog gathers, whatever declared
/// the family.
///
/// ```
/// use obs_runtime::{Counter, Declaration, MetricDesc, MetricKind};
/// static JOBS: Counter = Counter::new(&MetricDesc::new("decl_jobs", MetricKind::Counter, "Jobs run."));
/// // What `obs_runtime::register!(JOBS)` submits:
/// obs_runtime::__private::inventory::submit! { Declaration::Metric(&JOBS) }
/// assert!(obs_runtime::catalog().metric("decl_jobs").is_some());
/// ```
pub enum Declaration {
    /// A metric family: its storage, which carries its descriptor.
    Metric(&'static dyn Collect),
    /// A traced function: its storage, which carries its declaration and its RED series.
    Function(&'static TracedFn),
    /// A health check.
    HealthCheck(HealthCheckEntry),
    /// A crate-wide namespace.
    Namespace(NamespaceDecl),
}

inventory::collect!(Declaration);

fn declarations() -> impl Iterator<Item = &'static Declaration> {
    inventory::iter::<Declaration>.into_iter()
}

/// The catalog of this binary, gathered on first use.
///
/// ```
/// for m in obs_runtime::catalog().metrics() {
///     println!("{} ({}) declared at {}", m.name(), m.kind(), m.location());
/// }
/// ```
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        Catalog::gather(declarations().filter_map(|d| match d {
            Declaration::Metric(c) => Some(*c),
            _ => None,
        }))
    })
}

impl Catalog {
    fn gather(collectors: impl Iterator<Item = &'static dyn Collect>) -> Catalog {
        let mut errors = Vec::new();
        let mut namespaces: BTreeMap<&'static str, &'static NamespaceDecl> = BTreeMap::new();
        let mut decls: Vec<&'static NamespaceDecl> = declarations()
            .filter_map(|d| match d {
                Declaration::Namespace(n) => Some(n),
                _ => None,
            })
            .collect();
        decls.sort_by_key(|d| d.location);
        for d in decls {
            if let Some(prev) = namespaces.insert(d.crate_ident, d) {
                errors.push(CatalogError::DuplicateNamespace {
                    crate_ident: d.crate_ident,
                    locations: (prev.location, d.location),
                });
            }
        }
        let mut metrics: Vec<CatalogMetric> = collectors
            .map(|c| {
                let d = c.desc();
                let namespace = match d.namespace {
                    Namespace::Explicit("") => None,
                    Namespace::Explicit(ns) => Some(ns),
                    Namespace::Crate => namespaces.get(d.krate.ident).map(|n| n.namespace),
                };
                let name = match namespace {
                    Some(ns) => format!("{ns}_{}", d.name),
                    None => d.name.to_owned(),
                };
                CatalogMetric { collector: c, name, namespace, shadowed: false }
            })
            .collect();
        metrics.sort_by(|a, b| (&a.name, a.desc().location).cmp(&(&b.name, b.desc().location)));

        // A histogram `x` owns `x_bucket`, `x_sum` and `x_count`; a counter owns `x_total`: collisions are checked
        // on every sample name, not only on family names.
        let mut owners: HashMap<String, usize> = HashMap::new();
        for i in 0..metrics.len() {
            for sample in metrics[i].sample_names() {
                match owners.get(&sample) {
                    Some(&j) if j != i => {
                        if !metrics[i].shadowed {
                            let (a, b) = (metrics[j].desc(), metrics[i].desc());
                            errors.push(CatalogError::DuplicateName {
                                name: sample.clone(),
                                metrics: (metrics[j].name.clone(), metrics[i].name.clone()),
                                first: (a.location, a.krate.name),
                                second: (b.location, b.krate.name),
                            });
                        }
                        metrics[i].shadowed = true;
                    }
                    Some(_) => {}
                    None => {
                        owners.insert(sample, i);
                    }
                }
            }
        }
        let by_desc = metrics.iter().enumerate().map(|(i, m)| (m.desc() as *const MetricDesc as usize, i)).collect();
        let mut functions: Vec<&'static TracedFn> = declarations()
            .filter_map(|d| match d {
                Declaration::Function(f) => Some(*f),
                _ => None,
            })
            .collect();
        functions.sort_by_key(|f| f.desc().catalog_order());
        for pair in functions.windows(2) {
            let (previous, f) = (pair[0].desc(), pair[1].desc());
            if f.same_identity(previous) {
                // Sorted, so every later one is reported against the first, the one that is exposed.
                let first = functions
                    .iter()
                    .map(|g| g.desc())
                    .find(|g| g.same_identity(f))
                    .map_or(previous.location, |g| g.location);
                errors.push(CatalogError::DuplicateFunction {
                    function: f.function,
                    module: f.location.module_path,
                    first,
                    second: f.location,
                });
            }
        }
        let mut health_checks: Vec<&'static HealthCheckEntry> = declarations()
            .filter_map(|d| match d {
                Declaration::HealthCheck(h) => Some(h),
                _ => None,
            })
            .collect();
        health_checks.sort_by_key(|h| (h.desc.name, h.desc.location));
        Catalog { metrics, functions, health_checks, by_desc, samples: owners.into_keys().collect(), errors }
    }

    /// Every declared metric, sorted by name.
    ///
    /// ```
    /// use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// static QUEUE: Gauge = Gauge::new(&MetricDesc::new("queue_depth", MetricKind::Gauge, "Jobs waiting."));
    /// obs_runtime::register!(QUEUE);
    /// let names: Vec<&str> = obs_runtime::catalog().metrics().iter().map(|m| m.name()).collect();
    /// assert!(names.contains(&"queue_depth"));
    /// assert!(names.is_sorted());
    /// ```
    pub fn metrics(&self) -> &[CatalogMetric] {
        &self.metrics
    }

    /// Every `#[traced]` function, sorted by module path and name.
    ///
    /// ```
    /// for f in obs_runtime::catalog().functions() {
    ///     println!("{}::{}", f.location.module_path, f.function);
    /// }
    /// ```
    pub fn functions(&self) -> impl ExactSizeIterator<Item = &'static FunctionDesc> + '_ {
        self.functions.iter().map(|f| f.desc())
    }

    /// The traced functions that are exposed: all of them but the later of two that expose one identity (see
    /// [`CatalogError::DuplicateFunction`]).
    ///
    /// ```
    /// let c = obs_runtime::catalog();
    /// assert!(c.exposed_functions().count() <= c.functions().len());
    /// ```
    pub fn exposed_functions(&self) -> impl Iterator<Item = &'static FunctionDesc> + '_ {
        self.exposed_traced().map(|f| f.desc())
    }

    /// The storage of the exposed traced functions, in the order of [`exposed_functions`](Self::exposed_functions):
    /// what the RED families collect.
    ///
    /// ```
    /// let c = obs_runtime::catalog();
    /// assert_eq!(c.exposed_traced().count(), c.exposed_functions().count());
    /// ```
    pub fn exposed_traced(&self) -> impl Iterator<Item = &'static TracedFn> + '_ {
        let mut previous: Option<&'static FunctionDesc> = None;
        self.functions.iter().copied().filter(move |f| {
            let shadowed = previous.is_some_and(|p| p.same_identity(f.desc()));
            previous = Some(f.desc());
            !shadowed
        })
    }

    /// Every `#[health_check]`, sorted by name.
    ///
    /// ```
    /// let critical = obs_runtime::catalog().health_checks().filter(|c| c.critical).count();
    /// println!("{critical} critical health checks");
    /// ```
    pub fn health_checks(&self) -> impl Iterator<Item = &'static HealthCheckDesc> + '_ {
        self.health_checks.iter().map(|h| h.desc)
    }

    /// The health checks with their run functions, for the runner.
    ///
    /// ```
    /// for entry in obs_runtime::catalog().health_check_entries() {
    ///     let _one_run = (entry.run)(); // a future; the runner awaits it with the check's timeout
    ///     println!("{} every {} ms", entry.desc.name, entry.desc.interval_ms);
    /// }
    /// ```
    pub fn health_check_entries(&self) -> &[&'static HealthCheckEntry] {
        &self.health_checks
    }

    /// The metric named `name` (the family name, without `_total`).
    ///
    /// ```
    /// assert!(obs_runtime::catalog().metric("no_such_metric").is_none());
    /// ```
    pub fn metric(&self, name: &str) -> Option<&CatalogMetric> {
        self.metrics.iter().find(|m| m.name == name)
    }

    /// The metrics that are exposed: all of them but the later of two that share a name.
    ///
    /// ```standalone_crate
    /// use obs_runtime::{Counter, MetricDesc, MetricKind};
    /// static JOBS: Counter = Counter::new(&MetricDesc::new("jobs", MetricKind::Counter, "Jobs run."));
    /// static JOBS_AGAIN: Counter = Counter::new(&MetricDesc::new("jobs", MetricKind::Counter, "Jobs, again."));
    /// obs_runtime::register!(JOBS);
    /// obs_runtime::register!(JOBS_AGAIN);
    /// let catalog = obs_runtime::catalog();
    /// // The later declaration of `jobs` is hidden until the conflict is fixed.
    /// assert_eq!(catalog.metrics().iter().filter(|m| m.name() == "jobs").count(), 2);
    /// assert_eq!(catalog.exposed().filter(|m| m.name() == "jobs").count(), 1);
    /// ```
    pub fn exposed(&self) -> impl Iterator<Item = &CatalogMetric> {
        self.metrics.iter().filter(|m| !m.shadowed)
    }

    /// The entry of the metric declared by `desc`.
    ///
    /// ```
    /// use obs_runtime::{Gauge, MetricDesc, MetricKind};
    /// static QUEUE: Gauge = Gauge::new(&MetricDesc::new("queue_depth", MetricKind::Gauge, "Jobs waiting."));
    /// obs_runtime::register!(QUEUE);
    /// let entry = obs_runtime::catalog().entry_of(QUEUE.desc()).unwrap();
    /// assert_eq!(entry.name(), "queue_depth");
    /// ```
    pub fn entry_of(&self, desc: &MetricDesc) -> Option<&CatalogMetric> {
        self.by_desc.get(&(desc as *const MetricDesc as usize)).map(|&i| &self.metrics[i])
    }

    /// Whether an exposed family owns the sample name `name` (see [`names::owned_suffixes`]).
    ///
    /// ```
    /// # use obs_runtime::{Counter, MetricDesc, MetricKind};
    /// # static JOBS: Counter = Counter::new(&MetricDesc::new("owned_jobs", MetricKind::Counter, "Jobs run."));
    /// # obs_runtime::register!(JOBS);
    /// assert!(obs_runtime::catalog().owns_sample("owned_jobs_total"));
    /// assert!(!obs_runtime::catalog().owns_sample("owned_jobs_bucket"));
    /// ```
    pub fn owns_sample(&self, name: &str) -> bool {
        self.samples.contains(name)
    }

    /// Checks the catalog: call it at start-up so duplicate names stop the service with both locations named.
    ///
    /// ```standalone_crate
    /// obs_runtime::catalog().validate().expect("metric names are unique");
    /// ```
    pub fn validate(&self) -> Result<(), CatalogErrors> {
        #[cfg_attr(not(feature = "prometheus"), allow(unused_mut))]
        let mut errors = self.errors.clone();
        #[cfg(feature = "prometheus")]
        errors.extend(self.merged().into_iter().flat_map(|f| {
            let collision =
                f.shadowed_by.map(|sample| CatalogError::MergedCollision { family: f.name.clone(), sample });
            let duplicate = f.duplicate_of.map(|sample| CatalogError::MergedDuplicate { family: f.name, sample });
            collision.into_iter().chain(duplicate)
        }));
        if errors.is_empty() {
            Ok(())
        } else {
            Err(CatalogErrors(errors))
        }
    }

    /// The families of every registered `prometheus::Registry`, read now (they are registered at run time), each
    /// with the sample of an obs declaration that shadows it, if any; [`validate`](Self::validate) reports those.
    ///
    /// ```
    /// let registry = prometheus::Registry::new();
    /// let c = prometheus::IntCounter::new("legacy_logins_total", "Logins, the old way.").unwrap();
    /// registry.register(Box::new(c)).unwrap();
    /// obs_runtime::register_prometheus_registry(registry);
    /// let merged = obs_runtime::catalog().merged();
    /// assert!(merged.iter().any(|f| f.name == "legacy_logins" && f.kind == obs_runtime::MetricKind::Counter));
    /// ```
    #[cfg(feature = "prometheus")]
    pub fn merged(&self) -> Vec<crate::interop::MergedFamily> {
        crate::interop::merged_families(&|s| self.owns_sample(s))
    }
}

impl CatalogMetric {
    /// The collector behind this entry.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static LATENCY: Histogram = Histogram::new(
    /// #     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.")
    /// #         .unit("seconds")
    /// #         .buckets(&[0.1, 1.0]),
    /// # );
    /// # obs_runtime::register!(LATENCY);
    /// let m = obs_runtime::catalog().metric("latency_seconds").unwrap();
    /// LATENCY.observe(0.5);
    /// assert_eq!(m.collector().series_count(), 1);
    /// ```
    pub fn collector(&self) -> &'static dyn Collect {
        self.collector
    }
    /// The declaration.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static LATENCY: Histogram = Histogram::new(
    /// #     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.")
    /// #         .unit("seconds")
    /// #         .buckets(&[0.1, 1.0]),
    /// # );
    /// # obs_runtime::register!(LATENCY);
    /// let m = obs_runtime::catalog().metric("latency_seconds").unwrap();
    /// assert_eq!(m.desc().buckets, [0.1, 1.0]);
    /// ```
    pub fn desc(&self) -> &'static MetricDesc {
        self.collector.desc()
    }
    /// The family name: namespace, name and unit, without `_total` / `_info`.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static LATENCY: Histogram = Histogram::new(
    /// #     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.")
    /// #         .unit("seconds")
    /// #         .buckets(&[0.1, 1.0]),
    /// # );
    /// # obs_runtime::register!(LATENCY);
    /// let m = obs_runtime::catalog().metric("latency_seconds").unwrap();
    /// assert_eq!(m.name(), "latency_seconds");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The namespace prefix in force, if any.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static LATENCY: Histogram = Histogram::new(
    /// #     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.")
    /// #         .unit("seconds")
    /// #         .buckets(&[0.1, 1.0]),
    /// # );
    /// # obs_runtime::register!(LATENCY);
    /// let m = obs_runtime::catalog().metric("latency_seconds").unwrap();
    /// assert_eq!(m.namespace(), None); // hand-built descriptors belong to no crate namespace
    /// ```
    pub fn namespace(&self) -> Option<&'static str> {
        self.namespace
    }
    /// The name of the main sample: `_total` for counters, `_info` for info metrics, the family name otherwise.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static LATENCY: Histogram = Histogram::new(
    /// #     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.")
    /// #         .unit("seconds")
    /// #         .buckets(&[0.1, 1.0]),
    /// # );
    /// # obs_runtime::register!(LATENCY);
    /// let m = obs_runtime::catalog().metric("latency_seconds").unwrap();
    /// assert_eq!(m.sample_name(), "latency_seconds");
    /// ```
    pub fn sample_name(&self) -> String {
        names::sample_name(&self.name, self.kind())
    }
    /// Every sample name this family owns in either format.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static LATENCY: Histogram = Histogram::new(
    /// #     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.")
    /// #         .unit("seconds")
    /// #         .buckets(&[0.1, 1.0]),
    /// # );
    /// # obs_runtime::register!(LATENCY);
    /// let m = obs_runtime::catalog().metric("latency_seconds").unwrap();
    /// let names = m.sample_names();
    /// assert!(names.contains(&"latency_seconds_bucket".to_owned()));
    /// assert_eq!(names.len(), 4);
    /// ```
    pub fn sample_names(&self) -> Vec<String> {
        names::owned_suffixes(self.kind()).iter().map(|s| format!("{}{s}", self.name)).collect()
    }
    /// The kind.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static LATENCY: Histogram = Histogram::new(
    /// #     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.")
    /// #         .unit("seconds")
    /// #         .buckets(&[0.1, 1.0]),
    /// # );
    /// # obs_runtime::register!(LATENCY);
    /// let m = obs_runtime::catalog().metric("latency_seconds").unwrap();
    /// assert_eq!(m.kind(), MetricKind::Histogram);
    /// ```
    pub fn kind(&self) -> MetricKind {
        self.desc().kind
    }
    /// HELP text.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static LATENCY: Histogram = Histogram::new(
    /// #     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.")
    /// #         .unit("seconds")
    /// #         .buckets(&[0.1, 1.0]),
    /// # );
    /// # obs_runtime::register!(LATENCY);
    /// let m = obs_runtime::catalog().metric("latency_seconds").unwrap();
    /// assert_eq!(m.help(), "Latency.");
    /// ```
    pub fn help(&self) -> &'static str {
        self.desc().help
    }
    /// The base unit, if any.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static LATENCY: Histogram = Histogram::new(
    /// #     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.")
    /// #         .unit("seconds")
    /// #         .buckets(&[0.1, 1.0]),
    /// # );
    /// # obs_runtime::register!(LATENCY);
    /// let m = obs_runtime::catalog().metric("latency_seconds").unwrap();
    /// assert_eq!(m.unit(), Some("seconds"));
    /// ```
    pub fn unit(&self) -> Option<&'static str> {
        self.desc().unit
    }
    /// The labels, with their value sets when fixed.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static LATENCY: Histogram = Histogram::new(
    /// #     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.")
    /// #         .unit("seconds")
    /// #         .buckets(&[0.1, 1.0]),
    /// # );
    /// # obs_runtime::register!(LATENCY);
    /// let m = obs_runtime::catalog().metric("latency_seconds").unwrap();
    /// assert!(m.labels().is_empty());
    /// ```
    pub fn labels(&self) -> &'static [crate::LabelDesc] {
        self.desc().labels
    }
    /// Histogram bucket bounds (empty for other kinds).
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static LATENCY: Histogram = Histogram::new(
    /// #     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.")
    /// #         .unit("seconds")
    /// #         .buckets(&[0.1, 1.0]),
    /// # );
    /// # obs_runtime::register!(LATENCY);
    /// let m = obs_runtime::catalog().metric("latency_seconds").unwrap();
    /// assert_eq!(m.buckets(), [0.1, 1.0]);
    /// ```
    pub fn buckets(&self) -> &'static [f64] {
        self.desc().buckets
    }
    /// The series cap.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static LATENCY: Histogram = Histogram::new(
    /// #     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.")
    /// #         .unit("seconds")
    /// #         .buckets(&[0.1, 1.0]),
    /// # );
    /// # obs_runtime::register!(LATENCY);
    /// let m = obs_runtime::catalog().metric("latency_seconds").unwrap();
    /// assert_eq!(m.cap(), obs_runtime::DEFAULT_CAP);
    /// ```
    pub fn cap(&self) -> u32 {
        self.desc().cap
    }
    /// Where it is declared.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static LATENCY: Histogram = Histogram::new(
    /// #     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.")
    /// #         .unit("seconds")
    /// #         .buckets(&[0.1, 1.0]),
    /// # );
    /// # obs_runtime::register!(LATENCY);
    /// let m = obs_runtime::catalog().metric("latency_seconds").unwrap();
    /// assert_eq!(m.location().file, file!());
    /// ```
    pub fn location(&self) -> Location {
        self.desc().location
    }
    /// The declaring crate's package name.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static LATENCY: Histogram = Histogram::new(
    /// #     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.")
    /// #         .unit("seconds")
    /// #         .buckets(&[0.1, 1.0]),
    /// # );
    /// # obs_runtime::register!(LATENCY);
    /// let m = obs_runtime::catalog().metric("latency_seconds").unwrap();
    /// assert_eq!(m.crate_name(), ""); // `#[metric]` fills it in; hand-built descriptors leave it empty
    /// ```
    pub fn crate_name(&self) -> &'static str {
        self.desc().krate.name
    }
    /// The declaring crate's version.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static LATENCY: Histogram = Histogram::new(
    /// #     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.")
    /// #         .unit("seconds")
    /// #         .buckets(&[0.1, 1.0]),
    /// # );
    /// # obs_runtime::register!(LATENCY);
    /// let m = obs_runtime::catalog().metric("latency_seconds").unwrap();
    /// assert_eq!(m.crate_version(), "");
    /// ```
    pub fn crate_version(&self) -> &'static str {
        self.desc().krate.version
    }
    /// Series currently held.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static LATENCY: Histogram = Histogram::new(
    /// #     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.")
    /// #         .unit("seconds")
    /// #         .buckets(&[0.1, 1.0]),
    /// # );
    /// # obs_runtime::register!(LATENCY);
    /// let m = obs_runtime::catalog().metric("latency_seconds").unwrap();
    /// LATENCY.observe(0.05);
    /// assert_eq!(m.series_count(), 1);
    /// ```
    pub fn series_count(&self) -> usize {
        self.collector.series_count()
    }
    /// Whether another declaration of the same name hides this one.
    ///
    /// ```
    /// # use obs_runtime::{Histogram, MetricDesc, MetricKind};
    /// # static LATENCY: Histogram = Histogram::new(
    /// #     &MetricDesc::new("latency_seconds", MetricKind::Histogram, "Latency.")
    /// #         .unit("seconds")
    /// #         .buckets(&[0.1, 1.0]),
    /// # );
    /// # obs_runtime::register!(LATENCY);
    /// let m = obs_runtime::catalog().metric("latency_seconds").unwrap();
    /// assert!(!m.is_shadowed());
    /// ```
    pub fn is_shadowed(&self) -> bool {
        self.shadowed
    }
    /// What a renderer is told of this family before its points.
    ///
    /// ```
    /// # use obs_runtime::{Counter, MetricDesc, MetricKind};
    /// # static JOBS: Counter = Counter::new(&MetricDesc::new("family_jobs", MetricKind::Counter, "Jobs run."));
    /// # obs_runtime::register!(JOBS);
    /// let f = obs_runtime::catalog().metric("family_jobs").unwrap().family();
    /// assert_eq!((f.name, f.kind, f.help), ("family_jobs", MetricKind::Counter, "Jobs run."));
    /// ```
    pub fn family(&self) -> Family<'_> {
        Family::of(self.desc(), &self.name)
    }
}
