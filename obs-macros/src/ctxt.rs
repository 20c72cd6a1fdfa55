//! Error accumulation: every problem is recorded and reported together, so one build shows them all.
//!
//! After serde_derive's `Ctxt`: a context must end in [`Ctxt::into_compile_errors`]; dropping it with errors
//! unreported would silently accept a bad declaration, so debug builds assert that it was checked.

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::fmt::Display;

#[derive(Default)]
pub struct Ctxt {
    errors: Vec<syn::Error>,
    checked: bool,
}

impl Ctxt {
    pub fn new() -> Self {
        Ctxt::default()
    }

    /// Records an error spanned on `tokens` (the user's key, value or type).
    pub fn error_spanned_by<T: ToTokens, M: Display>(&mut self, tokens: T, msg: M) {
        self.errors.push(syn::Error::new_spanned(tokens, msg));
    }

    /// Records an error at `span`.
    pub fn error_at<M: Display>(&mut self, span: proc_macro2::Span, msg: M) {
        self.errors.push(syn::Error::new(span, msg));
    }

    pub fn syn_error(&mut self, e: syn::Error) {
        self.errors.push(e);
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Ends the context: `Err` with the errors as `compile_error!` invocations if there are any.
    pub fn check(self) -> Result<(), TokenStream> {
        if self.has_errors() {
            Err(self.into_compile_errors())
        } else {
            let _ = self.into_compile_errors();
            Ok(())
        }
    }

    /// All recorded errors as `compile_error!` invocations; this is how a context ends.
    pub fn into_compile_errors(mut self) -> TokenStream {
        self.checked = true;
        std::mem::take(&mut self.errors).iter().map(syn::Error::to_compile_error).collect()
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        // Not while unwinding: a second panic would abort and hide the first.
        if !std::thread::panicking() {
            debug_assert!(self.checked, "obs-macros: an error context was dropped without emitting its errors");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ctxt;

    #[test]
    #[should_panic(expected = "dropped without emitting its errors")]
    fn dropping_an_unchecked_context_panics_in_debug_builds() {
        let mut cx = Ctxt::new();
        cx.error_at(proc_macro2::Span::call_site(), "lost");
        drop(cx);
    }

    #[test]
    fn a_checked_context_drops_quietly() {
        let mut cx = Ctxt::new();
        cx.error_at(proc_macro2::Span::call_site(), "reported");
        assert!(!cx.into_compile_errors().is_empty());
    }
}
