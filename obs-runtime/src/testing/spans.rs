//! The spans a scope captured, with helpers to find one and to check the tree.

use crate::trace::{SpanRecord, TracedFn};
use std::ops::Deref;

/// The spans recorded by calls started on a scope's thread, in the order they ended; see
/// [`Measurement::spans`](super::Measurement::spans). Dereferences to a slice of [`SpanRecord`].
///
/// ```
/// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
/// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
/// #     attributes: &[], red_metrics: true, in_flight: false, buckets: &[0.1, 1.0], native: None, slo: None,
/// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
/// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
/// # static WORK: TracedFn = TracedFn::new(&DESC);
/// use obs_runtime::trace::{Call, Outcome, SpanStatus};
/// // No pipeline is installed, and it does not matter.
/// let spans = obs_runtime::testing::spans(|| Call::enter(&WORK).finish(Outcome::Error, Some("timeout".into())));
/// let work = spans.one("work");
/// assert_eq!(work.status, SpanStatus::Error("timeout".into()));
/// assert_eq!(work.events[0].name, "exception");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Spans(pub(super) Vec<SpanRecord>);

impl Deref for Spans {
    type Target = [SpanRecord];
    fn deref(&self) -> &[SpanRecord] {
        &self.0
    }
}

impl Spans {
    /// The spans named `name`, in the order they started.
    ///
    /// ```
    /// assert!(obs_runtime::testing::spans(|| ()).named("checkout").is_empty());
    /// ```
    pub fn named(&self, name: &str) -> Vec<&SpanRecord> {
        self.sorted(self.0.iter().filter(|s| s.name == name))
    }

    /// The only span named `name`.
    ///
    /// ```should_panic
    /// obs_runtime::testing::spans(|| ()).one("checkout"); // none: panics, listing what was recorded
    /// ```
    ///
    /// # Panics
    /// Unless exactly one span has that name; the message lists the tree of what was recorded.
    #[track_caller]
    pub fn one(&self, name: &str) -> &SpanRecord {
        match self.named(name)[..] {
            [one] => one,
            ref found => {
                panic!("expected one span named {name:?}, found {}; the scope recorded:\n{}", found.len(), self.tree())
            }
        }
    }

    /// The spans of calls of one traced function, in the order they started.
    ///
    /// ```
    /// # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
    /// # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
    /// #     attributes: &[], red_metrics: true, in_flight: false, buckets: &[0.1, 1.0], native: None, slo: None,
    /// #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
    /// #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
    /// # static WORK: TracedFn = TracedFn::new(&DESC);
    /// use obs_runtime::trace::{Call, Outcome};
    /// let spans = obs_runtime::testing::spans(|| {
    ///     Call::enter(&WORK).finish(Outcome::Ok, None);
    ///     Call::enter(&WORK).finish(Outcome::Ok, None);
    /// });
    /// assert_eq!(spans.of(&WORK).len(), 2);
    /// ```
    pub fn of(&self, function: &TracedFn) -> Vec<&SpanRecord> {
        let desc = function.desc();
        self.sorted(self.0.iter().filter(|s| s.function.is_some_and(|f| std::ptr::eq(f, desc))))
    }

    /// The span's parent, if it was captured too.
    ///
    /// ```
    /// let spans = obs_runtime::testing::spans(|| ());
    /// assert!(spans.iter().all(|s| spans.parent(s).is_none() || s.parent_span_id != 0));
    /// ```
    pub fn parent(&self, span: &SpanRecord) -> Option<&SpanRecord> {
        match span.parent_span_id {
            0 => None,
            p => self.0.iter().find(|s| s.span_id == p && s.trace_id == span.trace_id),
        }
    }

    /// The span's captured children, in the order they started.
    ///
    /// ```
    /// let spans = obs_runtime::testing::spans(|| ());
    /// assert!(spans.iter().all(|s| spans.children(s).iter().all(|c| c.parent_span_id == s.span_id)));
    /// ```
    pub fn children(&self, span: &SpanRecord) -> Vec<&SpanRecord> {
        self.sorted(self.0.iter().filter(|s| s.parent_span_id == span.span_id && s.trace_id == span.trace_id))
    }

    /// The spans whose parent was not captured (roots, or children of a span started outside the scope), in the
    /// order they started.
    ///
    /// ```
    /// assert!(obs_runtime::testing::spans(|| ()).roots().is_empty());
    /// ```
    pub fn roots(&self) -> Vec<&SpanRecord> {
        self.sorted(self.0.iter().filter(|s| self.parent(s).is_none()))
    }

    /// The tree of span names, one per line, children indented by two spaces under their parent, siblings in the
    /// order they started: compare it with `assert_eq!` to check the shape of a trace.
    ///
    /// ```
    /// assert_eq!(obs_runtime::testing::spans(|| ()).tree(), "");
    /// ```
    pub fn tree(&self) -> String {
        fn walk(spans: &Spans, s: &SpanRecord, depth: usize, out: &mut String) {
            out.push_str(&"  ".repeat(depth));
            out.push_str(s.name);
            out.push('\n');
            for c in spans.children(s) {
                walk(spans, c, depth + 1, out);
            }
        }
        let mut out = String::new();
        for r in self.roots() {
            walk(self, r, 0, &mut out);
        }
        out
    }

    fn sorted<'a>(&self, it: impl Iterator<Item = &'a SpanRecord>) -> Vec<&'a SpanRecord> {
        let mut v: Vec<_> = it.collect();
        v.sort_by_key(|s| s.start);
        v
    }
}
