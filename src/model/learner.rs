//! A learner's enrolment as the tutoring centre lists it: what its table, counters, filter
//! and reminders use, no more (10,000 of them load when a big course opens; the report
//! reads the rest of an enrolment).

use serde::Serialize;

use super::{EnrolmentKind, EnrolmentStatus, Ts, progress};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LearnerRow {
    pub enrolment_id: i64,
    pub person_id: i64,
    pub username: String,
    pub firstname: String,
    pub lastname: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub suspended: bool,
    pub kind: String,
    pub active: bool,
    /// Last access to this course; `None`: never opened it.
    pub last_access: Option<Ts>,
    pub lessons_done: i64,
    pub lessons_started: i64,
    pub time_spent: i64,
    pub certificate_at: Option<Ts>,
    /// Missions handed in and waiting for the tutor's grade.
    pub missions_to_grade: i64,
    /// Observation lessons already assessed for this learner.
    pub observations_done: i64,
    /// A stored value could not be read as such (text not valid UTF-8, shown with `�`; a
    /// number out of range, read as 0): the row is shown, flagged, not trusted.
    pub damaged: bool,
}

impl LearnerRow {
    pub fn status(&self, lessons_total: i64) -> EnrolmentStatus {
        EnrolmentStatus::derive(
            self.lessons_done,
            self.lessons_started,
            lessons_total,
            self.last_access.is_some(),
        )
    }

    /// Progress in percent; `None` when the stored counts are impossible.
    pub fn progress(&self, lessons_total: i64) -> Option<u8> {
        progress::percent(self.lessons_done, lessons_total)
    }

    pub fn kind(&self) -> Option<EnrolmentKind> {
        EnrolmentKind::from_db(&self.kind)
    }

    /// Observations the tutor still has to make for this learner.
    pub fn observations_to_do(&self, observation_lessons: i64) -> i64 {
        (observation_lessons - self.observations_done).max(0)
    }

    /// Whether the stored figures are impossible and should be flagged rather than trusted.
    pub fn is_inconsistent(&self, lessons_total: i64) -> bool {
        self.damaged
            || self.progress(lessons_total).is_none()
            || self.time_spent < 0
            || self.lessons_started < 0
    }
}
