//! Timestamps as the inputs write them (RFC 3339), kept as UTC seconds.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Seconds since the Unix epoch, UTC. Compact (8 bytes) because a million
/// findings carry two each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn from_unix(secs: i64) -> Timestamp {
        Timestamp(secs)
    }

    pub fn unix(self) -> i64 {
        self.0
    }

    /// Lenient: RFC 3339 with or without fractional seconds, `Z` or offset;
    /// also the `2021-05-20 12:38:10 +0000 UTC` Go default some tools print.
    pub fn parse(s: &str) -> Option<Timestamp> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
            return Some(Timestamp(t.unix_timestamp()));
        }
        // Go's time.Time String(): "2006-01-02 15:04:05.999 -0700 MST".
        let mut parts = s.split_whitespace();
        let (date, clock) = (parts.next()?, parts.next()?);
        let clock = clock.split('.').next()?;
        let iso = format!("{date}T{clock}Z");
        OffsetDateTime::parse(&iso, &Rfc3339)
            .ok()
            .map(|t| Timestamp(t.unix_timestamp()))
    }

    pub fn to_rfc3339(self) -> String {
        OffsetDateTime::from_unix_timestamp(self.0)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_else(|| self.0.to_string())
    }

    /// `YYYY-MM-DD` (UTC).
    pub fn date(self) -> String {
        self.prefix(10)
    }

    /// The first `n` characters of the RFC 3339 form (`16`: to the minute);
    /// never panics, whatever the value.
    pub fn prefix(self, n: usize) -> String {
        self.to_rfc3339().chars().take(n).collect()
    }

    pub fn now() -> Timestamp {
        Timestamp(OffsetDateTime::now_utc().unix_timestamp())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 timestamp: {s:?}")))
    }
}

/// "3d", "5h", "2w" — how long ago, for tables.
pub fn age(since: Timestamp, now: Timestamp) -> String {
    let secs = (now.0 - since.0).max(0);
    let (m, h, d) = (60, 3600, 86400);
    if secs < h {
        format!("{}m", secs / m)
    } else if secs < d {
        format!("{}h", secs / h)
    } else if secs < 60 * d {
        // Calendar days, as the review's ages and the query's `age>` count
        // them: first seen on the 1st is 23 days old on the 24th, whatever
        // the hour.
        let days = (super::date::day_of(now) - super::date::day_of(since)).whole_days();
        format!("{}d", days.max(1))
    } else if secs < 730 * d {
        format!("{}mo", secs / (30 * d))
    } else {
        format!("{}y", secs / (365 * d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_in_days_are_calendar_days_as_the_review_counts_them() {
        let seen = Timestamp::parse("2026-11-01T09:00:00Z").unwrap();
        let now = Timestamp::parse("2026-11-24T08:00:00Z").unwrap();
        assert_eq!(age(seen, now), "23d");
        let today = crate::model::date::day_of(now);
        assert_eq!((today - crate::model::date::day_of(seen)).whole_days(), 23);
        assert_eq!(
            age(seen, Timestamp::parse("2026-11-01T20:00:00Z").unwrap()),
            "11h"
        );
    }

    #[test]
    fn parses_common_forms() {
        let a = Timestamp::parse("2020-03-22T13:22:13.933Z").unwrap();
        let b = Timestamp::parse("2020-03-22T13:22:13Z").unwrap();
        assert_eq!(a, b);
        assert!(Timestamp::parse("2021-05-20 12:38:10 +0000 UTC").is_some());
        assert!(Timestamp::parse("yesterday").is_none());
        assert_eq!(b.to_rfc3339(), "2020-03-22T13:22:13Z");
    }

    #[test]
    fn ages() {
        let now = Timestamp::from_unix(10 * 86400);
        assert_eq!(age(Timestamp::from_unix(10 * 86400 - 120), now), "2m");
        assert_eq!(age(Timestamp::from_unix(7 * 86400), now), "3d");
    }
}
