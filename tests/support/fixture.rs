//! Small hand-built databases for tests: every row explicit, so expected figures can be
//! computed by hand.
#![allow(dead_code)]

use tutorat::row;
use tutorat::store::Store;
use tutorat::store::bulk::Tx;

const RECOUNT_WORK: &str = "
UPDATE enrolments SET
  missions_to_grade = (SELECT COUNT(*) FROM lesson_progress pr JOIN lessons l ON l.id = pr.lesson_id
                       WHERE pr.enrolment_id = enrolments.id AND l.course_id = enrolments.course_id
                         AND l.kind = 'mission' AND pr.status = 'completed' AND pr.score IS NULL),
  observations_done = (SELECT COUNT(*) FROM lesson_progress pr JOIN lessons l ON l.id = pr.lesson_id
                       WHERE pr.enrolment_id = enrolments.id AND l.course_id = enrolments.course_id
                         AND l.kind = 'observation' AND pr.status IN ('completed', 'passed', 'failed'))";

pub struct Fx {
    pub tx: Tx,
    next: i64,
}

impl Fx {
    pub async fn new(store: &Store) -> Fx {
        Fx { tx: store.begin_write().await.unwrap(), next: 1000 }
    }

    fn id(&mut self) -> i64 {
        self.next += 1;
        self.next
    }

    pub async fn category(&mut self, name: &str, parent: Option<i64>) -> i64 {
        let id = self.id();
        self.tx
            .insert("categories", &["id", "parent_id", "name", "position"], &[row![id, parent, name, id]])
            .await
            .unwrap();
        id
    }

    pub async fn course(&mut self, short: &str, name: &str, category: Option<i64>) -> i64 {
        let id = self.id();
        self.tx
            .insert(
                "courses",
                &["id", "category_id", "shortname", "fullname", "description", "start_at", "created_at"],
                &[row![id, category, short, name, "", Some(1_700_000_000i64), 1_690_000_000i64]],
            )
            .await
            .unwrap();
        id
    }

    pub async fn lesson(&mut self, course: i64, kind: &str, title: &str) -> i64 {
        let id = self.id();
        self.tx
            .insert(
                "lessons",
                &["id", "course_id", "position", "kind", "title", "points"],
                &[row![id, course, id, kind, title, 10i64]],
            )
            .await
            .unwrap();
        id
    }

    pub async fn person(&mut self, username: &str, first: &str, last: &str) -> i64 {
        let id = self.id();
        self.tx
            .insert(
                "people",
                &["id", "username", "firstname", "lastname", "email", "created_at"],
                &[row![id, username, first, last, Some(format!("{username}@exemple.fr")), 1_690_000_000i64]],
            )
            .await
            .unwrap();
        id
    }

    pub async fn admin(&mut self, username: &str) -> i64 {
        let id = self.person(username, "Ad", "Min").await;
        let sql = "UPDATE people SET is_admin = TRUE WHERE id = $1";
        tutorat::with_txc!(&mut self.tx, |c| sqlx::query(sql).bind(id).execute(c).await.map(|_| ())).unwrap();
        id
    }

    pub async fn tutor(&mut self, course: i64, person: i64) {
        self.tx.insert("course_tutors", &["course_id", "person_id"], &[row![course, person]]).await.unwrap();
    }

    /// An enrolment with its summary figures set directly.
    pub async fn enrol(
        &mut self,
        course: i64,
        person: i64,
        done: i64,
        started: i64,
        time: i64,
        last_access: Option<i64>,
    ) -> i64 {
        let id = self.id();
        self.tx
            .insert(
                "enrolments",
                &[
                    "id",
                    "course_id",
                    "person_id",
                    "kind",
                    "enrolled_at",
                    "start_at",
                    "first_access",
                    "last_access",
                    "lessons_done",
                    "lessons_started",
                    "time_spent",
                ],
                &[row![
                    id,
                    course,
                    person,
                    "mandatory",
                    1_700_000_000i64,
                    Some(1_700_000_000i64),
                    last_access,
                    last_access,
                    done,
                    started,
                    time
                ]],
            )
            .await
            .unwrap();
        id
    }

    /// Commits. The tutor's pending work per enrolment is counted from the progress rows
    /// written (as migration 0003 does for existing databases); the other summary figures
    /// stay as [`Fx::enrol`] set them, so tests can hold impossible ones.
    pub async fn done(self) {
        let mut tx = self.tx;
        tutorat::with_txc!(&mut tx, |c| sqlx::query(RECOUNT_WORK).execute(c).await.map(|_| ())).unwrap();
        tx.sync_identities(&[
            "categories",
            "courses",
            "lessons",
            "people",
            "enrolments",
            "lesson_progress",
            "lesson_comments",
            "reviews",
            "attempts",
            "connections",
            "reminders",
        ])
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
}

impl Fx {
    pub async fn describe(&mut self, course: i64, description: &str, audience: Option<&str>) {
        let sql = "UPDATE courses SET description = $1, audience = $2 WHERE id = $3";
        tutorat::with_txc!(&mut self.tx, |c| sqlx::query(sql)
            .bind(description)
            .bind(audience)
            .bind(course)
            .execute(c)
            .await
            .map(|_| ()))
        .unwrap();
    }

    pub async fn progress(
        &mut self,
        enrolment: i64,
        lesson: i64,
        status: &str,
        score: Option<f64>,
        time: i64,
    ) -> i64 {
        let id = self.id();
        self.tx
            .insert(
                "lesson_progress",
                &[
                    "id",
                    "enrolment_id",
                    "lesson_id",
                    "status",
                    "score",
                    "attempts",
                    "time_spent",
                    "status_at",
                ],
                &[row![id, enrolment, lesson, status, score, 1i64, time, Some(1_700_100_000i64)]],
            )
            .await
            .unwrap();
        id
    }

    pub async fn comment(&mut self, lesson: i64, person: i64, body: &str) {
        let id = self.id();
        self.tx
            .insert(
                "lesson_comments",
                &["id", "lesson_id", "person_id", "created_at", "body"],
                &[row![id, lesson, Some(person), 1_700_000_000i64, body]],
            )
            .await
            .unwrap();
    }

    pub async fn review(&mut self, course: i64, person: Option<i64>, stars: i64, comment: &str, at: i64) {
        let id = self.id();
        self.tx
            .insert(
                "reviews",
                &["id", "course_id", "person_id", "created_at", "stars", "comment"],
                &[row![id, course, person, at, stars, comment]],
            )
            .await
            .unwrap();
    }

    /// Points a category's parent somewhere (to build loops the schema cannot prevent).
    pub async fn reparent(&mut self, category: i64, parent: Option<i64>) {
        let sql = "UPDATE categories SET parent_id = $1 WHERE id = $2";
        tutorat::with_txc!(&mut self.tx, |c| sqlx::query(sql)
            .bind(parent)
            .bind(category)
            .execute(c)
            .await
            .map(|_| ()))
        .unwrap();
    }
}

impl Fx {
    pub async fn set_kind(&mut self, enrolment: i64, kind: &str) {
        let sql = "UPDATE enrolments SET kind = $1 WHERE id = $2";
        tutorat::with_txc!(&mut self.tx, |c| sqlx::query(sql)
            .bind(kind)
            .bind(enrolment)
            .execute(c)
            .await
            .map(|_| ()))
        .unwrap();
    }

    pub async fn lesson_with(
        &mut self,
        course: i64,
        kind: &str,
        title: &str,
        passing: Option<f64>,
        scorm: Option<&str>,
    ) -> i64 {
        let id = self.id();
        self.tx
            .insert(
                "lessons",
                &["id", "course_id", "position", "kind", "title", "points", "passing_score", "scorm_version"],
                &[row![id, course, id, kind, title, 10i64, passing, scorm]],
            )
            .await
            .unwrap();
        id
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn attempt(
        &mut self,
        enrolment: i64,
        lesson: i64,
        number: i64,
        at: i64,
        status: &str,
        score: Option<f64>,
        time: i64,
    ) {
        let id = self.id();
        self.tx
            .insert(
                "attempts",
                &["id", "enrolment_id", "lesson_id", "number", "started_at", "status", "score", "time_spent"],
                &[row![id, enrolment, lesson, number, at, status, score, time]],
            )
            .await
            .unwrap();
    }

    pub async fn connection(&mut self, enrolment: i64, lesson: Option<i64>, at: i64, duration: i64) {
        let id = self.id();
        self.tx
            .insert(
                "connections",
                &["id", "enrolment_id", "lesson_id", "at", "duration"],
                &[row![id, enrolment, lesson, at, duration]],
            )
            .await
            .unwrap();
    }

    pub async fn reminder(&mut self, enrolment: i64, sender: i64, template: &str, status: &str, at: i64) {
        let id = self.id();
        self.tx
            .insert(
                "reminders",
                &[
                    "id",
                    "message_id",
                    "enrolment_id",
                    "sender_id",
                    "template",
                    "recipient",
                    "subject",
                    "body",
                    "status",
                    "created_at",
                    "updated_at",
                    "sent_at",
                ],
                &[row![
                    id,
                    format!("<fixture-{id}@tutorat.test>"),
                    enrolment,
                    Some(sender),
                    template,
                    "learner@exemple.fr",
                    "Relance",
                    "Bonjour",
                    status,
                    at,
                    at,
                    Some(at)
                ]],
            )
            .await
            .unwrap();
    }

    /// Detailed progress (average score, attempts count, status date).
    #[allow(clippy::too_many_arguments)]
    pub async fn progress_full(
        &mut self,
        enrolment: i64,
        lesson: i64,
        status: &str,
        score: Option<f64>,
        average: Option<f64>,
        attempts: i64,
        time: i64,
        status_at: Option<i64>,
    ) -> i64 {
        let id = self.id();
        self.tx
            .insert(
                "lesson_progress",
                &[
                    "id",
                    "enrolment_id",
                    "lesson_id",
                    "status",
                    "score",
                    "average_score",
                    "attempts",
                    "time_spent",
                    "status_at",
                ],
                &[row![id, enrolment, lesson, status, score, average, attempts, time, status_at]],
            )
            .await
            .unwrap();
        id
    }
}
