//! Cross-option rules of `#[traced]`, checked against the function's signature. Each failed rule is recorded and
//! the item is emitted unchanged (see `fallback`), so one build shows every error and nothing cascades.

use super::ast::{Args, ErrMode, FnItem, KINDS};
use crate::ctxt::Ctxt;
use crate::names::did_you_mean;
use proc_macro2::Span;
use quote::ToTokens;
use syn::{Expr, FnArg, GenericArgument, Ident, Pat, PathArguments, ReturnType, Type, TypeParamBound};

use obs_shared::DEFAULT_BUCKETS;

pub struct Slo {
    pub name: String,
    pub success_rate: Option<f64>,
    pub latency: Option<(f64, f64)>,
}

/// A validated function, ready to expand.
pub struct Model {
    pub function: Ident,
    /// The `function` label: the identifier, prefixed with the type for a method of a traced `impl` block.
    pub identity: String,
    pub span_name: String,
    pub kind: &'static str,
    /// Arguments recorded as span attributes.
    pub args: Vec<Ident>,
    pub fields: Vec<(String, Span, Expr)>,
    pub err: Option<(Ident, ErrMode)>,
    /// Ask the flight recorder for a dump when the function returns `Err` (needs `err`).
    pub dump_on_error: bool,
    pub metrics: bool,
    pub in_flight: bool,
    pub buckets: Vec<f64>,
    /// Native buckets for the duration histogram, beside the classic ones.
    pub native: bool,
    pub slo: Option<Slo>,
}

impl Model {
    pub fn attribute_keys(&self) -> Vec<String> {
        self.args.iter().map(|a| a.to_string()).chain(self.fields.iter().map(|f| f.0.clone())).collect()
    }
}

/// Rejects per-function options on an `impl` block.
pub fn validate_impl_args(cx: &mut Ctxt, args: &Args) {
    let keys: [(Option<Span>, &str); 6] = [
        (args.name.as_ref().map(|n| n.span()), "name"),
        (args.skip.as_ref().map(|s| s.0.span()), "skip"),
        (args.fields.as_ref().map(|f| f.0.span()), "fields"),
        (args.err.as_ref().map(|e| e.0.span()), "err"),
        (args.dump_on_error.as_ref().map(|k| k.span()), "dump_on_error"),
        (args.slo.as_ref().map(|s| s.0.span()), "slo"),
    ];
    for (span, key) in keys {
        if let Some(span) = span {
            cx.error_at(
                span,
                format!(
                    "`{key}` is set per function: on an `impl` block, put `#[traced({key} ...)]` on the method instead"
                ),
            );
        }
    }
    if let Some(off) = &args.off {
        cx.error_spanned_by(off, "`off` goes on a method inside a traced `impl` block, to leave that method out; remove `#[traced]` from the block instead");
    }
}

pub fn validate(cx: &mut Ctxt, args: &Args, f: &FnItem) -> Model {
    validate_in(cx, args, f, None)
}

/// [`validate`] for a method of an `impl` block whose self type is named `owner` (see `identity::owner`).
pub fn validate_in(cx: &mut Ctxt, args: &Args, f: &FnItem, owner: Option<&str>) -> Model {
    let sig = &f.sig;
    let identity = super::identity::function(owner, &sig.ident);
    if let Some(c) = &sig.constness {
        cx.error_spanned_by(
            c,
            "`#[traced]` cannot instrument a `const fn`: recording a span and metrics is not possible at compile time; remove `const` or `#[traced]`",
        );
    }
    if f.body.is_none() {
        cx.error_spanned_by(
            &sig.ident,
            "`#[traced]` needs the function's body; on a trait, put it on the methods of each `impl`, or on a default method",
        );
    }
    if let Some(v) = &sig.variadic {
        cx.error_spanned_by(
            v,
            "`#[traced]` cannot instrument a variadic function; remove `#[traced]` or the `...` argument",
        );
    }

    // Arguments that can be recorded: plain identifiers; `self` and destructuring patterns are left out.
    let names: Vec<Ident> = sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Typed(t) => match &*t.pat {
                Pat::Ident(p) => Some(p.ident.clone()),
                _ => None,
            },
            FnArg::Receiver(_) => None,
        })
        .collect();
    let all_names: Vec<String> = sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Typed(t) => match &*t.pat {
                Pat::Ident(p) => Some(p.ident.to_string()),
                _ => None,
            },
            FnArg::Receiver(_) => Some("self".to_owned()),
        })
        .collect();
    let mut skipped: Vec<String> = Vec::new();
    if let Some((_, idents)) = &args.skip {
        let candidates: Vec<&str> = all_names.iter().map(String::as_str).collect();
        for id in idents {
            let s = id.to_string();
            if !all_names.contains(&s) {
                let list = if candidates.is_empty() {
                    "it has none".to_owned()
                } else {
                    format!("it has: {}", candidates.join(", "))
                };
                cx.error_spanned_by(
                    id,
                    format!(
                        "`skip({s})`: `{}` has no argument `{s}`{}; {list}",
                        sig.ident,
                        did_you_mean(&s, &candidates)
                    ),
                );
            } else if skipped.contains(&s) {
                cx.error_spanned_by(id, format!("`{s}` is skipped twice; name it once"));
            }
            skipped.push(s);
        }
    }
    if let (Some((skip, _)), Some(all)) = (&args.skip, &args.skip_all) {
        cx.error_spanned_by(
            all,
            format!("`skip_all` already skips every argument; remove `{skip}(...)` or `skip_all`"),
        );
    }
    let recorded: Vec<Ident> = if args.skip_all.is_some() {
        Vec::new()
    } else {
        names.into_iter().filter(|n| !skipped.contains(&n.to_string())).collect()
    };

    let mut fields: Vec<(String, Span, Expr)> = Vec::new();
    if let Some((_, fs)) = &args.fields {
        for f in fs {
            if f.key.is_empty() {
                cx.error_at(f.key_span, "a field key cannot be empty; write `fields(key = value)`");
            } else if fields.iter().any(|(k, _, _)| *k == f.key) || recorded.iter().any(|a| *a == f.key) {
                cx.error_at(
                    f.key_span,
                    format!("attribute `{}` is recorded twice (as an argument or another field); rename it, or `skip` the argument", f.key),
                );
            }
            fields.push((f.key.clone(), f.key_span, f.value.clone()));
        }
    }

    let kind = match &args.kind {
        None => "Internal",
        Some(k) => match k.to_string().as_str() {
            "internal" => "Internal",
            "server" => "Server",
            "client" => "Client",
            "producer" => "Producer",
            "consumer" => "Consumer",
            other => {
                cx.error_spanned_by(
                    k,
                    format!(
                        "invalid span kind `{other}`{}; expected one of: {}",
                        did_you_mean(&other.to_lowercase(), KINDS),
                        KINDS.join(", ")
                    ),
                );
                "Internal"
            }
        },
    };

    if let Some((key, _)) = &args.err {
        if !returns_result(sig) {
            let shown = match output_type(sig) {
                Some(t) => format!("`{}`", t.to_token_stream().to_string().replace(" < ", "<").replace(" >", ">")),
                None => "`()`".to_owned(),
            };
            cx.error_spanned_by(
                key,
                format!(
                    "`err` records the `Err` of a function returning `Result`, but `{}` returns {shown}; remove `err`",
                    sig.ident
                ),
            );
        }
    }

    if let (Some(key), None) = (&args.dump_on_error, &args.err) {
        cx.error_spanned_by(
            key,
            "`dump_on_error` dumps the flight recorder when the function returns `Err`, which `err` records; \
             write `#[traced(err, dump_on_error)]`",
        );
    }

    let metrics = args.metrics.as_ref().is_none_or(|b| b.value);
    let in_flight = args.in_flight.as_ref().is_some_and(|(_, on)| *on);
    if let (false, Some((key, true))) = (metrics, &args.in_flight) {
        cx.error_spanned_by(
            key,
            "`in_flight` is one of the RED metrics, which `metrics = false` turns off; remove one of them",
        );
    }

    if let (false, Some(key)) = (metrics, &args.native) {
        cx.error_spanned_by(
            key,
            "`native` gives the RED duration histogram native buckets, which `metrics = false` turns off; remove one of them",
        );
    }
    let native = metrics && args.native.is_some();

    let buckets = match &args.buckets {
        None => DEFAULT_BUCKETS.to_vec(),
        Some(e) => parse_buckets(cx, e).unwrap_or_else(|| DEFAULT_BUCKETS.to_vec()),
    };

    let slo = args.slo.as_ref().map(|(key, s)| {
        if !metrics {
            cx.error_spanned_by(key, "an SLO is computed from the RED metrics, which `metrics = false` turns off; remove one of them");
        }
        let name = match &s.name {
            Some(lit) => {
                let v = lit.value();
                let ok = v.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !ok {
                    cx.error_spanned_by(lit, format!("SLO name `{v}` must match [a-zA-Z_][a-zA-Z0-9_]*: it becomes part of rule and alert names"));
                }
                v
            }
            None => super::identity::slo_name(&identity),
        };
        let success_rate = s.success_rate.as_ref().and_then(|e| {
            let v = fraction(cx, e, "success_rate", "0.999 for 99.9% of calls succeeding")?;
            Some(v)
        });
        let latency = match &s.latency {
            None => None,
            Some((lkey, p, t)) => {
                let p = match p {
                    Some(e) => fraction(cx, e, "percentile", "0.99 for the 99th percentile"),
                    None if s.unknown => None,
                    None => {
                        cx.error_spanned_by(lkey, "a latency objective needs `percentile`: `latency(percentile = 0.99, threshold = 0.25)`");
                        None
                    }
                };
                let t = match t {
                    Some(e) => match crate::common::number(e) {
                        Some(v) if buckets.iter().any(|b| same(*b, v)) => Some(v),
                        Some(v) => {
                            let msg = format!(
                                "latency threshold {v} is not a bucket boundary of the duration histogram, so the objective could not be computed exactly; use one of: {}{}",
                                buckets.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(", "),
                                if args.buckets.is_none() { ", or add it to `buckets = [...]`" } else { "" }
                            );
                            cx.error_spanned_by(e, msg);
                            None
                        }
                        None => {
                            cx.error_spanned_by(e, "the latency threshold must be a number literal, in seconds, such as `0.25`");
                            None
                        }
                    },
                    None if s.unknown => None,
                    None => {
                        cx.error_spanned_by(lkey, "a latency objective needs `threshold` (seconds): `latency(percentile = 0.99, threshold = 0.25)`");
                        None
                    }
                };
                p.zip(t)
            }
        };
        if s.success_rate.is_none() && s.latency.is_none() && !s.unknown {
            cx.error_spanned_by(key, "an SLO needs `success_rate = 0.999`, `latency(percentile = 0.99, threshold = 0.25)`, or both");
        }
        Slo {
            name,
            success_rate,
            latency,
        }
    });

    let span_name = match &args.name {
        Some(lit) if lit.value().is_empty() => {
            cx.error_spanned_by(
                lit,
                "the span name cannot be empty; give one, or remove `name` to use the function's name",
            );
            sig.ident.to_string()
        }
        Some(lit) => lit.value(),
        None => identity.clone(),
    };

    Model {
        function: sig.ident.clone(),
        identity,
        span_name,
        kind,
        args: recorded,
        fields,
        err: args.err.clone(),
        dump_on_error: args.dump_on_error.is_some(),
        metrics,
        in_flight,
        buckets,
        native,
        slo,
    }
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

/// A number strictly between 0 and 1.
fn fraction(cx: &mut Ctxt, e: &Expr, what: &str, example: &str) -> Option<f64> {
    match crate::common::number(e) {
        Some(v) if v > 0.0 && v < 1.0 => Some(v),
        Some(v) => {
            cx.error_spanned_by(
                e,
                format!("`{what}` is {v}, out of range: it is a fraction strictly between 0 and 1, such as {example}"),
            );
            None
        }
        None => {
            cx.error_spanned_by(e, format!("`{what}` must be a number literal, such as {example}"));
            None
        }
    }
}

/// The type the caller gets: the declared return type, or `T` in async-trait's `Pin<Box<dyn Future<Output = T>>>`.
pub fn output_type(sig: &syn::Signature) -> Option<&Type> {
    let ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    if sig.asyncness.is_none() {
        if let Some(inner) = boxed_future_output(ty) {
            return Some(inner);
        }
    }
    Some(ty)
}

/// `T` of `Pin<Box<dyn Future<Output = T> + ...>>`, the return type `#[async_trait]` writes.
pub fn boxed_future_output(ty: &Type) -> Option<&Type> {
    let pin = last_segment(ty).filter(|s| s.ident == "Pin")?;
    let boxed = first_type_arg(&pin.arguments)?;
    let bx = last_segment(boxed).filter(|s| s.ident == "Box")?;
    let Type::TraitObject(obj) = first_type_arg(&bx.arguments)? else {
        return None;
    };
    obj.bounds.iter().find_map(|b| match b {
        TypeParamBound::Trait(t) => {
            let seg = t.path.segments.last().filter(|s| s.ident == "Future")?;
            let PathArguments::AngleBracketed(a) = &seg.arguments else {
                return None;
            };
            a.args.iter().find_map(|g| match g {
                GenericArgument::AssocType(at) if at.ident == "Output" => Some(&at.ty),
                _ => None,
            })
        }
        _ => None,
    })
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) => p.path.segments.last(),
        Type::Group(g) => last_segment(&g.elem),
        Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

fn first_type_arg(args: &PathArguments) -> Option<&Type> {
    let PathArguments::AngleBracketed(a) = args else {
        return None;
    };
    a.args.iter().find_map(|g| match g {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// Whether the function returns a `Result` (any path ending in `Result`, such as `io::Result<T>`).
fn returns_result(sig: &syn::Signature) -> bool {
    output_type(sig).and_then(last_segment).is_some_and(|s| s.ident.to_string().ends_with("Result"))
}

/// Whether a type mentions `impl Trait`, which a `let` annotation cannot name.
pub fn mentions_impl(ty: &Type) -> bool {
    ty.to_token_stream()
        .into_iter()
        .any(|t| matches!(&t, proc_macro2::TokenTree::Ident(i) if i == "impl") || group_mentions_impl(&t))
}

fn group_mentions_impl(t: &proc_macro2::TokenTree) -> bool {
    match t {
        proc_macro2::TokenTree::Group(g) => g
            .stream()
            .into_iter()
            .any(|t| matches!(&t, proc_macro2::TokenTree::Ident(i) if i == "impl") || group_mentions_impl(&t)),
        _ => false,
    }
}

fn parse_buckets(cx: &mut Ctxt, e: &Expr) -> Option<Vec<f64>> {
    let values = crate::common::parse_buckets(cx, e)?;
    if values.first().is_some_and(|v| *v <= 0.0) {
        cx.error_spanned_by(e, "duration bucket bounds must be greater than 0: a call takes some time");
        return None;
    }
    Some(values)
}
