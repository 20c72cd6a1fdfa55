//! Writes the shop's dashboards, rules and routing: `cargo run --bin gen-dashboards -- --out DIR [--check]`.
use shop_service as _; // links the crate, so its declarations are in the catalog

fn main() {
    obs_dashboards::cli::main()
}
