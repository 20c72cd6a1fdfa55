//! Label values and label sets.
//!
//! A label set whose values all come from fixed sets (enums deriving `LabelValue`, `bool`) maps to a dense index
//! computed from the discriminants, so writing to it needs no hashing. Any other value (strings, integers) makes
//! the set dynamic: it is looked up in a concurrent map by its string form.

use crate::bytes::put;
use std::borrow::Cow;
use std::hash::Hasher;
use std::mem::MaybeUninit;
use std::sync::OnceLock;

/// One label's name and, when it is fixed at compile time, its possible values.
///
/// ```
/// use obs_runtime::LabelDesc;
/// let method = LabelDesc { name: "method", values: Some(&["get", "post"]) };
/// let user = LabelDesc { name: "user", values: None }; // dynamic: any string
/// assert_eq!(method.values.map(<[_]>::len), Some(2));
/// assert!(user.values.is_none());
/// ```
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
    ///
    /// ```
    /// use obs_runtime::LabelValue;
    /// assert_eq!(<bool as LabelValue>::VALUES, Some(&["false", "true"][..]));
    /// assert_eq!(<&str as LabelValue>::VALUES, None); // dynamic
    /// ```
    const VALUES: Option<&'static [&'static str]> = None;

    /// Position of `self` in [`Self::VALUES`]; unused for dynamic values.
    ///
    /// ```
    /// use obs_runtime::LabelValue;
    /// assert_eq!(false.index(), 0);
    /// assert_eq!(true.index(), 1);
    /// ```
    #[inline(always)]
    fn index(&self) -> u32 {
        0
    }

    /// Calls `f` with the value as it is exposed, without allocating.
    ///
    /// ```
    /// use obs_runtime::LabelValue;
    /// assert_eq!((-7i32).with_str(str::len), 2);
    /// assert_eq!(true.with_str(|s| s.to_uppercase()), "TRUE");
    /// ```
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R;

    /// The value as stored in a series key.
    ///
    /// ```
    /// use obs_runtime::LabelValue;
    /// use std::borrow::Cow;
    /// assert_eq!(404u16.to_stored(), "404");
    /// assert!(matches!(true.to_stored(), Cow::Borrowed("true"))); // fixed values are not allocated
    /// ```
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
    ///
    /// ```standalone_crate
    /// # extern crate obs_runtime as obs;
    /// use obs_runtime::LabelSet;
    /// #[derive(obs_macros::Labels)]
    /// struct Route {
    ///     method: &'static str,
    ///     status: u16,
    /// }
    /// let names: Vec<&str> = Route::LABELS.iter().map(|l| l.name).collect();
    /// assert_eq!(names, ["method", "status"]);
    /// ```
    const LABELS: &'static [LabelDesc];
    /// The number of distinct label sets when every label is fixed, else `None`.
    ///
    /// ```
    /// use obs_runtime::LabelSet;
    /// assert_eq!(<() as LabelSet>::FIXED, Some(1)); // one series, no labels
    /// ```
    const FIXED: Option<u32>;

    /// Dense index of this label set; meaningful only when [`Self::FIXED`] is `Some`.
    ///
    /// ```
    /// use obs_runtime::LabelSet;
    /// assert_eq!(().fixed_index(), 0);
    /// ```
    fn fixed_index(&self) -> u32;
    /// Feeds each value's string form to `h`, one [`hash_str`] per label, in declaration order.
    ///
    /// What this writes is also the key a dynamic series is stored and compared under, so it must be exactly
    /// that (the derive's is); a label set whose bytes are not one value and one separator per label is refused:
    /// its increments go to the overflow series, counted with `reason="invalid_label_set"`.
    ///
    /// ```standalone_crate
    /// # extern crate obs_runtime as obs;
    /// use obs_runtime::LabelSet;
    /// use std::collections::hash_map::DefaultHasher;
    /// use std::hash::Hasher;
    /// #[derive(obs_macros::Labels)]
    /// struct User {
    ///     user: &'static str,
    /// }
    /// let hash = |u: User| {
    ///     let mut h = DefaultHasher::new();
    ///     u.hash_values(&mut h);
    ///     h.finish()
    /// };
    /// assert_eq!(hash(User { user: "ann" }), hash(User { user: "ann" }));
    /// assert_ne!(hash(User { user: "ann" }), hash(User { user: "bob" }));
    /// ```
    fn hash_values<H: Hasher>(&self, h: &mut H);
    /// Whether the stored key holds exactly these values.
    ///
    /// ```standalone_crate
    /// # extern crate obs_runtime as obs;
    /// use obs_runtime::LabelSet;
    /// #[derive(obs_macros::Labels)]
    /// struct User {
    ///     user: &'static str,
    /// }
    /// let stored = User { user: "ann" }.to_stored();
    /// assert!(User { user: "ann" }.matches(&stored));
    /// assert!(!User { user: "bob" }.matches(&stored));
    /// ```
    fn matches(&self, stored: &[Cow<'static, str>]) -> bool;
    /// The values as a stored key.
    ///
    /// ```standalone_crate
    /// # extern crate obs_runtime as obs;
    /// use obs_runtime::LabelSet;
    /// #[derive(obs_macros::Labels)]
    /// struct Route {
    ///     method: &'static str,
    ///     status: u16,
    /// }
    /// assert_eq!(*Route { method: "GET", status: 200 }.to_stored(), ["GET", "200"]);
    /// ```
    fn to_stored(&self) -> Box<[Cow<'static, str>]>;
}

/// A [`LabelSet`] impl for obs' own label structs, which cannot use the derive (the build without default features
/// does not depend on obs-macros): each value is hashed, compared and stored as the trait asks (one [`hash_str`]
/// per label, in order), through the value's own [`LabelValue`] impl, as the derive's impls do. Only for structs with
/// a free-form label (a check's or a metric's name), which no family of fixed size has.
macro_rules! label_set {
    ($ty:ident { $($field:ident: $label:expr),* $(,)? }) => {
        impl $crate::LabelSet for $ty {
            const LABELS: &'static [$crate::LabelDesc] = &[$($label),*];
            const FIXED: Option<u32> = None;
            fn fixed_index(&self) -> u32 {
                0
            }
            fn hash_values<H: ::std::hash::Hasher>(&self, h: &mut H) {
                $($crate::LabelValue::with_str(&self.$field, |s| $crate::hash_str(h, s));)*
            }
            fn matches(&self, stored: &[::std::borrow::Cow<'static, str>]) -> bool {
                let mut i = 0;
                stored.len() == Self::LABELS.len()
                    $(&& { i += 1; $crate::LabelValue::with_str(&self.$field, |s| s == &*stored[i - 1]) })*
            }
            fn to_stored(&self) -> Box<[::std::borrow::Cow<'static, str>]> {
                Box::new([$($crate::LabelValue::to_stored(&self.$field)),*])
            }
        }
    };
}
pub(crate) use label_set;

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
///
/// ```
/// use std::collections::hash_map::DefaultHasher;
/// use std::hash::Hasher;
/// let (mut a, mut b) = (DefaultHasher::new(), DefaultHasher::new());
/// obs_runtime::hash_str(&mut a, "ab");
/// obs_runtime::hash_str(&mut a, "c");
/// obs_runtime::hash_str(&mut b, "a");
/// obs_runtime::hash_str(&mut b, "bc");
/// assert_ne!(a.finish(), b.finish()); // ("ab", "c") and ("a", "bc") differ
/// ```
#[inline]
pub fn hash_str<H: Hasher>(h: &mut H, s: &str) {
    h.write(s.as_bytes());
    h.write_u8(SEP); // not valid UTF-8, so ("ab","c") and ("a","bc") differ
}

/// The separator [`hash_str`] writes after each value.
const SEP: u8 = 0xff;

/// The key a dynamic series is stored and compared under: exactly the bytes [`LabelSet::hash_values`] feeds its
/// hasher, which for a derived label set is each value's bytes followed by `0xff` (see [`hash_str`]).
///
/// One byte string serves the map, the per-thread cache and the exposition, so a lookup compares bytes in place
/// (no slice of strings to chase); the write path collects it once ([`KeyBuf`], or [`encode`] when long) and
/// hashes and compares those bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key(&'static [u8]);

impl Key {
    /// Leaks `bytes` as the key of a label set of `n` labels, if they are `n` valid UTF-8 values each followed by
    /// `0xff` (always so for a derived [`LabelSet`]; a hand-written one that breaks the encoding gets `None`).
    pub(crate) fn new(bytes: Vec<u8>, n: usize) -> Option<Key> {
        if bytes.last().is_some_and(|b| *b != SEP) || (n == 0) != bytes.is_empty() {
            return None;
        }
        let mut segments = 0;
        for v in bytes.split(|b| *b == SEP).take(n) {
            std::str::from_utf8(v).ok()?;
            segments += 1;
        }
        // `split` yields one empty piece after the final separator: `n` values and that piece.
        if segments != n || bytes.iter().filter(|b| **b == SEP).count() != n {
            return None;
        }
        Some(Key(Box::leak(bytes.into_boxed_slice())))
    }

    /// The key's bytes, as `hash_values` wrote them.
    #[inline(always)]
    pub(crate) fn bytes(self) -> &'static [u8] {
        self.0
    }

    /// Value `i`, if the key has that many.
    pub(crate) fn value(self, i: usize) -> Option<&'static str> {
        let v = self.0.split(|b| *b == SEP).nth(i)?;
        // The empty piece after the last separator is not a value.
        if i >= self.0.iter().filter(|b| **b == SEP).count() {
            return None;
        }
        // SAFETY: `Key::new` checked that every value, between separators, is valid UTF-8; a `Key` is made only
        // there.
        Some(unsafe { std::str::from_utf8_unchecked(v) })
    }

    /// Every value, in declaration order.
    pub(crate) fn values(self) -> impl Iterator<Item = &'static str> {
        (0..).map_while(move |i| self.value(i))
    }
}

/// The longest key [`KeyBuf`] collects on the stack; a longer label set (values and separators together) takes
/// a slower path that collects it on the heap ([`encode`]).
const KEY_STACK: usize = 128;

/// The key `hash_values` writes, collected on the stack on the write path: the one generic step of a dynamic
/// label lookup, so the lookup itself (hash, per-thread cache, map) is one function shared by every label type
/// and call site. No destructor and no heap, so a call site has no cleanup to carry.
///
/// The key's hash is taken as the values are written, from the values themselves: hashing the buffer afterwards
/// would load bytes that two stores of different widths just wrote (the value's copy and its separator), which
/// the CPU cannot forward from its store buffer, and that stall was most of a cached lookup's time.
pub(crate) struct KeyBuf {
    /// Bytes written so far; past [`KEY_STACK`], only counted.
    len: usize,
    hasher: foldhash::fast::FoldHasher<'static>,
    buf: [MaybeUninit<u8>; KEY_STACK],
}

/// The seed of every series key's hash: random per process, so label values cannot be chosen to collide.
static KEY_SEED: OnceLock<foldhash::fast::RandomState> = OnceLock::new();

/// A hasher for a series key ([`KeyBuf::hash`]): one seed for every family.
#[inline(always)]
fn key_hasher() -> foldhash::fast::FoldHasher<'static> {
    #[cold]
    #[inline(never)]
    fn init() -> &'static foldhash::fast::RandomState {
        KEY_SEED.get_or_init(Default::default)
    }
    std::hash::BuildHasher::build_hasher(KEY_SEED.get().unwrap_or_else(init))
}

impl KeyBuf {
    #[inline(always)]
    pub(crate) fn new() -> KeyBuf {
        KeyBuf { len: 0, hasher: key_hasher(), buf: [MaybeUninit::uninit(); KEY_STACK] }
    }

    /// The hash of every byte written, including those past [`KEY_STACK`].
    #[inline(always)]
    pub(crate) fn hash(&self) -> u64 {
        self.hasher.finish()
    }

    /// The key's bytes, or `None` if it outgrew the stack.
    #[inline(always)]
    pub(crate) fn bytes(&self) -> Option<&[u8]> {
        // SAFETY: `write` and `write_u8` initialised every byte below `len` while `len <= KEY_STACK`.
        (self.len <= KEY_STACK).then(|| unsafe { std::slice::from_raw_parts(self.buf.as_ptr().cast(), self.len) })
    }
}

impl Hasher for KeyBuf {
    // Inlined, with the short copy: out of line, the two calls a value makes (its bytes, then its separator) and
    // the copy's call to `memcpy` were a quarter of a cached lookup.
    #[inline(always)]
    fn write(&mut self, bytes: &[u8]) {
        self.hasher.write(bytes);
        let end = self.len + bytes.len();
        if end <= KEY_STACK {
            // SAFETY: `len..end` is inside the buffer, and `bytes` cannot overlap it (it is borrowed apart).
            unsafe { put(self.buf.as_mut_ptr().add(self.len).cast(), bytes) };
        }
        self.len = end;
    }
    #[inline(always)]
    fn write_u8(&mut self, b: u8) {
        self.hasher.write_u8(b);
        if self.len < KEY_STACK {
            self.buf[self.len] = MaybeUninit::new(b);
        }
        self.len += 1;
    }
    fn finish(&self) -> u64 {
        0
    }
}

/// The bytes `labels.hash_values` writes, on the heap: the key of a label set too long for [`KeyBuf`] (whose
/// hasher still saw all of it, so its hash serves).
pub(crate) fn encode<L: LabelSet>(labels: &L) -> Vec<u8> {
    struct Writer(Vec<u8>);
    impl Hasher for Writer {
        fn write(&mut self, bytes: &[u8]) {
            self.0.extend_from_slice(bytes);
        }
        fn finish(&self) -> u64 {
            0
        }
    }
    let mut w = Writer(Vec::new());
    labels.hash_values(&mut w);
    w.0
}

/// The number of values of a fixed label type, or 1 for a dynamic one (used in dense index arithmetic).
///
/// ```
/// use obs_runtime::cardinality;
/// assert_eq!(cardinality(Some(&["get", "post", "put"])), 3);
/// assert_eq!(cardinality(None), 1);
/// ```
pub const fn cardinality(values: Option<&'static [&'static str]>) -> u32 {
    match values {
        Some(v) => v.len() as u32,
        None => 1,
    }
}

/// The number of dense label sets, or `None` if any label is dynamic or the product overflows.
///
/// ```
/// use obs_runtime::{fixed_product, LabelDesc};
/// let method = LabelDesc { name: "method", values: Some(&["get", "post", "put"]) };
/// let cached = LabelDesc { name: "cached", values: Some(&["false", "true"]) };
/// let user = LabelDesc { name: "user", values: None };
/// assert_eq!(fixed_product(&[method, cached]), Some(6));
/// assert_eq!(fixed_product(&[method, user]), None);
/// ```
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

    struct Two(&'static str, u16);
    impl LabelSet for Two {
        const LABELS: &'static [LabelDesc] =
            &[LabelDesc { name: "a", values: None }, LabelDesc { name: "b", values: None }];
        const FIXED: Option<u32> = None;
        fn fixed_index(&self) -> u32 {
            0
        }
        fn hash_values<H: Hasher>(&self, h: &mut H) {
            self.0.with_str(|s| hash_str(h, s));
            self.1.with_str(|s| hash_str(h, s));
        }
        fn matches(&self, stored: &[Cow<'static, str>]) -> bool {
            stored.len() == 2 && stored[0] == self.0 && self.1.with_str(|s| s == stored[1])
        }
        fn to_stored(&self) -> Box<[Cow<'static, str>]> {
            Box::new([self.0.to_stored(), self.1.to_stored()])
        }
    }

    #[test]
    fn key_round_trips_and_compares_exactly() {
        let key = Key::new(encode(&Two("ab", 7)), 2).expect("a derived-style encoding");
        assert_eq!(key.bytes(), b"ab\xff7\xff");
        assert_eq!(key.values().collect::<Vec<_>>(), ["ab", "7"]);
        assert_eq!(key.value(2), None);
        // A longer value, a value moved across the separator: different keys.
        assert_ne!(encode(&Two("ab", 70)), key.bytes());
        assert_ne!(encode(&Two("a", 7)), key.bytes());
        let empty = Key::new(encode(&Two("", 0)), 2).unwrap();
        assert_eq!(empty.values().collect::<Vec<_>>(), ["", "0"]);
    }

    #[test]
    fn the_stack_key_is_the_encoding_until_it_outgrows_the_stack() {
        for n in [0, 1, KEY_STACK - 3, KEY_STACK - 2, KEY_STACK - 1, KEY_STACK, 3 * KEY_STACK] {
            let two = Two(Box::leak("x".repeat(n).into_boxed_str()), 7);
            let mut k = KeyBuf::new();
            two.hash_values(&mut k);
            let want = encode(&two);
            assert_eq!(want, [&"x".repeat(n).into_bytes()[..], b"\xff7\xff"].concat());
            // The hash covers the whole key, on the stack or past it: the same label set hashes alike, and a
            // set differing only in its last value does not.
            let hash_of = |labels: &Two| {
                let mut k = KeyBuf::new();
                labels.hash_values(&mut k);
                k.hash()
            };
            assert_eq!(k.hash(), hash_of(&two), "value of {n} bytes");
            assert_ne!(k.hash(), hash_of(&Two(two.0, 8)), "value of {n} bytes");
            // The whole key is `n + 3` bytes: on the stack while it fits.
            assert_eq!(k.bytes(), (n + 3 <= KEY_STACK).then_some(&want[..]), "value of {n} bytes");
        }
    }

    #[test]
    fn key_refuses_bytes_that_are_not_the_encoding() {
        assert!(Key::new(b"ab".to_vec(), 1).is_none(), "no separator");
        assert!(Key::new(b"ab\xff".to_vec(), 2).is_none(), "one value for two labels");
        assert!(Key::new(b"a\xffb\xff".to_vec(), 1).is_none(), "two values for one label");
        assert!(Key::new(vec![0xc3, 0xff], 1).is_none(), "not UTF-8");
        assert!(Key::new(Vec::new(), 0).is_some(), "no labels, no bytes");
        assert!(Key::new(vec![0xff], 0).is_none());
    }

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
