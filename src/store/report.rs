//! A learner's report in one course: header, lessons with their progress, every attempt,
//! the connection and reminder histories, and the learner's other tutored courses.
//! Loaded only when a report opens, never with the learner table.

use super::people::Scope;
use super::progress::AuditLine;
use super::{Result, Store, StoreError};
use crate::model::Ts;
use crate::model::delivery::Failure;
use crate::with_pool;

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ReportHeader {
    pub enrolment_id: i64,
    pub course_id: i64,
    pub course_shortname: String,
    pub course_fullname: String,
    pub person_id: i64,
    pub username: String,
    pub firstname: String,
    pub lastname: String,
    pub organisation: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub suspended: bool,
    pub kind: String,
    pub active: bool,
    pub start_at: Option<Ts>,
    pub target_at: Option<Ts>,
    pub end_at: Option<Ts>,
    pub first_access: Option<Ts>,
    pub last_access: Option<Ts>,
    pub time_spent: i64,
    pub lessons_done: i64,
    pub lessons_started: i64,
    pub certificate_at: Option<Ts>,
}

/// A lesson of the course with this learner's progress on it (`None` fields: no row yet).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct LessonLine {
    pub lesson_id: i64,
    pub position: i64,
    pub kind: String,
    pub title: String,
    pub passing_score: Option<f64>,
    pub scorm_version: Option<String>,
    pub progress_id: Option<i64>,
    pub status: Option<String>,
    pub score: Option<f64>,
    pub average_score: Option<f64>,
    pub attempts: Option<i64>,
    pub time_spent: Option<i64>,
    pub status_at: Option<Ts>,
    pub version: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct AttemptLine {
    pub id: i64,
    pub lesson_id: i64,
    pub number: i64,
    pub started_at: Ts,
    pub status: String,
    pub score: Option<f64>,
    pub time_spent: i64,
    pub cleared: bool,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ConnectionLine {
    pub at: Ts,
    pub duration: i64,
    pub lesson_title: Option<String>,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ReminderLine {
    pub id: i64,
    pub created_at: Ts,
    pub sent_at: Option<Ts>,
    pub kind: String,
    pub template: String,
    pub status: String,
    /// Why it failed or is uncertain, in English (older rows: as stored).
    pub error: Option<String>,
    /// The same as a code, to show in the reader's language (`reminders::describe`).
    #[sqlx(skip)]
    pub failure: Option<Failure>,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct OtherCourse {
    pub enrolment_id: i64,
    pub course_id: i64,
    pub shortname: String,
    pub fullname: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub header: ReportHeader,
    pub lessons: Vec<LessonLine>,
    pub attempts: Vec<AttemptLine>,
    pub connections: Vec<ConnectionLine>,
    /// True when the history is longer than what was loaded.
    pub connections_truncated: bool,
    pub reminders: Vec<ReminderLine>,
    /// The learner's enrolments in courses this tutor may see (this one included).
    pub courses: Vec<OtherCourse>,
    /// Tutors' corrections of this enrolment, most recent first.
    pub changes: Vec<AuditLine>,
}

const HEADER: &str = "
SELECT e.id AS enrolment_id, c.id AS course_id, c.shortname AS course_shortname,
       c.fullname AS course_fullname, p.id AS person_id, p.username, p.firstname, p.lastname,
       p.organisation, p.email, p.phone, p.suspended, e.kind, e.active, e.start_at, e.target_at,
       e.end_at, e.first_access, e.last_access, e.time_spent, e.lessons_done, e.lessons_started,
       e.certificate_at
FROM enrolments e
JOIN courses c ON c.id = e.course_id
JOIN people p ON p.id = e.person_id
WHERE e.id = $1";

const LESSONS: &str = "
SELECT l.id AS lesson_id, l.position, l.kind, l.title, l.passing_score, l.scorm_version,
       pr.id AS progress_id, pr.status, pr.score, pr.average_score, pr.attempts,
       pr.time_spent, pr.status_at, pr.version
FROM lessons l
LEFT JOIN lesson_progress pr ON pr.lesson_id = l.id AND pr.enrolment_id = $1
WHERE l.course_id = $2
ORDER BY l.position, l.id";

const ATTEMPTS: &str = "
SELECT id, lesson_id, number, started_at, status, score, time_spent, cleared
FROM attempts WHERE enrolment_id = $1
ORDER BY lesson_id, number, id";

/// Most recent first; capped so a pathological history cannot exhaust memory.
pub const CONNECTIONS_CAP: i64 = 5_000;
const CONNECTIONS: &str = "
SELECT c.at, c.duration, l.title AS lesson_title
FROM connections c LEFT JOIN lessons l ON l.id = c.lesson_id
WHERE c.enrolment_id = $1
ORDER BY c.at DESC, c.id DESC
LIMIT $2";

const REMINDERS: &str = "
SELECT id, created_at, sent_at, kind, template, status, error
FROM reminders WHERE enrolment_id = $1
ORDER BY created_at DESC, id DESC";

/// Contacts recorded from the triage ("phone call made…"), shown with the reminders.
const CONTACTS: &str = "
SELECT id, at AS created_at, at AS sent_at, 'contact' AS kind, note AS template,
       'noted' AS status, NULL AS error
FROM contact_notes WHERE enrolment_id = $1
ORDER BY at DESC, id DESC";

const COURSES: &str = "
SELECT e.id AS enrolment_id, c.id AS course_id, c.shortname, c.fullname
FROM enrolments e JOIN courses c ON c.id = e.course_id
WHERE e.person_id = $1
  AND ($2 OR c.id IN (SELECT course_id FROM course_tutors WHERE person_id = $3))
ORDER BY c.fullname, c.id";

impl Store {
    pub async fn learner_report(&self, scope: &Scope, enrolment_id: i64) -> Result<Report> {
        let header: Option<ReportHeader> =
            with_pool!(self, |p| sqlx::query_as(HEADER).bind(enrolment_id).fetch_optional(p).await)?;
        let header = header.ok_or_else(|| StoreError::Invalid(format!("no enrolment {enrolment_id}")))?;
        if !self.can_see_course(scope, header.course_id).await? {
            return Err(StoreError::Forbidden(format!(
                "{} does not tutor course {}",
                scope.username, header.course_id
            )));
        }
        let course_id = header.course_id;
        let lessons = with_pool!(self, |p| sqlx::query_as(LESSONS)
            .bind(enrolment_id)
            .bind(course_id)
            .fetch_all(p)
            .await)?;
        let attempts = with_pool!(self, |p| sqlx::query_as(ATTEMPTS).bind(enrolment_id).fetch_all(p).await)?;
        let mut connections: Vec<ConnectionLine> = with_pool!(self, |p| sqlx::query_as(CONNECTIONS)
            .bind(enrolment_id)
            .bind(CONNECTIONS_CAP + 1)
            .fetch_all(p)
            .await)?;
        let connections_truncated = connections.len() as i64 > CONNECTIONS_CAP;
        connections.truncate(CONNECTIONS_CAP as usize);
        let mut reminders: Vec<ReminderLine> =
            with_pool!(self, |p| sqlx::query_as(REMINDERS).bind(enrolment_id).fetch_all(p).await)?;
        let contacts: Vec<ReminderLine> =
            with_pool!(self, |p| sqlx::query_as(CONTACTS).bind(enrolment_id).fetch_all(p).await)?;
        reminders.extend(contacts);
        for r in &mut reminders {
            // Stored as a code: English words for `error`, the code for the reader's.
            r.failure = r.error.as_deref().map(Failure::from_db);
            r.error = r.failure.as_ref().map(Failure::to_string);
        }
        reminders.sort_by_key(|r| std::cmp::Reverse(r.sent_at.unwrap_or(r.created_at)));
        let courses = with_pool!(self, |p| sqlx::query_as(COURSES)
            .bind(header.person_id)
            .bind(scope.is_admin())
            .bind(scope.person_id())
            .fetch_all(p)
            .await)?;
        let changes = self.audit_lines(enrolment_id).await?;
        Ok(Report {
            header,
            lessons,
            attempts,
            connections,
            connections_truncated,
            reminders,
            courses,
            changes,
        })
    }
}
