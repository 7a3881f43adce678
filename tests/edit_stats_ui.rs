//! The statistics editor as a tutor drives it: keys through `App`, screens on a
//! `TestBackend`, results checked in the database.

mod support;

use crossterm::event::KeyCode;
use support::edit_fixture::{F, fixture};
use support::ui;
use tutorat::locale::Lang;
use tutorat::model::LessonStatus;
use tutorat::model::stats::{Field, Invalid};
use tutorat::store::progress::StatsEdit;
use tutorat::store::{ConnectOptions, Store};
use tutorat::tui::app::{App, Layer};
use tutorat::tui::command::Cmd;
use tutorat::tui::dialogs::edit_stats::{EditStats, Focus, Phase};
use tutorat::tui::frame::Level;
use tutorat::with_pool;

/// The app as "tutor", on the learner's report in course "Édition", cursor on the quiz.
async fn on_report(lang: Lang) -> (support::TestDb, F, App) {
    let db = support::sqlite().await;
    let f = fixture(&db.store).await;
    let mut app = ui::app_for(&db.store, "tutor", lang, "sqlite:edit.sqlite").await;
    let c = app.formations.course_ref(f.course).unwrap();
    app.open_course(c);
    ui::settle(&mut app, &db.store).await;
    ui::cmd(&mut app, Cmd::Open);
    ui::settle(&mut app, &db.store).await;
    let r = app.tutoring.report.as_ref().expect("report open");
    assert_eq!(r.current_lesson().unwrap().lesson_id, f.quiz);
    (db, f, app)
}

fn dialog(app: &App) -> &EditStats {
    match app.layers.last() {
        Some(Layer::EditStats(d)) => d,
        other => panic!("no editor on top: {other:?}"),
    }
}

fn has_editor(app: &App) -> bool {
    app.layers.iter().any(|l| matches!(l, Layer::EditStats(_)))
}

async fn open_editor(app: &mut App, db: &support::TestDb) {
    ui::cmd(app, Cmd::Edit);
    ui::settle(app, &db.store).await;
    assert!(has_editor(app), "e opens the editor");
}

fn backspaces(app: &mut App, n: usize) {
    for _ in 0..n {
        ui::press(app, KeyCode::Backspace);
    }
}

/// The next field, `n` times.
fn tabs(app: &mut App, n: usize) {
    ui::cmd_n(app, Cmd::FocusNext, n);
}

async fn audit_count(store: &Store) -> i64 {
    with_pool!(store, |p| sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(p).await).unwrap()
}

#[tokio::test]
async fn edit_save_and_everything_follows() {
    let (db, f, mut app) = on_report(Lang::Fr).await;
    open_editor(&mut app, &db).await;
    insta::assert_snapshot!("editor_clean_80x24", ui::draw(&mut app, 80, 24).backend());
    insta::assert_snapshot!("editor_clean_160x48", ui::draw(&mut app, 160, 48).backend());

    // Status: Failed → Passed (← on the choice); tick "clear attempts"; score 50 → 87,5.
    ui::cmd(&mut app, Cmd::Left);
    assert_eq!(dialog(&app).status, LessonStatus::Passed);
    tabs(&mut app, 1);
    ui::cmd(&mut app, Cmd::Mark);
    assert!(dialog(&app).clear_attempts);
    tabs(&mut app, 2);
    assert_eq!(dialog(&app).focus, Focus::Score);
    backspaces(&mut app, 2);
    ui::type_text(&mut app, "87,5");
    assert!(dialog(&app).errors.is_empty(), "{:?}", dialog(&app).errors);
    // To Valider (time, location, suspend data, button) and save.
    tabs(&mut app, 4);
    assert_eq!(dialog(&app).focus, Focus::Validate);
    ui::cmd(&mut app, Cmd::Open);
    assert_eq!(dialog(&app).phase, Phase::Saving);
    ui::settle(&mut app, &db.store).await;

    assert!(!has_editor(&app), "closed after saving");
    let status = app.status.clone().unwrap();
    assert_eq!(status.level, Level::Success);
    assert!(status.text.contains("Statut, Essais, Score (%)"), "{}", status.text);
    // The report, the learner table and the store all show the new values.
    let r = app.tutoring.report.as_ref().unwrap().data.as_ref().unwrap();
    let quiz = r.lessons.iter().find(|l| l.lesson_id == f.quiz).unwrap();
    assert_eq!((quiz.status, quiz.score, quiz.attempts), (Some(LessonStatus::Passed), Some(87.5), Some(0)));
    assert_eq!(r.changes.len(), 4, "status, attempts, score, cleared attempts");
    let learner = app.tutoring.list.rows().iter().find(|l| l.row.enrolment_id == f.enrolment).unwrap();
    assert_eq!(learner.progress, Some(50), "1 lesson of 2 done");
    let scope = db.store.scope_for("tutor").await.unwrap();
    let rec = db.store.lesson_stats(&scope, f.enrolment, f.quiz).await.unwrap();
    assert_eq!((rec.version, rec.stats.score), (2, Some(87.5)));
    // The untouched date kept its seconds (the field shows minutes only).
    assert_eq!(rec.stats.status_at, Some(1_700_100_000));

    // The change history, then u (asks first) undoes it.
    ui::cmd_n(&mut app, Cmd::FocusNext, 3);
    insta::assert_snapshot!("report_changes_80x24", ui::draw(&mut app, 80, 24).backend());
    ui::cmd(&mut app, Cmd::Undo);
    assert!(matches!(app.layers.last(), Some(Layer::Confirm(_))));
    insta::assert_snapshot!("undo_confirm_80x24", ui::draw(&mut app, 80, 24).backend());
    ui::cmd(&mut app, Cmd::Yes);
    ui::settle(&mut app, &db.store).await;
    assert_eq!(app.status.as_ref().unwrap().level, Level::Success, "{:?}", app.status);
    let rec = db.store.lesson_stats(&scope, f.enrolment, f.quiz).await.unwrap();
    assert_eq!(
        (rec.stats.status, rec.stats.score, rec.stats.attempts),
        (LessonStatus::Failed, Some(50.0), 3)
    );
    let learner = app.tutoring.list.rows().iter().find(|l| l.row.enrolment_id == f.enrolment).unwrap();
    assert_eq!(learner.progress, Some(0));
}

#[tokio::test]
async fn invalid_fields_say_why_in_place_and_nothing_is_saved() {
    let (db, _f, mut app) = on_report(Lang::Fr).await;
    open_editor(&mut app, &db).await;
    tabs(&mut app, 2); // date
    backspaces(&mut app, 20);
    ui::type_text(&mut app, "31/02/2024 10:00");
    tabs(&mut app, 1); // score
    backspaces(&mut app, 5);
    ui::type_text(&mut app, "100,01");
    tabs(&mut app, 1); // time
    backspaces(&mut app, 8);
    ui::type_text(&mut app, "12:60:00");
    tabs(&mut app, 1); // location: pasted text with an escape sequence
    app.update(tutorat::tui::action::Action::Paste("p\u{1b}[31m2".into()));
    tabs(&mut app, 1); // suspend data: a 1 MB paste
    app.update(tutorat::tui::action::Action::Paste("x".repeat(1 << 20)));
    let d = dialog(&app);
    assert_eq!(d.error(Field::StatusAt), Some(&Invalid::DateNotReal));
    assert_eq!(d.error(Field::Score), Some(&Invalid::ScoreRange));
    assert!(matches!(d.error(Field::TimeSpent), Some(Invalid::Duration(_))));
    assert_eq!(d.error(Field::Location), Some(&Invalid::ControlChars));
    assert_eq!(d.error(Field::SuspendData), Some(&Invalid::TooLong { len: (1 << 20) + 4, max: 4_096 }));
    assert!(d.parsed.is_none());
    insta::assert_snapshot!("editor_errors_80x24", ui::draw(&mut app, 80, 24).backend());
    insta::assert_snapshot!("editor_errors_160x48", ui::draw(&mut app, 160, 48).backend());

    // Valider is refused: no save is asked for, the first bad field gets the focus.
    tabs(&mut app, 1);
    assert_eq!(dialog(&app).focus, Focus::Validate);
    ui::cmd(&mut app, Cmd::Open);
    assert!(app.take_effects().is_empty(), "nothing reaches the database");
    assert!(dialog(&app).refused);
    assert_eq!(dialog(&app).focus, Focus::Date);
    let screen = ui::screen(&ui::draw(&mut app, 80, 24));
    assert!(screen.contains("5 champs à corriger"), "{screen}");
    assert_eq!(audit_count(&db.store).await, 0);
    // The input is all still there.
    let d = dialog(&app);
    assert_eq!(d.location_input().value(), "page 4p\u{1b}[31m2");
    assert_eq!(d.suspend_len(), (1 << 20) + 4, "q1=b + the paste");
}

#[tokio::test]
async fn esc_asks_before_losing_changes() {
    let (db, _f, mut app) = on_report(Lang::En).await;
    open_editor(&mut app, &db).await;
    // Untouched: Esc just closes.
    ui::cmd(&mut app, Cmd::Back);
    assert!(!has_editor(&app));
    open_editor(&mut app, &db).await;
    ui::cmd(&mut app, Cmd::Mark);
    ui::cmd(&mut app, Cmd::Back);
    assert!(matches!(app.layers.last(), Some(Layer::Confirm(_))));
    // n: back to the dialog with the change kept.
    ui::keys(&mut app, "n");
    assert_eq!(dialog(&app).status, LessonStatus::NotAttempted);
    ui::cmd(&mut app, Cmd::Back);
    ui::keys(&mut app, "y");
    assert!(!has_editor(&app));
    assert!(app.take_effects().is_empty());
    assert_eq!(audit_count(&db.store).await, 0);
}

#[tokio::test]
async fn a_save_by_another_tutor_meanwhile_shows_both_and_overwrite_asks() {
    let (db, f, mut app) = on_report(Lang::Fr).await;
    open_editor(&mut app, &db).await;
    // Another tutor, in another process, saves the same lesson while the dialog is open.
    let other = Store::connect(&db.target, &ConnectOptions::default()).await.unwrap();
    let karim = other.scope_for("cotutor").await.unwrap();
    let rec = other.lesson_stats(&karim, f.enrolment, f.quiz).await.unwrap();
    let mut theirs = rec.stats.clone();
    theirs.score = Some(70.0);
    theirs.status = LessonStatus::Passed;
    let edit = StatsEdit {
        enrolment_id: f.enrolment,
        lesson_id: f.quiz,
        expected_version: 1,
        stats: theirs,
        clear_attempts: false,
    };
    other.save_stats(&karim, &edit, ui::NOW - 120).await.unwrap();

    tabs(&mut app, 3);
    backspaces(&mut app, 2);
    ui::type_text(&mut app, "95");
    tabs(&mut app, 4);
    ui::cmd(&mut app, Cmd::Open);
    ui::settle(&mut app, &db.store).await;
    assert!(matches!(dialog(&app).phase, Phase::Conflict(_)));
    insta::assert_snapshot!("editor_conflict_80x24", ui::draw(&mut app, 80, 24).backend());
    insta::assert_snapshot!("editor_conflict_160x48", ui::draw(&mut app, 160, 48).backend());
    let scope = db.store.scope_for("tutor").await.unwrap();
    assert_eq!(db.store.lesson_stats(&scope, f.enrolment, f.quiz).await.unwrap().stats.score, Some(70.0));

    // Overwrite asks first; no keeps the conflict view.
    ui::cmd(&mut app, Cmd::Overwrite);
    assert!(matches!(app.layers.last(), Some(Layer::Confirm(_))));
    ui::cmd(&mut app, Cmd::No);
    assert!(matches!(dialog(&app).phase, Phase::Conflict(_)));
    // Confirmed: saved on their version, with my values.
    ui::cmd(&mut app, Cmd::Overwrite);
    ui::cmd(&mut app, Cmd::Yes);
    ui::settle(&mut app, &db.store).await;
    assert!(!has_editor(&app));
    let rec = db.store.lesson_stats(&scope, f.enrolment, f.quiz).await.unwrap();
    assert_eq!((rec.version, rec.stats.score, rec.stats.status), (3, Some(95.0), LessonStatus::Failed));
}

#[tokio::test]
async fn reload_takes_the_stored_values() {
    let (db, f, mut app) = on_report(Lang::En).await;
    open_editor(&mut app, &db).await;
    let karim = db.store.scope_for("cotutor").await.unwrap();
    let rec = db.store.lesson_stats(&karim, f.enrolment, f.quiz).await.unwrap();
    let mut theirs = rec.stats.clone();
    theirs.location = "their page".into();
    let edit = StatsEdit {
        enrolment_id: f.enrolment,
        lesson_id: f.quiz,
        expected_version: 1,
        stats: theirs,
        clear_attempts: false,
    };
    db.store.save_stats(&karim, &edit, ui::NOW).await.unwrap();
    ui::press(&mut app, KeyCode::Left);
    tabs(&mut app, 7);
    ui::press(&mut app, KeyCode::Enter);
    ui::settle(&mut app, &db.store).await;
    assert!(matches!(dialog(&app).phase, Phase::Conflict(_)));
    ui::keys(&mut app, "r");
    let d = dialog(&app);
    assert_eq!(d.phase, Phase::Editing);
    assert_eq!(d.location_input().value(), "their page");
    assert_eq!(d.status, LessonStatus::Failed, "my change was dropped");
    assert_eq!(d.record.version, 2, "the next save goes on their version");
}

#[tokio::test]
async fn a_database_error_keeps_the_dialog_and_the_input() {
    let (db, f, mut app) = on_report(Lang::Fr).await;
    open_editor(&mut app, &db).await;
    ui::press(&mut app, KeyCode::Left);
    tabs(&mut app, 5);
    ui::keys(&mut app, " modifiée");
    tabs(&mut app, 2);
    // The database goes away just before the save.
    db.store.close().await;
    ui::press(&mut app, KeyCode::Enter);
    ui::settle(&mut app, &db.store).await;
    let d = dialog(&app);
    assert_eq!(d.phase, Phase::Editing);
    assert!(d.failure.is_some());
    assert_eq!(d.location_input().value(), "page 4 modifiée");
    assert_eq!(d.status, LessonStatus::Passed);
    assert_eq!(app.status.as_ref().unwrap().level, Level::Error);
    let screen = ui::screen(&ui::draw(&mut app, 100, 30));
    assert!(screen.contains("Échec de l'enregistrement"), "{screen}");
    // Nothing was half-written.
    let again = Store::connect(&db.target, &ConnectOptions::default()).await.unwrap();
    assert_eq!(audit_count(&again).await, 0);
    let scope = again.scope_for("tutor").await.unwrap();
    assert_eq!(again.lesson_stats(&scope, f.enrolment, f.quiz).await.unwrap().version, 1);
}
