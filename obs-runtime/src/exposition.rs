//! The one exposition driver: walks the catalog (and any merged registry) and feeds every family's points to a
//! [`FamilySink`]. The text formats, the owned [`Snapshot`] and every exporter are fed by this walk alone.
//!
//! Families come out sorted by name; series in dense-index order (enum declaration order) or sorted by their
//! rendered labels, so two scrapes of the same state are byte-identical.

use crate::catalog::{catalog, Catalog};
use crate::encoding::{Format, TextRenderer};
use crate::model::{FamilySink, Snapshot};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The size of the last exposition in one encoding, to size the next one's buffer: a scrape of a large registry
/// then fills one allocation instead of doubling its way there (each doubling copies what was written so far).
pub(crate) struct LastSize(AtomicUsize);

impl LastSize {
    const fn new() -> LastSize {
        LastSize(AtomicUsize::new(0))
    }

    /// The capacity for the next exposition: the last one's size and an eighth, at least 16 KiB.
    pub(crate) fn capacity(&self) -> usize {
        let last = self.0.load(Relaxed);
        (last + last / 8).max(16 * 1024)
    }

    fn record(&self, len: usize) {
        self.0.store(len, Relaxed);
    }
}

/// Sizes of the last text and protobuf expositions.
pub(crate) static LAST_TEXT: LastSize = LastSize::new();
#[cfg(feature = "protobuf")]
pub(crate) static LAST_PROTOBUF: LastSize = LastSize::new();

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
    let mut out = Vec::with_capacity(LAST_PROTOBUF.capacity());
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
    let start = out.len();
    let mut r = crate::encoding::ProtobufRenderer::new(out);
    collect(catalog, &mut r);
    r.finish();
    LAST_PROTOBUF.record(out.len() - start);
}

/// Encodes every metric linked into the binary.
///
/// ```
/// let text = obs_runtime::encode(obs_runtime::Format::OpenMetrics);
/// assert!(text.ends_with("# EOF\n"));
/// ```
pub fn encode(format: Format) -> String {
    let mut out = String::with_capacity(LAST_TEXT.capacity());
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
    let start = out.len();
    let mut r = TextRenderer::new(out, format);
    collect(catalog, &mut r);
    r.finish();
    LAST_TEXT.record(out.len() - start);
}
