//! A tutor's corrections of a learner's lesson statistics: read with their version, saved
//! in one transaction with one audit record per changed field, refused when someone else
//! saved since (optimistic concurrency on `lesson_progress.version`), and undone from the
//! audit log. History is never destroyed: cleared attempts stay, flagged.

use std::sync::atomic::{AtomicU64, Ordering};

use super::bulk::Tx;
use super::people::Scope;
use super::{Result, Store, StoreError};
use crate::model::stats::{Field, Stats};
use crate::model::{LessonStatus, Ts};
use crate::{with_pool, with_txc};

/// The stored statistics of a learner on a lesson, with what a later save must match.
#[derive(Clone, Debug, PartialEq)]
pub struct StatsRecord {
    pub enrolment_id: i64,
    pub lesson_id: i64,
    pub lesson_title: String,
    pub scorm_version: Option<String>,
    /// `None`: no progress row yet (the lesson was never opened); saving creates it.
    pub progress_id: Option<i64>,
    /// 0 when there is no row.
    pub version: i64,
    pub stats: Stats,
    /// Attempt rows not yet cleared (what "clear the attempt count" would flag).
    pub live_attempts: i64,
    pub updated_at: Option<Ts>,
    /// Who saved last ("Firstname LASTNAME"), when a tutor did.
    pub updated_by: Option<String>,
}

/// What the tutor asks to store.
#[derive(Clone, Debug, PartialEq)]
pub struct StatsEdit {
    pub enrolment_id: i64,
    pub lesson_id: i64,
    /// The version the dialog was opened on (0: no row then).
    pub expected_version: i64,
    pub stats: Stats,
    /// Sets the attempt count to 0 and flags the attempt rows as cleared.
    pub clear_attempts: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SaveOutcome {
    Saved {
        version: i64,
        change_id: String,
        fields: Vec<Field>,
    },
    /// Nothing differed from what is stored; nothing was written.
    Unchanged,
    /// Someone saved since the dialog opened: their values, nothing written.
    Conflict(Box<StatsRecord>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum UndoOutcome {
    Undone {
        lesson_title: String,
        fields: Vec<Field>,
    },
    /// This tutor has no edit of this learner left to undo.
    NothingToUndo,
    /// The lesson changed after that edit (by whom, if a tutor): undoing would overwrite it.
    ChangedSince {
        lesson_title: String,
        by: Option<String>,
    },
}

/// One line of the learner's *Historique des modifications*.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditLine {
    pub id: i64,
    pub change_id: String,
    pub at: Ts,
    pub action: String,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub undone: bool,
    pub actor: Option<String>,
    pub lesson_title: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    change_id: String,
    at: Ts,
    action: String,
    field: String,
    old_value: Option<String>,
    new_value: Option<String>,
    undone: bool,
    actor_first: Option<String>,
    actor_last: Option<String>,
    lesson_title: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    lesson_id: i64,
    lesson_title: String,
    scorm_version: Option<String>,
    course_ok: bool,
    progress_id: Option<i64>,
    version: Option<i64>,
    status: Option<String>,
    attempts: Option<i64>,
    status_at: Option<Ts>,
    score: Option<f64>,
    time_spent: Option<i64>,
    location: Option<String>,
    suspend_data: Option<String>,
    updated_at: Option<Ts>,
    by_first: Option<String>,
    by_last: Option<String>,
    live_attempts: i64,
}

/// "Firstname LASTNAME" (SQLite's UPPER only knows ASCII, so this is done here).
fn person_name(first: Option<String>, last: Option<String>) -> Option<String> {
    match (first, last) {
        (None, None) => None,
        (f, l) => Some(format!("{} {}", f.unwrap_or_default(), l.unwrap_or_default().to_uppercase())),
    }
}

const READ: &str = "
SELECT l.id AS lesson_id, l.title AS lesson_title, l.scorm_version,
       (l.course_id = e.course_id) AS course_ok,
       pr.id AS progress_id, pr.version, pr.status, pr.attempts, pr.status_at, pr.score,
       pr.time_spent, pr.location, pr.suspend_data, pr.updated_at,
       u.firstname AS by_first, u.lastname AS by_last,
       (SELECT COUNT(*) FROM attempts a
        WHERE a.enrolment_id = e.id AND a.lesson_id = l.id AND NOT a.cleared) AS live_attempts
FROM enrolments e
JOIN lessons l ON l.id = $2
LEFT JOIN lesson_progress pr ON pr.enrolment_id = e.id AND pr.lesson_id = l.id
LEFT JOIN people u ON u.id = pr.updated_by
WHERE e.id = $1";

const UPDATE: &str = "
UPDATE lesson_progress
SET status = $1, attempts = $2, status_at = $3, score = $4, time_spent = $5, location = $6,
    suspend_data = $7, version = version + 1, updated_at = $8, updated_by = $9
WHERE id = $10 AND version = $11";

const INSERT: &str = "
INSERT INTO lesson_progress (enrolment_id, lesson_id, status, attempts, status_at, score,
                             time_spent, location, suspend_data, version, updated_at, updated_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11)
ON CONFLICT (enrolment_id, lesson_id) DO NOTHING
RETURNING id";

const CLEAR_ATTEMPTS: &str = "
UPDATE attempts SET cleared = TRUE
WHERE enrolment_id = $1 AND lesson_id = $2 AND NOT cleared
RETURNING id";

const AUDIT: &str = "
INSERT INTO audit_log (change_id, at, actor_id, action, entity, entity_id, enrolment_id,
                       field, old_value, new_value)
VALUES ($1, $2, $3, $4, 'lesson_progress', $5, $6, $7, $8, $9)";

/// The enrolment's summary columns follow its progress rows in the same transaction, so the
/// learner table, counters and progress % are right the moment the save commits. The last
/// two are the tutor's pending work (migration 0003 says what they count).
pub(crate) const RESUMMARISE: &str = "
UPDATE enrolments SET
  lessons_done = (SELECT COUNT(*) FROM lesson_progress pr JOIN lessons l ON l.id = pr.lesson_id
                  WHERE pr.enrolment_id = enrolments.id AND l.course_id = enrolments.course_id
                    AND pr.status IN ('completed', 'passed')),
  lessons_started = (SELECT COUNT(*) FROM lesson_progress pr JOIN lessons l ON l.id = pr.lesson_id
                     WHERE pr.enrolment_id = enrolments.id AND l.course_id = enrolments.course_id
                       AND pr.status <> 'not_attempted'),
  time_spent = (SELECT COALESCE(SUM(pr.time_spent), 0) FROM lesson_progress pr
                JOIN lessons l ON l.id = pr.lesson_id
                WHERE pr.enrolment_id = enrolments.id AND l.course_id = enrolments.course_id),
  missions_to_grade = (SELECT COUNT(*) FROM lesson_progress pr JOIN lessons l ON l.id = pr.lesson_id
                       WHERE pr.enrolment_id = enrolments.id AND l.course_id = enrolments.course_id
                         AND l.kind = 'mission' AND pr.status = 'completed' AND pr.score IS NULL),
  observations_done = (SELECT COUNT(*) FROM lesson_progress pr JOIN lessons l ON l.id = pr.lesson_id
                       WHERE pr.enrolment_id = enrolments.id AND l.course_id = enrolments.course_id
                         AND l.kind = 'observation' AND pr.status IN ('completed', 'passed', 'failed'))
WHERE id = $1";

/// Audit field for the attempt rows an edit flagged as cleared (their ids, comma-separated),
/// so that an undo restores exactly those.
const CLEARED_FIELD: &str = "attempts_cleared";

const AUDIT_LINES: &str = "
SELECT a.id, a.change_id, a.at, a.action, a.field,
       SUBSTR(a.old_value, 1, 200) AS old_value, SUBSTR(a.new_value, 1, 200) AS new_value,
       (a.undone_by IS NOT NULL) AS undone,
       p.firstname AS actor_first, p.lastname AS actor_last,
       l.title AS lesson_title
FROM audit_log a
LEFT JOIN people p ON p.id = a.actor_id
LEFT JOIN lesson_progress pr ON a.entity = 'lesson_progress' AND pr.id = a.entity_id
LEFT JOIN lessons l ON l.id = pr.lesson_id
WHERE a.enrolment_id = $1
ORDER BY a.at DESC, a.id DESC
LIMIT $2";

/// The report shows the most recent audit lines; older ones stay in the database.
pub const AUDIT_LINES_CAP: i64 = 500;

const LAST_CHANGE: &str = "
SELECT change_id FROM audit_log
WHERE enrolment_id = $1 AND actor_id = $2 AND action = 'edit' AND undone_by IS NULL
ORDER BY at DESC, id DESC LIMIT 1";

#[derive(sqlx::FromRow)]
struct ChangeRow {
    entity_id: i64,
    field: String,
    old_value: Option<String>,
    new_value: Option<String>,
}

const CHANGE_ROWS: &str = "
SELECT entity_id, field, old_value, new_value FROM audit_log WHERE change_id = $1 ORDER BY id";

const PROGRESS_BY_ID: &str = "SELECT lesson_id FROM lesson_progress WHERE id = $1";

const MARK_UNDONE: &str = "UPDATE audit_log SET undone_by = $1 WHERE change_id = $2";

const UNCLEAR: &str = "UPDATE attempts SET cleared = FALSE WHERE id = $1 AND enrolment_id = $2";

/// A fresh id for the audit records of one save: time, process and a counter, so that two
/// processes saving in the same nanosecond still differ.
fn new_change_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{nanos:x}-{:x}-{:x}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn record(enrolment_id: i64, r: Row) -> StatsRecord {
    // Values a hand-edited database may hold (an unknown status) read as the default.
    let stats = Stats {
        status: r.status.as_deref().and_then(LessonStatus::from_db).unwrap_or(LessonStatus::NotAttempted),
        attempts: r.attempts.unwrap_or(0),
        status_at: r.status_at,
        score: r.score,
        time_spent: r.time_spent.unwrap_or(0),
        location: r.location.unwrap_or_default(),
        suspend_data: r.suspend_data.unwrap_or_default(),
    };
    StatsRecord {
        enrolment_id,
        lesson_id: r.lesson_id,
        lesson_title: r.lesson_title,
        scorm_version: r.scorm_version,
        progress_id: r.progress_id,
        version: r.version.unwrap_or(0),
        stats,
        live_attempts: r.live_attempts,
        updated_at: r.updated_at,
        updated_by: person_name(r.by_first, r.by_last),
    }
}

async fn read(tx: &mut Tx, enrolment_id: i64, lesson_id: i64) -> Result<Option<Row>> {
    Ok(with_txc!(tx, |c| sqlx::query_as(READ).bind(enrolment_id).bind(lesson_id).fetch_optional(c).await)?)
}

async fn audit(
    tx: &mut Tx,
    change_id: &str,
    scope: &Scope,
    action: &str,
    ids: (i64, i64),
    change: (&str, Option<&str>, Option<&str>),
    now: Ts,
) -> Result<()> {
    let (progress_id, enrolment_id) = ids;
    let (field, old, new) = change;
    with_txc!(tx, |c| sqlx::query(AUDIT)
        .bind(change_id)
        .bind(now)
        .bind(scope.person_id())
        .bind(action)
        .bind(progress_id)
        .bind(enrolment_id)
        .bind(field)
        .bind(old)
        .bind(new)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

async fn write_stats(tx: &mut Tx, id: i64, expected: i64, s: &Stats, scope: &Scope, now: Ts) -> Result<u64> {
    let r = with_txc!(tx, |c| sqlx::query(UPDATE)
        .bind(s.status.as_db())
        .bind(s.attempts)
        .bind(s.status_at)
        .bind(s.score)
        .bind(s.time_spent)
        .bind(&s.location)
        .bind(&s.suspend_data)
        .bind(now)
        .bind(scope.person_id())
        .bind(id)
        .bind(expected)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(r)
}

async fn resummarise(tx: &mut Tx, enrolment_id: i64) -> Result<()> {
    with_txc!(tx, |c| sqlx::query(RESUMMARISE)
        .bind(enrolment_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

impl Store {
    /// The tutor must tutor the enrolment's course (or be an admin), and be in the database:
    /// every change is signed.
    async fn check_editor(&self, scope: &Scope, enrolment_id: i64) -> Result<()> {
        if scope.person.is_none() {
            return Err(StoreError::Forbidden(format!("{} is not in the database", scope.username)));
        }
        const COURSE: &str = "SELECT course_id FROM enrolments WHERE id = $1";
        let course: Option<i64> =
            with_pool!(self, |p| sqlx::query_scalar(COURSE).bind(enrolment_id).fetch_optional(p).await)?;
        let course = course.ok_or_else(|| StoreError::Invalid(format!("no enrolment {enrolment_id}")))?;
        if !self.can_see_course(scope, course).await? {
            return Err(StoreError::Forbidden(format!("{} does not tutor course {course}", scope.username)));
        }
        Ok(())
    }

    /// The statistics as stored now (the dialog opens on these).
    pub async fn lesson_stats(
        &self,
        scope: &Scope,
        enrolment_id: i64,
        lesson_id: i64,
    ) -> Result<StatsRecord> {
        self.check_editor(scope, enrolment_id).await?;
        let row: Option<Row> = with_pool!(self, |p| sqlx::query_as(READ)
            .bind(enrolment_id)
            .bind(lesson_id)
            .fetch_optional(p)
            .await)?;
        match row {
            Some(r) if r.course_ok => Ok(record(enrolment_id, r)),
            _ => Err(StoreError::Invalid(format!(
                "lesson {lesson_id} is not in enrolment {enrolment_id}'s course"
            ))),
        }
    }

    /// Saves an edit in one transaction: the progress row (version + 1), flagged attempts,
    /// one audit record per changed field, and the enrolment's summary. Refused, with the
    /// other tutor's values and nothing written, when the version moved since the dialog opened.
    pub async fn save_stats(&self, scope: &Scope, edit: &StatsEdit, now: Ts) -> Result<SaveOutcome> {
        self.check_editor(scope, edit.enrolment_id).await?;
        let mut tx = self.begin_write().await?;
        let row = read(&mut tx, edit.enrolment_id, edit.lesson_id).await?;
        let current = match row {
            Some(r) if r.course_ok => record(edit.enrolment_id, r),
            _ => {
                return Err(StoreError::Invalid(format!(
                    "lesson {} is not in enrolment {}'s course",
                    edit.lesson_id, edit.enrolment_id
                )));
            }
        };
        if current.version != edit.expected_version {
            return Ok(SaveOutcome::Conflict(Box::new(current)));
        }
        let mut new = edit.stats.clone();
        if edit.clear_attempts {
            new.attempts = 0;
        }
        let changes = current.stats.diff(&new);
        let clear = edit.clear_attempts && current.live_attempts > 0;
        if changes.is_empty() && !clear {
            return Ok(SaveOutcome::Unchanged);
        }
        let progress_id = match current.progress_id {
            Some(id) => {
                if write_stats(&mut tx, id, edit.expected_version, &new, scope, now).await? == 0 {
                    // Only reachable on PostgreSQL, where a concurrent commit can land
                    // between our read and our write.
                    drop(tx);
                    return self.conflict(scope, edit).await;
                }
                id
            }
            None => {
                let s = &new;
                let id: Option<i64> = with_txc!(&mut tx, |c| sqlx::query_scalar(INSERT)
                    .bind(edit.enrolment_id)
                    .bind(edit.lesson_id)
                    .bind(s.status.as_db())
                    .bind(s.attempts)
                    .bind(s.status_at)
                    .bind(s.score)
                    .bind(s.time_spent)
                    .bind(&s.location)
                    .bind(&s.suspend_data)
                    .bind(now)
                    .bind(scope.person_id())
                    .fetch_optional(c)
                    .await)?;
                match id {
                    Some(id) => id,
                    None => {
                        drop(tx);
                        return self.conflict(scope, edit).await;
                    }
                }
            }
        };
        let change_id = new_change_id();
        let ids = (progress_id, edit.enrolment_id);
        for (field, old, new_v) in &changes {
            let change = (field.column(), old.as_deref(), new_v.as_deref());
            audit(&mut tx, &change_id, scope, "edit", ids, change, now).await?;
        }
        if clear {
            let cleared: Vec<i64> = with_txc!(&mut tx, |c| sqlx::query_scalar(CLEAR_ATTEMPTS)
                .bind(edit.enrolment_id)
                .bind(edit.lesson_id)
                .fetch_all(c)
                .await)?;
            let list = cleared.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            audit(&mut tx, &change_id, scope, "edit", ids, (CLEARED_FIELD, None, Some(&list)), now).await?;
        }
        resummarise(&mut tx, edit.enrolment_id).await?;
        tx.commit().await?;
        Ok(SaveOutcome::Saved {
            version: current.version + 1,
            change_id,
            fields: changes.iter().map(|c| c.0).collect(),
        })
    }

    async fn conflict(&self, scope: &Scope, edit: &StatsEdit) -> Result<SaveOutcome> {
        let now = self.lesson_stats(scope, edit.enrolment_id, edit.lesson_id).await?;
        Ok(SaveOutcome::Conflict(Box::new(now)))
    }

    /// Undoes this tutor's most recent edit of the learner (earlier ones on further calls).
    /// Refused when the lesson changed after that edit, so that an undo never overwrites
    /// someone else's work. The undo itself is audited.
    pub async fn undo_last_edit(&self, scope: &Scope, enrolment_id: i64, now: Ts) -> Result<UndoOutcome> {
        self.check_editor(scope, enrolment_id).await?;
        let mut tx = self.begin_write().await?;
        let change: Option<String> = with_txc!(&mut tx, |c| sqlx::query_scalar(LAST_CHANGE)
            .bind(enrolment_id)
            .bind(scope.person_id())
            .fetch_optional(c)
            .await)?;
        let Some(change) = change else { return Ok(UndoOutcome::NothingToUndo) };
        let rows: Vec<ChangeRow> =
            with_txc!(&mut tx, |c| sqlx::query_as(CHANGE_ROWS).bind(&change).fetch_all(c).await)?;
        let Some(progress_id) = rows.first().map(|r| r.entity_id) else {
            return Ok(UndoOutcome::NothingToUndo);
        };
        let lesson_id: Option<i64> = with_txc!(&mut tx, |c| sqlx::query_scalar(PROGRESS_BY_ID)
            .bind(progress_id)
            .fetch_optional(c)
            .await)?;
        let lesson_id =
            lesson_id.ok_or_else(|| StoreError::Invalid("the edited progress row is gone".into()))?;
        let current = match read(&mut tx, enrolment_id, lesson_id).await? {
            Some(r) => record(enrolment_id, r),
            None => return Err(StoreError::Invalid("the edited progress row is gone".into())),
        };
        let mut restored = current.stats.clone();
        let mut fields = Vec::new();
        let mut uncleared = Vec::new();
        for r in &rows {
            if r.field == CLEARED_FIELD {
                uncleared.extend(
                    r.new_value.as_deref().unwrap_or("").split(',').filter_map(|s| s.parse::<i64>().ok()),
                );
                continue;
            }
            let Some(field) = Field::from_column(&r.field) else { continue };
            if current.stats.audit_value(field) != r.new_value {
                return Ok(UndoOutcome::ChangedSince {
                    lesson_title: current.lesson_title,
                    by: current.updated_by,
                });
            }
            if !restored.set_audit_value(field, r.old_value.as_deref()) {
                return Err(StoreError::Invalid(format!("audit record for {} cannot be read back", r.field)));
            }
            fields.push(field);
        }
        if write_stats(&mut tx, progress_id, current.version, &restored, scope, now).await? == 0 {
            drop(tx);
            let by = self.lesson_stats(scope, enrolment_id, lesson_id).await?.updated_by;
            return Ok(UndoOutcome::ChangedSince { lesson_title: current.lesson_title, by });
        }
        for id in &uncleared {
            with_txc!(&mut tx, |c| sqlx::query(UNCLEAR)
                .bind(*id)
                .bind(enrolment_id)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        let undo_id = new_change_id();
        let ids = (progress_id, enrolment_id);
        for f in &fields {
            let (old, new) = (current.stats.audit_value(*f), restored.audit_value(*f));
            audit(&mut tx, &undo_id, scope, "undo", ids, (f.column(), old.as_deref(), new.as_deref()), now)
                .await?;
        }
        if !uncleared.is_empty() {
            let list = uncleared.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            audit(&mut tx, &undo_id, scope, "undo", ids, (CLEARED_FIELD, Some(&list), None), now).await?;
        }
        with_txc!(&mut tx, |c| sqlx::query(MARK_UNDONE)
            .bind(&undo_id)
            .bind(&change)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        resummarise(&mut tx, enrolment_id).await?;
        tx.commit().await?;
        Ok(UndoOutcome::Undone { lesson_title: current.lesson_title, fields })
    }

    /// The learner's audit trail in this course, most recent first (values cut to 200
    /// characters: suspend data can be 64,000).
    pub async fn audit_lines(&self, enrolment_id: i64) -> Result<Vec<AuditLine>> {
        let rows: Vec<AuditRow> = with_pool!(self, |p| sqlx::query_as(AUDIT_LINES)
            .bind(enrolment_id)
            .bind(AUDIT_LINES_CAP)
            .fetch_all(p)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|r| AuditLine {
                id: r.id,
                change_id: r.change_id,
                at: r.at,
                action: r.action,
                field: r.field,
                old_value: r.old_value,
                new_value: r.new_value,
                undone: r.undone,
                actor: person_name(r.actor_first, r.actor_last),
                lesson_title: r.lesson_title,
            })
            .collect())
    }
}
