//! Reminders end to end on both databases, against a real SMTP server started by the test:
//! what arrives, skip rules, minimum interval, copy to the tutor, templates, attachments,
//! visibility and the outbox folder.

mod support;

use support::remind::*;
use support::smtp::{Mode, Sink};
use tutorat::reminders::templates::TemplateProblem;
use tutorat::reminders::{
    Attachment, AttachmentError, Compose, MAX_ATTACHMENTS_BYTES, RemindError, SkipReason, Transport,
};
use tutorat::store::StoreError;

both!(arrival_and_skip_rules, |db| {
    let w = world(&db.store).await;
    let rem = reminders();
    let sink = Sink::start(Mode::Accept).await;
    let p = plan(&db.store, &rem, &w.tutor, w.all(), false).await;
    let sent: Vec<&str> = p.send.iter().map(|r| r.username.as_str()).collect();
    assert_eq!(sent, ["alice", "bruno"]);
    let skipped: Vec<(&str, SkipReason)> = p.skipped.iter().map(|(r, s)| (r.username.as_str(), *s)).collect();
    assert_eq!(
        skipped,
        [
            ("chloe", SkipReason::NoEmail),
            ("david", SkipReason::Fictitious),
            ("emma", SkipReason::Suspended),
            ("fanny", SkipReason::Suspended)
        ]
    );
    assert_eq!(p.send[0].name, "ALPHA Alice");
    assert_eq!(p.copy_to.as_deref(), Some("mlefevre@exemple.fr"));

    let q = rem.enqueue(&db.store, &w.tutor, &p, &compose("never_accessed"), now()).await.unwrap();
    assert_eq!((q.queued, q.copy), (2, true));
    let s = send(&db.store, &rem, &smtp(sink.port), &w.tutor).await;
    assert_eq!((s.sent, s.failed, s.will_retry, s.uncertain), (3, 0, 0, 0));
    // One SMTP session for the whole sending.
    assert_eq!(sink.connections(), 1);

    let got = sink.received();
    let to: Vec<Vec<String>> = got.iter().map(|m| m.to.clone()).collect();
    assert_eq!(to, [vec!["alice@exemple.fr"], vec!["bruno@exemple.fr"], vec!["mlefevre@exemple.fr"]]);
    assert!(got.iter().all(|m| m.from == "tutorat@exemple.fr"));
    let alice = &got[0];
    assert_eq!(alice.subject(), "Cours 1 : L'avant-vente : votre formation vous attend");
    let body = alice.text();
    assert!(body.starts_with("Bonjour Alice,\n"), "{body}");
    assert!(
        body.contains(
            "connectez-vous à Campus.\nAdresse : https://campus.exemple.fr\nVotre identifiant : alice\n"
        ),
        "{body:?}"
    );
    assert!(body.contains("Marie Lefèvre\nmlefevre@exemple.fr"), "{body}");
    assert_eq!(alice.header("Reply-To").as_deref(), Some("mlefevre@exemple.fr"));
    // Every message carries the Message-ID stored with it.
    let log = db.store.reminder_log(&w.tutor, None, 100).await.unwrap();
    let mut stored: Vec<String> = rows(&db.store).await.iter().map(|r| r.1.clone()).collect();
    stored.dedup();
    assert_eq!(stored, ["sent"]);
    for m in &got {
        let mid = m.message_id();
        let n = tutorat::with_pool!(&db.store, |pool| sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM reminders WHERE message_id = $1 AND status = 'sent'"
        )
        .bind(&mid)
        .fetch_one(pool)
        .await)
        .unwrap();
        assert_eq!(n, 1, "{mid}");
    }

    // The copy lists the recipients and the skipped ones, then the message.
    let copy = &got[2];
    assert_eq!(copy.subject(), "[Copie] Cours 1 : L'avant-vente : votre formation vous attend");
    let c = copy.text();
    assert!(c.starts_with("Copie de la relance envoyée à 2 apprenants :"), "{c}");
    assert!(c.contains("- ALPHA Alice <alice@exemple.fr>\n- BRAVO Bruno <bruno@exemple.fr>"), "{c}");
    assert!(c.contains("- DELTA David (adresse e-mail fictive)"), "{c}");
    assert!(c.contains("Bonjour Alice,"), "{c}");

    // The Relances tab and the learner's history.
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|r| r.sender_name.as_deref() == Some("Marie Lefèvre") && r.status == "sent"));
    let copy_row = log.iter().find(|r| r.kind == "copy").unwrap();
    assert_eq!((copy_row.enrolment_id, copy_row.course_shortname.as_deref()), (None, Some("C01")));
    let learner_row = log.iter().find(|r| r.learner_username.as_deref() == Some("alice")).unwrap();
    assert_eq!(learner_row.learner_display(), "ALPHA Alice");
    assert_eq!(learner_row.template, "never_accessed");
    let report = db.store.learner_report(&w.tutor, w.enrolment("alice")).await.unwrap();
    assert_eq!(report.reminders.len(), 1);
    assert_eq!(report.reminders[0].status, "sent");
    assert_eq!(db.store.reminder_log(&w.tutor, Some("failed"), 100).await.unwrap().len(), 0);
});

both!(minimum_interval_and_force, |db| {
    let w = world(&db.store).await;
    let rem = reminders();
    let sink = Sink::start(Mode::Accept).await;
    let t = smtp(sink.port);
    let ab = vec![w.enrolment("alice"), w.enrolment("bruno")];
    let p = plan(&db.store, &rem, &w.tutor, ab.clone(), false).await;
    rem.enqueue(&db.store, &w.tutor, &p, &compose("not_started"), now()).await.unwrap();
    // A queued reminder already counts: no second one, even before it leaves.
    let again = plan(&db.store, &rem, &w.tutor, ab.clone(), false).await;
    assert!(again.send.is_empty());
    assert!(matches!(again.skipped[0].1, SkipReason::RecentlyReminded { .. }));
    assert_eq!(
        rem.enqueue(&db.store, &w.tutor, &again, &compose("not_started"), now())
            .await
            .err()
            .map(|e| e.to_string()),
        Some(RemindError::NothingToSend.to_string())
    );
    send(&db.store, &rem, &t, &w.tutor).await;
    // Another kind of message is not blocked by a reminder.
    let req = tutorat::reminders::PlanRequest {
        enrolment_ids: ab.clone(),
        force: false,
        kind: tutorat::reminders::Kind::VirtualClass,
    };
    assert_eq!(rem.plan(&db.store, &w.tutor, &req, now()).await.unwrap().send.len(), 2);
    // Forced: sent anyway, and recorded as forced.
    let forced = plan(&db.store, &rem, &w.tutor, ab.clone(), true).await;
    assert_eq!((forced.send.len(), forced.forced_count()), (2, 2));
    rem.enqueue(&db.store, &w.tutor, &forced, &compose("not_started"), now()).await.unwrap();
    let s = send(&db.store, &rem, &t, &w.tutor).await;
    assert_eq!(s.sent, 3);
    let log = db.store.reminder_log(&w.tutor, None, 100).await.unwrap();
    assert_eq!(log.iter().filter(|r| r.forced).count(), 2);
    // Older than the interval: due again.
    exec(&db.store, "UPDATE reminders SET created_at = created_at - 73 * 3600, sent_at = sent_at - 73 * 3600 WHERE $1 > 0", 1).await;
    assert_eq!(plan(&db.store, &rem, &w.tutor, ab.clone(), false).await.send.len(), 2);
    // Two tutors planning the same learners at once: the second enqueue finds them taken.
    let p1 = plan(&db.store, &rem, &w.tutor, ab.clone(), false).await;
    let p2 = plan(&db.store, &rem, &w.admin, ab.clone(), false).await;
    let q1 = rem.enqueue(&db.store, &w.tutor, &p1, &compose("not_started"), now()).await.unwrap();
    let q2 = rem.enqueue(&db.store, &w.admin, &p2, &compose("not_started"), now()).await.unwrap();
    assert_eq!((q1.queued, q2.queued, q2.skipped_now.len(), q2.copy), (2, 0, 2, false));
});

both!(template_errors_queue_nothing, |db| {
    let w = world(&db.store).await;
    let rem = reminders();
    let p = plan(&db.store, &rem, &w.tutor, w.all(), false).await;
    let bad = Compose {
        template: "never_accessed".into(),
        edited_body: Some("Bonjour {{ learner.firstname }},\n\n{{ learner.nmae }}\n".into()),
        ..Compose::default()
    };
    let e = rem.preview(&w.tutor, &p.send[0], &bad, now()).unwrap_err();
    assert_eq!(e.problem, TemplateProblem::UnknownVariable("learner.nmae".into()));
    assert_eq!(e.line, Some(3));
    let err = rem.enqueue(&db.store, &w.tutor, &p, &bad, now()).await.unwrap_err();
    assert!(matches!(err, RemindError::Template(_)), "{err}");
    assert!(rows(&db.store).await.is_empty());
    // The edited body renders like a template, for each recipient.
    let good = Compose {
        edited_body: Some("Salut {{ learner.firstname }} ({{ learner.progress }} %)\n".into()),
        ..bad
    };
    assert_eq!(rem.preview(&w.tutor, &p.send[1], &good, now()).unwrap().body, "Salut Bruno (50 %)\n");
    let e = rem.preview(&w.tutor, &p.send[0], &compose("no_such_template"), now()).unwrap_err();
    assert_eq!(e.problem, TemplateProblem::UnknownTemplate);
    // The announcement without its class: strict mode says what is missing.
    let e = rem.preview(&w.tutor, &p.send[0], &compose("virtual_class"), now()).unwrap_err();
    assert!(
        matches!(e.problem, TemplateProblem::UnknownVariable(ref v) if v.starts_with("virtual_class")),
        "{e}"
    );
});

both!(attachments_and_their_limit, |db| {
    let w = world(&db.store).await;
    let rem = reminders();
    let sink = Sink::start(Mode::Accept).await;
    let p = plan(&db.store, &rem, &w.tutor, vec![w.enrolment("alice")], false).await;
    let big = |n: &str, len: usize| Attachment { filename: n.into(), bytes: vec![b'x'; len] };
    let too_much = Compose {
        attachments: vec![
            big("a.pdf", MAX_ATTACHMENTS_BYTES / 2),
            big("b.pdf", MAX_ATTACHMENTS_BYTES / 2 + 1),
        ],
        ..compose("never_accessed")
    };
    let err = rem.enqueue(&db.store, &w.tutor, &p, &too_much, now()).await.unwrap_err();
    assert!(
        matches!(err, RemindError::Attachments(AttachmentError::TooLarge { total, .. }) if total == MAX_ATTACHMENTS_BYTES + 1),
        "{err}"
    );
    assert!(rows(&db.store).await.is_empty());
    let ok = Compose {
        attachments: vec![big("Guide stagiaire.pdf", MAX_ATTACHMENTS_BYTES - 10), big("planning.txt", 10)],
        ..compose("never_accessed")
    };
    rem.enqueue(&db.store, &w.tutor, &p, &ok, now()).await.unwrap();
    let s = send(&db.store, &rem, &smtp(sink.port), &w.tutor).await;
    assert_eq!(s.sent, 2);
    for m in sink.received() {
        assert_eq!(m.attachments(), ["Guide stagiaire.pdf", "planning.txt"]);
        assert!(m.text().starts_with("Bonjour Alice,") || m.text().starts_with("Copie"), "{}", m.text());
    }
});

both!(only_tutored_courses, |db| {
    let w = world(&db.store).await;
    let rem = reminders();
    let p = plan(&db.store, &rem, &w.tutor, vec![w.enrolment("alice")], false).await;
    rem.enqueue(&db.store, &w.tutor, &p, &compose("never_accessed"), now()).await.unwrap();
    let req = tutorat::reminders::PlanRequest {
        enrolment_ids: vec![w.enrolment("alice")],
        force: false,
        kind: tutorat::reminders::Kind::Reminder,
    };
    let e = rem.plan(&db.store, &w.other_tutor, &req, now()).await.unwrap_err();
    assert!(matches!(e, RemindError::Store(StoreError::Forbidden(_))), "{e}");
    assert!(db.store.reminder_log(&w.other_tutor, None, 100).await.unwrap().is_empty());
    assert_eq!(db.store.reminder_log(&w.admin, None, 100).await.unwrap().len(), 2);
    let id = rows(&db.store).await[0].0;
    let e = tutorat::reminders::confirm_sent(&db.store, &w.other_tutor, id, now()).await.unwrap_err();
    assert!(matches!(e, StoreError::Forbidden(_)), "{e}");
    let e = tutorat::reminders::confirm_sent(&db.store, &w.tutor, id, now()).await.unwrap_err();
    assert!(matches!(e, StoreError::Invalid(ref m) if m.contains("queued")), "{e}");
});

both!(outbox_files, |db| {
    let w = world(&db.store).await;
    let rem = reminders();
    let dir = tempfile::tempdir().unwrap();
    let t = Transport::outbox(&dir.path().join("outbox")).unwrap();
    let p = plan(&db.store, &rem, &w.tutor, w.all(), false).await;
    rem.enqueue(&db.store, &w.tutor, &p, &compose("behind_schedule"), now()).await.unwrap();
    let s = send(&db.store, &rem, &t, &w.tutor).await;
    assert_eq!(s.sent, 3);
    let files = || {
        let mut v: Vec<String> = std::fs::read_dir(dir.path().join("outbox"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let first = files();
    assert_eq!(first.len(), 3);
    assert!(first.iter().all(|f| f.ends_with(".eml") && !f.starts_with('.')), "{first:?}");
    let text = std::fs::read_to_string(dir.path().join("outbox").join(&first[0])).unwrap();
    assert!(text.contains("Message-ID: <") && text.contains("To: alice@exemple.fr"), "{text}");
    // Resending a message (after an uncertain end) replaces its file: no duplicate.
    let id = rows(&db.store).await[0].0;
    exec(&db.store, "UPDATE reminders SET status = 'uncertain' WHERE id = $1", id).await;
    tutorat::reminders::retry(&db.store, &w.tutor, id, now()).await.unwrap();
    assert_eq!(send(&db.store, &rem, &t, &w.tutor).await.sent, 1);
    assert_eq!(files(), first);
});
