//! A misbehaving SMTP server, on both databases: refusals (5xx, 4xx), a connection closed
//! mid-transaction, a server that is down; retries with backoff up to max_tries; sends
//! interrupted by a dead process become uncertain and are only resent by the tutor.

mod support;

use support::remind::*;
use support::smtp::{Mode, Sink, closed_port};
use tutorat::reminders::{self, CancelToken, dispatch};

async fn queue_two(db: &support::TestDb, w: &World, rem: &tutorat::reminders::Reminders) {
    let p = plan(&db.store, rem, &w.tutor, vec![w.enrolment("alice"), w.enrolment("bruno")], false).await;
    rem.enqueue(&db.store, &w.tutor, &p, &compose("never_accessed"), now()).await.unwrap();
}

both!(refused_for_good_is_not_retried, |db| {
    let w = world(&db.store).await;
    let rem = reminders();
    queue_two(&db, &w, &rem).await;
    let sink = Sink::start(Mode::Reject5xx).await;
    let t = smtp(sink.port);
    let s = send(&db.store, &rem, &t, &w.tutor).await;
    assert_eq!((s.sent, s.failed, s.will_retry), (0, 3, 0));
    for (_, status, tries, error, next) in rows(&db.store).await {
        assert_eq!((status.as_str(), tries, next), ("failed", 1, None));
        assert!(error.unwrap().contains("550"));
    }
    // Not due again by itself…
    sink.set_mode(Mode::Accept);
    assert_eq!(send(&db.store, &rem, &t, &w.tutor).await.sent, 0);
    // …until the tutor retries it (R in the Relances tab).
    let failed = db.store.reminder_log(&w.tutor, Some("failed"), 10).await.unwrap();
    assert_eq!(failed.len(), 3);
    reminders::retry(&db.store, &w.tutor, failed[0].id, now()).await.unwrap();
    let s = send(&db.store, &rem, &t, &w.tutor).await;
    assert_eq!(s.sent, 1);
    assert_eq!(sink.count(), 1);
    assert_eq!(sink.received()[0].message_id(), {
        let sql = "SELECT message_id FROM reminders WHERE id = $1";
        tutorat::with_pool!(&db.store, |p| sqlx::query_scalar::<_, String>(sql)
            .bind(failed[0].id)
            .fetch_one(p)
            .await)
        .unwrap()
    });
});

both!(transient_failures_are_retried_then_stay_failed, |db| {
    let w = world(&db.store).await;
    let rem = reminders(); // max_tries 3, backoff 0 s
    queue_two(&db, &w, &rem).await;
    let sink = Sink::start(Mode::DropAfterMail).await;
    let t = smtp(sink.port);
    // Connection closed after MAIL FROM: not delivered, try again later.
    let s = send(&db.store, &rem, &t, &w.tutor).await;
    assert_eq!((s.sent, s.failed, s.will_retry), (0, 0, 3));
    assert!(rows(&db.store).await.iter().all(|r| r.1 == "failed" && r.2 == 1 && r.4.is_some()));
    // Server asks to try later (4xx).
    sink.set_mode(Mode::Reject4xx);
    let s = send(&db.store, &rem, &t, &w.tutor).await;
    assert_eq!(s.will_retry, 3);
    assert!(rows(&db.store).await.iter().all(|r| r.2 == 2 && r.3.as_deref().unwrap().contains("451")));
    // Server down.
    let s = send(&db.store, &rem, &smtp(closed_port()), &w.tutor).await;
    // Third and last try: failed for good.
    assert_eq!((s.failed, s.will_retry), (3, 0));
    assert!(rows(&db.store).await.iter().all(|r| r.1 == "failed" && r.2 == 3 && r.4.is_none()));
    sink.set_mode(Mode::Accept);
    assert_eq!(send(&db.store, &rem, &t, &w.tutor).await.sent, 0);
    assert_eq!(sink.count(), 0);
    // The tutor's retry gives each one more try.
    for r in rows(&db.store).await {
        reminders::retry(&db.store, &w.tutor, r.0, now()).await.unwrap();
    }
    assert_eq!(send(&db.store, &rem, &t, &w.tutor).await.sent, 3);
    let mut ids: Vec<String> = sink.received().iter().map(|m| m.message_id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3);
});

both!(no_answer_after_the_message_is_uncertain, |db| {
    let w = world(&db.store).await;
    let rem = reminders();
    queue_two(&db, &w, &rem).await;
    // The server reads the whole message, then the connection dies before its "250 OK":
    // it may have taken the message, so it is not sent again without the tutor.
    let sink = Sink::start(Mode::DropAfterData).await;
    let t = smtp(sink.port);
    let s = send(&db.store, &rem, &t, &w.tutor).await;
    assert_eq!((s.sent, s.failed, s.will_retry, s.uncertain), (0, 0, 0, 3));
    for r in rows(&db.store).await {
        assert_eq!((r.1.as_str(), r.4), ("uncertain", None));
        // Stored as a code; its English words (the log's) say it may have arrived.
        let f = tutorat::model::delivery::Failure::from_db(&r.3.unwrap());
        assert_eq!(f.code(), "after_message", "{f:?}");
        assert!(f.to_string().contains("may have been delivered"));
    }
    sink.set_mode(Mode::Accept);
    assert_eq!(send(&db.store, &rem, &t, &w.tutor).await.sent, 0);
    assert_eq!(db.store.reminder_log(&w.tutor, Some("uncertain"), 10).await.unwrap().len(), 3);
});

both!(server_down_then_back, |db| {
    let w = world(&db.store).await;
    let mut cfg = config();
    cfg.reminders.backoff_secs = vec![3600];
    let rem = tutorat::reminders::Reminders::from_config(&cfg, tutorat::locale::Lang::Fr).unwrap();
    queue_two(&db, &w, &rem).await;
    let s = send(&db.store, &rem, &smtp(closed_port()), &w.tutor).await;
    assert_eq!((s.sent, s.will_retry), (0, 3));
    let r = rows(&db.store).await;
    let words = |e: &str| tutorat::model::delivery::Failure::from_db(e).to_string();
    assert!(r.iter().all(|r| words(r.3.as_deref().unwrap()).contains("could not reach the server")), "{r:?}");
    // Backoff: not due for an hour.
    let next = db.store.next_retry_at(w.tutor.person_id()).await.unwrap().unwrap();
    assert!(next >= now() + 3500);
    let sink = Sink::start(Mode::Accept).await;
    let t = smtp(sink.port);
    assert_eq!(send(&db.store, &rem, &t, &w.tutor).await.sent, 0);
    exec(&db.store, "UPDATE reminders SET next_try_at = next_try_at - 3600 WHERE $1 > 0", 1).await;
    let s = send(&db.store, &rem, &t, &w.tutor).await;
    assert_eq!((s.sent, s.failed), (3, 0));
    assert!(rows(&db.store).await.iter().all(|r| r.1 == "sent" && r.2 == 2 && r.3.is_none()));
});

both!(interrupted_sends_become_uncertain, |db| {
    let w = world(&db.store).await;
    let rem = reminders();
    queue_two(&db, &w, &rem).await;
    let ids: Vec<i64> = rows(&db.store).await.iter().map(|r| r.0).collect();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_string();
    // A claim by a process of this machine that no longer exists: uncertain at once.
    let dead = format!("{host}:99999999:0");
    // A claim by a live process elsewhere: left alone until the lease runs out.
    let live = "elsewhere.example:42:0".to_string();
    for (id, owner, age) in [(ids[0], dead, 0), (ids[1], live.clone(), 0), (ids[2], live, 601)] {
        let sql = "UPDATE reminders SET status = 'sending', tries = 1, claimed_by = $1, claimed_at = $2 WHERE id = $3";
        let at = now() - age;
        tutorat::with_pool!(&db.store, |p| sqlx::query(sql)
            .bind(&owner)
            .bind(at)
            .bind(id)
            .execute(p)
            .await
            .map(|_| ()))
        .unwrap();
    }
    let sink = Sink::start(Mode::Accept).await;
    let t = smtp(sink.port);
    let s = send(&db.store, &rem, &t, &w.tutor).await;
    assert_eq!((s.sent, s.recovered, s.uncertain), (0, 2, 2));
    let r = rows(&db.store).await;
    let st: Vec<&str> = r.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(st, ["uncertain", "sending", "uncertain"]);
    assert_eq!(sink.count(), 0, "never resent automatically");
    // The tutor decides: one did arrive, the other is resent.
    reminders::confirm_sent(&db.store, &w.tutor, ids[0], now()).await.unwrap();
    reminders::retry(&db.store, &w.tutor, ids[2], now()).await.unwrap();
    let s = send(&db.store, &rem, &t, &w.tutor).await;
    assert_eq!((s.sent, s.uncertain), (1, 0));
    let st: Vec<String> = rows(&db.store).await.into_iter().map(|r| r.1).collect();
    assert_eq!(st, ["sent", "sending", "sent"]);
    // Cancelled before sending: stays queued, then a later run sends the rest.
    let p = plan(&db.store, &rem, &w.tutor, vec![w.enrolment("alice")], true).await;
    let q = rem.enqueue(&db.store, &w.tutor, &p, &compose("never_accessed"), now()).await.unwrap();
    let cancel = CancelToken::new();
    cancel.cancel();
    let mut o = rem.dispatch_options();
    o.batch = Some(q.batch_id.clone());
    let s = dispatch(&db.store, &t, &w.tutor, &rem.identity(&w.tutor), &o, |_| {}, &cancel).await.unwrap();
    assert_eq!((s.sent, s.remaining, s.cancelled), (0, 2, true));
    assert_eq!(
        db.store.cancel_queued_reminders(w.tutor.person_id(), Some(&q.batch_id), now()).await.unwrap(),
        2
    );
    let mut seen = Vec::new();
    let s = dispatch(
        &db.store,
        &t,
        &w.tutor,
        &rem.identity(&w.tutor),
        &o,
        |p| seen.push(p.clone()),
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(s.sent, 0);
    assert!(seen.is_empty());
});

both!(progress_is_reported, |db| {
    let w = world(&db.store).await;
    let rem = reminders();
    queue_two(&db, &w, &rem).await;
    let sink = Sink::start(Mode::Accept).await;
    let mut seen = Vec::new();
    let s = dispatch(
        &db.store,
        &smtp(sink.port),
        &w.tutor,
        &rem.identity(&w.tutor),
        &rem.dispatch_options(),
        |p| seen.push((p.done, p.total, p.sent)),
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(s.sent, 3);
    assert_eq!(seen, [(0, 3, 0), (1, 3, 1), (2, 3, 2), (3, 3, 3)]);
});
