//! `#[derive(Labels)]` and `#[derive(LabelValue)]`: parse (`ast`) → validate (`valid`) → expand (`expand`), with a
//! fallback that still emits an impl on error.

mod ast;
mod expand;
mod fallback;
mod valid;

use crate::ctxt::Ctxt;
use proc_macro2::TokenStream;

/// `#[derive(Labels)]`: a struct whose fields are the labels of a metric.
pub fn derive_labels(input: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let Some(input) = ast::parse_input(&mut cx, input) else {
        return cx.into_compile_errors();
    };
    let fields = ast::label_fields(&mut cx, &input);
    let model = valid::label_set(&mut cx, &input, fields);
    let expansion = expand::label_set(&model);
    match cx.check() {
        Ok(()) => expansion,
        Err(errors) => fallback::emit(errors, expansion),
    }
}

/// `#[derive(LabelValue)]`: a fieldless enum whose variants are a label's fixed set of values.
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let Some(input) = ast::parse_input(&mut cx, input) else {
        return cx.into_compile_errors();
    };
    let expansion = match ast::label_variants(&mut cx, &input) {
        Some(variants) => expand::label_value(&valid::label_value(&mut cx, &input, variants)),
        None => fallback::label_value_stand_in(&input),
    };
    match cx.check() {
        Ok(()) => expansion,
        Err(errors) => fallback::emit(errors, expansion),
    }
}
