//! A learner's statistics on one lesson, as a tutor edits them: the stored values, the
//! parsing and validation of what the tutor typed, and the per-field differences that the
//! audit log records. Error values are catalogue keys, so the UI shows them in any language.

use chrono::NaiveDateTime;

use super::duration::{self, parse_hms};
use super::{LessonStatus, Ts};
use crate::model::lang::Lang;
use crate::model::time::DisplayTz;

/// Length limits of the two SCORM strings, in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub location: usize,
    pub suspend_data: usize,
}

/// SCORM 1.2 caps `cmi.core.lesson_location` at 255 and `cmi.suspend_data` at 4,096
/// characters; SCORM 2004 at 1,000 and 64,000, which also apply to lessons without SCORM.
pub fn limits(scorm_version: Option<&str>) -> Limits {
    match scorm_version {
        Some("1.2") => Limits { location: 255, suspend_data: 4_096 },
        _ => Limits { location: 1_000, suspend_data: 64_000 },
    }
}

/// What is stored for a learner on a lesson (a missing progress row reads as the defaults).
#[derive(Clone, Debug, PartialEq)]
pub struct Stats {
    pub status: LessonStatus,
    pub attempts: i64,
    pub status_at: Option<Ts>,
    pub score: Option<f64>,
    pub time_spent: i64,
    pub location: String,
    pub suspend_data: String,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            status: LessonStatus::NotAttempted,
            attempts: 0,
            status_at: None,
            score: None,
            time_spent: 0,
            location: String::new(),
            suspend_data: String::new(),
        }
    }
}

/// The fields of the editor, in screen order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Status,
    Attempts,
    StatusAt,
    Score,
    TimeSpent,
    Location,
    SuspendData,
}

impl Field {
    pub const ALL: [Field; 7] = [
        Field::Status,
        Field::Attempts,
        Field::StatusAt,
        Field::Score,
        Field::TimeSpent,
        Field::Location,
        Field::SuspendData,
    ];

    /// Column name in `lesson_progress`, also the `field` of audit records.
    pub fn column(self) -> &'static str {
        match self {
            Field::Status => "status",
            Field::Attempts => "attempts",
            Field::StatusAt => "status_at",
            Field::Score => "score",
            Field::TimeSpent => "time_spent",
            Field::Location => "location",
            Field::SuspendData => "suspend_data",
        }
    }

    pub fn from_column(s: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.column() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Field::Status => "edit.status",
            Field::Attempts => "edit.attempts_count",
            Field::StatusAt => "edit.date",
            Field::Score => "edit.score",
            Field::TimeSpent => "edit.time",
            Field::Location => "edit.location",
            Field::SuspendData => "edit.suspend_data",
        }
    }
}

impl Stats {
    /// The value of one field in the audit log's text form (empty for n.a.): machine values,
    /// so an undo can read them back exactly.
    pub fn audit_value(&self, field: Field) -> Option<String> {
        match field {
            Field::Status => Some(self.status.as_db().to_string()),
            Field::Attempts => Some(self.attempts.to_string()),
            Field::StatusAt => self.status_at.map(|t| t.to_string()),
            Field::Score => self.score.map(|s| s.to_string()),
            Field::TimeSpent => Some(self.time_spent.to_string()),
            Field::Location => Some(self.location.clone()),
            Field::SuspendData => Some(self.suspend_data.clone()),
        }
    }

    /// Sets one field from its audit text form; `false` when the text does not parse
    /// (a hand-edited audit row), leaving the field unchanged.
    pub fn set_audit_value(&mut self, field: Field, v: Option<&str>) -> bool {
        let int = |v: Option<&str>| v.and_then(|s| s.parse::<i64>().ok());
        match field {
            Field::Status => match v.and_then(LessonStatus::from_db) {
                Some(s) => self.status = s,
                None => return false,
            },
            Field::Attempts => match int(v) {
                Some(n) => self.attempts = n,
                None => return false,
            },
            Field::StatusAt => match v {
                None => self.status_at = None,
                Some(_) => match int(v) {
                    Some(t) => self.status_at = Some(t),
                    None => return false,
                },
            },
            Field::Score => match v {
                None => self.score = None,
                Some(s) => match s.parse::<f64>() {
                    Ok(x) if x.is_finite() => self.score = Some(x),
                    _ => return false,
                },
            },
            Field::TimeSpent => match int(v) {
                Some(n) => self.time_spent = n,
                None => return false,
            },
            Field::Location => self.location = v.unwrap_or_default().to_string(),
            Field::SuspendData => self.suspend_data = v.unwrap_or_default().to_string(),
        }
        true
    }

    /// The fields whose values differ, with old and new in audit form.
    pub fn diff(&self, new: &Stats) -> Vec<(Field, Option<String>, Option<String>)> {
        Field::ALL
            .into_iter()
            .filter_map(|f| {
                let (a, b) = (self.audit_value(f), new.audit_value(f));
                (a != b).then_some((f, a, b))
            })
            .collect()
    }
}

/// Why a field is refused; `key()` is the catalogue entry that explains it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalid {
    ScoreFormat,
    ScoreRange,
    DateFormat,
    DateNotReal,
    DateInGap,
    DateFuture,
    /// Before [`EARLIEST_DATE`]: a typo (0001-01-01), not when a lesson was done.
    DateTooOld,
    Duration(duration::DurationError),
    TooLong {
        len: usize,
        max: usize,
    },
    ControlChars,
}

impl Invalid {
    pub fn key(&self) -> &'static str {
        match self {
            Invalid::ScoreFormat => "validation.score_format",
            Invalid::ScoreRange => "validation.score_range",
            Invalid::DateFormat => "validation.date_format",
            Invalid::DateNotReal => "validation.date_not_real",
            Invalid::DateInGap => "validation.date_gap",
            Invalid::DateFuture => "validation.date_future",
            Invalid::DateTooOld => "edges.date_too_old",
            Invalid::Duration(e) => e.key(),
            Invalid::TooLong { .. } => "validation.too_long",
            Invalid::ControlChars => "validation.control_chars",
        }
    }
}

/// A score in percent: 0–100, decimals allowed, empty for n.a. French accepts a decimal
/// comma ("87,5") as well as a point; English only a point (a comma there reads as a
/// thousands separator).
pub fn parse_score(input: &str, lang: Lang) -> Result<Option<f64>, Invalid> {
    let t = input.trim().trim_end_matches('%').trim_end();
    if t.is_empty() {
        return Ok(None);
    }
    let norm = match lang {
        Lang::Fr => t.replace(',', "."),
        Lang::En => t.to_string(),
    };
    let ok_chars = norm.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if !ok_chars || norm.matches('.').count() > 1 || norm.starts_with('.') || norm.ends_with('.') {
        // A sign is a format error unless it is a plain negative number: say "out of range".
        return match norm.strip_prefix('-').map(|r| r.parse::<f64>()) {
            Some(Ok(_)) => Err(Invalid::ScoreRange),
            _ => Err(Invalid::ScoreFormat),
        };
    }
    let v: f64 = norm.parse().map_err(|_| Invalid::ScoreFormat)?;
    if !(0.0..=100.0).contains(&v) {
        return Err(Invalid::ScoreRange);
    }
    Ok(Some(v))
}

/// The input pattern of a status date: `dd/mm/yyyy HH:MM` in French, `yyyy-mm-dd HH:MM`
/// in English (the same patterns the dashboard displays).
pub fn date_pattern(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "%d/%m/%Y %H:%M",
        Lang::En => "%Y-%m-%d %H:%M",
    }
}

pub fn format_date(ts: Option<Ts>, lang: Lang, tz: DisplayTz) -> String {
    ts.and_then(|t| tz.naive(t)).map(|d| d.format(date_pattern(lang)).to_string()).unwrap_or_default()
}

/// 2000-01-01 00:00 UTC: no e-learning status predates it; an earlier date is a typo.
pub const EARLIEST_DATE: Ts = 946_684_800;

/// A status date typed in local time; empty for none. Refuses dates that do not exist
/// (31/02), that fall in a daylight-saving gap, and dates more than a minute in the future.
pub fn parse_date(input: &str, lang: Lang, tz: DisplayTz, now: Ts) -> Result<Option<Ts>, Invalid> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let naive = match NaiveDateTime::parse_from_str(t, date_pattern(lang)) {
        Ok(n) => n,
        Err(e) => {
            // chrono says "out of range" when every part has the right shape but the day
            // does not exist in that month.
            return Err(if e.kind() == chrono::format::ParseErrorKind::OutOfRange {
                Invalid::DateNotReal
            } else {
                Invalid::DateFormat
            });
        }
    };
    let ts = tz.from_naive(naive).ok_or(Invalid::DateInGap)?;
    if ts > now + 60 {
        return Err(Invalid::DateFuture);
    }
    if ts < EARLIEST_DATE {
        return Err(Invalid::DateTooOld);
    }
    Ok(Some(ts))
}

pub fn parse_time(input: &str) -> Result<i64, Invalid> {
    parse_hms(input).map_err(Invalid::Duration)
}

/// Control characters are refused in both SCORM strings, except line breaks and tabs in
/// suspend data (some content stores structured text there).
pub fn check_text(s: &str, max: usize, multiline: bool) -> Result<(), Invalid> {
    let bad = |c: char| c.is_control() && !(multiline && matches!(c, '\n' | '\t' | '\r'));
    if s.chars().any(bad) {
        return Err(Invalid::ControlChars);
    }
    let len = s.chars().count();
    if len > max {
        return Err(Invalid::TooLong { len, max });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::duration::DurationError;

    const NOW: Ts = 1_763_804_800; // 2025-11-22 09:46:40 UTC

    fn paris() -> DisplayTz {
        DisplayTz::parse("Europe/Paris").unwrap()
    }

    #[test]
    fn scores() {
        assert_eq!(parse_score("", Lang::Fr), Ok(None));
        assert_eq!(parse_score("  ", Lang::En), Ok(None));
        assert_eq!(parse_score("0", Lang::Fr), Ok(Some(0.0)));
        assert_eq!(parse_score("100", Lang::Fr), Ok(Some(100.0)));
        assert_eq!(parse_score("100.0", Lang::En), Ok(Some(100.0)));
        assert_eq!(parse_score("87,5", Lang::Fr), Ok(Some(87.5)));
        assert_eq!(parse_score("87.5", Lang::Fr), Ok(Some(87.5)));
        assert_eq!(parse_score("87.5 %", Lang::En), Ok(Some(87.5)));
        assert_eq!(parse_score("99.99", Lang::En), Ok(Some(99.99)));
        assert_eq!(parse_score("100.01", Lang::En), Err(Invalid::ScoreRange));
        assert_eq!(parse_score("100,01", Lang::Fr), Err(Invalid::ScoreRange));
        assert_eq!(parse_score("-1", Lang::En), Err(Invalid::ScoreRange));
        assert_eq!(parse_score("-0,5", Lang::Fr), Err(Invalid::ScoreRange));
        assert_eq!(parse_score("87,5", Lang::En), Err(Invalid::ScoreFormat));
        assert_eq!(parse_score("1,000", Lang::En), Err(Invalid::ScoreFormat));
        assert_eq!(parse_score("abc", Lang::Fr), Err(Invalid::ScoreFormat));
        assert_eq!(parse_score("1.2.3", Lang::En), Err(Invalid::ScoreFormat));
        assert_eq!(parse_score(".5", Lang::En), Err(Invalid::ScoreFormat));
        assert_eq!(parse_score("5.", Lang::En), Err(Invalid::ScoreFormat));
        assert_eq!(parse_score("NaN", Lang::En), Err(Invalid::ScoreFormat));
        assert_eq!(parse_score("inf", Lang::En), Err(Invalid::ScoreFormat));
        assert_eq!(parse_score("1e2", Lang::En), Err(Invalid::ScoreFormat));
    }

    #[test]
    fn dates() {
        let tz = paris();
        // 07/01/2024 20:36 in Paris is 19:36 UTC.
        assert_eq!(parse_date("07/01/2024 20:36", Lang::Fr, tz, NOW), Ok(Some(1_704_656_160)));
        assert_eq!(parse_date("2024-01-07 20:36", Lang::En, tz, NOW), Ok(Some(1_704_656_160)));
        assert_eq!(parse_date("", Lang::Fr, tz, NOW), Ok(None));
        assert_eq!(parse_date("31/02/2024 10:00", Lang::Fr, tz, NOW), Err(Invalid::DateNotReal));
        assert_eq!(parse_date("29/02/2023 10:00", Lang::Fr, tz, NOW), Err(Invalid::DateNotReal));
        assert_eq!(parse_date("29/02/2024 10:00", Lang::Fr, tz, NOW).map(|t| t.is_some()), Ok(true));
        assert_eq!(parse_date("07/01/2024 24:00", Lang::Fr, tz, NOW), Err(Invalid::DateNotReal));
        assert_eq!(parse_date("07/01/2024", Lang::Fr, tz, NOW), Err(Invalid::DateFormat));
        assert_eq!(parse_date("2024-01-07 20:36", Lang::Fr, tz, NOW), Err(Invalid::DateFormat));
        assert_eq!(parse_date("07/13/2024 10:00", Lang::Fr, tz, NOW), Err(Invalid::DateNotReal));
        // 30 March 2025, 02:30 does not exist in Paris (clocks jump from 02:00 to 03:00).
        assert_eq!(parse_date("30/03/2025 02:30", Lang::Fr, tz, NOW), Err(Invalid::DateInGap));
        assert_eq!(parse_date("22/11/2025 10:47", Lang::Fr, tz, NOW), Ok(Some(NOW + 20)));
        assert_eq!(parse_date("22/11/2025 10:49", Lang::Fr, tz, NOW), Err(Invalid::DateFuture));
        assert_eq!(parse_date("0001-01-01 00:00", Lang::En, tz, NOW), Err(Invalid::DateTooOld));
        assert_eq!(parse_date("01/01/0001 00:00", Lang::Fr, tz, NOW), Err(Invalid::DateTooOld));
        assert_eq!(
            parse_date("31/12/1999 23:59", Lang::Fr, DisplayTz::parse("UTC").unwrap(), NOW),
            Err(Invalid::DateTooOld)
        );
        assert!(parse_date("01/01/2000 01:00", Lang::Fr, tz, NOW).is_ok());
        // What is shown is what parses back.
        let shown = format_date(Some(1_704_656_160), Lang::Fr, tz);
        assert_eq!(shown, "07/01/2024 20:36");
        assert_eq!(parse_date(&shown, Lang::Fr, tz, NOW), Ok(Some(1_704_656_160)));
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("24:00:00"), Ok(86_400));
        assert_eq!(parse_time("100:00:00"), Ok(360_000));
        assert_eq!(parse_time("00:00:00"), Ok(0));
        assert_eq!(parse_time("12:60:00"), Err(Invalid::Duration(DurationError::MinutesOutOfRange)));
        assert_eq!(parse_time("-1:00:00"), Err(Invalid::Duration(DurationError::Format)));
        assert_eq!(parse_time(""), Err(Invalid::Duration(DurationError::Empty)));
    }

    #[test]
    fn text_limits_follow_the_scorm_version() {
        let l12 = limits(Some("1.2"));
        let l2004 = limits(Some("2004"));
        let none = limits(None);
        assert_eq!((l12.location, l12.suspend_data), (255, 4_096));
        assert_eq!((l2004.location, l2004.suspend_data), (1_000, 64_000));
        assert_eq!(none, l2004);
        for (max, multi) in [(255, false), (4_096, true), (1_000, false), (64_000, true)] {
            assert_eq!(check_text(&"a".repeat(max), max, multi), Ok(()));
            assert_eq!(
                check_text(&"a".repeat(max + 1), max, multi),
                Err(Invalid::TooLong { len: max + 1, max })
            );
        }
        // Limits count characters, not bytes: 255 accented letters fit in SCORM 1.2.
        assert_eq!(check_text(&"é".repeat(255), 255, false), Ok(()));
    }

    #[test]
    fn emoji_ok_control_characters_refused() {
        assert_eq!(check_text("page 3 👍🏽 — « suite »", 255, false), Ok(()));
        assert_eq!(check_text("a\u{1b}[31mb", 255, false), Err(Invalid::ControlChars));
        assert_eq!(check_text("a\nb", 255, false), Err(Invalid::ControlChars));
        assert_eq!(check_text("a\nb\tc", 4_096, true), Ok(()));
        assert_eq!(check_text("a\u{7}b", 4_096, true), Err(Invalid::ControlChars));
    }

    #[test]
    fn diffs_and_audit_values_round_trip() {
        let old = Stats {
            status: LessonStatus::Failed,
            attempts: 3,
            status_at: Some(1_704_656_160),
            score: Some(50.0),
            time_spent: 560,
            location: "p3".into(),
            suspend_data: "x=1".into(),
        };
        let mut new = old.clone();
        new.status = LessonStatus::Passed;
        new.score = Some(87.5);
        new.attempts = 0;
        let d = old.diff(&new);
        let fields: Vec<Field> = d.iter().map(|x| x.0).collect();
        assert_eq!(fields, vec![Field::Status, Field::Attempts, Field::Score]);
        assert_eq!(d[2], (Field::Score, Some("50".into()), Some("87.5".into())));
        // Reading every audit value back gives the same stats.
        let mut back = Stats::default();
        for f in Field::ALL {
            assert!(back.set_audit_value(f, new.audit_value(f).as_deref()), "{f:?}");
        }
        assert_eq!(back, new);
        assert!(!back.set_audit_value(Field::Status, Some("bogus")));
        assert!(!back.set_audit_value(Field::Score, Some("NaN")));
        assert!(old.diff(&old).is_empty());
    }
}
