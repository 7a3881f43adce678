//! Statuses and kinds, with the rules that derive them.

use serde::Serialize;

/// Lesson tracking status (SCORM `cmi.core.lesson_status` semantics).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum LessonStatus {
    NotAttempted,
    Incomplete,
    Completed,
    Passed,
    Failed,
}

impl LessonStatus {
    pub const ALL: [LessonStatus; 5] =
        [Self::NotAttempted, Self::Incomplete, Self::Completed, Self::Passed, Self::Failed];

    pub fn as_db(self) -> &'static str {
        match self {
            Self::NotAttempted => "not_attempted",
            Self::Incomplete => "incomplete",
            Self::Completed => "completed",
            Self::Passed => "passed",
            Self::Failed => "failed",
        }
    }

    /// Unknown values (hand-edited data) read as not attempted rather than failing a whole list.
    pub fn from_db(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_db() == s)
    }

    /// A lesson counts toward progress once it is completed or passed; a failed lesson
    /// must be retaken.
    pub fn is_done(self) -> bool {
        matches!(self, Self::Completed | Self::Passed)
    }

    pub fn is_started(self) -> bool {
        self != Self::NotAttempted
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Self::NotAttempted => "lesson_status.not_attempted",
            Self::Incomplete => "lesson_status.incomplete",
            Self::Completed => "lesson_status.completed",
            Self::Passed => "lesson_status.passed",
            Self::Failed => "lesson_status.failed",
        }
    }
}

/// Where a learner stands in a whole course.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentStatus {
    NotStarted,
    InProgress,
    Completed,
}

impl EnrolmentStatus {
    /// Completed when every lesson is done; in progress once a lesson is started; not
    /// started before, whether or not the learner opened the course (one who only looked
    /// has not started: *Non commencé* and *Jamais* differ by them). `accessed` is kept for
    /// callers; it does not change the status.
    pub fn derive(lessons_done: i64, lessons_started: i64, lessons_total: i64, _accessed: bool) -> Self {
        if lessons_total > 0 && lessons_done >= lessons_total {
            Self::Completed
        } else if lessons_started > 0 || lessons_done > 0 {
            Self::InProgress
        } else {
            Self::NotStarted
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Self::NotStarted => "enrolment_status.not_started",
            Self::InProgress => "enrolment_status.in_progress",
            Self::Completed => "enrolment_status.completed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentKind {
    Mandatory,
    Recommended,
    Free,
}

impl EnrolmentKind {
    pub const ALL: [EnrolmentKind; 3] = [Self::Mandatory, Self::Recommended, Self::Free];

    pub fn as_db(self) -> &'static str {
        match self {
            Self::Mandatory => "mandatory",
            Self::Recommended => "recommended",
            Self::Free => "free",
        }
    }

    pub fn from_db(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_db() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Self::Mandatory => "enrolment_kind.mandatory",
            Self::Recommended => "enrolment_kind.recommended",
            Self::Free => "enrolment_kind.free",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum LessonKind {
    Elearning,
    Sheet,
    Quiz,
    Webinar,
    Mission,
    Observation,
}

impl LessonKind {
    pub const ALL: [LessonKind; 6] =
        [Self::Elearning, Self::Sheet, Self::Quiz, Self::Webinar, Self::Mission, Self::Observation];

    pub fn as_db(self) -> &'static str {
        match self {
            Self::Elearning => "elearning",
            Self::Sheet => "sheet",
            Self::Quiz => "quiz",
            Self::Webinar => "webinar",
            Self::Mission => "mission",
            Self::Observation => "observation",
        }
    }

    pub fn from_db(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_db() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Self::Elearning => "lesson_kind.elearning",
            Self::Sheet => "lesson_kind.sheet",
            Self::Quiz => "lesson_kind.quiz",
            Self::Webinar => "lesson_kind.webinar",
            Self::Mission => "lesson_kind.mission",
            Self::Observation => "lesson_kind.observation",
        }
    }

    /// Locale key of the short label used in narrow columns.
    pub fn short_key(self) -> &'static str {
        match self {
            Self::Elearning => "lesson_kind_short.elearning",
            Self::Sheet => "lesson_kind_short.sheet",
            Self::Quiz => "lesson_kind_short.quiz",
            Self::Webinar => "lesson_kind_short.webinar",
            Self::Mission => "lesson_kind_short.mission",
            Self::Observation => "lesson_kind_short.observation",
        }
    }

    /// Whether a score makes sense for this kind (e-learning views and webinars have none).
    pub fn is_scored(self) -> bool {
        matches!(self, Self::Quiz | Self::Mission | Self::Observation | Self::Sheet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lesson_status_round_trips_and_rejects_unknown() {
        for s in LessonStatus::ALL {
            assert_eq!(LessonStatus::from_db(s.as_db()), Some(s));
        }
        assert_eq!(LessonStatus::from_db("browsed"), None);
    }

    #[test]
    fn done_and_started() {
        assert!(LessonStatus::Completed.is_done());
        assert!(LessonStatus::Passed.is_done());
        assert!(!LessonStatus::Failed.is_done());
        assert!(!LessonStatus::Incomplete.is_done());
        assert!(LessonStatus::Failed.is_started());
        assert!(!LessonStatus::NotAttempted.is_started());
    }

    #[test]
    fn enrolment_status_rules() {
        use EnrolmentStatus::*;
        assert_eq!(EnrolmentStatus::derive(0, 0, 6, false), NotStarted);
        // Opened the course without touching a lesson: not started yet (issue 19).
        assert_eq!(EnrolmentStatus::derive(0, 0, 6, true), NotStarted);
        assert_eq!(EnrolmentStatus::derive(0, 1, 6, false), InProgress);
        assert_eq!(EnrolmentStatus::derive(5, 6, 6, true), InProgress);
        assert_eq!(EnrolmentStatus::derive(6, 6, 6, true), Completed);
        // A course without lessons can never be completed by progress.
        assert_eq!(EnrolmentStatus::derive(0, 0, 0, true), NotStarted);
        assert_eq!(EnrolmentStatus::derive(0, 0, 0, false), NotStarted);
        // Inconsistent data (more done than exist) still reads as completed, not a panic.
        assert_eq!(EnrolmentStatus::derive(9, 9, 6, true), Completed);
    }

    #[test]
    fn kinds_round_trip() {
        for k in EnrolmentKind::ALL {
            assert_eq!(EnrolmentKind::from_db(k.as_db()), Some(k));
        }
        for k in LessonKind::ALL {
            assert_eq!(LessonKind::from_db(k.as_db()), Some(k));
        }
        assert_eq!(LessonKind::from_db("video"), None);
        assert!(LessonKind::Quiz.is_scored());
        assert!(!LessonKind::Webinar.is_scored());
    }
}
