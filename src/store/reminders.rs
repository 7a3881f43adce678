//! Reminders in the database: recipients' data, queueing a sending (one transaction),
//! attachments and the log. The states a queued message goes through: `outbox.rs`.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::QueryBuilder;

use super::bulk::Tx;
use super::people::Scope;
use super::{Result, Store};
use crate::model::Ts;
use crate::model::delivery::Failure;
use crate::{row, with_pool, with_txc};

#[derive(Clone, Debug, PartialEq)]
pub struct RecipientRow {
    pub enrolment_id: i64,
    pub person_id: i64,
    pub course_id: i64,
    pub course_shortname: String,
    pub course_fullname: String,
    pub course_start: Option<Ts>,
    pub course_end: Option<Ts>,
    pub username: String,
    pub firstname: String,
    pub lastname: String,
    pub email: Option<String>,
    pub suspended: bool,
    pub active: bool,
    pub lessons_done: i64,
    pub lessons_started: i64,
    pub lessons_total: i64,
    pub first_access: Option<Ts>,
    pub last_access: Option<Ts>,
    /// A stored value could not be read as such (see `store::lenient`).
    pub damaged: bool,
}

crate::lenient_row!(RecipientRow, |c| Ok(RecipientRow {
    enrolment_id: c.int("enrolment_id")?,
    person_id: c.int("person_id")?,
    course_id: c.int("course_id")?,
    course_shortname: c.text("course_shortname")?,
    course_fullname: c.text("course_fullname")?,
    course_start: c.opt_int("course_start")?,
    course_end: c.opt_int("course_end")?,
    username: c.text("username")?,
    firstname: c.text("firstname")?,
    lastname: c.text("lastname")?,
    email: c.opt_text("email")?,
    suspended: c.flag("suspended")?,
    active: c.flag("active")?,
    lessons_done: c.int("lessons_done")?,
    lessons_started: c.int("lessons_started")?,
    lessons_total: c.int("lessons_total")?,
    first_access: c.opt_int("first_access")?,
    last_access: c.opt_int("last_access")?,
    damaged: c.damaged,
}));

const RECIPIENTS_HEAD: &str = "
SELECT e.id AS enrolment_id, p.id AS person_id, c.id AS course_id,
       c.shortname AS course_shortname, c.fullname AS course_fullname,
       COALESCE(e.start_at, c.start_at) AS course_start, COALESCE(e.end_at, c.end_at) AS course_end,
       p.username, p.firstname, p.lastname, p.email, p.suspended, e.active, e.lessons_done, e.lessons_started,
       (SELECT COUNT(*) FROM lessons l WHERE l.course_id = c.id) AS lessons_total,
       e.first_access, e.last_access
FROM enrolments e JOIN people p ON p.id = e.person_id JOIN courses c ON c.id = e.course_id
WHERE e.id IN (";

/// A message to queue.
#[derive(Clone, Debug, PartialEq)]
pub struct NewReminder {
    pub message_id: String,
    pub enrolment_id: Option<i64>,
    pub course_id: i64,
    pub kind: &'static str,
    pub template: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub forced: bool,
}

/// A stored attachment of a batch.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct StoredAttachment {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// A claimed message, as the dispatcher sends it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Outgoing {
    pub id: i64,
    pub message_id: String,
    pub batch_id: Option<String>,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub tries: i64,
    pub created_at: Ts,
}

/// One line of the Relances tab. Text fields come straight from the database: clean them
/// before drawing.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReminderLogRow {
    pub id: i64,
    pub created_at: Ts,
    pub updated_at: Ts,
    pub sent_at: Option<Ts>,
    pub next_try_at: Option<Ts>,
    pub batch_id: Option<String>,
    pub sender_id: Option<i64>,
    pub sender_name: Option<String>,
    pub enrolment_id: Option<i64>,
    pub learner_username: Option<String>,
    pub learner_firstname: Option<String>,
    pub learner_lastname: Option<String>,
    pub recipient: String,
    pub course_id: Option<i64>,
    pub course_shortname: Option<String>,
    pub course_fullname: Option<String>,
    pub kind: String,
    pub template: String,
    pub subject: String,
    pub status: String,
    pub tries: i64,
    /// Why it failed or is uncertain, in English (the log's words; older rows as stored).
    pub error: Option<String>,
    /// The same as a code with its parameters, to show in the reader's language
    /// (`reminders::failure_text`).
    #[serde(skip)]
    pub failure: Option<Failure>,
    pub forced: bool,
    /// A stored value could not be read as such (see `store::lenient`).
    pub damaged: bool,
}

crate::lenient_row!(ReminderLogRow, |c| {
    let failure = c.opt_text("error")?.map(|e| Failure::from_db(&e));
    Ok(ReminderLogRow {
        id: c.int("id")?,
        created_at: c.int("created_at")?,
        updated_at: c.int("updated_at")?,
        sent_at: c.opt_int("sent_at")?,
        next_try_at: c.opt_int("next_try_at")?,
        batch_id: c.opt_text("batch_id")?,
        sender_id: c.opt_int("sender_id")?,
        sender_name: c.opt_text("sender_name")?,
        enrolment_id: c.opt_int("enrolment_id")?,
        learner_username: c.opt_text("learner_username")?,
        learner_firstname: c.opt_text("learner_firstname")?,
        learner_lastname: c.opt_text("learner_lastname")?,
        recipient: c.text("recipient")?,
        course_id: c.opt_int("course_id")?,
        course_shortname: c.opt_text("course_shortname")?,
        course_fullname: c.opt_text("course_fullname")?,
        kind: c.text("kind")?,
        template: c.text("template")?,
        subject: c.text("subject")?,
        status: c.text("status")?,
        tries: c.int("tries")?,
        error: failure.as_ref().map(Failure::to_string),
        failure,
        forced: c.flag("forced")?,
        damaged: c.damaged,
    })
});

impl ReminderLogRow {
    /// `LASTNAME Firstname`, or the recipient address for the copy to the tutor.
    pub fn learner_display(&self) -> String {
        match (&self.learner_lastname, &self.learner_firstname) {
            (Some(l), Some(f)) => format!("{} {f}", l.to_uppercase()).trim().to_string(),
            _ => self.recipient.clone(),
        }
    }
}

const LOG: &str = "
SELECT r.id, r.created_at, r.updated_at, r.sent_at, r.next_try_at, r.batch_id, r.sender_id,
       s.firstname || ' ' || s.lastname AS sender_name, r.enrolment_id,
       p.username AS learner_username, p.firstname AS learner_firstname,
       p.lastname AS learner_lastname, r.recipient, c.id AS course_id,
       c.shortname AS course_shortname, c.fullname AS course_fullname, r.kind, r.template,
       r.subject, r.status, r.tries, r.error, r.forced
FROM reminders r
LEFT JOIN people s ON s.id = r.sender_id
LEFT JOIN enrolments e ON e.id = r.enrolment_id
LEFT JOIN people p ON p.id = e.person_id
LEFT JOIN courses c ON c.id = COALESCE(r.course_id, e.course_id)
WHERE ($1 OR r.sender_id = $2 OR c.id IN (SELECT ct.course_id FROM course_tutors ct WHERE ct.person_id = $2))
  AND ($3 IS NULL OR r.status = $3)
ORDER BY r.created_at DESC, r.id DESC
LIMIT $4";

/// Reminders that still count for the minimum interval: anything that left or may still
/// leave (not cancelled, not failed for good), of the same kind.
const LAST_REMINDED: &str = "
SELECT r.enrolment_id, MAX(COALESCE(r.sent_at, r.created_at)) AS last_at
FROM reminders r JOIN enrolments e ON e.id = r.enrolment_id
WHERE e.course_id = $1 AND r.kind = $2 AND r.status <> 'cancelled'
  AND NOT (r.status = 'failed' AND r.next_try_at IS NULL)
GROUP BY r.enrolment_id";

impl Store {
    /// Recipients' data for a set of enrolments (unknown ids are simply absent).
    pub async fn reminder_recipients(&self, ids: &[i64]) -> Result<Vec<RecipientRow>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(5_000) {
            let rows: Vec<RecipientRow> = with_pool!(self, |p| {
                let mut b = QueryBuilder::new(RECIPIENTS_HEAD);
                let mut sep = b.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                b.push(")");
                b.build_query_as().fetch_all(p).await
            })?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Per enrolment of the course, when it was last reminded with this kind.
    pub async fn last_reminded(&self, course_id: i64, kind: &str) -> Result<HashMap<i64, Ts>> {
        let rows: Vec<(i64, Option<Ts>)> = with_pool!(self, |p| sqlx::query_as(LAST_REMINDED)
            .bind(course_id)
            .bind(kind)
            .fetch_all(p)
            .await)?;
        Ok(rows.into_iter().filter_map(|(e, t)| t.map(|t| (e, t))).collect())
    }

    /// Queues `rows` (one batch) and its attachments in ONE transaction. Before writing,
    /// the minimum interval is checked again under a lock for the rows not forced, so two
    /// tutors (or a tutor and cron) reminding the same learner at once send one reminder:
    /// returns the enrolments dropped that way, with their last reminder.
    pub async fn enqueue_reminders(
        &self,
        batch_id: &str,
        sender_id: i64,
        rows: Vec<NewReminder>,
        attachments: &[StoredAttachment],
        recent_since: Ts,
        now: Ts,
    ) -> Result<(usize, Vec<(i64, Ts)>)> {
        let mut tx = self.begin_write().await?;
        if let Tx::Pg(t) = &mut tx {
            // SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL needs a lock
            // so that the check below and the insert are one decision.
            sqlx::query("SELECT pg_advisory_xact_lock(7261001)").execute(&mut **t).await?;
        }
        let mut dropped = Vec::new();
        let mut courses: Vec<(i64, &'static str)> = rows
            .iter()
            .filter(|r| !r.forced && r.enrolment_id.is_some())
            .map(|r| (r.course_id, r.kind))
            .collect();
        courses.sort_unstable();
        courses.dedup();
        let mut recent: HashMap<i64, Ts> = HashMap::new();
        for (course, kind) in courses {
            let found: Vec<(i64, Option<Ts>)> = with_txc!(&mut tx, |c| sqlx::query_as(LAST_REMINDED)
                .bind(course)
                .bind(kind)
                .fetch_all(c)
                .await)?;
            recent.extend(
                found.into_iter().filter_map(|(e, t)| t.filter(|t| *t > recent_since).map(|t| (e, t))),
            );
        }
        let rows: Vec<NewReminder> = rows
            .into_iter()
            .filter(|r| match r.enrolment_id.and_then(|e| recent.get(&e).map(|t| (e, *t))) {
                Some(hit) if !r.forced => {
                    dropped.push(hit);
                    false
                }
                _ => true,
            })
            .collect();
        // Nothing left for a learner: do not send the tutor a copy of nothing.
        let learners = rows.iter().filter(|r| r.enrolment_id.is_some()).count();
        let rows: Vec<NewReminder> =
            rows.into_iter().filter(|r| learners > 0 || r.enrolment_id.is_some()).collect();
        let values: Vec<_> = rows
            .iter()
            .map(|r| {
                row![
                    r.message_id.clone(),
                    batch_id,
                    r.enrolment_id,
                    Some(r.course_id),
                    Some(sender_id),
                    r.kind,
                    r.template.clone(),
                    r.recipient.clone(),
                    r.subject.clone(),
                    r.body.clone(),
                    "queued",
                    0i64,
                    r.forced,
                    now,
                    now
                ]
            })
            .collect();
        tx.insert(
            "reminders",
            &[
                "message_id",
                "batch_id",
                "enrolment_id",
                "course_id",
                "sender_id",
                "kind",
                "template",
                "recipient",
                "subject",
                "body",
                "status",
                "tries",
                "forced",
                "created_at",
                "updated_at",
            ],
            &values,
        )
        .await?;
        if !rows.is_empty() {
            const ATT: &str = "INSERT INTO reminder_attachments (batch_id, position, filename, content_type, content) \
                               VALUES ($1, $2, $3, $4, $5)";
            for (i, a) in attachments.iter().enumerate() {
                with_txc!(&mut tx, |c| sqlx::query(ATT)
                    .bind(batch_id)
                    .bind(i as i64)
                    .bind(&a.filename)
                    .bind(&a.content_type)
                    .bind(&a.content)
                    .execute(c)
                    .await
                    .map(|_| ()))?;
            }
        }
        tx.commit().await?;
        Ok((rows.len(), dropped))
    }

    pub async fn batch_attachments(&self, batch_id: &str) -> Result<Vec<StoredAttachment>> {
        const SQL: &str = "SELECT filename, content_type, content FROM reminder_attachments \
                           WHERE batch_id = $1 ORDER BY position";
        Ok(with_pool!(self, |p| sqlx::query_as(SQL).bind(batch_id).fetch_all(p).await)?)
    }

    pub async fn reminder_log(
        &self,
        scope: &Scope,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ReminderLogRow>> {
        Ok(with_pool!(self, |p| sqlx::query_as(LOG)
            .bind(scope.is_admin())
            .bind(scope.person_id())
            .bind(status)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// A course this tutor may see, by short name: (id, full name).
    pub async fn course_by_shortname(&self, scope: &Scope, shortname: &str) -> Result<Option<(i64, String)>> {
        const SQL: &str = "SELECT c.id, c.fullname FROM courses c WHERE c.shortname = $3 \
             AND ($1 OR c.id IN (SELECT ct.course_id FROM course_tutors ct WHERE ct.person_id = $2))";
        Ok(with_pool!(self, |p| sqlx::query_as(SQL)
            .bind(scope.is_admin())
            .bind(scope.person_id())
            .bind(shortname)
            .fetch_optional(p)
            .await)?)
    }
}
