//! Label values and label sets.
//!
//! A label set whose values all come from fixed sets (enums deriving `LabelValue`, `bool`) maps to a dense index
//! computed from the discriminants, so writing to it needs no hashing. Any other value (strings, integers) makes
//! the set dynamic: it is looked up in a concurrent map by its string form.

use std::borrow::Cow;
use std::hash::Hasher;

/// One label's name and, when it is fixed at compile time, its possible values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelDesc {
    /// The Prometheus label name.
    pub name: &'static str,
    /// Every value the label can take, in index order, or `None` for dynamic values.
    pub values: Option<&'static [&'static str]>,
}

/// A type usable as a label value.
///
/// Derive it for fieldless enums with `#[derive(obs::LabelValue)]`; it is implemented for `&str`, `String`,
/// `Cow<str>`, the integer types and `bool`.
///
/// ```
/// use obs_runtime::LabelValue;
/// assert_eq!(<bool as LabelValue>::VALUES, Some(&["false", "true"][..]));
/// assert_eq!(true.index(), 1);
/// assert_eq!(42u16.with_str(|s| s.to_owned()), "42");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a label value",
    label = "not a label value",
    note = "derive `obs::LabelValue` on a fieldless enum, or use `&'static str`, `String`, `Cow<'static, str>`, an integer or `bool`"
)]
pub trait LabelValue {
    /// Every value in index order, when the set is fixed at compile time.
    const VALUES: Option<&'static [&'static str]> = None;

    /// Position of `self` in [`Self::VALUES`]; unused for dynamic values.
    #[inline(always)]
    fn index(&self) -> u32 {
        0
    }

    /// Calls `f` with the value as it is exposed, without allocating.
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R;

    /// The value as stored in a series key.
    fn to_stored(&self) -> Cow<'static, str> {
        self.with_str(|s| Cow::Owned(s.to_owned()))
    }
}

impl LabelValue for &str {
    #[inline]
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(self)
    }
}

impl LabelValue for String {
    #[inline]
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(self)
    }
}

impl LabelValue for Cow<'static, str> {
    #[inline]
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(self)
    }
    fn to_stored(&self) -> Cow<'static, str> {
        self.clone()
    }
}

impl LabelValue for bool {
    const VALUES: Option<&'static [&'static str]> = Some(&["false", "true"]);
    #[inline(always)]
    fn index(&self) -> u32 {
        *self as u32
    }
    #[inline]
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(if *self { "true" } else { "false" })
    }
    fn to_stored(&self) -> Cow<'static, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

macro_rules! int_label_value {
    ($($t:ty)*) => {$(
        impl LabelValue for $t {
            #[inline]
            fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
                f(itoa::Buffer::new().format(*self))
            }
        }
    )*};
}
int_label_value!(u8 u16 u32 u64 u128 usize i8 i16 i32 i64 i128 isize);

/// A struct of labels; derive it with `#[derive(obs::Labels)]`.
///
/// `()` is the empty label set, used by metrics declared without `labels`.
///
/// ```
/// use obs_runtime::LabelSet;
/// assert_eq!(<() as LabelSet>::FIXED, Some(1));
/// assert!(<() as LabelSet>::LABELS.is_empty());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a label set",
    label = "not a label set",
    note = "add `#[derive(obs::Labels)]` to the struct named in `labels = ...`"
)]
pub trait LabelSet {
    /// The labels, in declaration order.
    const LABELS: &'static [LabelDesc];
    /// The number of distinct label sets when every label is fixed, else `None`.
    const FIXED: Option<u32>;

    /// Dense index of this label set; meaningful only when [`Self::FIXED`] is `Some`.
    fn fixed_index(&self) -> u32;
    /// Feeds each value's string form to `h`, one [`hash_str`] per label, in declaration order.
    fn hash_values<H: Hasher>(&self, h: &mut H);
    /// Whether the stored key holds exactly these values.
    fn matches(&self, stored: &[Cow<'static, str>]) -> bool;
    /// The values as a stored key.
    fn to_stored(&self) -> Box<[Cow<'static, str>]>;
}

impl LabelSet for () {
    const LABELS: &'static [LabelDesc] = &[];
    const FIXED: Option<u32> = Some(1);
    #[inline(always)]
    fn fixed_index(&self) -> u32 {
        0
    }
    fn hash_values<H: Hasher>(&self, _: &mut H) {}
    fn matches(&self, stored: &[Cow<'static, str>]) -> bool {
        stored.is_empty()
    }
    fn to_stored(&self) -> Box<[Cow<'static, str>]> {
        Box::new([])
    }
}

/// Hashes one value's string form; the derive and the map agree on this encoding.
#[inline]
pub fn hash_str<H: Hasher>(h: &mut H, s: &str) {
    h.write(s.as_bytes());
    h.write_u8(0xff); // not valid UTF-8, so ("ab","c") and ("a","bc") differ
}

/// The number of values of a fixed label type, or 1 for a dynamic one (used in dense index arithmetic).
pub const fn cardinality(values: Option<&'static [&'static str]>) -> u32 {
    match values {
        Some(v) => v.len() as u32,
        None => 1,
    }
}

/// The number of dense label sets, or `None` if any label is dynamic or the product overflows.
pub const fn fixed_product(labels: &[LabelDesc]) -> Option<u32> {
    let mut n: u32 = 1;
    let mut i = 0;
    while i < labels.len() {
        match labels[i].values {
            Some(v) => match n.checked_mul(v.len() as u32) {
                Some(m) => n = m,
                None => return None,
            },
            None => return None,
        }
        i += 1;
    }
    Some(n)
}

/// The label values of dense index `index`, by mixed-radix decomposition in declaration order.
pub(crate) fn fixed_values(labels: &[LabelDesc], mut index: u32) -> Vec<&'static str> {
    let mut out = vec![""; labels.len()];
    for (slot, l) in out.iter_mut().zip(labels).rev() {
        let values = l.values.unwrap_or(&[]);
        let n = values.len() as u32;
        if n > 0 {
            *slot = values[(index % n) as usize];
            index /= n;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_radix_round_trips() {
        const A: &[&str] = &["a0", "a1", "a2"];
        const B: &[&str] = &["b0", "b1"];
        let labels = [LabelDesc { name: "a", values: Some(A) }, LabelDesc { name: "b", values: Some(B) }];
        assert_eq!(fixed_product(&labels), Some(6));
        // index = a * |B| + b
        assert_eq!(fixed_values(&labels, 0), ["a0", "b0"]);
        assert_eq!(fixed_values(&labels, 3), ["a1", "b1"]);
        assert_eq!(fixed_values(&labels, 5), ["a2", "b1"]);
    }
}
