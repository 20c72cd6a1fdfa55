//! Code generation for `#[traced]`, from a validated model only.
//!
//! The signature, attributes and doc comments stay as written. The body gains, in front, the function's
//! descriptor, its static RED storage and one `inventory` submission (the `Declaration` the catalog lists and
//! exposes it from); then a `Call` is started, the user's body runs (in a `FnOnce` closure for sync
//! functions, in an `async move` block polled inside the span for async ones), and the outcome is classified as
//! ok / error / panic. Generated code names only `::obs::__private::…` and `::core::…`.

use super::ast::{Body, ErrMode, FnItem};
use super::valid::{boxed_future_output, mentions_impl, Model};
use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, Stmt};

pub fn expand_fn(m: &Model, f: &FnItem) -> TokenStream {
    let FnItem { attrs, vis, sig, .. } = f;
    let Some(body) = &f.body else {
        return f.to_token_stream();
    };
    let items = descriptor(m);
    let record = record_attributes(m);
    let at = sig.ident.span();
    let body_tokens = match body {
        Body::Parsed(b) => b.to_token_stream(),
        Body::Raw(g) => g.to_token_stream(),
    };

    // `#[async_trait]` already turned `async fn` into `fn … -> Pin<Box<dyn Future …>>` with a body ending in
    // `Box::pin(async move { … })`: instrument that inner future.
    if sig.asyncness.is_none() {
        if let (Body::Parsed(block), syn::ReturnType::Type(_, ret)) = (body, &sig.output) {
            if boxed_future_output(ret).is_some() {
                if let Some((head, pin_fn, fut)) = split_boxed_async(block) {
                    let finish = finish(m, quote!(__obs_ret));
                    return quote_spanned! {at=>
                                #(#attrs)*
                                #vis #sig {
                                    #items
                                    #[allow(unused_mut)]
                        let mut __obs_call = ::obs::__private::trace::Call::unstarted(&__OBS_FN);
                    __obs_call.start_here();
                                    #record
                                    #(#head)*
                                    #pin_fn(async move {
                                        #[allow(unused_mut)]
                                        let mut __obs_call = __obs_call;
                                        let __obs_ret = ::obs::__private::trace::Instrumented::new(&__obs_call, #fut).await;
                                        #finish
                                        __obs_ret
                                    })
                                }
                            };
                }
            }
        }
    }

    // The declared return type is handed to the user's body itself (a closure's return type, or the first
    // `return` of the async block), so a wrong tail expression, `return` or `?` is reported on the user's
    // expression against that type, as without the attribute. `impl Trait` cannot be named there.
    let ret_ty = match &sig.output {
        syn::ReturnType::Type(_, ty) if !mentions_impl(ty) => Some(quote!(#ty)),
        syn::ReturnType::Type(..) => None,
        syn::ReturnType::Default => Some(quote!(())),
    };
    let annot = ret_ty.as_ref().map(|ty| quote!(: #ty));
    let finish = finish(m, quote!(__obs_ret));
    if sig.asyncness.is_some() {
        // As async-trait does: a first, never-taken `return` fixes the block's output type before the body is
        // checked, and the `let` checks the tail against it.
        let body = match &ret_ty {
            Some(ty) => {
                // Spanned on the declared type, so rustc's "return type inferred here" points at it.
                let first_return = quote_spanned! {ty.span()=>
                    if let ::core::option::Option::Some(__obs_never) = ::core::option::Option::None::<#ty> {
                        return __obs_never;
                    }
                };
                quote! {{
                    #first_return
                    let __obs_value: #ty = #body_tokens;
                    #[allow(unreachable_code)]
                    __obs_value
                }}
            }
            None => body_tokens,
        };
        quote_spanned! {at=>
            #(#attrs)*
            #vis #sig {
                #items
                #[allow(unused_mut)]
                let mut __obs_call = ::obs::__private::trace::Call::unstarted(&__OBS_FN);
                __obs_call.start_here();
                #record
                let __obs_ret #annot = ::obs::__private::trace::Instrumented::new(&__obs_call, async move #body).await;
                #finish
                __obs_ret
            }
        }
    } else {
        let closure_ret = ret_ty.as_ref().map(|ty| quote!(-> #ty));
        quote_spanned! {at=>
            #(#attrs)*
            #vis #sig {
                #items
                #[allow(unused_mut)]
                let mut __obs_call = ::obs::__private::trace::Call::unstarted(&__OBS_FN);
                __obs_call.enter_here();
                #record
                let __obs_ret #annot = ::obs::__private::trace::call_once(move || #closure_ret #body_tokens);
                #finish
                __obs_ret
            }
        }
    }
}

/// `(statements before, the callee path, the async block)` of a body ending in `Box::pin(async move { … })`.
fn split_boxed_async(block: &syn::Block) -> Option<(Vec<&Stmt>, &Expr, &Expr)> {
    let (last, head) = block.stmts.split_last()?;
    let Stmt::Expr(Expr::Call(call), None) = last else {
        return None;
    };
    let Expr::Path(p) = &*call.func else {
        return None;
    };
    if p.path.segments.last()?.ident != "pin" || call.args.len() != 1 {
        return None;
    }
    let fut = call.args.first()?;
    matches!(fut, Expr::Async(_)).then(|| (head.iter().collect(), &*call.func, fut))
}

/// The descriptor, the static storage and its catalog entry.
fn descriptor(m: &Model) -> TokenStream {
    let function = &m.identity;
    let span_name = &m.span_name;
    let kind = syn::Ident::new(m.kind, Span::call_site());
    let keys = m.attribute_keys();
    let red = m.metrics;
    let in_flight = m.in_flight;
    let buckets = m.buckets.iter().map(|b| Literal::f64_suffixed(*b));
    let native = match m.native {
        true => quote!(::core::option::Option::Some(::obs::__private::NativeConfig::DEFAULT)),
        false => quote!(::core::option::Option::None),
    };
    let slo = match &m.slo {
        None => quote!(::core::option::Option::None),
        Some(s) => {
            let name = &s.name;
            let sr = match s.success_rate {
                Some(v) => {
                    let v = Literal::f64_suffixed(v);
                    quote!(::core::option::Option::Some(#v))
                }
                None => quote!(::core::option::Option::None),
            };
            let lat = match s.latency {
                Some((p, t)) => {
                    let (p, t) = (Literal::f64_suffixed(p), Literal::f64_suffixed(t));
                    quote!(::core::option::Option::Some(::obs::__private::trace::LatencyObjective {
                        percentile: #p,
                        threshold_seconds: #t,
                    }))
                }
                None => quote!(::core::option::Option::None),
            };
            quote!(::core::option::Option::Some(::obs::__private::trace::SloDesc {
                name: #name,
                success_rate: #sr,
                latency: #lat,
            }))
        }
    };
    let at = m.function.span();
    let location = crate::common::location(at);
    quote! {
        const __OBS_FN_DESC: ::obs::__private::trace::FunctionDesc = ::obs::__private::trace::FunctionDesc {
            function: #function,
            span_name: #span_name,
            kind: ::obs::__private::trace::SpanKind::#kind,
            attributes: &[#(#keys),*],
            red_metrics: #red,
            in_flight: #in_flight,
            buckets: &[#(#buckets),*],
            native: #native,
            slo: #slo,
            location: #location,
            krate: ::obs::__private::crate_info!(),
        };
        static __OBS_FN: ::obs::__private::trace::TracedFn = ::obs::__private::trace::TracedFn::new(&__OBS_FN_DESC);
        ::obs::__private::inventory::submit! { ::obs::__private::Declaration::Function(&__OBS_FN) }
    }
}

/// Records arguments and `fields(..)` when the span is sampled; nothing is formatted otherwise.
fn record_attributes(m: &Model) -> TokenStream {
    if m.args.is_empty() && m.fields.is_empty() {
        return TokenStream::new();
    }
    // Spanned on the user's argument or expression, so a value that is not `Debug` is reported there.
    let args = m.args.iter().map(|a| {
        let key = a.to_string();
        let key = key.trim_start_matches("r#");
        quote_spanned! {a.span()=>
            __obs_call.attr(#key, (&::obs::__private::trace::AttrProbe(&#a)).__obs_attr());
        }
    });
    let fields = m.fields.iter().map(|(key, _, value)| {
        quote_spanned! {value.span()=>
            __obs_call.attr(#key, (&::obs::__private::trace::AttrProbe(&(#value))).__obs_attr());
        }
    });
    quote! {
        if __obs_call.is_recording() {
            #[allow(unused_imports)]
            use ::obs::__private::trace::{AttrDebug as _, AttrTyped as _};
            #(#args)*
            #(#fields)*
        }
    }
}

/// Classifies the outcome (ok / error), records the error when `err` is set, and ends the call.
fn finish(m: &Model, ret: TokenStream) -> TokenStream {
    let err = match &m.err {
        None => quote!(::core::option::Option::None),
        Some((key, mode)) => {
            let f = match mode {
                ErrMode::Display => {
                    quote_spanned!(key.span()=> ::obs::__private::trace::err_display)
                }
                ErrMode::Debug => quote_spanned!(key.span()=> ::obs::__private::trace::err_debug),
            };
            // Rendered only for a recorded span: an unsampled or metrics-only call never formats its error.
            quote! {
                if __obs_call.is_recording() { #f(&#ret) } else { ::core::option::Option::None }
            }
        }
    };
    // Asked before the span is finished, so the request is there when the span reaches the recorder.
    let dump = if m.dump_on_error { quote!(__obs_call.dump_on_error(__obs_outcome);) } else { quote!() };
    quote! {
        {
            #[allow(unused_imports)]
            use ::obs::__private::trace::{PlainOutcome as _, ResultOutcome as _};
            let __obs_outcome = (&::obs::__private::trace::OutcomeProbe(&#ret)).__obs_outcome();
            #dump
            __obs_call.finish(__obs_outcome, #err);
        }
    }
}
