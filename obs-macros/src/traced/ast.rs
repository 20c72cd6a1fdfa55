//! The typed model of `#[traced(...)]` and of the item it is on, as written: every option keeps its syn node, so
//! errors land on the user's token.

use crate::common::once;
use crate::ctxt::Ctxt;
use crate::names::did_you_mean;
use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::{Expr, Ident, ItemImpl, LitBool, LitStr};

pub const OPTIONS: &[&str] = &[
    "name",
    "skip",
    "skip_all",
    "fields",
    "kind",
    "err",
    "dump_on_error",
    "metrics",
    "in_flight",
    "slo",
    "buckets",
    "native",
    "off",
];
pub const KINDS: &[&str] = &["internal", "server", "client", "producer", "consumer"];
pub const SLO_OPTIONS: &[&str] = &["name", "success_rate", "latency"];
pub const LATENCY_OPTIONS: &[&str] = &["percentile", "threshold"];

/// How an `Err` is rendered into the span: `err` / `err(Display)` or `err(Debug)`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ErrMode {
    Display,
    Debug,
}

/// One `fields(key = expr)` entry; dotted keys (`http.method`) and string keys are allowed.
pub struct Field {
    pub key: String,
    pub key_span: Span,
    pub value: Expr,
}

/// `slo(name = "...", success_rate = 0.999, latency(percentile = 0.99, threshold = 0.25))`.
#[derive(Default)]
pub struct SloArgs {
    pub name: Option<LitStr>,
    pub success_rate: Option<Expr>,
    pub latency: Option<(Ident, Option<Expr>, Option<Expr>)>,
    /// An unknown option was reported inside `slo(...)`: what then looks missing is most likely that option, so
    /// validation does not report it again.
    pub unknown: bool,
}

/// The attribute's arguments, each with the tokens the user wrote.
#[derive(Default)]
pub struct Args {
    pub name: Option<LitStr>,
    pub skip: Option<(Ident, Vec<Ident>)>,
    pub skip_all: Option<Ident>,
    pub fields: Option<(Ident, Vec<Field>)>,
    pub kind: Option<Ident>,
    pub err: Option<(Ident, ErrMode)>,
    /// Dump the flight recorder when the function returns `Err`.
    pub dump_on_error: Option<Ident>,
    pub metrics: Option<LitBool>,
    pub in_flight: Option<(Ident, bool)>,
    pub slo: Option<(Ident, SloArgs)>,
    pub buckets: Option<Expr>,
    pub native: Option<Ident>,
    pub off: Option<Ident>,
}

/// Parses the arguments, recording recoverable mistakes in `cx` and carrying on past them.
pub fn parse_args(cx: &mut Ctxt, tokens: TokenStream) -> Args {
    crate::common::parse_args(cx, tokens, parse_one)
}

fn parse_one(cx: &mut Ctxt, args: &mut Args, meta: ParseNestedMeta<'_>) -> syn::Result<()> {
    let Some(key) = meta.path.get_ident().cloned() else {
        cx.error_spanned_by(
            &meta.path,
            "expected an option name, not a path; write a plain name, such as `name = \"...\"`",
        );
        return crate::common::skip_value(&meta);
    };
    let k = key.to_string();
    let what = format!("option `{k}`");
    match k.as_str() {
        "name" => once(cx, &mut args.name, meta.value()?.parse::<LitStr>()?, &key, &what),
        "skip" => {
            let content;
            syn::parenthesized!(content in meta.input);
            let idents = content.parse_terminated(Ident::parse_any_ident, syn::Token![,])?;
            once(cx, &mut args.skip, (key.clone(), idents.into_iter().collect()), &key, &what)
        }
        "skip_all" => once(cx, &mut args.skip_all, key.clone(), &key, &what),
        "fields" => {
            let content;
            syn::parenthesized!(content in meta.input);
            let fields = content.parse_terminated(parse_field, syn::Token![,])?;
            once(cx, &mut args.fields, (key.clone(), fields.into_iter().collect()), &key, &what)
        }
        "kind" => once(cx, &mut args.kind, meta.value()?.parse::<Ident>()?, &key, &what),
        "err" => {
            let mode = if meta.input.peek(syn::token::Paren) {
                let content;
                syn::parenthesized!(content in meta.input);
                let m: Ident = content.parse()?;
                match m.to_string().as_str() {
                    "Display" => ErrMode::Display,
                    "Debug" => ErrMode::Debug,
                    other => {
                        cx.error_spanned_by(
                            &m,
                            format!("unknown error format `{other}`; write `err`, `err(Display)` or `err(Debug)`"),
                        );
                        ErrMode::Display
                    }
                }
            } else {
                ErrMode::Display
            };
            once(cx, &mut args.err, (key.clone(), mode), &key, &what)
        }
        "dump_on_error" => {
            if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                cx.error_spanned_by(
                    &key,
                    "`dump_on_error` is a flag and takes no value; write `#[traced(err, dump_on_error)]`",
                );
                return crate::common::skip_value(&meta);
            }
            once(cx, &mut args.dump_on_error, key.clone(), &key, &what)
        }
        "metrics" => once(cx, &mut args.metrics, meta.value()?.parse::<LitBool>()?, &key, &what),
        "in_flight" => {
            let on = if meta.input.peek(syn::Token![=]) { meta.value()?.parse::<LitBool>()?.value } else { true };
            once(cx, &mut args.in_flight, (key.clone(), on), &key, &what)
        }
        "slo" => {
            let mut slo = SloArgs::default();
            meta.parse_nested_meta(|m| parse_slo(cx, &mut slo, m))?;
            once(cx, &mut args.slo, (key.clone(), slo), &key, &what)
        }
        "buckets" => once(cx, &mut args.buckets, meta.value()?.parse::<Expr>()?, &key, &what),
        "native" => {
            if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                cx.error_spanned_by(&key, "`native` is a flag and takes no value; write `#[traced(native)]`");
                return crate::common::skip_value(&meta);
            }
            once(cx, &mut args.native, key.clone(), &key, &what)
        }
        "off" => once(cx, &mut args.off, key.clone(), &key, &what),
        _ => {
            cx.error_spanned_by(
                &key,
                format!("unknown option `{k}`{}; expected one of: {}", did_you_mean(&k, OPTIONS), OPTIONS.join(", ")),
            );
            return crate::common::skip_value(&meta);
        }
    }
    Ok(())
}

fn parse_slo(cx: &mut Ctxt, slo: &mut SloArgs, meta: ParseNestedMeta<'_>) -> syn::Result<()> {
    let key = meta.path.get_ident().cloned();
    let k = key.as_ref().map(|i| i.to_string()).unwrap_or_default();
    let dup = |cx: &mut Ctxt| cx.error_spanned_by(&meta.path, format!("duplicate SLO option `{k}`; give it once"));
    match k.as_str() {
        "name" => {
            let v = meta.value()?.parse::<LitStr>()?;
            if slo.name.replace(v).is_some() {
                dup(cx);
            }
        }
        "success_rate" => {
            let v = meta.value()?.parse::<Expr>()?;
            if slo.success_rate.replace(v).is_some() {
                dup(cx);
            }
        }
        "latency" => {
            let (mut percentile, mut threshold, mut unknown) = (None, None, false);
            meta.parse_nested_meta(|m| {
                let lk = m.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
                match lk.as_str() {
                    "percentile" => percentile = Some(m.value()?.parse::<Expr>()?),
                    "threshold" => threshold = Some(m.value()?.parse::<Expr>()?),
                    _ => {
                        cx.error_spanned_by(
                            &m.path,
                            format!(
                                "unknown latency option `{lk}`{}; expected `latency(percentile = 0.99, threshold = 0.25)`",
                                did_you_mean(&lk, LATENCY_OPTIONS)
                            ),
                        );
                        unknown = true;
                        return crate::common::skip_value(&m);
                    }
                }
                Ok(())
            })?;
            slo.unknown |= unknown;
            let key = key.clone().unwrap_or_else(|| Ident::new("latency", Span::call_site()));
            if slo.latency.replace((key, percentile, threshold)).is_some() {
                dup(cx);
            }
        }
        _ => {
            cx.error_spanned_by(
                &meta.path,
                format!(
                    "unknown SLO option `{k}`{}; expected one of: {}",
                    did_you_mean(&k, SLO_OPTIONS),
                    SLO_OPTIONS.join(", ")
                ),
            );
            slo.unknown = true;
            return crate::common::skip_value(&meta);
        }
    }
    Ok(())
}

fn parse_field(input: ParseStream<'_>) -> syn::Result<Field> {
    let (key, key_span) = if input.peek(LitStr) {
        let l: LitStr = input.parse()?;
        (l.value(), l.span())
    } else {
        let first = Ident::parse_any_ident(input)?;
        let mut key = first.to_string();
        let span = first.span();
        while input.peek(syn::Token![.]) {
            input.parse::<syn::Token![.]>()?;
            key.push('.');
            key.push_str(&Ident::parse_any_ident(input)?.to_string());
        }
        (key, span)
    };
    input.parse::<syn::Token![=]>()?;
    let value: Expr = input.parse()?;
    Ok(Field { key, key_span, value })
}

trait ParseAnyIdent {
    fn parse_any_ident(input: ParseStream<'_>) -> syn::Result<Ident>;
}

impl ParseAnyIdent for Ident {
    fn parse_any_ident(input: ParseStream<'_>) -> syn::Result<Ident> {
        use syn::ext::IdentExt;
        Ident::parse_any(input)
    }
}

pub use crate::item::{Body, FnItem};

/// What `#[traced]` is on.
pub enum Target {
    Fn(FnItem),
    Impl(ItemImpl),
    /// Anything else: the keyword to point at, and a noun for the message.
    Other(TokenStream, &'static str),
}

/// Classifies the item; `None` when it does not even parse as an item (then rustc reports it).
pub fn parse_target(item: &TokenStream) -> Option<Target> {
    // An impl block first: a function item would not parse as one.
    if let Ok(imp) = syn::parse2::<ItemImpl>(item.clone()) {
        return Some(Target::Impl(imp));
    }
    if let Ok(f) = syn::parse2::<FnItem>(item.clone()) {
        return Some(Target::Fn(f));
    }
    let parsed: syn::Item = syn::parse2(item.clone()).ok()?;
    use quote::ToTokens;
    let (tokens, noun) = match &parsed {
        syn::Item::Struct(s) => (s.struct_token.to_token_stream(), "a struct"),
        syn::Item::Enum(e) => (e.enum_token.to_token_stream(), "an enum"),
        syn::Item::Union(u) => (u.union_token.to_token_stream(), "a union"),
        syn::Item::Trait(t) => (t.trait_token.to_token_stream(), "a trait declaration"),
        syn::Item::Mod(m) => (m.mod_token.to_token_stream(), "a module"),
        syn::Item::Const(c) => (c.const_token.to_token_stream(), "a constant"),
        syn::Item::Static(s) => (s.static_token.to_token_stream(), "a static"),
        syn::Item::Type(t) => (t.type_token.to_token_stream(), "a type alias"),
        other => (other.to_token_stream(), "this item"),
    };
    Some(Target::Other(tokens, noun))
}
