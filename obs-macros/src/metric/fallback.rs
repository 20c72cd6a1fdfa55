//! What `#[metric]` emits when the declaration has errors: the errors, plus the item itself, so the user's other
//! uses of the type do not cascade. When the kind is known (or guessed from a misspelling), the expansion is
//! emitted too, from a model whose invalid parts were replaced by defaults, so `.inc()` and `.with(..)` keep
//! resolving; when it is not, the struct dereferences to `Unchecked`, which accepts every metric method.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Ident;

pub fn emit(errors: TokenStream, item: TokenStream, expansion: Option<TokenStream>) -> TokenStream {
    quote! {
        #errors
        #item
        #expansion
    }
}

/// The stand-in expansion of a metric whose kind is unknown.
pub fn unchecked(ident: &Ident) -> TokenStream {
    quote! {
        const _: () = {
            static __OBS_UNCHECKED: ::obs::__private::Unchecked = ::obs::__private::Unchecked::new();
            #[automatically_derived]
            impl ::core::ops::Deref for #ident {
                type Target = ::obs::__private::Unchecked;
                #[inline(always)]
                fn deref(&self) -> &Self::Target {
                    &__OBS_UNCHECKED
                }
            }
        };
    }
}
