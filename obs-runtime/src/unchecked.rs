//! What a `#[metric]` whose kind is unknown dereferences to, so the user's uses of it compile while the kind
//! error is the only one reported. Never registered, never exposed: the build fails on that error anyway.

use std::marker::PhantomData;

/// Accepts every call a metric family or handle accepts, with any argument types, and does nothing.
///
/// ```
/// use obs_runtime::__private::Unchecked;
/// static M: Unchecked = Unchecked::new();
/// M.with(("GET", 200)).inc_by(2);
/// M.observe(0.25);
/// assert_eq!(M.get(), 0);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Unchecked {
    _private: PhantomData<()>,
}

#[allow(missing_docs)]
impl Unchecked {
    /// A placeholder; `const` so it can sit in a `static`.
    pub const fn new() -> Self {
        Unchecked { _private: PhantomData }
    }
    pub fn with<L>(&self, _labels: L) -> Unchecked {
        *self
    }
    pub fn set<V>(&self, _v: V) {}
    pub fn inc(&self) {}
    pub fn inc_by<V>(&self, _v: V) {}
    pub fn dec(&self) {}
    pub fn add<V>(&self, _v: V) {}
    pub fn sub<V>(&self, _v: V) {}
    pub fn observe<V>(&self, _v: V) {}
    pub fn track(&self) {}
    pub fn start_timer(&self) {}
    pub fn get(&self) -> u64 {
        0
    }
}
