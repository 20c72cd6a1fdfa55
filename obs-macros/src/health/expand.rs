//! Code generation for `#[health_check]`, from a validated model only: the function as written, and beside it a
//! descriptor and a runner entry submitted to the catalog. Sync checks run on the blocking pool, async ones as
//! tasks, both under the declared timeout.

use super::valid::Model;
use crate::item::FnItem;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

pub fn expand(m: &Model, f: &FnItem) -> TokenStream {
    let Model { ident, name, critical, timeout_ms, interval_ms, weight, .. } = m;
    let ret = &m.ret;
    // Spanned on the user's return type, so an error type without `Display` is reported there.
    let call = if m.is_async {
        quote_spanned! {ret.span()=>
            ::obs::__private::Box::pin(async { ::obs::__private::check_result(#ident().await) })
        }
    } else {
        quote_spanned! {ret.span()=>
            ::obs::__private::blocking_check(|| ::obs::__private::check_result(#ident()))
        }
    };
    let location = crate::common::location(ident.span());
    quote! {
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
                ::obs::__private::Declaration::HealthCheck(::obs::__private::HealthCheckEntry {
                    desc: &__OBS_CHECK,
                    run: __obs_run,
                })
            }
        };
    }
}
