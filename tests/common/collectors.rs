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
