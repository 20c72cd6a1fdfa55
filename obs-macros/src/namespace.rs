//! `obs::namespace!("shop")`: a crate-wide prefix for the crate's metric names.

use crate::names::check_metric_name;
use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

pub fn namespace(input: TokenStream) -> TokenStream {
    let lit: LitStr = match syn::parse2(input) {
        Ok(l) => l,
        Err(e) => {
            return syn::Error::new(e.span(), "expected a string literal: `obs::namespace!(\"myservice\");`")
                .to_compile_error()
        }
    };
    if let Err(msg) = check_metric_name(&lit.value(), "namespace") {
        return syn::Error::new_spanned(&lit, msg).to_compile_error();
    }
    let location = crate::common::location(lit.span());
    quote! {
        ::obs::__private::inventory::submit! {
            ::obs::__private::Declaration::Namespace(::obs::__private::NamespaceDecl {
                crate_ident: ::obs::__private::crate_info!().ident,
                namespace: #lit,
                location: #location,
            })
        }
    }
}
