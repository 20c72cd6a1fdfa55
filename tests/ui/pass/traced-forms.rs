//! Accepted forms of `#[traced]`: sync and async, generics and `impl Trait`, `?` and early returns, methods,
//! `impl` blocks with a per-method opt-out, async fn in traits, `#[async_trait]` in either order, and a body that
//! returns a borrow of `&mut self`.

use std::fmt::Debug;

#[derive(Debug)]
struct Error;

/// Doc comments and `#[must_use]` are kept.
#[must_use]
#[obs::traced(kind = server, fields(route = "/cart"))]
pub fn plain(a: u32, b: &str) -> u32 {
    a + b.len() as u32
}

#[obs::traced(err, dump_on_error)]
fn dumps_on_error() -> Result<(), String> {
    Ok(())
}

#[obs::traced(err(Debug))]
fn early(input: Option<u32>) -> Result<u32, Error> {
    let v = input.ok_or(Error)?;
    if v == 0 {
        return Ok(0);
    }
    Ok(v * 2)
}

#[obs::traced(skip(t, n))]
fn generic<T: Debug + Clone>(t: T, n: impl Into<u64>) -> impl Debug {
    let _ = n.into();
    t
}

#[obs::traced(skip_all, metrics = false)]
async fn async_fn(x: u32) -> Result<u32, std::io::Error> {
    tokio_like_yield().await;
    if x == 0 {
        return Err(std::io::Error::other("zero"));
    }
    Ok(x)
}

async fn tokio_like_yield() {}

#[obs::traced(in_flight, buckets = [0.1, 0.5, 1.0], slo(name = "fast", latency(percentile = 0.9, threshold = 0.5)))]
fn custom_buckets() {}

struct Cart {
    items: Vec<u32>,
}

#[obs::traced]
impl Cart {
    fn new() -> Self {
        Cart { items: Vec::new() }
    }
    fn items_mut(&mut self) -> &mut Vec<u32> {
        &mut self.items
    }
    fn first(&self) -> Option<&u32> {
        self.items.first()
    }
    #[obs::traced(off)]
    fn untraced(&self) -> usize {
        self.items.len()
    }
    #[obs::traced(name = "cart.total", err)]
    async fn total(&self) -> Result<u32, String> {
        Ok(self.items.iter().sum())
    }
    const fn limit() -> usize {
        10
    }
}

trait Store {
    async fn get(&self, key: u32) -> Option<u32>;
    #[obs::traced]
    fn describe(&self) -> String {
        "store".into()
    }
}

struct Mem;

impl Store for Mem {
    #[obs::traced]
    async fn get(&self, key: u32) -> Option<u32> {
        Some(key)
    }
}

#[async_trait::async_trait]
trait Repo {
    async fn load(&self, id: u32) -> Result<u32, String>;
}

struct Db;

#[async_trait::async_trait]
impl Repo for Db {
    #[obs::traced(err)]
    async fn load(&self, id: u32) -> Result<u32, String> {
        if id == 0 {
            return Err("none".into());
        }
        Ok(id)
    }
}

struct Db2;

#[obs::traced]
#[async_trait::async_trait]
impl Repo for Db2 {
    async fn load(&self, id: u32) -> Result<u32, String> {
        Ok(id)
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn main() {
    let _ = plain(1, "ab");
    let _ = dumps_on_error();
    let _ = early(Some(2));
    let _ = generic(String::from("x"), 3u8);
    let _ = block_on(async_fn(1));
    custom_buckets();
    let mut cart = Cart::new();
    cart.items_mut().push(3);
    let _ = cart.first();
    let _ = cart.untraced();
    let _ = block_on(cart.total());
    let _ = Cart::limit();
    let _ = block_on(Mem.get(1));
    let _ = Mem.describe();
    let _ = block_on(Db.load(1));
    let _ = block_on(Db2.load(1));
    assert!(obs::catalog().functions().any(|f| f.span_name == "cart.total"));
}
