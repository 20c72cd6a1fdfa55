//! OTLP export (feature `otlp`): spans are converted to `opentelemetry_sdk`'s `SpanData` on the collector thread
//! and sent by `opentelemetry-otlp`'s exporter, over http/protobuf (reqwest's blocking client, driven by a
//! minimal executor on this thread) or gRPC (tonic, on a current-thread tokio runtime owned by this thread).

use super::config::TraceError;
use super::sink::{Resource, SpanSink};
use crate::otel_env::{Compression, Protocol};
use std::time::Duration;

#[cfg(not(feature = "otlp"))]
pub(crate) fn sink(
    url: &str,
    _protocol: Protocol,
    _timeout: Duration,
    _headers: &[(String, String)],
    _compression: Compression,
    _resource: &Resource,
) -> Result<Box<dyn SpanSink>, TraceError> {
    Err(crate::otel_env::err(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        url,
        "needs obs' `otlp` feature for OTLP export, which is turned off in this build",
    )
    .into())
}

#[cfg(feature = "otlp")]
pub(crate) use imp::sink;

#[cfg(feature = "otlp")]
mod imp {
    use super::super::attr::AttrValue;
    use super::super::record::{SpanRecord, SpanStatus};
    use super::*;
    use crate::desc::SpanKind;
    use opentelemetry::trace::{self as ot, TraceFlags, TraceState};
    use opentelemetry::{InstrumentationScope, KeyValue, Value};
    use opentelemetry_otlp::{WithExportConfig, WithHttpConfig, WithTonicConfig};
    use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanExporter as _, SpanLinks};
    use std::borrow::Cow;
    use std::future::Future;
    use std::str::FromStr;
    use std::time::{SystemTime, UNIX_EPOCH};

    struct OtlpSink {
        exporter: opentelemetry_otlp::SpanExporter,
        runtime: Option<tokio::runtime::Runtime>,
        scope: InstrumentationScope,
    }

    pub(crate) fn sink(
        url: &str,
        protocol: Protocol,
        timeout: Duration,
        headers: &[(String, String)],
        compression: Compression,
        resource: &Resource,
    ) -> Result<Box<dyn SpanSink>, TraceError> {
        let compression = match compression {
            Compression::None => None,
            Compression::Gzip => Some(opentelemetry_otlp::Compression::Gzip),
        };
        let err = |e: String| -> TraceError {
            crate::otel_env::err("OTEL_EXPORTER_OTLP_ENDPOINT", url, format!("cannot be exported to: {e}")).into()
        };
        let (mut exporter, runtime) = match protocol {
            Protocol::HttpProtobuf => {
                let mut b = opentelemetry_otlp::SpanExporter::builder()
                    .with_http()
                    .with_endpoint(url)
                    .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                    .with_timeout(timeout)
                    .with_headers(headers.iter().cloned().collect());
                if let Some(c) = compression {
                    b = b.with_compression(c);
                }
                let e = b.build().map_err(|e| err(e.to_string()))?;
                (e, None)
            }
            Protocol::Grpc => {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| err(e.to_string()))?;
                let _enter = rt.enter();
                let mut metadata = opentelemetry_otlp::tonic_types::metadata::MetadataMap::new();
                for (k, v) in headers {
                    let key = k
                        .parse::<tonic::metadata::AsciiMetadataKey>()
                        .map_err(|e| err(format!("header `{k}`: {e}")))?;
                    let value = v.parse().map_err(|_| err(format!("header `{k}` has a value gRPC cannot carry")))?;
                    metadata.insert(key, value);
                }
                let mut b = opentelemetry_otlp::SpanExporter::builder()
                    .with_tonic()
                    .with_endpoint(url)
                    .with_timeout(timeout)
                    .with_metadata(metadata);
                if let Some(c) = compression {
                    b = b.with_compression(c);
                }
                let e = b.build().map_err(|e| err(e.to_string()))?;
                drop(_enter);
                (e, Some(rt))
            }
        };
        exporter.set_resource(&to_resource(resource));
        Ok(Box::new(OtlpSink {
            exporter,
            runtime,
            scope: InstrumentationScope::builder("obs").with_version(env!("CARGO_PKG_VERSION")).build(),
        }))
    }

    fn to_resource(r: &Resource) -> opentelemetry_sdk::Resource {
        opentelemetry_sdk::Resource::builder_empty()
            .with_service_name(r.service_name.clone())
            .with_attributes(r.attributes.iter().map(|(k, v)| KeyValue::new(k.clone(), v.clone())))
            .build()
    }

    impl SpanSink for OtlpSink {
        fn export(&mut self, batch: &[SpanRecord], _: &Resource) -> Result<(), String> {
            let data: Vec<SpanData> = batch.iter().map(|s| convert(s, &self.scope)).collect();
            let fut = self.exporter.export(data);
            let res = match &self.runtime {
                Some(rt) => rt.block_on(fut),
                None => block_on(fut),
            };
            res.map_err(|e| e.to_string())
        }
        fn shutdown(&mut self) {
            let _ = match &self.runtime {
                Some(rt) => {
                    let _g = rt.enter();
                    self.exporter.shutdown()
                }
                None => self.exporter.shutdown(),
            };
        }
    }

    fn value(v: &AttrValue) -> Value {
        match v {
            AttrValue::Bool(b) => Value::Bool(*b),
            AttrValue::I64(i) => Value::I64(*i),
            AttrValue::F64(f) => Value::F64(*f),
            AttrValue::Str(s) => Value::String(s.clone().into()),
        }
    }

    fn time(unix_nanos: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_nanos(unix_nanos)
    }

    /// One span in the SDK's model, with the function's static attributes added.
    pub(crate) fn convert(s: &SpanRecord, scope: &InstrumentationScope) -> SpanData {
        let trace_state = s.trace_state.as_deref().and_then(|t| TraceState::from_str(t).ok()).unwrap_or_default();
        let mut attributes: Vec<KeyValue> = Vec::with_capacity(s.attributes.len() + 4);
        if let Some(f) = s.function {
            attributes.push(KeyValue::new("code.function.name", f.function));
            attributes.push(KeyValue::new("code.namespace", f.location.module_path));
            attributes.push(KeyValue::new("code.file.path", f.location.file));
            attributes.push(KeyValue::new("code.line.number", f.location.line as i64));
        }
        attributes.extend(s.attributes.iter().map(|(k, v)| KeyValue::new(k.clone(), value(v))));
        let mut events = SpanEvents::default();
        events.events = s
            .events
            .iter()
            .map(|e| {
                ot::Event::new(
                    e.name.clone(),
                    time(super::super::clock::unix_nanos(e.at)),
                    e.attributes.iter().map(|(k, v)| KeyValue::new(k.clone(), value(v))).collect(),
                    0,
                )
            })
            .collect();
        SpanData {
            span_context: ot::SpanContext::new(
                ot::TraceId::from_bytes(s.trace_id.to_be_bytes()),
                ot::SpanId::from_bytes(s.span_id.to_be_bytes()),
                TraceFlags::SAMPLED,
                false,
                trace_state,
            ),
            parent_span_id: ot::SpanId::from_bytes(s.parent_span_id.to_be_bytes()),
            parent_span_is_remote: s.parent_remote,
            span_kind: match s.kind {
                SpanKind::Internal => ot::SpanKind::Internal,
                SpanKind::Server => ot::SpanKind::Server,
                SpanKind::Client => ot::SpanKind::Client,
                SpanKind::Producer => ot::SpanKind::Producer,
                SpanKind::Consumer => ot::SpanKind::Consumer,
            },
            name: Cow::Borrowed(s.name),
            start_time: time(s.start_unix_nanos()),
            end_time: time(s.end_unix_nanos()),
            attributes,
            dropped_attributes_count: 0,
            events,
            links: SpanLinks::default(),
            status: match &s.status {
                SpanStatus::Unset => ot::Status::Unset,
                SpanStatus::Error(d) => ot::Status::Error { description: d.clone() },
            },
            instrumentation_scope: scope.clone(),
        }
    }

    /// Drives a future to completion on this thread (the blocking HTTP client does its I/O inside `poll`).
    fn block_on<F: Future>(fut: F) -> F::Output {
        use std::sync::Arc;
        use std::task::{Context, Poll, Wake, Waker};
        struct Unpark(std::thread::Thread);
        impl Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut fut = std::pin::pin!(fut);
        loop {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
            std::thread::park();
        }
    }
}

/// A client for spans already in OTLP form: sends `ExportTraceServiceRequest`s over http/protobuf (to the full
/// URL, e.g. `http://127.0.0.1:4318/v1/traces`) or gRPC, with the metrics exporter's transport (feature `otlp-metrics`). `obs-replay` sends
/// flight recorder dumps with it.
///
/// ```
/// use obs_runtime::trace::OtlpTraceClient;
/// use obs_runtime::Protocol;
/// let client = OtlpTraceClient::new("http://127.0.0.1:4318/v1/traces", Protocol::HttpProtobuf, std::time::Duration::from_secs(5));
/// assert!(client.is_ok()); // nothing is sent until `send`
/// ```
#[cfg(feature = "otlp-metrics")]
pub struct OtlpTraceClient {
    transport: crate::otlp_metrics::transport::Transport,
    timeout: Duration,
}

#[cfg(feature = "otlp-metrics")]
impl OtlpTraceClient {
    /// A client for `url`; an unusable URL is an error.
    ///
    /// ```
    /// use obs_runtime::{trace::OtlpTraceClient, Protocol};
    /// assert!(OtlpTraceClient::new("not a url", Protocol::Grpc, std::time::Duration::from_secs(1)).is_err());
    /// ```
    pub fn new(url: &str, protocol: Protocol, timeout: Duration) -> Result<OtlpTraceClient, crate::ConfigError> {
        let transport = crate::otlp_metrics::transport::Transport::new(url, protocol, &[], Compression::None, timeout)?;
        Ok(OtlpTraceClient { transport, timeout })
    }

    /// Sends one request, within the client's timeout.
    ///
    /// ```no_run
    /// use obs_runtime::{otlp_proto::collector::trace::v1::ExportTraceServiceRequest, trace::OtlpTraceClient, Protocol};
    /// let mut c = OtlpTraceClient::new("http://127.0.0.1:4318/v1/traces", Protocol::HttpProtobuf, std::time::Duration::from_secs(5)).unwrap();
    /// c.send(ExportTraceServiceRequest::default()).unwrap();
    /// ```
    pub fn send(
        &mut self,
        request: opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest,
    ) -> Result<(), crate::ExportError> {
        self.transport.send_traces(request, self.timeout)
    }
}
