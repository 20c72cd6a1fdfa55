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

/// Parses an RFC 3339 date-time into Unix nanoseconds, by the `time` crate's RFC 3339 grammar (an offset or `Z`,
/// any fraction of a second); an instant before 1970 is none.
pub fn rfc3339(s: &str) -> Option<u64> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    u64::try_from(t.unix_timestamp_nanos()).ok()
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
