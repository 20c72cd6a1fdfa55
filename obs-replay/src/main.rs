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

/// How often progress is reported.
const SECOND: Duration = Duration::from_secs(1);

/// The command line.
fn cli() -> Command {
    Command::new("obs-replay")
        .about("Replays an obs flight recorder dump (OTLP JSON lines) into an OTLP endpoint")
        .arg(Arg::new("dump").required(true).help("The dump file (OTLP JSON lines), or - for standard input"))
        .arg(Arg::new("endpoint").long("endpoint").help(
            "Where to send: the full URL for http/protobuf (default http://127.0.0.1:4318/v1/traces), \
             host:port or its http:// URL for gRPC (default http://127.0.0.1:4317)",
        ))
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

/// The longest line a dump may hold: 64 MiB. The recorder writes at most 512 spans a line, which leaves each
/// 128 KiB, far more than a span takes; a longer line is damage or hostile. It is read through without being
/// kept, reported with its number and skipped: the memory a line takes is bounded by this cap, however long it is.
const MAX_LINE: usize = 64 << 20;

/// What [`next_line`] found.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// A line, in the buffer without its `\n` (or `\r\n`).
    Text,
    /// A line longer than the cap, read through and dropped.
    TooLong,
    /// The end of the input.
    End,
}

/// Reads the next line as bytes into `buf`, keeping at most `max` of them: a dump is not trusted to be UTF-8 or
/// to have sane line lengths, and neither may end the replay.
fn next_line(r: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> std::io::Result<Line> {
    buf.clear();
    // One byte over the cap tells a line of exactly `max` bytes from a longer one.
    if std::io::Read::take(&mut *r, max as u64 + 1).read_until(b'\n', buf)? == 0 {
        return Ok(Line::End);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    } else if buf.len() > max {
        r.skip_until(b'\n')?;
        buf.clear();
        // The buffer has grown to the cap: give it back rather than hold it for the rest of the read.
        buf.shrink_to(1 << 16);
        return Ok(Line::TooLong);
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Line::Text)
}

/// Reads a dump: its spans, and how many malformed lines were skipped (each reported with its number, all of
/// them unless `quiet`, the first ten otherwise). Only an I/O error ends the read; it names the file.
fn read(mut reader: impl BufRead, path: &str, quiet: bool, max_line: usize) -> Result<(Vec<Item>, usize), String> {
    let (mut items, mut bad, mut buf, mut n) = (Vec::new(), 0usize, Vec::new(), 0usize);
    let (began, mut last_report) = (Instant::now(), Instant::now());
    loop {
        let kind = next_line(&mut reader, &mut buf, max_line).map_err(|e| format!("{path}: line {}: {e}", n + 1))?;
        n += 1;
        let parsed = match kind {
            Line::End => break,
            Line::TooLong => Err(format!("longer than {} MiB", max_line >> 20)),
            // A byte-order mark some editors put in front of a file is not part of the first request.
            Line::Text => {
                match std::str::from_utf8(if n == 1 { buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf) } else { &buf })
                {
                    Err(e) => Err(format!("not UTF-8 (byte {} is invalid)", e.valid_up_to() + 1)),
                    Ok(line) if line.trim().is_empty() => Ok(Vec::new()),
                    Ok(line) => dump::parse_line(line),
                }
            }
        };
        match parsed {
            Ok(spans) => items.extend(spans),
            Err(e) => {
                bad += 1;
                if !quiet || bad <= 10 {
                    eprintln!("obs-replay: {path}: line {n}: {e}; skipped");
                }
            }
        }
        // A long dump takes a while to read before the first send: say so.
        if !quiet && last_report.elapsed() >= SECOND {
            eprintln!(
                "obs-replay: {path}: {n} lines read, {} spans ({:.1} s)",
                items.len(),
                began.elapsed().as_secs_f64()
            );
            last_report = Instant::now();
        }
    }
    Ok((items, bad))
}

/// `--trace-id`: 32 hex digits, checked byte by byte (`u8::from_str_radix` would take `+f` as a digit pair).
fn trace_id(v: &str) -> Result<Vec<u8>, String> {
    let b = v.as_bytes();
    if b.len() != 32 || !b.iter().all(u8::is_ascii_hexdigit) {
        return Err(format!("--trace-id: `{v}` is not 32 hex digits"));
    }
    let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
    Ok(b.chunks(2).map(|p| hex(p[0]) << 4 | hex(p[1])).collect())
}

/// Where to send: `--endpoint`, or the local collector's default for the protocol. A gRPC endpoint written
/// `host:port`, as the help calls it, gets the `http://` tonic needs.
/// An http/protobuf endpoint must be a whole `http(s)://` URL: refused here, before the dump is read, rather than
/// on every batch.
fn endpoint(v: Option<&str>, protocol: Protocol) -> Result<String, String> {
    Ok(match (v, protocol) {
        (Some(e), Protocol::Grpc) if !e.contains("://") => format!("http://{e}"),
        (Some(e), Protocol::HttpProtobuf) if !(e.starts_with("http://") || e.starts_with("https://")) => {
            return Err(format!(
                "--endpoint: `{e}` is not an http:// or https:// URL; write the whole URL, such as \
                 http://127.0.0.1:4318/v1/traces"
            ))
        }
        (Some(e), _) => e.to_owned(),
        (None, Protocol::Grpc) => "http://127.0.0.1:4317".to_owned(),
        (None, Protocol::HttpProtobuf) => "http://127.0.0.1:4318/v1/traces".to_owned(),
    })
}

/// Progress on stderr: a line a second (also while waiting out a gap in the dump), none when quiet.
struct Progress {
    quiet: bool,
    total: usize,
    began: Instant,
    last: Instant,
}

impl Progress {
    /// Prints `sent/total` if a second has passed since the last line.
    fn tick(&mut self, sent: usize) {
        if !self.quiet && self.last.elapsed() >= SECOND {
            eprintln!("obs-replay: {sent}/{} spans sent ({:.1} s)", self.total, self.began.elapsed().as_secs_f64());
            self.last = Instant::now();
        }
    }

    /// How long one may sleep before the next line is due.
    fn due_in(&self) -> Duration {
        if self.quiet {
            Duration::MAX
        } else {
            SECOND.saturating_sub(self.last.elapsed())
        }
    }
}

/// The replay: success, failure if a span could not be sent, or an `Err` for a usage or input error (exit 2).
fn run() -> Result<ExitCode, String> {
    let m = cli().get_matches();
    let arg = |k: &str| m.get_one::<String>(k).map(String::as_str);
    let quiet = m.get_flag("quiet");
    // Every option is checked before the dump is read: a typo should not wait for a long read to be told.
    let speed = speed(arg("speed").unwrap_or("1"))?;
    let protocol = match arg("protocol") {
        Some("grpc") => Protocol::Grpc,
        _ => Protocol::HttpProtobuf,
    };
    let from = arg("from").map(|v| time::parse("--from", v)).transpose()?;
    let to = arg("to").map(|v| time::parse("--to", v)).transpose()?;
    let want_trace = arg("trace-id").map(trace_id).transpose()?;
    let endpoint = endpoint(arg("endpoint"), protocol)?;
    let mut client = OtlpTraceClient::new(&endpoint, protocol, Duration::from_secs(10)).map_err(|e| e.to_string())?;
    let path = arg("dump").unwrap_or("-");
    let (mut items, bad) = if path == "-" {
        read(std::io::stdin().lock(), path, quiet, MAX_LINE)?
    } else {
        let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
        read(std::io::BufReader::new(file), path, quiet, MAX_LINE)?
    };
    let start = items.iter().map(|i| i.span.start_time_unix_nano).min().unwrap_or(0);
    if let Some(t) = from.map(|w| w.resolve(start)) {
        items.retain(|i| i.span.start_time_unix_nano >= t);
    }
    if let Some(t) = to.map(|w| w.resolve(start)) {
        items.retain(|i| i.span.end_time_unix_nano <= t);
    }
    if let Some(want) = want_trace {
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
    // The replay's zero, taken after the shift: taken before it, every span was late by the shift ÷ speed (a
    // dump an hour old, at speed 5, sent nothing for 12 minutes).
    let first = items.iter().map(|i| i.span.start_time_unix_nano).min().unwrap_or(0);
    let total = items.len();
    if total == 0 && !quiet {
        eprintln!("obs-replay: no span of the dump matches the filters; nothing to send");
    }
    let began = Instant::now();
    let mut progress = Progress { quiet, total, began, last: began };
    let (mut sent, mut failed) = (0usize, 0usize);
    let mut i = 0;
    while i < total {
        // The spans due by now (all of them at `max`), at most one batch.
        let due = match speed {
            None => total,
            Some(s) => {
                // Each span's time is measured from `began`, not from the previous send, so sleep overshoot and
                // round trips do not add up over a long replay.
                let next = items[i].span.end_time_unix_nano.saturating_sub(first);
                let at = Duration::from_nanos((next as f64 / s) as u64);
                // In slices of at most the time to the next progress line, so a long gap still reports.
                while let Some(wait) = at.checked_sub(began.elapsed()).filter(|w| !w.is_zero()) {
                    std::thread::sleep(wait.min(progress.due_in()));
                    progress.tick(sent);
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
        progress.tick(sent);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufReader, Cursor};

    #[test]
    fn lines_are_bytes_and_an_over_long_one_is_dropped_without_being_kept() {
        let data = b"short\r\n0123456789abcdefXYZ\n\xff\xfe\nexactly16bytes!!\nlast".to_vec();
        // A small reader buffer, as a file read in pieces would give.
        let mut r = BufReader::with_capacity(4, Cursor::new(data));
        let mut buf = Vec::new();
        let mut got = Vec::new();
        loop {
            let l = next_line(&mut r, &mut buf, 16).unwrap();
            assert!(buf.capacity() <= 1 << 16, "the buffer stays bounded");
            if l == Line::End {
                break;
            }
            got.push((l, String::from_utf8_lossy(&buf).into_owned()));
        }
        let text = |s: &str| (Line::Text, s.to_owned());
        assert_eq!(
            got,
            [
                text("short"),
                (Line::TooLong, String::new()),
                text("\u{fffd}\u{fffd}"),
                text("exactly16bytes!!"),
                text("last")
            ]
        );
    }

    #[test]
    fn a_hostile_line_is_skipped_and_counted_with_the_lines_around_it_kept() {
        let line = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"a","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}"#;
        let mut data = format!("{line}\n").into_bytes();
        data.extend(std::iter::repeat_n(b'x', 1000));
        data.extend_from_slice(b"\n\xc3\x28\n");
        data.extend_from_slice(line.as_bytes());
        let (items, bad) = read(Cursor::new(data), "d", true, 512).unwrap();
        assert_eq!((items.len(), bad), (2, 2));
        // A byte-order mark in front of the first line is not a malformed line; in front of another, it is.
        let bom = format!("\u{feff}{line}\n\u{feff}{line}\n").into_bytes();
        let (items, bad) = read(Cursor::new(bom), "d", true, 512).unwrap();
        assert_eq!((items.len(), bad), (1, 1));
    }

    #[test]
    fn trace_ids_are_32_hex_digits_and_nothing_else() {
        assert_eq!(trace_id("0102030405060708090a0B0C0D0E0F10").unwrap(), (1..=16).collect::<Vec<u8>>());
        for bad in ["+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1", "aé345678901234567890123456789012", "0102", ""] {
            assert!(trace_id(bad).unwrap_err().contains("is not 32 hex digits"), "{bad}");
        }
    }

    #[test]
    fn a_grpc_endpoint_may_omit_its_scheme_an_http_one_may_not() {
        let ok = |v, p| endpoint(v, p).unwrap();
        assert_eq!(ok(Some("collector:4317"), Protocol::Grpc), "http://collector:4317");
        assert_eq!(ok(Some("https://collector:4317"), Protocol::Grpc), "https://collector:4317");
        assert_eq!(ok(None, Protocol::Grpc), "http://127.0.0.1:4317");
        assert_eq!(ok(None, Protocol::HttpProtobuf), "http://127.0.0.1:4318/v1/traces");
        assert_eq!(ok(Some("https://c:4318/v1/traces"), Protocol::HttpProtobuf), "https://c:4318/v1/traces");
        let e = endpoint(Some("collector:4318/v1/traces"), Protocol::HttpProtobuf).unwrap_err();
        assert!(e.contains("is not an http:// or https:// URL"), "{e}");
    }
}
