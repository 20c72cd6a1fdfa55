//! Code generation for the label derives, from a validated model only. Generated code names only
//! `::obs::__private::…` and `::core::…`.

use super::valid::{LabelSetModel, LabelValueModel};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

/// `impl LabelSet`: a dense index when every label is fixed, hashing and matching otherwise.
pub fn label_set(m: &LabelSetModel<'_>) -> TokenStream {
    let ident = &m.input.ident;
    let (impl_g, ty_g, where_c) = m.input.generics.split_for_impl();
    let n = m.fields.len();
    let mut descs = Vec::new();
    let mut index = Vec::new();
    let mut hash = Vec::new();
    let mut matches = Vec::new();
    let mut stored = Vec::new();
    for (i, (field, ty, name)) in m.fields.iter().enumerate() {
        // Every use of the field's type is spanned on it: a type that is not a label value is reported there.
        let lv = quote_spanned!(ty.span()=> <#ty as ::obs::__private::LabelValue>);
        descs.push(quote_spanned!(ty.span()=> ::obs::__private::LabelDesc { name: #name, values: #lv::VALUES }));
        index.push(quote_spanned!(ty.span()=>
            __obs_i = __obs_i * ::obs::__private::cardinality(#lv::VALUES) + #lv::index(&self.#field);
        ));
        hash.push(quote_spanned!(ty.span()=>
            #lv::with_str(&self.#field, |__obs_s| ::obs::__private::hash_str(__obs_h, __obs_s));
        ));
        matches
            .push(quote_spanned!(ty.span()=> && #lv::with_str(&self.#field, |__obs_s| __obs_s == &*__obs_stored[#i])));
        stored.push(quote_spanned!(ty.span()=> #lv::to_stored(&self.#field)));
    }
    quote! {
        #[automatically_derived]
        impl #impl_g ::obs::__private::LabelSet for #ident #ty_g #where_c {
            const LABELS: &'static [::obs::__private::LabelDesc] = &[#(#descs),*];
            const FIXED: ::core::option::Option<u32> = ::obs::__private::fixed_product(Self::LABELS);
            #[inline(always)]
            fn fixed_index(&self) -> u32 {
                #[allow(unused_mut)]
                let mut __obs_i: u32 = 0;
                #(#index)*
                __obs_i
            }
            #[inline]
            fn hash_values<__ObsH: ::core::hash::Hasher>(&self, __obs_h: &mut __ObsH) {
                #(#hash)*
            }
            #[inline]
            fn matches(&self, __obs_stored: &[::obs::__private::Cow<'static, str>]) -> bool {
                __obs_stored.len() == #n #(#matches)*
            }
            fn to_stored(&self) -> ::obs::__private::Box<[::obs::__private::Cow<'static, str>]> {
                ::obs::__private::Box::new([#(#stored),*])
            }
        }
    }
}

/// `impl LabelValue` for a fieldless enum: the variant's index and its label value.
pub fn label_value(m: &LabelValueModel<'_>) -> TokenStream {
    let values = m.variants.iter().map(|(_, v)| v);
    let (index_body, with_str_body, stored_body) = if m.variants.is_empty() {
        (quote!(match *self {}), quote!(match *self {}), quote!(match *self {}))
    } else {
        // `{ .. }` matches any variant shape, so a data-carrying variant reports only its own error.
        let arms_index = m.variants.iter().enumerate().map(|(i, (var, _))| {
            let i = i as u32;
            quote!(Self::#var { .. } => #i,)
        });
        let arms_str = m.variants.iter().map(|(var, value)| quote!(Self::#var { .. } => #value,));
        let str_body = quote!(match self { #(#arms_str)* });
        (
            quote!(match self { #(#arms_index)* }),
            quote!(f(#str_body)),
            quote!(::obs::__private::Cow::Borrowed(#str_body)),
        )
    };
    impl_label_value(m.input, quote!(&[#(#values),*]), index_body, with_str_body, stored_body)
}

/// The `impl LabelValue` shell, shared with the fallback.
pub fn impl_label_value(
    input: &syn::DeriveInput,
    values: TokenStream,
    index_body: TokenStream,
    with_str_body: TokenStream,
    stored_body: TokenStream,
) -> TokenStream {
    let ident = &input.ident;
    let (impl_g, ty_g, where_c) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_g ::obs::__private::LabelValue for #ident #ty_g #where_c {
            const VALUES: ::core::option::Option<&'static [&'static str]> =
                ::core::option::Option::Some(#values);
            #[inline(always)]
            fn index(&self) -> u32 {
                #index_body
            }
            #[inline]
            fn with_str<__ObsR>(&self, f: impl ::core::ops::FnOnce(&str) -> __ObsR) -> __ObsR {
                #with_str_body
            }
            fn to_stored(&self) -> ::obs::__private::Cow<'static, str> {
                #stored_body
            }
        }
    }
}
