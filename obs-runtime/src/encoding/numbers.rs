//! Number formatting: shortest round-trip floats, with the spellings both formats accept.

/// Formats a float as the text formats spell it: `NaN`, `+Inf`, `-Inf`, or the shortest round-trip decimal.
///
/// ```
/// assert_eq!(obs_runtime::format_f64(0.005), "0.005");
/// assert_eq!(obs_runtime::format_f64(1.0), "1.0");
/// assert_eq!(obs_runtime::format_f64(f64::INFINITY), "+Inf");
/// ```
pub fn format_f64(v: f64) -> String {
    let mut s = String::new();
    push_f64(&mut s, v);
    s
}

pub(crate) fn push_f64(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        out.push_str(ryu::Buffer::new().format_finite(v));
    }
}
