//! What `#[metric]` emits when the declaration has errors: the errors, plus the item itself, so the user's other
//! uses of the type do not cascade. When the kind is known, the expansion is emitted too, from a model whose
//! invalid parts were replaced by defaults, so `.inc()` and `.with(..)` keep resolving.

use proc_macro2::TokenStream;
use quote::quote;

pub fn emit(errors: TokenStream, item: TokenStream, expansion: Option<TokenStream>) -> TokenStream {
    quote! {
        #errors
        #item
        #expansion
    }
}
