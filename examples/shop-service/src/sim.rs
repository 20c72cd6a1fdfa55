//! The simulated database and payment provider, with realistic, randomised latencies.

use crate::faults;
use crate::metrics::{DbQueryDuration, Payment, PaymentAttempts, PaymentOutcome};
use std::cell::Cell;
use std::time::Duration;

thread_local! {
    static RNG: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
    let tid = std::thread::current().id();
    let h = format!("{tid:?}").bytes().fold(t, |a, b| a.rotate_left(5) ^ u64::from(b));
    h | 1
}

/// A uniform number in [0, 1) from a thread-local xorshift generator.
pub fn random() -> f64 {
    RNG.with(|r| {
        let mut x = r.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        r.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

/// An item of the catalogue.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Item {
    /// Its id.
    pub id: u32,
    /// Its price in euros.
    pub price: f64,
}

/// Runs one query against the simulated database.
#[obs::traced(kind = client, err, fields(db.system = "simulated"))]
pub async fn query(what: &str) -> Result<Vec<Item>, String> {
    let _timer = DbQueryDuration.start_timer();
    let ms = 1.0 + random() * 8.0 + if random() < 0.05 { 40.0 } else { 0.0 } + faults::current().slow_db_ms as f64;
    tokio::time::sleep(Duration::from_secs_f64(ms / 1000.0)).await;
    let n = what.len() as u32 % 5 + 3;
    Ok((0..n).map(|i| Item { id: i + 1, price: 5.0 + f64::from(i) * 7.5 }).collect())
}

/// Charges the payment provider: over HTTP when `PAYMENT_URL` is set (with the trace context in `traceparent`),
/// otherwise simulated in-process. Fails at the fault switch's error rate.
#[obs::traced(kind = client, err)]
pub async fn charge(amount: f64) -> Result<(), String> {
    if let Ok(url) = std::env::var("PAYMENT_URL") {
        if let Err(e) = remote_charge(&url, amount).await {
            PaymentAttempts.with(Payment { outcome: PaymentOutcome::Error }).inc();
            return Err(e);
        }
    } else {
        tokio::time::sleep(Duration::from_secs_f64((5.0 + random() * 20.0) / 1000.0)).await;
    }
    let f = faults::current();
    // A 1% baseline of provider errors, as real providers have: error panels and SLOs see some data.
    let outcome = if random() < f.error_rate.max(0.01) {
        PaymentOutcome::Error
    } else if random() < 0.03 {
        PaymentOutcome::Declined
    } else {
        PaymentOutcome::Approved
    };
    PaymentAttempts.with(Payment { outcome }).inc();
    match outcome {
        PaymentOutcome::Approved => Ok(()),
        PaymentOutcome::Declined => Err(format!("payment of {amount:.2} EUR declined")),
        PaymentOutcome::Error => Err("payment provider unavailable".into()),
    }
}

/// `POST {url}` with `traceparent` injected, so the provider's spans join this trace.
async fn remote_charge(url: &str, amount: f64) -> Result<(), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").ok_or("PAYMENT_URL must be http://host:port/path")?;
    let (host, path) = rest.split_once('/').map_or((rest, "/"), |(h, p)| (h, p));
    let mut headers = axum::http::HeaderMap::new();
    obs::trace::inject_current(&mut headers);
    let mut req = format!("POST /{} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n", path.trim_start_matches('/'));
    for (k, v) in &headers {
        req.push_str(&format!("{}: {}\r\n", k, v.to_str().unwrap_or_default()));
    }
    let body = format!("{{\"amount\": {amount:.2}}}");
    req.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()));
    let io = async {
        let mut s = tokio::net::TcpStream::connect(host).await?;
        s.write_all(req.as_bytes()).await?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await?;
        Ok::<_, std::io::Error>(buf)
    };
    let buf = tokio::time::timeout(Duration::from_secs(2), io)
        .await
        .map_err(|_| "payment provider timed out".to_owned())?
        .map_err(|e| format!("payment provider unreachable: {e}"))?;
    let status = String::from_utf8_lossy(&buf[..buf.len().min(16)]).split(' ').nth(1).map(str::to_owned);
    match status.as_deref() {
        Some(s) if s.starts_with('2') => Ok(()),
        other => Err(format!("payment provider answered {other:?}")),
    }
}
