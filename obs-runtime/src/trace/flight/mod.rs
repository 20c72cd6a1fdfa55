//! The flight recorder (feature `flight`): every traced call of the last `max_age`, whether or not the sampler
//! kept it, with its status, error text and the `tracing` events recorded in it, held in memory within
//! `max_bytes` (the oldest records go first, counted in `obs_flight_records_dropped_total{reason}`), and written
//! out on request ([`dump`], `GET /debug/flight`) or on its own when a traced call panics.
//!
//! It is a second consumer of the span rings beside the exporters: the collector hands it every drain on its own
//! thread, while the exporters run on another behind a bounded queue, so neither can stall the other (an export
//! that hangs does not keep the newest calls out of a dump) nor the hot path; the hot path only pushes
//! calls the sampler dropped into the ring too, in the same compact form as sampled ones.
//!
//! ```
//! use obs_runtime::trace::{flight, Call, Outcome, Sampler, TracePipeline};
//! # use obs_runtime::trace::{CrateInfo, FunctionDesc, Location, SpanKind, TracedFn};
//! # static DESC: FunctionDesc = FunctionDesc { function: "work", span_name: "work", kind: SpanKind::Internal,
//! #     attributes: &[], red_metrics: true, in_flight: true, buckets: &[0.1, 1.0], native: None, slo: None,
//! #     location: Location { file: "demo.rs", line: 1, column: 1, module_path: "demo" },
//! #     krate: CrateInfo { name: "demo", version: "0.1.0", ident: "demo" } };
//! # static WORK: TracedFn = TracedFn::new(&DESC);
//! use std::time::Duration;
//! let guard = TracePipeline::builder()
//!     .sampler(Sampler::AlwaysOff) // nothing is exported...
//!     .flight_recorder(Duration::from_secs(60), 8 << 20)
//!     .install()
//!     .unwrap();
//! Call::enter(&WORK).finish(Outcome::Error, Some("timeout".into()));
//! guard.flush();
//! let mut out = Vec::new();
//! let n = flight::dump(&mut out, &flight::Filter::default()).unwrap();
//! assert_eq!(n, 1); // ...but the recorder has the call
//! assert!(String::from_utf8(out).unwrap().contains("\"message\":\"timeout\""));
//! ```

mod encode;
mod store;

use super::panics;
use super::record::{SpanRecord, SpanStatus};
use super::sink::{Resource, SpanSink};
use crate::otel_env::{err, parse_bytes, parse_duration, ConfigError};
use obs_macros::metric;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use store::{Kept, Store};

/// The recorder's settings: `.flight_recorder(max_age, max_bytes)` on the builder, or
/// `OBS_FLIGHT_RECORDER=60s,32MiB` and `OBS_FLIGHT_RECORDER_DIR`.
///
/// ```
/// let s = obs_runtime::trace::flight::FlightSettings::parse("60s,32MiB").unwrap();
/// assert_eq!((s.max_age.as_secs(), s.max_bytes), (60, 32 << 20));
/// assert_eq!(s.dir, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlightSettings {
    /// How long records are kept.
    pub max_age: Duration,
    /// The most memory they may take.
    pub max_bytes: u64,
    /// Where automatic dumps go (none without it).
    pub dir: Option<PathBuf>,
    /// The shortest time between two automatic dumps (default one minute).
    pub min_dump_interval: Duration,
    /// Automatic dump files kept in `dir`; older ones are deleted (default 10).
    pub keep_files: usize,
}

impl FlightSettings {
    /// The settings for `max_age` and `max_bytes`, with the defaults for the rest.
    ///
    /// ```
    /// let s = obs_runtime::trace::flight::FlightSettings::new(std::time::Duration::from_secs(30), 1 << 20);
    /// assert_eq!(s.min_dump_interval, std::time::Duration::from_secs(60));
    /// ```
    pub fn new(max_age: Duration, max_bytes: u64) -> FlightSettings {
        FlightSettings { max_age, max_bytes, dir: None, min_dump_interval: Duration::from_secs(60), keep_files: 10 }
    }

    /// Parses `OBS_FLIGHT_RECORDER`'s value, `<max_age>,<max_bytes>`; an error names the variable.
    ///
    /// ```
    /// let e = obs_runtime::trace::flight::FlightSettings::parse("60s").unwrap_err();
    /// assert_eq!(e.variable, "OBS_FLIGHT_RECORDER");
    /// ```
    pub fn parse(v: &str) -> Result<FlightSettings, ConfigError> {
        const VAR: &str = "OBS_FLIGHT_RECORDER";
        let (age, bytes) =
            v.split_once(',').ok_or_else(|| err(VAR, v, "is not `<max_age>,<max_bytes>`; write e.g. `60s,32MiB`"))?;
        let max_age = parse_duration(VAR, age)?;
        let max_bytes = parse_bytes(VAR, bytes)?;
        if max_bytes < 4096 {
            return Err(err(VAR, v, "gives less than 4096 bytes, too little to hold anything"));
        }
        Ok(FlightSettings::new(max_age, max_bytes))
    }
}

/// Which records a dump holds.
///
/// ```
/// let f = obs_runtime::trace::flight::Filter::parse_query("last=30s&errors=true").unwrap();
/// assert_eq!(f.last, Some(std::time::Duration::from_secs(30)));
/// assert!(f.errors_only);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only records that ended this long ago or less.
    pub last: Option<Duration>,
    /// Only this trace.
    pub trace_id: Option<u128>,
    /// Only calls of this function (its name or its span name).
    pub function: Option<String>,
    /// Only the traces that hold an error (all their spans, so parent links resolve).
    pub errors_only: bool,
    /// The format (for the endpoint's `format=`); [`dump`] writes OTLP JSON whatever this says.
    pub format: Format,
}

/// A dump's format.
///
/// ```
/// assert_eq!(obs_runtime::trace::flight::Format::default(), obs_runtime::trace::flight::Format::OtlpJson);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// One OTLP `ExportTraceServiceRequest` per line, JSON-encoded (the OpenTelemetry file exporter's format).
    #[default]
    OtlpJson,
    /// Chrome trace-event JSON (Perfetto, `chrome://tracing`).
    Chrome,
}

impl Filter {
    /// Parses a query string: `last=30s`, `trace_id=<32 hex>`, `function=<name>`, `errors=true`,
    /// `format=otlp|chrome`. An unknown key or bad value is an error saying which.
    ///
    /// ```
    /// use obs_runtime::trace::flight::{Filter, Format};
    /// let f = Filter::parse_query("trace_id=0af7651916cd43dd8448eb211c80319c&format=chrome").unwrap();
    /// assert_eq!(f.trace_id, Some(0x0af7651916cd43dd8448eb211c80319c));
    /// assert_eq!(f.format, Format::Chrome);
    /// assert!(Filter::parse_query("lats=30s").is_err());
    /// ```
    pub fn parse_query(q: &str) -> Result<Filter, String> {
        let mut f = Filter::default();
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = crate::otel_env::percent_decode(&v.replace('+', " ")).ok_or(format!("`{pair}`: bad escape"))?;
            match k {
                "last" => f.last = Some(parse_duration("last", &v).map_err(|e| e.to_string())?),
                "trace_id" => {
                    f.trace_id = Some(
                        u128::from_str_radix(&v, 16)
                            .ok()
                            .filter(|_| v.len() == 32)
                            .ok_or(format!("trace_id: `{v}` is not 32 hex digits"))?,
                    )
                }
                "function" => f.function = Some(v),
                "errors" => {
                    f.errors_only = crate::otel_env::parse_bool("errors", &v).map_err(|e| e.to_string())?;
                }
                "format" => {
                    f.format = match v.as_str() {
                        "otlp" | "otlp_json" => Format::OtlpJson,
                        "chrome" => Format::Chrome,
                        _ => return Err(format!("format: `{v}` is not `otlp` or `chrome`")),
                    }
                }
                _ => {
                    return Err(format!("unknown parameter `{k}`; expected last, trace_id, function, errors or format"))
                }
            }
        }
        Ok(f)
    }

    fn keeps(&self, s: &Kept, since: u64) -> bool {
        s.end_unix_nanos() >= since
            && self.trace_id.is_none_or(|t| t == s.trace_id)
            && self.function.as_deref().is_none_or(|f| s.name == f || s.function.is_some_and(|d| d.function == f))
    }
}

#[derive(obs_macros::Labels)]
pub(crate) struct DropReason {
    reason: &'static str,
}

/// Records the flight recorder dropped: `max_bytes` (the oldest, to make room) or `max_age` (expired).
#[metric(counter, labels = DropReason, name = "obs_flight_records_dropped", namespace = "")]
pub(crate) struct FlightRecordsDropped;

#[derive(obs_macros::Labels)]
pub(crate) struct DumpTrigger {
    trigger: &'static str,
}

/// Dumps the flight recorder wrote, by trigger: `request` (the endpoint or `dump`), `panic`, `error`
/// (`#[traced(err, dump_on_error)]`) or `health` (a critical health check turned unhealthy).
#[metric(counter, labels = DumpTrigger, name = "obs_flight_dumps", namespace = "")]
pub(crate) struct FlightDumps;

#[derive(obs_macros::Labels)]
pub(crate) struct SkipReason {
    reason: &'static str,
}

/// Automatic dumps not written: `rate_limited` (within `min_dump_interval` of the last one) or `write_failed` (the
/// directory or file could not be written; the error goes to stderr). Requests made while one is pending are served
/// by that one dump, which holds their calls too, so they are not counted here.
#[metric(counter, labels = SkipReason, name = "obs_flight_dumps_skipped", namespace = "")]
pub(crate) struct FlightDumpsSkipped;

struct Recorder {
    store: Store,
    dir: Option<PathBuf>,
    min_dump_interval: Duration,
    keep_files: usize,
    last_auto_dump: Option<Instant>,
    /// A dump asked for, written at the next drain.
    deferred: Option<&'static str>,
}

static RECORDER: Mutex<Option<Recorder>> = Mutex::new(None);

fn recorder() -> std::sync::MutexGuard<'static, Option<Recorder>> {
    RECORDER.lock().unwrap_or_else(|e| e.into_inner())
}

/// The sink the collector hands every drain to.
pub(crate) struct FlightSink;

/// Sets the recorder up and turns recording of unsampled calls on (called by `install` once its collector
/// runs): an earlier recording is replaced.
pub(crate) fn activate(settings: &FlightSettings, resource: &Resource) {
    let max_bytes = usize::try_from(settings.max_bytes).unwrap_or(usize::MAX);
    *recorder() = Some(Recorder {
        store: Store::new(settings.max_age, max_bytes, resource.clone()),
        dir: settings.dir.clone(),
        min_dump_interval: settings.min_dump_interval,
        keep_files: settings.keep_files.max(1),
        last_auto_dump: None,
        deferred: None,
    });
    panics::install_hook();
    panics::set_wanted(settings.dir.is_some());
    super::sampler::set_flight();
}

impl SpanSink for FlightSink {
    fn export(&mut self, batch: &[SpanRecord], _: &Resource) -> Result<(), String> {
        let mut guard = recorder();
        let Some(r) = guard.as_mut() else { return Ok(()) };
        let (b0, a0) = (r.store.dropped_bytes, r.store.dropped_age);
        for s in batch {
            r.store.push(Kept::new(s));
        }
        r.store.expire();
        FlightRecordsDropped.with(DropReason { reason: "max_bytes" }).inc_by(r.store.dropped_bytes - b0);
        FlightRecordsDropped.with(DropReason { reason: "max_age" }).inc_by(r.store.dropped_age - a0);
        // A request seen in this drain is served at the next: that drain started after the request, which was
        // made after the span that asked was handed to its ring, so the dump holds it.
        if let Some(t) = r.deferred.take() {
            auto_dump(r, t);
        }
        let t = panics::take_dump_request();
        if t != 0 {
            r.deferred = Some(match t {
                t if t & panics::PANIC != 0 => "panic",
                t if t & panics::ERROR != 0 => "error",
                _ => "health",
            });
            super::wake::nudge();
        }
        Ok(())
    }
    fn shutdown(&mut self) {
        panics::set_wanted(false);
    }
    fn takes_unsampled(&self) -> bool {
        true
    }
}

/// Writes an automatic dump to the recorder's directory, at most one per `min_dump_interval`, then deletes
/// the oldest files beyond `keep_files`. A dump not written is counted in `obs_flight_dumps_skipped_total`.
fn auto_dump(r: &mut Recorder, trigger: &'static str) {
    let Some(dir) = r.dir.clone() else { return };
    if r.last_auto_dump.is_some_and(|t| t.elapsed() < r.min_dump_interval) {
        FlightDumpsSkipped.with(SkipReason { reason: "rate_limited" }).inc();
        return;
    }
    r.last_auto_dump = Some(Instant::now());
    let spans: Vec<SpanRecord> = r.store.records.iter().map(Kept::record).collect();
    let millis = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis();
    let path = dir.join(format!("flight-{millis:013}-{trigger}.jsonl"));
    // Written under another name and renamed, so a reader never sees half a dump.
    let partial = dir.join(format!(".flight-{millis:013}-{trigger}.partial"));
    let written = std::fs::create_dir_all(&dir).and_then(|()| {
        let mut f = io::BufWriter::new(std::fs::File::create(&partial)?);
        encode::otlp_json(&mut f, &spans, &r.store.resource)?;
        f.flush()?;
        drop(f);
        std::fs::rename(&partial, &path)
    });
    match written {
        Ok(()) => {
            FlightDumps.with(DumpTrigger { trigger }).inc();
            prune(&dir, r.keep_files);
        }
        Err(e) => {
            FlightDumpsSkipped.with(SkipReason { reason: "write_failed" }).inc();
            eprintln!("obs: cannot write the flight recorder dump {}: {e}", path.display());
        }
    }
}

/// Keeps the newest `keep` dump files of `dir` (their names sort by time).
fn prune(dir: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("flight-") && n.ends_with(".jsonl"))
        })
        .collect();
    files.sort();
    let excess = files.len().saturating_sub(keep);
    for p in &files[..excess] {
        let _ = std::fs::remove_file(p);
    }
}

/// Whether a recorder holds records (one was installed in this process).
///
/// ```
/// // Nothing installed in this doctest.
/// assert!(!obs_runtime::trace::flight::is_on());
/// ```
pub fn is_on() -> bool {
    recorder().is_some()
}

/// Writes the records `filter` selects as OTLP JSON lines; returns how many spans it wrote. Records still in
/// the threads' rings reach the recorder at the collector's next drain (flush the guard to include them).
/// Without a recorder, an error of kind `NotFound`.
///
/// ```
/// let err = obs_runtime::trace::flight::dump(&mut Vec::new(), &Default::default()).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
/// ```
pub fn dump(w: &mut dyn Write, filter: &Filter) -> io::Result<usize> {
    dump_as(w, filter, Format::OtlpJson)
}

/// [`dump`] in a chosen format.
///
/// ```
/// use obs_runtime::trace::flight::{dump_as, Filter, Format};
/// assert!(dump_as(&mut Vec::new(), &Filter::default(), Format::Chrome).is_err()); // no recorder here
/// ```
pub fn dump_as(w: &mut dyn Write, filter: &Filter, format: Format) -> io::Result<usize> {
    let (spans, resource) = {
        let guard = recorder();
        let Some(r) = guard.as_ref() else {
            return Err(io::Error::new(io::ErrorKind::NotFound, "the flight recorder is off"));
        };
        let now = super::clock::unix_nanos(super::clock::now());
        let since = filter.last.map_or(0, |d| now.saturating_sub(d.as_nanos() as u64));
        let mut spans: Vec<SpanRecord> =
            r.store.records.iter().filter(|s| filter.keeps(s, since)).map(Kept::record).collect();
        if filter.errors_only {
            let mut bad: Vec<u128> =
                spans.iter().filter(|s| matches!(s.status, SpanStatus::Error(_))).map(|s| s.trace_id).collect();
            bad.sort_unstable();
            bad.dedup();
            spans.retain(|s| bad.binary_search(&s.trace_id).is_ok());
        }
        (spans, r.store.resource.clone())
    };
    FlightDumps.with(DumpTrigger { trigger: "request" }).inc();
    match format {
        Format::OtlpJson => encode::otlp_json(w, &spans, &resource),
        Format::Chrome => encode::chrome(w, &spans, &resource),
    }
}

/// What the recorder holds now.
///
/// ```
/// assert_eq!(obs_runtime::trace::flight::stats(), None); // no recorder in this doctest
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlightStats {
    /// Records held.
    pub records: usize,
    /// Bytes they take (reserved slots plus their heap).
    pub bytes: usize,
    /// Records dropped to stay within `max_bytes`.
    pub dropped_max_bytes: u64,
    /// Records dropped as older than `max_age`.
    pub dropped_max_age: u64,
}

/// The recorder's counts, or `None` without one.
///
/// ```
/// assert!(obs_runtime::trace::flight::stats().is_none());
/// ```
pub fn stats() -> Option<FlightStats> {
    recorder().as_ref().map(|r| FlightStats {
        records: r.store.records.len(),
        bytes: r.store.bytes(),
        dropped_max_bytes: r.store.dropped_bytes,
        dropped_max_age: r.store.dropped_age,
    })
}
