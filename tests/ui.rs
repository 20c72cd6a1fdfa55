//! Compile-time diagnostics: every error the macros can emit has a case in `tests/ui/fail` with its `.stderr`,
//! and `tests/ui/pass` holds accepted forms, including one that shadows `std`, `core`, `Result`, `Option` and
//! `obs`. Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test --test ui` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
