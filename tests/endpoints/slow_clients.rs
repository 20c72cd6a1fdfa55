//! Slow and idle clients cannot hold obs' sockets: a request head must arrive within the header read timeout, and
//! at the connection cap a new connection closes the oldest one not serving a request.

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
fn at_the_cap_each_new_connection_closes_the_oldest_idle_one() {
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
    let closed: Vec<usize> = (0..conns.len()).filter(|&i| closed_by_server(&conns[i])).collect();
    assert_eq!(closed, (0..extra).collect::<Vec<_>>(), "the {extra} oldest of the idle connections are closed");
    // The newest are held and served.
    let last = conns.last_mut().unwrap();
    last.set_nonblocking(false).unwrap();
    last.write_all(b"GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    last.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut first = [0u8; 12];
    last.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
}

#[test]
fn clients_holding_every_connection_with_slow_heads_cannot_lock_out_a_probe() {
    let (_guard, addr) = start();
    let slow = |n: usize| -> Vec<TcpStream> {
        (0..n)
            .map(|_| {
                let mut s = TcpStream::connect(addr).expect("connects");
                s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ").unwrap();
                s
            })
            .collect()
    };
    let mut held = Vec::new();
    while held.len() < MAX_CONNECTIONS + 44 {
        held.extend(slow(16));
        std::thread::sleep(Duration::from_millis(10));
    }
    // Every connection is taken by a client still sending its head; the probes answer at once, well before the
    // header read timeout could free a connection.
    for _ in 0..5 {
        let t = Instant::now();
        let r = common::send(addr, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .expect("the probe is served");
        assert_eq!(r.status, 200);
        assert!(t.elapsed() < HEADER_READ_TIMEOUT / 2, "the probe waited {:?}", t.elapsed());
        held.extend(slow(16));
    }
}
