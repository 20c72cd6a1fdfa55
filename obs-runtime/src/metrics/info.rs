//! Info metrics: constant labels with value 1, such as build versions.

use crate::desc::MetricDesc;
use crate::labels::LabelSet;
use crate::model::{Point, PointSink};
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
    ///
    /// ```
    /// use obs_runtime::{Info, MetricDesc, MetricKind};
    /// static MODE: Info = Info::new(&MetricDesc::new("mode", MetricKind::Info, "Running mode."));
    /// obs_runtime::register!(MODE);
    /// assert!(!obs_runtime::encode(obs_runtime::Format::Prometheus).contains("mode_info 1")); // not set yet
    /// ```
    pub const fn new(desc: &'static MetricDesc) -> Self {
        Info { store: SeriesStore::new(desc, 1, None, false, false), _labels: PhantomData }
    }
    /// Exposes `labels` with value 1.
    ///
    /// ```standalone_crate
    /// # extern crate obs_runtime as obs;
    /// use obs_runtime::{Info, LabelSet, MetricDesc, MetricKind};
    /// #[derive(obs_macros::Labels)]
    /// struct Release {
    ///     channel: &'static str,
    /// }
    /// static RELEASE: Info<Release> =
    ///     Info::new(&MetricDesc::new("release", MetricKind::Info, "Release.").labels(Release::LABELS));
    /// obs_runtime::register!(RELEASE);
    /// RELEASE.set(Release { channel: "stable" });
    /// let text = obs_runtime::encode(obs_runtime::Format::Prometheus);
    /// assert!(text.contains("release_info{channel=\"stable\"} 1\n"));
    /// ```
    pub fn set(&self, labels: L)
    where
        L: LabelSet,
    {
        let s = self.store.resolve(&labels);
        s.block.atomic(s.word(0)).store(1, Relaxed);
    }
    /// The declaration.
    ///
    /// ```
    /// use obs_runtime::{Info, MetricDesc, MetricKind};
    /// static MODE: Info = Info::new(&MetricDesc::new("mode", MetricKind::Info, "Running mode."));
    /// assert_eq!(MODE.desc().kind, MetricKind::Info);
    /// ```
    pub fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
}

impl<L> Collect for Info<L> {
    fn desc(&self) -> &'static MetricDesc {
        self.store.desc()
    }
    fn collect(&self, out: &mut dyn PointSink) {
        self.store.for_each(|labels, s, _| {
            // The overflow series is never set, so it stays hidden.
            if s.block.atomic(s.word(0)).load(Relaxed) == 1 {
                out.point(labels, Point::Info);
            }
        });
    }
    fn series_count(&self) -> usize {
        self.store.len()
    }
}
