//! Strict instants and dates, the only forms events may carry (the published JSON Schemas say
//! `date-time` and `date`): an instant is RFC 3339 with the UTC offset of a real time zone
//! (−12:00 to +14:00) and no leap second; a date is `YYYY-MM-DD`. Chrono's own readers are more
//! lenient (`+0100`, `UTC`, single-digit months, second 60), which would let the same instant be
//! written many ways.

use chrono::{DateTime, FixedOffset, NaiveDate, Timelike};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

/// The widest offsets real time zones use.
const OFFSETS: std::ops::RangeInclusive<i32> = -12 * 3600..=14 * 3600;

/// The instant `s` writes, if it is in the strict form.
pub fn instant(s: &str) -> Option<DateTime<FixedOffset>> {
    let t = DateTime::parse_from_rfc3339(s).ok()?;
    let leap_second = t.nanosecond() >= 1_000_000_000;
    (!leap_second && OFFSETS.contains(&t.offset().local_minus_utc())).then_some(t)
}

/// The date `s` writes, if it is `YYYY-MM-DD`.
pub fn date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    shape
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
}

/// Reads an instant in the strict form (for `#[serde(deserialize_with)]`).
pub fn de_instant<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<FixedOffset>, D::Error> {
    let s = std::borrow::Cow::<str>::deserialize(d)?;
    instant(&s).ok_or_else(|| {
        D::Error::custom("not an RFC 3339 timestamp with a real UTC offset and no leap second")
    })
}

/// Reads a date in the strict form (for `#[serde(deserialize_with)]`).
pub fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let s = std::borrow::Cow::<str>::deserialize(d)?;
    date(&s).ok_or_else(|| D::Error::custom("not a YYYY-MM-DD calendar date"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_strict_forms() {
        assert!(instant("2025-03-14T18:22:05+01:00").is_some());
        assert!(instant("2025-03-14T18:22:05.250Z").is_some());
        assert!(instant("2025-03-14T18:22:05-12:00").is_some());
        for loose in [
            "2025-03-14T18:22:60+01:00",
            "2025-03-14T18:22:05+23:59",
            "2025-03-14T18:22:05+0100",
            "2025-03-14T18:22:05 UTC",
            "2025-3-14T18:22:05+01:00",
            "+2025-03-14T18:22:05+01:00",
            "2025-03-14T18:22:05",
        ] {
            assert!(instant(loose).is_none(), "{loose}");
        }
        assert!(date("2025-01-05").is_some());
        for loose in [
            "2025-1-5",
            "+2025-01-05",
            "2025-02-30",
            "02025-01-05",
            "2025/01/05",
        ] {
            assert!(date(loose).is_none(), "{loose}");
        }
    }
}
