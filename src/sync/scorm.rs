//! SCORM tracks (the element/value pairs `mod_scorm_get_scorm_sco_tracks` returns) as a
//! lesson's status, score, time, location and suspend data, following moodle-facts.md
//! §2.4–2.6: SCORM 1.2 reports `cmi.core.*` with times as `HH:MM:SS.SS`; SCORM 2004 reports
//! `cmi.*` with ISO 8601 durations (`PT1H5M30.5S`) and a success status next to the
//! completion status.

use std::collections::HashMap;

use crate::model::{LessonStatus, Ts};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Scorm12,
    Scorm2004,
    /// AICC, or not said (a closed activity): whichever elements are there.
    Other,
}

impl Version {
    /// From `scorm.version` (`SCORM_12`, `SCORM_13`, `AICC`).
    pub fn from_moodle(v: Option<&str>) -> Version {
        match v.map(|s| s.trim().to_ascii_uppercase()) {
            Some(s) if s == "SCORM_12" || s == "SCORM_1.2" => Version::Scorm12,
            Some(s) if s == "SCORM_13" || s == "SCORM_1.3" || s == "SCORM_2004" => Version::Scorm2004,
            _ => Version::Other,
        }
    }

    /// `lessons.scorm_version`.
    pub fn as_db(self) -> Option<&'static str> {
        match self {
            Version::Scorm12 => Some("1.2"),
            Version::Scorm2004 => Some("2004"),
            Version::Other => None,
        }
    }
}

/// One SCO's tracks in one attempt, summarised.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub status: LessonStatus,
    /// Percent, two decimals.
    pub score: Option<f64>,
    /// Seconds.
    pub time_spent: i64,
    pub location: String,
    pub suspend_data: String,
    /// First launch of the SCO in the attempt (`x.start.time`).
    pub started_at: Option<Ts>,
    /// Last write (`timemodified`, the latest of the attempt's rows).
    pub modified_at: Option<Ts>,
}

/// SCORM 1.2 `CMITimespan` (`HHHH:MM:SS.SS`) or SCORM 2004 `timeinterval`
/// (`P[nY][nM][nD][T[nH][nM][n[.n]S]]`) in whole seconds (rounded); `None` when malformed.
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Some(rest) = s.strip_prefix('P') {
        return parse_iso(rest);
    }
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 3 {
        return None;
    }
    let h: u64 = parts[0].parse().ok()?;
    let m: u64 = parts[1].parse().ok()?;
    let sec: f64 = parts[2].parse().ok()?;
    if m > 59 || !(0.0..60.0).contains(&sec) {
        return None;
    }
    Some((h * 3600 + m * 60) as i64 + sec.round() as i64)
}

fn parse_iso(rest: &str) -> Option<i64> {
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let mut total = 0f64;
    let mut any = false;
    let mut take = |part: &str, units: &[(char, f64)]| -> Option<()> {
        let mut num = String::new();
        for ch in part.chars() {
            if ch.is_ascii_digit() || ch == '.' {
                num.push(ch);
                continue;
            }
            let (_, secs) = units.iter().find(|(u, _)| *u == ch)?;
            let v: f64 = num.parse().ok()?;
            total += v * secs;
            any = true;
            num.clear();
        }
        num.is_empty().then_some(())
    };
    // Years and months have no fixed length; SCORM content uses hours, but be total.
    take(date, &[('Y', 365.0 * 86400.0), ('M', 30.0 * 86400.0), ('W', 7.0 * 86400.0), ('D', 86400.0)])?;
    if let Some(t) = time {
        if t.is_empty() {
            return None;
        }
        take(t, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)])?;
    }
    any.then(|| total.round() as i64)
}

fn status_word(s: &str) -> Option<LessonStatus> {
    match s.trim().to_ascii_lowercase().as_str() {
        "passed" => Some(LessonStatus::Passed),
        "failed" => Some(LessonStatus::Failed),
        "completed" => Some(LessonStatus::Completed),
        "incomplete" | "browsed" => Some(LessonStatus::Incomplete),
        "not attempted" | "notattempted" | "unknown" | "" => Some(LessonStatus::NotAttempted),
        _ => None,
    }
}

fn number(s: Option<&String>) -> Option<f64> {
    s.and_then(|v| v.trim().parse::<f64>().ok()).filter(|v| v.is_finite())
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Summarises one SCO's tracks; `None` when there is nothing (no element at all).
pub fn summarise(version: Version, tracks: &[(String, String)]) -> Option<Summary> {
    if tracks.is_empty() {
        return None;
    }
    let t: HashMap<&str, &String> = tracks.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let get = |keys: &[&str]| keys.iter().find_map(|k| t.get(k).copied());
    let (v12, v2004) = match version {
        Version::Scorm12 => (true, false),
        Version::Scorm2004 => (false, true),
        Version::Other => (true, true),
    };
    let mut status = None;
    if v2004 {
        // The success status, when known, says more than the completion status.
        status = get(&["cmi.success_status"])
            .and_then(|s| status_word(s))
            .filter(|s| matches!(s, LessonStatus::Passed | LessonStatus::Failed));
        status = status.or_else(|| get(&["cmi.completion_status"]).and_then(|s| status_word(s)));
    }
    if v12 && status.is_none() {
        status = get(&["cmi.core.lesson_status"]).and_then(|s| status_word(s));
    }
    // Moodle's own summary key, for whatever the elements did not say.
    let mut status = status.or_else(|| get(&["status"]).and_then(|s| status_word(s)))?;

    let mut score = None;
    if v2004 {
        score = number(get(&["cmi.score.scaled"])).map(|s| s * 100.0);
        if score.is_none() {
            score = percent(get(&["cmi.score.raw"]), get(&["cmi.score.min"]), get(&["cmi.score.max"]));
        }
    }
    if v12 && score.is_none() {
        score =
            percent(get(&["cmi.core.score.raw"]), get(&["cmi.core.score.min"]), get(&["cmi.core.score.max"]));
    }
    let time_spent = [
        if v2004 { get(&["cmi.total_time"]) } else { None },
        if v12 { get(&["cmi.core.total_time"]) } else { None },
        get(&["total_time"]),
    ]
    .into_iter()
    .flatten()
    .find_map(|s| parse_duration(s))
    .unwrap_or(0);
    let location = [
        if v2004 { get(&["cmi.location"]) } else { None },
        if v12 { get(&["cmi.core.lesson_location"]) } else { None },
    ]
    .into_iter()
    .flatten()
    .next()
    .cloned()
    .unwrap_or_default();
    let suspend_data = get(&["cmi.suspend_data"]).cloned().unwrap_or_default();
    let started_at = number(get(&["x.start.time"])).map(|v| v as i64).filter(|v| *v > 0);
    let modified_at = number(get(&["timemodified"])).map(|v| v as i64).filter(|v| *v > 0);
    if status == LessonStatus::NotAttempted
        && (time_spent > 0 || !suspend_data.is_empty() || !location.is_empty())
    {
        // Opened and left: the SCO wrote data but never a status.
        status = LessonStatus::Incomplete;
    }
    Some(Summary {
        status,
        score: score.map(round2),
        time_spent,
        location,
        suspend_data,
        started_at,
        modified_at,
    })
}

/// raw → percent: scaled between min and max when a max is given, else raw (most packages
/// report raw as a percentage).
fn percent(raw: Option<&String>, min: Option<&String>, max: Option<&String>) -> Option<f64> {
    let raw = number(raw)?;
    let min = number(min).unwrap_or(0.0);
    match number(max) {
        Some(max) if max > min => Some((raw - min) / (max - min) * 100.0),
        _ => Some(raw),
    }
}

/// Several SCOs of one attempt as one: done when every tracked SCO is done, failed when
/// one failed; times add up; the score is the mean of those reported; location and suspend
/// data come from the SCO written last.
pub fn combine(scos: usize, parts: &[Summary]) -> Option<Summary> {
    let first = parts.first()?;
    if parts.len() == 1 && scos <= 1 {
        return Some(first.clone());
    }
    let all_reported = parts.len() >= scos.max(1);
    let status = if parts.iter().any(|p| p.status == LessonStatus::Failed) {
        LessonStatus::Failed
    } else if all_reported && parts.iter().all(|p| p.status == LessonStatus::Passed) {
        LessonStatus::Passed
    } else if all_reported && parts.iter().all(|p| p.status.is_done()) {
        LessonStatus::Completed
    } else if parts.iter().any(|p| p.status.is_started()) {
        LessonStatus::Incomplete
    } else {
        LessonStatus::NotAttempted
    };
    let scores: Vec<f64> = parts.iter().filter_map(|p| p.score).collect();
    let last = parts.iter().max_by_key(|p| p.modified_at.unwrap_or(0)).unwrap_or(first);
    Some(Summary {
        status,
        score: (!scores.is_empty()).then(|| round2(scores.iter().sum::<f64>() / scores.len() as f64)),
        time_spent: parts.iter().map(|p| p.time_spent).sum(),
        location: last.location.clone(),
        suspend_data: last.suspend_data.clone(),
        started_at: parts.iter().filter_map(|p| p.started_at).min(),
        modified_at: parts.iter().filter_map(|p| p.modified_at).max(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracks(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn durations_of_both_versions() {
        assert_eq!(parse_duration("00:25:30"), Some(1530));
        assert_eq!(parse_duration("0001:02:03.50"), Some(3724));
        assert_eq!(parse_duration("12:61:00"), None);
        assert_eq!(parse_duration("PT1H5M30.5S"), Some(3931));
        assert_eq!(parse_duration("PT45S"), Some(45));
        assert_eq!(parse_duration("P1DT2H"), Some(93_600));
        assert_eq!(parse_duration("PT0H0M0S"), Some(0));
        assert_eq!(parse_duration("PT"), None);
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("PT1X"), None);
        assert_eq!(parse_duration("soon"), None);
    }

    #[test]
    fn scorm_12_track() {
        let t = tracks(&[
            ("cmi.core.lesson_status", "passed"),
            ("cmi.core.score.raw", "17"),
            ("cmi.core.score.min", "0"),
            ("cmi.core.score.max", "20"),
            ("cmi.core.total_time", "00:42:10.25"),
            ("cmi.core.lesson_location", "page-7"),
            ("cmi.suspend_data", "a=1;b=2"),
            ("x.start.time", "1767261600"),
            ("timemodified", "1767264130"),
            ("status", "passed"),
        ]);
        let s = summarise(Version::Scorm12, &t).unwrap();
        assert_eq!(s.status, LessonStatus::Passed);
        assert_eq!(s.score, Some(85.0));
        assert_eq!(s.time_spent, 42 * 60 + 10);
        assert_eq!((s.location.as_str(), s.suspend_data.as_str()), ("page-7", "a=1;b=2"));
        assert_eq!((s.started_at, s.modified_at), (Some(1_767_261_600), Some(1_767_264_130)));
    }

    #[test]
    fn scorm_2004_track_prefers_success_and_scaled_score() {
        let t = tracks(&[
            ("cmi.completion_status", "completed"),
            ("cmi.success_status", "failed"),
            ("cmi.score.scaled", "0.456"),
            ("cmi.score.raw", "45.6"),
            ("cmi.total_time", "PT1H5M30S"),
            ("cmi.location", "chapitre-3"),
        ]);
        let s = summarise(Version::Scorm2004, &t).unwrap();
        assert_eq!(s.status, LessonStatus::Failed);
        assert_eq!(s.score, Some(45.6));
        assert_eq!(s.time_spent, 3930);
        assert_eq!(s.location, "chapitre-3");
        let t = tracks(&[("cmi.completion_status", "incomplete"), ("cmi.success_status", "unknown")]);
        assert_eq!(summarise(Version::Scorm2004, &t).unwrap().status, LessonStatus::Incomplete);
    }

    #[test]
    fn opened_without_status_is_in_progress_and_nothing_is_nothing() {
        let t = tracks(&[("cmi.core.lesson_status", "not attempted"), ("cmi.suspend_data", "x")]);
        assert_eq!(summarise(Version::Scorm12, &t).unwrap().status, LessonStatus::Incomplete);
        assert_eq!(summarise(Version::Scorm12, &[]), None);
        let t = tracks(&[("cmi.core.score.raw", "150")]);
        assert_eq!(summarise(Version::Scorm12, &t), None, "no status at all");
    }

    #[test]
    fn several_scos_make_one_attempt() {
        let a = summarise(
            Version::Scorm12,
            &tracks(&[
                ("cmi.core.lesson_status", "passed"),
                ("cmi.core.score.raw", "80"),
                ("cmi.core.total_time", "00:10:00"),
            ]),
        )
        .unwrap();
        let b = summarise(
            Version::Scorm12,
            &tracks(&[
                ("cmi.core.lesson_status", "completed"),
                ("cmi.core.score.raw", "60"),
                ("cmi.core.total_time", "00:05:00"),
            ]),
        )
        .unwrap();
        let c = combine(2, &[a.clone(), b.clone()]).unwrap();
        assert_eq!((c.status, c.score, c.time_spent), (LessonStatus::Completed, Some(70.0), 900));
        // One of three SCOs reported: not done yet.
        assert_eq!(combine(3, &[a.clone(), b]).unwrap().status, LessonStatus::Incomplete);
        assert_eq!(combine(1, std::slice::from_ref(&a)).unwrap(), a);
    }
}
