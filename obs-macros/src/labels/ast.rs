//! The typed model of a label derive's input, as written: the struct's fields or the enum's variants, each with
//! its `#[label(..)]` value and its syn node for spans.

use crate::ctxt::Ctxt;
use proc_macro2::TokenStream;
use syn::{Attribute, Data, DeriveInput, Field, Fields, Ident, LitStr, Variant};

/// The input item; a parse error is recorded (rustc has parsed it already, so this is not expected).
pub fn parse_input(cx: &mut Ctxt, tokens: TokenStream) -> Option<DeriveInput> {
    syn::parse2(tokens).map_err(|e| cx.syn_error(e)).ok()
}

/// One field of a `#[derive(Labels)]` struct.
pub struct LabelField<'a> {
    pub field: &'a Field,
    pub ident: &'a Ident,
    /// `#[label(name = "...")]`.
    pub rename: Option<LitStr>,
}

/// The named fields of a `#[derive(Labels)]` struct; any other shape is reported, and gives no fields.
pub fn label_fields<'a>(cx: &mut Ctxt, input: &'a DeriveInput) -> Vec<LabelField<'a>> {
    let fields: Vec<&Field> = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => named.named.iter().collect(),
            Fields::Unnamed(u) => {
                cx.error_spanned_by(
                    u,
                    "label sets need named fields: each field's name is its label's name; write `struct Route { method: &'static str }`",
                );
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
    fields
        .into_iter()
        .filter_map(|field| {
            let ident = field.ident.as_ref()?;
            Some(LabelField { field, ident, rename: label_attr(cx, &field.attrs, "name") })
        })
        .collect()
}

/// One variant of a `#[derive(LabelValue)]` enum.
pub struct LabelVariant<'a> {
    pub variant: &'a Variant,
    /// `#[label(rename = "...")]`.
    pub rename: Option<LitStr>,
}

/// The variants of a `#[derive(LabelValue)]` enum; `None` (reported) when the input is not an enum.
pub fn label_variants<'a>(cx: &mut Ctxt, input: &'a DeriveInput) -> Option<Vec<LabelVariant<'a>>> {
    match &input.data {
        Data::Enum(e) => Some(
            e.variants
                .iter()
                .map(|variant| LabelVariant { variant, rename: label_attr(cx, &variant.attrs, "rename") })
                .collect(),
        ),
        Data::Struct(s) => {
            cx.error_spanned_by(
                s.struct_token,
                "`LabelValue` is derived on a fieldless enum; for a struct of labels derive `obs::Labels`",
            );
            None
        }
        Data::Union(u) => {
            cx.error_spanned_by(
                u.union_token,
                "`LabelValue` is derived on a fieldless enum, not a union; declare `enum Name { A, B }`",
            );
            None
        }
    }
}

/// Reads `#[label(<key> = "...")]` attributes, reporting any other key.
fn label_attr(cx: &mut Ctxt, attrs: &[Attribute], key: &str) -> Option<LitStr> {
    let mut found: Option<LitStr> = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("label")) {
        let r = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(key) {
                let lit: LitStr = meta.value()?.parse()?;
                if found.is_some() {
                    cx.error_spanned_by(&meta.path, format!("duplicate `{key}`; give it once"));
                } else {
                    found = Some(lit);
                }
            } else {
                let got = meta.path.get_ident().map_or_else(|| "?".to_owned(), |i| i.to_string());
                cx.error_spanned_by(
                    &meta.path,
                    format!("unknown option `{got}` in `#[label]`; expected `{key} = \"...\"`"),
                );
                if meta.input.peek(syn::Token![=]) {
                    meta.value()?.parse::<syn::Expr>()?;
                }
            }
            Ok(())
        });
        if let Err(e) = r {
            cx.syn_error(e);
        }
    }
    found
}
