//! Reminders from the keyboard: the Relancer dialog (recipients, skip reasons, force,
//! template errors, attachments), sending in the background to a real SMTP server, the
//! Relances tab, and retrying a failed reminder.

mod support;

use crossterm::event::KeyCode;
use support::remind::{reminders, smtp};
use support::smtp::{Mode, Sink};
use support::triage_fixture::{T, triage_fixture_at};
use support::ui;
use tutorat::locale::Lang;
use tutorat::model::triage::NextStep;
use tutorat::reminders::Status;
use tutorat::tui::action::Action;
use tutorat::tui::app::{App, Layer, Tab};
use tutorat::tui::command::Cmd;
use tutorat::tui::dialogs::remind::{RFocus, RemindDialog};
use tutorat::tui::frame::Level;
use tutorat::tui::remind_tasks::TaskCtx;

struct Setup {
    db: support::TestDb,
    t: T,
    sink: Sink,
    ctx: TaskCtx,
    app: App,
}

/// The triage fixture, the app as "tutor" with reminders going to an SMTP sink, started as
/// the dashboard starts (which resumes the reminder the fixture left queued).
async fn setup(mode: Mode) -> Setup {
    let db = support::sqlite().await;
    let t = triage_fixture_at(&db.store, ui::NOW).await;
    let sink = Sink::start(mode).await;
    let mut app = ui::app_for(&db.store, "tutor", Lang::Fr, "sqlite:remind.sqlite").await;
    let rem = reminders();
    app.start_reminders(Some(rem.clone()), None);
    let ctx = TaskCtx::new(db.store.clone(), app.scope.clone(), Some(rem), Some(smtp(sink.port)), None);
    ui::settle_ctx(&mut app, &ctx).await;
    Setup { db, t, sink, ctx, app }
}

fn dialog(app: &App) -> &RemindDialog {
    app.layers
        .iter()
        .rev()
        .find_map(|l| match l {
            Layer::Remind(d) => Some(d.as_ref()),
            _ => None,
        })
        .expect("the Relancer dialog is open")
}

fn focus(app: &mut App, target: RFocus) {
    for _ in 0..6 {
        if dialog(app).focus == target {
            return;
        }
        ui::cmd(app, Cmd::FocusPrev);
    }
    panic!("cannot reach {target:?}");
}

fn shown(app: &App) -> Vec<String> {
    app.triage.list.visible().map(|r| r.row.lastname.clone()).collect()
}

#[tokio::test]
async fn triage_mark_three_remind_they_wait_and_the_relances_tab_has_them() {
    let Setup { db: _db, t, sink, ctx, mut app } = setup(Mode::Accept).await;
    // The start resumed the reminder a previous session left queued.
    assert_eq!(sink.count(), 1, "queued reminder resumed at start");

    ui::cmd(&mut app, Cmd::GoTab(2));
    assert_eq!(shown(&app)[..4], ["reminded_twice_5d", "reminded_4d", "never_course", "never_platform"]);
    ui::cmd(&mut app, Cmd::Down);
    ui::cmd_n(&mut app, Cmd::Mark, 3);
    assert_eq!(app.triage.list.marks.len(), 3);
    ui::cmd(&mut app, Cmd::Remind);
    ui::settle_ctx(&mut app, &ctx).await;
    let plan = dialog(&app).plan.clone().expect("planned");
    assert_eq!(plan.send.len(), 3);
    assert!(plan.skipped.is_empty());
    assert_eq!(plan.copy_to.as_deref(), Some("tutor@exemple.fr"));
    assert_eq!(dialog(&app).template_name(), "never_accessed");
    insta::assert_snapshot!("remind_dialog_80x24", ui::draw(&mut app, 80, 24).backend());
    insta::assert_snapshot!("remind_dialog_160x48", ui::draw(&mut app, 160, 48).backend());

    // Send asks first; then the messages are queued and sent in the background.
    assert_eq!(dialog(&app).focus, RFocus::Send);
    ui::cmd(&mut app, Cmd::Open);
    assert!(matches!(app.layers.last(), Some(Layer::Confirm(_))));
    assert_eq!(sink.count(), 1, "nothing leaves before the confirmation");
    ui::cmd(&mut app, Cmd::Yes);
    ui::settle_ctx(&mut app, &ctx).await;
    assert!(app.layers.is_empty());
    assert!(app.sending.is_none());

    let got = sink.received();
    assert_eq!(got.len(), 1 + 3 + 1, "3 learners and the copy to the tutor");
    let mut to: Vec<String> = got[1..].iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        [
            "never_course@exemple.fr",
            "never_platform@exemple.fr",
            "reminded_4d@exemple.fr",
            "tutor@exemple.fr"
        ]
    );
    let to_learner = got.iter().find(|m| m.to == ["never_course@exemple.fr"]).unwrap();
    assert!(to_learner.subject().contains("Triage"), "{}", to_learner.subject());
    assert!(to_learner.text().contains("Prénom"), "{}", to_learner.text());
    let status = app.status.clone().unwrap();
    assert_eq!(status.level, Level::Success);
    assert_eq!(status.text, "Envoyées : 3, ignorées : 0, en échec : 0 (+ copie au tuteur)");

    // The three now wait; the marks were cleared.
    assert!(app.triage.list.marks.is_empty());
    for who in ["reminded_4d", "never_course", "never_platform"] {
        let e = app.triage.entry(t.by_user[who]).unwrap();
        assert_eq!(e.step, NextStep::Wait, "{who}");
        assert!(e.row.reminders_sent >= 1, "{who}");
    }
    // The Relances tab lists them as sent (with the copy), newest first.
    ui::cmd(&mut app, Cmd::GoTab(3));
    assert_eq!(app.tab, Tab::Relances);
    let log = &app.reminder_log;
    let sent_now: Vec<&str> = log.list.rows()[..4].iter().map(|e| e.learner.as_str()).collect();
    assert!(
        sent_now.contains(&"NEVER_COURSE Prénom") && sent_now.contains(&"→ tutor@exemple.fr"),
        "{sent_now:?}"
    );
    assert!(log.list.rows()[..4].iter().all(|e| e.status == Some(Status::Sent)));
    assert_eq!(log.list.rows()[0].template, "Jamais connecté", "titles, not file names");
}

#[tokio::test]
async fn skipped_learners_say_why_and_force_includes_them() {
    let Setup { db: _db, t, sink: _sink, ctx, mut app } = setup(Mode::Accept).await;
    ui::cmd(&mut app, Cmd::GoTab(2));
    // Reminded a day ago (within 72 h), and suspended.
    app.triage.list.marks.extend([
        t.by_user["reminded_twice_1d"],
        t.by_user["suspended"],
        t.by_user["never_platform"],
    ]);
    ui::cmd(&mut app, Cmd::Remind);
    ui::settle_ctx(&mut app, &ctx).await;
    let d = dialog(&app);
    let plan = d.plan.as_ref().unwrap();
    assert_eq!(plan.send.len(), 1);
    assert_eq!(plan.skipped.len(), 2);
    let screen = ui::screen(&ui::draw(&mut app, 100, 30));
    assert!(screen.contains("déjà relancé le 21/11/2025"), "{screen}");
    assert!(screen.contains("compte ou inscription suspendu"), "{screen}");
    insta::assert_snapshot!("remind_skipped_80x24", ui::draw(&mut app, 80, 24).backend());
    // Force: the one reminded recently comes back; the suspended one never does.
    focus(&mut app, RFocus::Force);
    ui::cmd(&mut app, Cmd::Mark);
    ui::settle_ctx(&mut app, &ctx).await;
    let plan = dialog(&app).plan.clone().unwrap();
    assert!(plan.force);
    assert_eq!(plan.send.len(), 2);
    assert_eq!(plan.skipped.len(), 1);
}

#[tokio::test]
async fn a_template_error_is_shown_in_the_preview_and_blocks_sending() {
    let Setup { db: _db, t: _t, sink, ctx, mut app } = setup(Mode::Accept).await;
    ui::cmd(&mut app, Cmd::GoTab(2));
    ui::cmd(&mut app, Cmd::Down);
    ui::cmd(&mut app, Cmd::Remind);
    ui::settle_ctx(&mut app, &ctx).await;
    focus(&mut app, RFocus::EditBody);
    ui::cmd(&mut app, Cmd::Open);
    assert!(dialog(&app).editing_body);
    ui::press(&mut app, KeyCode::End);
    ui::type_text(&mut app, " {{ learner.nmae }}");
    ui::cmd(&mut app, Cmd::Back);
    assert!(!dialog(&app).editing_body);
    let preview = dialog(&app).preview.clone().unwrap();
    let err = preview.unwrap_err();
    assert!(err.contains("learner.nmae") && err.contains("ligne"), "{err}");
    insta::assert_snapshot!("remind_template_error_80x24", ui::draw(&mut app, 80, 24).backend());
    focus(&mut app, RFocus::Send);
    ui::cmd(&mut app, Cmd::Open);
    assert!(matches!(app.layers.last(), Some(Layer::Remind(_))), "no confirmation: refused");
    assert_eq!(dialog(&app).refused.as_deref(), Some("remind.fix_template"));
    assert_eq!(sink.count(), 1, "only the resumed one");
}

#[tokio::test]
async fn attachments_are_limited_to_2_mb_in_all() {
    let Setup { db: _db, t: _t, sink, ctx, mut app } = setup(Mode::Accept).await;
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("programme.pdf");
    let more = dir.path().join("planning.pdf");
    std::fs::write(&big, vec![b'%'; 1_500_000]).unwrap();
    std::fs::write(&more, vec![b'%'; 1_000_000]).unwrap();
    ui::cmd(&mut app, Cmd::GoTab(2));
    ui::cmd(&mut app, Cmd::Down);
    ui::cmd(&mut app, Cmd::Remind);
    ui::settle_ctx(&mut app, &ctx).await;
    focus(&mut app, RFocus::Attach);
    for path in [&big, &more] {
        ui::cmd(&mut app, Cmd::Open);
        app.update(Action::Paste(path.display().to_string()));
        ui::cmd(&mut app, Cmd::Accept);
        ui::settle_ctx(&mut app, &ctx).await;
    }
    let d = dialog(&app);
    assert_eq!(d.attachments.len(), 1, "the second would exceed 2 MB");
    assert_eq!(d.attach_note.as_deref(), Some("Pièces jointes trop lourdes : 2,4 Mo pour 2,0 Mo au plus."));
    let screen = ui::screen(&ui::draw(&mut app, 120, 30));
    assert!(screen.contains("programme.pdf (1,4 Mo / 2,0 Mo)"), "{screen}");
    // A file that cannot be read says so.
    ui::cmd(&mut app, Cmd::Open);
    app.update(Action::Paste("/nonexistent/x.pdf".into()));
    ui::cmd(&mut app, Cmd::Accept);
    ui::settle_ctx(&mut app, &ctx).await;
    assert!(dialog(&app).attach_note.as_deref().unwrap().contains("/nonexistent/x.pdf"));
    // Sent with the one attachment that fits.
    focus(&mut app, RFocus::Send);
    ui::cmd(&mut app, Cmd::Open);
    ui::cmd(&mut app, Cmd::Yes);
    ui::settle_ctx(&mut app, &ctx).await;
    let last = sink.received().into_iter().find(|m| m.to == ["reminded_4d@exemple.fr"]).unwrap();
    assert_eq!(last.attachments(), ["programme.pdf"]);
}

#[tokio::test]
async fn a_refused_reminder_is_failed_then_sent_again_from_the_relances_tab() {
    let Setup { db: _db, t: _t, sink, ctx, mut app } = setup(Mode::Reject5xx).await;
    ui::cmd(&mut app, Cmd::GoTab(2));
    ui::cmd(&mut app, Cmd::Down);
    ui::cmd(&mut app, Cmd::Remind);
    ui::settle_ctx(&mut app, &ctx).await;
    ui::cmd(&mut app, Cmd::Open);
    ui::cmd(&mut app, Cmd::Yes);
    ui::settle_ctx(&mut app, &ctx).await;
    let status = app.status.clone().unwrap();
    assert_eq!(status.level, Level::Error, "{}", status.text);
    assert!(status.text.contains("en échec : 2"), "the reminder and the copy: {}", status.text);
    ui::cmd(&mut app, Cmd::GoTab(3));
    let failed = app.reminder_log.list.rows().iter().find(|e| e.learner == "REMINDED_4D Prénom").unwrap();
    assert_eq!(failed.status, Some(Status::Failed));
    assert!(failed.row.error.as_deref().unwrap().contains("550"), "{:?}", failed.row.error);
    let failed_id = failed.row.id;
    // The fixture's failed one, the one resumed at start, this reminder and its copy.
    assert_eq!(app.reminder_log.attention(), 4);
    assert!(ui::screen(&ui::draw(&mut app, 80, 24)).contains("4 Relances 4✗"));

    // The server accepts again: R (asks first) puts it back and it is sent.
    sink.set_mode(Mode::Accept);
    assert!(app.reminder_log.list.select(failed_id));
    ui::cmd(&mut app, Cmd::Retry);
    assert!(matches!(app.layers.last(), Some(Layer::Confirm(_))));
    ui::cmd(&mut app, Cmd::Yes);
    ui::settle_ctx(&mut app, &ctx).await;
    assert!(sink.received().iter().any(|m| m.to == ["reminded_4d@exemple.fr"]));
    let again = app.reminder_log.list.rows().iter().find(|e| e.row.id == failed_id).unwrap();
    assert_eq!(again.status, Some(Status::Sent));
    // C and D do not apply to a sent reminder.
    let again_id = again.row.id;
    assert!(app.reminder_log.list.select(again_id));
    ui::cmd(&mut app, Cmd::ConfirmSent);
    assert!(app.layers.is_empty());
    assert_eq!(app.status.as_ref().unwrap().text, "Sans objet pour cette relance.");
}

#[tokio::test]
async fn without_a_working_configuration_r_says_why() {
    let db = support::sqlite().await;
    triage_fixture_at(&db.store, ui::NOW).await;
    let mut app = ui::app_for(&db.store, "tutor", Lang::En, "sqlite:remind.sqlite").await;
    app.start_reminders(None, Some("the SMTP password variable TUTORAT_SMTP_PASSWORD is not set".into()));
    ui::cmd(&mut app, Cmd::GoTab(2));
    ui::cmd(&mut app, Cmd::Remind);
    assert!(app.layers.is_empty());
    let status = app.status.clone().unwrap();
    assert_eq!(status.level, Level::Error);
    assert!(status.text.contains("TUTORAT_SMTP_PASSWORD"), "{}", status.text);
}

#[tokio::test]
async fn the_relances_tab_filters_by_status() {
    // No transport: nothing is resumed, the fixture's reminders stay as they are.
    let db = support::sqlite().await;
    triage_fixture_at(&db.store, ui::NOW).await;
    let mut app = ui::app_for(&db.store, "tutor", Lang::Fr, "sqlite:remind.sqlite").await;
    app.start_reminders(Some(reminders()), None);
    let ctx = TaskCtx::new(db.store.clone(), app.scope.clone(), Some(reminders()), None, Some("off".into()));
    ui::settle_ctx(&mut app, &ctx).await;
    ui::cmd(&mut app, Cmd::GoTab(3));
    assert_eq!(app.reminder_log.list.rows().len(), 7);
    insta::assert_snapshot!("relances_80x24", ui::draw(&mut app, 80, 24).backend());
    insta::assert_snapshot!("relances_160x48", ui::draw(&mut app, 160, 48).backend());
    ui::cmd(&mut app, Cmd::StepFilter);
    ui::settle_ctx(&mut app, &ctx).await;
    assert_eq!(app.reminder_log.status, Some(Status::Queued));
    assert_eq!(app.reminder_log.list.rows().len(), 1);
    ui::cmd_n(&mut app, Cmd::StepFilter, 3);
    ui::settle_ctx(&mut app, &ctx).await;
    assert_eq!(app.reminder_log.status, Some(Status::Failed));
    assert_eq!(app.reminder_log.list.rows().len(), 1);
    ui::cmd(&mut app, Cmd::Back);
    ui::settle_ctx(&mut app, &ctx).await;
    assert_eq!(app.reminder_log.status, None);
    assert_eq!(app.reminder_log.list.rows().len(), 7);
}
