//! `#[derive(Labels)]` and `#[derive(LabelValue)]`.

mod label_set;
mod label_value;

pub use label_set::derive_labels;
pub use label_value::derive_label_value;

use crate::ctxt::Ctxt;
use syn::{Attribute, LitStr};

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
