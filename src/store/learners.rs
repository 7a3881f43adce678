//! The learners of a course, as compact rows for the tutoring centre's table.

use super::people::Scope;
use super::{Result, Store, StoreError};
use crate::model::Ts;
use crate::model::learner::LearnerRow;
use crate::with_pool;

/// One row per enrolment, with the tutor's pending work per learner (missions handed in
/// but not graded; observations made), so the counters follow any filter in memory. All of
/// it is read from the enrolment's summary columns, kept in step with its progress rows by
/// every write (see `RESUMMARISE` in `progress.rs`): opening a big course aggregates nothing.
macro_rules! course_learners {
    () => {
        "
SELECT e.id AS enrolment_id, p.id AS person_id, p.username, p.firstname, p.lastname,
       p.email, p.phone, p.suspended, e.kind, e.active, e.last_access,
       e.lessons_done, e.lessons_started, e.time_spent, e.certificate_at,
       e.missions_to_grade, e.observations_done
FROM enrolments e
JOIN people p ON p.id = e.person_id
WHERE e.course_id = $1"
    };
}

const COURSE_LEARNERS: &str = course_learners!();
/// SQLite: the same rows as one JSON array. sqlx hands each SQLite row from its worker
/// thread to the caller on its own (a thread wake-up per row), which cost more than the
/// query itself for 10,000 learners; one value crosses once. Fields in [`JsonRow`] order.
const COURSE_LEARNERS_JSON: &str = concat!(
    "SELECT json_group_array(json_array(enrolment_id, person_id, username, firstname, lastname,
       email, phone, suspended, kind, active, last_access, lessons_done, lessons_started,
       time_spent, certificate_at, missions_to_grade, observations_done)) FROM (",
    course_learners!(),
    ")"
);

/// A row of [`COURSE_LEARNERS_JSON`]: SQLite's booleans arrive as 0/1.
#[derive(serde::Deserialize)]
struct JsonRow(
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    String,
    i64,
    Option<Ts>,
    i64,
    i64,
    i64,
    Option<Ts>,
    i64,
    i64,
);

impl From<JsonRow> for LearnerRow {
    fn from(r: JsonRow) -> Self {
        LearnerRow {
            enrolment_id: r.0,
            person_id: r.1,
            username: r.2,
            firstname: r.3,
            lastname: r.4,
            email: r.5,
            phone: r.6,
            suspended: r.7 != 0,
            kind: r.8,
            active: r.9 != 0,
            last_access: r.10,
            lessons_done: r.11,
            lessons_started: r.12,
            time_spent: r.13,
            certificate_at: r.14,
            missions_to_grade: r.15,
            observations_done: r.16,
        }
    }
}

const OBSERVATION_LESSONS: &str =
    "SELECT COUNT(*) FROM lessons WHERE course_id = $1 AND kind = 'observation'";

/// A course's learners, with the lesson count their progress is measured against.
#[derive(Clone, Debug, PartialEq)]
pub struct CourseLearners {
    pub course_id: i64,
    pub lessons_total: i64,
    /// Observation lessons of the course: each learner has that many observations to make.
    pub observation_lessons: i64,
    pub rows: Vec<LearnerRow>,
}

impl Store {
    pub async fn course_learners(&self, scope: &Scope, course_id: i64) -> Result<CourseLearners> {
        if !self.can_see_course(scope, course_id).await? {
            return Err(StoreError::Forbidden(format!(
                "{} does not tutor course {course_id}",
                scope.username
            )));
        }
        let lessons_total = self.lessons_total(course_id).await?;
        let observation_lessons: i64 =
            with_pool!(self, |p| sqlx::query_scalar(OBSERVATION_LESSONS).bind(course_id).fetch_one(p).await)?;
        let rows = match self {
            Store::Sqlite(p) => {
                let json: String =
                    sqlx::query_scalar(COURSE_LEARNERS_JSON).bind(course_id).fetch_one(p).await?;
                let rows: Vec<JsonRow> = serde_json::from_str(&json)
                    .map_err(|e| StoreError::Invalid(format!("learners of course {course_id}: {e}")))?;
                rows.into_iter().map(LearnerRow::from).collect()
            }
            Store::Pg(p) => sqlx::query_as(COURSE_LEARNERS).bind(course_id).fetch_all(p).await?,
        };
        Ok(CourseLearners { course_id, lessons_total, observation_lessons, rows })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::people::Person;
    use crate::store::{ConnectOptions, DbTarget, demo};

    /// The SQLite path reads the learners as one JSON array: it must give back exactly the
    /// rows the plain query gives, hostile text, NULLs and booleans included.
    #[tokio::test]
    async fn the_sqlite_json_path_returns_what_the_plain_query_returns() {
        let dir = tempfile::tempdir().unwrap();
        let target = DbTarget::Sqlite(dir.path().join("t.sqlite"));
        let store = Store::connect(&target, &ConnectOptions::default()).await.unwrap();
        store.migrate(&target.label()).await.unwrap();
        demo::load(&store, 1_763_804_800).await.unwrap();
        let Store::Sqlite(pool) = &store else { unreachable!("a SQLite store") };
        let nasty = [
            ("Zoë \"quoted\" \\ back\\slash", "O'Neil\u{1b}[31m", None),
            ("李小龙 🎓", "Tab\tNew\nLine\u{0}", Some("")),
            ("\u{202E}Bidi", "Zoe\u{0301}", Some("x@y.fr")),
        ];
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM people ORDER BY id LIMIT 3 OFFSET 5")
            .fetch_all(pool)
            .await
            .unwrap();
        for (id, (first, last, email)) in ids.iter().zip(nasty) {
            sqlx::query("UPDATE people SET firstname = $1, lastname = $2, email = $3, phone = NULL, suspended = TRUE WHERE id = $4")
                .bind(first)
                .bind(last)
                .bind(email)
                .bind(id)
                .execute(pool)
                .await
                .unwrap();
        }
        let admin = Scope {
            username: "admin".into(),
            person: Some(Person {
                id: -1,
                username: "admin".into(),
                firstname: String::new(),
                lastname: String::new(),
                email: None,
                is_admin: true,
            }),
        };
        let courses: Vec<i64> = sqlx::query_scalar("SELECT id FROM courses").fetch_all(pool).await.unwrap();
        let (mut rows, mut hostile) = (0, 0);
        for c in courses {
            let mut fast = store.course_learners(&admin, c).await.unwrap().rows;
            let mut plain: Vec<LearnerRow> =
                sqlx::query_as(COURSE_LEARNERS).bind(c).fetch_all(pool).await.unwrap();
            fast.sort_by_key(|r| r.enrolment_id);
            plain.sort_by_key(|r| r.enrolment_id);
            assert_eq!(fast, plain, "course {c}");
            rows += plain.len();
            hostile += plain.iter().filter(|r| ids.contains(&r.person_id)).count();
        }
        assert!(rows > 100 && hostile > 0, "{rows} rows, {hostile} of the hostile learners");
    }
}
