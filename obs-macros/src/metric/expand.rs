//! Code generation for `#[metric]`, from a validated model only.
//!
//! The struct stays a unit struct; a `const _` block beside it holds the descriptor, the storage `static`, the
//! `inventory` submission and a `Deref` to the storage, so `HttpRequests.with(..)` and `Jobs.inc()` resolve to the
//! runtime family's methods. Generated code names only `::obs::__private::…` and `::core::…`.

use super::ast::Kind;
use super::valid::{Model, Signal, ValueTy};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

pub fn expand(m: &Model) -> TokenStream {
    let ident = &m.ident;
    let family = format_ident!(
        "{}",
        match (m.kind, &m.value) {
            (Kind::Counter, ValueTy::Int) => "Counter",
            (Kind::Counter, ValueTy::Float) => "FloatCounter",
            (Kind::Gauge, ValueTy::Int) => "Gauge",
            (Kind::Gauge, ValueTy::Float) => "FloatGauge",
            (Kind::Histogram, _) => "Histogram",
            (Kind::Info, _) => "Info",
        }
    );
    let kind = format_ident!(
        "{}",
        match m.kind {
            Kind::Counter => "Counter",
            Kind::Gauge => "Gauge",
            Kind::Histogram => "Histogram",
            Kind::Info => "Info",
        }
    );
    let value = match m.value {
        ValueTy::Int => quote!(Int),
        ValueTy::Float => quote!(Float),
    };
    // Spanned on the user's type, so a missing `#[derive(Labels)]` is reported there.
    let labels = match &m.labels {
        Some(ty) => quote_spanned!(ty.span()=> #ty),
        None => quote!(()),
    };
    let label_descs = match &m.labels {
        Some(ty) => quote_spanned!(ty.span()=> <#ty as ::obs::__private::LabelSet>::LABELS),
        None => quote!(&[]),
    };
    let name = &m.name;
    let help = &m.help;
    let namespace = match &m.namespace {
        Some(ns) => quote!(::obs::__private::Namespace::Explicit(#ns)),
        None => quote!(::obs::__private::Namespace::Crate),
    };
    let unit = match &m.unit {
        Some(u) => quote!(::core::option::Option::Some(#u)),
        None => quote!(::core::option::Option::None),
    };
    let buckets = m.buckets.iter().map(|b| Literal::f64_suffixed(*b));
    let cap = m.cap;
    let native = if m.native {
        quote!(::core::option::Option::Some(::obs::__private::NativeConfig::DEFAULT))
    } else {
        quote!(::core::option::Option::None)
    };
    let alerts = m.alerts.iter().map(|a| {
        let name = &a.name;
        let signal = match a.signal {
            Signal::Value => quote!(::obs::__private::AlertSignal::Value),
            Signal::Rate(w) => quote!(::obs::__private::AlertSignal::Rate { window_seconds: #w }),
            Signal::Increase(w) => {
                quote!(::obs::__private::AlertSignal::Increase { window_seconds: #w })
            }
            Signal::Quantile(q, w) => {
                let q = Literal::f64_suffixed(q);
                quote!(::obs::__private::AlertSignal::Quantile { quantile: #q, window_seconds: #w })
            }
        };
        let op = format_ident!("{}", a.op);
        let threshold = Literal::f64_suffixed(a.threshold);
        let for_seconds = a.for_seconds;
        let severity = format_ident!("{}", a.severity);
        let summary = &a.summary;
        let description = &a.description;
        quote! {
            ::obs::__private::AlertDesc {
                name: #name,
                signal: #signal,
                op: ::obs::__private::AlertOp::#op,
                threshold: #threshold,
                for_seconds: #for_seconds,
                severity: ::obs::__private::Severity::#severity,
                summary: #summary,
                description: #description,
            }
        }
    });
    // Everything that needs `labels: LabelSet` (the label descriptors and the one label-dependent method, `with`
    // or an info metric's `set`) is taken in a single `const`, spanned on the user's type: a type without
    // `#[derive(Labels)]` is then reported once, there, and not again at every `.with(..)`, because callers go
    // through a method generated on the struct, whose signature has no bounds (inherent methods take precedence
    // over the `Deref` target's).
    let by_labels = m.labels.as_ref().map(|ty| {
        let vis = &m.vis;
        let (method, ret, doc) = match (m.kind, &m.value) {
            (Kind::Info, _) => ("set", None, "Sets the info metric's labels."),
            (Kind::Counter, ValueTy::Int) => ("with", Some("CounterHandle"), "The series of `labels`."),
            (Kind::Counter, ValueTy::Float) => ("with", Some("FloatCounterHandle"), "The series of `labels`."),
            (Kind::Gauge, ValueTy::Int) => ("with", Some("GaugeHandle"), "The series of `labels`."),
            (Kind::Gauge, ValueTy::Float) => ("with", Some("FloatGaugeHandle"), "The series of `labels`."),
            (Kind::Histogram, _) => ("with", Some("HistogramHandle"), "The series of `labels`."),
        };
        let method = format_ident!("{}", method, span = ty.span());
        let ret = match ret {
            Some(r) => {
                let r = format_ident!("{}", r);
                quote!(::obs::__private::#r)
            }
            None => quote!(()),
        };
        let family_ty = quote!(::obs::__private::#family<#labels>);
        let ops = quote_spanned! {ty.span()=>
            type __ObsByLabels = fn(&'static #family_ty, #labels) -> #ret;
            const __OBS_LABELS: (&[::obs::__private::LabelDesc], __ObsByLabels) =
                (<#ty as ::obs::__private::LabelSet>::LABELS, <#family_ty>::#method);
        };
        let method_impl = quote! {
            #[automatically_derived]
            impl #ident {
                #[doc = #doc]
                #[inline(always)]
                #vis fn #method(&self, __obs_labels: #labels) -> #ret {
                    (__OBS_LABELS.1)(&__OBS_FAMILY, __obs_labels)
                }
            }
        };
        (ops, method_impl)
    });
    let label_descs = match &by_labels {
        Some(_) => quote!(__OBS_LABELS.0),
        None => label_descs,
    };
    let (label_ops, by_labels) = by_labels.unzip();
    let at = ident.span();
    let location = crate::common::location(at);
    quote! {
        #[allow(non_upper_case_globals)]
        const _: () = {
            #label_ops
            const __OBS_DESC: ::obs::__private::MetricDesc = ::obs::__private::MetricDesc {
                name: #name,
                namespace: #namespace,
                kind: ::obs::__private::MetricKind::#kind,
                value: ::obs::__private::ValueType::#value,
                help: #help,
                unit: #unit,
                labels: #label_descs,
                buckets: &[#(#buckets),*],
                native: #native,
                cap: #cap,
                location: #location,
                krate: ::obs::__private::crate_info!(),
                alerts: &[#(#alerts),*],
            };
            static __OBS_FAMILY: ::obs::__private::#family<#labels> = ::obs::__private::#family::new(&__OBS_DESC);
            #[automatically_derived]
            impl #ident {
                /// The family's descriptor, as the catalog reads it: its name (before a crate namespace is
                /// prefixed), kind, unit, labels and buckets, usable in `const` items.
                pub const DESC: &'static ::obs::__private::MetricDesc = &__OBS_DESC;
            }
            ::obs::__private::inventory::submit! {
                ::obs::__private::Declaration::Metric(&__OBS_FAMILY)
            }
            #[automatically_derived]
            impl ::core::ops::Deref for #ident {
                type Target = ::obs::__private::#family<#labels>;
                #[inline(always)]
                fn deref(&self) -> &Self::Target {
                    &__OBS_FAMILY
                }
            }
            #by_labels
        };
    }
}
