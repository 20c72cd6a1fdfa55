//! The Prometheus protobuf types in src/proto/ are prost-build's output for proto/metrics.proto, byte for byte.
//!
//! Regenerate with `OBS_BLESS=1 cargo test -p obs-runtime --test proto_generated` (needs `protoc`).

use std::path::Path;

#[test]
fn generated_prometheus_types_match_the_proto() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempdir();
    prost_build::Config::new()
        .out_dir(&out)
        .compile_protos(&[root.join("proto/metrics.proto")], &[root.join("proto"), "/usr/include".into()])
        .expect("protoc compiles proto/metrics.proto (install Debian's protobuf-compiler)");
    let generated = std::fs::read_to_string(out.join("io.prometheus.client.rs")).unwrap();
    let checked_in = root.join("src/proto/io.prometheus.client.rs");
    if std::env::var_os("OBS_BLESS").is_some() {
        std::fs::write(&checked_in, &generated).unwrap();
    }
    let current = std::fs::read_to_string(&checked_in).unwrap_or_default();
    assert!(current == generated, "src/proto/io.prometheus.client.rs is stale: regenerate it with OBS_BLESS=1");
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("obs-proto-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
