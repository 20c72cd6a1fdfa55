//! The flight recorder (feature `flight`): every traced call of the last `max_age`, whether or not the sampler
//! kept it, with its status, error text and the `tracing` events recorded in it, held in memory within
//! `max_bytes` (the oldest records go first, counted in `obs_flight_records_dropped_total{reason}`), and written
//! out on request ([`dump`], `GET /debug/flight`) or on its own when a traced call panics.
//!
//! An automatic dump (into `OBS_FLIGHT_RECORDER_DIR`, on a panic, a `dump_on_error` failure or a critical health
//! check turning unhealthy) is a snapshot of the records, copied under the recorder's lock, then encoded and
//! written by a thread of its own: a large dump or a slow disk holds back neither the collector nor [`dump`] and
//! [`stats`]. The snapshot takes about as much memory again as the records while it is written. One dump is
//! written at a time; requests made meanwhile wait for it and are served together by the next dump, written as
//! soon as it is done (`min_dump_interval` permitting), which holds all their calls. The pipeline's shutdown
//! (dropping its guard) waits for a dump being written, up to 10 s and the guard's own deadline, so a panic just
//! before the process exits still leaves its dump.
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
use super::record::SpanRecord;
use super::sink::{Resource, SpanSink};
use crate::otel_env::{err, parse_bytes, parse_duration, ConfigError};
use obs_macros::metric;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Condvar, Mutex};
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
    /// Automatic dump files kept in `dir` (default 10): after each dump the oldest of the files named as the
    /// recorder names them, `flight-<Unix ms>-<trigger>.jsonl`, are deleted; other files are never touched.
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
/// directory or file could not be written; the error goes to stderr). Requests made while a dump is pending or
/// being written are served together by the next one, which holds their calls too, so they are not counted here.
#[metric(counter, labels = SkipReason, name = "obs_flight_dumps_skipped", namespace = "")]
pub(crate) struct FlightDumpsSkipped;

struct Recorder {
    store: Store,
    dir: Option<PathBuf>,
    min_dump_interval: Duration,
    keep_files: usize,
    last_auto_dump: Option<Instant>,
    /// Dump requests (the bits of [`panics`]) seen at the last drain: the span that asked may have reached its
    /// ring after that drain took it, so they wait for the next one.
    requested: u8,
    /// Requests whose spans the store holds, waiting for the writer to be free.
    ready: u8,
    /// A dump of this recorder is being written on the writer thread.
    writing: bool,
    /// Which [`activate`] made this recorder: a writer still busy with an earlier one leaves it alone.
    generation: u64,
}

static RECORDER: Mutex<Option<Recorder>> = Mutex::new(None);
/// Signalled, with [`RECORDER`], when the writer thread finishes a dump.
static DUMP_DONE: Condvar = Condvar::new();
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The longest the pipeline's shutdown waits for an automatic dump being written (the guard's own deadline, the
/// export timeout, bounds it too): a dump asked for by a panic just before the process exits is still written.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(10);

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
        requested: 0,
        ready: 0,
        writing: false,
        generation: GENERATION.fetch_add(1, Relaxed) + 1,
    });
    if let Some(dir) = &settings.dir {
        remove_stale_partials(dir);
    }
    panics::install_hook();
    panics::set_wanted(settings.dir.is_some());
    super::sampler::set_flight();
}

/// How old a half-written dump must be to count as left by a writer that died: a live one finishes in seconds,
/// and another process may be writing into the same directory.
const STALE_PARTIAL: Duration = Duration::from_secs(600);

/// Deletes the half-written dumps (`.flight-<millis>-<trigger>.partial`, the recorder's own names only) that a
/// process killed while writing left behind, once they are [`STALE_PARTIAL`] old.
fn remove_stale_partials(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.filter_map(Result::ok) {
        let ours =
            e.file_name().to_str().and_then(|n| n.strip_prefix('.')?.strip_suffix(".partial").map(str::to_owned));
        let stale = e.metadata().ok().filter(|m| m.is_file()).and_then(|m| m.modified().ok()?.elapsed().ok());
        if ours.is_some_and(|stem| dump_millis(&format!("{stem}.jsonl")).is_some())
            && stale.is_some_and(|age| age >= STALE_PARTIAL)
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
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
        // A request seen at the last drain is served from this one: it started after the request, which was
        // made after the span that asked was handed to its ring, so the store now holds that span.
        r.ready |= std::mem::take(&mut r.requested);
        let t = panics::take_dump_request();
        if t != 0 {
            r.requested |= t;
            super::wake::nudge();
        }
        start_dump(r);
        Ok(())
    }
    fn shutdown(&mut self) {
        panics::set_wanted(false);
        let mut guard = recorder();
        if let Some(r) = guard.as_mut() {
            // This was the last drain, and it holds every call finished before the shutdown began: the requests
            // still waiting for a drain are served from it.
            r.ready |= std::mem::take(&mut r.requested) | panics::take_dump_request();
            start_dump(r);
        }
        let deadline = Instant::now() + SHUTDOWN_WAIT;
        let generation = guard.as_ref().map(|r| r.generation);
        while guard.as_ref().is_some_and(|r| r.writing && Some(r.generation) == generation) {
            let Some(left) = deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero()) else {
                break;
            };
            guard = DUMP_DONE.wait_timeout(guard, left).unwrap_or_else(|e| e.into_inner()).0;
        }
    }
    fn takes_unsampled(&self) -> bool {
        true
    }
}

/// An automatic dump to write: a snapshot of the store, taken under the lock, encoded and written outside it.
struct DumpJob {
    spans: Vec<Kept>,
    resource: Resource,
    dir: PathBuf,
    keep_files: usize,
    trigger: &'static str,
    millis: u64,
    generation: u64,
}

/// The dump the ready requests call for, if the writer is free: `None` while one is being written (the requests
/// wait for it, and are all served by the next dump, which holds their calls), or when `min_dump_interval` has
/// not passed since the last one began (counted as `rate_limited`).
fn next_dump(r: &mut Recorder) -> Option<DumpJob> {
    if r.writing || r.ready == 0 {
        return None;
    }
    let bits = std::mem::take(&mut r.ready);
    let dir = r.dir.clone()?;
    if r.last_auto_dump.is_some_and(|t| t.elapsed() < r.min_dump_interval) {
        FlightDumpsSkipped.with(SkipReason { reason: "rate_limited" }).inc();
        return None;
    }
    r.last_auto_dump = Some(Instant::now());
    r.writing = true;
    let trigger = match bits {
        b if b & panics::PANIC != 0 => "panic",
        b if b & panics::ERROR != 0 => "error",
        _ => "health",
    };
    Some(DumpJob {
        spans: r.store.records.iter().cloned().collect(),
        resource: r.store.resource.clone(),
        dir,
        keep_files: r.keep_files,
        trigger,
        millis: dump_stamp(),
        generation: r.generation,
    })
}

/// Hands the dump the ready requests call for to a writer thread of its own, so neither the collector (which
/// drains the rings) nor [`dump`] and [`stats`] (which take the recorder's lock) wait for its encoding or disk.
fn start_dump(r: &mut Recorder) {
    let Some(job) = next_dump(r) else { return };
    let spawned = std::thread::Builder::new().name("obs-flight-dump".into()).spawn(move || write_dumps(job));
    if let Err(e) = spawned {
        r.writing = false;
        FlightDumpsSkipped.with(SkipReason { reason: "write_failed" }).inc();
        eprintln!("obs: cannot start the flight recorder's dump writer: {e}");
    }
}

/// The writer thread: writes `job`, then the dump requested meanwhile, if any, until none is left.
fn write_dumps(mut job: DumpJob) {
    loop {
        let generation = job.generation;
        let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write_dump(&job)));
        if written.is_err() {
            FlightDumpsSkipped.with(SkipReason { reason: "write_failed" }).inc();
        }
        // Freed before taking the lock, which the collector waits for.
        drop(job);
        let mut guard = recorder();
        let next = match guard.as_mut() {
            Some(r) if r.generation == generation => {
                r.writing = false;
                next_dump(r)
            }
            _ => None,
        };
        DUMP_DONE.notify_all();
        drop(guard);
        match next {
            Some(n) => job = n,
            None => return,
        }
    }
}

/// Writes one automatic dump into its directory, then deletes the oldest dump files beyond `keep_files`.
fn write_dump(job: &DumpJob) {
    let stem = format!("flight-{:013}-{}", job.millis, job.trigger);
    let path = job.dir.join(format!("{stem}.jsonl"));
    // Written under another name and renamed, so a reader never sees half a dump.
    let partial = job.dir.join(format!(".{stem}.partial"));
    let written = std::fs::create_dir_all(&job.dir).and_then(|()| {
        let mut f = io::BufWriter::new(std::fs::File::create(&partial)?);
        encode::otlp_json(&mut f, &job.spans, &job.resource)?;
        f.flush()?;
        drop(f);
        std::fs::rename(&partial, &path)
    });
    match written {
        Ok(()) => {
            FlightDumps.with(DumpTrigger { trigger: job.trigger }).inc();
            prune(&job.dir, job.keep_files);
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            FlightDumpsSkipped.with(SkipReason { reason: "write_failed" }).inc();
            eprintln!("obs: cannot write the flight recorder dump {}: {e}", path.display());
        }
    }
}

/// The Unix time in milliseconds for a dump's file name, made unique and increasing in this process: two dumps in
/// one millisecond would otherwise share a name, and the second would replace the first.
fn dump_stamp() -> u64 {
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis();
    let now = u64::try_from(now).unwrap_or(u64::MAX);
    let prev = LAST.fetch_max(now, Relaxed);
    if prev < now {
        return now;
    }
    // Taken in this millisecond (or the clock went back): the next unused one.
    LAST.fetch_add(1, Relaxed) + 1
}

/// The triggers an automatic dump's file name can carry.
const TRIGGERS: [&str; 3] = ["panic", "error", "health"];

/// The time in an automatic dump's file name, `flight-<Unix ms>-<trigger>.jsonl`; `None` for any other name, so
/// files the recorder did not write are never deleted.
fn dump_millis(name: &str) -> Option<u64> {
    let (millis, trigger) = name.strip_prefix("flight-")?.strip_suffix(".jsonl")?.split_once('-')?;
    if millis.len() < 13 || !millis.bytes().all(|b| b.is_ascii_digit()) || !TRIGGERS.contains(&trigger) {
        return None;
    }
    millis.parse().ok()
}

/// Keeps the newest `keep` automatic dump files of `dir`, by the time in their names.
fn prune(dir: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut files: Vec<(u64, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| Some((dump_millis(e.file_name().to_str()?)?, e.path())))
        .collect();
    files.sort();
    let excess = files.len().saturating_sub(keep);
    for (_, p) in &files[..excess] {
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
        // Only the compact records are copied under the lock (a plain call without touching the heap), so a
        // request for a large dump holds back neither the collector's drain nor another caller for long.
        let mut spans: Vec<Kept> = r.store.records.iter().filter(|s| filter.keeps(s, since)).cloned().collect();
        if filter.errors_only {
            let mut bad: Vec<u128> = spans.iter().filter(|s| s.is_error()).map(|s| s.trace_id).collect();
            bad.sort_unstable();
            bad.dedup();
            spans.retain(|s| bad.binary_search(&s.trace_id).is_ok());
        }
        (spans, r.store.resource.clone())
    };
    FlightDumps.with(DumpTrigger { trigger: "request" }).inc();
    match format {
        Format::OtlpJson => encode::otlp_json(w, &spans, &resource),
        Format::Chrome => encode::chrome(w, &spans.iter().map(Kept::record).collect::<Vec<_>>(), &resource),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_recorders_own_file_names_are_pruned() {
        assert_eq!(dump_millis("flight-1700000000000-panic.jsonl"), Some(1_700_000_000_000));
        assert_eq!(dump_millis("flight-1700000000000-health.jsonl"), Some(1_700_000_000_000));
        for other in [
            "flight-incident.jsonl",
            "flight-1700000000000-error.jsonl.gz",
            "flight-17000-error.jsonl",
            "flight-1700000000000-oops.jsonl",
            "flight-x-error.jsonl",
            ".flight-1700000000000-panic.partial",
            "notes-1700000000000-panic.jsonl",
        ] {
            assert_eq!(dump_millis(other), None, "{other}");
        }
    }

    #[test]
    fn dump_names_are_unique_and_in_order_within_a_millisecond() {
        let stamps: Vec<u64> = (0..1000).map(|_| dump_stamp()).collect();
        assert!(stamps.windows(2).all(|w| w[0] < w[1]), "{stamps:?}");
    }
}
