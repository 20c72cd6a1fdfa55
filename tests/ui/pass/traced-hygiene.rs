//! Generated code names only `::obs::__private` and `::core`: shadowing the usual names changes nothing.
#![allow(dead_code, non_camel_case_types)]

mod std {}
mod core {}
struct Result;
struct Option;
struct Ok;
struct Err;
struct Some;
struct None;
struct Box;
struct String;
mod obs {}

#[::obs::traced]
fn shadowed(x: u32) -> u32 {
    x + 1
}

#[::obs::traced(err)]
fn shadowed_result(x: u32) -> ::core::result::Result<u32, &'static str> {
    if x == 0 {
        ::core::result::Result::Err("zero")
    } else {
        ::core::result::Result::Ok(x)
    }
}

fn main() {
    shadowed(1);
    let _ = shadowed_result(1);
}
