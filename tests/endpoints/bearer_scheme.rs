//! The bearer scheme's name is case-insensitive (RFC 9110, 11.1); the token itself is not.

use crate::common;

use common::get;

#[test]
fn the_bearer_scheme_is_accepted_in_any_case() {
    let guard = obs::builder!().listen("127.0.0.1:0").bearer_token("s3cret").without_health_checks().init().unwrap();
    let addr = guard.local_addr().unwrap();
    for auth in ["Bearer s3cret", "bearer s3cret", "BEARER s3cret", "bEaReR s3cret"] {
        assert_eq!(get(addr, "/metrics", &[&format!("Authorization: {auth}")]).status, 200, "{auth}");
    }
    for auth in ["bearer S3CRET", "bearer s3cre", "bearer s3crets", "Basic s3cret", "bearers3cret"] {
        assert_eq!(get(addr, "/metrics", &[&format!("Authorization: {auth}")]).status, 401, "{auth}");
    }
}
