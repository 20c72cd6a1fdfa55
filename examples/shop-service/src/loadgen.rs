//! The built-in load generator: a steady mix of browsing, cart and checkout requests, so dashboards have data.

use crate::sim::random;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends one request over a fresh connection and returns the status code.
pub async fn request(addr: SocketAddr, method: &str, path: &str) -> std::io::Result<u16> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    let req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    let head = String::from_utf8_lossy(&buf[..buf.len().min(32)]).into_owned();
    head.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad response: {head:?}")))
}

/// Runs forever (until the runtime stops): about 20 requests a second.
pub async fn run(addr: SocketAddr) {
    let categories = ["books", "games", "music", "games", "books"];
    loop {
        let r = random();
        let _ = if r < 0.55 {
            let c = categories[(random() * categories.len() as f64) as usize % categories.len()];
            request(addr, "GET", &format!("/catalogue/{c}")).await
        } else if r < 0.85 {
            request(addr, "POST", &format!("/cart/{}", 1 + (random() * 20.0) as u32)).await
        } else if r < 0.97 {
            request(addr, "POST", "/checkout").await
        } else {
            request(addr, "GET", "/catalogue/toys").await // a 404, as real traffic has
        };
        tokio::time::sleep(Duration::from_millis(30 + (random() * 40.0) as u64)).await;
    }
}
