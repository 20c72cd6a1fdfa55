//! `#[metric(kind, labels = ..., ...)]`: parse → validate → expand, with a fallback on error.

mod ast;
mod expand;
mod fallback;
mod valid;

use crate::ctxt::Ctxt;
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::Item;

pub fn metric(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let args = ast::parse_args(&mut cx, attr);
    let parsed: Item = match syn::parse2(item.clone()) {
        Ok(i) => i,
        Err(e) => {
            cx.syn_error(e);
            return fallback::emit(cx.into_compile_errors(), item, None);
        }
    };
    let s = match &parsed {
        Item::Struct(s) => s,
        Item::Enum(e) => {
            cx.error_spanned_by(
                e.enum_token,
                "`#[metric]` goes on a unit struct, not an enum: declare `struct Name;` and put the variants in a `#[derive(obs::LabelValue)]` enum used as a label",
            );
            return fallback::emit(cx.into_compile_errors(), item, None);
        }
        Item::Union(u) => {
            cx.error_spanned_by(
                u.union_token,
                "`#[metric]` goes on a unit struct, not a union: declare `struct Name;`",
            );
            return fallback::emit(cx.into_compile_errors(), item, None);
        }
        other => {
            cx.error_spanned_by(other, "`#[metric]` goes on a unit struct: declare `struct Name;`");
            return fallback::emit(cx.into_compile_errors(), item, None);
        }
    };
    let mut expandable = true;
    if !s.generics.params.is_empty() || s.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &s.generics,
            "a metric struct cannot be generic: each declaration is one metric family with one storage; remove the generic parameters",
        );
        expandable = false;
    }
    if !matches!(s.fields, syn::Fields::Unit) {
        cx.error_spanned_by(
            &s.fields,
            format!("a metric is declared on a unit struct; remove the fields: `struct {};`", s.ident),
        );
        expandable = false;
    }
    let Some((kind, _)) = args.kind else {
        // An unknown kind was already reported on its token; say nothing twice.
        if !args.kind_reported {
            cx.error_at(
                ast::call_site(),
                "missing metric kind: write `#[metric(counter)]`, `#[metric(gauge)]`, `#[metric(histogram)]` or `#[metric(info)]`",
            );
        }
        let stand_in = expandable.then(|| fallback::unchecked(&s.ident));
        return fallback::emit(cx.into_compile_errors(), s.to_token_stream(), stand_in);
    };
    let help = ast::help_from_docs(&s.attrs);
    let model = valid::validate(&mut cx, args, kind, &s.ident, &s.vis, help);
    let expansion = expand::expand(&model);
    match cx.check() {
        Ok(()) => quote::quote! {
            #s
            #expansion
        },
        Err(errors) => fallback::emit(errors, s.to_token_stream(), expandable.then_some(expansion)),
    }
}
