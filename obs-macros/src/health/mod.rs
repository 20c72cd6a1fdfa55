//! `#[health_check(critical, timeout = "2s", interval = "10s")]`: parse (`ast`) → validate (`valid`) → expand
//! (`expand`), with a fallback that emits the item as written on error.

mod ast;
mod expand;
mod fallback;
mod valid;

use crate::ctxt::Ctxt;
use ast::Target;
use proc_macro2::TokenStream;

pub fn health_check(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let args = ast::parse_args(&mut cx, attr);
    let f = match ast::parse_target(&item) {
        Target::Fn(f) => f,
        Target::Other(other) => {
            cx.error_spanned_by(
                other,
                "`#[health_check]` goes on a function: `fn db() -> Result<(), Error>` or `async fn db() -> Result<(), Error>`",
            );
            return fallback::emit(cx.into_compile_errors(), item);
        }
        // Not an item: rustc reports the user's syntax error, and nothing more is said here.
        Target::Unparsed => return fallback::emit(cx.into_compile_errors(), item),
    };
    let model = valid::validate(&mut cx, &args, &f);
    match (cx.check(), model) {
        (Ok(()), Some(m)) => expand::expand(&m, &f),
        (Err(errors), _) => fallback::emit(errors, item),
        // A model is missing only when an error was recorded; never a panic in a macro.
        (Ok(()), None) => fallback::emit(TokenStream::new(), item),
    }
}
