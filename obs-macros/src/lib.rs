//! Procedural macros of `obs`. Use them through the `obs` crate, which re-exports them; generated code refers to
//! `::obs::__private` only.
//!
//! Each macro is split by stage, after thiserror and serde_derive: parse (`ast`), validate (`valid`), expand
//! (`expand`), and a fallback that still emits the item when there are errors, so no cascade follows.

mod common;
mod ctxt;
mod health;
mod item;
mod labels;
mod metric;
mod names;
mod namespace;
mod traced;

use proc_macro::TokenStream;

/// Declares a metric family on a unit struct. See the `obs` crate for the options.
#[proc_macro_attribute]
pub fn metric(attr: TokenStream, item: TokenStream) -> TokenStream {
    metric::metric(attr.into(), item.into()).into()
}

/// Derives `LabelSet` for a struct whose named fields are a metric's labels.
#[proc_macro_derive(Labels, attributes(label))]
pub fn derive_labels(input: TokenStream) -> TokenStream {
    labels::derive_labels(input.into()).into()
}

/// Derives `LabelValue` for a fieldless enum: a label with a fixed set of values.
#[proc_macro_derive(LabelValue, attributes(label))]
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    labels::derive_label_value(input.into()).into()
}

/// Sets the namespace prefix of every metric declared in the calling crate.
#[proc_macro]
pub fn namespace(input: TokenStream) -> TokenStream {
    namespace::namespace(input.into()).into()
}

/// Instruments a function (sync or async) with a span and RED metrics. See the `obs` crate.
#[proc_macro_attribute]
pub fn traced(attr: TokenStream, item: TokenStream) -> TokenStream {
    traced::traced(attr.into(), item.into()).into()
}

/// Declares a health check run in the background by the runtime. See the `obs` crate.
#[proc_macro_attribute]
pub fn health_check(attr: TokenStream, item: TokenStream) -> TokenStream {
    health::health_check(attr.into(), item.into()).into()
}
