//! Fault switches: raise the error rate, slow a route, fail a critical health check. Set them over HTTP
//! (`POST /faults?error_rate=0.5&slow_route=/checkout&slow_ms=800&slow_db_ms=400&fail_database=true`,
//! `DELETE /faults` to clear) or at start-up with `SHOP_ERROR_RATE`, `SHOP_SLOW_ROUTE`, `SHOP_SLOW_MS`,
//! `SHOP_SLOW_DB_MS`, `SHOP_FAIL_DATABASE`.

use serde::{Deserialize, Serialize};
use std::sync::RwLock;

/// The faults in force.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Faults {
    /// Share of checkouts that fail in the payment provider, 0 to 1.
    #[serde(default)]
    pub error_rate: f64,
    /// A route template to slow down, such as `/checkout`.
    #[serde(default)]
    pub slow_route: Option<String>,
    /// Extra latency on `slow_route`, in milliseconds.
    #[serde(default)]
    pub slow_ms: u64,
    /// Extra latency of every database query, in milliseconds.
    #[serde(default)]
    pub slow_db_ms: u64,
    /// Whether the (critical) database health check fails.
    #[serde(default)]
    pub fail_database: bool,
}

static FAULTS: RwLock<Option<Faults>> = RwLock::new(None);

/// The faults in force now.
pub fn current() -> Faults {
    FAULTS.read().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default()
}

/// Replaces the faults, after checking them.
pub fn set(f: Faults) -> Result<(), String> {
    if !(0.0..=1.0).contains(&f.error_rate) {
        return Err(format!("error_rate must be between 0 and 1, not {}", f.error_rate));
    }
    if f.slow_ms > 60_000 || f.slow_db_ms > 60_000 {
        return Err("slow_ms and slow_db_ms are at most 60000".into());
    }
    *FAULTS.write().unwrap_or_else(|e| e.into_inner()) = Some(f);
    Ok(())
}

/// Reads the start-up faults from the environment.
pub fn from_env() -> Result<Faults, String> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let parse = |k: &str, v: String| v.parse::<f64>().map_err(|_| format!("{k}: `{v}` is not a number"));
    Ok(Faults {
        error_rate: var("SHOP_ERROR_RATE").map(|v| parse("SHOP_ERROR_RATE", v)).transpose()?.unwrap_or(0.0),
        slow_route: var("SHOP_SLOW_ROUTE"),
        slow_ms: var("SHOP_SLOW_MS").map(|v| parse("SHOP_SLOW_MS", v)).transpose()?.unwrap_or(0.0) as u64,
        slow_db_ms: var("SHOP_SLOW_DB_MS").map(|v| parse("SHOP_SLOW_DB_MS", v)).transpose()?.unwrap_or(0.0) as u64,
        fail_database: var("SHOP_FAIL_DATABASE").is_some_and(|v| v == "1" || v == "true"),
    })
}
