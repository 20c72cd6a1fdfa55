//! Wires the span pipeline: the settings of [`config`](super::config) become a running
//! [`collector`](super::collector) whose sinks are OTLP (feature `otlp`) and any [`SpanSink`](super::SpanSink).

use super::collector::{self, Settings, TraceGuard};
use super::config::{TraceError, TracePipeline};

impl TracePipeline {
    /// Starts the collector thread and turns span recording on; the guard flushes and shuts down on drop.
    /// One pipeline at a time: installing a second while the first is alive is an error.
    ///
    /// ```
    /// use obs_runtime::trace::{MemorySink, TracePipeline};
    /// let guard = TracePipeline::builder().service_name("demo").sink(MemorySink::default()).install().unwrap();
    /// assert!(TracePipeline::builder().install().is_err()); // one at a time
    /// drop(guard);
    /// assert!(TracePipeline::builder().install().is_ok());
    /// ```
    pub fn install(self) -> Result<TraceGuard, TraceError> {
        if self.disabled {
            return Ok(TraceGuard::inactive());
        }
        let TracePipeline {
            resource,
            endpoint,
            protocol,
            sampler,
            interval,
            max_batch,
            timeout,
            headers,
            compression,
            sinks,
            ..
        } = self;
        let settings = Settings { resource, sampler, interval, max_batch, timeout };
        collector::start(settings, sinks, move |resource| match endpoint {
            Some(url) => Ok(vec![super::otlp::sink(&url, protocol, timeout, &headers, compression, resource)?]),
            None => Ok(Vec::new()),
        })
    }
}
