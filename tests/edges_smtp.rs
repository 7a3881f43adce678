//! No hang, ever (issue 18, item 1): a server that goes silent at any step holds a send
//! for at most `[smtp] timeout_secs`; a missing answer after the message makes it
//! `uncertain` at once; a server that cannot be reached several times in a row stops the
//! run with the rest still queued; a cancel stops the message in flight at once.

mod support;

use std::time::{Duration, Instant};

use support::remind::*;
use support::smtp::{Mode, Sink};
use tutorat::config::SmtpTls;
use tutorat::reminders::{CancelToken, DispatchOptions, Summary, Transport, dispatch};

const T: Duration = Duration::from_secs(1);

fn quick(port: u16) -> Transport {
    Transport::smtp("127.0.0.1", port, SmtpTls::None, None, T).unwrap()
}

async fn queue_two(db: &support::TestDb, w: &World, rem: &tutorat::reminders::Reminders) {
    let p = plan(&db.store, rem, &w.tutor, vec![w.enrolment("alice"), w.enrolment("bruno")], false).await;
    rem.enqueue(&db.store, &w.tutor, &p, &compose("never_accessed"), now()).await.unwrap();
}

/// One dispatch of everything due, failing the test (instead of hanging it) past `limit`.
async fn run(
    db: &support::TestDb,
    w: &World,
    t: &Transport,
    opts: &DispatchOptions,
    cancel: &CancelToken,
    limit: Duration,
) -> (Summary, Duration) {
    let rem = reminders();
    let started = Instant::now();
    let s = tokio::time::timeout(
        limit,
        dispatch(&db.store, t, &w.tutor, &rem.identity(&w.tutor), opts, |_| {}, cancel),
    )
    .await
    .unwrap_or_else(|_| panic!("the dispatch still ran after {limit:?}"))
    .unwrap();
    (s, started.elapsed())
}

async fn requeue(db: &support::TestDb) {
    exec(
        &db.store,
        "UPDATE reminders SET status = 'queued', tries = 0, next_try_at = NULL, error = NULL, \
         claimed_by = NULL, claimed_at = NULL WHERE $1 > 0",
        1,
    )
    .await;
}

/// (id, status, tries, error, next_try_at), as `support::remind::rows` reads them.
type Row = (i64, String, i64, Option<String>, Option<i64>);

fn statuses(rows: &[Row]) -> Vec<(&str, i64)> {
    rows.iter().map(|r| (r.1.as_str(), r.2)).collect()
}

both!(silent_server_at_each_step, |db| {
    let w = world(&db.store).await;
    let rem = reminders();
    queue_two(&db, &w, &rem).await; // alice, bruno and the copy to the tutor
    let mut opts = rem.dispatch_options();
    opts.max_unreachable = 2;
    let go = CancelToken::new();

    // No greeting, or no answer to EHLO: unreachable; two in a row stop the run, the third
    // message stays queued, untouched.
    for mode in [Mode::SilentGreeting, Mode::SilentEhlo] {
        let sink = Sink::start(mode).await;
        let (s, took) = run(&db, &w, &quick(sink.port), &opts, &go, Duration::from_secs(20)).await;
        assert!(took < T * 5, "{mode:?}: {took:?}");
        assert_eq!((s.sent, s.will_retry, s.remaining), (0, 2, 1), "{mode:?}: {s:?}");
        let why = s.server_down.clone().unwrap_or_default();
        assert!(why.contains("could not reach the server"), "{mode:?}: {why}");
        assert!(s.stopped_early() && !s.cancelled);
        assert_eq!(
            statuses(&rows(&db.store).await),
            [("failed", 1), ("failed", 1), ("queued", 0)],
            "{mode:?}"
        );
        requeue(&db).await;
    }

    // Silent after MAIL or after DATA: not delivered, retried later; each costs one timeout.
    for mode in [Mode::SilentMail, Mode::SilentData] {
        let sink = Sink::start(mode).await;
        let (s, took) = run(&db, &w, &quick(sink.port), &opts, &go, Duration::from_secs(20)).await;
        assert!(took < T * 3 + Duration::from_millis(900), "{mode:?}: {took:?}");
        assert_eq!(
            (s.sent, s.will_retry, s.uncertain, s.server_down.as_deref()),
            (0, 3, 0, None),
            "{mode:?}"
        );
        assert_eq!(sink.count(), 0);
        requeue(&db).await;
    }

    // The whole message went out, no answer: uncertain at once (no wait for a QUIT the
    // server will not answer either), and counted in this run's summary.
    let sink = Sink::start(Mode::SilentAfterMessage).await;
    let (s, took) = run(&db, &w, &quick(sink.port), &opts, &go, Duration::from_secs(20)).await;
    assert!(took < T * 3 + Duration::from_millis(900), "{took:?}");
    assert_eq!((s.sent, s.uncertain, s.will_retry), (0, 3, 0));
    assert_eq!(sink.count(), 3, "the server did get them");
    assert!(rows(&db.store).await.iter().all(|r| r.1 == "uncertain"));
    requeue(&db).await;

    // A server that never answers QUIT: the goodbye waits one timeout, no more.
    let sink = Sink::start(Mode::SilentQuit).await;
    let t = quick(sink.port);
    let (s, _) = run(&db, &w, &t, &opts, &go, Duration::from_secs(20)).await;
    assert_eq!(s.sent, 3);
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(10), t.shutdown()).await.expect("QUIT is bounded");
    assert!(started.elapsed() < T + Duration::from_millis(500), "{:?}", started.elapsed());
});

both!(a_cancel_stops_the_message_in_flight, |db| {
    let w = world(&db.store).await;
    let rem = reminders();
    queue_two(&db, &w, &rem).await;
    let opts = rem.dispatch_options();
    let slow =
        |port| Transport::smtp("127.0.0.1", port, SmtpTls::None, None, Duration::from_secs(60)).unwrap();

    // Waiting for a greeting that does not come: stopped at once, the message goes back
    // to the queue as if never claimed (its try not counted).
    let sink = Sink::start(Mode::SilentGreeting).await;
    let cancel = CancelToken::new();
    let c = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        c.cancel();
    });
    let (s, took) = run(&db, &w, &slow(sink.port), &opts, &cancel, Duration::from_secs(10)).await;
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert_eq!((s.cancelled, s.remaining, s.sent), (true, 3, 0));
    assert_eq!(statuses(&rows(&db.store).await), [("queued", 0), ("queued", 0), ("queued", 0)]);

    // Waiting for the answer to a transmitted message: stopped at once, and uncertain (it
    // may have arrived); the others stay queued.
    let sink = Sink::start(Mode::SilentAfterMessage).await;
    let cancel = CancelToken::new();
    let c = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        c.cancel();
    });
    let (s, took) = run(&db, &w, &slow(sink.port), &opts, &cancel, Duration::from_secs(10)).await;
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert_eq!((s.cancelled, s.remaining, s.uncertain), (true, 2, 1));
    assert_eq!(statuses(&rows(&db.store).await), [("uncertain", 1), ("queued", 0), ("queued", 0)]);
    assert_eq!(sink.count(), 1);
});

/// The liveness check of a connection idle for a while (NOOP) waits one timeout at most,
/// then the message goes on a fresh connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_noop_is_bounded() {
    let db = support::sqlite().await;
    let w = world(&db.store).await;
    let rem = reminders();
    let sink = Sink::start(Mode::Accept).await;
    let t = quick(sink.port);
    let p = plan(&db.store, &rem, &w.tutor, vec![w.enrolment("alice")], false).await;
    rem.enqueue(&db.store, &w.tutor, &p, &compose("never_accessed"), now()).await.unwrap();
    let go = CancelToken::new();
    let (s, _) = run(&db, &w, &t, &rem.dispatch_options(), &go, Duration::from_secs(10)).await;
    assert_eq!(s.sent, 2);
    // Idle past the 5 s after which the connection is checked before use.
    tokio::time::sleep(Duration::from_millis(5_300)).await;
    sink.set_mode(Mode::SilentNoop);
    let p = plan(&db.store, &rem, &w.tutor, vec![w.enrolment("bruno")], false).await;
    rem.enqueue(&db.store, &w.tutor, &p, &compose("never_accessed"), now()).await.unwrap();
    let (s, took) = run(&db, &w, &t, &rem.dispatch_options(), &go, Duration::from_secs(10)).await;
    assert_eq!(s.sent, 2, "{s:?}");
    assert!(took < T + Duration::from_millis(900), "{took:?}");
    assert_eq!(sink.connections(), 2, "a fresh connection after the silent NOOP");
}

// A summary counts this run only: reminders left uncertain by an earlier run are not
// this run's (the dashboard said "N uncertain" at every start).
both!(summaries_count_only_this_run, |db| {
    let w = world(&db.store).await;
    let rem = reminders();
    queue_two(&db, &w, &rem).await;
    let sink = Sink::start(Mode::DropAfterData).await;
    let s = send(&db.store, &rem, &smtp(sink.port), &w.tutor).await;
    assert_eq!(s.uncertain, 3);
    sink.set_mode(Mode::Accept);
    let p = plan(&db.store, &rem, &w.tutor, vec![w.enrolment("alice")], true).await;
    rem.enqueue(&db.store, &w.tutor, &p, &compose("never_accessed"), now()).await.unwrap();
    let s = send(&db.store, &rem, &smtp(sink.port), &w.tutor).await;
    assert_eq!((s.sent, s.uncertain, s.recovered), (2, 0, 0), "{s:?}");
    assert!(!s.stopped_early());
});
