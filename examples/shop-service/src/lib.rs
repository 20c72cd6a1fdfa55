//! The demo shop: catalogue, cart and checkout over a simulated database and payment provider.
//!
//! Its declarations (metrics, traced functions, health checks) are what `gen-dashboards` turns into dashboards,
//! rules and routing; `cargo run --example shop` serves it.

pub mod metrics;

/// Runs the demo service.
pub fn main() {
    print!("{}", obs::encode(obs::Format::Prometheus));
}
