//! Cross-option rules of `#[metric]`. Each failed rule is recorded and replaced by a safe default, so the
//! expansion can still emit the item and the user's other code does not cascade into unrelated errors.

use super::ast::{AlertArgs, Args, Help, Kind};
use crate::ctxt::Ctxt;
use crate::names::{check_metric_name, non_base_unit, snake_case, BASE_UNITS};
use syn::{Ident, Type};

use obs_shared::{DEFAULT_BUCKETS, DEFAULT_BYTE_BUCKETS, DEFAULT_CAP};

pub enum ValueTy {
    Int,
    Float,
}

/// A validated declaration, ready to expand.
pub struct Model {
    pub ident: Ident,
    /// The struct's visibility, given to the methods generated on it.
    pub vis: syn::Visibility,
    pub kind: Kind,
    pub value: ValueTy,
    pub labels: Option<Type>,
    pub name: String,
    pub namespace: Option<String>,
    pub unit: Option<String>,
    pub buckets: Vec<f64>,
    pub cap: u32,
    /// Native (exponential) buckets beside the classic ones.
    pub native: bool,
    pub help: String,
    pub alerts: Vec<AlertModel>,
}

/// What a validated `alert(...)` compares.
pub enum Signal {
    Value,
    Rate(u64),
    Increase(u64),
    Quantile(f64, u64),
}

/// A validated `alert(...)`.
pub struct AlertModel {
    pub name: String,
    pub signal: Signal,
    /// `Gt`, `Ge`, ... as in `obs::AlertOp`.
    pub op: &'static str,
    pub threshold: f64,
    pub for_seconds: u64,
    /// `Critical`, `Warning` or `Info`, as in `obs::Severity`.
    pub severity: &'static str,
    pub summary: String,
    pub description: String,
}

pub fn validate(cx: &mut Ctxt, args: Args, kind: Kind, ident: &Ident, vis: &syn::Visibility, help: Help) -> Model {
    let help = match help {
        Help::Text(text) => text,
        Help::Missing => {
            cx.error_spanned_by(
                ident,
                format!(
                    "metric `{ident}` has no doc comment; add `/// What it measures.` above it: the doc comment is the metric's HELP text"
                ),
            );
            String::new()
        }
        Help::Empty(attr) => {
            cx.error_spanned_by(
                attr,
                format!(
                    "the doc comment of metric `{ident}` is empty; write what it measures, such as `/// Requests served.`: its first paragraph is the metric's HELP text"
                ),
            );
            String::new()
        }
    };

    let value = match (&args.value, kind) {
        (None, _) => ValueTy::Int,
        (Some(v), Kind::Counter | Kind::Gauge) => {
            let int = if kind == Kind::Counter { "u64" } else { "i64" };
            match v.to_string().as_str() {
                "f64" => ValueTy::Float,
                s if s == int => ValueTy::Int,
                s => {
                    cx.error_spanned_by(v, format!("a {} holds `{int}` or `f64`, not `{s}`", kind_name(kind)));
                    ValueTy::Int
                }
            }
        }
        (Some(v), _) => {
            cx.error_spanned_by(v, "`value` applies to counters and gauges only; remove it");
            ValueTy::Int
        }
    };

    let unit = args.unit.as_ref().and_then(|u| {
        let s = u.value();
        if let Some(base) = non_base_unit(&s) {
            cx.error_spanned_by(
                u,
                format!("`{s}` is not a base unit: Prometheus metrics use base units; write `unit = \"{base}\"` and record values in {base}"),
            );
            return None;
        }
        if s.is_empty() || !s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            cx.error_spanned_by(
                u,
                format!("unit `{s}` must be lowercase letters, digits and `_`, such as {}", BASE_UNITS[..3].join(", ")),
            );
            return None;
        }
        Some(s)
    });

    let mut name = match &args.name {
        Some(lit) => {
            let s = lit.value();
            match check_metric_name(&s, "metric name") {
                Ok(()) => s,
                Err(msg) => {
                    cx.error_spanned_by(lit, msg);
                    "invalid_name".to_owned()
                }
            }
        }
        None => {
            let s = snake_case(&ident.to_string());
            match check_metric_name(&s, "metric name") {
                Ok(()) => s,
                Err(msg) => {
                    cx.error_spanned_by(ident, format!("{msg}; or set `name = \"...\"`"));
                    "invalid_name".to_owned()
                }
            }
        }
    };
    let name_span = args.name.as_ref().map_or(ident.span(), |l| l.span());
    match kind {
        Kind::Counter => {
            if let Some(stripped) = name.strip_suffix(obs_shared::TOTAL) {
                name = stripped.to_owned();
            }
        }
        Kind::Info => {
            if let Some(stripped) = name.strip_suffix(obs_shared::INFO) {
                name = stripped.to_owned();
            }
        }
        Kind::Gauge | Kind::Histogram => {
            let histogram = if kind == Kind::Histogram { &obs_shared::HISTOGRAM_SAMPLES[..] } else { &[] };
            if let Some(sfx) = std::iter::once(&obs_shared::TOTAL).chain(histogram).find(|s| name.ends_with(*s)) {
                cx.error_at(
                    name_span,
                    format!(
                        "a {} name must not end in `{sfx}`: that suffix belongs to {}; rename it",
                        kind_name(kind),
                        if *sfx == obs_shared::TOTAL { "counters" } else { "the histogram's own samples" }
                    ),
                );
            }
        }
    }
    name = obs_shared::with_unit(&name, unit.as_deref());

    let namespace = args.namespace.as_ref().map(|lit| {
        let s = lit.value();
        if !s.is_empty() {
            if let Err(msg) = check_metric_name(&s, "namespace") {
                cx.error_spanned_by(lit, msg);
            }
        }
        s
    });

    if let (Some(key), false) = (&args.native, kind == Kind::Histogram) {
        cx.error_spanned_by(
            key,
            "`native` applies to histograms only; remove it, or declare `#[metric(histogram, native)]`",
        );
    }
    let native = args.native.is_some() && kind == Kind::Histogram;
    let buckets = match (&args.buckets, kind) {
        (Some((key, _)), k) if k != Kind::Histogram => {
            cx.error_spanned_by(
                key,
                "`buckets` applies to histograms only; remove it, or declare `#[metric(histogram, ...)]`",
            );
            Vec::new()
        }
        (Some((_, expr)), _) => crate::common::parse_buckets(cx, expr).unwrap_or_else(|| DEFAULT_BUCKETS.to_vec()),
        // Native only: the classic form keeps just `+Inf`, `_sum` and `_count`, as client_golang exposes it.
        (None, Kind::Histogram) if native => Vec::new(),
        (None, Kind::Histogram) if unit.as_deref() == Some("bytes") => DEFAULT_BYTE_BUCKETS.to_vec(),
        (None, Kind::Histogram) => DEFAULT_BUCKETS.to_vec(),
        (None, _) => Vec::new(),
    };

    let cap = match &args.cap {
        None => DEFAULT_CAP,
        Some(lit) => match lit.base10_parse::<u32>() {
            Ok(0) => {
                cx.error_spanned_by(lit, "`cap` must be at least 1: it is the most series this metric keeps");
                DEFAULT_CAP
            }
            Ok(n) => n,
            Err(_) => {
                cx.error_spanned_by(lit, "`cap` must be an integer from 1 to 4294967295");
                DEFAULT_CAP
            }
        },
    };

    let mut alerts: Vec<AlertModel> = Vec::new();
    for a in &args.alerts {
        if let Some(m) = validate_alert(cx, a, kind) {
            if alerts.iter().any(|b| b.name == m.name) {
                let msg = format!("two alerts of this metric are named `{}`; give each its own name", m.name);
                match a.name.as_ref() {
                    Some(lit) => cx.error_spanned_by(lit, msg),
                    None => cx.error_at(proc_macro2::Span::call_site(), msg),
                }
            } else {
                alerts.push(m);
            }
        }
    }

    Model {
        ident: ident.clone(),
        vis: vis.clone(),
        kind,
        value,
        labels: args.labels,
        name,
        namespace,
        unit,
        buckets,
        cap,
        native,
        help,
        alerts,
    }
}

const SEVERITIES: &[&str] = &["critical", "warning", "info"];

/// Checks one `alert(...)`: every setting is checked, so all mistakes are reported together.
fn validate_alert(cx: &mut Ctxt, a: &AlertArgs, kind: Kind) -> Option<AlertModel> {
    let mut ok = true;
    if kind == Kind::Info {
        cx.error_spanned_by(
            &a.key,
            "an info metric is always 1, so there is nothing to alert on; remove `alert(...)`, or alert on a gauge or counter",
        );
        return None;
    }
    let name = match &a.name {
        None => {
            cx.error_spanned_by(
                &a.key,
                "this alert has no name; add `name = \"UpperCamelCase\"`, such as `name = \"QueueBacklog\"`: it becomes the `alertname`",
            );
            ok = false;
            String::new()
        }
        Some(lit) => {
            let v = lit.value();
            let valid = v.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                cx.error_spanned_by(
                    lit,
                    format!("alert name `{v}` must be letters, digits and `_`, starting with a letter; write it in UpperCamelCase, such as `QueueBacklog`"),
                );
                ok = false;
            }
            v
        }
    };
    let (op, threshold) = match &a.expr {
        None => {
            cx.error_spanned_by(
                &a.key,
                "this alert has no condition; add `expr = \"> 100\"` (a comparison `>`, `>=`, `<`, `<=`, `==` or `!=` and a number)",
            );
            ok = false;
            ("Gt", 0.0)
        }
        Some(lit) => match parse_condition(&lit.value()) {
            Some(c) => c,
            None => {
                cx.error_spanned_by(
                    lit,
                    format!(
                        "`{}` is not a condition; write a comparison and a finite number, such as `expr = \"> 100\"` or `expr = \"<= 0.5\"`",
                        lit.value()
                    ),
                );
                ok = false;
                ("Gt", 0.0)
            }
        },
    };
    let mut duration = |lit: &syn::LitStr, what: &str| -> u64 {
        match parse_duration(&lit.value()) {
            Some(s) => s,
            None => {
                cx.error_spanned_by(
                    lit,
                    format!(
                        "`{}` is not a duration of whole seconds; write {what} as {}",
                        lit.value(),
                        obs_shared::DURATION_GRAMMAR
                    ),
                );
                ok = false;
                0
            }
        }
    };
    let for_seconds = a.for_.as_ref().map_or(300, |l| duration(l, "`for`"));
    let rate = a.rate.as_ref().map(|(_, l)| duration(l, "the `rate` window"));
    let increase = a.increase.as_ref().map(|(_, l)| duration(l, "the `increase` window"));
    let window = a.window.as_ref().map(|(_, l)| duration(l, "the `window`"));
    for w in [rate, increase, window].into_iter().flatten() {
        if w == 0 {
            ok = false;
        }
    }
    let severity = match &a.severity {
        None => "Warning",
        Some(lit) => match lit.value().as_str() {
            "critical" => "Critical",
            "warning" => "Warning",
            "info" => "Info",
            other => {
                cx.error_spanned_by(
                    lit,
                    format!(
                        "unknown severity `{other}`{}; expected one of: {} (critical pages, warning opens a ticket, info only records)",
                        crate::names::did_you_mean(other, SEVERITIES),
                        SEVERITIES.join(", ")
                    ),
                );
                ok = false;
                "Warning"
            }
        },
    };
    let summary = match &a.summary {
        Some(lit) if !lit.value().trim().is_empty() => lit.value(),
        Some(lit) => {
            cx.error_spanned_by(
                lit,
                "the summary is empty; say in one line what is wrong, such as `summary = \"The queue is backing up\"`",
            );
            ok = false;
            String::new()
        }
        None => {
            cx.error_spanned_by(
                &a.key,
                "this alert has no summary; add `summary = \"...\"`, the one line its notification shows",
            );
            ok = false;
            String::new()
        }
    };
    let description = a.description.as_ref().map_or(String::new(), |l| l.value());

    // The signal must fit the kind.
    let not_for = |cx: &mut Ctxt, key: &Ident, what: &str, fix: &str| {
        cx.error_spanned_by(key, format!("`{key}` does not apply to a {what}; {fix}"));
    };
    let signal = match kind {
        Kind::Counter => {
            if let Some((k, _)) = &a.quantile {
                not_for(cx, k, "counter", "alert on `rate = \"5m\"` or `increase = \"1h\"` instead");
                ok = false;
            }
            if let Some((k, _)) = &a.window {
                not_for(cx, k, "counter", "the window is the value of `rate` or `increase`");
                ok = false;
            }
            match (rate, increase, &a.increase) {
                (Some(_), Some(_), Some((k, _))) => {
                    cx.error_spanned_by(k, "give `rate` or `increase`, not both");
                    ok = false;
                    Signal::Value
                }
                (Some(w), None, _) => Signal::Rate(w),
                (None, Some(w), _) => Signal::Increase(w),
                _ => {
                    let at = a.expr.as_ref().map_or_else(|| a.key.span(), |e| e.span());
                    cx.error_at(
                        at,
                        "a counter only goes up, so a threshold on its total stays crossed forever; alert on how fast it grows: add `rate = \"5m\"` (per second, over 5 minutes) or `increase = \"1h\"`",
                    );
                    ok = false;
                    Signal::Value
                }
            }
        }
        Kind::Gauge => {
            for (k, _) in [&a.rate, &a.increase, &a.window].into_iter().flatten() {
                not_for(cx, k, "gauge", "a gauge alert compares its current value; remove it");
                ok = false;
            }
            if let Some((k, _)) = &a.quantile {
                not_for(cx, k, "gauge", "a gauge alert compares its current value; remove it");
                ok = false;
            }
            Signal::Value
        }
        Kind::Histogram => {
            for (k, _) in [&a.rate, &a.increase].into_iter().flatten() {
                not_for(
                    cx,
                    k,
                    "histogram",
                    "a histogram alert compares a quantile: use `quantile = 0.99` and `window = \"5m\"`",
                );
                ok = false;
            }
            match &a.quantile {
                None => {
                    cx.error_spanned_by(
                        &a.key,
                        "a histogram alert compares a quantile of its observations; add `quantile = 0.99` (and optionally `window = \"5m\"`)",
                    );
                    ok = false;
                    Signal::Value
                }
                Some((_, e)) => match crate::common::number(e) {
                    Some(q) if q > 0.0 && q < 1.0 => Signal::Quantile(q, window.unwrap_or(300)),
                    _ => {
                        cx.error_spanned_by(
                            e,
                            "`quantile` must be a number between 0 and 1 (exclusive), such as `0.99`",
                        );
                        ok = false;
                        Signal::Value
                    }
                },
            }
        }
        // Rejected above with its own error; never a panic in a macro.
        Kind::Info => return None,
    };
    ok.then_some(AlertModel { name, signal, op, threshold, for_seconds, severity, summary, description })
}

/// `"> 100"`, `">=0.5"`, `"!= 0"`: a comparison and a finite number.
fn parse_condition(s: &str) -> Option<(&'static str, f64)> {
    let s = s.trim();
    let (op, rest) = [(">=", "Ge"), ("<=", "Le"), ("==", "Eq"), ("!=", "Ne"), (">", "Gt"), ("<", "Lt")]
        .iter()
        .find_map(|(sym, op)| s.strip_prefix(sym).map(|r| (*op, r)))?;
    let v: f64 = rest.trim().parse().ok()?;
    v.is_finite().then_some((op, v))
}

/// A Prometheus duration in whole seconds, as alert rules take it; `None` if it does not parse, is zero or has a
/// fraction of a second.
fn parse_duration(s: &str) -> Option<u64> {
    let d = obs_shared::parse_duration(s)?;
    (d.subsec_nanos() == 0 && d.as_secs() > 0).then_some(d.as_secs())
}

pub fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Counter => "counter",
        Kind::Gauge => "gauge",
        Kind::Histogram => "histogram",
        Kind::Info => "info metric",
    }
}
