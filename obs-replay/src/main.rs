//! `obs-replay`: reads an obs flight recorder dump (OTLP JSON lines, from `GET /debug/flight` or an automatic
//! dump) and re-exports its spans over OTLP (http/protobuf or gRPC) to any endpoint, at real time, faster, or at
//! once, so an incident the sampler dropped can be looked at in any tracing backend.
//!
//! Spans are sent in the order they ended, keeping the gaps between them (divided by `--speed`). Ids and parent
//! links are kept as they are; `--shift-to-now` moves every timestamp by one offset so the dump's last span ends
//! now, inside the backend's recent window.

mod dump;
mod time;

use clap::{Arg, ArgAction, Command};
use dump::Item;
use obs_runtime::otlp_proto::collector::trace::v1::ExportTraceServiceRequest;
use obs_runtime::otlp_proto::trace::v1::{ResourceSpans, ScopeSpans};
use obs_runtime::trace::OtlpTraceClient;
use obs_runtime::Protocol;
use std::io::BufRead;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Spans per export request.
const BATCH: usize = 512;

fn cli() -> Command {
    Command::new("obs-replay")
        .about("Replays an obs flight recorder dump (OTLP JSON lines) into an OTLP endpoint")
        .arg(Arg::new("dump").required(true).help("The dump file (OTLP JSON lines), or - for standard input"))
        .arg(
            Arg::new("endpoint")
                .long("endpoint")
                .default_value("http://127.0.0.1:4318/v1/traces")
                .help("Where to send: the full URL for http/protobuf (…/v1/traces), host:port URL for gRPC"),
        )
        .arg(
            Arg::new("protocol")
                .long("protocol")
                .default_value("http/protobuf")
                .value_parser(["http/protobuf", "grpc"])
                .help("The OTLP transport"),
        )
        .arg(Arg::new("speed").long("speed").default_value("1").help(
            "Replay speed: 5 sends five times faster than the spans happened, keeping the gaps; max sends at once",
        ))
        .arg(Arg::new("from").long("from").help(
            "Only spans that start at or after this: an RFC 3339 instant (2026-12-02T14:31:18Z) or an offset from \
             the dump's first span (30s, +2m)",
        ))
        .arg(
            Arg::new("to").long("to").help(
                "Only spans that end at or before this: an RFC 3339 instant or an offset from the dump's first span",
            ),
        )
        .arg(Arg::new("trace-id").long("trace-id").help("Only this trace (32 hex digits)"))
        .arg(
            Arg::new("function").long("function").help("Only spans of this function (span name or code.function.name)"),
        )
        .arg(
            Arg::new("errors-only")
                .long("errors-only")
                .action(ArgAction::SetTrue)
                .help("Only the traces that hold a span with an error status (all their spans)"),
        )
        .arg(
            Arg::new("shift-to-now")
                .long("shift-to-now")
                .action(ArgAction::SetTrue)
                .help("Move every timestamp by one offset so the last span ends now; ids and parent links are kept"),
        )
        .arg(Arg::new("quiet").long("quiet").action(ArgAction::SetTrue).help("No progress on stderr"))
}

/// `--speed`: a factor, or `None` for `max`.
fn speed(v: &str) -> Result<Option<f64>, String> {
    if v == "max" {
        return Ok(None);
    }
    match v.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 => Ok(Some(s)),
        _ => Err(format!("--speed: `{v}` is not a positive number or `max`")),
    }
}

fn read(path: &str, quiet: bool) -> Result<(Vec<Item>, usize), String> {
    let reader: Box<dyn BufRead> = if path == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?))
    };
    let (mut items, mut bad) = (Vec::new(), 0);
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| format!("{path}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        match dump::parse_line(&line) {
            Ok(spans) => items.extend(spans),
            Err(e) => {
                bad += 1;
                if !quiet || bad <= 10 {
                    eprintln!("obs-replay: {path}: line {}: {e}; skipped", n + 1);
                }
            }
        }
    }
    Ok((items, bad))
}

fn run() -> Result<ExitCode, String> {
    let m = cli().get_matches();
    let arg = |k: &str| m.get_one::<String>(k).map(String::as_str);
    let quiet = m.get_flag("quiet");
    let speed = speed(arg("speed").unwrap_or("1"))?;
    let protocol = match arg("protocol") {
        Some("grpc") => Protocol::Grpc,
        _ => Protocol::HttpProtobuf,
    };
    let path = arg("dump").unwrap_or("-");
    let (mut items, bad) = read(path, quiet)?;
    let start = items.iter().map(|i| i.span.start_time_unix_nano).min().unwrap_or(0);
    if let Some(from) = arg("from") {
        let t = time::instant("--from", from, start)?;
        items.retain(|i| i.span.start_time_unix_nano >= t);
    }
    if let Some(to) = arg("to") {
        let t = time::instant("--to", to, start)?;
        items.retain(|i| i.span.end_time_unix_nano <= t);
    }
    if let Some(tid) = arg("trace-id") {
        let want: Vec<u8> = (0..tid.len() / 2)
            .map(|i| u8::from_str_radix(tid.get(2 * i..2 * i + 2).unwrap_or("zz"), 16))
            .collect::<Result<_, _>>()
            .ok()
            .filter(|v: &Vec<u8>| v.len() == 16 && tid.len() == 32)
            .ok_or(format!("--trace-id: `{tid}` is not 32 hex digits"))?;
        items.retain(|i| i.span.trace_id == want);
    }
    if let Some(f) = arg("function") {
        items.retain(|i| i.span.name == f || dump::str_attr(&i.span, "code.function.name") == Some(f));
    }
    if m.get_flag("errors-only") {
        let mut bad_traces: Vec<Vec<u8>> = items
            .iter()
            .filter(|i| i.span.status.as_ref().is_some_and(|s| s.code == 2))
            .map(|i| i.span.trace_id.clone())
            .collect();
        bad_traces.sort();
        bad_traces.dedup();
        items.retain(|i| bad_traces.binary_search(&i.span.trace_id).is_ok());
    }
    // Sent in the order they ended, as a live exporter would have sent them.
    items.sort_by_key(|i| i.span.end_time_unix_nano);
    let first = items.iter().map(|i| i.span.start_time_unix_nano).min().unwrap_or(0);
    if m.get_flag("shift-to-now") {
        let last = items.iter().map(|i| i.span.end_time_unix_nano).max().unwrap_or(0);
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos() as u64;
        let offset = now as i128 - last as i128;
        let shift = |t: &mut u64| *t = (*t as i128 + offset).max(0) as u64;
        for i in &mut items {
            shift(&mut i.span.start_time_unix_nano);
            shift(&mut i.span.end_time_unix_nano);
            for e in &mut i.span.events {
                shift(&mut e.time_unix_nano);
            }
        }
    }
    let endpoint = arg("endpoint").unwrap_or_default();
    let mut client = OtlpTraceClient::new(endpoint, protocol, Duration::from_secs(10)).map_err(|e| e.to_string())?;
    let total = items.len();
    let began = Instant::now();
    let (mut sent, mut failed, mut last_report) = (0usize, 0usize, Instant::now());
    let mut i = 0;
    while i < total {
        // The spans due by now (all of them at `max`), at most one batch.
        let due = match speed {
            None => total,
            Some(s) => {
                let next = items[i].span.end_time_unix_nano.saturating_sub(first);
                let at = Duration::from_nanos((next as f64 / s) as u64);
                if let Some(wait) = at.checked_sub(began.elapsed()) {
                    std::thread::sleep(wait);
                }
                let elapsed = began.elapsed().as_nanos() as f64 * s;
                items[i..].partition_point(|it| (it.span.end_time_unix_nano.saturating_sub(first) as f64) <= elapsed)
                    + i
            }
        };
        let end = due.max(i + 1).min(i + BATCH).min(total);
        let request = request_of(&items[i..end]);
        match client.send(request) {
            Ok(()) => sent += end - i,
            Err(e) => {
                failed += end - i;
                eprintln!("obs-replay: {} spans not sent: {e}", end - i);
            }
        }
        i = end;
        if !quiet && last_report.elapsed() >= Duration::from_secs(1) {
            eprintln!("obs-replay: {sent}/{total} spans sent ({:.1} s)", began.elapsed().as_secs_f64());
            last_report = Instant::now();
        }
    }
    if !quiet {
        eprintln!(
            "obs-replay: done: {sent} spans sent, {failed} failed, {bad} malformed lines skipped, in {:.3} s",
            began.elapsed().as_secs_f64()
        );
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// One request, spans grouped by their resource and scope.
fn request_of(items: &[Item]) -> ExportTraceServiceRequest {
    let mut out: Vec<ResourceSpans> = Vec::new();
    for it in items {
        let rs = match out.iter_mut().position(|r| r.resource.as_ref() == Some(&it.resource)) {
            Some(p) => &mut out[p],
            None => {
                out.push(ResourceSpans { resource: Some(it.resource.clone()), ..Default::default() });
                out.last_mut().expect("just pushed")
            }
        };
        let ss = match rs.scope_spans.iter().position(|s| s.scope.as_ref() == Some(&it.scope)) {
            Some(p) => &mut rs.scope_spans[p],
            None => {
                rs.scope_spans.push(ScopeSpans { scope: Some(it.scope.clone()), ..Default::default() });
                rs.scope_spans.last_mut().expect("just pushed")
            }
        };
        ss.spans.push(it.span.clone());
    }
    ExportTraceServiceRequest { resource_spans: out }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("obs-replay: {e}");
            ExitCode::from(2)
        }
    }
}
