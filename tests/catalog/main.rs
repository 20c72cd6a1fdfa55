//! The catalog of a valid binary, which is the union of everything linked into it, in one binary (each file was a
//! test binary linking the whole runtime). catalog's exact list of user metrics holds because traced_identity
//! declares traced functions only and lean_library's families are lean-lib's; traced_identity's rules hold for
//! the others' declarations too. lean_library's critical check is this binary's only one, so its `/ready` answers
//! to it alone. traced_identity checks every span its pipeline received, so it and lean_library, whose library
//! function is traced, take `common::PIPELINE`.

// `pub`, as catalog's declarations are: at the crate root they were exported, and so not unused.
pub mod catalog;
#[path = "../common/mod.rs"]
mod common;
mod lean_library;
mod traced_identity;
