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
        #[cfg(feature = "flight")]
        let flight = self.flight_settings().cloned().map(|f| (f, self.resource.clone()));
        #[cfg_attr(not(feature = "flight"), allow(unused_mut))]
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
            mut sinks,
            ..
        } = self;
        #[cfg(feature = "flight")]
        if flight.is_some() {
            sinks.push(Box::new(super::flight::FlightSink));
        }
        let settings = Settings { resource, sampler, interval, max_batch, timeout };
        let guard = collector::start(settings, sinks, move |resource| match endpoint {
            Some(url) => Ok(vec![super::otlp::sink(&url, protocol, timeout, &headers, compression, resource)?]),
            None => Ok(Vec::new()),
        })?;
        // Only once this pipeline is the installed one: a refused second install leaves the first's recording.
        #[cfg(feature = "flight")]
        if let Some((settings, resource)) = flight {
            super::flight::activate(&settings, &resource);
        }
        Ok(guard)
    }
}
