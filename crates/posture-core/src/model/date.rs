//! Calendar days: the day of a timestamp, and dates as users type them.

use time::{Date, Duration, OffsetDateTime};

use super::Timestamp;

/// A date that is neither `YYYY-MM-DD` nor `Nd` / `Nw`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a date: {0:?} (want YYYY-MM-DD, or a number of days like 90d)")]
pub struct BadDate(pub String);

/// The UTC calendar day of a timestamp.
pub fn day_of(t: Timestamp) -> Date {
    OffsetDateTime::from_unix_timestamp(t.unix())
        .map(OffsetDateTime::date)
        .unwrap_or(Date::MIN)
}

pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `2027-03-31`, or `90d` / `12w` counted from `today`.
pub fn parse_date(s: &str, today: Date) -> Result<Date, BadDate> {
    let s = s.trim();
    let bad = || BadDate(s.to_string());
    if let Some(n) = s.strip_suffix('d').or_else(|| s.strip_suffix('w')) {
        let n: i64 = n.parse().map_err(|_| bad())?;
        let days = if s.ends_with('w') { n * 7 } else { n };
        return today.checked_add(Duration::days(days)).ok_or_else(bad);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s, &fmt).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_absolute_and_relative() {
        let today = date!(2026 - 11 - 24);
        assert_eq!(parse_date("2027-03-01", today), Ok(date!(2027 - 03 - 01)));
        assert_eq!(parse_date("30d", today), Ok(date!(2026 - 12 - 24)));
        assert_eq!(parse_date("2w", today), Ok(date!(2026 - 12 - 08)));
        assert!(parse_date("next week", today).is_err());
        assert!(parse_date("2027-02-30", today).is_err());
        assert_eq!(format_date(date!(2027 - 03 - 01)), "2027-03-01");
        assert_eq!(
            day_of(Timestamp::parse("2026-11-24T23:59:59Z").unwrap()),
            today
        );
    }
}
