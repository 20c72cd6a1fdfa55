//! The generator's tests, in one binary (each file was a test binary linking obs and the generator): most read
//! the fixed catalog of `common`; alerts and coverage read the real one, which holds both files' declarations,
//! under names neither asserts the absence of. Each test that writes files has a directory of its own.

#[path = "../common/mod.rs"]
mod common;

mod alerts;
mod check;
mod compose;
mod coverage;
mod golden;
mod kubernetes;
mod native;
mod options_table;
mod reference;
mod scrape_target;
mod slo_meta;
mod tools;
