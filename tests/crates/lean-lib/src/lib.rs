//! A library that depends on obs without default features, as a database driver or a queue client would: it
//! declares what it measures and leaves serving and exporting to the binary at the top.
//!
//! Its own tests (`tests/lean.rs`) run in that lean configuration; obs' `tests/catalog/lean_library.rs` links it
//! into a binary with every feature and scrapes its families from the one exposition, next to the runtime's own.

use std::sync::atomic::{AtomicBool, Ordering};

obs::namespace!("lean");

/// Queries sent, by table and outcome.
#[obs::metric(counter, labels = QueryLabels)]
pub struct Queries;

/// Bytes read per query.
#[obs::metric(histogram, unit = "bytes", buckets = [64.0, 1024.0, 65536.0])]
pub struct QueryBytes;

/// Connections open now.
#[obs::metric(gauge)]
pub struct OpenConnections;

/// The labels of [`Queries`].
#[derive(obs::Labels)]
pub struct QueryLabels {
    /// The table queried.
    pub table: &'static str,
    /// How the query ended.
    pub outcome: Outcome,
}

/// How a query ended.
#[derive(obs::LabelValue, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Rows came back.
    Ok,
    /// The server refused it.
    Refused,
}

/// Whether the (simulated) server answers; `ping` reads it.
static DOWN: AtomicBool = AtomicBool::new(false);

/// Makes [`ping`] fail (`true`) or pass (`false`).
pub fn set_down(down: bool) {
    DOWN.store(down, Ordering::Relaxed);
}

/// Runs one query: its RED metrics come from `#[traced]`, its rows and bytes from the declarations above.
#[obs::traced(err)]
pub fn query(table: &'static str, bytes: u64) -> Result<u64, String> {
    if table.is_empty() {
        Queries.with(QueryLabels { table, outcome: Outcome::Refused }).inc();
        return Err("no table".to_owned());
    }
    Queries.with(QueryLabels { table, outcome: Outcome::Ok }).inc();
    QueryBytes.observe(bytes as f64);
    Ok(bytes)
}

/// The library's health check: declared here, run by the binary's runner when it enables obs' `server` feature.
#[obs::health_check(interval = "100ms", timeout = "1s", critical)]
pub fn ping() -> Result<(), String> {
    if DOWN.load(Ordering::Relaxed) {
        Err("lean server down".to_owned())
    } else {
        Ok(())
    }
}
