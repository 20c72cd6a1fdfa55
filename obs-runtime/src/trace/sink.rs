//! Where the collector sends finished spans: the OTLP exporter, or any [`SpanSink`] (an in-process one for tests
//! and benchmarks).

use super::record::SpanRecord;
use std::sync::{Arc, Mutex};

/// The service and resource attributes spans are exported with.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resource {
    /// `service.name`.
    pub service_name: String,
    /// Other resource attributes, from `OTEL_RESOURCE_ATTRIBUTES` and the builder.
    pub attributes: Vec<(String, String)>,
}

/// A destination of finished spans, called on the collector thread with batches.
pub trait SpanSink: Send + 'static {
    /// Exports one batch; an error is counted in `obs_span_export_errors_total` and the batch's spans as dropped.
    fn export(&mut self, batch: &[SpanRecord], resource: &Resource) -> Result<(), String>;
    /// Called once when the pipeline shuts down, after the last batch.
    fn shutdown(&mut self) {}
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
    pub fn spans(&self) -> Vec<SpanRecord> {
        self.spans.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    /// Forgets them.
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
