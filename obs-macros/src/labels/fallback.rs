//! What the label derives emit when the input has errors: the errors, plus an impl, so the user's uses of the
//! type do not cascade. A label set's impl is the expansion of what validated (invalid names stay, the build
//! fails on them anyway); a `LabelValue` derived on a struct or union gets a stand-in impl that is never run.

use super::expand::impl_label_value;
use proc_macro2::TokenStream;
use quote::quote;

pub fn emit(errors: TokenStream, expansion: TokenStream) -> TokenStream {
    quote! {
        #errors
        #expansion
    }
}

/// A `LabelValue` impl for an input that is not an enum; the build fails on the error emitted beside it.
pub fn label_value_stand_in(input: &syn::DeriveInput) -> TokenStream {
    let body = quote!(::core::unreachable!("obs: `LabelValue` derive failed to compile"));
    impl_label_value(input, quote!(&[]), body.clone(), body.clone(), body)
}
