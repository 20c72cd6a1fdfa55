//! The `spans` benchmark's case names, and its ratio table with the targets of issues 3 and 13 and the span counts.

use crate::{ns, read_estimate, Estimate};
use std::fmt::Write as _;
use std::path::Path;
use std::time::SystemTime;

/// Calls per chunk in the span cases (each chunk runs under one parent; flushed cases flush after each).
pub const CHUNK: u64 = 1000;

/// The criterion group of every case.
pub const GROUP: &str = "spans";

/// Bench ids inside [`GROUP`].
pub mod case {
    /// A plain non-inlined function: the limit.
    pub const PLAIN: &str = "1_plain";
    /// The plain function between two readings of obs' clock: what any per-call duration costs on this machine.
    pub const CLOCK_FLOOR: &str = "1b_plain_between_two_clock_reads";
    /// obs `#[traced]` without a trace pipeline: RED metrics only.
    pub const OBS_METRICS: &str = "2_obs_metrics_only";
    /// obs, sampled span exported over OTLP/HTTP to the loopback receiver, flushed after each chunk.
    pub const OBS_OTLP: &str = "3a_obs_span_otlp_flushed";
    /// obs, sampled span handed to a counting in-process sink, flushed after each chunk.
    pub const OBS_SINK: &str = "3b_obs_span_sink_flushed";
    /// obs, OTLP/HTTP to loopback, back to back with the default pipeline settings.
    pub const OBS_OTLP_B2B: &str = "3c_obs_span_otlp_back_to_back";
    /// autometrics 3, prometheus 0.14 backend.
    pub const AUTOMETRICS: &str = "4_autometrics";
    /// `tracing` `#[instrument]` + tracing-opentelemetry + SDK batch processor + OTLP/HTTP to loopback, flushed.
    pub const TRACING: &str = "5a_tracing_otel_otlp_flushed";
    /// The same, back to back.
    pub const TRACING_B2B: &str = "5b_tracing_otel_otlp_back_to_back";
    /// fastrace `#[trace]` under a root, counting reporter, flushed.
    pub const FASTRACE: &str = "6a_fastrace_flushed";
    /// The same, back to back.
    pub const FASTRACE_B2B: &str = "6b_fastrace_back_to_back";
    /// obs with the flight recorder on and the sampler at ratio 0: every call recorded, none exported, flushed.
    pub const OBS_FLIGHT: &str = "7a_obs_flight_recorder_sampler_0_flushed";
    /// obs with the flight recorder on while every span is exported over OTLP/HTTP to loopback, flushed.
    pub const OBS_FLIGHT_OTLP: &str = "7b_obs_flight_recorder_and_otlp_flushed";
}

/// Spans a case created, and what became of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Spans created (calls, plus roots that are spans), warm-up included.
    pub created: u64,
    /// Spans the exporter or reporter accepted.
    pub exported: u64,
    /// Spans dropped, when known.
    pub dropped: Option<u64>,
}

const ROWS: &[(&str, &str)] = &[
    (case::PLAIN, "1. plain function (the limit)"),
    (case::CLOCK_FLOOR, "1b. plain function between two reads of obs' clock (`rdtsc`): the floor of any timed call"),
    (case::OBS_METRICS, "2. obs `#[traced]`, metrics only (no pipeline)"),
    (case::OBS_OTLP, "3a. obs, sampled span → OTLP/HTTP loopback, flushed (every span exported)"),
    (case::OBS_SINK, "3b. obs, sampled span → counting `SpanSink`, flushed"),
    (case::OBS_OTLP_B2B, "3c. obs, sampled span → OTLP/HTTP loopback, back to back (default pipeline)"),
    (case::OBS_FLIGHT, "7a. obs, flight recorder on, sampler ratio 0 (recorded, not exported), flushed"),
    (case::OBS_FLIGHT_OTLP, "7b. obs, flight recorder on and every span → OTLP/HTTP loopback, flushed"),
    (case::AUTOMETRICS, "4. autometrics 3 `#[autometrics]` (prometheus 0.14)"),
    (case::TRACING, "5a. tracing `#[instrument]` + tracing-opentelemetry + batch → OTLP/HTTP loopback, flushed"),
    (case::TRACING_B2B, "5b. the same, back to back (SDK default batch settings)"),
    (case::FASTRACE, "6a. fastrace `#[trace]` under a root, counting reporter, flushed"),
    (case::FASTRACE_B2B, "6b. the same, back to back"),
];

/// The table, the target checks and the span counts; also returns whether every figure was fresh.
pub fn report(dir: &Path, since: SystemTime, counts: &[(&str, Counts)]) -> (String, bool) {
    let get = |b: &str| read_estimate(dir, GROUP, b, since);
    let mut complete = true;
    let mut out = String::new();
    let plain = get(case::PLAIN);
    let cmp = [("obs metrics-only", case::OBS_METRICS), ("obs span (3a)", case::OBS_OTLP)];
    out.push_str("| case | median per call | − plain | ");
    for (t, _) in cmp {
        let _ = write!(out, "{t} ÷ this | ");
    }
    out.push_str("spans created | exported | dropped |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (id, title) in ROWS {
        let e = get(id);
        let _ = write!(out, "| {title} |");
        match e {
            Some(Estimate { median_ns, fresh }) => {
                complete &= fresh;
                let _ = write!(out, " {}{} |", ns(median_ns), if fresh { "" } else { "†" });
                match plain {
                    Some(p) if *id != case::PLAIN => {
                        let _ = write!(out, " {} |", ns(median_ns - p.median_ns));
                    }
                    _ => out.push_str(" – |"),
                }
                for (_, o) in cmp {
                    match get(o) {
                        Some(o) => {
                            let _ = write!(out, " {:.3} |", o.median_ns / median_ns);
                        }
                        None => out.push_str(" – |"),
                    }
                }
            }
            None => {
                complete = false;
                out.push_str(" – | – | – | – |");
            }
        }
        match counts.iter().find(|(c, _)| c == id) {
            Some((_, c)) => {
                let pct = |n: u64| if c.created == 0 { 0.0 } else { 100.0 * n as f64 / c.created as f64 };
                let _ = write!(out, " {} | {} ({:.1}%) |", c.created, c.exported, pct(c.exported));
                match c.dropped {
                    Some(d) => {
                        let _ = writeln!(out, " {d} ({:.1}%) |", pct(d));
                    }
                    None => out.push_str(" ? |\n"),
                }
            }
            None => out.push_str(" – | – | – |\n"),
        }
    }
    let _ = write!(
        out,
        "\nA ratio below 1 means obs is faster (0.10: 10× faster). − plain: the median minus the plain function's. \
         Span cases run {CHUNK} calls per chunk under one parent set up before the clock starts (obs: a sampled \
         parent context attached; tracing: a root `info_span!` entered; fastrace: `Span::root` + \
         `set_local_parent`); the timed part is the calls plus the parent's teardown. *Flushed*: after each chunk, \
         untimed, the pipeline is flushed (obs `TraceGuard::flush`, `SdkTracerProvider::force_flush`, \
         `fastrace::flush`), so every span is exported. *Back to back*: no flush, default exporter settings. Span \
         counts include warm-up and the roots that are spans themselves (tracing, fastrace); obs' drops are its \
         `obs_spans_dropped_total` (`pipeline_stats`), the peers' are created − exported after a final flush. \
         obs' span cases also record the function's RED metrics (and an exemplar); the peers' record the span \
         only.\n"
    );
    if !complete {
        out.push_str("† : figure from an earlier run, not this one.\n");
    }
    out.push_str("\n| target | figure | result |\n|---|---|---|\n");
    let ratio = |a: &str, b: &str| Some(get(a)?.median_ns / get(b)?.median_ns);
    let mut check = |what: &str, r: Option<f64>, shown: &dyn Fn(f64) -> String, ok: &dyn Fn(f64) -> bool| {
        let (fig, res) = match r {
            Some(f) => (shown(f), if ok(f) { "PASS" } else { "MISS" }),
            None => ("not measured".to_owned(), "–"),
        };
        let _ = writeln!(out, "| {what} | {fig} | {res} |");
    };
    let faster = |r: f64| format!("{:.1}× faster (ratio {r:.3})", 1.0 / r);
    let times = |r: f64| format!("{r:.2}×");
    check(
        "metrics-only ≥ 10× faster than autometrics",
        ratio(case::OBS_METRICS, case::AUTOMETRICS),
        &faster,
        &|r| r <= 0.1,
    );
    check(
        "metrics-only (2) ≤ 1.25× the clock floor (1b), same run",
        ratio(case::OBS_METRICS, case::CLOCK_FLOOR),
        &times,
        &|r| r <= 1.25,
    );
    check(
        "for reference: the clock floor (1b) ÷ autometrics (4), the best ratio any timed call can reach here",
        ratio(case::CLOCK_FLOOR, case::AUTOMETRICS),
        &faster,
        &|r| r <= 0.1,
    );
    check(
        "recorded and exported (3a, OTLP) ≥ 5× faster than tracing + tracing-opentelemetry (5a)",
        ratio(case::OBS_OTLP, case::TRACING),
        &faster,
        &|r| r <= 0.2,
    );
    check(
        "recorded and exported (3a, OTLP) within 2× of fastrace (6a): obs ÷ fastrace ≤ 2",
        ratio(case::OBS_OTLP, case::FASTRACE),
        &times,
        &|r| r <= 2.0,
    );
    check(
        "the same with the in-process sink (3b) ÷ fastrace (6a) ≤ 2",
        ratio(case::OBS_SINK, case::FASTRACE),
        &times,
        &|r| r <= 2.0,
    );
    check(
        "back to back (3c) ≥ 5× faster than tracing back to back (5b)",
        ratio(case::OBS_OTLP_B2B, case::TRACING_B2B),
        &faster,
        &|r| r <= 0.2,
    );
    check(
        "back to back (3c) ÷ fastrace back to back (6b) ≤ 2",
        ratio(case::OBS_OTLP_B2B, case::FASTRACE_B2B),
        &times,
        &|r| r <= 2.0,
    );
    // The flight recorder's targets (issue 13).
    check(
        "flight recorder on, ratio 0 (7a) ≤ 2× metrics-only (2)",
        ratio(case::OBS_FLIGHT, case::OBS_METRICS),
        &times,
        &|r| r <= 2.0,
    );
    check(
        "flight recorder on, ratio 0 (7a) ≤ fastrace's recorded span (6a)",
        ratio(case::OBS_FLIGHT, case::FASTRACE),
        &times,
        &|r| r <= 1.0,
    );
    check(
        "flight recorder on while exporting (7b) ≤ 1.2× the exported span (3a)",
        ratio(case::OBS_FLIGHT_OTLP, case::OBS_OTLP),
        &times,
        &|r| r <= 1.2,
    );
    (out, complete)
}
