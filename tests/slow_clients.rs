//! Slow and idle clients cannot hold obs' sockets: a request head must arrive within the header read timeout, and
//! connections beyond the cap are closed at once.

mod common;

use obs::http::{HEADER_READ_TIMEOUT, MAX_CONNECTIONS};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

fn start() -> (obs::Guard, SocketAddr) {
    let guard = obs::builder!().listen("127.0.0.1:0").without_health_checks().init().expect("obs starts");
    let addr = guard.local_addr().unwrap();
    (guard, addr)
}

/// Whether the server has closed `s` (EOF or reset), without waiting more than a moment.
fn closed_by_server(mut s: &TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_millis(5))).unwrap();
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
    let extra = 40;
    let conns: Vec<TcpStream> = (0..MAX_CONNECTIONS + extra).map(|_| TcpStream::connect(addr).unwrap()).collect();
    // Well within the header read timeout, so only the cap can have closed any.
    std::thread::sleep(Duration::from_millis(500));
    let closed = conns.iter().filter(|s| closed_by_server(s)).count();
    assert_eq!(closed, extra, "the server holds {MAX_CONNECTIONS} connections and closes the rest");
    drop(conns);
    assert!(common::eventually(Duration::from_secs(2), || common::get(addr, "/metrics", &[]).status == 200));
}
