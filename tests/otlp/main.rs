//! The exporters against OTLP collectors, real, dead and hostile, in one binary (each file was a test binary
//! linking the whole runtime). The span pipeline and the metrics exporters are process-wide, and otlp_metrics
//! compares every family of a push with a scrape, so each test that installs a pipeline or an exporter takes
//! `common::PIPELINE`; traced_otlp_python runs the quickstart in a process of its own and needs no lock.

#[path = "../common/collectors.rs"]
mod collectors;
#[path = "../common/mod.rs"]
mod common;
#[path = "../common/example.rs"]
mod example;

mod otlp_metrics;
mod shutdown_deadline;
mod traced_dead_collector;
mod traced_otlp_python;
