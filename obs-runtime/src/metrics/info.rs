//! Info metrics: constant labels with value 1, such as build versions.

use crate::desc::MetricDesc;
use crate::encoding::FamilyEncoder;
use crate::labels::LabelSet;
use crate::registry::Collect;
use crate::series::SeriesStore;
use std::marker::PhantomData;
use std::sync::atomic::Ordering::Relaxed;

/// An info family: each label set passed to [`Info::set`] is exposed as `<name>_info{...} 1`.
///
/// ```
/// use obs_runtime::{Info, MetricDesc, MetricKind};
/// static RELEASE: Info = Info::new(&MetricDesc::new("release", MetricKind::Info, "Release."));
/// obs_runtime::register!(RELEASE);
/// RELEASE.set(());
/// let text = obs_runtime::encode(obs_runtime::Format::Prometheus);
/// assert!(text.contains("release_info 1\n"));
/// ```
pub struct Info<L = ()> {
    store: SeriesStore,
    _labels: PhantomData<fn(&L)>,
}

impl<L> Info<L> {
    /// An info family for `desc`. Only label sets that were set are exposed, so it never uses the dense layout.
    pub const fn new(desc: &'static MetricDesc) -> Self {
        Info { store: SeriesStore::new(desc, 1, false, false), _labels: PhantomData }
    }
    /// Exposes `labels` with value 1.
    pub fn set(&self, labels: L)
    where
        L: LabelSet,
    {
        let s = self.store.resolve(&labels);
        s.block.atomic(s.word(0)).store(1, Relaxed);
    }
    /// The declaration.
    pub fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
}

impl<L> Collect for Info<L> {
    fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
    fn encode(&self, enc: &mut FamilyEncoder<'_>) {
        self.store.for_each(|labels, s| {
            // The overflow series is never set, so it stays hidden.
            if s.block.atomic(s.word(0)).load(Relaxed) == 1 {
                enc.sample_u64("_info", labels, None, 1);
            }
        });
    }
    fn series_count(&self) -> usize {
        self.store.len()
    }
}
