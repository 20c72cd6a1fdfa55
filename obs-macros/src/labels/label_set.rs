//! `#[derive(Labels)]`: a struct whose fields are the labels of a metric.

use super::label_attr;
use crate::ctxt::Ctxt;
use crate::names::check_label_name;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

pub fn derive_labels(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut cx = Ctxt::new();
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => named.named.iter().collect::<Vec<_>>(),
            Fields::Unnamed(u) => {
                cx.error_spanned_by(u, "label sets need named fields: each field's name is its label's name; write `struct Route { method: &'static str }`");
                Vec::new()
            }
            Fields::Unit => Vec::new(),
        },
        Data::Enum(e) => {
            cx.error_spanned_by(
                e.enum_token,
                "`Labels` is derived on a struct of labels; for an enum of label values derive `obs::LabelValue`",
            );
            Vec::new()
        }
        Data::Union(u) => {
            cx.error_spanned_by(
                u.union_token,
                "`Labels` is derived on a struct with named fields, not a union; declare `struct Name { label: Type }`",
            );
            Vec::new()
        }
    };

    let mut seen: HashMap<String, proc_macro2::Span> = HashMap::new();
    let mut names = Vec::new();
    let fields: Vec<(&syn::Field, &syn::Ident)> =
        fields.iter().filter_map(|f| f.ident.as_ref().map(|i| (*f, i))).collect();
    for (f, ident) in &fields {
        let rename = label_attr(&mut cx, &f.attrs, "name");
        let name = rename.as_ref().map_or_else(|| ident.to_string().trim_start_matches("r#").to_owned(), |l| l.value());
        let span = rename.as_ref().map_or(ident.span(), |l| l.span());
        if let Err(msg) = check_label_name(&name) {
            cx.error_at(span, msg);
        } else if seen.insert(name.clone(), span).is_some() {
            cx.error_at(span, format!("duplicate label `{name}`: another field already has this label name; rename one with `#[label(name = \"...\")]`"));
        }
        names.push(name);
    }

    let ident = &input.ident;
    let (impl_g, ty_g, where_c) = input.generics.split_for_impl();
    let n = fields.len();
    let mut descs = Vec::new();
    let mut index = Vec::new();
    let mut hash = Vec::new();
    let mut matches = Vec::new();
    let mut stored = Vec::new();
    for (i, ((f, field), name)) in fields.iter().zip(&names).enumerate() {
        let ty = &f.ty;
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
    let errors = cx.into_compile_errors();
    quote! {
        #errors
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
