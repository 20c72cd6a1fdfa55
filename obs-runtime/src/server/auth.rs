//! Optional bearer-token authentication of every endpoint.

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Rejects requests without `Authorization: Bearer <token>` with 401; the scheme's case does not matter
/// (RFC 9110, 11.1).
pub(crate) async fn require_bearer(State(token): State<Arc<str>>, req: Request, next: Next) -> Response {
    let presented = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(bearer_token);
    match presented {
        Some(p) if constant_time_eq(p.as_bytes(), token.as_bytes()) => next.run(req).await,
        _ => (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "missing or wrong bearer token\n")
            .into_response(),
    }
}

/// The token of `Bearer <token>`: `credentials = auth-scheme [ 1*SP token68 ]`, the scheme case-insensitive.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim_start_matches(' '))
}

/// Compares in a time that depends on the presented length only: not on where the tokens differ, nor on the
/// expected token's length.
fn constant_time_eq(presented: &[u8], expected: &[u8]) -> bool {
    let mut diff = u8::from(presented.len() != expected.len());
    if let Some(n) = std::num::NonZeroUsize::new(expected.len()) {
        for (i, p) in presented.iter().enumerate() {
            diff |= p ^ expected[i % n];
        }
    }
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_tokens_only() {
        assert!(constant_time_eq(b"s3cret", b"s3cret"));
        for wrong in [&b""[..], b"s3cre", b"s3crett", b"S3cret", b"s3cres", b"s3crets3cret"] {
            assert!(!constant_time_eq(wrong, b"s3cret"), "{:?}", String::from_utf8_lossy(wrong));
        }
        assert!(!constant_time_eq(b"x", b""));
    }

    #[test]
    fn the_scheme_is_case_insensitive() {
        for v in ["Bearer t", "bearer t", "BEARER t", "bEaReR  t"] {
            assert_eq!(bearer_token(v), Some("t"), "{v}");
        }
        for v in ["Basic t", "Bearert", "Bearer", "Token t"] {
            assert_eq!(bearer_token(v), None, "{v}");
        }
    }
}
