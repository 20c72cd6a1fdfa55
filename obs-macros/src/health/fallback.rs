//! What `#[health_check]` emits when the declaration has errors: the errors, plus the item as written (its body
//! as tokens when it does not parse), so its callers do not cascade and rustc reports a typo in the body itself.

use proc_macro2::TokenStream;
use quote::quote;

pub fn emit(errors: TokenStream, item: TokenStream) -> TokenStream {
    quote! {
        #errors
        #item
    }
}
