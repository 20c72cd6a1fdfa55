//! The runtime's server and health-check runner over loopback, in one binary (each file was a test binary
//! linking the whole runtime). Every guard started with health checks runs every check linked here, server's and
//! blocking_check's alike: none of blocking_check's is critical, and blocking_check accepts `/ready` either way,
//! so neither file's readiness assertions depend on the other's checks.

#[path = "../common/mod.rs"]
mod common;

mod blocking_check;
mod server;
