//! Where the collector sends finished spans: the OTLP exporter, or any [`SpanSink`] (an in-process one for tests
//! and benchmarks).

use super::record::SpanRecord;
use std::sync::{Arc, Mutex};

/// The service and resource attributes spans are exported with.
///
/// ```
/// use obs_runtime::trace::{Resource, TracePipeline};
/// let p = TracePipeline::builder().service_name("checkout");
/// let resource: &Resource = p.resource();
/// assert_eq!(resource, &Resource { service_name: "checkout".into(), attributes: vec![] });
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resource {
    /// `service.name`.
    pub service_name: String,
    /// Other resource attributes, from `OTEL_RESOURCE_ATTRIBUTES` and the builder.
    pub attributes: Vec<(String, String)>,
}

impl Resource {
    /// Sets attribute `key`, replacing an earlier value: an OTLP resource holds each key once.
    ///
    /// ```
    /// let mut r = obs_runtime::trace::Resource::default();
    /// r.set_attribute("deployment.environment", "staging");
    /// r.set_attribute("deployment.environment", "prod");
    /// assert_eq!(r.attributes, [("deployment.environment".to_string(), "prod".to_string())]);
    /// ```
    pub fn set_attribute(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let (key, value) = (key.into(), value.into());
        match self.attributes.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.attributes.push((key, value)),
        }
    }
}

/// A destination of finished spans, called with batches: an exporter on the pipeline's export thread, a
/// recorder (one that [takes unsampled spans](SpanSink::takes_unsampled)) on the collector thread.
///
/// ```
/// use obs_runtime::trace::{Resource, SpanRecord, SpanSink, TracePipeline};
/// struct Stdout;
/// impl SpanSink for Stdout {
///     fn export(&mut self, batch: &[SpanRecord], resource: &Resource) -> Result<(), String> {
///         batch.iter().for_each(|s| println!("{} {}", resource.service_name, s.name));
///         Ok(())
///     }
/// }
/// let guard = TracePipeline::builder().service_name("demo").sink(Stdout).install().unwrap();
/// guard.flush();
/// ```
pub trait SpanSink: Send + 'static {
    /// Exports one batch; an error is counted in `obs_span_export_errors_total` and the batch's spans as dropped.
    fn export(&mut self, batch: &[SpanRecord], resource: &Resource) -> Result<(), String>;
    /// Called once when the pipeline shuts down, after the last batch.
    fn shutdown(&mut self) {}
    /// Whether this sink also takes the spans the sampler dropped (the flight recorder does; exporters do not).
    /// Such a sink is handed each drain whole on the collector thread, and is not counted in the span metrics: it
    /// must be quick and must not fail, since the rings wait for it. Other sinks run on the export thread, behind a
    /// bounded queue, where a slow one delays only the exporters.
    fn takes_unsampled(&self) -> bool {
        false
    }
}

/// A sink that keeps every span in memory; clone it to read what was exported.
///
/// ```
/// let sink = obs_runtime::trace::MemorySink::default();
/// assert!(sink.spans().is_empty());
/// ```
#[derive(Clone, Default)]
pub struct MemorySink {
    spans: Arc<Mutex<Vec<SpanRecord>>>,
}

impl MemorySink {
    /// The spans exported so far.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// # let sink = obs_runtime::trace::MemorySink::default();
    /// # let guard = obs_runtime::trace::TracePipeline::builder().service_name("demo").sink(sink.clone()).install().unwrap();
    /// # obs_runtime::trace::Call::enter(&WORK).finish(obs_runtime::trace::Outcome::Ok, None);
    /// # guard.flush();
    /// assert_eq!(sink.spans().len(), 1);
    /// assert_eq!(sink.spans()[0].name, "work");
    /// ```
    pub fn spans(&self) -> Vec<SpanRecord> {
        self.spans.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    /// Forgets them.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// # let sink = obs_runtime::trace::MemorySink::default();
    /// # let guard = obs_runtime::trace::TracePipeline::builder().service_name("demo").sink(sink.clone()).install().unwrap();
    /// # obs_runtime::trace::Call::enter(&WORK).finish(obs_runtime::trace::Outcome::Ok, None);
    /// # guard.flush();
    /// assert_eq!(sink.spans().len(), 1);
    /// sink.clear();
    /// assert!(sink.spans().is_empty());
    /// ```
    pub fn clear(&self) {
        self.spans.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl SpanSink for MemorySink {
    fn export(&mut self, batch: &[SpanRecord], _: &Resource) -> Result<(), String> {
        self.spans.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(batch);
        Ok(())
    }
}
