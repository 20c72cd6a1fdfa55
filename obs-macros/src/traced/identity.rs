//! What names a traced function: its `function` label, which is also its default span name and SLO name.
//!
//! A free function is its identifier (`checkout`). A method of a `#[traced]` `impl` block is prefixed with the
//! block's self type, so `Cart::new` and `Order::new` in one module are two series:
//! - the type is written without its path or generic arguments: `impl<T> shop::Cart<T>` gives `Cart::new`;
//! - a trait impl is written as Rust writes the qualified path, without generic arguments either:
//!   `impl Store for Cart` gives `<Cart as Store>::get`, so the inherent `Cart::get` and each trait's `get` stay apart.
//!
//! A method's own `#[traced]` outside a traced block cannot see the type it belongs to (an attribute sees only its
//! item, and the items it generates cannot name `Self`), so it is named by its identifier. Whatever still exposes
//! one identity twice in one module (two such methods, or `From<u32>` and `From<u64>` impls of one type) is
//! reported by the catalog's `validate()`, naming both.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Ident, ItemImpl, Type};

/// The prefix an `impl` block gives its methods: `Cart` or `<Cart as Store>`.
pub fn owner(imp: &ItemImpl) -> String {
    let ty = type_label(&imp.self_ty);
    match &imp.trait_ {
        None => ty,
        Some((bang, path, _)) => {
            let name = path.segments.last().map_or_else(|| compact(path.to_token_stream()), |s| s.ident.to_string());
            let bang = if bang.is_some() { "!" } else { "" };
            format!("<{ty} as {bang}{}>", unraw(&name))
        }
    }
}

/// The `function` label of `ident`, a method of `owner` when it is in a traced `impl` block.
pub fn function(owner: Option<&str>, ident: &Ident) -> String {
    let name = unraw(&ident.to_string()).to_owned();
    match owner {
        Some(o) => format!("{o}::{name}"),
        None => name,
    }
}

/// The default SLO name for a function label: it becomes part of rule and alert names, so it is the label with
/// every run of other characters than `[A-Za-z0-9_]` turned into one `_` (`Cart::new` → `Cart_new`).
pub fn slo_name(function: &str) -> String {
    let mut out = String::new();
    for part in function.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(part);
    }
    out
}

fn unraw(s: &str) -> &str {
    s.trim_start_matches("r#")
}

/// A type as a label: its last path segment without generic arguments, `&`/`&mut` kept; other types as written.
fn type_label(ty: &Type) -> String {
    match ty {
        Type::Path(p) if p.qself.is_none() => match p.path.segments.last() {
            Some(s) => unraw(&s.ident.to_string()).to_owned(),
            None => compact(ty.to_token_stream()),
        },
        Type::Reference(r) => {
            let m = if r.mutability.is_some() { "mut " } else { "" };
            format!("&{m}{}", type_label(&r.elem))
        }
        Type::Paren(p) => type_label(&p.elem),
        Type::Group(g) => type_label(&g.elem),
        other => compact(other.to_token_stream()),
    }
}

/// Tokens as written, with a space only between two words (`[u8]`, `dyn Store`, `(A,B)`).
fn compact(tokens: TokenStream) -> String {
    let mut out = String::new();
    let mut word_before = false;
    for t in tokens {
        let (text, word) = match &t {
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::Brace => ("{", "}"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                (format!("{open}{}{close}", compact(g.stream())), false)
            }
            TokenTree::Ident(i) => (unraw(&i.to_string()).to_owned(), true),
            TokenTree::Punct(p) => (p.as_char().to_string(), false),
            TokenTree::Literal(l) => (l.to_string(), true),
        };
        if word && word_before {
            out.push(' ');
        }
        out.push_str(&text);
        word_before = word;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner_of(src: &str) -> String {
        owner(&syn::parse_str::<ItemImpl>(src).unwrap())
    }

    #[test]
    fn an_inherent_impl_names_the_type_without_path_or_generics() {
        assert_eq!(owner_of("impl Cart {}"), "Cart");
        assert_eq!(owner_of("impl<T: Clone> crate::shop::Cart<T> {}"), "Cart");
        assert_eq!(owner_of("impl<'a> Cart<'a, u8> {}"), "Cart");
        assert_eq!(owner_of("impl r#Type {}"), "Type");
    }

    #[test]
    fn a_trait_impl_is_written_as_a_qualified_path() {
        assert_eq!(owner_of("impl Store for Cart {}"), "<Cart as Store>");
        assert_eq!(owner_of("impl<T> std::convert::From<T> for shop::Cart<T> {}"), "<Cart as From>");
        assert_eq!(owner_of("impl<'a> Store for &'a mut Cart {}"), "<&mut Cart as Store>");
        assert_eq!(owner_of("impl Store for [u8] {}"), "<[u8] as Store>");
        assert_eq!(owner_of("impl Store for dyn Other + Send {}"), "<dyn Other+Send as Store>");
    }

    #[test]
    fn a_method_is_prefixed_and_a_free_function_is_not() {
        let new = Ident::new("new", proc_macro2::Span::call_site());
        assert_eq!(function(Some("Cart"), &new), "Cart::new");
        assert_eq!(function(None, &new), "new");
        assert_eq!(function(Some("<Cart as Store>"), &Ident::new_raw("get", new.span())), "<Cart as Store>::get");
    }

    #[test]
    fn the_default_slo_name_is_a_rule_name_fragment() {
        assert_eq!(slo_name("checkout"), "checkout");
        assert_eq!(slo_name("Cart::new"), "Cart_new");
        assert_eq!(slo_name("<Cart as Store>::get"), "Cart_as_Store_get");
        assert_eq!(slo_name("<&mut Cart as Store>::get"), "mut_Cart_as_Store_get");
    }
}
