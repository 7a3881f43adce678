//! The "never connected" queue: across every course the tutor tutors, the active enrolments
//! whose course has opened for the learner, has not ended, and was never accessed, with
//! their reminder and contact history. Contact notes are written here too.

use super::people::Scope;
use super::{Result, Store, StoreError};
use crate::model::Ts;
use crate::{with_pool, with_txc};

/// The queue's rows are a model type (the dashboard builds its entries from them).
pub use crate::model::triage::TriageRow;

crate::lenient_row!(TriageRow, |c| Ok(TriageRow {
    enrolment_id: c.int("enrolment_id")?,
    course_id: c.int("course_id")?,
    shortname: c.text("shortname")?,
    fullname: c.text("fullname")?,
    person_id: c.int("person_id")?,
    username: c.text("username")?,
    firstname: c.text("firstname")?,
    lastname: c.text("lastname")?,
    email: c.opt_text("email")?,
    phone: c.opt_text("phone")?,
    suspended: c.flag("suspended")?,
    platform_last_access: c.opt_int("platform_last_access")?,
    opened_at: c.int("opened_at")?,
    reminders_sent: c.int("reminders_sent")?,
    last_reminder_at: c.opt_int("last_reminder_at")?,
    reminders_in_flight: c.int("reminders_in_flight")?,
    reminders_uncertain: c.int("reminders_uncertain")?,
    last_contact_at: c.opt_int("last_contact_at")?,
    last_note: c.opt_text("last_note")?,
    damaged: c.damaged,
}));

// Copies sent to the tutor are not reminders of the learner. The history is aggregated once
// over the queue's enrolments: correlated subqueries filtered on `status` let SQLite's
// planner (no ANALYZE statistics) pick the status index and scan every sent reminder per row.
const TRIAGE: &str = "
WITH q AS (
  SELECT e.id AS enrolment_id, c.id AS course_id, c.shortname, c.fullname,
         p.id AS person_id, p.username, p.firstname, p.lastname, p.email, p.phone, p.suspended,
         p.last_access AS platform_last_access,
         COALESCE(e.start_at, c.start_at, e.enrolled_at) AS opened_at
  FROM enrolments e
  JOIN courses c ON c.id = e.course_id
  JOIN people p ON p.id = e.person_id
  WHERE e.active AND e.last_access IS NULL
    AND COALESCE(e.start_at, c.start_at, e.enrolled_at) <= $1
    AND (e.end_at IS NULL OR e.end_at > $1)
    AND (c.end_at IS NULL OR c.end_at > $1)
    AND ($2 OR c.id IN (SELECT course_id FROM course_tutors WHERE person_id = $3))
    AND ($4 = 0 OR c.id = $4)
),
rem AS (
  SELECT r.enrolment_id,
         SUM(CASE WHEN r.status = 'sent' THEN 1 ELSE 0 END) AS sent,
         MAX(CASE WHEN r.status = 'sent' THEN COALESCE(r.sent_at, r.updated_at) END) AS last_sent,
         SUM(CASE WHEN r.status IN ('queued', 'sending') THEN 1 ELSE 0 END) AS in_flight,
         SUM(CASE WHEN r.status = 'uncertain' THEN 1 ELSE 0 END) AS uncertain
  FROM reminders r
  WHERE r.kind <> 'copy' AND r.enrolment_id IN (SELECT enrolment_id FROM q)
  GROUP BY r.enrolment_id
),
notes AS (
  SELECT n.enrolment_id, MAX(n.at) AS last_at
  FROM contact_notes n
  WHERE n.enrolment_id IN (SELECT enrolment_id FROM q)
  GROUP BY n.enrolment_id
)
SELECT q.*,
       COALESCE(rem.sent, 0) AS reminders_sent,
       rem.last_sent AS last_reminder_at,
       COALESCE(rem.in_flight, 0) AS reminders_in_flight,
       COALESCE(rem.uncertain, 0) AS reminders_uncertain,
       notes.last_at AS last_contact_at,
       CASE WHEN notes.last_at IS NULL THEN NULL ELSE
         (SELECT n.note FROM contact_notes n WHERE n.enrolment_id = q.enrolment_id
          ORDER BY n.at DESC, n.id DESC LIMIT 1) END AS last_note
FROM q
LEFT JOIN rem ON rem.enrolment_id = q.enrolment_id
LEFT JOIN notes ON notes.enrolment_id = q.enrolment_id";

// Inserts only where the author may: the permission check is the insert's own condition,
// inside the same transaction.
const ADD_NOTE: &str = "
INSERT INTO contact_notes (enrolment_id, author_id, at, note)
SELECT e.id, $2, $3, $4 FROM enrolments e
WHERE e.id = $1
  AND ($5 OR e.course_id IN (SELECT course_id FROM course_tutors WHERE person_id = $2))";

const ENROLMENT_COURSE: &str = "SELECT course_id FROM enrolments WHERE id = $1";

/// A note is a short line; longer text is cut here rather than refused.
pub const NOTE_MAX: usize = 500;

impl Store {
    /// The queue for this tutor; `course_id` narrows it to one course.
    pub async fn triage(&self, scope: &Scope, course_id: Option<i64>, now: Ts) -> Result<Vec<TriageRow>> {
        Ok(with_pool!(self, |p| sqlx::query_as(TRIAGE)
            .bind(now)
            .bind(scope.is_admin())
            .bind(scope.person_id())
            .bind(course_id.unwrap_or(0))
            .fetch_all(p)
            .await)?)
    }

    /// Records "contacted" with a note on each enrolment, in one transaction.
    pub async fn add_contact_notes(
        &self,
        scope: &Scope,
        enrolment_ids: &[i64],
        note: &str,
        now: Ts,
    ) -> Result<()> {
        if scope.person.is_none() {
            return Err(StoreError::Forbidden(format!("{} is not in the database", scope.username)));
        }
        let note: String = note.trim().chars().take(NOTE_MAX).collect();
        let mut tx = self.begin_write().await?;
        for id in enrolment_ids {
            let added = with_txc!(&mut tx, |c| sqlx::query(ADD_NOTE)
                .bind(*id)
                .bind(scope.person_id())
                .bind(now)
                .bind(&note)
                .bind(scope.is_admin())
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            if added == 0 {
                // Nothing is kept: dropping the transaction rolls back the notes before it.
                let course: Option<i64> = with_txc!(&mut tx, |c| sqlx::query_scalar(ENROLMENT_COURSE)
                    .bind(*id)
                    .fetch_optional(c)
                    .await)?;
                return Err(match course {
                    None => StoreError::Invalid(format!("no enrolment {id}")),
                    Some(course) => {
                        StoreError::Forbidden(format!("{} does not tutor course {course}", scope.username))
                    }
                });
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
