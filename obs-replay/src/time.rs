//! `--from` / `--to`: an RFC 3339 instant (`2026-12-02T14:31:18Z`, `…+01:00`, fractions of a second allowed) or
//! an offset from the dump's start written as a duration (`30s`, `+2m`, `1500ms`), in Unix nanoseconds.

/// A `--from`/`--to` value, parsed before the dump is read so a typo fails at once rather than after a long read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// An instant, in Unix nanoseconds.
    At(u64),
    /// Nanoseconds after the dump's first span, which is known only once the dump is read.
    After(u64),
}

impl When {
    /// The instant in Unix nanoseconds, `start` being the dump's first span's start.
    pub fn resolve(self, start: u64) -> u64 {
        match self {
            When::At(t) => t,
            When::After(d) => start.saturating_add(d),
        }
    }
}

/// Days from 1970-01-01 to the civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days in month `m` of year `y`: 2026-02-30 is a typo to report, not March 2nd.
fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The number written by ASCII digits only: `str::parse` would also take a sign (`+1`).
fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |n, &c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
}

/// Parses an RFC 3339 date-time into Unix nanoseconds.
pub fn rfc3339(s: &str) -> Option<u64> {
    // Bytes throughout: any non-ASCII byte fails a digit or separator check instead of splitting a char.
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
    let (y, mo, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let (h, mi, sec) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    if !(1..=12).contains(&mo) || !(1..=days_in_month(y, mo)).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &b[19..];
    let mut frac_nanos = 0i64;
    if let Some(f) = rest.strip_prefix(b".") {
        let n = f.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        // Nanoseconds: the first nine digits, padded; finer ones are dropped.
        let nine = &f[..n.min(9)];
        frac_nanos = digits(nine)? * 10i64.pow(9 - nine.len() as u32);
        rest = &f[n..];
    }
    let offset_secs = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (oh, om) = (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let sign = if *sign == b'-' { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset_secs;
    u64::try_from(secs).ok()?.checked_mul(1_000_000_000)?.checked_add(frac_nanos as u64)
}

/// Parses `--from`/`--to`: RFC 3339, or an offset from the dump's first span.
pub fn parse(option: &'static str, v: &str) -> Result<When, String> {
    if let Some(t) = rfc3339(v.trim()) {
        return Ok(When::At(t));
    }
    let offset = v.trim().strip_prefix('+').unwrap_or(v.trim());
    match obs_runtime::parse_duration(option, offset) {
        Ok(d) => Ok(When::After(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))),
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
        assert_eq!(rfc3339("2026-12-02T14:31:18.123456789012Z"), Some(1_796_221_878_123_456_789));
        assert_eq!(rfc3339("2024-02-29T00:00:00Z"), Some(1_709_164_800_000_000_000));
        assert_eq!(rfc3339("2026-12-02 14:31"), None);
        assert_eq!(rfc3339("2026-02-29T00:00:00Z"), None, "not a leap year");
        assert_eq!(rfc3339("2026-04-31T00:00:00Z"), None);
        assert_eq!(rfc3339("+026-12-02T14:31:18Z"), None, "a sign is not a digit");
        assert_eq!(rfc3339("2026-12-02T14:31:18+25:00"), None);
        assert_eq!(parse("--from", "30s").map(|w| w.resolve(1_000)), Ok(30_000_001_000));
        assert_eq!(parse("--from", "+1ms"), Ok(When::After(1_000_000)));
        assert_eq!(parse("--to", "1970-01-01T00:00:01Z"), Ok(When::At(1_000_000_000)));
        assert!(parse("--from", "yesterday").is_err());
    }

    #[test]
    fn non_ascii_is_an_error_not_a_panic() {
        // Multibyte chars where the offset, the fraction or a field would be sliced.
        for s in [
            "2026-12-02T14:31:18é1234",
            "2026-12-02T14:31:18+é:000",
            "2026-12-02T14:31:18.5é",
            "2026-12-02T14:31:1é",
            "2026-1é-02T14:31:18Z",
            "é026-12-02T14:31:18Z",
            "2026-12-02T14:31:18+01:0é",
        ] {
            assert_eq!(rfc3339(s), None, "{s}");
            assert!(parse("--from", s).is_err(), "{s}");
        }
    }
}
