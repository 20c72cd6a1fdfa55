//! The one exposition driver: walks the catalog (and any merged registry) and feeds every family's points to a
//! [`FamilySink`]. The text formats, the owned [`Snapshot`] and every exporter are fed by this walk alone.
//!
//! Families come out sorted by name; series in dense-index order (enum declaration order) or sorted by their
//! rendered labels, so two scrapes of the same state are byte-identical.

use crate::catalog::{catalog, Catalog};
use crate::encoding::{Format, TextRenderer};
use crate::model::{FamilySink, Snapshot};

/// Feeds every exposed family of `catalog` to `sink`, then the families merged from `prometheus` registries.
///
/// ```
/// let mut snap = obs_runtime::Snapshot::default();
/// obs_runtime::collect(obs_runtime::catalog(), &mut snap);
/// assert!(snap.family("process_resident_memory_bytes").is_some());
/// ```
pub fn collect(catalog: &Catalog, sink: &mut dyn FamilySink) {
    for m in catalog.exposed() {
        sink.begin(m.family());
        m.collector().collect(sink);
    }
    #[cfg(feature = "prometheus")]
    crate::interop::collect_registries(&|name| catalog.owns_sample(name), sink);
}

/// Every family's state now, owned.
///
/// ```
/// let snap = obs_runtime::snapshot();
/// assert!(snap.families.windows(2).all(|w| w[0].name <= w[1].name || w[1].name.is_empty()));
/// ```
pub fn snapshot() -> Snapshot {
    let mut snap = Snapshot::default();
    collect(catalog(), &mut snap);
    snap
}

/// Encodes every metric linked into the binary in the Prometheus protobuf exposition
/// ([`PROTOBUF_CONTENT_TYPE`](crate::PROTOBUF_CONTENT_TYPE)).
///
/// ```
/// use obs_runtime::prometheus_proto::MetricFamily;
/// use prost::Message;
/// let body = obs_runtime::encode_protobuf();
/// let mut buf = body.as_slice();
/// let first = MetricFamily::decode_length_delimited(&mut buf).unwrap();
/// assert!(first.name.is_some());
/// ```
#[cfg(feature = "protobuf")]
pub fn encode_protobuf() -> Vec<u8> {
    let mut out = Vec::with_capacity(16 * 1024);
    encode_protobuf_into(catalog(), &mut out);
    out
}

/// Encodes the metrics of `catalog` into `out` in the Prometheus protobuf exposition.
///
/// ```
/// let mut out = Vec::new();
/// obs_runtime::encode_protobuf_into(obs_runtime::catalog(), &mut out);
/// assert!(!out.is_empty());
/// ```
#[cfg(feature = "protobuf")]
pub fn encode_protobuf_into(catalog: &Catalog, out: &mut Vec<u8>) {
    let mut r = crate::encoding::ProtobufRenderer::new(out);
    collect(catalog, &mut r);
    r.finish();
}

/// Encodes every metric linked into the binary.
///
/// ```
/// let text = obs_runtime::encode(obs_runtime::Format::OpenMetrics);
/// assert!(text.ends_with("# EOF\n"));
/// ```
pub fn encode(format: Format) -> String {
    let mut out = String::with_capacity(16 * 1024);
    encode_into(catalog(), format, &mut out);
    out
}

/// Encodes the metrics of `catalog` into `out`.
///
/// ```
/// let mut out = String::new();
/// obs_runtime::encode_into(obs_runtime::catalog(), obs_runtime::Format::Prometheus, &mut out);
/// ```
pub fn encode_into(catalog: &Catalog, format: Format, out: &mut String) {
    let mut r = TextRenderer::new(out, format);
    collect(catalog, &mut r);
    r.finish();
}
