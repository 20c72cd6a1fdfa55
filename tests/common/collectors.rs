//! Hostile OTLP collectors on loopback, for the tests of dead and misbehaving collectors.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

/// A listener on a free loopback port that hands each connection to `handle` on its own thread.
fn collector(handle: fn(TcpStream)) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || handle(s));
        }
    });
    port
}

/// A collector that accepts connections and reads requests but never answers.
pub fn silent_collector() -> u16 {
    collector(|mut s| {
        let mut buf = [0u8; 4096];
        while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
    })
}

/// A collector that answers every request with bytes that are not HTTP.
pub fn garbage_collector() -> u16 {
    collector(|mut s| {
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        let _ = s.write_all(&[0x16, 0x03, 0x01, 0xff, 0xfe, b'\n', 0, 0, 0x7f]);
    })
}

/// A collector that reads each request and answers `500 Internal Server Error`.
pub fn error_collector() -> u16 {
    collector(|mut s| {
        // The whole request first, so the client reads the answer rather than a reset.
        let mut req = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        let body_start = loop {
            match s.read(&mut buf) {
                Ok(n) if n > 0 => req.extend_from_slice(&buf[..n]),
                _ => return,
            }
            if let Some(i) = req.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let head = String::from_utf8_lossy(&req[..body_start]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while req.len() < body_start + len {
            match s.read(&mut buf) {
                Ok(n) if n > 0 => req.extend_from_slice(&buf[..n]),
                _ => return,
            }
        }
        let _ = s.write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    })
}

/// A loopback port nothing listens on: connections are refused.
pub fn refusing_collector() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
