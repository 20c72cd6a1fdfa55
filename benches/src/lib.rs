//! Benchmarks live in `benches/metrics.rs`.
