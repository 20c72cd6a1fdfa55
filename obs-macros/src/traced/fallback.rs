//! What `#[traced]` emits when the attribute has errors: the errors, plus the item exactly as written, so the
//! function still exists with its signature and its callers do not cascade into unrelated errors.

use proc_macro2::TokenStream;
use quote::quote;

pub fn emit(errors: TokenStream, item: TokenStream) -> TokenStream {
    quote! {
        #errors
        #item
    }
}
