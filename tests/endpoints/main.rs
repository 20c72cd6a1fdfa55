//! The HTTP endpoints, each test with a server of its own (or, in negotiation, one per file), in one binary (each
//! file was a test binary linking the whole runtime). golden's `namespace!` prefixes every family this crate
//! declares, and golden is the only file here that declares any. No health check is linked here: `/ready` of a
//! server started without its checks answers 200 only when no critical check is declared. init sets an
//! environment variable, and golden reads one: both take `common::ENV`.

#[path = "../common/mod.rs"]
mod common;

mod bearer_scheme;
mod golden;
mod init;
mod negotiation;
mod slow_clients;
