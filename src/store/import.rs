//! Writes of the CSV import and of session setup: what `crate::import` planned, applied in
//! one transaction, in batches between which a cancellation is honoured (cancelling drops
//! the transaction, so nothing is written) and progress is reported.
//!
//! The plan is made against a [`Snapshot`] of the people; the write checks, inside its
//! transaction, that the people are still what the plan saw ([`Snapshot::digest`]), so a
//! preview left open while someone else imported cannot create duplicates.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};

use super::bulk::Tx;
use super::{Store, StoreError};
use crate::model::{EnrolmentKind, Ts};
use crate::{row, with_txc};

/// A person's fields as the import reads and writes them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, sqlx::FromRow)]
pub struct PersonFields {
    pub username: String,
    pub email: Option<String>,
    /// `monsieur` / `madame` (see `model::person::Civility`).
    pub civility: Option<String>,
    pub firstname: String,
    pub lastname: String,
    pub phone: Option<String>,
    pub phone2: Option<String>,
    pub organisation: Option<String>,
    pub department: Option<String>,
    pub city: Option<String>,
    pub idnumber: Option<String>,
    pub matricule: Option<String>,
    pub suspended: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, sqlx::FromRow)]
pub struct ExistingPerson {
    pub id: i64,
    #[sqlx(flatten)]
    pub fields: PersonFields,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct CourseRef {
    pub id: i64,
    pub shortname: String,
    pub fullname: String,
    pub category_id: Option<i64>,
    pub start_at: Option<Ts>,
    pub end_at: Option<Ts>,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct CohortRef {
    pub id: i64,
    pub name: String,
    pub idnumber: Option<String>,
}

/// What a plan is made against: every person, course and cohort.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub people: Vec<ExistingPerson>,
    pub courses: Vec<CourseRef>,
    pub cohorts: Vec<CohortRef>,
}

impl Snapshot {
    /// A fingerprint of the people (ids and every field the plan reads).
    pub fn digest(&self) -> u64 {
        digest(&self.people)
    }
}

fn digest(people: &[ExistingPerson]) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    people.hash(&mut h);
    h.finish()
}

const PEOPLE: &str = "SELECT id, username, email, civility, firstname, lastname, phone, phone2, \
                      organisation, department, city, idnumber, matricule, suspended \
                      FROM people ORDER BY id";
const COURSES: &str =
    "SELECT id, shortname, fullname, category_id, start_at, end_at FROM courses ORDER BY id";
const COHORTS: &str = "SELECT id, name, idnumber FROM cohorts ORDER BY id";

/// One learner or tutor enrolment asked for by a line (`courseN` and its columns, or a
/// session).
#[derive(Clone, Debug, PartialEq)]
pub struct CourseWrite {
    pub course_id: i64,
    /// A tutor of the course (Moodle's teacher roles) rather than a learner.
    pub tutor: bool,
    pub kind: EnrolmentKind,
    pub group: Option<String>,
    pub start_at: Option<Ts>,
    pub end_at: Option<Ts>,
    pub active: bool,
}

/// One line of an import, ready to write.
#[derive(Clone, Debug, PartialEq)]
pub struct PersonWrite {
    /// The person the line matched; `None`: create one.
    pub existing: Option<i64>,
    /// Write `fields` over the existing person (`--update`, and something changed).
    pub update: bool,
    pub fields: PersonFields,
    /// Cohorts to add the person to, by idnumber or name; missing ones are created.
    pub cohorts: Vec<String>,
    pub courses: Vec<CourseWrite>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WriteSet {
    /// [`Snapshot::digest`] of the snapshot the plan was made against.
    pub digest: u64,
    pub people: Vec<PersonWrite>,
}

/// What cohort sync did to the enrolments of the synced courses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncCounts {
    pub enrolled: u64,
    pub reactivated: u64,
    pub ended: u64,
}

impl SyncCounts {
    pub fn add(&mut self, o: SyncCounts) {
        self.enrolled += o.enrolled;
        self.reactivated += o.reactivated;
        self.ended += o.ended;
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct WriteSummary {
    /// The person of each [`WriteSet::people`] entry, in order.
    #[serde(skip)]
    pub person_ids: Vec<i64>,
    pub created: u64,
    pub updated: u64,
    pub cohorts_created: u64,
    pub cohort_members_added: u64,
    pub enrolments_added: u64,
    pub tutors_added: u64,
    pub groups_created: u64,
    pub group_members_added: u64,
    pub cohort_sync: SyncCounts,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the people in the database changed since the preview; preview again")]
    Stale,
    #[error("cancelled: nothing was written")]
    Cancelled,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for WriteError {
    fn from(e: sqlx::Error) -> Self {
        WriteError::Store(e.into())
    }
}

/// Lines written per batch: cancellation and progress are checked between batches.
pub const BATCH: usize = 500;

/// Progress of a write: (lines done, lines in all).
pub type Progress<'a> = &'a mut (dyn FnMut(usize, usize) + Send);

impl Store {
    /// Every person, course and cohort, for planning an import.
    pub async fn import_snapshot(&self) -> Result<Snapshot, StoreError> {
        Ok(crate::with_pool!(self, |p| {
            let people = sqlx::query_as(PEOPLE).fetch_all(p).await?;
            let courses = sqlx::query_as(COURSES).fetch_all(p).await?;
            let cohorts = sqlx::query_as(COHORTS).fetch_all(p).await?;
            Ok::<_, sqlx::Error>(Snapshot { people, courses, cohorts })
        })?)
    }

    /// Writes an import in one transaction; `cancel` set between two batches rolls it all
    /// back. Fails with [`WriteError::Stale`] when the people changed since the plan.
    pub async fn write_import(
        &self,
        set: &WriteSet,
        now: Ts,
        cancel: &AtomicBool,
        progress: Progress<'_>,
    ) -> Result<WriteSummary, WriteError> {
        let mut tx = self.begin_write().await?;
        let s = write_people(&mut tx, set, now, cancel, progress).await?;
        tx.commit().await?;
        Ok(s)
    }
}

/// The import's writes inside an open transaction (shared with session setup).
pub(crate) async fn write_people(
    tx: &mut Tx,
    set: &WriteSet,
    now: Ts,
    cancel: &AtomicBool,
    progress: Progress<'_>,
) -> Result<WriteSummary, WriteError> {
    let people: Vec<ExistingPerson> = with_txc!(tx, |c| sqlx::query_as(PEOPLE).fetch_all(c).await)?;
    if digest(&people) != set.digest {
        return Err(WriteError::Stale);
    }
    drop(people);
    let mut sum = WriteSummary::default();

    // Cohorts and groups first: few of them, each looked up or created once.
    let mut cohort_ids: HashMap<&str, i64> = HashMap::new();
    for key in set.people.iter().flat_map(|p| p.cohorts.iter()) {
        if !cohort_ids.contains_key(key.as_str()) {
            let (id, created) = cohort_id(tx, key, now).await?;
            sum.cohorts_created += u64::from(created);
            cohort_ids.insert(key, id);
        }
    }
    let mut group_ids: HashMap<(i64, &str), i64> = HashMap::new();
    for c in set.people.iter().flat_map(|p| p.courses.iter()) {
        if let Some(g) = c.group.as_deref()
            && !group_ids.contains_key(&(c.course_id, g))
        {
            let (id, created) = group_id(tx, c.course_id, g, None).await?;
            sum.groups_created += u64::from(created);
            group_ids.insert((c.course_id, g), id);
        }
    }

    let new_count = set.people.iter().filter(|p| p.existing.is_none()).count();
    let mut fresh = reserve_ids(tx, "people", new_count).await?.into_iter();
    sum.person_ids =
        set.people.iter().map(|p| p.existing.or_else(|| fresh.next()).unwrap_or_default()).collect();

    let total = set.people.len();
    for (b, batch) in set.people.chunks(BATCH).enumerate() {
        if cancel.load(Ordering::SeqCst) {
            return Err(WriteError::Cancelled);
        }
        let ids = &sum.person_ids[b * BATCH..b * BATCH + batch.len()];
        let mut inserts = Vec::new();
        let (mut members, mut enrols, mut tutors, mut in_groups) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (p, &id) in batch.iter().zip(ids) {
            let f = &p.fields;
            if p.existing.is_none() {
                inserts.push(row![
                    id,
                    f.username.as_str(),
                    f.firstname.as_str(),
                    f.lastname.as_str(),
                    f.email.clone(),
                    f.phone.clone(),
                    f.phone2.clone(),
                    f.organisation.clone(),
                    f.department.clone(),
                    f.city.clone(),
                    f.idnumber.clone(),
                    f.matricule.clone(),
                    f.civility.clone(),
                    f.suspended,
                    now
                ]);
            } else if p.update {
                update_person(tx, id, f).await?;
                sum.updated += 1;
            }
            for k in &p.cohorts {
                members.push(row![cohort_ids[k.as_str()], id, now]);
            }
            for c in &p.courses {
                if c.tutor {
                    tutors.push(row![c.course_id, id]);
                } else {
                    enrols.push(row![c.course_id, id, c.kind.as_db(), c.active, now, c.start_at, c.end_at]);
                }
                if let Some(g) = c.group.as_deref() {
                    in_groups.push(row![group_ids[&(c.course_id, g)], id]);
                }
            }
        }
        sum.created += inserts.len() as u64;
        tx.insert(
            "people",
            &[
                "id",
                "username",
                "firstname",
                "lastname",
                "email",
                "phone",
                "phone2",
                "organisation",
                "department",
                "city",
                "idnumber",
                "matricule",
                "civility",
                "suspended",
                "created_at",
            ],
            &inserts,
        )
        .await?;
        sum.cohort_members_added +=
            tx.insert_ignore("cohort_members", &["cohort_id", "person_id", "added_at"], &members).await?;
        sum.enrolments_added += tx
            .insert_ignore(
                "enrolments",
                &["course_id", "person_id", "kind", "active", "enrolled_at", "start_at", "end_at"],
                &enrols,
            )
            .await?;
        sum.tutors_added += tx.insert_ignore("course_tutors", &["course_id", "person_id"], &tutors).await?;
        sum.group_members_added +=
            tx.insert_ignore("group_members", &["group_id", "person_id"], &in_groups).await?;
        progress((b * BATCH + batch.len()).min(total), total);
    }
    if cancel.load(Ordering::SeqCst) {
        return Err(WriteError::Cancelled);
    }
    // Courses synced with a cohort that gained members enrol them now.
    if sum.cohort_members_added > 0 {
        let ids: Vec<i64> = cohort_ids.values().copied().collect();
        sum.cohort_sync = super::cohorts::sync_cohorts_courses(tx, &ids, now).await?;
    }
    Ok(sum)
}

async fn update_person(tx: &mut Tx, id: i64, f: &PersonFields) -> Result<(), sqlx::Error> {
    const SQL: &str = "UPDATE people SET email = $2, civility = $3, firstname = $4, lastname = $5, \
                       phone = $6, phone2 = $7, organisation = $8, department = $9, city = $10, \
                       idnumber = $11, matricule = $12, suspended = $13 WHERE id = $1";
    with_txc!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(&f.email)
        .bind(&f.civility)
        .bind(&f.firstname)
        .bind(&f.lastname)
        .bind(&f.phone)
        .bind(&f.phone2)
        .bind(&f.organisation)
        .bind(&f.department)
        .bind(&f.city)
        .bind(&f.idnumber)
        .bind(&f.matricule)
        .bind(f.suspended)
        .execute(c)
        .await
        .map(|_| ()))
}

/// `n` fresh ids for `table`, so that rows can be inserted in bulk with known ids. SQLite:
/// after the largest, which the write lock (BEGIN IMMEDIATE) keeps ours; PostgreSQL: from
/// the identity sequence, which other sessions share.
pub(crate) async fn reserve_ids(tx: &mut Tx, table: &'static str, n: usize) -> Result<Vec<i64>, sqlx::Error> {
    if n == 0 {
        return Ok(Vec::new());
    }
    match tx {
        Tx::Sqlite(t) => {
            let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {table}");
            let max: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut **t).await?;
            Ok((1..=n as i64).map(|i| max + i).collect())
        }
        Tx::Pg(t) => {
            let sql = format!(
                "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"
            );
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(n as i64).fetch_all(&mut **t).await
        }
    }
}

/// The cohort whose idnumber, else name, is `key`; created (name and idnumber `key`, as
/// Moodle's upload does) when there is none. Returns (id, created).
pub(crate) async fn cohort_id(tx: &mut Tx, key: &str, now: Ts) -> Result<(i64, bool), sqlx::Error> {
    const FIND: &str = "SELECT id FROM cohorts WHERE idnumber = $1 OR name = $1 \
                        ORDER BY CASE WHEN idnumber = $1 THEN 0 ELSE 1 END, id LIMIT 1";
    const ADD: &str =
        "INSERT INTO cohorts (name, idnumber, description, created_at) VALUES ($1, $1, '', $2) RETURNING id";
    if let Some(id) = with_txc!(tx, |c| sqlx::query_scalar(FIND).bind(key).fetch_optional(c).await)? {
        return Ok((id, false));
    }
    let id = with_txc!(tx, |c| sqlx::query_scalar(ADD).bind(key).bind(now).fetch_one(c).await)?;
    Ok((id, true))
}

/// The group of `course` named `name`, created when missing. Returns (id, created).
pub(crate) async fn group_id(
    tx: &mut Tx,
    course: i64,
    name: &str,
    idnumber: Option<&str>,
) -> Result<(i64, bool), sqlx::Error> {
    const FIND: &str = "SELECT id FROM course_groups WHERE course_id = $1 AND name = $2 ORDER BY id LIMIT 1";
    const ADD: &str =
        "INSERT INTO course_groups (course_id, name, idnumber) VALUES ($1, $2, $3) RETURNING id";
    if let Some(id) =
        with_txc!(tx, |c| sqlx::query_scalar(FIND).bind(course).bind(name).fetch_optional(c).await)?
    {
        return Ok((id, false));
    }
    let id =
        with_txc!(tx, |c| sqlx::query_scalar(ADD).bind(course).bind(name).bind(idnumber).fetch_one(c).await)?;
    Ok((id, true))
}

/// Where a session course goes: an existing category (or none), or a path to create below
/// an existing one (`parent`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CategoryWrite {
    Keep(Option<i64>),
    Create { parent: Option<i64>, names: Vec<String> },
}

/// A session course to create from a model course (see `crate::import::session`).
#[derive(Clone, Debug, PartialEq)]
pub struct SessionWrite {
    pub model_course_id: i64,
    pub fullname: String,
    pub shortname: String,
    pub category: CategoryWrite,
    pub start_at: Ts,
    pub end_at: Ts,
    pub order: Option<String>,
    /// The course group of the session's learners (made only with an order).
    pub group_name: Option<String>,
    pub tutor_ids: Vec<i64>,
    pub support_course_id: Option<i64>,
    pub learner_kind: EnrolmentKind,
    pub support_kind: EnrolmentKind,
    pub created_by: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SessionSummary {
    pub course_id: i64,
    pub group_id: Option<i64>,
    pub categories_created: u64,
    pub lessons_copied: u64,
    pub tutors_added: u64,
    pub learners_enrolled: u64,
    pub support_enrolled: u64,
    /// The learners' accounts: created, existing, cohorts…
    pub people: WriteSummary,
}

impl Store {
    /// Creates a session in one transaction: the learners' accounts (`learners`, an import
    /// plan's writes), the category path, the course copied from the model with its
    /// lessons, the tutors, the group of the order with the learners in it, the learners'
    /// enrolments and their secondary enrolment in the support course.
    pub async fn create_session(
        &self,
        w: &SessionWrite,
        learners: Option<&WriteSet>,
        now: Ts,
        cancel: &AtomicBool,
        progress: Progress<'_>,
    ) -> Result<SessionSummary, WriteError> {
        const EXISTS: &str = "SELECT id FROM courses WHERE shortname = $1";
        const ADD_CATEGORY: &str = "INSERT INTO categories (parent_id, name, position) \
             VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM categories)) RETURNING id";
        const ADD_COURSE: &str = "
INSERT INTO courses (category_id, shortname, fullname, description, audience, competencies,
                     catalogue_url, start_at, end_at, created_at)
SELECT $1, $2, $3, description, audience, competencies, catalogue_url, $4, $5, $6
FROM courses WHERE id = $7 RETURNING id";
        const COPY_LESSONS: &str = "
INSERT INTO lessons (course_id, position, kind, title, points, passing_score, scorm_version, completion)
SELECT $1, position, kind, title, points, passing_score, scorm_version, completion
FROM lessons WHERE course_id = $2 ORDER BY position, id";
        const ADD_SESSION: &str = "INSERT INTO sessions (course_id, model_course_id, order_id, group_id, \
             support_course_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";

        let mut tx = self.begin_write().await?;
        let taken: Option<i64> =
            with_txc!(&mut tx, |c| sqlx::query_scalar(EXISTS).bind(&w.shortname).fetch_optional(c).await)?;
        if taken.is_some() {
            return Err(WriteError::Invalid(format!(
                "a course with short name {:?} already exists: this session was set up already",
                w.shortname
            )));
        }
        let mut s = SessionSummary::default();
        if let Some(set) = learners {
            s.people = write_people(&mut tx, set, now, cancel, progress).await?;
        }
        let category = match &w.category {
            CategoryWrite::Keep(id) => *id,
            CategoryWrite::Create { parent, names } => {
                let mut parent = *parent;
                for n in names {
                    let id: i64 = with_txc!(&mut tx, |c| sqlx::query_scalar(ADD_CATEGORY)
                        .bind(parent)
                        .bind(n)
                        .fetch_one(c)
                        .await)?;
                    parent = Some(id);
                    s.categories_created += 1;
                }
                parent
            }
        };
        let course: i64 = with_txc!(&mut tx, |c| sqlx::query_scalar(ADD_COURSE)
            .bind(category)
            .bind(&w.shortname)
            .bind(&w.fullname)
            .bind(w.start_at)
            .bind(w.end_at)
            .bind(now)
            .bind(w.model_course_id)
            .fetch_one(c)
            .await)?;
        s.course_id = course;
        s.lessons_copied = with_txc!(&mut tx, |c| sqlx::query(COPY_LESSONS)
            .bind(course)
            .bind(w.model_course_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        let tutors: Vec<_> = w.tutor_ids.iter().map(|&t| row![course, t]).collect();
        s.tutors_added = tx.insert_ignore("course_tutors", &["course_id", "person_id"], &tutors).await?;
        let ids: &[i64] = &s.people.person_ids;
        if let Some(g) = &w.group_name {
            let (gid, _) = group_id(&mut tx, course, g, w.order.as_deref()).await?;
            s.group_id = Some(gid);
            let members: Vec<_> = ids.iter().map(|&p| row![gid, p]).collect();
            tx.insert_ignore("group_members", &["group_id", "person_id"], &members).await?;
        }
        let enrol = |course: i64, kind: EnrolmentKind| -> Vec<_> {
            ids.iter().map(|&p| row![course, p, kind.as_db(), true, now]).collect()
        };
        const ENROL_COLS: &[&str] = &["course_id", "person_id", "kind", "active", "enrolled_at"];
        s.learners_enrolled =
            tx.insert_ignore("enrolments", ENROL_COLS, &enrol(course, w.learner_kind)).await?;
        if let Some(support) = w.support_course_id {
            s.support_enrolled =
                tx.insert_ignore("enrolments", ENROL_COLS, &enrol(support, w.support_kind)).await?;
        }
        with_txc!(&mut tx, |c| sqlx::query(ADD_SESSION)
            .bind(course)
            .bind(w.model_course_id)
            .bind(&w.order)
            .bind(s.group_id)
            .bind(w.support_course_id)
            .bind(w.created_by)
            .bind(now)
            .execute(c)
            .await
            .map(|_| ()))?;
        if cancel.load(Ordering::SeqCst) {
            return Err(WriteError::Cancelled);
        }
        tx.commit().await?;
        Ok(s)
    }
}

impl Store {
    /// Whether this person may import people and set up sessions from the dashboard: an
    /// administrator, or a person flagged as training manager (`people.is_manager`).
    pub async fn can_manage(&self, scope: &super::people::Scope) -> Result<bool, StoreError> {
        const SQL: &str = "SELECT is_admin OR is_manager FROM people WHERE id = $1";
        let Some(p) = &scope.person else { return Ok(false) };
        let v: Option<bool> =
            crate::with_pool!(self, |c| sqlx::query_scalar(SQL).bind(p.id).fetch_optional(c).await)?;
        Ok(v.unwrap_or(false))
    }
}
