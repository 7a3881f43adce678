//! What a sync from an outside platform (Moodle) writes: one course at a time, in one
//! transaction, from a snapshot the sync module read beforehand (no network while the
//! transaction is open). Rows keep their platform ids (`external_source`, `external_id`), so
//! a second sync finds and updates them; a row that did not change is not written.
//!
//! Also the bookkeeping the dashboard reads: runs (`sync_runs`: when the data was last
//! synced) and conflicts (`sync_conflicts`: a platform value that differs from a tutor's
//! correction, which the sync kept).

mod apply;
mod lookup;

use serde::Serialize;

use super::{Result, Store, StoreError};
use crate::model::stats::{Field, Stats};
use crate::model::{LessonKind, LessonStatus, Ts};
use crate::with_pool;

/// A category of the platform, listed root first so that each parent comes before its child.
#[derive(Clone, Debug, PartialEq)]
pub struct CategoryIn {
    pub ext_id: String,
    pub parent_ext: Option<String>,
    pub name: String,
    pub position: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CourseIn {
    pub ext_id: String,
    pub shortname: String,
    pub fullname: String,
    pub description: String,
    pub category_ext: Option<String>,
    pub start_at: Option<Ts>,
    pub end_at: Option<Ts>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LessonIn {
    pub ext_id: String,
    pub position: i64,
    pub kind: LessonKind,
    pub title: String,
    pub scorm_version: Option<&'static str>,
    /// `none`, `view`, `submit`, `grade` or `pass` (the `lessons.completion` check).
    pub completion: &'static str,
}

/// A person as the platform shows them. `None` in an optional field means the platform did
/// not say (a field hidden from the token's user): the stored value is kept.
#[derive(Clone, Debug, PartialEq)]
pub struct PersonIn {
    pub ext_id: String,
    pub username: String,
    pub firstname: String,
    pub lastname: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub organisation: Option<String>,
    pub matricule: Option<String>,
    /// `Some(None)`: never logged in.
    pub first_access: Option<Option<Ts>>,
    pub last_access: Option<Option<Ts>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GroupIn {
    pub ext_id: String,
    pub name: String,
    pub idnumber: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LearnerIn {
    pub person_ext: String,
    /// The enrolment is active on the platform (not suspended, not expired).
    pub active: bool,
    /// Last access to the course; `Some(None)`: never opened it.
    pub last_access: Option<Option<Ts>>,
}

/// One learner's statistics on one lesson as the platform reports them. Only the fields in
/// `known` are the platform's; the others are left as stored (a completion status says
/// nothing of a score a tutor gave).
#[derive(Clone, Debug, PartialEq)]
pub struct ProgressIn {
    pub person_ext: String,
    pub lesson_ext: String,
    pub stats: Stats,
    pub known: Vec<Field>,
    pub attempts: Vec<AttemptIn>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AttemptIn {
    pub number: i64,
    pub started_at: Ts,
    pub status: LessonStatus,
    pub score: Option<f64>,
    pub time_spent: i64,
}

/// Everything about one course, read from the platform before its transaction opens.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CourseSnapshot {
    /// The course's category and its ancestors, root first.
    pub categories: Vec<CategoryIn>,
    pub course: Option<CourseIn>,
    pub lessons: Vec<LessonIn>,
    /// Learners and tutors.
    pub people: Vec<PersonIn>,
    pub tutors: Vec<String>,
    /// Every learner the platform lists; a synced learner missing here has left the course.
    pub learners: Vec<LearnerIn>,
    pub groups: Vec<GroupIn>,
    /// (group ext id, person ext id)
    pub memberships: Vec<(String, String)>,
    /// Only for the learners whose details were read this time.
    pub progress: Vec<ProgressIn>,
    /// When the platform was read (the next sync reads again the learners active since).
    pub read_at: Ts,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub added: u64,
    pub updated: u64,
    /// Ended (enrolments), removed (links: tutors, group members).
    pub removed: u64,
}

impl Counts {
    pub fn total(&self) -> u64 {
        self.added + self.updated + self.removed
    }

    pub fn add(&mut self, o: &Counts) {
        self.added += o.added;
        self.updated += o.updated;
        self.removed += o.removed;
    }
}

/// What a course's sync changed (or, in a dry run, would change), per table.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CourseChanges {
    pub categories: Counts,
    pub courses: Counts,
    pub lessons: Counts,
    pub people: Counts,
    pub groups: Counts,
    pub group_members: Counts,
    pub tutors: Counts,
    pub enrolments: Counts,
    pub progress: Counts,
    pub attempts: Counts,
    /// Conflicts recorded by this run (a value not seen before).
    pub new_conflicts: u64,
    /// Every field where the platform differs from a tutor's correction, new or known.
    pub conflicts: Vec<ConflictIn>,
    /// People left out, with the reason.
    pub skipped: Vec<Skipped>,
}

impl CourseChanges {
    pub fn tables(&self) -> [(&'static str, Counts); 10] {
        [
            ("categories", self.categories),
            ("courses", self.courses),
            ("lessons", self.lessons),
            ("people", self.people),
            ("course_groups", self.groups),
            ("group_members", self.group_members),
            ("course_tutors", self.tutors),
            ("enrolments", self.enrolments),
            ("lesson_progress", self.progress),
            ("attempts", self.attempts),
        ]
    }

    pub fn is_empty(&self) -> bool {
        self.tables().iter().all(|(_, c)| c.total() == 0) && self.new_conflicts == 0
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConflictIn {
    pub username: String,
    pub lesson: String,
    pub field: &'static str,
    /// The tutor's value, kept (audit text form).
    pub kept: Option<String>,
    /// What the platform says (audit text form).
    pub source: Option<String>,
    pub new: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Skipped {
    pub ext_id: String,
    pub username: String,
    /// `username_taken`: another synced person has this username.
    pub reason: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ApplyOptions {
    pub dry_run: bool,
    pub now: Ts,
    pub run_id: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cancelled")]
    Cancelled,
    /// The course cannot be written as it is (a short name another synced course holds).
    #[error("{0}")]
    Refused(String),
}

impl From<sqlx::Error> for ApplyError {
    fn from(e: sqlx::Error) -> Self {
        ApplyError::Store(e.into())
    }
}

/// What the sync knew of a course last time, read before the platform is asked for details.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CourseState {
    /// When the course was last read whole; `None`: never synced.
    pub synced_at: Option<Ts>,
    /// Person ext id → the course last access stored for their enrolment.
    pub last_access: std::collections::HashMap<String, Option<Ts>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Ok,
    Partial,
    Failed,
    Cancelled,
}

impl RunStatus {
    pub fn as_db(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Ok => "ok",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_db(s: &str) -> Option<RunStatus> {
        [RunStatus::Running, RunStatus::Ok, RunStatus::Partial, RunStatus::Failed, RunStatus::Cancelled]
            .into_iter()
            .find(|r| r.as_db() == s)
    }
}

/// A finished (or abandoned) run, for "Moodle : synchronisé il y a 12 min".
#[derive(Clone, Debug, PartialEq)]
pub struct SyncRun {
    pub id: i64,
    pub source: String,
    pub started_at: Ts,
    pub finished_at: Option<Ts>,
    pub status: RunStatus,
    pub courses: i64,
    pub error: Option<String>,
}

/// One conflict as the learner report's *Modifications* section would list it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ConflictLine {
    pub id: i64,
    pub detected_at: Ts,
    pub lesson_id: i64,
    pub lesson_title: String,
    pub field: String,
    pub kept_value: Option<String>,
    pub source_value: Option<String>,
    /// The platform: the source of the run that found it.
    pub source: Option<String>,
}

const START_RUN: &str =
    "INSERT INTO sync_runs (source, started_at, status) VALUES ($1, $2, 'running') RETURNING id";

const FINISH_RUN: &str = "UPDATE sync_runs SET finished_at = $1, status = $2, courses = $3, summary = $4, \
                          error = $5 WHERE id = $6";

const LAST_RUN: &str = "
SELECT id, source, started_at, finished_at, status, courses, error FROM sync_runs
WHERE ($1 = '' OR source = $1) AND ($2 = '' OR status = $2) AND finished_at IS NOT NULL
ORDER BY finished_at DESC, id DESC LIMIT 1";

const CONFLICTS: &str = "
SELECT c.id, c.detected_at, c.lesson_id, l.title AS lesson_title, c.field, c.kept_value,
       c.source_value, r.source
FROM sync_conflicts c
JOIN lessons l ON l.id = c.lesson_id
LEFT JOIN sync_runs r ON r.id = c.run_id
WHERE c.enrolment_id = $1
ORDER BY c.detected_at DESC, c.id DESC";

type RunRow = (i64, String, Ts, Option<Ts>, String, i64, Option<String>);

impl Store {
    /// Records the start of a run; the returned id goes to [`Store::finish_sync_run`].
    pub async fn start_sync_run(&self, source: &str, now: Ts) -> Result<i64> {
        Ok(crate::with_write!(self, |p| sqlx::query_scalar(START_RUN)
            .bind(source)
            .bind(now)
            .fetch_one(p)
            .await)?)
    }

    pub async fn finish_sync_run(
        &self,
        id: i64,
        status: RunStatus,
        courses: i64,
        summary: &str,
        error: Option<&str>,
        now: Ts,
    ) -> Result<()> {
        crate::with_write!(self, |p| sqlx::query(FINISH_RUN)
            .bind(now)
            .bind(status.as_db())
            .bind(courses)
            .bind(summary)
            .bind(error)
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The last finished run (of `source`, or of any platform when `None`), whatever its
    /// outcome.
    pub async fn last_sync_run(&self, source: Option<&str>) -> Result<Option<SyncRun>> {
        self.last_run(source, "").await
    }

    /// When the data was last synced in full without error (of `source`, or of any
    /// platform): what the dashboard's title line shows.
    pub async fn last_successful_sync(&self, source: Option<&str>) -> Result<Option<Ts>> {
        Ok(self.last_run(source, RunStatus::Ok.as_db()).await?.and_then(|r| r.finished_at))
    }

    async fn last_run(&self, source: Option<&str>, status: &str) -> Result<Option<SyncRun>> {
        let row: Option<RunRow> = with_pool!(self, |p| sqlx::query_as(LAST_RUN)
            .bind(source.unwrap_or(""))
            .bind(status)
            .fetch_optional(p)
            .await)?;
        Ok(row.map(|(id, source, started_at, finished_at, status, courses, error)| SyncRun {
            id,
            source,
            started_at,
            finished_at,
            status: RunStatus::from_db(&status).unwrap_or(RunStatus::Failed),
            courses,
            error,
        }))
    }

    /// The sync conflicts of an enrolment, newest first: for the learner report's
    /// *Modifications* section, next to [`Store::audit_lines`].
    pub async fn sync_conflicts(&self, enrolment_id: i64) -> Result<Vec<ConflictLine>> {
        Ok(with_pool!(self, |p| sqlx::query_as(CONFLICTS).bind(enrolment_id).fetch_all(p).await)?)
    }

    /// What the last sync of a course stored, to decide whose details to read again.
    pub async fn sync_course_state(&self, source: &str, course_ext: &str) -> Result<CourseState> {
        lookup::course_state(self, source, course_ext).await
    }

    /// Writes one course's snapshot in one transaction (rolled back in a dry run, or when
    /// `cancel` is set before the commit) and says what changed.
    pub async fn apply_course_sync(
        &self,
        source: &str,
        snap: &CourseSnapshot,
        opts: &ApplyOptions,
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<CourseChanges, ApplyError> {
        apply::apply(self, source, snap, opts, cancel).await
    }
}
