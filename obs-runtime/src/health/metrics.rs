//! The metrics of health checks. They are declared by hand (a descriptor, a family in a `static`, `register!`),
//! the way this crate documents for code without the macros: the build without default features does not depend
//! on obs-macros, so this crate compiles beside syn and the macros instead of after them.

use crate::desc::{MetricDesc, MetricKind};
use crate::families;
use crate::labels::{label_set, LabelDesc, LabelSet, LabelValue};
use crate::metrics::counter::Counter;
use crate::metrics::gauge::{FloatGauge, Gauge};
use std::borrow::Cow;

/// How one run of a check ended.
///
/// ```
/// use obs_runtime::{health::RunResult, LabelValue};
/// assert_eq!(RunResult::VALUES, Some(&["ok", "error", "timeout", "panic"][..]));
/// assert_eq!(RunResult::Timeout.with_str(str::to_owned), "timeout");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunResult {
    /// The check returned `Ok`.
    Ok,
    /// The check returned `Err`.
    Error,
    /// The check did not finish within its timeout.
    Timeout,
    /// The check panicked.
    Panic,
}

impl RunResult {
    /// The label values, in variant order.
    const NAMES: [&'static str; 4] = ["ok", "error", "timeout", "panic"];

    /// The label value.
    pub(crate) const fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

impl LabelValue for RunResult {
    const VALUES: Option<&'static [&'static str]> = Some(&Self::NAMES);
    #[inline(always)]
    fn index(&self) -> u32 {
        *self as u32
    }
    #[inline]
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(self.as_str())
    }
    fn to_stored(&self) -> Cow<'static, str> {
        Cow::Borrowed(self.as_str())
    }
}

/// A check's name, the first label of every family here: a dynamic value, so no family is of fixed size.
const CHECK: LabelDesc = LabelDesc { name: "check", values: None };

pub(crate) struct Check {
    pub(crate) check: &'static str,
}
label_set!(Check { check: CHECK });

pub(crate) struct CheckCritical {
    pub(crate) check: &'static str,
    pub(crate) critical: bool,
}
label_set!(CheckCritical { check: CHECK, critical: LabelDesc { name: "critical", values: bool::VALUES } });

pub(crate) struct CheckRun {
    pub(crate) check: &'static str,
    pub(crate) result: RunResult,
}
label_set!(CheckRun { check: CHECK, result: LabelDesc { name: "result", values: RunResult::VALUES } });

static UP_DESC: MetricDesc = MetricDesc::new(
    families::OBS_HEALTH_CHECK_UP,
    MetricKind::Gauge,
    "Whether the check passed its last run (1) or not (0).",
)
.labels(CheckCritical::LABELS)
.no_namespace()
.declared_in(module_path!(), crate::crate_info!());
pub(crate) static HEALTH_CHECK_UP: Gauge<CheckCritical> = Gauge::new(&UP_DESC);
crate::register!(HEALTH_CHECK_UP);

static DURATION_DESC: MetricDesc = MetricDesc::new(
    families::OBS_HEALTH_CHECK_DURATION_SECONDS,
    MetricKind::Gauge,
    "How long the last run of the check took.",
)
.float()
.unit("seconds")
.labels(Check::LABELS)
.no_namespace()
.declared_in(module_path!(), crate::crate_info!());
pub(crate) static HEALTH_CHECK_DURATION: FloatGauge<Check> = FloatGauge::new(&DURATION_DESC);
crate::register!(HEALTH_CHECK_DURATION);

static RUNS_DESC: MetricDesc =
    MetricDesc::new(families::OBS_HEALTH_CHECK_RUNS, MetricKind::Counter, "Runs of each check, by how they ended.")
        .labels(CheckRun::LABELS)
        .no_namespace()
        .declared_in(module_path!(), crate::crate_info!());
pub(crate) static HEALTH_CHECK_RUNS: Counter<CheckRun> = Counter::new(&RUNS_DESC);
crate::register!(HEALTH_CHECK_RUNS);

static SCORE_DESC: MetricDesc = MetricDesc::new(
    families::OBS_HEALTH_SCORE,
    MetricKind::Gauge,
    "Weighted share of passing health checks, from 0 to 100.",
)
.float()
.no_namespace()
.declared_in(module_path!(), crate::crate_info!());
pub(crate) static HEALTH_SCORE: FloatGauge = FloatGauge::new(&SCORE_DESC);
crate::register!(HEALTH_SCORE);

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(obs_macros::Labels)]
    struct DerivedRun {
        check: &'static str,
        result: RunResult,
    }

    #[test]
    fn the_hand_written_label_sets_hash_compare_and_store_as_the_derive_does() {
        use std::hash::{BuildHasher, Hasher};
        let s = std::hash::RandomState::new();
        let hand = CheckRun { check: "db", result: RunResult::Timeout };
        let derived = DerivedRun { check: "db", result: RunResult::Timeout };
        let (mut a, mut b) = (s.build_hasher(), s.build_hasher());
        hand.hash_values(&mut a);
        derived.hash_values(&mut b);
        assert_eq!(a.finish(), b.finish());
        assert_eq!(hand.to_stored(), derived.to_stored());
        assert!(hand.matches(&derived.to_stored()));
        assert!(!CheckRun { check: "db", result: RunResult::Ok }.matches(&derived.to_stored()));
        assert!(!Check { check: "db" }.matches(&derived.to_stored()));
        assert_eq!(
            CheckRun::LABELS.iter().map(|l| (l.name, l.values)).collect::<Vec<_>>(),
            DerivedRun::LABELS.iter().map(|l| (l.name, l.values)).collect::<Vec<_>>()
        );
        assert_eq!((CheckRun::FIXED, DerivedRun::FIXED), (None, None));
    }
}
