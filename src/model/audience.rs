//! Which learners a message is written for. "Nous ne vous y avons pas encore vu(e)" is true
//! of a learner who never opened the course, false of one who connected a minute ago or
//! finished it: a template says which states it fits (its `For:` header) and the plan
//! leaves the others out unless the tutor includes them anyway.

use serde::Serialize;

use super::Ts;

/// Where a learner stands in a course, as a message would address them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum LearnerState {
    /// Never opened the course.
    NeverConnected,
    /// Opened it, started no lesson.
    NotStarted,
    /// Started or finished some lessons, not all.
    InProgress,
    /// Every lesson done.
    Completed,
}

impl LearnerState {
    pub const ALL: [LearnerState; 4] = [
        LearnerState::NeverConnected,
        LearnerState::NotStarted,
        LearnerState::InProgress,
        LearnerState::Completed,
    ];

    /// From the enrolment's figures (a course without lessons is never completed).
    pub fn of(last_access: Option<Ts>, lessons_started: i64, lessons_done: i64, lessons_total: i64) -> Self {
        if lessons_total > 0 && lessons_done >= lessons_total {
            LearnerState::Completed
        } else if lessons_started > 0 || lessons_done > 0 {
            LearnerState::InProgress
        } else if last_access.is_some() {
            LearnerState::NotStarted
        } else {
            LearnerState::NeverConnected
        }
    }

    /// The name used in template headers and `--json`.
    pub fn code(self) -> &'static str {
        match self {
            LearnerState::NeverConnected => "never_connected",
            LearnerState::NotStarted => "not_started",
            LearnerState::InProgress => "in_progress",
            LearnerState::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<LearnerState> {
        LearnerState::ALL.into_iter().find(|v| v.code() == s.trim())
    }

    /// Locale key of why a message written for other states does not fit this learner.
    pub fn misfit_key(self) -> &'static str {
        match self {
            LearnerState::NeverConnected => "chars.unfit_never_connected",
            LearnerState::NotStarted => "chars.unfit_connected",
            LearnerState::InProgress => "chars.unfit_started",
            LearnerState::Completed => "chars.unfit_completed",
        }
    }
}

/// Parses a `For:` header: states separated by commas or spaces. Unknown words are
/// returned as the error, so a typo is reported instead of silently fitting nobody.
pub fn parse_states(s: &str) -> Result<Vec<LearnerState>, String> {
    let mut out = Vec::new();
    for w in s.split([',', ' ']).map(str::trim).filter(|w| !w.is_empty()) {
        let st = LearnerState::parse(w).ok_or_else(|| w.to_string())?;
        if !out.contains(&st) {
            out.push(st);
        }
    }
    Ok(out)
}

/// Whether a message for `states` (empty: anyone) fits a learner in `state`.
pub fn fits(states: &[LearnerState], state: LearnerState) -> bool {
    states.is_empty() || states.contains(&state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use LearnerState::*;

    #[test]
    fn states_from_figures() {
        assert_eq!(LearnerState::of(None, 0, 0, 6), NeverConnected);
        assert_eq!(LearnerState::of(Some(1), 0, 0, 6), NotStarted);
        assert_eq!(LearnerState::of(Some(1), 1, 0, 6), InProgress);
        assert_eq!(LearnerState::of(Some(1), 6, 5, 6), InProgress);
        assert_eq!(LearnerState::of(Some(1), 6, 6, 6), Completed);
        assert_eq!(LearnerState::of(Some(1), 0, 0, 0), NotStarted, "no lessons: never completed");
        // Inconsistent figures (lessons but no access recorded) still read as started.
        assert_eq!(LearnerState::of(None, 2, 0, 6), InProgress);
    }

    #[test]
    fn what_fits_whom() {
        let never_only = [NeverConnected];
        assert!(fits(&never_only, NeverConnected));
        for s in [NotStarted, InProgress, Completed] {
            assert!(!fits(&never_only, s), "{s:?}");
        }
        assert!(LearnerState::ALL.iter().all(|s| fits(&[], *s)), "no header: anyone");
        assert_eq!(parse_states("never_connected, not_started"), Ok(vec![NeverConnected, NotStarted]));
        assert_eq!(parse_states(" in_progress  in_progress "), Ok(vec![InProgress]));
        assert_eq!(parse_states("started"), Err("started".into()));
        assert_eq!(parse_states(""), Ok(vec![]));
        for s in LearnerState::ALL {
            assert_eq!(LearnerState::parse(s.code()), Some(s));
        }
    }
}
