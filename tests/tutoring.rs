//! Tab 2 — Centre de tutorat and the learner report: figures on both databases, screens,
//! flows, and inconsistent data.

mod support;

use crossterm::event::KeyCode;
use support::fixture::Fx;
use support::ui::{self, NOW};
use tutorat::locale::Lang;
use tutorat::model::report::Issue;
use tutorat::model::{EnrolmentKind, EnrolmentStatus};
use tutorat::store::Store;
use tutorat::store::demo;
use tutorat::store::progress::{SaveOutcome, StatsEdit};
use tutorat::tui::app::{App, Layer, Tab};
use tutorat::tui::command::Cmd;
use tutorat::tui::views::report::{CompRow, RSection};
use tutorat::tui::views::tutoring::TutoringView;

const DAY: i64 = 86_400;

/// Course "Tutorat test" (4 lessons: e-learning, quiz, mission, observation), learners:
/// A (mandatory) finished everything; B (recommended) did the e-learning and handed in the
/// mission; C (free) never came; D (mandatory) only opened the course.
/// A is also in "Autre cours" (tutored) and "Cours caché" (not tutored).
struct Fixture {
    course: i64,
    other: i64,
    empty: i64,
    ea: i64,
    ea_other: i64,
    eb: i64,
    elearning: i64,
    mission: i64,
    observation: i64,
}

async fn fixture(store: &Store) -> Fixture {
    let mut fx = Fx::new(store).await;
    let tutor = fx.person("tutor", "Tu", "Tor").await;
    let someone = fx.person("other.tutor", "Au", "Tre").await;
    let cat = fx.category("Catégorie", None).await;
    let course = fx.course("TT", "Tutorat test", Some(cat)).await;
    let other = fx.course("AUTRE", "Autre cours", Some(cat)).await;
    let hidden = fx.course("CACHE", "Cours caché", Some(cat)).await;
    let empty = fx.course("VIDE", "Cours sans apprenant", Some(cat)).await;
    for c in [course, other, empty] {
        fx.tutor(c, tutor).await;
    }
    fx.tutor(hidden, someone).await;
    let elearning = fx.lesson_with(course, "elearning", "Module 1", None, Some("1.2")).await;
    let quiz = fx.lesson_with(course, "quiz", "Quiz", Some(80.0), Some("2004")).await;
    let mission = fx.lesson_with(course, "mission", "Mission", None, None).await;
    let observation = fx.lesson_with(course, "observation", "Observation", Some(50.0), None).await;
    fx.lesson_with(other, "elearning", "Autre module", None, None).await;

    let a = fx.person("alice", "Alice", "Aubert").await;
    let b = fx.person("bruno", "Bruno", "Blanc").await;
    let c = fx.person("chloe", "Chloé", "Colin").await;
    let d = fx.person("denis", "Denis", "Dumas").await;
    let ea = fx.enrol(course, a, 4, 4, 5000, Some(NOW - DAY)).await;
    let eb = fx.enrol(course, b, 1, 2, 700, Some(NOW - 2 * DAY)).await;
    let ec = fx.enrol(course, c, 0, 0, 0, None).await;
    let ed = fx.enrol(course, d, 0, 0, 0, Some(NOW - 3 * DAY)).await;
    fx.set_kind(eb, "recommended").await;
    fx.set_kind(ec, "free").await;
    let _ = ed;
    let ea_other = fx.enrol(other, a, 0, 0, 0, None).await;
    fx.enrol(hidden, a, 0, 0, 0, None).await;

    let t0 = NOW - 30 * DAY;
    fx.progress_full(ea, elearning, "completed", None, None, 2, 1000, Some(t0 + 2 * DAY)).await;
    fx.progress_full(ea, quiz, "passed", Some(90.0), Some(75.0), 3, 1000, Some(t0 + 5 * DAY)).await;
    fx.progress_full(ea, mission, "passed", Some(70.0), Some(70.0), 1, 2000, Some(t0 + 6 * DAY)).await;
    fx.progress_full(ea, observation, "passed", Some(60.0), Some(60.0), 1, 1000, Some(t0 + 7 * DAY)).await;
    fx.attempt(ea, elearning, 1, t0, "incomplete", None, 400).await;
    fx.attempt(ea, elearning, 2, t0 + 2 * DAY, "completed", None, 600).await;
    fx.attempt(ea, quiz, 1, t0 + 3 * DAY, "failed", Some(60.0), 300).await;
    fx.attempt(ea, quiz, 2, t0 + 4 * DAY, "failed", Some(75.0), 300).await;
    fx.attempt(ea, quiz, 3, t0 + 5 * DAY, "passed", Some(90.0), 400).await;
    fx.attempt(ea, mission, 1, t0 + 6 * DAY, "passed", Some(70.0), 2000).await;
    fx.attempt(ea, observation, 1, t0 + 7 * DAY, "passed", Some(60.0), 1000).await;
    fx.connection(ea, Some(elearning), t0, 400).await;
    fx.connection(ea, Some(quiz), t0 + 3 * DAY, 300).await;
    fx.connection(ea, None, NOW - DAY, 60).await;
    fx.reminder(ea, tutor, "jamais_connecte", "sent", t0 - DAY).await;

    fx.progress_full(eb, elearning, "completed", None, None, 1, 500, Some(NOW - 2 * DAY)).await;
    fx.progress_full(eb, mission, "completed", None, None, 1, 200, Some(NOW - 2 * DAY)).await; // to grade
    fx.done().await;
    Fixture { course, other, empty, ea, ea_other, eb, elearning, mission, observation }
}

both!(counters_statuses_and_totals_match_the_fixture, |db| {
    let f = fixture(&db.store).await;
    let scope = db.store.scope_for("tutor").await.unwrap();
    let l = db.store.course_learners(&scope, f.course).await.unwrap();
    assert_eq!((l.lessons_total, l.observation_lessons, l.rows.len()), (4, 1, 4));
    let by = |u: &str| l.rows.iter().find(|r| r.username == u).unwrap();
    assert_eq!(by("alice").status(4), EnrolmentStatus::Completed);
    assert_eq!(by("bruno").status(4), EnrolmentStatus::InProgress);
    assert_eq!(by("chloe").status(4), EnrolmentStatus::NotStarted);
    assert_eq!(by("denis").status(4), EnrolmentStatus::NotStarted, "opened the course, started no lesson");
    assert_eq!(by("alice").progress(4), Some(100));
    assert_eq!(by("bruno").progress(4), Some(25));
    assert_eq!((by("bruno").missions_to_grade, by("bruno").observations_done), (1, 0));
    assert_eq!((by("alice").missions_to_grade, by("alice").observations_done), (0, 1));
    assert_eq!(by("bruno").kind(), Some(EnrolmentKind::Recommended));
    assert_eq!(l.rows.iter().map(|r| r.time_spent).sum::<i64>(), 5700);
    let to_do: i64 = l.rows.iter().map(|r| r.observations_to_do(l.observation_lessons)).sum();
    assert_eq!(to_do, 3);

    // The report reads the same figures lesson by lesson.
    let r = db.store.learner_report(&scope, f.ea).await.unwrap();
    assert_eq!(r.header.time_spent, r.lessons.iter().filter_map(|x| x.time_spent).sum::<i64>());
    assert_eq!(r.lessons.len(), 4);
    assert_eq!(r.attempts.len(), 7);
    assert_eq!(r.connections.len(), 3);
    assert!(r.connections[0].at > r.connections[1].at, "most recent first");
    assert_eq!(r.reminders.len(), 1);
    let mut courses: Vec<String> = r.courses.iter().map(|c| c.shortname.clone()).collect();
    courses.sort();
    assert_eq!(courses, ["AUTRE", "TT"], "the course of another tutor is not listed");
    let quiz = r.lessons.iter().find(|x| x.kind == "quiz").unwrap();
    assert_eq!(
        (quiz.score, quiz.average_score, quiz.attempts, quiz.passing_score),
        (Some(90.0), Some(75.0), Some(3), Some(80.0))
    );
    let module = r.lessons.iter().find(|x| x.lesson_id == f.elearning).unwrap();
    assert_eq!(module.score, None);
    // B has no row for the quiz: the lesson is listed with empty progress.
    let rb = db.store.learner_report(&scope, f.eb).await.unwrap();
    assert_eq!(rb.lessons.iter().filter(|x| x.progress_id.is_none()).count(), 2);

    // Scoping: another tutor cannot open these reports.
    let other = db.store.scope_for("other.tutor").await.unwrap();
    assert!(db.store.learner_report(&other, f.ea).await.is_err());
});

/// The centre's header counters as the tutor would see them now.
async fn work(store: &Store, course: i64) -> (i64, i64) {
    let scope = store.scope_for("tutor").await.unwrap();
    let mut view = TutoringView::default();
    view.load(store.course_learners(&scope, course).await.unwrap());
    let c = view.counters();
    (c.missions_to_grade, c.observations_to_do)
}

both!(grading_moves_the_work_counters_at_once, |db| {
    let (s, f) = (&db.store, fixture(&db.store).await);
    let tutor = s.scope_for("tutor").await.unwrap();
    assert_eq!(work(s, f.course).await, (1, 3));
    // Bruno's mission gets its grade: nothing left to grade.
    let rec = s.lesson_stats(&tutor, f.eb, f.mission).await.unwrap();
    let mut stats = rec.stats.clone();
    stats.score = Some(80.0);
    let edit = StatsEdit {
        enrolment_id: f.eb,
        lesson_id: f.mission,
        expected_version: rec.version,
        stats,
        clear_attempts: false,
    };
    assert!(matches!(s.save_stats(&tutor, &edit, NOW).await.unwrap(), SaveOutcome::Saved { .. }));
    assert_eq!(work(s, f.course).await, (0, 3));
    // His observation is made (failed counts: the tutor assessed it).
    let rec = s.lesson_stats(&tutor, f.eb, f.observation).await.unwrap();
    assert_eq!(rec.progress_id, None, "no progress row yet");
    let mut stats = rec.stats.clone();
    stats.status = tutorat::model::LessonStatus::Failed;
    stats.score = Some(30.0);
    let edit = StatsEdit {
        enrolment_id: f.eb,
        lesson_id: f.observation,
        expected_version: 0,
        stats,
        clear_attempts: false,
    };
    assert!(matches!(s.save_stats(&tutor, &edit, NOW).await.unwrap(), SaveOutcome::Saved { .. }));
    assert_eq!(work(s, f.course).await, (0, 2));
    // Undo, one edit at a time: the counters follow.
    s.undo_last_edit(&tutor, f.eb, NOW).await.unwrap();
    assert_eq!(work(s, f.course).await, (0, 3));
    s.undo_last_edit(&tutor, f.eb, NOW).await.unwrap();
    assert_eq!(work(s, f.course).await, (1, 3));
});

async fn fixture_app(lang: Lang) -> (support::TestDb, Fixture, App) {
    let db = support::sqlite().await;
    let f = fixture(&db.store).await;
    let mut app = ui::app_for(&db.store, "tutor", lang, "sqlite:fixture.sqlite").await;
    let c = app.formations.course_ref(f.course).unwrap();
    app.open_course(c);
    ui::settle(&mut app, &db.store).await;
    (db, f, app)
}

#[tokio::test]
async fn counters_follow_the_kind_filter() {
    let (_db, _f, mut app) = fixture_app(Lang::Fr).await;
    let c = app.tutoring.counters();
    assert_eq!((c.learners, c.missions_to_grade, c.observations_to_do), (4, 1, 3));
    // Denis opened the course and started no lesson: not started (issue 19).
    assert_eq!((c.not_started, c.in_progress, c.completed), (2, 1, 1));
    ui::cmd(&mut app, Cmd::KindFilter);
    assert_eq!(app.tutoring.kind, Some(EnrolmentKind::Mandatory));
    let c = app.tutoring.counters();
    assert_eq!((c.learners, c.missions_to_grade, c.observations_to_do), (2, 0, 1));
    assert_eq!((c.not_started, c.in_progress, c.completed), (1, 0, 1));
    assert_eq!(app.tutoring.list.index().len(), 2, "the table follows the kind too");
    insta::assert_snapshot!("kind_mandatory_80x24", ui::draw(&mut app, 80, 24).backend());
    ui::cmd_n(&mut app, Cmd::KindFilter, 2);
    assert_eq!(app.tutoring.kind, Some(EnrolmentKind::Free));
    assert_eq!(app.tutoring.counters().learners, 1);
    ui::cmd(&mut app, Cmd::KindFilter);
    assert_eq!(app.tutoring.kind, None);
}

#[tokio::test]
async fn centre_snapshots_with_marks_and_filter() {
    let db = support::sqlite().await;
    demo::load(&db.store, NOW).await.unwrap();
    let mut app = ui::app_for(&db.store, "mlefevre", Lang::Fr, "sqlite:demo.sqlite").await;
    ui::cmd(&mut app, Cmd::Down);
    ui::cmd(&mut app, Cmd::OpenTutoring);
    ui::settle(&mut app, &db.store).await;
    insta::assert_snapshot!("centre_80x24", ui::draw(&mut app, 80, 24).backend());
    insta::assert_snapshot!("centre_160x48", ui::draw(&mut app, 160, 48).backend());
    ui::cmd(&mut app, Cmd::Mark);
    ui::cmd(&mut app, Cmd::Down);
    ui::cmd(&mut app, Cmd::Mark);
    assert_eq!(app.tutoring.marked_count(), 2);
    insta::assert_snapshot!("centre_marked_80x24", ui::draw(&mut app, 80, 24).backend());
    ui::cmd(&mut app, Cmd::Filter);
    ui::type_text(&mut app, "dupu");
    insta::assert_snapshot!("centre_filtered_80x24", ui::draw(&mut app, 80, 24).backend());
    insta::assert_snapshot!("centre_filtered_160x48", ui::draw(&mut app, 160, 48).backend());
}

#[tokio::test]
async fn mark_all_under_a_filter_then_change_the_filter() {
    let db = support::sqlite().await;
    demo::load(&db.store, NOW).await.unwrap();
    let mut app = ui::app_for(&db.store, "mlefevre", Lang::En, "sqlite:demo.sqlite").await;
    ui::cmd(&mut app, Cmd::Down);
    ui::cmd(&mut app, Cmd::OpenTutoring);
    ui::settle(&mut app, &db.store).await;
    let total = app.tutoring.list.rows().len();
    ui::cmd(&mut app, Cmd::Filter);
    ui::type_text(&mut app, "ro");
    ui::cmd(&mut app, Cmd::Accept);
    let filtered: Vec<i64> = app.tutoring.list.visible().map(|r| r.row.enrolment_id).collect();
    assert!(!filtered.is_empty() && filtered.len() < total, "{} of {total}", filtered.len());
    ui::cmd(&mut app, Cmd::MarkAll);
    assert_eq!(app.tutoring.marked_count(), filtered.len(), "A marks every row of the filter");
    // Another filter: the marks stay on the same learners, hidden ones included.
    ui::cmd(&mut app, Cmd::Filter);
    for _ in 0..2 {
        ui::press(&mut app, KeyCode::Backspace);
    }
    ui::type_text(&mut app, "ma");
    ui::cmd(&mut app, Cmd::Accept);
    assert_eq!(app.tutoring.marked_count(), filtered.len());
    assert!(filtered.iter().all(|id| app.tutoring.list.marks.contains(id)));
    // Esc clears the filter; marks remain; the count shows above the table.
    ui::cmd(&mut app, Cmd::Back);
    assert_eq!(app.tutoring.list.index().len(), total);
    let screen = ui::screen(&ui::draw(&mut app, 100, 30));
    assert!(screen.contains(&format!("{} marked", filtered.len())), "{screen}");
    ui::cmd(&mut app, Cmd::UnmarkAll);
    assert_eq!(app.tutoring.marked_count(), 0);
    // Space toggles and moves down.
    let pos = app.tutoring.list.cursor.pos;
    ui::cmd(&mut app, Cmd::Mark);
    assert_eq!(app.tutoring.list.cursor.pos, pos + 1);
    assert_eq!(app.tutoring.marked_count(), 1);
    ui::cmd(&mut app, Cmd::Up);
    ui::cmd(&mut app, Cmd::Mark);
    assert_eq!(app.tutoring.marked_count(), 0);
}

#[tokio::test]
async fn report_expand_collapse_and_back() {
    let (db, f, mut app) = fixture_app(Lang::Fr).await;
    // Alice is first by name.
    assert_eq!(app.tutoring.current().unwrap().row.enrolment_id, f.ea);
    ui::cmd(&mut app, Cmd::Down);
    ui::cmd(&mut app, Cmd::Up);
    ui::cmd(&mut app, Cmd::Open);
    ui::settle(&mut app, &db.store).await;
    let r = app.tutoring.report.as_ref().unwrap();
    assert_eq!(r.rows.len(), 4);
    assert!(r.data.as_ref().unwrap().issues.is_empty(), "{:?}", r.data.as_ref().unwrap().issues);
    // Expand the quiz (second lesson): its 3 attempts appear under it.
    ui::cmd(&mut app, Cmd::Down);
    ui::cmd(&mut app, Cmd::Right);
    let r = app.tutoring.report.as_ref().unwrap();
    assert_eq!(r.rows.len(), 7);
    assert_eq!(r.rows[2], CompRow::Attempt(1, 0));
    insta::assert_snapshot!("report_expanded_80x24", ui::draw(&mut app, 80, 24).backend());
    insta::assert_snapshot!("report_expanded_160x48", ui::draw(&mut app, 160, 48).backend());
    // ← on an attempt collapses and returns to its lesson.
    ui::cmd_n(&mut app, Cmd::Down, 2);
    ui::cmd(&mut app, Cmd::Left);
    let r = app.tutoring.report.as_ref().unwrap();
    assert_eq!(r.rows.len(), 4);
    assert_eq!(r.rows[r.cursor.pos], CompRow::Lesson(1));
    // Enter expands too (the keys of "expand" are →, l and Enter); ← on the lesson collapses.
    ui::press(&mut app, KeyCode::Enter);
    assert_eq!(app.tutoring.report.as_ref().unwrap().rows.len(), 7);
    ui::cmd(&mut app, Cmd::Left);
    assert_eq!(app.tutoring.report.as_ref().unwrap().rows.len(), 4);
    // Histories.
    ui::cmd(&mut app, Cmd::FocusNext);
    assert_eq!(app.tutoring.report.as_ref().unwrap().section, RSection::Connections);
    insta::assert_snapshot!("report_connections_80x24", ui::draw(&mut app, 80, 24).backend());
    ui::cmd(&mut app, Cmd::FocusNext);
    insta::assert_snapshot!("report_reminders_80x24", ui::draw(&mut app, 80, 24).backend());
    // Esc: back to the table on the same learner.
    ui::cmd(&mut app, Cmd::Back);
    assert!(app.tutoring.report.is_none());
    assert_eq!(app.tutoring.current().unwrap().row.enrolment_id, f.ea);
}

#[tokio::test]
async fn report_switches_to_the_learners_other_course() {
    let (db, f, mut app) = fixture_app(Lang::Fr).await;
    ui::cmd(&mut app, Cmd::Open);
    ui::settle(&mut app, &db.store).await;
    ui::cmd(&mut app, Cmd::NextItem);
    assert!(app.tutoring.report.as_ref().unwrap().loading);
    ui::settle(&mut app, &db.store).await;
    let d = app.tutoring.report.as_ref().unwrap().data.as_ref().unwrap();
    assert_eq!(d.enrolment_id, f.ea_other);
    assert_eq!(d.course, "Autre cours");
    insta::assert_snapshot!("report_no_attempts_80x24", ui::draw(&mut app, 80, 24).backend());
    ui::cmd(&mut app, Cmd::PrevItem);
    ui::settle(&mut app, &db.store).await;
    assert_eq!(app.tutoring.report.as_ref().unwrap().enrolment_id, f.ea);
    // c: pick from the learner's courses.
    ui::cmd(&mut app, Cmd::Pick);
    assert!(matches!(app.layers.last(), Some(Layer::Picker(..))));
    ui::type_text(&mut app, "autre");
    ui::cmd(&mut app, Cmd::Open);
    ui::settle(&mut app, &db.store).await;
    assert!(app.layers.is_empty());
    assert_eq!(app.tutoring.report.as_ref().unwrap().enrolment_id, f.ea_other);
    // Esc from a report on another course's enrolment: back to the table, cursor kept.
    ui::cmd(&mut app, Cmd::Back);
    assert!(app.tutoring.report.is_none());
    assert_eq!(app.tutoring.course.as_ref().unwrap().id, f.course);
}

#[tokio::test]
async fn course_picker_in_the_centre() {
    let (db, f, mut app) = fixture_app(Lang::Fr).await;
    ui::cmd(&mut app, Cmd::Pick);
    insta::assert_snapshot!("course_picker_80x24", ui::draw(&mut app, 80, 24).backend());
    ui::type_text(&mut app, "sans appr");
    ui::cmd(&mut app, Cmd::Open);
    ui::settle(&mut app, &db.store).await;
    assert_eq!(app.tab, Tab::Tutoring);
    assert_eq!(app.tutoring.course.as_ref().unwrap().id, f.empty);
    insta::assert_snapshot!("centre_no_learners_80x24", ui::draw(&mut app, 80, 24).backend());
    // Esc cancels a picker without changing anything.
    ui::cmd(&mut app, Cmd::Pick);
    ui::cmd(&mut app, Cmd::Back);
    assert!(app.layers.is_empty());
    assert_eq!(app.tutoring.course.as_ref().unwrap().id, f.empty);
    let _ = f.other;
}

#[tokio::test]
async fn inconsistent_data_is_flagged_not_summed() {
    let db = support::sqlite().await;
    let mut fx = Fx::new(&db.store).await;
    let tutor = fx.person("tutor", "Tu", "Tor").await;
    let course = fx.course("BAD", "Données abîmées", None).await;
    let nolessons = fx.course("NOL", "Cours sans leçon", None).await;
    fx.tutor(course, tutor).await;
    fx.tutor(nolessons, tutor).await;
    let l1 = fx.lesson_with(course, "elearning", "Module", None, None).await;
    let l2 = fx.lesson_with(course, "quiz", "Quiz", Some(80.0), None).await;
    let p = fx.person("p", "Paul", "Petit").await;
    // Progress says 3 done of 2 lessons, and the stored total disagrees with the lessons.
    let e = fx.enrol(course, p, 3, 3, 9999, Some(NOW - 60)).await;
    fx.progress_full(e, l1, "completed", Some(250.0), None, 1, -60, Some(NOW - DAY)).await;
    fx.attempt(e, l1, 1, NOW + 30 * DAY, "completed", Some(250.0), -60).await; // future date
    fx.attempt(e, l2, 1, NOW - DAY, "failed", Some(40.0), 100).await; // no progress row for l2
    let q = fx.person("q", "Quentin", "Quiet").await;
    let e2 = fx.enrol(nolessons, q, 0, 0, 0, None).await;
    fx.done().await;

    let mut app = ui::app_for(&db.store, "tutor", Lang::Fr, "sqlite:bad.sqlite").await;
    let c = app.formations.course_ref(course).unwrap();
    app.open_course(c);
    ui::settle(&mut app, &db.store).await;
    let l = app.tutoring.current().unwrap();
    assert_eq!(l.progress, None, "3 of 2 lessons is not shown as a percentage");
    insta::assert_snapshot!("bad_progress_row_80x24", ui::draw(&mut app, 80, 24).backend());
    ui::press(&mut app, KeyCode::Enter);
    ui::settle(&mut app, &db.store).await;
    let d = app.tutoring.report.as_ref().unwrap().data.as_ref().unwrap();
    assert!(d.issues.contains(&Issue::TotalTime { stored: 9999, sum: -60 }), "{:?}", d.issues);
    assert!(d.issues.contains(&Issue::AttemptsWithoutProgress(1)));
    assert!(d.issues.contains(&Issue::ScoreOutOfRange(2)));
    assert!(d.issues.contains(&Issue::NegativeTime(2)));
    assert!(d.issues.contains(&Issue::FutureDates(1)));
    ui::press(&mut app, KeyCode::Right);
    insta::assert_snapshot!("bad_report_80x24", ui::draw(&mut app, 80, 24).backend());
    for (w, h) in [(80, 24), (160, 48), (100, 30)] {
        ui::draw(&mut app, w, h);
    }

    // A learner in a course without lessons.
    ui::press(&mut app, KeyCode::Esc);
    let c = app.formations.course_ref(nolessons).unwrap();
    app.open_course(c);
    ui::settle(&mut app, &db.store).await;
    ui::press(&mut app, KeyCode::Enter);
    ui::settle(&mut app, &db.store).await;
    assert_eq!(app.tutoring.report.as_ref().unwrap().enrolment_id, e2);
    let screen = ui::screen(&ui::draw(&mut app, 80, 24));
    assert!(screen.contains("Cette formation ne contient aucune leçon."), "{screen}");
}
