//! The process-wide kill switch, `obs::set_enabled`, in one binary (each file was a test binary linking the
//! whole runtime). While one test has it off every other write is dropped: the tests that flip it take
//! `common::SWITCH`.

#[path = "../common/mod.rs"]
mod common;

mod server_switch;
mod switch;
