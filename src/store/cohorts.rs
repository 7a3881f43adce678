//! Cohorts: named sets of people (Moodle's site cohorts), filled by the import, and the
//! courses synced with them. A synced course enrols every member; when members leave, the
//! enrolments the sync made are ended (inactive, with an end date), never deleted, so the
//! learner's history stays. Enrolments made otherwise are never touched by a sync.

use super::bulk::Tx;
use super::import::SyncCounts;
use super::{Result, Store, StoreError};
use crate::model::Ts;
use crate::{with_pool, with_txc};

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct CohortSummary {
    pub id: i64,
    pub name: String,
    pub idnumber: Option<String>,
    pub description: String,
    pub created_at: Ts,
    pub members: i64,
    pub courses: i64,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct CohortMember {
    pub person_id: i64,
    pub username: String,
    pub firstname: String,
    pub lastname: String,
    pub email: Option<String>,
    pub added_at: Ts,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct CohortCourse {
    pub course_id: i64,
    pub shortname: String,
    pub fullname: String,
    pub linked_at: Ts,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CohortDetail {
    pub cohort: CohortSummary,
    pub members: Vec<CohortMember>,
    pub courses: Vec<CohortCourse>,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct CohortSyncReport {
    /// The course was not synced with the cohort before.
    pub newly_linked: bool,
    pub course_id: i64,
    #[serde(flatten)]
    pub counts: SyncCounts,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct RemoveReport {
    pub removed: u64,
    /// Asked for, but not members of the cohort.
    pub not_members: Vec<String>,
    #[serde(flatten)]
    pub counts: SyncCounts,
}

const SUMMARIES: &str = "
SELECT c.id, c.name, c.idnumber, c.description, c.created_at,
       CAST((SELECT COUNT(*) FROM cohort_members m WHERE m.cohort_id = c.id) AS BIGINT) AS members,
       CAST((SELECT COUNT(*) FROM cohort_courses k WHERE k.cohort_id = c.id) AS BIGINT) AS courses
FROM cohorts c";

/// The cohort named `$1`, else the one whose idnumber is `$1`.
const FIND: &str = "SELECT id FROM cohorts WHERE name = $1 OR idnumber = $1 \
                    ORDER BY CASE WHEN name = $1 THEN 0 ELSE 1 END, id LIMIT 1";

impl Store {
    pub async fn cohorts(&self) -> Result<Vec<CohortSummary>> {
        let sql = format!("{SUMMARIES} ORDER BY c.name, c.id");
        Ok(with_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await)?)
    }

    /// A cohort by name (or idnumber), with its members and synced courses.
    pub async fn cohort(&self, name: &str) -> Result<Option<CohortDetail>> {
        const MEMBERS: &str = "
SELECT p.id AS person_id, p.username, p.firstname, p.lastname, p.email, m.added_at
FROM cohort_members m JOIN people p ON p.id = m.person_id
WHERE m.cohort_id = $1 ORDER BY p.lastname, p.firstname, p.id";
        const COURSES: &str = "
SELECT c.id AS course_id, c.shortname, c.fullname, k.linked_at
FROM cohort_courses k JOIN courses c ON c.id = k.course_id
WHERE k.cohort_id = $1 ORDER BY c.shortname";
        let one = format!("{SUMMARIES} WHERE c.id = $1");
        Ok(with_pool!(self, |p| {
            let Some(id): Option<i64> = sqlx::query_scalar(FIND).bind(name).fetch_optional(p).await? else {
                return Ok(None);
            };
            let cohort = sqlx::query_as(sqlx::AssertSqlSafe(one)).bind(id).fetch_one(p).await?;
            let members = sqlx::query_as(MEMBERS).bind(id).fetch_all(p).await?;
            let courses = sqlx::query_as(COURSES).bind(id).fetch_all(p).await?;
            Ok::<_, sqlx::Error>(Some(CohortDetail { cohort, members, courses }))
        })?)
    }

    /// Syncs `course` with the cohort (once; again is harmless) and brings the enrolments
    /// of every course synced with it up to date. With `dry_run` the same work is done in
    /// a transaction that is rolled back, so the counts are exact and nothing stays.
    pub async fn sync_cohort(
        &self,
        cohort: &str,
        course: &str,
        now: Ts,
        dry_run: bool,
    ) -> Result<CohortSyncReport> {
        const COURSE: &str = "SELECT id FROM courses WHERE shortname = $1";
        const LINK: &str = "INSERT INTO cohort_courses (cohort_id, course_id, linked_at) VALUES ($1, $2, $3) \
                            ON CONFLICT DO NOTHING";
        let mut tx = self.begin_write().await?;
        let cohort_id = find(&mut tx, cohort).await?;
        let Some(course_id): Option<i64> =
            with_txc!(&mut tx, |c| sqlx::query_scalar(COURSE).bind(course).fetch_optional(c).await)?
        else {
            return Err(StoreError::Invalid(format!("no course with short name {course:?}")));
        };
        let linked = with_txc!(&mut tx, |c| sqlx::query(LINK)
            .bind(cohort_id)
            .bind(course_id)
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        let counts = sync_cohorts_courses(&mut tx, &[cohort_id], now).await?;
        if !dry_run {
            tx.commit().await?;
        }
        Ok(CohortSyncReport { newly_linked: linked > 0, course_id, counts })
    }

    /// Takes people out of a cohort; the courses synced with it end the enrolments it made
    /// for them (unless another synced cohort still holds them).
    pub async fn remove_cohort_members(
        &self,
        cohort: &str,
        usernames: &[String],
        now: Ts,
        dry_run: bool,
    ) -> Result<RemoveReport> {
        const PERSON: &str = "SELECT id FROM people WHERE username = $1";
        const REMOVE: &str = "DELETE FROM cohort_members WHERE cohort_id = $1 AND person_id = $2";
        let mut tx = self.begin_write().await?;
        let cohort_id = find(&mut tx, cohort).await?;
        let mut report = RemoveReport::default();
        for u in usernames {
            let Some(pid): Option<i64> =
                with_txc!(&mut tx, |c| sqlx::query_scalar(PERSON).bind(u).fetch_optional(c).await)?
            else {
                return Err(StoreError::Invalid(format!("nobody has the username {u:?}")));
            };
            let n = with_txc!(&mut tx, |c| sqlx::query(REMOVE)
                .bind(cohort_id)
                .bind(pid)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            if n == 0 {
                report.not_members.push(u.clone());
            }
            report.removed += n;
        }
        report.counts = sync_cohorts_courses(&mut tx, &[cohort_id], now).await?;
        if !dry_run {
            tx.commit().await?;
        }
        Ok(report)
    }
}

async fn find(tx: &mut Tx, cohort: &str) -> Result<i64> {
    with_txc!(tx, |c| sqlx::query_scalar(FIND).bind(cohort).fetch_optional(c).await)?
        .ok_or_else(|| StoreError::Invalid(format!("no cohort named {cohort:?}")))
}

/// Brings up to date the enrolments of every course synced with one of `cohorts`.
pub(crate) async fn sync_cohorts_courses(
    tx: &mut Tx,
    cohorts: &[i64],
    now: Ts,
) -> Result<SyncCounts, sqlx::Error> {
    const COURSES: &str = "SELECT DISTINCT course_id FROM cohort_courses WHERE cohort_id = $1";
    let mut courses = Vec::new();
    for id in cohorts {
        let mut c: Vec<i64> = with_txc!(tx, |c| sqlx::query_scalar(COURSES).bind(id).fetch_all(c).await)?;
        courses.append(&mut c);
    }
    courses.sort_unstable();
    courses.dedup();
    let mut total = SyncCounts::default();
    for course in courses {
        total.add(sync_course(tx, course, now).await?);
    }
    Ok(total)
}

/// People who should be enrolled in course `$1`: members of any cohort synced with it.
macro_rules! wanted {
    () => {
        "SELECT m.person_id FROM cohort_members m \
         JOIN cohort_courses k ON k.cohort_id = m.cohort_id WHERE k.course_id = $1"
    };
}

const ENROL: &str = "
INSERT INTO enrolments (course_id, person_id, kind, active, enrolled_at, cohort_id)
SELECT $1, m.person_id, 'mandatory', TRUE, $2, MIN(m.cohort_id)
FROM cohort_members m JOIN cohort_courses k ON k.cohort_id = m.cohort_id
WHERE k.course_id = $1
  AND NOT EXISTS (SELECT 1 FROM enrolments e WHERE e.course_id = $1 AND e.person_id = m.person_id)
GROUP BY m.person_id";
const REOPEN: &str = concat!(
    "UPDATE enrolments SET active = TRUE, end_at = NULL \
     WHERE course_id = $1 AND cohort_id IS NOT NULL AND NOT active AND person_id IN (",
    wanted!(),
    ")"
);
// A member who left the cohort that enrolled them but is in another synced cohort stays,
// now on behalf of that one.
const REHOME: &str = concat!(
    "UPDATE enrolments SET cohort_id = (SELECT MIN(m.cohort_id) FROM cohort_members m \
         JOIN cohort_courses k ON k.cohort_id = m.cohort_id \
         WHERE k.course_id = $1 AND m.person_id = enrolments.person_id) \
     WHERE course_id = $1 AND cohort_id IS NOT NULL \
       AND NOT EXISTS (SELECT 1 FROM cohort_members m JOIN cohort_courses k ON k.cohort_id = m.cohort_id \
                       WHERE k.course_id = $1 AND m.cohort_id = enrolments.cohort_id \
                         AND m.person_id = enrolments.person_id) \
       AND person_id IN (",
    wanted!(),
    ")"
);
const END: &str = concat!(
    "UPDATE enrolments SET active = FALSE, end_at = $2 \
     WHERE course_id = $1 AND cohort_id IS NOT NULL AND active AND person_id NOT IN (",
    wanted!(),
    ")"
);

/// One course against the members of the cohorts synced with it: enrols the missing,
/// reopens the sync's own enrolments of members who came back, ends those of people who
/// left every synced cohort.
pub(crate) async fn sync_course(tx: &mut Tx, course: i64, now: Ts) -> Result<SyncCounts, sqlx::Error> {
    let run = async |tx: &mut Tx, sql: &'static str, with_now: bool| {
        with_txc!(tx, |c| {
            let q = sqlx::query(sql).bind(course);
            let q = if with_now { q.bind(now) } else { q };
            q.execute(c).await.map(|r| r.rows_affected())
        })
    };
    let enrolled = run(tx, ENROL, true).await?;
    let reactivated = run(tx, REOPEN, false).await?;
    run(tx, REHOME, false).await?;
    let ended = run(tx, END, true).await?;
    Ok(SyncCounts { enrolled, reactivated, ended })
}
