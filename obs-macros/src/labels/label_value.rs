//! `#[derive(LabelValue)]`: a fieldless enum whose variants are a label's fixed set of values.

use super::label_attr;
use crate::ctxt::Ctxt;
use crate::names::snake_case;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::HashMap;
use syn::{Data, DeriveInput, Fields};

pub fn derive_label_value(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut cx = Ctxt::new();
    let ident = &input.ident;
    let mut shape_ok = true;
    let variants = match &input.data {
        Data::Enum(e) => {
            if e.variants.is_empty() {
                cx.error_spanned_by(
                    ident,
                    "a label value enum needs at least one variant; add one per value the label takes",
                );
            }
            e.variants.iter().collect::<Vec<_>>()
        }
        Data::Struct(s) => {
            cx.error_spanned_by(
                s.struct_token,
                "`LabelValue` is derived on a fieldless enum; for a struct of labels derive `obs::Labels`",
            );
            shape_ok = false;
            Vec::new()
        }
        Data::Union(u) => {
            cx.error_spanned_by(
                u.union_token,
                "`LabelValue` is derived on a fieldless enum, not a union; declare `enum Name { A, B }`",
            );
            shape_ok = false;
            Vec::new()
        }
    };
    let mut seen: HashMap<String, ()> = HashMap::new();
    let mut values = Vec::new();
    let mut arms_index = Vec::new();
    let mut arms_str = Vec::new();
    for (i, v) in variants.iter().enumerate() {
        if !matches!(v.fields, Fields::Unit) {
            cx.error_spanned_by(
                &v.fields,
                format!(
                    "label values form a fixed set, so variant `{}` cannot carry data; remove its fields, or use a `String` label",
                    v.ident
                ),
            );
        }
        let rename = label_attr(&mut cx, &v.attrs, "rename");
        let value = rename.as_ref().map_or_else(|| snake_case(&v.ident.to_string()), |l| l.value());
        if value.is_empty() {
            cx.error_spanned_by(
                &rename,
                "an empty label value means \"no label\" to Prometheus; choose a non-empty name",
            );
        } else if seen.insert(value.clone(), ()).is_some() {
            let msg = format!(
                "two variants have the label value `{value}`; give this one another with `#[label(rename = \"...\")]`"
            );
            match &rename {
                Some(l) => cx.error_spanned_by(l, msg),
                None => cx.error_spanned_by(&v.ident, msg),
            }
        }
        let var = &v.ident;
        let i = i as u32;
        // `{ .. }` matches any variant shape, so a data-carrying variant reports only the error above.
        arms_index.push(quote!(Self::#var { .. } => #i,));
        arms_str.push(quote!(Self::#var { .. } => #value,));
        values.push(value);
    }
    let errors = cx.into_compile_errors();
    let (impl_g, ty_g, where_c) = input.generics.split_for_impl();
    let (index_body, with_str_body, stored_body) = if !shape_ok {
        // Fallback for a struct or union: the impl exists so uses do not cascade; the build fails on the error above.
        let fallback = quote!(::core::unreachable!("obs: `LabelValue` derive failed to compile"));
        (fallback.clone(), fallback.clone(), fallback)
    } else if variants.is_empty() {
        (quote!(match *self {}), quote!(match *self {}), quote!(match *self {}))
    } else {
        let str_body = quote!(match self { #(#arms_str)* });
        (
            quote!(match self { #(#arms_index)* }),
            quote!(f(#str_body)),
            quote!(::obs::__private::Cow::Borrowed(#str_body)),
        )
    };
    quote! {
        #errors
        #[automatically_derived]
        impl #impl_g ::obs::__private::LabelValue for #ident #ty_g #where_c {
            const VALUES: ::core::option::Option<&'static [&'static str]> =
                ::core::option::Option::Some(&[#(#values),*]);
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
