//! `#[health_check(critical, timeout = "2s", interval = "10s")]`: parse → validate → expand, with a fallback.
//!
//! The function itself is emitted unchanged; beside it, a descriptor and a runner entry are submitted to the
//! catalog. Sync checks run on the blocking pool, async ones as tasks, both under the declared timeout.

use crate::common::once;
use crate::ctxt::Ctxt;
use crate::names::did_you_mean;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, LitInt, LitStr, ReturnType, Type};

const OPTIONS: &[&str] = &["critical", "timeout", "interval", "name", "weight"];
const DEFAULT_TIMEOUT_MS: u64 = 5_000;
const DEFAULT_INTERVAL_MS: u64 = 10_000;

#[derive(Default)]
struct Args {
    critical: Option<syn::Path>,
    timeout: Option<LitStr>,
    interval: Option<LitStr>,
    name: Option<LitStr>,
    weight: Option<LitInt>,
}

fn parse_args(cx: &mut Ctxt, attr: TokenStream) -> Args {
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
                if meta.input.peek(syn::Token![=]) {
                    meta.value()?.parse::<syn::Expr>()?;
                }
            }
        }
        Ok(())
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

/// Whether the written return type is `Result<..>` (any path ending in `Result`).
fn returns_result(ret: &ReturnType) -> Option<&Type> {
    match ret {
        ReturnType::Type(_, ty) => match &**ty {
            Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Result") => Some(ty),
            _ => None,
        },
        ReturnType::Default => None,
    }
}

pub fn health_check(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let args = parse_args(&mut cx, attr);
    let f: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let msg = "`#[health_check]` goes on a function: `fn db() -> Result<(), Error>` or `async fn db() -> Result<(), Error>`";
            // Spanned on the item when it parses as one, so the error points at what the attribute is on.
            match syn::parse2::<syn::Item>(item.clone()) {
                Ok(other) => cx.error_spanned_by(other, msg),
                Err(_) => cx.error_at(proc_macro2::Span::call_site(), msg),
            }
            let errors = cx.into_compile_errors();
            return quote!(#errors #item);
        }
    };
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
    let timeout_ms = duration(&mut cx, &args.timeout, "timeout", DEFAULT_TIMEOUT_MS);
    let interval_ms = duration(&mut cx, &args.interval, "interval", DEFAULT_INTERVAL_MS);
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
    let errors = cx.into_compile_errors();
    if !ok {
        return quote!(#errors #f);
    }
    let ident = &sig.ident;
    let ret = ret.map_or_else(TokenStream::new, |t| quote!(#t));
    // Spanned on the user's return type, so an error type without `Display` is reported there.
    let call = if sig.asyncness.is_some() {
        quote_spanned! {ret.span()=>
            ::obs::__private::Box::pin(async { ::obs::__private::check_result(#ident().await) })
        }
    } else {
        quote_spanned! {ret.span()=>
            ::obs::__private::blocking_check(|| ::obs::__private::check_result(#ident()))
        }
    };
    let at = sig.ident.span();
    let location = crate::common::location(at);
    quote! {
        #errors
        #f
        #[allow(non_upper_case_globals)]
        const _: () = {
            static __OBS_CHECK: ::obs::__private::HealthCheckDesc = ::obs::__private::HealthCheckDesc {
                name: #name,
                critical: #critical,
                timeout_ms: #timeout_ms,
                interval_ms: #interval_ms,
                weight: #weight,
                location: #location,
                krate: ::obs::__private::crate_info!(),
            };
            fn __obs_run() -> ::obs::__private::HealthFuture {
                #call
            }
            ::obs::__private::inventory::submit! {
                ::obs::__private::HealthCheckEntry { desc: &__OBS_CHECK, run: __obs_run }
            }
        };
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
