//! Pieces every macro shares: the declaration's source location, skipping an unknown option's value, and
//! compile-time histogram buckets.

use crate::ctxt::Ctxt;
use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;
use syn::meta::ParseNestedMeta;
use syn::{Expr, Lit};

/// `::obs::__private::Location { .. }` for the item at `at`: `line!()` and friends expand to the user's token.
pub fn location(at: Span) -> TokenStream {
    quote_spanned! {at=>
        ::obs::__private::Location {
            file: ::core::file!(),
            line: ::core::line!(),
            column: ::core::column!(),
            module_path: ::core::module_path!(),
        }
    }
}

/// Parses an attribute's `key = value, flag, key(..)` arguments into `A`, one `parse_one` call per key. Mistakes
/// `parse_one` records in `cx` do not stop parsing; a syntax error does, and is recorded too.
pub fn parse_args<A: Default>(
    cx: &mut Ctxt,
    tokens: TokenStream,
    mut parse_one: impl FnMut(&mut Ctxt, &mut A, ParseNestedMeta<'_>) -> syn::Result<()>,
) -> A {
    let mut args = A::default();
    let parser = syn::meta::parser(|meta| parse_one(cx, &mut args, meta));
    if let Err(e) = syn::parse::Parser::parse2(parser, tokens) {
        cx.syn_error(e);
    }
    args
}

/// Stores an option's value the first time it is given; a repeat is an error on `key`, "duplicate {what}; give it
/// once", and the first value stays.
pub fn once<T>(cx: &mut Ctxt, slot: &mut Option<T>, value: T, key: impl quote::ToTokens, what: &str) {
    if slot.is_some() {
        cx.error_spanned_by(key, format!("duplicate {what}; give it once"));
    } else {
        *slot = Some(value);
    }
}

/// Consumes `= value` or `(...)` after an unknown key so parsing can go on and report the next mistake too.
pub fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<TokenStream>()?;
    }
    Ok(())
}

/// A number literal, possibly negated or parenthesized.
pub fn number(e: &Expr) -> Option<f64> {
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Float(f) => f.base10_parse::<f64>().ok(),
            Lit::Int(i) => i.base10_parse::<f64>().ok(),
            _ => None,
        },
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => number(&u.expr).map(|v| -v),
        Expr::Group(g) => number(&g.expr),
        Expr::Paren(p) => number(&p.expr),
        _ => None,
    }
}

/// `[..]`, `exponential(start, factor, count)` or `linear(start, width, count)`, evaluated at compile time and
/// checked: non-empty, finite, strictly increasing. Errors are recorded in `cx`; `None` means there were some.
pub fn parse_buckets(cx: &mut Ctxt, expr: &Expr) -> Option<Vec<f64>> {
    let values: Vec<f64> = match expr {
        Expr::Array(arr) => {
            if arr.elems.is_empty() {
                cx.error_spanned_by(
                    arr,
                    "`buckets` is empty; give at least one upper bound, such as `[0.1, 0.5, 1.0]`",
                );
                return None;
            }
            let mut out = Vec::new();
            let mut ok = true;
            for e in &arr.elems {
                match number(e) {
                    Some(v) if v.is_finite() => out.push((v, e)),
                    Some(_) => {
                        cx.error_spanned_by(
                            e,
                            "bucket bounds must be finite; the `+Inf` bucket is always added, so leave it out",
                        );
                        ok = false;
                    }
                    None => {
                        cx.error_spanned_by(e, "bucket bounds must be number literals, such as `0.25`");
                        ok = false;
                    }
                }
            }
            for w in out.windows(2) {
                if w[1].0 <= w[0].0 {
                    cx.error_spanned_by(
                        w[1].1,
                        format!("bucket bounds must be strictly increasing, but {} follows {}", w[1].0, w[0].0),
                    );
                    ok = false;
                }
            }
            if !ok {
                return None;
            }
            out.into_iter().map(|(v, _)| v).collect()
        }
        Expr::Call(call) => {
            let func = match &*call.func {
                Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
                _ => None,
            };
            let Some(func) = func.filter(|f| f == "exponential" || f == "linear") else {
                cx.error_spanned_by(
                    &call.func,
                    "expected `exponential(start, factor, count)` or `linear(start, width, count)`",
                );
                return None;
            };
            let args: Vec<&Expr> = call.args.iter().collect();
            let nums: Vec<Option<f64>> = args.iter().map(|a| number(a)).collect();
            let (Some(&Some(start)), Some(&Some(step)), Some(&Some(count)), 3) =
                (nums.first(), nums.get(1), nums.get(2), nums.len())
            else {
                cx.error_spanned_by(
                    call,
                    format!(
                        "`{func}` takes three number literals: `{func}(start, {}, count)`",
                        if func == "linear" { "width" } else { "factor" }
                    ),
                );
                return None;
            };
            if count < 1.0 || count.fract() != 0.0 || count > 1000.0 {
                cx.error_spanned_by(args[2], "`count` must be a whole number from 1 to 1000");
                return None;
            }
            let n = count as usize;
            if func == "exponential" {
                if start <= 0.0 {
                    cx.error_spanned_by(args[0], "`start` of exponential buckets must be greater than 0");
                    return None;
                }
                if step <= 1.0 {
                    cx.error_spanned_by(args[1], "`factor` of exponential buckets must be greater than 1");
                    return None;
                }
                (0..n).map(|i| start * step.powi(i as i32)).collect()
            } else {
                if step <= 0.0 {
                    cx.error_spanned_by(args[1], "`width` of linear buckets must be greater than 0");
                    return None;
                }
                (0..n).map(|i| start + step * i as f64).collect()
            }
        }
        other => {
            cx.error_spanned_by(
                other,
                "expected `[bounds...]`, `exponential(start, factor, count)` or `linear(start, width, count)`",
            );
            return None;
        }
    };
    if values.iter().any(|v| !v.is_finite()) {
        cx.error_spanned_by(expr, "these buckets overflow to infinity; use a smaller start, factor or count");
        return None;
    }
    Some(values)
}
