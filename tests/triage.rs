//! Tab 3 — Jamais connectés: who is in the queue and why, on both databases; the next-step
//! rules on stored data; contact notes.

mod support;

use std::collections::HashMap;

use support::triage_fixture::{T, triage_fixture, triage_fixture_at};
use support::ui;
use tutorat::locale::Lang;
use tutorat::model::triage::{Group, NextStep, Rules, next_step};
use tutorat::store::triage::TriageRow;
use tutorat::tui::app::{App, Layer, Tab};
use tutorat::tui::command::Cmd;

const NOW: i64 = 1_763_804_800;
const DAY: i64 = 86_400;

fn by_name(rows: &[TriageRow]) -> HashMap<String, &TriageRow> {
    rows.iter().map(|r| (r.lastname.clone(), r)).collect()
}

both!(the_queue_holds_exactly_the_never_connected_of_open_courses, |db| {
    let t = triage_fixture(&db.store).await;
    let scope = db.store.scope_for("tutor").await.unwrap();
    let rows = db.store.triage(&scope, None, NOW).await.unwrap();
    let mut names: Vec<String> = rows.iter().map(|r| r.lastname.clone()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "contacted",
            "never_course",
            "never_platform",
            "queued",
            "reminded_4d",
            "reminded_twice_1d",
            "reminded_twice_5d",
            "suspended"
        ]
    );
    let r = by_name(&rows);
    assert_eq!(r["never_platform"].group(), Group::NeverPlatform);
    assert_eq!(r["never_course"].group(), Group::NeverCourse);
    assert_eq!(r["never_platform"].opened_at, NOW - 10 * DAY, "the course's start date");
    assert_eq!(r["never_platform"].email.as_deref(), Some("never_platform@exemple.fr"));
    // Reminder history: failed ones and copies do not count as sent.
    assert_eq!(
        (r["reminded_4d"].reminders_sent, r["reminded_4d"].last_reminder_at),
        (1, Some(NOW - 4 * DAY))
    );
    assert_eq!(r["reminded_twice_1d"].reminders_sent, 2);
    assert_eq!(r["queued"].reminders_in_flight, 1);
    assert_eq!(r["contacted"].last_note.as_deref(), Some("Appel : mauvaise adresse corrigée"));
    assert_eq!(r["contacted"].last_contact_at, Some(NOW - DAY));

    let rules = Rules::default();
    let step = |u: &str| next_step(&r[u].follow_up(), NOW, &rules);
    assert_eq!(step("never_platform"), NextStep::Remind);
    assert_eq!(step("reminded_4d"), NextStep::RemindAgain);
    assert_eq!(step("reminded_twice_1d"), NextStep::Wait);
    assert_eq!(step("reminded_twice_5d"), NextStep::Call);
    assert_eq!(step("queued"), NextStep::Wait);
    assert_eq!(step("contacted"), NextStep::Wait);
    assert_eq!(step("suspended"), NextStep::Suspended);

    // One course only; another tutor sees none of these.
    assert_eq!(db.store.triage(&scope, Some(t.course), NOW).await.unwrap().len(), 8);
    assert!(db.store.triage(&scope, Some(t.course + 999), NOW).await.unwrap().is_empty());
    let other = db.store.scope_for("other").await.unwrap();
    let theirs = db.store.triage(&other, None, NOW).await.unwrap();
    assert_eq!(theirs.iter().map(|r| r.lastname.as_str()).collect::<Vec<_>>(), ["foreign"]);
    // The day a learner's start date comes, they join the queue.
    let later = db.store.triage(&scope, None, NOW + DAY).await.unwrap();
    assert!(later.iter().any(|r| r.lastname == "not_open_yet"));
    assert!(t.by_user.contains_key("accessed"));
});

both!(contact_notes_need_a_tutor_of_the_course, |db| {
    let t = triage_fixture(&db.store).await;
    let other = db.store.scope_for("other").await.unwrap();
    let e = t.by_user["never_platform"];
    assert!(db.store.add_contact_notes(&other, &[e], "x", NOW).await.is_err());
    let ghost = db.store.scope_for("ghost").await.unwrap();
    assert!(db.store.add_contact_notes(&ghost, &[e], "x", NOW).await.is_err());
    // All or nothing: one forbidden enrolment in the list refuses the whole batch.
    let scope = db.store.scope_for("tutor").await.unwrap();
    let foreign = t.by_user["foreign"];
    let refused = db.store.add_contact_notes(&scope, &[e, foreign], "x", NOW).await;
    assert!(matches!(refused, Err(tutorat::store::StoreError::Forbidden(_))), "{refused:?}");
    let missing = db.store.add_contact_notes(&scope, &[e, 999_999], "x", NOW).await;
    assert!(matches!(missing, Err(tutorat::store::StoreError::Invalid(_))), "{missing:?}");
    let rows = db.store.triage(&scope, None, NOW).await.unwrap();
    assert!(by_name(&rows)["never_platform"].last_note.is_none());
    // A long note is cut to 500 characters.
    db.store.add_contact_notes(&scope, &[e], &"é".repeat(600), NOW).await.unwrap();
    let rows = db.store.triage(&scope, None, NOW).await.unwrap();
    assert_eq!(by_name(&rows)["never_platform"].last_note.as_ref().unwrap().chars().count(), 500);
});

async fn triage_app(lang: Lang) -> (support::TestDb, T, App) {
    let db = support::sqlite().await;
    let t = triage_fixture(&db.store).await;
    let mut app = ui::app_for(&db.store, "tutor", lang, "sqlite:triage.sqlite").await;
    ui::cmd(&mut app, Cmd::GoTab(2));
    (db, t, app)
}

fn shown(app: &App) -> Vec<String> {
    app.triage.list.visible().map(|r| r.row.lastname.clone()).collect()
}

#[tokio::test]
async fn the_tab_sorts_by_urgency_and_its_title_counts_the_groups() {
    let (_db, _t, mut app) = triage_app(Lang::Fr).await;
    assert_eq!(app.tab, Tab::Triage);
    assert_eq!(app.triage.counts(), (4, 4));
    assert_eq!(
        shown(&app),
        [
            "reminded_twice_5d",
            "reminded_4d",
            "never_course",
            "never_platform",
            "contacted",
            "queued",
            "reminded_twice_1d",
            "suspended"
        ]
    );
    let screen = ui::screen(&ui::draw(&mut app, 80, 24));
    assert!(screen.contains("3 Jamais connectés 4·4"), "{screen}");
    insta::assert_snapshot!("triage_80x24", ui::draw(&mut app, 80, 24).backend());
    insta::assert_snapshot!("triage_160x48", ui::draw(&mut app, 160, 48).backend());
    // English too.
    let (_db, _t, mut app) = triage_app(Lang::En).await;
    insta::assert_snapshot!("triage_en_80x24", ui::draw(&mut app, 80, 24).backend());
    // The help is as wide as its longest description when the screen allows.
    ui::cmd(&mut app, Cmd::Help);
    let help = ui::screen(&ui::draw(&mut app, 120, 40));
    assert!(help.contains("Group: all, never on the platform, never in the course"), "{help}");
}

#[tokio::test]
async fn filters_by_group_next_step_course_and_text() {
    let (_db, t, mut app) = triage_app(Lang::Fr).await;
    ui::cmd(&mut app, Cmd::GroupFilter);
    assert_eq!(app.triage.list.index().len(), 4, "never on the platform");
    ui::cmd(&mut app, Cmd::GroupFilter);
    assert!(shown(&app).contains(&"never_course".to_string()));
    assert!(!shown(&app).contains(&"never_platform".to_string()));
    ui::cmd(&mut app, Cmd::GroupFilter);
    assert_eq!(app.triage.list.index().len(), 8);
    // The next-step filter cycles the steps: Call first.
    ui::cmd(&mut app, Cmd::StepFilter);
    assert_eq!(shown(&app), ["reminded_twice_5d"]);
    ui::cmd_n(&mut app, Cmd::StepFilter, 3);
    assert_eq!(shown(&app), ["contacted", "queued", "reminded_twice_1d"], "Wait");
    insta::assert_snapshot!("triage_wait_80x24", ui::draw(&mut app, 80, 24).backend());
    ui::cmd_n(&mut app, Cmd::StepFilter, 2);
    assert_eq!(app.triage.step, None);
    // Text filter, then Esc clears it, then Esc clears the other filters.
    ui::cmd(&mut app, Cmd::Filter);
    ui::type_text(&mut app, "twice");
    ui::cmd(&mut app, Cmd::Accept);
    assert_eq!(app.triage.list.index().len(), 2);
    ui::cmd(&mut app, Cmd::Back);
    assert_eq!(app.triage.list.index().len(), 8);
    // The course picker lists the queue's courses.
    ui::cmd(&mut app, Cmd::Pick);
    assert!(matches!(app.layers.last(), Some(Layer::Picker(..))));
    ui::type_text(&mut app, "TRI");
    ui::cmd(&mut app, Cmd::Open);
    assert_eq!(app.triage.course.as_ref().map(|c| c.0), Some(t.course));
    assert_eq!(app.triage.list.index().len(), 8);
    ui::cmd(&mut app, Cmd::GroupFilter);
    ui::cmd(&mut app, Cmd::Back);
    assert_eq!((app.triage.group, app.triage.course.clone()), (None, None));
}

#[tokio::test]
async fn a_contact_note_moves_the_learner_to_wait_and_shows_in_the_report() {
    let (db, t, mut app) = triage_app(Lang::Fr).await;
    // The first row: reminded twice, five days ago: to call.
    assert_eq!(app.triage.current().unwrap().row.lastname, "reminded_twice_5d");
    ui::cmd(&mut app, Cmd::Note);
    assert!(matches!(app.layers.last(), Some(Layer::Note(_))));
    // An empty note is refused in place.
    ui::cmd(&mut app, Cmd::Yes);
    assert!(matches!(app.layers.last(), Some(Layer::Note(_))));
    ui::type_text(&mut app, "Appel : message laisse");
    insta::assert_snapshot!("triage_note_80x24", ui::draw(&mut app, 80, 24).backend());
    ui::cmd(&mut app, Cmd::Yes);
    ui::settle(&mut app, &db.store).await;
    assert!(app.layers.is_empty());
    let e = app.triage.entry(t.by_user["reminded_twice_5d"]).unwrap();
    assert_eq!(e.step, NextStep::Wait);
    assert_eq!(e.row.last_note.as_deref(), Some("Appel : message laisse"));
    // The cursor stayed on the learner, now among those who wait.
    assert_eq!(app.triage.current().unwrap().row.lastname, "reminded_twice_5d");
    // Enter opens the learner's report in the Centre de tutorat; the note is in its history.
    ui::cmd(&mut app, Cmd::Open);
    ui::settle(&mut app, &db.store).await;
    assert_eq!(app.tab, Tab::Tutoring);
    let r = app.tutoring.report.as_ref().unwrap().data.as_ref().unwrap();
    assert_eq!(r.enrolment_id, t.by_user["reminded_twice_5d"]);
    assert_eq!(r.reminders.len(), 3, "two reminders and the note");
    assert_eq!(r.reminders[0].1, "contact");
    assert_eq!(r.reminders[0].2, "Appel : message laisse");
}

#[tokio::test]
async fn marks_apply_the_note_to_every_marked_learner() {
    let (db, _t, mut app) = triage_app(Lang::En).await;
    ui::cmd_n(&mut app, Cmd::Mark, 3);
    assert_eq!(app.triage.list.marks.len(), 3);
    ui::cmd(&mut app, Cmd::Note);
    ui::type_text(&mut app, "Group call");
    ui::cmd(&mut app, Cmd::Yes);
    ui::settle(&mut app, &db.store).await;
    assert!(app.triage.list.marks.is_empty(), "marks are cleared once acted on");
    let noted =
        app.triage.list.rows().iter().filter(|e| e.row.last_note.as_deref() == Some("Group call")).count();
    assert_eq!(noted, 3);
}

#[test]
fn the_cli_prints_the_same_queue_as_json() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(support::sqlite());
    let now = chrono::Utc::now().timestamp();
    let t = rt.block_on(triage_fixture_at(&db.store, now));
    // "Call" needs a phone number to call (issue 19): without one, find_contact.
    const PHONE: &str = "UPDATE people SET phone = '06 12 34 56 78' WHERE username = $1";
    rt.block_on(async {
        tutorat::with_pool!(&db.store, |p| sqlx::query(PHONE)
            .bind("reminded_twice_5d")
            .execute(p)
            .await
            .map(|_| ()))
    })
    .unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tutorat"))
            .args(["--db", &db.url(), "--tutor", "tutor", "--locale", "en", "triage"])
            .args(args)
            .env_remove("TUTORAT_CONFIG")
            .env("HOME", "/nonexistent")
            .output()
            .unwrap()
    };
    let out = run(&["--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v.as_array().unwrap();
    let names: Vec<&str> = list.iter().map(|e| e["learner"]["lastname"].as_str().unwrap()).collect();
    assert_eq!(names[..2], ["reminded_twice_5d", "reminded_4d"], "most urgent first");
    assert_eq!(list.len(), 8);
    let first = &list[0];
    assert_eq!(first["next_step"], "call");
    assert_eq!(first["group"], "never_course");
    assert_eq!(first["reminders_sent"], 2);
    assert_eq!(first["days_open"], 10);
    assert_eq!(first["course"]["shortname"], "TRI");
    assert!(first["last_reminder_at"].as_str().unwrap().ends_with('Z'));
    let suspended = list.iter().find(|e| e["learner"]["lastname"] == "suspended").unwrap();
    assert_eq!(
        (suspended["next_step"].as_str(), suspended["learner"]["suspended"].as_bool()),
        (Some("suspended"), Some(true))
    );

    // One course; the text form; an unknown course is a clear error with exit code 2.
    let out = run(&["--course", "FINI", "--json"]);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(), serde_json::json!([]));
    let out = run(&[]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("4 never logged in · 4 never opened the course"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("Call") && l.contains("reminded_twice_5d")), "{text}");
    let out = run(&["--course", "AILLEURS"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AILLEURS"));
    let _ = t;
}
