//! Generated code must not depend on what the user's scope calls `std`, `core`, `Result`, `Option`, `Box`,
//! `Cow`, `obs` or `inventory`: it names only `::obs::__private::…` and `::core::…`.
#![allow(dead_code, non_camel_case_types, unused_imports)]

mod std {}
mod core {}
mod obs {}
mod inventory {}
type Result<T> = ::std::result::Result<T, ()>;
type Option = ();
struct Box;
struct Cow;
struct Some;
struct None;
trait Deref {}
trait LabelSet {}
trait LabelValue {}
trait Hasher {}
fn file() {}
fn line() {}

#[derive(::obs::LabelValue, Clone, Copy)]
enum Method {
    Get,
    Post,
}

#[derive(::obs::Labels)]
struct Route {
    method: Method,
    route: &'static str,
}

::obs::namespace!("hygienic");

/// Requests.
#[::obs::metric(counter, labels = Route)]
struct Requests;

/// Latency.
#[::obs::metric(histogram, unit = "seconds")]
struct Latency;

fn main() {
    Requests.with(Route { method: Method::Get, route: "/" }).inc();
    Latency.observe(0.1);
    assert_eq!(Requests.with(Route { method: Method::Get, route: "/" }).get(), 1);
}
