//! Trust at the edges, below the UI (issue 18): one damaged value stays in its row, a lost
//! or read-only database refuses writes with a clear error, an unknown tutor is an error,
//! a newer schema is recognised, unsendable addresses are skipped when planning, and the
//! loser of a race for a learner sees them skipped with the reason.

mod support;

use support::remind::*;
use tutorat::reminders::SkipReason;
use tutorat::store::{ConnectOptions, Store, StoreError};

async fn exec_text(store: &Store, sql: &'static str) {
    tutorat::with_pool!(store, |p| sqlx::query(sql).execute(p).await.map(|_| ())).unwrap();
}

// Damage SQLite can hold and PostgreSQL's types cannot: there the same reads find nothing
// to flag.
both!(one_damaged_value_stays_in_its_row, |db| {
    let w = world(&db.store).await;
    let sqlite = db.store.backend() == "sqlite";
    if sqlite {
        // Bruno's last name as bytes that are not UTF-8; Alice's counters beyond 64 bits
        // and not a number.
        exec_text(
            &db.store,
            "UPDATE people SET lastname = CAST(X'427261C3' AS TEXT) WHERE username = 'bruno'",
        )
        .await;
        exec_text(&db.store, "UPDATE people SET firstname = X'416CC3' WHERE username = 'chloe'").await;
        exec_text(
            &db.store,
            "UPDATE enrolments SET missions_to_grade = 1e20, time_spent = 'beaucoup' \
             WHERE person_id = (SELECT id FROM people WHERE username = 'alice')",
        )
        .await;
    }
    // The course table: every learner is there; only the damaged rows are flagged.
    let cl = db.store.course_learners(&w.tutor, w.course).await.unwrap();
    assert_eq!(cl.rows.len(), 6);
    let row = |u: &str| cl.rows.iter().find(|r| r.username == u).unwrap();
    let damaged: Vec<&str> = cl.rows.iter().filter(|r| r.damaged).map(|r| r.username.as_str()).collect();
    if sqlite {
        assert_eq!(damaged, ["alice", "bruno", "chloe"]);
        assert_eq!(row("bruno").lastname, "Bra\u{FFFD}");
        assert_eq!(row("chloe").firstname, "Al\u{FFFD}");
        assert_eq!((row("alice").missions_to_grade, row("alice").time_spent), (0, 0));
        assert!(row("alice").is_inconsistent(cl.lessons_total), "flagged like impossible figures");
        assert_eq!(row("david").lastname, "Delta");
    } else {
        assert!(damaged.is_empty());
    }
    // The course list.
    let courses = db.store.tutored_courses(&w.tutor).await.unwrap();
    assert_eq!(courses.len(), 1);
    // The triage queue (tab 3 and `tutorat triage`).
    let queue = db.store.triage(&w.tutor, None, now()).await.unwrap();
    let bruno = queue.iter().find(|r| r.username == "bruno").expect("bruno is in the queue");
    assert_eq!(bruno.damaged, sqlite);
    assert!(queue.iter().filter(|r| r.username != "bruno" && r.username != "chloe").all(|r| !r.damaged));
    // The plan (`remind --dry-run` and the dialog): a damaged learner is skipped, the
    // others are not affected.
    let rem = reminders();
    let p = plan(&db.store, &rem, &w.tutor, w.all(), false).await;
    let sent: Vec<&str> = p.send.iter().map(|r| r.username.as_str()).collect();
    let why = |u: &str| p.skipped.iter().find(|(r, _)| r.username == u).map(|(_, w)| *w);
    if sqlite {
        assert_eq!(sent, ["alice"]);
        assert_eq!(why("bruno"), Some(SkipReason::DamagedData));
    } else {
        assert_eq!(sent, ["alice", "bruno"]);
    }
    // The Relances tab, once bruno has a reminder: his line is there, flagged.
    let mut fx = support::fixture::Fx::new(&db.store).await;
    fx.reminder(w.enrolment("bruno"), w.tutor.person_id(), "never_accessed", "sent", now()).await;
    fx.done().await;
    let log = db.store.reminder_log(&w.tutor, None, 10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].damaged, sqlite);
    // The tutor's own record.
    assert!(!db.store.known_scope("mlefevre").await.unwrap().person.unwrap().damaged);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_database_refuses_writes() {
    let db = support::sqlite().await;
    let w = world(&db.store).await;
    let file = db.url().trim_start_matches("sqlite://").to_string();
    let e = w.enrolment("alice");
    db.store.add_contact_notes(&w.tutor, &[e], "Appel", now()).await.unwrap();
    // Deleted while open: the pool still writes to the unlinked file; refused instead.
    std::fs::remove_file(&file).unwrap();
    let err = db.store.add_contact_notes(&w.tutor, &[e], "Appel", now()).await.unwrap_err();
    assert!(matches!(err, StoreError::Lost { what: "deleted", .. }), "{err:?}");
    assert!(err.to_string().contains("was deleted while tutorat was running; nothing was saved"), "{err}");
    assert!(db.store.check_file().is_err());
    // The outbox refuses too (a claim is a write).
    assert!(matches!(db.store.claim_reminder(1, "me", now()).await, Err(StoreError::Lost { .. })));

    // Replaced: another file now has the name.
    let db = support::sqlite().await;
    let w = world(&db.store).await;
    let file = db.url().trim_start_matches("sqlite://").to_string();
    let other = format!("{file}.new");
    std::fs::copy(&file, &other).unwrap();
    std::fs::rename(&other, &file).unwrap();
    let err = db.store.add_contact_notes(&w.tutor, &[w.enrolment("alice")], "x", now()).await.unwrap_err();
    assert!(matches!(err, StoreError::Lost { what: "replaced", .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_store_refuses_writes_up_front() {
    let db = support::sqlite().await;
    let w = world(&db.store).await;
    let opts = ConnectOptions { read_only: true, create: false, ..ConnectOptions::default() };
    let ro = Store::connect(&db.target, &opts).await.unwrap();
    assert!(ro.is_read_only() && !db.store.is_read_only());
    ro.migrate(&db.label()).await.unwrap(); // up to date: nothing to write
    assert_eq!(ro.course_learners(&w.tutor, w.course).await.unwrap().rows.len(), 6);
    let err = ro.add_contact_notes(&w.tutor, &[w.enrolment("alice")], "x", now()).await.unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
    assert!(err.to_string().contains("is read-only"), "{err}");
    assert!(matches!(ro.set_meta("k", "v").await, Err(StoreError::ReadOnly { .. })));
}

both!(unknown_tutors_and_newer_schemas, |db| {
    world(&db.store).await;
    assert!(db.store.known_scope("mlefevre").await.unwrap().is_known());
    let e = db.store.known_scope("nobody").await.unwrap_err();
    assert!(matches!(&e, StoreError::UnknownTutor { suggestion: None, .. }), "{e:?}");
    assert!(e.is_user_error());
    let e = db.store.known_scope("ADMIN").await.unwrap_err();
    assert!(e.to_string().contains("usernames are case-sensitive: \"admin\"?"), "{e}");
    let e = db.store.known_scope("").await.unwrap_err();
    assert!(e.to_string().starts_with("no tutor given"), "{e}");

    assert_eq!(db.store.schema_state().await.unwrap(), tutorat::store::Schema::Current);
    const FUTURE: &str = "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                          VALUES (99, 'future', TRUE, $1, 0)";
    tutorat::with_pool!(&db.store, |p| sqlx::query(FUTURE).bind(vec![0u8]).execute(p).await.map(|_| ()))
        .unwrap();
    let e = db.store.migrate(&db.label()).await.unwrap_err();
    assert!(matches!(e, StoreError::TooNew { found: 99, .. }), "{e:?}");
    assert!(e.to_string().contains("made by a newer tutorat"), "{e}");
});

both!(unsendable_addresses_are_skipped_when_planning, |db| {
    let w = world(&db.store).await;
    exec_text(&db.store, "UPDATE people SET email = '\"x y\"@example.org' WHERE username = 'alice'").await;
    exec_text(&db.store, "UPDATE people SET email = 'x@[127.0.0.1]' WHERE username = 'bruno'").await;
    let rem = reminders();
    let p = plan(&db.store, &rem, &w.tutor, vec![w.enrolment("alice"), w.enrolment("bruno")], false).await;
    assert!(p.send.is_empty(), "{:?}", p.send);
    assert!(p.skipped.iter().all(|(_, why)| *why == SkipReason::InvalidEmail), "{:?}", p.skipped);
});

both!(the_loser_of_a_race_lists_the_learner_as_skipped, |db| {
    let w = world(&db.store).await;
    let rem = reminders();
    let alice = w.enrolment("alice");
    // Two runs plan alice at the same moment; the other one queues first.
    let mut mine = plan(&db.store, &rem, &w.tutor, vec![alice, w.enrolment("bruno")], false).await;
    let theirs = plan(&db.store, &rem, &w.tutor, vec![alice], false).await;
    rem.enqueue(&db.store, &w.tutor, &theirs, &compose("never_accessed"), now()).await.unwrap();
    let q = rem.enqueue(&db.store, &w.tutor, &mine, &compose("never_accessed"), now()).await.unwrap();
    assert_eq!(q.queued, 1);
    tutorat::cli::remind::settle(&mut mine, q.skipped_now);
    let sent: Vec<&str> = mine.send.iter().map(|r| r.username.as_str()).collect();
    assert_eq!(sent, ["bruno"]);
    let (r, why) = mine.skipped.iter().find(|(r, _)| r.enrolment_id == alice).expect("alice is skipped");
    assert_eq!(r.username, "alice");
    assert!(matches!(why, SkipReason::RecentlyReminded { .. }));
});
