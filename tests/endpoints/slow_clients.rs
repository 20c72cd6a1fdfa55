//! Slow and idle clients cannot hold obs' sockets: a request head must arrive within the header read timeout, and
//! connections beyond the cap are closed at once.

use crate::common;

use obs::http::{HEADER_READ_TIMEOUT, MAX_CONNECTIONS};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

fn start() -> (obs::Guard, SocketAddr) {
    let guard = obs::builder!().listen("127.0.0.1:0").without_health_checks().init().expect("obs starts");
    let addr = guard.local_addr().unwrap();
    (guard, addr)
}

/// Whether the server has closed `s` (EOF or reset), without waiting.
fn closed_by_server(mut s: &TcpStream) -> bool {
    // Non-blocking, so counting hundreds of sockets takes no time against the timeout being tested.
    s.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue, // a 408 or 400 may come first; the close follows
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return false,
            Err(_) => return true,
        }
    }
}

#[test]
fn five_hundred_slow_partial_request_heads_are_all_closed_after_the_header_read_timeout() {
    let (_guard, addr) = start();
    let mut conns: Vec<TcpStream> = (0..500)
        .map(|_| {
            let mut s = TcpStream::connect(addr).expect("connects");
            s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ").unwrap();
            s
        })
        .collect();
    // Trickle a byte on each every 250 ms for the timeout and a margin: each client keeps sending.
    let until = Instant::now() + HEADER_READ_TIMEOUT + Duration::from_secs(2);
    while Instant::now() < until {
        for s in &mut conns {
            let _ = s.write(b"a");
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let open = conns.iter().filter(|s| !closed_by_server(s)).count();
    assert_eq!(open, 0, "{open} of 500 slow connections are still open after {HEADER_READ_TIMEOUT:?} and a margin");
    assert_eq!(common::get(addr, "/metrics", &[]).status, 200, "and the server still serves");
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_header_read_timeout() {
    let (_guard, addr) = start();
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /ready HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut first = [0u8; 12];
    s.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    std::thread::sleep(HEADER_READ_TIMEOUT + Duration::from_secs(1));
    assert!(closed_by_server(&s), "a connection idle past the timeout is closed");
}

#[test]
fn connections_beyond_the_cap_are_closed_at_once() {
    let (_guard, addr) = start();
    let extra = 48;
    // In small bursts, so the listen backlog never overflows (the kernel would reset those, not the cap).
    let mut conns: Vec<TcpStream> = Vec::new();
    while conns.len() < MAX_CONNECTIONS + extra {
        conns.extend((0..16).map(|_| TcpStream::connect(addr).unwrap()));
        std::thread::sleep(Duration::from_millis(10));
    }
    // Counted well within the header read timeout, so only the cap can have closed any.
    let closed = || conns.iter().filter(|s| closed_by_server(s)).count();
    common::eventually(HEADER_READ_TIMEOUT / 2, || closed() >= extra);
    let closed = closed();
    assert_eq!(closed, extra, "the server holds {MAX_CONNECTIONS} connections and closes the rest");
    drop(conns);
    // Until the server has seen those close, a new connection may still be over the cap and refused.
    let request = b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert!(common::eventually(Duration::from_secs(2), || common::send(addr, request).is_ok_and(|r| r.status == 200)));
}
