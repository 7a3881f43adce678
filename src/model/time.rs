//! Timestamps: stored as UTC epoch seconds, shown in the display time zone.

use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};

/// Epoch seconds, UTC. The same integer on SQLite and PostgreSQL, so date arithmetic in
/// SQL and ordering never depend on a backend's text format.
pub type Ts = i64;

pub fn to_datetime(ts: Ts) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(ts, 0)
}

/// A coarse, human "how long ago", as LMS participant lists show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ago {
    Never,
    /// The timestamp lies in the future (clock skew or bad data).
    Future,
    Seconds(i64),
    Minutes(i64),
    Hours(i64),
    Days(i64),
    Months(i64),
    Years(i64),
}

pub fn ago(ts: Option<Ts>, now: Ts) -> Ago {
    let Some(ts) = ts else { return Ago::Never };
    let d = now - ts;
    if d < -60 {
        return Ago::Future;
    }
    let d = d.max(0);
    match d {
        0..60 => Ago::Seconds(d),
        60..3600 => Ago::Minutes(d / 60),
        3600..86_400 => Ago::Hours(d / 3600),
        _ if d < 60 * 86_400 => Ago::Days(d / 86_400),
        _ if d < 365 * 86_400 => Ago::Months(d / (30 * 86_400)),
        _ => Ago::Years(d / (365 * 86_400)),
    }
}

/// Whole days between two timestamps (floor), for "days since the course opened".
pub fn days_between(from: Ts, to: Ts) -> i64 {
    (to - from).div_euclid(86_400)
}

/// The time zone used for display: the machine's (TZ, /etc/localtime) or a named one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DisplayTz {
    Local,
    Named(chrono_tz::Tz),
}

impl DisplayTz {
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim() {
            "" | "auto" | "local" => Some(Self::Local),
            n => n.parse::<chrono_tz::Tz>().ok().map(Self::Named),
        }
    }

    pub fn naive(self, ts: Ts) -> Option<NaiveDateTime> {
        let dt = to_datetime(ts)?;
        Some(match self {
            Self::Local => dt.with_timezone(&Local).naive_local(),
            Self::Named(tz) => dt.with_timezone(&tz).naive_local(),
        })
    }

    /// Interprets a wall-clock time in this zone; ambiguous times (DST fall-back) take the
    /// earlier instant, non-existent ones (spring-forward gap) are refused.
    pub fn from_naive(self, naive: NaiveDateTime) -> Option<Ts> {
        match self {
            Self::Local => Local.from_local_datetime(&naive).earliest().map(|d| d.timestamp()),
            Self::Named(tz) => tz.from_local_datetime(&naive).earliest().map(|d| d.timestamp()),
        }
    }
}

/// Why a typed day was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayError {
    /// Neither `2026-01-05` nor `05/01/2026`.
    Format,
    /// The right shape, but no such day (31/02/2026).
    NotReal,
}

/// A calendar day typed as `2026-01-05` or `05/01/2026` (how French spreadsheets write it).
pub fn parse_day(input: &str) -> Result<chrono::NaiveDate, DayError> {
    let t = input.trim();
    let pattern = if t.contains('/') { "%d/%m/%Y" } else { "%Y-%m-%d" };
    chrono::NaiveDate::parse_from_str(t, pattern).map_err(|e| {
        // chrono says "out of range" when every part has the right shape but the day does
        // not exist in that month.
        if e.kind() == chrono::format::ParseErrorKind::OutOfRange {
            DayError::NotReal
        } else {
            DayError::Format
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Ts = 1_763_800_000;

    #[test]
    fn relative_buckets() {
        assert_eq!(ago(None, NOW), Ago::Never);
        assert_eq!(ago(Some(NOW - 5), NOW), Ago::Seconds(5));
        assert_eq!(ago(Some(NOW - 301), NOW), Ago::Minutes(5));
        assert_eq!(ago(Some(NOW - 3 * 3600), NOW), Ago::Hours(3));
        assert_eq!(ago(Some(NOW - 23 * 86_400 - 100), NOW), Ago::Days(23));
        assert_eq!(ago(Some(NOW - 59 * 86_400), NOW), Ago::Days(59));
        assert_eq!(ago(Some(NOW - 120 * 86_400), NOW), Ago::Months(4));
        assert_eq!(ago(Some(NOW - 800 * 86_400), NOW), Ago::Years(2));
        // Small skew reads as "just now", large skew is flagged.
        assert_eq!(ago(Some(NOW + 30), NOW), Ago::Seconds(0));
        assert_eq!(ago(Some(NOW + 3600), NOW), Ago::Future);
    }

    #[test]
    fn typed_days() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        assert_eq!(parse_day("2026-01-05"), Ok(d));
        assert_eq!(parse_day(" 05/01/2026 "), Ok(d));
        assert_eq!(parse_day("31/02/2026"), Err(DayError::NotReal));
        assert_eq!(parse_day("2026-02-30"), Err(DayError::NotReal));
        assert_eq!(parse_day("1767571200"), Err(DayError::Format));
        assert_eq!(parse_day("05-01-2026"), Err(DayError::Format));
        assert_eq!(parse_day(""), Err(DayError::Format));
    }

    #[test]
    fn days() {
        assert_eq!(days_between(NOW - 86_400 * 3, NOW), 3);
        assert_eq!(days_between(NOW - 10, NOW), 0);
        assert_eq!(days_between(NOW + 10, NOW), -1);
    }

    #[test]
    fn named_zone_round_trips() {
        let tz = DisplayTz::parse("Europe/Paris").unwrap();
        let naive = tz.naive(1_704_656_160).unwrap(); // 2024-01-07 19:36 UTC
        assert_eq!(naive.format("%d/%m/%Y %H:%M").to_string(), "07/01/2024 20:36");
        assert_eq!(tz.from_naive(naive), Some(1_704_656_160));
        assert!(DisplayTz::parse("Mars/Olympus").is_none());
        assert_eq!(DisplayTz::parse("auto"), Some(DisplayTz::Local));
    }

    #[test]
    fn dst_gap_is_refused() {
        let tz = DisplayTz::parse("Europe/Paris").unwrap();
        let gap = chrono::NaiveDate::from_ymd_opt(2025, 3, 30).unwrap().and_hms_opt(2, 30, 0).unwrap();
        assert_eq!(tz.from_naive(gap), None);
    }
}
