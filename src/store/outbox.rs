//! The outbox state machine: what is due, claims, outcomes, recovery of interrupted
//! sends, and the tutor's decisions (retry, confirm, cancel).
//!
//! Every change is one statement guarded by the state it expects
//! (`WHERE id = $1 AND status = …`), so several processes on one database never both
//! claim a message: the loser sees 0 rows affected.

use std::collections::HashMap;

use super::people::Scope;
use super::reminders::Outgoing;
use super::{Result, Store, StoreError};
use crate::model::Ts;
use crate::model::delivery::Failure;
use crate::{with_pool, with_write};

/// The status of a reminder the dashboard may see: an admin all, a tutor those they sent
/// or of courses they tutor.
const VISIBLE_STATUS: &str = "
SELECT r.status FROM reminders r
WHERE r.id = $3 AND ($1 OR r.sender_id = $2
       OR COALESCE(r.course_id, (SELECT e2.course_id FROM enrolments e2 WHERE e2.id = r.enrolment_id))
          IN (SELECT ct.course_id FROM course_tutors ct WHERE ct.person_id = $2))";

const DUE: &str = "
SELECT id FROM reminders
WHERE sender_id = $1 AND ($2 IS NULL OR batch_id = $2)
  AND (status = 'queued' OR (status = 'failed' AND next_try_at IS NOT NULL AND next_try_at <= $3))
ORDER BY id";

const CLAIM: &str = "
UPDATE reminders SET status = 'sending', tries = tries + 1, claimed_at = $2, claimed_by = $3,
       updated_at = $2
WHERE id = $1
  AND (status = 'queued' OR (status = 'failed' AND next_try_at IS NOT NULL AND next_try_at <= $2))
RETURNING id, message_id, batch_id, kind, recipient, subject, body, tries, created_at";

// A send this process claimed may meanwhile have been marked uncertain by another one
// (lease expired); the outcome we know wins.
const MARK_SENT: &str = "
UPDATE reminders SET status = 'sent', sent_at = $2, updated_at = $2, error = NULL, next_try_at = NULL
WHERE id = $1 AND claimed_by = $3 AND status IN ('sending', 'uncertain')";

const MARK_FAILED: &str = "
UPDATE reminders SET status = 'failed', error = $2, next_try_at = $3, updated_at = $4
WHERE id = $1 AND claimed_by = $5 AND status IN ('sending', 'uncertain')";

const SENDING: &str = "SELECT id, claimed_by, claimed_at, sender_id FROM reminders WHERE status = 'sending'";

const MARK_UNCERTAIN: &str = "
UPDATE reminders SET status = 'uncertain', error = $2, updated_at = $3, next_try_at = NULL
WHERE id = $1 AND status = 'sending' AND COALESCE(claimed_by, '') = $4";

impl Store {
    /// Ids this sender should send now (queued, or failed and due again), oldest first.
    pub async fn due_reminders(&self, sender_id: i64, batch: Option<&str>, now: Ts) -> Result<Vec<i64>> {
        Ok(with_pool!(self, |p| sqlx::query_scalar(DUE)
            .bind(sender_id)
            .bind(batch)
            .bind(now)
            .fetch_all(p)
            .await)?)
    }

    /// When this sender's next failed message is due for another try.
    pub async fn next_retry_at(&self, sender_id: i64) -> Result<Option<Ts>> {
        const SQL: &str = "SELECT MIN(next_try_at) FROM reminders WHERE sender_id = $1 AND status = 'failed'";
        Ok(with_pool!(self, |p| sqlx::query_scalar(SQL).bind(sender_id).fetch_one(p).await)?)
    }

    /// Takes a message to send it, committed before the server is contacted. `None`: another
    /// process has it, or it is no longer due.
    pub async fn claim_reminder(&self, id: i64, owner: &str, now: Ts) -> Result<Option<Outgoing>> {
        Ok(with_write!(self, |p| sqlx::query_as(CLAIM)
            .bind(id)
            .bind(now)
            .bind(owner)
            .fetch_optional(p)
            .await)?)
    }

    pub async fn mark_reminder_sent(&self, id: i64, owner: &str, now: Ts) -> Result<bool> {
        let n = with_write!(self, |p| sqlx::query(MARK_SENT)
            .bind(id)
            .bind(now)
            .bind(owner)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// `next_try_at`: when to try again; `None`: failed for good.
    pub async fn mark_reminder_failed(
        &self,
        id: i64,
        owner: &str,
        error: &str,
        next_try_at: Option<Ts>,
        now: Ts,
    ) -> Result<bool> {
        let n = with_write!(self, |p| sqlx::query(MARK_FAILED)
            .bind(id)
            .bind(error)
            .bind(next_try_at)
            .bind(now)
            .bind(owner)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// The server got the whole message but never answered: the tutor will decide.
    pub async fn mark_reminder_uncertain(&self, id: i64, owner: &str, error: &str, now: Ts) -> Result<bool> {
        const SQL: &str =
            "UPDATE reminders SET status = 'uncertain', error = $2, next_try_at = NULL, updated_at = $3
            WHERE id = $1 AND claimed_by = $4 AND status = 'sending'";
        let n = with_write!(self, |p| sqlx::query(SQL)
            .bind(id)
            .bind(error)
            .bind(now)
            .bind(owner)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Marks `uncertain` the sends whose process is gone: `is_dead(claimed_by)` says so for
    /// certain (same machine, process ended), or the claim is older than `lease_secs`.
    pub async fn recover_interrupted(
        &self,
        now: Ts,
        lease_secs: i64,
        is_dead: impl Fn(&str) -> bool,
    ) -> Result<usize> {
        Ok(self.recover_interrupted_sends(now, lease_secs, is_dead).await?.len())
    }

    /// [`Store::recover_interrupted`], returning the sender of each message it marked.
    pub async fn recover_interrupted_sends(
        &self,
        now: Ts,
        lease_secs: i64,
        is_dead: impl Fn(&str) -> bool,
    ) -> Result<Vec<Option<i64>>> {
        // (id, claimed_by, claimed_at, sender_id)
        type Sending = (i64, Option<String>, Option<Ts>, Option<i64>);
        let rows: Vec<Sending> = with_pool!(self, |p| sqlx::query_as(SENDING).fetch_all(p).await)?;
        let mut marked = Vec::new();
        for (id, owner, at, sender) in rows {
            let owner = owner.unwrap_or_default();
            let expired = at.is_none_or(|t| t + lease_secs < now);
            if !(expired || is_dead(&owner)) {
                continue;
            }
            let n = with_write!(self, |p| sqlx::query(MARK_UNCERTAIN)
                .bind(id)
                .bind(Failure::Interrupted.to_db())
                .bind(now)
                .bind(&owner)
                .execute(p)
                .await
                .map(|r| r.rows_affected()))?;
            if n == 1 {
                marked.push(sender);
            }
        }
        Ok(marked)
    }

    /// Gives back a message this process claimed but stopped before transmitting (an
    /// interrupt): `queued` again, its try not counted, as if never claimed.
    pub async fn release_reminder(&self, id: i64, owner: &str, now: Ts) -> Result<bool> {
        const SQL: &str =
            "UPDATE reminders SET status = 'queued', tries = CASE WHEN tries > 0 THEN tries - 1 ELSE 0 END,
               claimed_by = NULL, claimed_at = NULL, updated_at = $2
            WHERE id = $1 AND claimed_by = $3 AND status = 'sending'";
        let n = with_write!(self, |p| sqlx::query(SQL)
            .bind(id)
            .bind(now)
            .bind(owner)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Count of this sender's messages per status (for summaries).
    pub async fn reminder_counts(&self, sender_id: i64, batch: Option<&str>) -> Result<HashMap<String, i64>> {
        const SQL: &str = "SELECT status, COUNT(*) FROM reminders \
                           WHERE sender_id = $1 AND ($2 IS NULL OR batch_id = $2) GROUP BY status";
        let rows: Vec<(String, i64)> =
            with_pool!(self, |p| sqlx::query_as(SQL).bind(sender_id).bind(batch).fetch_all(p).await)?;
        Ok(rows.into_iter().collect())
    }

    /// The Relances tab: newest first, at most `limit` rows, optionally of one status.
    /// Runs a guarded state change on one visible reminder; explains a refusal.
    async fn change_reminder(
        &self,
        scope: &Scope,
        id: i64,
        sql: &'static str,
        from: &[&str],
        now: Ts,
    ) -> Result<()> {
        let n = with_write!(self, |p| sqlx::query(sql)
            .bind(scope.is_admin())
            .bind(scope.person_id())
            .bind(id)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        if n == 1 {
            return Ok(());
        }
        let status: Option<String> = with_pool!(self, |p| sqlx::query_scalar(VISIBLE_STATUS)
            .bind(scope.is_admin())
            .bind(scope.person_id())
            .bind(id)
            .fetch_optional(p)
            .await)?;
        Err(match status {
            None => StoreError::Forbidden(format!("reminder {id} is not one of {}'s", scope.username)),
            Some(s) => StoreError::Invalid(format!("reminder {id} is {s}, not {}", from.join(" or "))),
        })
    }

    pub async fn retry_reminder(&self, scope: &Scope, id: i64, now: Ts) -> Result<()> {
        const SQL: &str = "UPDATE reminders SET status = 'queued', next_try_at = NULL, error = NULL,
               claimed_by = NULL, claimed_at = NULL, sender_id = $2, updated_at = $4
            WHERE id = $3 AND status IN ('failed', 'uncertain') AND $2 > 0 AND ($1 OR sender_id = $2
               OR COALESCE(course_id, (SELECT e2.course_id FROM enrolments e2 WHERE e2.id = enrolment_id))
                  IN (SELECT ct.course_id FROM course_tutors ct WHERE ct.person_id = $2))";
        self.change_reminder(scope, id, SQL, &["failed", "uncertain"], now).await
    }

    pub async fn confirm_reminder(&self, scope: &Scope, id: i64, now: Ts) -> Result<()> {
        const SQL: &str = "UPDATE reminders SET status = 'sent', sent_at = COALESCE(claimed_at, $4),
               error = NULL, updated_at = $4
            WHERE id = $3 AND status = 'uncertain' AND ($1 OR sender_id = $2
               OR COALESCE(course_id, (SELECT e2.course_id FROM enrolments e2 WHERE e2.id = enrolment_id))
                  IN (SELECT ct.course_id FROM course_tutors ct WHERE ct.person_id = $2))";
        self.change_reminder(scope, id, SQL, &["uncertain"], now).await
    }

    pub async fn cancel_reminder(&self, scope: &Scope, id: i64, now: Ts) -> Result<()> {
        const SQL: &str = "UPDATE reminders SET status = 'cancelled', next_try_at = NULL, updated_at = $4
            WHERE id = $3 AND status IN ('queued', 'failed', 'uncertain') AND ($1 OR sender_id = $2
               OR COALESCE(course_id, (SELECT e2.course_id FROM enrolments e2 WHERE e2.id = enrolment_id))
                  IN (SELECT ct.course_id FROM course_tutors ct WHERE ct.person_id = $2))";
        self.change_reminder(scope, id, SQL, &["queued", "failed", "uncertain"], now).await
    }

    /// Cancels what this sender still has queued (in one batch, or all): after the tutor
    /// stopped a sending and chose not to send the rest.
    pub async fn cancel_queued_reminders(&self, sender_id: i64, batch: Option<&str>, now: Ts) -> Result<u64> {
        const SQL: &str = "UPDATE reminders SET status = 'cancelled', next_try_at = NULL, updated_at = $3
            WHERE sender_id = $1 AND ($2 IS NULL OR batch_id = $2)
              AND (status = 'queued' OR (status = 'failed' AND next_try_at IS NOT NULL))";
        Ok(with_write!(self, |p| sqlx::query(SQL)
            .bind(sender_id)
            .bind(batch)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?)
    }
}
