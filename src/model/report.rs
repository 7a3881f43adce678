//! Consistency of a learner's stored figures: what the report flags instead of summing.
//! A total time that is not the sum of the lessons, attempts without a progress row,
//! scores outside 0–100 %, negative times, dates in the future, unknown statuses.

use super::Ts;

/// Dates this far past `now` are still "now" (clocks of other machines drift).
pub const FUTURE_SLACK: i64 = 60;

/// Something wrong in the stored figures, shown above the report's tables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Issue {
    TotalTime { stored: i64, sum: i64 },
    AttemptsWithoutProgress(usize),
    ScoreOutOfRange(usize),
    NegativeTime(usize),
    FutureDates(usize),
    UnknownStatus(usize),
}

/// What the checks read of one lesson of the enrolment.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LessonFigures {
    /// Whether the lesson has a progress row.
    pub has_progress: bool,
    /// Whether attempts are stored for the lesson.
    pub has_attempts: bool,
    pub score: Option<f64>,
    pub average: Option<f64>,
    pub time: Option<i64>,
    pub status_at: Option<Ts>,
    /// A status that is none of the known ones.
    pub unknown_status: bool,
}

/// What the checks read of one attempt.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AttemptFigures {
    pub score: Option<f64>,
    pub time: i64,
    pub started_at: Ts,
}

/// A score is a percentage, or not applicable.
pub fn score_ok(s: Option<f64>) -> bool {
    s.is_none_or(|v| (0.0..=100.0).contains(&v))
}

pub fn is_future(t: Ts, now: Ts) -> bool {
    t > now + FUTURE_SLACK
}

/// Every problem of an enrolment's figures, in a fixed order; `stored_total` is the
/// enrolment's total time as stored (checked only when the course has lessons).
pub fn check(
    stored_total: i64,
    lessons: &[LessonFigures],
    attempts: &[AttemptFigures],
    now: Ts,
) -> Vec<Issue> {
    let mut issues = Vec::new();
    let sum: i64 = lessons.iter().filter_map(|l| l.time).sum();
    if !lessons.is_empty() && sum != stored_total {
        issues.push(Issue::TotalTime { stored: stored_total, sum });
    }
    let orphan = lessons.iter().filter(|l| !l.has_progress && l.has_attempts).count();
    let bad_scores = lessons.iter().filter(|l| !score_ok(l.score) || !score_ok(l.average)).count()
        + attempts.iter().filter(|a| !score_ok(a.score)).count();
    let negative = lessons.iter().filter(|l| l.time.is_some_and(|t| t < 0)).count()
        + attempts.iter().filter(|a| a.time < 0).count();
    let futures = attempts.iter().filter(|a| is_future(a.started_at, now)).count()
        + lessons.iter().filter(|l| l.status_at.is_some_and(|t| is_future(t, now))).count();
    let unknown = lessons.iter().filter(|l| l.unknown_status).count();
    for (n, issue) in [
        (orphan, Issue::AttemptsWithoutProgress(orphan)),
        (bad_scores, Issue::ScoreOutOfRange(bad_scores)),
        (negative, Issue::NegativeTime(negative)),
        (futures, Issue::FutureDates(futures)),
        (unknown, Issue::UnknownStatus(unknown)),
    ] {
        if n > 0 {
            issues.push(issue);
        }
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Ts = 1_763_804_800;

    fn lesson(time: i64) -> LessonFigures {
        LessonFigures { has_progress: true, time: Some(time), ..LessonFigures::default() }
    }

    #[test]
    fn consistent_figures_raise_nothing() {
        let lessons = [lesson(100), lesson(200), LessonFigures::default()];
        let attempts = [AttemptFigures { score: Some(100.0), time: 100, started_at: NOW + FUTURE_SLACK }];
        assert_eq!(check(300, &lessons, &attempts, NOW), vec![]);
        // No lessons: nothing to add up, whatever is stored.
        assert_eq!(check(9999, &[], &[], NOW), vec![]);
    }

    #[test]
    fn each_problem_is_counted_once_per_row() {
        let lessons = [
            LessonFigures { score: Some(250.0), average: Some(-1.0), ..lesson(-60) },
            LessonFigures { has_progress: false, has_attempts: true, ..LessonFigures::default() },
            LessonFigures { status_at: Some(NOW + FUTURE_SLACK + 1), unknown_status: true, ..lesson(0) },
        ];
        let attempts = [
            AttemptFigures { score: Some(100.01), time: -1, started_at: NOW + 86_400 },
            AttemptFigures { score: None, time: 5, started_at: NOW },
        ];
        assert_eq!(
            check(9999, &lessons, &attempts, NOW),
            vec![
                Issue::TotalTime { stored: 9999, sum: -60 },
                Issue::AttemptsWithoutProgress(1),
                Issue::ScoreOutOfRange(2),
                Issue::NegativeTime(2),
                Issue::FutureDates(2),
                Issue::UnknownStatus(1),
            ]
        );
    }

    #[test]
    fn scores_are_percentages_and_the_future_has_a_minute_of_slack() {
        assert!(score_ok(None) && score_ok(Some(0.0)) && score_ok(Some(100.0)));
        assert!(!score_ok(Some(-0.1)) && !score_ok(Some(100.5)));
        assert!(!is_future(NOW + FUTURE_SLACK, NOW));
        assert!(is_future(NOW + FUTURE_SLACK + 1, NOW));
    }
}
