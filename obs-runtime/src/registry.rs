//! The link-time registry: every declared metric submits one [`MetricEntry`] through `inventory`.

use crate::desc::MetricDesc;
use crate::encoding::FamilyEncoder;

/// A metric family that can describe and encode itself.
///
/// Implemented by [`Counter`](crate::Counter), [`Gauge`](crate::Gauge), [`Histogram`](crate::Histogram),
/// [`Info`](crate::Info) and their float variants; the exposition walks the catalog through this trait.
pub trait Collect: Sync {
    /// The declaration.
    fn desc(&self) -> &'static MetricDesc;
    /// Writes every sample of the family (the headers are written by the caller).
    fn encode(&self, enc: &mut FamilyEncoder<'_>);
    /// Number of series currently held.
    fn series_count(&self) -> usize;
}

/// One declared metric, as submitted by `#[metric]`.
pub struct MetricEntry {
    /// The family's storage and encoder.
    pub collector: &'static dyn Collect,
}

impl MetricEntry {
    /// Wraps a family for `inventory::submit!`.
    pub const fn new(collector: &'static dyn Collect) -> Self {
        MetricEntry { collector }
    }
}

inventory::collect!(MetricEntry);
