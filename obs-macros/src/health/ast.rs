//! The typed model of `#[health_check(...)]` and of the function it is on, as written: every option keeps its syn
//! node, so errors land on the user's token.

use crate::common::once;
use crate::ctxt::Ctxt;
use crate::item::FnItem;
use crate::names::did_you_mean;
use proc_macro2::TokenStream;
use syn::{LitInt, LitStr};

pub const OPTIONS: &[&str] = &["critical", "timeout", "interval", "name", "weight"];

/// The attribute's arguments, each with the tokens the user wrote.
#[derive(Default)]
pub struct Args {
    pub critical: Option<syn::Path>,
    pub timeout: Option<LitStr>,
    pub interval: Option<LitStr>,
    pub name: Option<LitStr>,
    pub weight: Option<LitInt>,
}

/// Parses the arguments, recording recoverable mistakes in `cx` and carrying on past them.
pub fn parse_args(cx: &mut Ctxt, attr: TokenStream) -> Args {
    crate::common::parse_args(cx, attr, |cx: &mut Ctxt, a: &mut Args, meta: syn::meta::ParseNestedMeta<'_>| {
        let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
        let what = format!("option `{key}`");
        match key.as_str() {
            "critical" => once(cx, &mut a.critical, meta.path.clone(), &meta.path, &what),
            "timeout" => once(cx, &mut a.timeout, meta.value()?.parse::<LitStr>()?, &meta.path, &what),
            "interval" => once(cx, &mut a.interval, meta.value()?.parse::<LitStr>()?, &meta.path, &what),
            "name" => once(cx, &mut a.name, meta.value()?.parse::<LitStr>()?, &meta.path, &what),
            "weight" => once(cx, &mut a.weight, meta.value()?.parse::<LitInt>()?, &meta.path, &what),
            _ => {
                cx.error_spanned_by(
                    &meta.path,
                    format!(
                        "unknown option `{key}`{}; expected one of: {}",
                        did_you_mean(&key, OPTIONS),
                        OPTIONS.join(", ")
                    ),
                );
                return crate::common::skip_value(&meta);
            }
        }
        Ok(())
    })
}

/// What `#[health_check]` is on.
pub enum Target {
    /// A function; its body is kept as tokens when it does not parse.
    Fn(FnItem),
    /// Another item, to point the error at.
    Other(syn::Item),
    /// Not an item at all: rustc reports the syntax error.
    Unparsed,
}

pub fn parse_target(item: &TokenStream) -> Target {
    if let Ok(f) = syn::parse2::<FnItem>(item.clone()) {
        if f.body.is_some() {
            return Target::Fn(f);
        }
    }
    match syn::parse2::<syn::Item>(item.clone()) {
        Ok(other) => Target::Other(other),
        Err(_) => Target::Unparsed,
    }
}
