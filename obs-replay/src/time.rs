//! `--from` / `--to`: an RFC 3339 instant (`2026-12-02T14:31:18Z`, `…+01:00`, fractions of a second allowed) or
//! an offset from the dump's start written as a duration (`30s`, `+2m`, `1500ms`), in Unix nanoseconds.

/// Days from 1970-01-01 to the civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses an RFC 3339 date-time into Unix nanoseconds.
pub fn rfc3339(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, sec) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut frac_nanos = 0i64;
    if let Some(f) = rest.strip_prefix('.') {
        let digits = f.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded = format!("{:0<9}", &f[..digits.min(9)]);
        frac_nanos = padded.parse().ok()?;
        rest = &f[digits..];
    }
    let offset_secs = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && matches!(&rest[..1], "+" | "-") && &rest[3..4] == ":" => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (rest[1..3].parse::<i64>().ok()? * 3600 + rest[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset_secs;
    u64::try_from(secs).ok()?.checked_mul(1_000_000_000)?.checked_add(frac_nanos as u64)
}

/// An instant for `--from`/`--to`: RFC 3339, or an offset from `start` (the dump's first span).
pub fn instant(option: &'static str, v: &str, start: u64) -> Result<u64, String> {
    if let Some(t) = rfc3339(v.trim()) {
        return Ok(t);
    }
    let offset = v.trim().strip_prefix('+').unwrap_or(v.trim());
    match obs_runtime::parse_duration(option, offset) {
        Ok(d) => Ok(start.saturating_add(d.as_nanos() as u64)),
        Err(_) => Err(format!(
            "{option}: `{v}` is neither an RFC 3339 instant (2026-12-02T14:31:18Z) nor an offset from the dump's start (30s, +2m)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants() {
        assert_eq!(rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339("2026-12-02T14:31:18Z"), Some(1_796_221_878_000_000_000));
        assert_eq!(rfc3339("2026-12-02T15:31:18.5+01:00"), Some(1_796_221_878_500_000_000));
        assert_eq!(rfc3339("2026-12-02 14:31"), None);
        assert_eq!(instant("--from", "30s", 1_000), Ok(30_000_001_000));
        assert_eq!(instant("--from", "+1ms", 0), Ok(1_000_000));
        assert!(instant("--from", "yesterday", 0).is_err());
    }
}
