//! Compile-time diagnostics: every error the macros can emit has a case in the workspace's `tests/ui/fail` with its
//! `.stderr`, and `tests/ui/pass` holds accepted forms, including one that shadows `std`, `core`, `Result`,
//! `Option` and `obs`. Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test -p obs-ui-tests` and
//! review the diff.

#[test]
fn ui() {
    // Two runs, failures first: a run with only compile-fail cases checks them all in one `cargo check`
    // (trybuild's batch mode), where a run that also holds pass cases builds every case on its own.
    {
        let t = trybuild::TestCases::new();
        t.compile_fail("tests/ui/fail/*.rs");
    }
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
}
