//! Runs one of the package's examples with the features this test binary was built with, so Cargo reuses the
//! build the test run already made instead of compiling the workspace again for the default features.

use std::process::Command;

/// `cargo run -q --example <name>` with exactly this test build's features of `obs`.
pub fn cargo_run_example(name: &str) -> Command {
    let features: Vec<&str> = [
        ("server", cfg!(feature = "server")),
        ("http", cfg!(feature = "http")),
        ("otlp", cfg!(feature = "otlp")),
        ("otlp-metrics", cfg!(feature = "otlp-metrics")),
        ("protobuf", cfg!(feature = "protobuf")),
        ("tracing", cfg!(feature = "tracing")),
        ("process", cfg!(feature = "process")),
        ("flight", cfg!(feature = "flight")),
        ("prometheus", cfg!(feature = "prometheus")),
    ]
    .into_iter()
    .filter_map(|(f, on)| on.then_some(f))
    .collect();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut c = Command::new(cargo);
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "-q", "--example", name, "--no-default-features", "--features"])
        .arg(features.join(","));
    c
}
