//! The typed model of `#[metric(...)]` as written: each option keeps its syn node for spans.

use crate::common::once;
use crate::ctxt::Ctxt;
use crate::names::{did_you_mean, suggest};
use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::{Attribute, Expr, Ident, LitInt, LitStr, Type};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
    Info,
}

pub const KINDS: &[&str] = &["counter", "gauge", "histogram", "info"];
pub const OPTIONS: &[&str] = &["labels", "name", "namespace", "unit", "buckets", "native", "cap", "value", "alert"];

/// Keys inside `alert(...)`.
pub const ALERT_OPTIONS: &[&str] =
    &["name", "expr", "for", "severity", "summary", "description", "rate", "increase", "quantile", "window"];

impl Kind {
    fn from_ident(s: &str) -> Option<Kind> {
        Some(match s {
            "counter" => Kind::Counter,
            "gauge" => Kind::Gauge,
            "histogram" => Kind::Histogram,
            "info" => Kind::Info,
            _ => return None,
        })
    }
}

/// The attribute's arguments, each with the tokens the user wrote.
#[derive(Default)]
pub struct Args {
    pub kind: Option<(Kind, Ident)>,
    /// The kind was not written but guessed from a misspelling (already reported), so the expansion still gives
    /// the methods the user meant; a kind written later replaces it.
    pub kind_guessed: bool,
    /// An unknown kind was reported, so "missing kind" would say it twice.
    pub kind_reported: bool,
    pub labels: Option<Type>,
    pub name: Option<LitStr>,
    pub namespace: Option<LitStr>,
    pub unit: Option<LitStr>,
    pub buckets: Option<(Ident, Expr)>,
    pub cap: Option<LitInt>,
    pub value: Option<Ident>,
    /// `native`: exponential buckets in Prometheus' native-histogram schema.
    pub native: Option<Ident>,
    pub alerts: Vec<AlertArgs>,
}

/// One `alert(...)` as written; every value keeps its literal for spans.
pub struct AlertArgs {
    /// The `alert` key itself, for errors about what is missing.
    pub key: Ident,
    pub name: Option<LitStr>,
    pub expr: Option<LitStr>,
    pub for_: Option<LitStr>,
    pub severity: Option<LitStr>,
    pub summary: Option<LitStr>,
    pub description: Option<LitStr>,
    pub rate: Option<(Ident, LitStr)>,
    pub increase: Option<(Ident, LitStr)>,
    pub quantile: Option<(Ident, Expr)>,
    pub window: Option<(Ident, LitStr)>,
}

/// Parses the arguments, recording recoverable mistakes in `cx` and carrying on past them.
pub fn parse_args(cx: &mut Ctxt, tokens: TokenStream) -> Args {
    crate::common::parse_args(cx, tokens, parse_one)
}

fn parse_one(cx: &mut Ctxt, args: &mut Args, meta: ParseNestedMeta<'_>) -> syn::Result<()> {
    let Some(key) = meta.path.get_ident().cloned() else {
        cx.error_spanned_by(
            &meta.path,
            "expected a metric kind or an option name, not a path; write a plain name, such as `labels = Route`",
        );
        return crate::common::skip_value(&meta);
    };
    let k = key.to_string();
    let bare = meta.input.is_empty() || meta.input.peek(syn::Token![,]);
    if k == "native" {
        if !bare {
            cx.error_spanned_by(&key, "`native` is a flag and takes no value; write `#[metric(histogram, native)]`");
            return crate::common::skip_value(&meta);
        }
        once(cx, &mut args.native, key.clone(), &key, "option `native`");
        return Ok(());
    }
    if bare {
        if let Some(kind) = Kind::from_ident(&k) {
            match &args.kind {
                Some((_, first)) if !args.kind_guessed => cx.error_spanned_by(
                    &key,
                    format!("a metric has one kind, and `{first}` is already given; remove `{k}`"),
                ),
                _ => {
                    args.kind = Some((kind, key));
                    args.kind_guessed = false;
                }
            }
            return Ok(());
        }
        if !OPTIONS.contains(&k.as_str()) {
            let msg = if args.kind.is_none() {
                // Expanded as the kind it most likely is, so the uses of the metric do not cascade.
                if let Some(kind) = suggest(&k, KINDS).and_then(Kind::from_ident) {
                    args.kind = Some((kind, key.clone()));
                    args.kind_guessed = true;
                }
                args.kind_reported = true;
                format!("unknown metric kind `{k}`{}; expected one of: {}", did_you_mean(&k, KINDS), KINDS.join(", "))
            } else {
                unknown_option(&k)
            };
            cx.error_spanned_by(&key, msg);
            return Ok(());
        }
    }
    if k == "alert" {
        if let Some(alert) = parse_alert(cx, key.clone(), &meta)? {
            args.alerts.push(alert);
        }
        return Ok(());
    }
    if apply(cx, args, &k, &key, meta.input)? {
        return Ok(());
    }
    cx.error_spanned_by(&key, unknown_option(&k));
    // A misspelt option still takes effect as the option it most likely is (`lables = Route` gives the labels),
    // so the uses of the metric do not cascade; only when its value parses as that option's, checked on a fork.
    if let Some(meant) = suggest(&k, OPTIONS).filter(|m| !is_set(args, m)) {
        let mut scratch = Ctxt::new();
        let fits = apply(&mut scratch, &mut Args::default(), meant, &key, &meta.input.fork()).unwrap_or(false);
        let _ = scratch.into_compile_errors();
        if fits {
            apply(cx, args, meant, &key, meta.input)?;
            return Ok(());
        }
    }
    crate::common::skip_value(&meta)
}

/// Whether the option `k` was already given.
fn is_set(args: &Args, k: &str) -> bool {
    match k {
        "labels" => args.labels.is_some(),
        "name" => args.name.is_some(),
        "namespace" => args.namespace.is_some(),
        "unit" => args.unit.is_some(),
        "buckets" => args.buckets.is_some(),
        "cap" => args.cap.is_some(),
        "value" => args.value.is_some(),
        "native" => args.native.is_some(),
        // `alert` can be given many times, but a misspelt one is not guessed: its settings would be checked
        // against a key the user did not write.
        _ => true,
    }
}

/// Stores the `= value` of option `k` read from `input`; `false` when `k` is not such an option.
fn apply(cx: &mut Ctxt, args: &mut Args, k: &str, key: &Ident, input: ParseStream<'_>) -> syn::Result<bool> {
    let what = format!("option `{k}`");
    let value = |input: ParseStream<'_>| input.parse::<syn::Token![=]>();
    match k {
        "labels" => once(cx, &mut args.labels, value(input).and_then(|_| input.parse::<Type>())?, key, &what),
        "name" => once(cx, &mut args.name, value(input).and_then(|_| input.parse::<LitStr>())?, key, &what),
        "namespace" => once(cx, &mut args.namespace, value(input).and_then(|_| input.parse::<LitStr>())?, key, &what),
        "unit" => once(cx, &mut args.unit, value(input).and_then(|_| input.parse::<LitStr>())?, key, &what),
        "buckets" => {
            let v = value(input).and_then(|_| input.parse::<Expr>())?;
            once(cx, &mut args.buckets, (key.clone(), v), key, &what)
        }
        "cap" => once(cx, &mut args.cap, value(input).and_then(|_| input.parse::<LitInt>())?, key, &what),
        "value" => once(cx, &mut args.value, value(input).and_then(|_| input.parse::<Ident>())?, key, &what),
        _ => return Ok(false),
    }
    Ok(true)
}

/// `alert(name = "...", expr = "> 100", for = "5m", severity = "warning", summary = "...", ...)`.
/// One `alert(...)`; `None` when it is not written in parentheses (reported, and its value skipped: checking
/// the settings it lacks would only repeat that mistake).
fn parse_alert(cx: &mut Ctxt, key: Ident, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<AlertArgs>> {
    let mut a = AlertArgs {
        key,
        name: None,
        expr: None,
        for_: None,
        severity: None,
        summary: None,
        description: None,
        rate: None,
        increase: None,
        quantile: None,
        window: None,
    };
    if !meta.input.peek(syn::token::Paren) {
        cx.error_spanned_by(
            &a.key,
            "`alert` takes its settings in parentheses: `alert(name = \"QueueBacklog\", expr = \"> 100\", for = \"5m\", severity = \"warning\", summary = \"...\")`",
        );
        crate::common::skip_value(meta)?;
        return Ok(None);
    }
    meta.parse_nested_meta(|inner| {
        let Some(ik) = inner.path.get_ident().cloned() else {
            cx.error_spanned_by(
                &inner.path,
                "expected an `alert` setting name, not a path; write a plain name, such as `expr = \"> 100\"`",
            );
            return crate::common::skip_value(&inner);
        };
        let k = ik.to_string();
        let what = format!("`{k}` in `alert(...)`");
        match k.as_str() {
            "name" => once(cx, &mut a.name, inner.value()?.parse::<LitStr>()?, &ik, &what),
            "expr" => once(cx, &mut a.expr, inner.value()?.parse::<LitStr>()?, &ik, &what),
            "for" => once(cx, &mut a.for_, inner.value()?.parse::<LitStr>()?, &ik, &what),
            "severity" => once(cx, &mut a.severity, inner.value()?.parse::<LitStr>()?, &ik, &what),
            "summary" => once(cx, &mut a.summary, inner.value()?.parse::<LitStr>()?, &ik, &what),
            "description" => once(cx, &mut a.description, inner.value()?.parse::<LitStr>()?, &ik, &what),
            "rate" => once(cx, &mut a.rate, (ik.clone(), inner.value()?.parse::<LitStr>()?), &ik, &what),
            "increase" => once(cx, &mut a.increase, (ik.clone(), inner.value()?.parse::<LitStr>()?), &ik, &what),
            "quantile" => once(cx, &mut a.quantile, (ik.clone(), inner.value()?.parse::<Expr>()?), &ik, &what),
            "window" => once(cx, &mut a.window, (ik.clone(), inner.value()?.parse::<LitStr>()?), &ik, &what),
            _ => {
                cx.error_spanned_by(
                    &ik,
                    format!(
                        "unknown `alert` setting `{k}`{}; expected one of: {}",
                        did_you_mean(&k, ALERT_OPTIONS),
                        ALERT_OPTIONS.join(", ")
                    ),
                );
                return crate::common::skip_value(&inner);
            }
        }
        Ok(())
    })?;
    Ok(Some(a))
}

fn unknown_option(k: &str) -> String {
    let kinds_too = if KINDS.contains(&k) { " (the kind comes first, once)" } else { "" };
    format!("unknown option `{k}`{}{kinds_too}; expected one of: {}", did_you_mean(k, OPTIONS), OPTIONS.join(", "))
}

/// What the doc comment gives as HELP text.
pub enum Help {
    /// The first paragraph, joined into one line.
    Text(String),
    /// No doc comment at all.
    Missing,
    /// Doc comments that say nothing, such as a bare `///`: the first one, for the error's span.
    Empty(Box<Attribute>),
}

/// The first paragraph of the doc comment, joined into one line: Prometheus HELP is a single line.
pub fn help_from_docs(attrs: &[Attribute]) -> Help {
    let mut lines = Vec::new();
    let mut first_doc = None;
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        first_doc.get_or_insert(attr);
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) = &nv.value {
                let v = s.value();
                // A bare `///` is an empty string, which `lines()` would skip: it ends the paragraph.
                if v.trim().is_empty() {
                    lines.push(String::new());
                }
                for line in v.lines() {
                    lines.push(line.trim().to_owned());
                }
            }
        }
    }
    let para: Vec<String> = lines.into_iter().skip_while(|l| l.is_empty()).take_while(|l| !l.is_empty()).collect();
    match (para.is_empty(), first_doc) {
        (false, _) => Help::Text(para.join(" ")),
        (true, Some(attr)) => Help::Empty(Box::new(attr.clone())),
        (true, None) => Help::Missing,
    }
}

/// The span of the whole attribute, for errors about what is missing from it.
pub fn call_site() -> Span {
    Span::call_site()
}
