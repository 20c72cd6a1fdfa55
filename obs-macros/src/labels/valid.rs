//! The rules of the label derives: label names follow Prometheus and are unique, label values are non-empty,
//! unique and carry no data. Each failed rule is recorded; the model keeps every field or variant, so the
//! expansion still emits the impl and the user's uses of the type do not cascade.

use super::ast::{LabelField, LabelVariant};
use crate::ctxt::Ctxt;
use crate::names::{check_label_name, snake_case};
use std::collections::HashSet;
use syn::{DeriveInput, Fields, Ident, Type};

/// A validated `#[derive(Labels)]`.
pub struct LabelSetModel<'a> {
    pub input: &'a DeriveInput,
    /// Each field: its name, type and label name.
    pub fields: Vec<(&'a Ident, &'a Type, String)>,
}

pub fn label_set<'a>(cx: &mut Ctxt, input: &'a DeriveInput, fields: Vec<LabelField<'a>>) -> LabelSetModel<'a> {
    let mut seen = HashSet::new();
    let fields = fields
        .into_iter()
        .map(|f| {
            let name = f
                .rename
                .as_ref()
                .map_or_else(|| f.ident.to_string().trim_start_matches("r#").to_owned(), |l| l.value());
            let span = f.rename.as_ref().map_or(f.ident.span(), |l| l.span());
            if let Err(msg) = check_label_name(&name) {
                cx.error_at(span, msg);
            } else if !seen.insert(name.clone()) {
                cx.error_at(
                    span,
                    format!("duplicate label `{name}`: another field already has this label name; rename one with `#[label(name = \"...\")]`"),
                );
            }
            (f.ident, &f.field.ty, name)
        })
        .collect();
    LabelSetModel { input, fields }
}

/// A validated `#[derive(LabelValue)]` on an enum.
pub struct LabelValueModel<'a> {
    pub input: &'a DeriveInput,
    /// Each variant and its label value.
    pub variants: Vec<(&'a Ident, String)>,
}

pub fn label_value<'a>(cx: &mut Ctxt, input: &'a DeriveInput, variants: Vec<LabelVariant<'a>>) -> LabelValueModel<'a> {
    if variants.is_empty() {
        cx.error_spanned_by(
            &input.ident,
            "a label value enum needs at least one variant; add one per value the label takes",
        );
    }
    let mut seen = HashSet::new();
    let variants = variants
        .into_iter()
        .map(|LabelVariant { variant: v, rename }| {
            if !matches!(v.fields, Fields::Unit) {
                cx.error_spanned_by(
                    &v.fields,
                    format!(
                        "label values form a fixed set, so variant `{}` cannot carry data; remove its fields, or use a `String` label",
                        v.ident
                    ),
                );
            }
            let value = rename.as_ref().map_or_else(|| snake_case(&v.ident.to_string()), |l| l.value());
            if value.is_empty() {
                cx.error_spanned_by(
                    &rename,
                    "an empty label value means \"no label\" to Prometheus; choose a non-empty name",
                );
            } else if !seen.insert(value.clone()) {
                let msg = format!(
                    "two variants have the label value `{value}`; give this one another with `#[label(rename = \"...\")]`"
                );
                match &rename {
                    Some(l) => cx.error_spanned_by(l, msg),
                    None => cx.error_spanned_by(&v.ident, msg),
                }
            }
            (&v.ident, value)
        })
        .collect();
    LabelValueModel { input, variants }
}
