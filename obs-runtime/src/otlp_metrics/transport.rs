//! Sending one push: http/protobuf through reqwest's blocking client, or gRPC `MetricsService/Export` through
//! tonic on a current-thread runtime owned by the exporter thread (the clients the span exporter uses). Every
//! send has a deadline; nothing is retried or queued: the next push carries the state again. The same client
//! sends recorded spans (`TraceService/Export`) for `obs-replay`, through [`crate::trace::OtlpTraceClient`].

use super::ExportError;
use crate::otel_env::{Compression, ConfigError, Protocol};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_client::MetricsServiceClient;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use std::io::Write;
use std::time::Duration;

pub(crate) enum Transport {
    Http { client: reqwest::blocking::Client, url: String, headers: reqwest::header::HeaderMap, gzip: bool },
    Grpc(Box<Grpc>),
}

pub(crate) struct Grpc {
    runtime: tokio::runtime::Runtime,
    client: MetricsServiceClient<tonic::transport::Channel>,
    metadata: tonic::metadata::MetadataMap,
    channel: tonic::transport::Channel,
    gzip: bool,
}

fn bad_header(variable: &'static str, k: &str) -> ConfigError {
    crate::otel_env::err(variable, k, "is not a header name and value OTLP can carry")
}

impl Transport {
    /// Builds the client; runs on the exporter thread, which then owns any runtime it needs.
    pub(crate) fn new(
        url: &str,
        protocol: Protocol,
        headers: &[(String, String)],
        compression: Compression,
        timeout: Duration,
    ) -> Result<Transport, ConfigError> {
        const VAR: &str = "OTEL_EXPORTER_OTLP_METRICS_HEADERS";
        let endpoint_err = |e: String| crate::otel_env::err("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", url, e);
        match protocol {
            Protocol::HttpProtobuf => {
                let mut map = reqwest::header::HeaderMap::new();
                for (k, v) in headers {
                    let name = reqwest::header::HeaderName::from_bytes(k.as_bytes()).map_err(|_| bad_header(VAR, k))?;
                    let value = reqwest::header::HeaderValue::from_str(v).map_err(|_| bad_header(VAR, k))?;
                    map.insert(name, value);
                }
                map.insert(
                    reqwest::header::CONTENT_TYPE,
                    reqwest::header::HeaderValue::from_static("application/x-protobuf"),
                );
                let client = reqwest::blocking::Client::builder()
                    .timeout(timeout)
                    .connect_timeout(timeout)
                    .build()
                    .map_err(|e| endpoint_err(format!("cannot build the HTTP client: {e}")))?;
                Ok(Transport::Http {
                    client,
                    url: url.to_owned(),
                    headers: map,
                    gzip: compression == Compression::Gzip,
                })
            }
            Protocol::Grpc => {
                let mut metadata = tonic::metadata::MetadataMap::new();
                for (k, v) in headers {
                    let key = k.parse::<tonic::metadata::AsciiMetadataKey>().map_err(|_| bad_header(VAR, k))?;
                    metadata.insert(key, v.parse().map_err(|_| bad_header(VAR, k))?);
                }
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| endpoint_err(format!("cannot start the gRPC runtime: {e}")))?;
                let endpoint = tonic::transport::Endpoint::from_shared(url.to_owned())
                    .map_err(|e| endpoint_err(format!("is not a gRPC endpoint: {e}")))?
                    .connect_timeout(timeout)
                    .timeout(timeout);
                let channel = {
                    let _enter = runtime.enter();
                    endpoint.connect_lazy()
                };
                let mut client = MetricsServiceClient::new(channel.clone());
                let gzip = compression == Compression::Gzip;
                if gzip {
                    client = client.send_compressed(tonic::codec::CompressionEncoding::Gzip);
                }
                Ok(Transport::Grpc(Box::new(Grpc { runtime, client, metadata, channel, gzip })))
            }
        }
    }

    /// Sends one push, giving up after `deadline`.
    pub(crate) fn send(&mut self, request: ExportMetricsServiceRequest, deadline: Duration) -> Result<(), ExportError> {
        match self {
            Transport::Http { .. } => self.post(prost::Message::encode_to_vec(&request), deadline),
            Transport::Grpc(g) => {
                let Grpc { runtime, client, metadata, .. } = &mut **g;
                let mut req = tonic::Request::new(request);
                *req.metadata_mut() = metadata.clone();
                req.set_timeout(deadline);
                let call = client.export(req);
                grpc_result(runtime.block_on(async { tokio::time::timeout(deadline, call).await }), deadline)
            }
        }
    }

    /// Sends one batch of spans (`/v1/traces`, `TraceService/Export`), giving up after `deadline`.
    pub(crate) fn send_traces(
        &mut self,
        request: ExportTraceServiceRequest,
        deadline: Duration,
    ) -> Result<(), ExportError> {
        match self {
            Transport::Http { .. } => self.post(prost::Message::encode_to_vec(&request), deadline),
            Transport::Grpc(g) => {
                let Grpc { runtime, metadata, channel, gzip, .. } = &mut **g;
                let mut client = TraceServiceClient::new(channel.clone());
                if *gzip {
                    client = client.send_compressed(tonic::codec::CompressionEncoding::Gzip);
                }
                let mut req = tonic::Request::new(request);
                *req.metadata_mut() = metadata.clone();
                req.set_timeout(deadline);
                let call = client.export(req);
                grpc_result(runtime.block_on(async { tokio::time::timeout(deadline, call).await }), deadline)
            }
        }
    }

    /// POSTs an encoded request (HTTP only).
    fn post(&self, mut body: Vec<u8>, deadline: Duration) -> Result<(), ExportError> {
        let Transport::Http { client, url, headers, gzip } = self else {
            return Err(ExportError::Failed("not an HTTP transport".into()));
        };
        let mut req = client.post(url.as_str()).headers(headers.clone()).timeout(deadline);
        if *gzip {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(&body).map_err(|e| ExportError::Failed(e.to_string()))?;
            body = enc.finish().map_err(|e| ExportError::Failed(e.to_string()))?;
            req = req.header(reqwest::header::CONTENT_ENCODING, "gzip");
        }
        match req.body(body).send() {
            Ok(resp) if resp.status().is_success() => Ok(()),
            Ok(resp) => Err(ExportError::Failed(format!("the collector answered {}", resp.status()))),
            Err(e) if e.is_timeout() => Err(ExportError::Timeout(deadline)),
            Err(e) => Err(ExportError::Failed(e.to_string())),
        }
    }
}

/// A gRPC export's outcome, the timeout told apart.
fn grpc_result<T>(
    r: Result<Result<T, tonic::Status>, tokio::time::error::Elapsed>,
    deadline: Duration,
) -> Result<(), ExportError> {
    match r {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(status)) if status.code() == tonic::Code::DeadlineExceeded => Err(ExportError::Timeout(deadline)),
        Ok(Err(status)) => Err(ExportError::Failed(format!("gRPC status {:?}: {}", status.code(), status.message()))),
        Err(_) => Err(ExportError::Timeout(deadline)),
    }
}
