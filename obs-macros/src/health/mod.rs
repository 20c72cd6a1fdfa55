//! `#[health_check]`: a sync or async check run in the background (see issue 4).

use proc_macro2::TokenStream;

pub fn health_check(_attr: TokenStream, item: TokenStream) -> TokenStream {
    item
}
