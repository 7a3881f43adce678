//! The learners of a course, as compact rows for the tutoring centre's table.

use super::lenient::LInt;
use super::people::Scope;
use super::{Pool, Result, Store, StoreError};
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
/// Text is CAST so that a BLOB in a text column reads as its bytes instead of failing the
/// whole array ("JSON cannot hold BLOB values"); numbers likewise through `N`.
const COURSE_LEARNERS_JSON: &str = concat!(
    "SELECT CAST(json_group_array(json_array(enrolment_id, person_id, CAST(username AS TEXT),
       CAST(firstname AS TEXT), CAST(lastname AS TEXT), CAST(email AS TEXT), CAST(phone AS TEXT),
       CASE typeof(suspended) WHEN 'blob' THEN CAST(suspended AS TEXT) ELSE suspended END,
       CAST(kind AS TEXT),
       CASE typeof(active) WHEN 'blob' THEN CAST(active AS TEXT) ELSE active END,
       CASE typeof(last_access) WHEN 'blob' THEN CAST(last_access AS TEXT) ELSE last_access END,
       CASE typeof(lessons_done) WHEN 'blob' THEN CAST(lessons_done AS TEXT) ELSE lessons_done END,
       CASE typeof(lessons_started) WHEN 'blob' THEN CAST(lessons_started AS TEXT) ELSE lessons_started END,
       CASE typeof(time_spent) WHEN 'blob' THEN CAST(time_spent AS TEXT) ELSE time_spent END,
       CASE typeof(certificate_at) WHEN 'blob' THEN CAST(certificate_at AS TEXT) ELSE certificate_at END,
       CASE typeof(missions_to_grade) WHEN 'blob' THEN CAST(missions_to_grade AS TEXT) ELSE missions_to_grade END,
       CASE typeof(observations_done) WHEN 'blob' THEN CAST(observations_done AS TEXT) ELSE observations_done END
       )) AS BLOB) FROM (",
    course_learners!(),
    ")"
);

/// A JSON value read as text, whatever it is (`null`: none).
#[derive(Default)]
struct JText(Option<String>);

/// A JSON value read as an integer (`null`: none; anything else that is not a 64-bit
/// integer: flagged).
#[derive(Default)]
struct JInt(Option<LInt>);

impl<'de> serde::Deserialize<'de> for JText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = JText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a value")
            }
            fn visit_str<E>(self, v: &str) -> Result<JText, E> {
                Ok(JText(Some(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<JText, E> {
                Ok(JText(Some(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<JText, E> {
                Ok(JText(Some(v.to_string())))
            }
            fn visit_u64<E>(self, v: u64) -> Result<JText, E> {
                Ok(JText(Some(v.to_string())))
            }
            fn visit_f64<E>(self, v: f64) -> Result<JText, E> {
                Ok(JText(Some(v.to_string())))
            }
            fn visit_bool<E>(self, v: bool) -> Result<JText, E> {
                Ok(JText(Some(v.to_string())))
            }
            fn visit_unit<E>(self) -> Result<JText, E> {
                Ok(JText(None))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> serde::Deserialize<'de> for JInt {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = JInt;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E>(self, v: i64) -> Result<JInt, E> {
                Ok(JInt(Some(LInt { value: v, bad: false })))
            }
            fn visit_u64<E>(self, v: u64) -> Result<JInt, E> {
                Ok(JInt(Some(i64::try_from(v).map(|v| LInt { value: v, bad: false }).unwrap_or(LInt::BAD))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<JInt, E> {
                Ok(JInt(Some(LInt::from_f64(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<JInt, E> {
                Ok(JInt(Some(LInt::from_text(v))))
            }
            fn visit_bool<E>(self, v: bool) -> Result<JInt, E> {
                Ok(JInt(Some(LInt { value: i64::from(v), bad: false })))
            }
            fn visit_unit<E>(self) -> Result<JInt, E> {
                Ok(JInt(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A row of [`COURSE_LEARNERS_JSON`]: SQLite's booleans arrive as 0/1.
#[derive(serde::Deserialize)]
struct JsonRow(
    JInt,
    JInt,
    JText,
    JText,
    JText,
    JText,
    JText,
    JInt,
    JText,
    JInt,
    JInt,
    JInt,
    JInt,
    JInt,
    JInt,
    JInt,
    JInt,
);

/// Reads the lenient JSON fields into a row, noting damage.
#[derive(Default)]
struct Damage(bool);

impl Damage {
    fn text(&mut self, t: JText) -> String {
        match t.0 {
            Some(s) => {
                self.0 |= s.contains(char::REPLACEMENT_CHARACTER);
                s
            }
            None => {
                self.0 = true;
                String::new()
            }
        }
    }
    fn opt_text(&mut self, t: JText) -> Option<String> {
        t.0.inspect(|s| self.0 |= s.contains(char::REPLACEMENT_CHARACTER))
    }
    fn int(&mut self, v: JInt) -> i64 {
        let v = v.0.unwrap_or(LInt::BAD);
        self.0 |= v.bad;
        v.value
    }
    fn opt_int(&mut self, v: JInt) -> Option<i64> {
        v.0.map(|v| {
            self.0 |= v.bad;
            v.value
        })
    }
}

impl From<JsonRow> for LearnerRow {
    fn from(r: JsonRow) -> Self {
        let mut d = Damage::default();
        LearnerRow {
            enrolment_id: d.int(r.0),
            person_id: d.int(r.1),
            username: d.text(r.2),
            firstname: d.text(r.3),
            lastname: d.text(r.4),
            email: d.opt_text(r.5),
            phone: d.opt_text(r.6),
            suspended: d.int(r.7) != 0,
            kind: d.text(r.8),
            active: d.int(r.9) != 0,
            last_access: d.opt_int(r.10),
            lessons_done: d.int(r.11),
            lessons_started: d.int(r.12),
            time_spent: d.int(r.13),
            certificate_at: d.opt_int(r.14),
            missions_to_grade: d.int(r.15),
            observations_done: d.int(r.16),
            damaged: d.0,
        }
    }
}

crate::lenient_row!(LearnerRow, |c| Ok(LearnerRow {
    enrolment_id: c.int("enrolment_id")?,
    person_id: c.int("person_id")?,
    username: c.text("username")?,
    firstname: c.text("firstname")?,
    lastname: c.text("lastname")?,
    email: c.opt_text("email")?,
    phone: c.opt_text("phone")?,
    suspended: c.flag("suspended")?,
    kind: c.text("kind")?,
    active: c.flag("active")?,
    last_access: c.opt_int("last_access")?,
    lessons_done: c.int("lessons_done")?,
    lessons_started: c.int("lessons_started")?,
    time_spent: c.int("time_spent")?,
    certificate_at: c.opt_int("certificate_at")?,
    missions_to_grade: c.int("missions_to_grade")?,
    observations_done: c.int("observations_done")?,
    damaged: c.damaged,
}));

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
        let rows = match self.pool() {
            Pool::Sqlite(p) => {
                // Bytes, then lossy: a name that is not valid UTF-8 keeps its row (with `�`).
                let json: Vec<u8> =
                    sqlx::query_scalar(COURSE_LEARNERS_JSON).bind(course_id).fetch_one(p).await?;
                let rows: Vec<JsonRow> = serde_json::from_str(&String::from_utf8_lossy(&json))
                    .map_err(|e| StoreError::Invalid(format!("learners of course {course_id}: {e}")))?;
                rows.into_iter().map(LearnerRow::from).collect()
            }
            Pool::Pg(p) => sqlx::query_as(COURSE_LEARNERS).bind(course_id).fetch_all(p).await?,
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
        let crate::store::Pool::Sqlite(pool) = store.pool() else { unreachable!("a SQLite store") };
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
                damaged: false,
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
