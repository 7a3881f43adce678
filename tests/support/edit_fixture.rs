//! The fixture of the statistics-editor tests (store and screens).
#![allow(dead_code)]

use tutorat::store::Store;

use super::fixture::Fx;

/// Course "Édition" with a SCORM 1.2 quiz (progress: failed, 50 %, 3 attempts, 560 s) and an
/// e-learning module with no progress row; tutors "tutor" and "cotutor"; "stranger" tutors
/// nothing. The learner's enrolment summary matches its rows (0 done, 1 started, 560 s).
pub struct F {
    pub enrolment: i64,
    pub quiz: i64,
    pub module: i64,
    pub course: i64,
}

pub async fn fixture(store: &Store) -> F {
    let mut fx = Fx::new(store).await;
    let tutor = fx.person("tutor", "Marie", "Lefèvre").await;
    let cotutor = fx.person("cotutor", "Karim", "Benali").await;
    fx.person("stranger", "Sans", "Cours").await;
    let learner = fx.person("learner", "Sam", "Agasse").await;
    let course = fx.course("ED", "Édition", None).await;
    fx.tutor(course, tutor).await;
    fx.tutor(course, cotutor).await;
    let quiz = fx.lesson_with(course, "quiz", "Quiz final", Some(80.0), Some("1.2")).await;
    let module = fx.lesson_with(course, "elearning", "Module 1", None, None).await;
    let enrolment = fx.enrol(course, learner, 0, 1, 560, Some(1_700_200_000)).await;
    fx.progress(enrolment, quiz, "failed", Some(50.0), 560).await;
    for n in 1..=3 {
        fx.attempt(enrolment, quiz, n, 1_700_000_000 + n * 1000, "failed", Some(40.0 + n as f64), 180).await;
    }
    let sql = "UPDATE lesson_progress SET attempts = 3, location = 'page 4', suspend_data = 'q1=b' \
               WHERE enrolment_id = $1";
    tutorat::with_txc!(&mut fx.tx, |c| sqlx::query(sql).bind(enrolment).execute(c).await.map(|_| ()))
        .unwrap();
    fx.done().await;
    F { enrolment, quiz, module, course }
}
