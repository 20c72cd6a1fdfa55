//! The demo service: `cargo run --example shop`.

fn main() {
    shop_service::main();
}
