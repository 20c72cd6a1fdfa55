//! A function as written, for the attributes that go on one (`#[traced]`, `#[health_check]`): the signature is
//! parsed, the body is kept as raw tokens when it does not parse, so a typo in it is reported by rustc alone, in
//! the user's code, and not as a misplaced attribute.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Signature, Visibility};

/// The body of a function: parsed when it parses, kept as raw tokens otherwise, so a syntax error in it is
/// reported by rustc in the user's code rather than by this macro.
pub enum Body {
    Parsed(syn::Block),
    Raw(proc_macro2::Group),
}

/// A function as written, with or without a body (trait declarations have none).
pub struct FnItem {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    pub body: Option<Body>,
    /// The `;` of a body-less declaration.
    pub semi: Option<syn::Token![;]>,
}

impl Parse for FnItem {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let sig: Signature = input.parse()?;
        if input.peek(syn::Token![;]) {
            let semi = input.parse()?;
            return Ok(FnItem { attrs, vis, sig, body: None, semi: Some(semi) });
        }
        let group: proc_macro2::Group = input.parse()?;
        if group.delimiter() != proc_macro2::Delimiter::Brace {
            return Err(syn::Error::new(group.span(), "expected the function's body `{ ... }`"));
        }
        let body = match syn::parse2::<syn::Block>(quote::quote!(#group)) {
            Ok(b) => Body::Parsed(b),
            Err(_) => Body::Raw(group),
        };
        Ok(FnItem { attrs, vis, sig, body: Some(body), semi: None })
    }
}

impl ToTokens for FnItem {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        for a in &self.attrs {
            a.to_tokens(tokens);
        }
        self.vis.to_tokens(tokens);
        self.sig.to_tokens(tokens);
        match &self.body {
            Some(Body::Parsed(b)) => b.to_tokens(tokens),
            Some(Body::Raw(g)) => g.to_tokens(tokens),
            None => self.semi.unwrap_or_default().to_tokens(tokens),
        }
    }
}
