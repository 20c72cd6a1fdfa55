//! Serving the router on obs' own listener, with bounds no client can outlast: the time to send a request head
//! (which also ends an idle keep-alive connection) and the number of connections held at once.
//!
//! At the connection cap, a new connection closes the oldest held connection that is not in the middle of a
//! request (one still sending its head, or idle between requests), so clients that only hold sockets cannot lock
//! out a health probe; only when every held connection is serving a request is the new one closed instead.

use super::MAX_CONNECTIONS;
use axum::body::{Body, Bytes, HttpBody};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, Notify};

/// One held connection: its requests in progress, and the signal that closes it.
#[derive(Default)]
struct Conn {
    /// Requests whose response has not been written in full yet.
    requests: AtomicUsize,
    evict: Notify,
}

/// The held connections, oldest first (by accept order).
#[derive(Default)]
struct Held {
    next: u64,
    conns: BTreeMap<u64, Arc<Conn>>,
}

impl Held {
    /// Makes room for one more connection: closes the oldest one without a request in progress; `false` when
    /// every held connection is serving one.
    fn make_room(&mut self) -> bool {
        if self.conns.len() < MAX_CONNECTIONS {
            return true;
        }
        let idle = self.conns.iter().find(|(_, c)| c.requests.load(Ordering::Acquire) == 0).map(|(id, _)| *id);
        match idle.and_then(|id| self.conns.remove(&id)) {
            Some(c) => {
                // A stored permit if its task is not waiting yet: the close is never lost.
                c.evict.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Serves `app` on `listener` until `stop` fires; connections already open end with the runtime.
pub(crate) async fn serve(listener: TcpListener, app: Router, mut stop: oneshot::Receiver<()>) {
    let held = Arc::new(Mutex::new(Held::default()));
    loop {
        let stream = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, most likely: wait for some to close rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let (id, conn) = {
            let mut h = held.lock().unwrap_or_else(|e| e.into_inner());
            if !h.make_room() {
                // Every held connection is serving a request: failing fast beats holding a socket nobody serves.
                drop(stream);
                continue;
            }
            let (id, conn) = (h.next, Arc::new(Conn::default()));
            h.next += 1;
            h.conns.insert(id, conn.clone());
            (id, conn)
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(Counted { app: app.clone(), conn: conn.clone() });
        let held = held.clone();
        tokio::spawn(async move {
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(super::HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = served => {}
                // Dropping the connection's future closes its socket.
                _ = conn.evict.notified() => {}
            }
            held.lock().unwrap_or_else(|e| e.into_inner()).conns.remove(&id);
        });
    }
}

/// The router, counting each request as in progress from its head until its response body is dropped (written in
/// full, or abandoned), so eviction never cuts a response short.
#[derive(Clone)]
struct Counted {
    app: Router,
    conn: Arc<Conn>,
}

/// One request in progress on its connection.
struct InProgress(Arc<Conn>);

impl InProgress {
    fn new(conn: &Arc<Conn>) -> InProgress {
        conn.requests.fetch_add(1, Ordering::AcqRel);
        InProgress(conn.clone())
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        self.0.requests.fetch_sub(1, Ordering::AcqRel);
    }
}

impl<B> tower::Service<http::Request<B>> for Counted
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let busy = InProgress::new(&self.conn);
        let mut app = self.app.clone();
        Box::pin(async move {
            let res = tower::Service::call(&mut app, req).await?;
            // The guard rides in the body: hyper drops it once the last byte is written.
            Ok(res.map(|inner| Body::new(Tracked { inner, _busy: busy })))
        })
    }
}

/// A response body that holds its request's [`InProgress`] until it is dropped.
struct Tracked {
    inner: Body,
    _busy: InProgress,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, axum::Error>>> {
        // `Body` is `Unpin` (a boxed body), so `Tracked` is too.
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(busy: &[usize]) -> Held {
        let mut h = Held::default();
        for i in 0..MAX_CONNECTIONS {
            let c = Arc::new(Conn::default());
            if busy.contains(&i) {
                c.requests.store(1, Ordering::Relaxed);
            }
            h.conns.insert(h.next, c);
            h.next += 1;
        }
        h
    }

    #[test]
    fn room_is_made_by_closing_the_oldest_connection_without_a_request_in_progress() {
        let mut h = full(&[0, 1]);
        assert!(h.make_room());
        assert_eq!(h.conns.len(), MAX_CONNECTIONS - 1);
        assert!(h.conns.contains_key(&0) && h.conns.contains_key(&1), "connections serving a request stay");
        assert!(!h.conns.contains_key(&2), "the oldest idle one is closed");
    }

    #[test]
    fn with_every_connection_serving_a_request_the_new_one_is_refused() {
        let mut h = full(&(0..MAX_CONNECTIONS).collect::<Vec<_>>());
        assert!(!h.make_room());
        assert_eq!(h.conns.len(), MAX_CONNECTIONS);
    }

    #[test]
    fn a_request_is_in_progress_until_its_response_body_is_dropped() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let conn = Arc::new(Conn::default());
        let app = Router::new().route("/", axum::routing::get(|| async { "hello" }));
        let mut svc = Counted { app, conn: conn.clone() };
        let res = rt.block_on(tower::Service::call(&mut svc, http::Request::new(Body::empty()))).unwrap();
        assert_eq!(conn.requests.load(Ordering::Relaxed), 1, "the response is not written yet");
        let body = rt.block_on(axum::body::to_bytes(res.into_body(), 1024)).unwrap();
        assert_eq!(&body[..], b"hello");
        assert_eq!(conn.requests.load(Ordering::Relaxed), 0, "written in full: the connection is idle again");
    }
}
