//! One course's snapshot into the database, in one transaction. Each table is read once for
//! the course, compared in memory, and only differing rows are written (new rows in batches),
//! so a second sync with nothing changed writes nothing. Platform ids find the rows; rows
//! made in tutorat before the first sync are adopted (same short name, username, title)
//! rather than duplicated. Nothing is deleted: a learner who left ends their enrolment.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};

use super::lookup::select_in;
use super::{ApplyError, ApplyOptions, ConflictIn, CourseChanges, CourseIn, CourseSnapshot, Skipped};
use crate::model::stats::Stats;
use crate::model::{LessonStatus, Ts};
use crate::row;
use crate::store::Store;
use crate::store::bulk::{Tx, Val};
use crate::store::progress::RESUMMARISE;
use crate::with_txc;

type Res<T> = std::result::Result<T, ApplyError>;

impl Tx {
    async fn rollback(self) -> Res<()> {
        match self {
            Tx::Sqlite(t) => t.rollback().await?,
            Tx::Pg(t) => t.rollback().await?,
        }
        Ok(())
    }
}

/// Executes one statement with the given binds inside the transaction.
macro_rules! exec {
    ($tx:expr, $sql:expr $(, $v:expr)* $(,)?) => {
        with_txc!($tx, |c| sqlx::query($sql)$(.bind($v))*.execute(c).await.map(|r| r.rows_affected()))
    };
}

fn check(cancel: &AtomicBool) -> Res<()> {
    if cancel.load(Ordering::Relaxed) { Err(ApplyError::Cancelled) } else { Ok(()) }
}

pub(super) async fn apply(
    store: &Store,
    source: &str,
    snap: &CourseSnapshot,
    opts: &ApplyOptions,
    cancel: &AtomicBool,
) -> Res<CourseChanges> {
    let Some(course) = snap.course.as_ref() else {
        return Err(ApplyError::Refused("no course in the snapshot".into()));
    };
    check(cancel)?;
    let mut tx = store.begin_write().await?;
    let mut w = Writer { tx: &mut tx, source, now: opts.now, ch: CourseChanges::default() };
    let result = w.course(snap, course, opts, cancel).await;
    let ch = std::mem::take(&mut w.ch);
    match result {
        Ok(()) if !opts.dry_run && !cancel.load(Ordering::Relaxed) => tx.commit().await?,
        Ok(()) if opts.dry_run => tx.rollback().await?,
        Ok(()) => {
            tx.rollback().await?;
            return Err(ApplyError::Cancelled);
        }
        Err(e) => {
            let _ = tx.rollback().await;
            return Err(e);
        }
    }
    Ok(ch)
}

struct Writer<'a> {
    tx: &'a mut Tx,
    source: &'a str,
    now: Ts,
    ch: CourseChanges,
}

#[derive(sqlx::FromRow)]
struct CategoryRow {
    id: i64,
    parent_id: Option<i64>,
    name: String,
    position: i64,
}

#[derive(sqlx::FromRow)]
struct CourseRow {
    id: i64,
    category_id: Option<i64>,
    shortname: String,
    fullname: String,
    description: String,
    start_at: Option<Ts>,
    end_at: Option<Ts>,
    external_source: Option<String>,
    external_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct LessonRow {
    id: i64,
    position: i64,
    kind: String,
    title: String,
    scorm_version: Option<String>,
    completion: String,
    external_source: Option<String>,
    external_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: i64,
    username: String,
    firstname: String,
    lastname: String,
    email: Option<String>,
    phone: Option<String>,
    organisation: Option<String>,
    matricule: Option<String>,
    first_access: Option<Ts>,
    last_access: Option<Ts>,
    external_source: Option<String>,
    external_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    id: i64,
    name: String,
    idnumber: Option<String>,
    external_source: Option<String>,
    external_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct EnrolmentRow {
    id: i64,
    person_id: i64,
    active: bool,
    first_access: Option<Ts>,
    last_access: Option<Ts>,
    end_at: Option<Ts>,
    external_source: Option<String>,
    external_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ProgressRow {
    id: i64,
    enrolment_id: i64,
    lesson_id: i64,
    status: String,
    attempts: i64,
    status_at: Option<Ts>,
    score: Option<f64>,
    time_spent: i64,
    location: String,
    suspend_data: String,
    version: i64,
    external_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    id: i64,
    external_id: Option<String>,
    started_at: Ts,
    status: String,
    score: Option<f64>,
    time_spent: i64,
}

const PEOPLE_COLUMNS: &str = "SELECT id, username, firstname, lastname, email, phone, organisation, matricule, \
                              first_access, last_access, external_source, external_id FROM people";

impl Writer<'_> {
    async fn course(
        &mut self,
        snap: &CourseSnapshot,
        course: &CourseIn,
        opts: &ApplyOptions,
        cancel: &AtomicBool,
    ) -> Res<()> {
        let categories = self.categories(snap).await?;
        let category_id = course.category_ext.as_ref().and_then(|c| categories.get(c.as_str()).copied());
        let course_id = self.course_row(course, category_id).await?;
        let lessons = self.lessons(course_id, snap).await?;
        check(cancel)?;
        let people = self.people(snap).await?;
        check(cancel)?;
        self.groups(course_id, snap, &people).await?;
        self.tutors(course_id, &course.ext_id, snap, &people).await?;
        let enrolments = self.enrolments(course_id, &course.ext_id, snap, &people).await?;
        check(cancel)?;
        self.progress(course_id, snap, &people, &enrolments, &lessons, opts.run_id, cancel).await?;
        exec!(&mut *self.tx, "UPDATE courses SET synced_at = $1 WHERE id = $2", snap.read_at, course_id)?;
        check(cancel)
    }

    /// The course's category chain, root first; returns ext id → category id.
    async fn categories(&mut self, snap: &CourseSnapshot) -> Res<HashMap<String, i64>> {
        const BY_EXT: &str = "SELECT id, parent_id, name, position FROM categories \
                              WHERE external_source = $1 AND external_id = $2";
        const ADOPT: &str = "SELECT id, parent_id, name, position FROM categories WHERE external_id IS NULL \
                             AND name = $1 AND (parent_id = $2 OR ($2 IS NULL AND parent_id IS NULL)) ORDER BY id LIMIT 1";
        const UPDATE: &str = "UPDATE categories SET parent_id = $1, name = $2, position = $3, external_source = $4, \
                              external_id = $5 WHERE id = $6";
        const INSERT: &str = "INSERT INTO categories (parent_id, name, position, external_source, external_id) \
                              VALUES ($1, $2, $3, $4, $5) RETURNING id";
        let mut ids = HashMap::new();
        for c in &snap.categories {
            let parent = c.parent_ext.as_ref().and_then(|p| ids.get(p.as_str()).copied());
            let found: Option<CategoryRow> = with_txc!(&mut *self.tx, |x| sqlx::query_as(BY_EXT)
                .bind(self.source)
                .bind(&c.ext_id)
                .fetch_optional(x)
                .await)?;
            let (row, linked) = match found {
                Some(r) => (Some(r), true),
                None => {
                    let r: Option<CategoryRow> = with_txc!(&mut *self.tx, |x| sqlx::query_as(ADOPT)
                        .bind(&c.name)
                        .bind(parent)
                        .fetch_optional(x)
                        .await)?;
                    (r, false)
                }
            };
            let id = match row {
                Some(r) => {
                    if !linked
                        || (r.parent_id, r.name.as_str(), r.position) != (parent, c.name.as_str(), c.position)
                    {
                        exec!(
                            &mut *self.tx,
                            UPDATE,
                            parent,
                            &c.name,
                            c.position,
                            self.source,
                            &c.ext_id,
                            r.id
                        )?;
                        self.ch.categories.updated += 1;
                    }
                    r.id
                }
                None => {
                    let id: i64 = with_txc!(&mut *self.tx, |x| sqlx::query_scalar(INSERT)
                        .bind(parent)
                        .bind(&c.name)
                        .bind(c.position)
                        .bind(self.source)
                        .bind(&c.ext_id)
                        .fetch_one(x)
                        .await)?;
                    self.ch.categories.added += 1;
                    id
                }
            };
            ids.insert(c.ext_id.clone(), id);
        }
        Ok(ids)
    }

    async fn course_row(&mut self, c: &CourseIn, category_id: Option<i64>) -> Res<i64> {
        const COLUMNS: &str = "SELECT id, category_id, shortname, fullname, description, start_at, end_at, \
                               external_source, external_id FROM courses";
        const UPDATE: &str = "UPDATE courses SET category_id = $1, shortname = $2, fullname = $3, description = $4, \
                              start_at = $5, end_at = $6, external_source = $7, external_id = $8 WHERE id = $9";
        const INSERT: &str = "INSERT INTO courses (category_id, shortname, fullname, description, start_at, end_at, \
                              created_at, external_source, external_id) \
                              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
        let by_ext = format!("{COLUMNS} WHERE external_source = $1 AND external_id = $2");
        let by_name = format!("{COLUMNS} WHERE shortname = $1");
        let found: Option<CourseRow> =
            with_txc!(&mut *self.tx, |x| sqlx::query_as(sqlx::AssertSqlSafe(by_ext))
                .bind(self.source)
                .bind(&c.ext_id)
                .fetch_optional(x)
                .await)?;
        let row = match found {
            Some(r) => Some(r),
            None => {
                let r: Option<CourseRow> =
                    with_txc!(&mut *self.tx, |x| sqlx::query_as(sqlx::AssertSqlSafe(by_name.clone()))
                        .bind(&c.shortname)
                        .fetch_optional(x)
                        .await)?;
                match r {
                    Some(r) if r.external_id.is_some() => {
                        return Err(ApplyError::Refused(format!(
                            "short name {:?} already belongs to course {} of {}",
                            c.shortname,
                            r.external_id.unwrap_or_default(),
                            r.external_source.unwrap_or_default()
                        )));
                    }
                    r => r,
                }
            }
        };
        match row {
            Some(r) => {
                let same = r.external_id.as_deref() == Some(c.ext_id.as_str())
                    && r.external_source.as_deref() == Some(self.source)
                    && r.category_id == category_id
                    && r.shortname == c.shortname
                    && r.fullname == c.fullname
                    && r.description == c.description
                    && (r.start_at, r.end_at) == (c.start_at, c.end_at);
                if !same {
                    if r.shortname != c.shortname {
                        // Renamed on the platform: refuse clearly rather than fail on the index.
                        let taken: Option<i64> = with_txc!(&mut *self.tx, |x| sqlx::query_scalar(
                            "SELECT id FROM courses WHERE shortname = $1 AND id <> $2"
                        )
                        .bind(&c.shortname)
                        .bind(r.id)
                        .fetch_optional(x)
                        .await)?;
                        if taken.is_some() {
                            return Err(ApplyError::Refused(format!(
                                "short name {:?} is already used by another course",
                                c.shortname
                            )));
                        }
                    }
                    exec!(
                        &mut *self.tx,
                        UPDATE,
                        category_id,
                        &c.shortname,
                        &c.fullname,
                        &c.description,
                        c.start_at,
                        c.end_at,
                        self.source,
                        &c.ext_id,
                        r.id
                    )?;
                    self.ch.courses.updated += 1;
                }
                Ok(r.id)
            }
            None => {
                let id: i64 = with_txc!(&mut *self.tx, |x| sqlx::query_scalar(INSERT)
                    .bind(category_id)
                    .bind(&c.shortname)
                    .bind(&c.fullname)
                    .bind(&c.description)
                    .bind(c.start_at)
                    .bind(c.end_at)
                    .bind(self.now)
                    .bind(self.source)
                    .bind(&c.ext_id)
                    .fetch_one(x)
                    .await)?;
                self.ch.courses.added += 1;
                Ok(id)
            }
        }
    }

    /// Returns lesson ext id → (lesson id, title).
    async fn lessons(
        &mut self,
        course_id: i64,
        snap: &CourseSnapshot,
    ) -> Res<HashMap<String, (i64, String)>> {
        const EXISTING: &str = "SELECT id, position, kind, title, scorm_version, completion, external_source, \
                                external_id FROM lessons WHERE course_id = $1 ORDER BY position, id";
        const UPDATE: &str = "UPDATE lessons SET position = $1, kind = $2, title = $3, scorm_version = $4, \
                              completion = $5, external_source = $6, external_id = $7 WHERE id = $8";
        const INSERT: &str = "INSERT INTO lessons (course_id, position, kind, title, scorm_version, completion, \
                              external_source, external_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
        let rows: Vec<LessonRow> =
            with_txc!(&mut *self.tx, |x| sqlx::query_as(EXISTING).bind(course_id).fetch_all(x).await)?;
        let mut by_ext: HashMap<String, LessonRow> = HashMap::new();
        let mut unlinked: Vec<LessonRow> = Vec::new();
        for r in rows {
            match (&r.external_source, &r.external_id) {
                (Some(s), Some(e)) if s == self.source => {
                    by_ext.insert(e.clone(), r);
                }
                (None, _) => unlinked.push(r),
                _ => {}
            }
        }
        let mut out = HashMap::new();
        for l in &snap.lessons {
            let found = match by_ext.remove(&l.ext_id) {
                Some(r) => Some(r),
                None => unlinked.iter().position(|r| r.title == l.title).map(|i| unlinked.remove(i)),
            };
            let id = match found {
                Some(r) => {
                    let same = r.external_id.is_some()
                        && r.position == l.position
                        && r.kind == l.kind.as_db()
                        && r.title == l.title
                        && r.scorm_version.as_deref() == l.scorm_version
                        && r.completion == l.completion;
                    if !same {
                        exec!(
                            &mut *self.tx,
                            UPDATE,
                            l.position,
                            l.kind.as_db(),
                            &l.title,
                            l.scorm_version,
                            l.completion,
                            self.source,
                            &l.ext_id,
                            r.id
                        )?;
                        self.ch.lessons.updated += 1;
                    }
                    r.id
                }
                None => {
                    let id: i64 = with_txc!(&mut *self.tx, |x| sqlx::query_scalar(INSERT)
                        .bind(course_id)
                        .bind(l.position)
                        .bind(l.kind.as_db())
                        .bind(&l.title)
                        .bind(l.scorm_version)
                        .bind(l.completion)
                        .bind(self.source)
                        .bind(&l.ext_id)
                        .fetch_one(x)
                        .await)?;
                    self.ch.lessons.added += 1;
                    id
                }
            };
            out.insert(l.ext_id.clone(), (id, l.title.clone()));
        }
        Ok(out)
    }

    /// Returns person ext id → (person id, username); people left out are in `ch.skipped`.
    async fn people(&mut self, snap: &CourseSnapshot) -> Res<HashMap<String, (i64, String)>> {
        const UPDATE: &str = "UPDATE people SET username = $1, firstname = $2, lastname = $3, email = $4, phone = $5, \
                              organisation = $6, matricule = $7, first_access = $8, last_access = $9, \
                              external_source = $10, external_id = $11 WHERE id = $12";
        const TAKEN: &str = "SELECT id FROM people WHERE username = $1 AND id <> $2";
        const COLUMNS: &[&str] = &[
            "username",
            "firstname",
            "lastname",
            "email",
            "phone",
            "organisation",
            "matricule",
            "first_access",
            "last_access",
            "created_at",
            "external_source",
            "external_id",
        ];
        let exts: Vec<String> = snap.people.iter().map(|p| p.ext_id.clone()).collect();
        let rows: Vec<PersonRow> =
            select_in(&mut *self.tx, PEOPLE_COLUMNS, Some(self.source), "external_id", &exts).await?;
        let mut by_ext: HashMap<String, PersonRow> =
            rows.into_iter().filter_map(|r| Some((r.external_id.clone()?, r))).collect();
        let names: Vec<String> = snap
            .people
            .iter()
            .filter(|p| !by_ext.contains_key(&p.ext_id))
            .map(|p| p.username.clone())
            .collect();
        let mut by_name: HashMap<String, PersonRow> =
            select_in(&mut *self.tx, PEOPLE_COLUMNS, None, "username", &names)
                .await?
                .into_iter()
                .map(|r: PersonRow| (r.username.clone(), r))
                .collect();
        let mut out = HashMap::new();
        let mut new_rows = Vec::new();
        for p in &snap.people {
            let (row, linked) = match by_ext.remove(&p.ext_id) {
                Some(r) => (r, true),
                None => match by_name.remove(&p.username) {
                    Some(r) if r.external_id.is_none() => (r, false),
                    Some(_) => {
                        self.ch.skipped.push(Skipped {
                            ext_id: p.ext_id.clone(),
                            username: p.username.clone(),
                            reason: "username_taken",
                        });
                        continue;
                    }
                    None => {
                        new_rows.push(row![
                            p.username.as_str(),
                            p.firstname.as_str(),
                            p.lastname.as_str(),
                            p.email.clone(),
                            p.phone.clone(),
                            p.organisation.clone(),
                            p.matricule.clone(),
                            p.first_access.flatten(),
                            p.last_access.flatten(),
                            self.now,
                            self.source,
                            p.ext_id.as_str(),
                        ]);
                        continue;
                    }
                },
            };
            // Fields the platform did not give keep their stored value.
            let keep = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
            let mut username = p.username.clone();
            if username != row.username {
                let taken: Option<i64> = with_txc!(&mut *self.tx, |x| sqlx::query_scalar(TAKEN)
                    .bind(&username)
                    .bind(row.id)
                    .fetch_optional(x)
                    .await)?;
                if taken.is_some() {
                    username = row.username.clone();
                }
            }
            let new = (
                username.as_str(),
                p.firstname.as_str(),
                p.lastname.as_str(),
                keep(&p.email, &row.email),
                keep(&p.phone, &row.phone),
                keep(&p.organisation, &row.organisation),
                keep(&p.matricule, &row.matricule),
                p.first_access.unwrap_or(row.first_access),
                p.last_access.unwrap_or(row.last_access),
            );
            let old = (
                row.username.as_str(),
                row.firstname.as_str(),
                row.lastname.as_str(),
                row.email.clone(),
                row.phone.clone(),
                row.organisation.clone(),
                row.matricule.clone(),
                row.first_access,
                row.last_access,
            );
            if !linked || new != old || row.external_source.as_deref() != Some(self.source) {
                exec!(
                    &mut *self.tx,
                    UPDATE,
                    new.0,
                    new.1,
                    new.2,
                    new.3,
                    new.4,
                    new.5,
                    new.6,
                    new.7,
                    new.8,
                    self.source,
                    &p.ext_id,
                    row.id
                )?;
                self.ch.people.updated += 1;
            }
            out.insert(p.ext_id.clone(), (row.id, username));
        }
        if !new_rows.is_empty() {
            self.ch.people.added += new_rows.len() as u64;
            self.tx.insert("people", COLUMNS, &new_rows).await?;
            let added: Vec<String> = new_rows
                .iter()
                .filter_map(|r| match r.last() {
                    Some(Val::T(s)) => Some(s.clone()),
                    _ => None,
                })
                .collect();
            let rows: Vec<PersonRow> =
                select_in(&mut *self.tx, PEOPLE_COLUMNS, Some(self.source), "external_id", &added).await?;
            for r in rows {
                if let Some(e) = r.external_id {
                    out.insert(e, (r.id, r.username));
                }
            }
        }
        Ok(out)
    }

    async fn groups(
        &mut self,
        course_id: i64,
        snap: &CourseSnapshot,
        people: &HashMap<String, (i64, String)>,
    ) -> Res<()> {
        const EXISTING: &str = "SELECT id, name, idnumber, external_source, external_id FROM course_groups \
                                WHERE course_id = $1 ORDER BY id";
        const UPDATE: &str = "UPDATE course_groups SET name = $1, idnumber = $2, external_source = $3, \
                              external_id = $4 WHERE id = $5";
        const INSERT: &str = "INSERT INTO course_groups (course_id, name, idnumber, external_source, external_id) \
                              VALUES ($1, $2, $3, $4, $5) RETURNING id";
        const MEMBERS: &str = "SELECT gm.group_id, gm.person_id, gm.external_source FROM group_members gm \
                               JOIN course_groups g ON g.id = gm.group_id WHERE g.course_id = $1";
        const ADD: &str = "INSERT INTO group_members (group_id, person_id, external_source, external_id) \
                           VALUES ($1, $2, $3, $4) ON CONFLICT (group_id, person_id) DO NOTHING";
        const REMOVE: &str = "DELETE FROM group_members WHERE group_id = $1 AND person_id = $2";
        let rows: Vec<GroupRow> =
            with_txc!(&mut *self.tx, |x| sqlx::query_as(EXISTING).bind(course_id).fetch_all(x).await)?;
        let mut by_ext = HashMap::new();
        let mut unlinked = Vec::new();
        for r in rows {
            match (&r.external_source, &r.external_id) {
                (Some(s), Some(e)) if s == self.source => {
                    by_ext.insert(e.clone(), r);
                }
                (None, _) => unlinked.push(r),
                _ => {}
            }
        }
        let mut ids = HashMap::new();
        for g in &snap.groups {
            let found = match by_ext.remove(&g.ext_id) {
                Some(r) => Some(r),
                None => unlinked.iter().position(|r| r.name == g.name).map(|i| unlinked.remove(i)),
            };
            let id = match found {
                Some(r) => {
                    // An idnumber the platform did not give (no group details) is kept.
                    let idnumber = g.idnumber.clone().or(r.idnumber.clone());
                    if r.external_id.is_none() || r.name != g.name || r.idnumber != idnumber {
                        exec!(&mut *self.tx, UPDATE, &g.name, idnumber, self.source, &g.ext_id, r.id)?;
                        self.ch.groups.updated += 1;
                    }
                    r.id
                }
                None => {
                    let id: i64 = with_txc!(&mut *self.tx, |x| sqlx::query_scalar(INSERT)
                        .bind(course_id)
                        .bind(&g.name)
                        .bind(&g.idnumber)
                        .bind(self.source)
                        .bind(&g.ext_id)
                        .fetch_one(x)
                        .await)?;
                    self.ch.groups.added += 1;
                    id
                }
            };
            ids.insert(g.ext_id.as_str(), id);
        }
        let existing: Vec<(i64, i64, Option<String>)> =
            with_txc!(&mut *self.tx, |x| sqlx::query_as(MEMBERS).bind(course_id).fetch_all(x).await)?;
        let have: HashSet<(i64, i64)> = existing.iter().map(|(g, p, _)| (*g, *p)).collect();
        let mut want = HashSet::new();
        for (g, p) in &snap.memberships {
            let (Some(gid), Some((pid, _))) = (ids.get(g.as_str()), people.get(p)) else { continue };
            want.insert((*gid, *pid));
            if !have.contains(&(*gid, *pid)) {
                exec!(&mut *self.tx, ADD, *gid, *pid, self.source, format!("{g}:{p}"))?;
                self.ch.group_members.added += 1;
            }
        }
        for (g, p, src) in &existing {
            if src.as_deref() == Some(self.source) && !want.contains(&(*g, *p)) {
                exec!(&mut *self.tx, REMOVE, *g, *p)?;
                self.ch.group_members.removed += 1;
            }
        }
        Ok(())
    }

    async fn tutors(
        &mut self,
        course_id: i64,
        course_ext: &str,
        snap: &CourseSnapshot,
        people: &HashMap<String, (i64, String)>,
    ) -> Res<()> {
        const EXISTING: &str = "SELECT person_id, external_source FROM course_tutors WHERE course_id = $1";
        const ADD: &str = "INSERT INTO course_tutors (course_id, person_id, external_source, external_id) \
                           VALUES ($1, $2, $3, $4) ON CONFLICT (course_id, person_id) DO NOTHING";
        const REMOVE: &str = "DELETE FROM course_tutors WHERE course_id = $1 AND person_id = $2";
        let existing: Vec<(i64, Option<String>)> =
            with_txc!(&mut *self.tx, |x| sqlx::query_as(EXISTING).bind(course_id).fetch_all(x).await)?;
        let have: HashSet<i64> = existing.iter().map(|(p, _)| *p).collect();
        let mut want = HashSet::new();
        for t in &snap.tutors {
            let Some((pid, _)) = people.get(t) else { continue };
            want.insert(*pid);
            if !have.contains(pid) {
                exec!(&mut *self.tx, ADD, course_id, *pid, self.source, format!("{course_ext}:{t}"))?;
                self.ch.tutors.added += 1;
            }
        }
        // Only the links the sync made go: a tutor added in tutorat stays.
        for (p, src) in &existing {
            if src.as_deref() == Some(self.source) && !want.contains(p) {
                exec!(&mut *self.tx, REMOVE, course_id, *p)?;
                self.ch.tutors.removed += 1;
            }
        }
        Ok(())
    }

    /// Returns person id → enrolment id for the listed learners.
    async fn enrolments(
        &mut self,
        course_id: i64,
        course_ext: &str,
        snap: &CourseSnapshot,
        people: &HashMap<String, (i64, String)>,
    ) -> Res<HashMap<i64, i64>> {
        const EXISTING: &str = "SELECT id, person_id, active, first_access, last_access, end_at, external_source, \
                                external_id FROM enrolments WHERE course_id = $1";
        const UPDATE: &str = "UPDATE enrolments SET active = $1, first_access = $2, last_access = $3, end_at = $4, \
                              external_source = $5, external_id = $6 WHERE id = $7";
        const END: &str = "UPDATE enrolments SET active = FALSE, end_at = $1 WHERE id = $2";
        const IDS: &str = "SELECT person_id, id FROM enrolments WHERE course_id = $1";
        const COLUMNS: &[&str] = &[
            "course_id",
            "person_id",
            "active",
            "enrolled_at",
            "first_access",
            "last_access",
            "external_source",
            "external_id",
        ];
        let rows: Vec<EnrolmentRow> =
            with_txc!(&mut *self.tx, |x| sqlx::query_as(EXISTING).bind(course_id).fetch_all(x).await)?;
        let by_person: HashMap<i64, EnrolmentRow> = rows.into_iter().map(|r| (r.person_id, r)).collect();
        let mut listed = HashSet::new();
        let mut new_rows = Vec::new();
        for l in &snap.learners {
            let Some((pid, _)) = people.get(&l.person_ext) else { continue };
            listed.insert(*pid);
            let ext = format!("{course_ext}:{}", l.person_ext);
            match by_person.get(pid) {
                Some(r) => {
                    let last = l.last_access.unwrap_or(r.last_access);
                    let first = r.first_access.or(last);
                    // Listed again after it ended (re-enrolled): it no longer ends.
                    let end_at = match r.end_at {
                        Some(e) if !r.active && e <= self.now && r.external_source.is_some() => None,
                        e => e,
                    };
                    let same = (r.active, r.first_access, r.last_access, r.end_at)
                        == (l.active, first, last, end_at)
                        && r.external_id.as_deref() == Some(ext.as_str())
                        && r.external_source.as_deref() == Some(self.source);
                    if !same {
                        exec!(&mut *self.tx, UPDATE, l.active, first, last, end_at, self.source, &ext, r.id)?;
                        self.ch.enrolments.updated += 1;
                    }
                }
                None => {
                    let last = l.last_access.flatten();
                    new_rows.push(row![course_id, *pid, l.active, self.now, last, last, self.source, ext]);
                }
            }
        }
        // Learners the platform no longer lists have left the course: the enrolment ends,
        // with its history. Only enrolments the sync made (or adopted) are ended.
        for r in by_person.values() {
            let ours = r.external_source.as_deref() == Some(self.source);
            let open = r.active || r.end_at.is_none_or(|e| e > self.now);
            if ours && open && !listed.contains(&r.person_id) {
                let end = r.end_at.filter(|e| *e <= self.now).unwrap_or(self.now);
                exec!(&mut *self.tx, END, end, r.id)?;
                self.ch.enrolments.removed += 1;
            }
        }
        if !new_rows.is_empty() {
            self.ch.enrolments.added += new_rows.len() as u64;
            self.tx.insert("enrolments", COLUMNS, &new_rows).await?;
        }
        let ids: Vec<(i64, i64)> =
            with_txc!(&mut *self.tx, |x| sqlx::query_as(IDS).bind(course_id).fetch_all(x).await)?;
        Ok(ids.into_iter().collect())
    }

    #[allow(clippy::too_many_arguments)]
    async fn progress(
        &mut self,
        course_id: i64,
        snap: &CourseSnapshot,
        people: &HashMap<String, (i64, String)>,
        enrolments: &HashMap<i64, i64>,
        lessons: &HashMap<String, (i64, String)>,
        run_id: Option<i64>,
        cancel: &AtomicBool,
    ) -> Res<()> {
        const EXISTING: &str = "SELECT pr.id, pr.enrolment_id, pr.lesson_id, pr.status, pr.attempts, pr.status_at, \
                                pr.score, pr.time_spent, pr.location, pr.suspend_data, pr.version, pr.external_id \
                                FROM lesson_progress pr JOIN enrolments e ON e.id = pr.enrolment_id \
                                WHERE e.course_id = $1";
        // A field a tutor corrected: an edit in the audit log that was not undone.
        const CORRECTED: &str = "SELECT DISTINCT a.entity_id, a.field FROM audit_log a \
                                 JOIN enrolments e ON e.id = a.enrolment_id \
                                 WHERE e.course_id = $1 AND a.entity = 'lesson_progress' AND a.action = 'edit' \
                                 AND a.undone_by IS NULL";
        const KNOWN: &str = "SELECT c.progress_id, c.field, c.source_value FROM sync_conflicts c \
                             JOIN enrolments e ON e.id = c.enrolment_id WHERE e.course_id = $1";
        const ATTEMPTS: &str = "SELECT a.id, a.external_id, a.started_at, a.status, a.score, a.time_spent \
                                FROM attempts a JOIN enrolments e ON e.id = a.enrolment_id \
                                WHERE e.course_id = $1 AND a.external_source = $2";
        const UPDATE: &str = "UPDATE lesson_progress SET status = $1, attempts = $2, status_at = $3, score = $4, \
                              time_spent = $5, location = $6, suspend_data = $7, version = version + 1, \
                              updated_at = $8, updated_by = NULL, external_source = $9, external_id = $10 \
                              WHERE id = $11 AND version = $12";
        const LINK: &str = "UPDATE lesson_progress SET external_source = $1, external_id = $2 WHERE id = $3";
        const CONFLICT: &str = "INSERT INTO sync_conflicts (run_id, enrolment_id, lesson_id, progress_id, field, \
                                kept_value, source_value, detected_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        const ATTEMPT_UPDATE: &str = "UPDATE attempts SET started_at = $1, status = $2, score = $3, time_spent = $4 \
                                      WHERE id = $5";
        const PROGRESS_COLUMNS: &[&str] = &[
            "enrolment_id",
            "lesson_id",
            "status",
            "attempts",
            "status_at",
            "score",
            "time_spent",
            "location",
            "suspend_data",
            "version",
            "updated_at",
            "external_source",
            "external_id",
        ];
        const ATTEMPT_COLUMNS: &[&str] = &[
            "enrolment_id",
            "lesson_id",
            "number",
            "started_at",
            "status",
            "score",
            "time_spent",
            "external_source",
            "external_id",
        ];
        if snap.progress.is_empty() {
            return Ok(());
        }
        let rows: Vec<ProgressRow> =
            with_txc!(&mut *self.tx, |x| sqlx::query_as(EXISTING).bind(course_id).fetch_all(x).await)?;
        let mut current: HashMap<(i64, i64), ProgressRow> =
            rows.into_iter().map(|r| ((r.enrolment_id, r.lesson_id), r)).collect();
        let corrected: Vec<(i64, String)> =
            with_txc!(&mut *self.tx, |x| sqlx::query_as(CORRECTED).bind(course_id).fetch_all(x).await)?;
        let corrected: HashSet<(i64, String)> = corrected.into_iter().collect();
        let known: Vec<(i64, String, Option<String>)> =
            with_txc!(&mut *self.tx, |x| sqlx::query_as(KNOWN).bind(course_id).fetch_all(x).await)?;
        let known: HashSet<(i64, String, Option<String>)> = known.into_iter().collect();
        let attempts: Vec<AttemptRow> = with_txc!(&mut *self.tx, |x| sqlx::query_as(ATTEMPTS)
            .bind(course_id)
            .bind(self.source)
            .fetch_all(x)
            .await)?;
        let attempts: HashMap<String, AttemptRow> =
            attempts.into_iter().filter_map(|a| Some((a.external_id.clone()?, a))).collect();

        let mut changed = HashSet::new();
        let mut new_progress = Vec::new();
        let mut new_attempts = Vec::new();
        for (i, p) in snap.progress.iter().enumerate() {
            if i % 500 == 0 {
                check(cancel)?;
            }
            let (Some((pid, username)), Some((lesson_id, title))) =
                (people.get(&p.person_ext), lessons.get(&p.lesson_ext))
            else {
                continue;
            };
            let Some(&enrolment_id) = enrolments.get(pid) else { continue };
            let ext = format!("{}:{}", p.lesson_ext, p.person_ext);
            match current.remove(&(enrolment_id, *lesson_id)) {
                Some(row) => {
                    let stored = stats_of(&row);
                    let mut new = stored.clone();
                    for f in &p.known {
                        let theirs = p.stats.audit_value(*f);
                        if corrected.contains(&(row.id, f.column().to_string())) {
                            let kept = stored.audit_value(*f);
                            if theirs != kept {
                                let fresh =
                                    !known.contains(&(row.id, f.column().to_string(), theirs.clone()));
                                if fresh {
                                    exec!(
                                        &mut *self.tx,
                                        CONFLICT,
                                        run_id,
                                        enrolment_id,
                                        *lesson_id,
                                        row.id,
                                        f.column(),
                                        kept.clone(),
                                        theirs.clone(),
                                        self.now
                                    )?;
                                    self.ch.new_conflicts += 1;
                                }
                                self.ch.conflicts.push(ConflictIn {
                                    username: username.clone(),
                                    lesson: title.clone(),
                                    field: f.column(),
                                    kept,
                                    source: theirs,
                                    new: fresh,
                                });
                            }
                        } else {
                            new.set_audit_value(*f, theirs.as_deref());
                        }
                    }
                    if new != stored {
                        let n = exec!(
                            &mut *self.tx,
                            UPDATE,
                            new.status.as_db(),
                            new.attempts,
                            new.status_at,
                            new.score,
                            new.time_spent,
                            &new.location,
                            &new.suspend_data,
                            self.now,
                            self.source,
                            &ext,
                            row.id,
                            row.version
                        )?;
                        if n > 0 {
                            self.ch.progress.updated += 1;
                            changed.insert(enrolment_id);
                        }
                    } else if row.external_id.as_deref() != Some(ext.as_str()) {
                        exec!(&mut *self.tx, LINK, self.source, &ext, row.id)?;
                        self.ch.progress.updated += 1;
                    }
                }
                None => {
                    let mut s = Stats::default();
                    for f in &p.known {
                        s.set_audit_value(*f, p.stats.audit_value(*f).as_deref());
                    }
                    if s != Stats::default() || !p.attempts.is_empty() {
                        new_progress.push(row![
                            enrolment_id,
                            *lesson_id,
                            Val::S(s.status.as_db()),
                            s.attempts,
                            s.status_at,
                            s.score,
                            s.time_spent,
                            s.location,
                            s.suspend_data,
                            1i64,
                            self.now,
                            self.source,
                            ext.as_str(),
                        ]);
                        changed.insert(enrolment_id);
                    }
                }
            }
            for a in &p.attempts {
                let aext = format!("{ext}:{}", a.number);
                match attempts.get(&aext) {
                    Some(r) => {
                        let same = (r.started_at, r.status.as_str(), r.score, r.time_spent)
                            == (a.started_at, a.status.as_db(), a.score, a.time_spent);
                        if !same {
                            // `cleared` (a tutor's) is never touched.
                            exec!(
                                &mut *self.tx,
                                ATTEMPT_UPDATE,
                                a.started_at,
                                a.status.as_db(),
                                a.score,
                                a.time_spent,
                                r.id
                            )?;
                            self.ch.attempts.updated += 1;
                        }
                    }
                    None => new_attempts.push(row![
                        enrolment_id,
                        *lesson_id,
                        a.number,
                        a.started_at,
                        Val::S(a.status.as_db()),
                        a.score,
                        a.time_spent,
                        self.source,
                        aext,
                    ]),
                }
            }
        }
        self.ch.progress.added += new_progress.len() as u64;
        self.ch.attempts.added += new_attempts.len() as u64;
        self.tx.insert("lesson_progress", PROGRESS_COLUMNS, &new_progress).await?;
        self.tx.insert("attempts", ATTEMPT_COLUMNS, &new_attempts).await?;
        check(cancel)?;
        self.resummarise(course_id, &changed).await
    }

    /// The enrolments' summary columns follow their progress rows (see `RESUMMARISE`).
    async fn resummarise(&mut self, course_id: i64, changed: &HashSet<i64>) -> Res<()> {
        if changed.len() > 200 {
            // One statement for the whole course beats thousands of small ones.
            let sql = RESUMMARISE.replace("WHERE id = $1", "WHERE course_id = $1");
            debug_assert_ne!(sql, RESUMMARISE);
            exec!(&mut *self.tx, sqlx::AssertSqlSafe(sql), course_id)?;
        } else {
            for id in changed {
                exec!(&mut *self.tx, RESUMMARISE, *id)?;
            }
        }
        Ok(())
    }
}

fn stats_of(r: &ProgressRow) -> Stats {
    Stats {
        status: LessonStatus::from_db(&r.status).unwrap_or(LessonStatus::NotAttempted),
        attempts: r.attempts,
        status_at: r.status_at,
        score: r.score,
        time_spent: r.time_spent,
        location: r.location.clone(),
        suspend_data: r.suspend_data.clone(),
    }
}
