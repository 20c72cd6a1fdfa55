//! `#[traced(...)]`: a span and RED metrics for a function, or for every method of an `impl` block.
//! Parse (`ast`) → validate (`valid`) → expand (`expand`), with a fallback that emits the item unchanged on error.

mod ast;
mod expand;
mod fallback;
mod identity;
mod valid;

use crate::ctxt::Ctxt;
use ast::{Body, FnItem, Target};
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::{ImplItem, ItemImpl};

pub fn traced(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let args = ast::parse_args(&mut cx, attr);
    let Some(target) = ast::parse_target(&item) else {
        // Not an item at all: rustc reports the syntax error in the user's code.
        return fallback::emit(cx.into_compile_errors(), item);
    };
    match target {
        Target::Other(tokens, noun) => {
            cx.error_spanned_by(
                tokens,
                format!("`#[traced]` goes on a function or an `impl` block, not on {noun}; move it to a function"),
            );
            fallback::emit(cx.into_compile_errors(), item)
        }
        Target::Fn(f) => {
            if args.off.is_some() {
                // `#[traced(off)]`: leave this function out (used on methods of a traced `impl` block).
                return fallback::emit(cx.into_compile_errors(), f.to_token_stream());
            }
            let model = valid::validate(&mut cx, &args, &f);
            match cx.check() {
                Ok(()) => expand::expand_fn(&model, &f),
                Err(errors) => fallback::emit(errors, item),
            }
        }
        Target::Impl(imp) => {
            valid::validate_impl_args(&mut cx, &args);
            let expanded = traced_impl(&mut cx, &args, imp);
            match cx.check() {
                Ok(()) => expanded,
                Err(errors) => fallback::emit(errors, item),
            }
        }
    }
}

/// Whether `attr` is a `#[traced(..)]`, however it is written (`traced`, `obs::traced`, a renamed path).
fn is_traced_attr(attr: &syn::Attribute) -> bool {
    attr.path().segments.last().is_some_and(|s| s.ident == "traced")
}

/// Instruments every method of an `impl` block. A method's own `#[traced(..)]` applies instead of the block's
/// options, and `#[traced(off)]` leaves the method out; both are read here and removed, so the bare form works
/// without `traced` being in scope. `const fn`s are left as they are.
fn traced_impl(cx: &mut Ctxt, args: &ast::Args, mut imp: ItemImpl) -> TokenStream {
    let owner = identity::owner(&imp);
    for it in &mut imp.items {
        let ImplItem::Fn(m) = it else { continue };
        let own = match m.attrs.iter().position(is_traced_attr) {
            Some(i) => {
                let attr = m.attrs.remove(i);
                let tokens = match attr.meta {
                    syn::Meta::Path(_) => TokenStream::new(),
                    syn::Meta::List(l) => l.tokens,
                    syn::Meta::NameValue(nv) => {
                        cx.error_spanned_by(&nv, "write `#[traced(...)]` or `#[traced]`, not `#[traced = ...]`");
                        continue;
                    }
                };
                Some(ast::parse_args(cx, tokens))
            }
            None => None,
        };
        if own.as_ref().is_some_and(|a| a.off.is_some()) || m.sig.constness.is_some() && own.is_none() {
            continue;
        }
        let args = own.as_ref().unwrap_or(args);
        let f = FnItem {
            attrs: m.attrs.clone(),
            vis: m.vis.clone(),
            sig: m.sig.clone(),
            body: Some(Body::Parsed(m.block.clone())),
            semi: None,
        };
        let model = valid::validate_in(cx, args, &f, Some(&owner));
        let tokens = expand::expand_fn(&model, &f);
        match syn::parse2::<syn::ImplItemFn>(tokens) {
            Ok(new) => *m = new,
            Err(e) => cx.syn_error(e),
        }
    }
    quote!(#imp)
}
