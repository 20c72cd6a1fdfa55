//! `#[traced]` and `obs::testing`, the demo shop measured with it included, in one binary (each file was a test
//! binary linking the whole runtime). The tests that install the process-wide span pipeline, or need none
//! installed, take `common::PIPELINE`; `obs::testing`'s scopes and captures are per thread and need no lock.
//! testing's `assert_catalog` checks the union of every declaration linked here, the shop's included.

#[path = "../common/mod.rs"]
mod common;

mod shop;
mod testing;
mod traced_interop;
mod traced_red;
