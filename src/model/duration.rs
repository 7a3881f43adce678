//! Durations shown as HH:MM:SS (hours may exceed 24, as LMS reports do).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DurationError {
    Empty,
    Format,
    MinutesOutOfRange,
    SecondsOutOfRange,
    TooLarge,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Locale-independent codes; the UI maps them to catalogue keys.
        f.write_str(self.key())
    }
}

impl DurationError {
    pub fn key(&self) -> &'static str {
        match self {
            Self::Empty => "validation.duration_empty",
            Self::Format => "validation.duration_format",
            Self::MinutesOutOfRange => "validation.duration_minutes",
            Self::SecondsOutOfRange => "validation.duration_seconds",
            Self::TooLarge => "validation.duration_too_large",
        }
    }
}

/// Upper bound for a stored duration: 9,999 hours is far beyond any real course.
pub const MAX_SECONDS: i64 = 9_999 * 3600 + 59 * 60 + 59;

/// Formats seconds as `HH:MM:SS`. Negative values (corrupt data) are shown with a sign so
/// they stand out instead of wrapping around.
pub fn format_hms(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    format!("{sign}{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// Parses `HH:MM:SS` (also `H:MM:SS` and `HHH:MM:SS`); minutes and seconds must be 0–59.
pub fn parse_hms(input: &str) -> Result<i64, DurationError> {
    let t = input.trim();
    if t.is_empty() {
        return Err(DurationError::Empty);
    }
    let parts: Vec<&str> = t.split(':').collect();
    if parts.len() != 3 {
        return Err(DurationError::Format);
    }
    let num = |p: &str, max_len: usize| -> Result<i64, DurationError> {
        if p.is_empty() || p.len() > max_len || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DurationError::Format);
        }
        p.parse::<i64>().map_err(|_| DurationError::Format)
    };
    let h = num(parts[0], 6)?;
    let m = num(parts[1], 2)?;
    let s = num(parts[2], 2)?;
    if parts[1].len() != 2 || parts[2].len() != 2 {
        return Err(DurationError::Format);
    }
    if m > 59 {
        return Err(DurationError::MinutesOutOfRange);
    }
    if s > 59 {
        return Err(DurationError::SecondsOutOfRange);
    }
    let total = h * 3600 + m * 60 + s;
    if total > MAX_SECONDS {
        return Err(DurationError::TooLarge);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(format_hms(0), "00:00:00");
        assert_eq!(format_hms(15_368), "04:16:08");
        assert_eq!(format_hms(86_400), "24:00:00");
        assert_eq!(format_hms(360_000), "100:00:00");
        assert_eq!(format_hms(-61), "-00:01:01");
    }

    #[test]
    fn parses_valid() {
        assert_eq!(parse_hms("04:16:08"), Ok(15_368));
        assert_eq!(parse_hms(" 24:00:00 "), Ok(86_400));
        assert_eq!(parse_hms("0:00:01"), Ok(1));
        assert_eq!(parse_hms("123:59:59"), Ok(123 * 3600 + 59 * 60 + 59));
    }

    #[test]
    fn rejects_invalid() {
        assert_eq!(parse_hms(""), Err(DurationError::Empty));
        assert_eq!(parse_hms("12:60:00"), Err(DurationError::MinutesOutOfRange));
        assert_eq!(parse_hms("12:00:60"), Err(DurationError::SecondsOutOfRange));
        assert_eq!(parse_hms("12:00"), Err(DurationError::Format));
        assert_eq!(parse_hms("1:2:3"), Err(DurationError::Format));
        assert_eq!(parse_hms("-1:00:00"), Err(DurationError::Format));
        assert_eq!(parse_hms("aa:bb:cc"), Err(DurationError::Format));
        assert_eq!(parse_hms("10000:00:00"), Err(DurationError::TooLarge));
    }

    #[test]
    fn round_trip() {
        for s in [0, 1, 59, 60, 3599, 3600, 86_399, 86_400, 1_000_000] {
            assert_eq!(parse_hms(&format_hms(s)), Ok(s));
        }
    }
}
