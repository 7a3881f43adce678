//! Issue 19 below the dashboard, on both databases: reminders that fit the learner, the
//! triage of learners no reminder can reach, errors stored as codes and read in the
//! reader's language, a demo that keeps to its own clock; and the command line in one
//! language, through the real binary.

mod support;

use support::fixture::Fx;
use support::remind::{compose, now, reminders, rows, send, smtp, world};
use support::smtp::{Mode, Sink};
use tutorat::config::Config;
use tutorat::locale::{Lang, Locale};
use tutorat::model::audience::LearnerState;
use tutorat::model::delivery::Failure;
use tutorat::model::triage::{ReminderState, Step, step};
use tutorat::reminders::describe::failure_text;
use tutorat::reminders::{IncludeUnfit, Kind, PlanRequest, SkipReason};
use tutorat::store::Store;
use tutorat::store::demo;

const DAY: i64 = 86_400;

async fn exec(store: &Store, sql: &'static str, a: &str, id: i64) {
    tutorat::with_pool!(store, |p| sqlx::query(sql).bind(a).bind(id).execute(p).await.map(|_| ())).unwrap();
}

/// A course of two lessons and one learner per state, with their enrolments by username.
async fn states(store: &Store, now: i64) -> std::collections::HashMap<&'static str, i64> {
    let mut fx = Fx::new(store).await;
    let course = fx.course("FIT", "Adapter les relances", None).await;
    fx.lesson(course, "elearning", "Intro").await;
    fx.lesson(course, "quiz", "Quiz").await;
    let tutor = fx.person("tutor", "Marie", "Lefèvre").await;
    fx.tutor(course, tutor).await;
    let mut by = std::collections::HashMap::new();
    for (u, done, started, access) in [
        ("fini", 2, 2, Some(now - 2 * DAY)),
        ("minute", 0, 0, Some(now - 60)),
        ("jamais", 0, 0, None),
        ("encours", 1, 1, Some(now - 3 * DAY)),
    ] {
        let p = fx.person(u, "Prénom", u).await;
        by.insert(u, fx.enrol(course, p, done, started, 600, access).await);
    }
    fx.done().await;
    by
}

both!(a_template_is_sent_only_to_the_learners_it_fits, |db| {
    let t = now();
    let e = states(&db.store, t).await;
    let scope = db.store.scope_for("tutor").await.unwrap();
    let rem = reminders();
    let ids = vec![e["fini"], e["minute"], e["jamais"], e["encours"]];
    let req = PlanRequest { enrolment_ids: ids.clone(), force: false, kind: Kind::Reminder };
    let plan = |template: &'static str, include: IncludeUnfit| {
        let (rem, req, store, scope) = (&rem, &req, &db.store, &scope);
        async move { rem.plan_for_template(store, scope, req, template, &include, t).await.unwrap() }
    };
    let sent = |p: &tutorat::reminders::Plan| p.send.iter().map(|r| r.lastname.clone()).collect::<Vec<_>>();

    // "Nous ne vous y avons pas encore vu(e)": only to the one who never came.
    let p = plan("never_accessed", IncludeUnfit::None).await;
    assert_eq!(sent(&p), ["jamais"]);
    let why: Vec<(String, SkipReason)> = p.skipped.iter().map(|(r, w)| (r.lastname.clone(), *w)).collect();
    assert_eq!(
        why,
        [
            (
                "fini".into(),
                SkipReason::DoesNotFit { state: LearnerState::Completed, last_access: Some(t - 2 * DAY) }
            ),
            (
                "minute".into(),
                SkipReason::DoesNotFit { state: LearnerState::NotStarted, last_access: Some(t - 60) }
            ),
            (
                "encours".into(),
                SkipReason::DoesNotFit { state: LearnerState::InProgress, last_access: Some(t - 3 * DAY) }
            ),
        ]
    );
    let fr = Locale::new(Lang::Fr);
    let tz = rem.settings.tz;
    assert_eq!(p.skipped[0].1.describe(&fr, tz), "a terminé la formation");
    assert!(
        p.skipped[1].1.describe(&fr, tz).starts_with("connecté(e) le "),
        "{}",
        p.skipped[1].1.describe(&fr, tz)
    );
    assert_eq!(p.skipped[0].1.code(), "does_not_fit");
    assert!(p.warnings().is_empty());

    // The other built-in templates say who they are for.
    assert_eq!(sent(&plan("not_started", IncludeUnfit::None).await), ["minute", "jamais"]);
    assert_eq!(sent(&plan("behind_schedule", IncludeUnfit::None).await), ["minute", "encours"]);

    // The tutor includes one anyway: sent, with the warning the dialog shows beside them.
    let p = plan("never_accessed", IncludeUnfit::These(vec![e["minute"]])).await;
    assert_eq!(sent(&p), ["minute", "jamais"]);
    let w = p.warnings();
    assert_eq!(w.len(), 1);
    assert_eq!((w[0].0.lastname.as_str(), w[0].1.code()), ("minute", "does_not_fit"));
    assert_eq!(sent(&plan("never_accessed", IncludeUnfit::All).await).len(), 4);
    let q = rem.enqueue(&db.store, &scope, &p, &compose("never_accessed"), t).await.unwrap();
    assert_eq!(q.queued, 2);

    // The announcement of a virtual class needs one: not offered without it.
    let offered = |has: bool| rem.templates.offered(has).into_iter().map(|(i, _)| i.name).collect::<Vec<_>>();
    assert!(!offered(false).contains(&"virtual_class".to_string()), "{:?}", offered(false));
    assert!(offered(true).contains(&"virtual_class".to_string()));
    assert!(rem.templates.info("virtual_class").unwrap().needs_class);
    assert!(!rem.templates.info("never_accessed").unwrap().needs_class);
});

/// Learners who never opened a course, one per contact situation.
async fn unreachable(store: &Store, now: i64) {
    let mut fx = Fx::new(store).await;
    let course = fx.course("INJ", "Injoignables", None).await;
    let tutor = fx.person("tutor", "Marie", "Lefèvre").await;
    fx.tutor(course, tutor).await;
    let mut ids = std::collections::HashMap::new();
    for u in [
        "sans_mail_tel",
        "sans_rien",
        "fictif_tel",
        "fictif",
        "invalide",
        "ok",
        "deux_fois",
        "deux_fois_tel",
        "incertaine",
    ] {
        let p = fx.person(u, "Prénom", u).await;
        ids.insert(u, fx.enrol(course, p, 0, 0, 0, None).await);
    }
    for (e, status, days) in [
        ("deux_fois", "sent", 9),
        ("deux_fois", "sent", 5),
        ("deux_fois_tel", "sent", 9),
        ("deux_fois_tel", "sent", 5),
        ("incertaine", "uncertain", 10),
    ] {
        fx.reminder(ids[e], tutor, "never_accessed", status, now - days * DAY).await;
    }
    fx.done().await;
    let set = |col: &'static str| match col {
        "email" => "UPDATE people SET email = $1 WHERE id = $2",
        _ => "UPDATE people SET phone = $1 WHERE id = $2",
    };
    let person = |u: &str| {
        let sql = "SELECT id FROM people WHERE username = $1";
        let u = u.to_string();
        async move {
            tutorat::with_pool!(store, |p| sqlx::query_scalar::<_, i64>(sql).bind(&u).fetch_one(p).await)
                .unwrap()
        }
    };
    for u in ["sans_mail_tel", "sans_rien"] {
        tutorat::with_pool!(store, |p| sqlx::query("UPDATE people SET email = NULL WHERE username = $1")
            .bind(u)
            .execute(p)
            .await
            .map(|_| ()))
        .unwrap();
    }
    exec(store, set("email"), "p.fictif.fictif@exemple.fr", person("fictif_tel").await).await;
    exec(store, set("email"), "p.fictif.fictif@exemple.fr", person("fictif").await).await;
    exec(store, set("email"), "jean@", person("invalide").await).await;
    for u in ["sans_mail_tel", "fictif_tel", "deux_fois_tel"] {
        exec(store, set("phone"), "06 12 34 56 78", person(u).await).await;
    }
}

both!(no_usable_email_means_call_or_find_contact_details, |db| {
    let t = now();
    unreachable(&db.store, t).await;
    let scope = db.store.scope_for("tutor").await.unwrap();
    let rules = Config::default().triage_rules();
    let rows = db.store.triage(&scope, None, t).await.unwrap();
    let of = |u: &str| rows.iter().find(|r| r.lastname == u).unwrap_or_else(|| panic!("{u} in the queue"));
    let steps: Vec<(&str, Step)> = [
        "sans_mail_tel",
        "sans_rien",
        "fictif_tel",
        "fictif",
        "invalide",
        "ok",
        "deux_fois",
        "deux_fois_tel",
        "incertaine",
    ]
    .into_iter()
    .map(|u| (u, step(&of(u).follow_up(), t, &rules)))
    .collect();
    assert_eq!(
        steps,
        [
            ("sans_mail_tel", Step::Call),
            ("sans_rien", Step::FindContact),
            ("fictif_tel", Step::Call),
            ("fictif", Step::FindContact),
            ("invalide", Step::FindContact),
            ("ok", Step::Remind),
            ("deux_fois", Step::FindContact),
            ("deux_fois_tel", Step::Call),
            ("incertaine", Step::Wait),
        ]
    );
    // An uncertain reminder is not one being sent.
    let u = of("incertaine");
    assert_eq!((u.reminders_in_flight, u.reminders_uncertain), (0, 1));
    assert_eq!(u.follow_up().reminder_state(), ReminderState::Uncertain);
    let fr = Locale::new(Lang::Fr);
    assert_eq!(fr.t(u.follow_up().reminder_state().label_key().unwrap()), "incertaine");
    assert_eq!(fr.t(Step::FindContact.label_key()), "Coordonnées à trouver");
});

both!(errors_are_stored_as_codes_and_read_in_the_readers_language, |db| {
    let w = world(&db.store).await;
    let rem = reminders();
    let p = support::remind::plan(&db.store, &rem, &w.tutor, vec![w.enrolment("alice")], false).await;
    rem.enqueue(&db.store, &w.tutor, &p, &compose("never_accessed"), now()).await.unwrap();
    let sink = Sink::start(Mode::Reject5xx).await;
    send(&db.store, &rem, &smtp(sink.port), &w.tutor).await;
    for (_, status, _, error, _) in rows(&db.store).await {
        assert_eq!(status, "failed");
        let stored: serde_json::Value = serde_json::from_str(&error.unwrap()).expect("a code, not text");
        assert_eq!(stored["code"], "refused");
        assert!(stored["reply"].as_str().unwrap().contains("550"), "{stored}");
    }
    let log = db.store.reminder_log(&w.tutor, Some("failed"), 10).await.unwrap();
    let f = log[0].failure.clone().unwrap();
    assert!(matches!(&f, Failure::Refused { .. }), "{f:?}");
    let (fr, en) = (Locale::new(Lang::Fr), Locale::new(Lang::En));
    assert!(failure_text(&f, &fr).starts_with("refusée par le serveur : "), "{}", failure_text(&f, &fr));
    assert!(failure_text(&f, &en).starts_with("refused by the server: "));
    // The English words stay in `error` for the log and older readers.
    assert!(log[0].error.as_deref().unwrap().starts_with("refused by the server: "));
    // A row written before codes reads as it was written.
    tutorat::with_pool!(&db.store, |p| sqlx::query("UPDATE reminders SET error = $1")
        .bind("refused by the server: permanent error (550): old")
        .execute(p)
        .await
        .map(|_| ()))
    .unwrap();
    let log = db.store.reminder_log(&w.tutor, Some("failed"), 10).await.unwrap();
    assert_eq!(
        failure_text(log[0].failure.as_ref().unwrap(), &fr),
        "refused by the server: permanent error (550): old"
    );
});

both!(the_demo_keeps_to_its_clock_and_not_started_is_not_never, |db| {
    const NOW: i64 = 1_763_800_000;
    demo::load(&db.store, NOW).await.unwrap();
    let count = |sql: &'static str| {
        let store = &db.store;
        async move {
            tutorat::with_pool!(store, |p| sqlx::query_scalar::<_, i64>(sql).bind(NOW).fetch_one(p).await)
                .unwrap()
        }
    };
    // What the report flags "date dans le futur": none in a fresh demo.
    assert_eq!(count("SELECT COUNT(*) FROM attempts WHERE started_at > $1").await, 0);
    assert_eq!(count("SELECT COUNT(*) FROM lesson_progress WHERE status_at > $1 + 60").await, 0);
    assert_eq!(count("SELECT COUNT(*) FROM attempts WHERE started_at + time_spent > $1").await, 0);
    // Learners who opened a course and started no lesson: Non c. counts them, Jamais not.
    let scope = db.store.scope_for("admin").await.unwrap();
    let courses = db.store.tutored_courses(&scope).await.unwrap();
    assert!(courses.iter().all(|c| c.not_started >= c.never_accessed), "{courses:#?}");
    let differ = courses.iter().filter(|c| c.not_started > c.never_accessed).count();
    assert!(
        differ * 2 >= courses.len(),
        "Non c. differs from Jamais in {differ} of {} courses",
        courses.len()
    );
});

/// The command line, in French, through the real binary.
mod cli {
    use std::process::{Command, Output};

    fn tutorat(db: &str, lang: &str, args: &[&str]) -> Output {
        let home = tempfile::tempdir().unwrap();
        let cfg = home.path().join("c.toml");
        std::fs::write(
            &cfg,
            format!(
                "[reminders]\ntransport = \"outbox\"\noutbox_dir = \"{}\"\n[log]\nfile = \"{}\"\n",
                home.path().join("outbox").display(),
                home.path().join("t.log").display()
            ),
        )
        .unwrap();
        Command::new(env!("CARGO_BIN_EXE_tutorat"))
            .args(["--db", db, "--config", cfg.to_str().unwrap(), "--locale", lang])
            .args(args)
            .env("HOME", home.path())
            .env_remove("DATABASE_URL")
            .env_remove("TUTORAT_CONFIG")
            .output()
            .unwrap()
    }

    fn text(o: &[u8]) -> String {
        String::from_utf8_lossy(o).into_owned()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn remind_speaks_one_language() {
        let db = super::support::sqlite().await;
        let _w = super::world(&db.store).await;
        let url = db.url();
        let dry = [
            "--tutor",
            "mlefevre",
            "remind",
            "--course",
            "C01",
            "--all",
            "--template",
            "behind_schedule",
            "--dry-run",
        ];
        let out = tutorat(&url, "fr", &dry);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(stdout.contains("À relancer : 2   écartés : 4"), "{stdout}");
        assert!(stdout.contains("  écarté CHARLIE Chloé : pas d'adresse e-mail"), "{stdout}");
        assert!(stdout.contains("Objet : "), "{stdout}");
        for english in ["To remind", "skipped", "Subject:", "forced"] {
            assert!(!stdout.contains(english), "{english:?} in French output:\n{stdout}");
        }
        let out = tutorat(&url, "en", &dry);
        assert!(text(&out.stdout).contains("To remind: 2   skipped: 4"), "{}", text(&out.stdout));

        // Errors too, and the announcement of a virtual class is not offered here.
        let mut vc = dry;
        vc[7] = "virtual_class";
        let out = tutorat(&url, "fr", &vc);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.starts_with("tutorat : le modèle \"virtual_class\" annonce une classe virtuelle"),
            "{err}"
        );
        assert!(!err.contains("virtual_class,") && err.contains("never_accessed"), "{err}");
        let mut nope = dry;
        nope[4] = "NOPE";
        let out = tutorat(&url, "fr", &nope);
        assert!(
            text(&out.stderr).contains("aucune formation \"NOPE\" parmi celles que suit mlefevre"),
            "{}",
            text(&out.stderr)
        );
        let out = tutorat(&url, "fr", &["--tutor", "personne", "triage"]);
        assert!(
            text(&out.stderr).contains("le tuteur \"personne\" n'est pas dans la base"),
            "{}",
            text(&out.stderr)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn triage_json_says_find_contact() {
        let db = super::support::sqlite().await;
        super::unreachable(&db.store, super::now()).await;
        let out = tutorat(&db.url(), "fr", &["--tutor", "tutor", "triage", "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let step = |u: &str| {
            j.as_array().unwrap().iter().find(|e| e["learner"]["lastname"] == u).unwrap()["next_step"].clone()
        };
        assert_eq!(step("sans_rien"), "find_contact");
        assert_eq!(step("sans_mail_tel"), "call");
        assert_eq!(step("deux_fois"), "find_contact");
        assert_eq!(step("ok"), "remind");
        // Most urgent first: calls, then contact details to find.
        let order: Vec<&str> =
            j.as_array().unwrap().iter().map(|e| e["next_step"].as_str().unwrap()).collect();
        assert_eq!(order[..3], ["call", "call", "call"]);
        assert_eq!(order[3..7], ["find_contact", "find_contact", "find_contact", "find_contact"]);
        let out = tutorat(&db.url(), "fr", &["--tutor", "tutor", "triage"]);
        let table = text(&out.stdout);
        assert!(table.contains("Coordonnées à trouver"), "{table}");
    }
}
