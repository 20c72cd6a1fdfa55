//! The rules of `#[health_check]`, checked against the function's signature. Each failed rule is recorded; the
//! model is built only when the signature can be called by the runner.

use super::ast::Args;
use crate::ctxt::Ctxt;
use crate::item::FnItem;
use syn::{Ident, LitStr, ReturnType, Type};

const DEFAULT_TIMEOUT_MS: u64 = 5_000;
const DEFAULT_INTERVAL_MS: u64 = 10_000;

/// A validated check, ready to expand.
pub struct Model {
    pub ident: Ident,
    pub is_async: bool,
    /// The declared `Result<..>`, for spans.
    pub ret: Type,
    pub name: String,
    pub critical: bool,
    pub timeout_ms: u64,
    pub interval_ms: u64,
    pub weight: u32,
}

/// `None` when the signature cannot be called by the runner (the errors are recorded).
pub fn validate(cx: &mut Ctxt, args: &Args, f: &FnItem) -> Option<Model> {
    let sig = &f.sig;
    let mut ok = true;
    if let Some(c) = &sig.constness {
        cx.error_spanned_by(c, "a health check cannot be a `const fn`: it runs at run time; remove `const`");
        ok = false;
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            "a health check cannot be generic: the runner calls it with no type arguments; remove the generic parameters",
        );
        ok = false;
    }
    if !sig.inputs.is_empty() {
        cx.error_spanned_by(
            &sig.inputs,
            "a health check takes no arguments: the runner calls it on its own; reach shared state through a `static`",
        );
        ok = false;
    }
    let ret = returns_result(&sig.output);
    if ret.is_none() {
        let msg = "a health check returns `Result<_, E>` where `E: Display`: `Ok` is healthy, `Err` is unhealthy with its message";
        match &sig.output {
            ReturnType::Default => cx.error_spanned_by(&sig.ident, msg),
            ReturnType::Type(_, ty) => cx.error_spanned_by(ty, msg),
        }
        ok = false;
    }
    let timeout_ms = duration(cx, &args.timeout, "timeout", DEFAULT_TIMEOUT_MS);
    let interval_ms = duration(cx, &args.interval, "interval", DEFAULT_INTERVAL_MS);
    let critical = args.critical.is_some();
    let weight = match &args.weight {
        None => {
            if critical {
                2
            } else {
                1
            }
        }
        Some(w) => match w.base10_parse::<u32>() {
            Ok(n) if n > 0 => n,
            _ => {
                cx.error_spanned_by(w, "`weight` must be a whole number from 1 upward");
                1
            }
        },
    };
    let name = args.name.as_ref().map_or_else(|| sig.ident.to_string(), LitStr::value);
    if name.is_empty() {
        if let Some(n) = &args.name {
            cx.error_spanned_by(
                n,
                "the check's name cannot be empty; give one, or remove `name` to use the function's name",
            );
        }
    }
    let ret = ret?.clone();
    ok.then(|| Model {
        ident: sig.ident.clone(),
        is_async: sig.asyncness.is_some(),
        ret,
        name,
        critical,
        timeout_ms,
        interval_ms,
        weight,
    })
}

/// A Prometheus duration (`"250ms"`, `"2s"`, `"1m30s"`) in milliseconds.
fn parse_duration(s: &str) -> Option<u64> {
    u64::try_from(obs_shared::parse_duration(s)?.as_millis()).ok()
}

fn duration(cx: &mut Ctxt, lit: &Option<LitStr>, what: &str, default: u64) -> u64 {
    let Some(lit) = lit else { return default };
    match parse_duration(&lit.value()) {
        Some(0) => {
            cx.error_spanned_by(lit, format!("`{what}` must be longer than zero, such as \"2s\""));
            default
        }
        Some(ms) => ms,
        None => {
            cx.error_spanned_by(lit, format!("`{what}` must be {}", obs_shared::DURATION_GRAMMAR));
            default
        }
    }
}

/// The written return type when it is `Result<..>` (any path ending in `Result`).
fn returns_result(ret: &ReturnType) -> Option<&Type> {
    match ret {
        ReturnType::Type(_, ty) => match &**ty {
            Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Result") => Some(ty),
            _ => None,
        },
        ReturnType::Default => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations() {
        assert_eq!(super::parse_duration("250ms"), Some(250));
        assert_eq!(super::parse_duration("2s"), Some(2000));
        assert_eq!(super::parse_duration("1m"), Some(60_000));
        assert_eq!(super::parse_duration("1m30s"), Some(90_000), "the grammar alerts use");
        assert_eq!(super::parse_duration("2 s"), None);
        assert_eq!(super::parse_duration("s"), None);
    }
}
