//! Progress percentage of an enrolment.

/// Percentage of lessons done, 0–100, rounded down like LMS progress bars (5/6 → 83 %).
/// Returns `None` when the data is inconsistent (more lessons done than exist, or negative
/// counts) so callers can flag it instead of showing a silently wrong figure.
pub fn percent(done: i64, total: i64) -> Option<u8> {
    if total <= 0 {
        return if done == 0 { Some(0) } else { None };
    }
    if done < 0 || done > total {
        return None;
    }
    Some(((done * 100) / total) as u8)
}

/// Same as [`percent`] but clamped into 0–100 for display of a bar.
pub fn percent_clamped(done: i64, total: i64) -> u8 {
    percent(done, total).unwrap_or(if done > 0 { 100 } else { 0 })
}

/// Average of progress percentages, as a float for display with one decimal.
pub fn average(percents: impl IntoIterator<Item = u8>) -> Option<f64> {
    let (sum, n) = percents.into_iter().fold((0u64, 0u64), |(s, n), p| (s + p as u64, n + 1));
    (n > 0).then(|| sum as f64 / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages() {
        assert_eq!(percent(5, 6), Some(83));
        assert_eq!(percent(2, 6), Some(33));
        assert_eq!(percent(6, 6), Some(100));
        assert_eq!(percent(0, 6), Some(0));
        assert_eq!(percent(0, 0), Some(0));
    }

    #[test]
    fn inconsistent_data_is_flagged() {
        assert_eq!(percent(15, 6), None);
        assert_eq!(percent(-1, 6), None);
        assert_eq!(percent(1, 0), None);
        assert_eq!(percent_clamped(15, 6), 100);
        assert_eq!(percent_clamped(-1, 6), 0);
    }

    #[test]
    fn averages() {
        assert_eq!(average([]), None);
        assert_eq!(average([0, 100]), Some(50.0));
        assert_eq!(average([83, 33, 0]), Some(116.0 / 3.0));
    }
}
