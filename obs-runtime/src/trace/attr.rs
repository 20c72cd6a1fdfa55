//! Span attribute values, and how `#[traced]` turns an argument into one: numbers, booleans and strings keep
//! their type; anything else that is `Debug` is formatted. The choice is made at compile time (autoref
//! specialisation), and nothing is formatted unless the span is sampled.

use std::borrow::Cow;
use std::fmt::Debug;

/// The value of a span attribute.
///
/// ```
/// use obs_runtime::trace::AttrValue;
/// assert_eq!(AttrValue::I64(42).to_string(), "42");
/// assert_eq!(AttrValue::Str("eu-west".into()).to_string(), "eu-west");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    I64(i64),
    /// A float.
    F64(f64),
    /// A string.
    Str(Cow<'static, str>),
}

impl std::fmt::Display for AttrValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttrValue::Bool(b) => write!(f, "{b}"),
            AttrValue::I64(i) => write!(f, "{i}"),
            AttrValue::F64(x) => write!(f, "{x}"),
            AttrValue::Str(s) => f.write_str(s),
        }
    }
}

/// Types recorded with their own type rather than formatted.
///
/// ```
/// use obs_runtime::trace::{AttrValue, ToAttrValue};
/// assert_eq!(7u8.to_attr_value(), AttrValue::I64(7));
/// assert_eq!(true.to_attr_value(), AttrValue::Bool(true));
/// assert_eq!("eu".to_attr_value(), AttrValue::Str("eu".into()));
/// assert_eq!(u64::MAX.to_attr_value(), AttrValue::Str(u64::MAX.to_string().into()));
/// ```
pub trait ToAttrValue {
    /// The attribute value.
    fn to_attr_value(&self) -> AttrValue;
}

macro_rules! int_attr {
    ($($t:ty),*) => {$(
        impl ToAttrValue for $t {
            fn to_attr_value(&self) -> AttrValue {
                AttrValue::I64(*self as i64)
            }
        }
    )*};
}
int_attr!(i8, i16, i32, i64, isize, u8, u16, u32);

macro_rules! wide_attr {
    ($($t:ty),*) => {$(
        impl ToAttrValue for $t {
            fn to_attr_value(&self) -> AttrValue {
                match i64::try_from(*self) {
                    Ok(v) => AttrValue::I64(v),
                    Err(_) => AttrValue::Str(self.to_string().into()),
                }
            }
        }
    )*};
}
wide_attr!(u64, usize, i128, u128);

impl ToAttrValue for f64 {
    fn to_attr_value(&self) -> AttrValue {
        AttrValue::F64(*self)
    }
}
impl ToAttrValue for f32 {
    fn to_attr_value(&self) -> AttrValue {
        AttrValue::F64(*self as f64)
    }
}
impl ToAttrValue for bool {
    fn to_attr_value(&self) -> AttrValue {
        AttrValue::Bool(*self)
    }
}
impl ToAttrValue for str {
    fn to_attr_value(&self) -> AttrValue {
        AttrValue::Str(self.to_owned().into())
    }
}
impl ToAttrValue for String {
    fn to_attr_value(&self) -> AttrValue {
        AttrValue::Str(self.clone().into())
    }
}
impl ToAttrValue for Cow<'_, str> {
    fn to_attr_value(&self) -> AttrValue {
        AttrValue::Str(self.to_string().into())
    }
}
impl<T: ToAttrValue + ?Sized> ToAttrValue for &T {
    fn to_attr_value(&self) -> AttrValue {
        (**self).to_attr_value()
    }
}
impl<T: ToAttrValue + ?Sized> ToAttrValue for &mut T {
    fn to_attr_value(&self) -> AttrValue {
        (**self).to_attr_value()
    }
}

#[doc(hidden)]
pub struct AttrProbe<'a, T: ?Sized>(pub &'a T);

#[doc(hidden)]
pub trait AttrTyped {
    fn __obs_attr(&self) -> AttrValue;
}

impl<T: ToAttrValue + ?Sized> AttrTyped for AttrProbe<'_, T> {
    #[inline]
    fn __obs_attr(&self) -> AttrValue {
        self.0.to_attr_value()
    }
}

#[doc(hidden)]
pub trait AttrDebug {
    fn __obs_attr(&self) -> AttrValue;
}

impl<T: Debug + ?Sized> AttrDebug for &AttrProbe<'_, T> {
    #[inline]
    fn __obs_attr(&self) -> AttrValue {
        AttrValue::Str(format!("{:?}", self.0).into())
    }
}
