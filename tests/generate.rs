//! `tutorat generate` at a small size: shape, determinism (same seed, same rows, on both
//! backends), refusal of a database with data, cancellation, and the real command line.

mod support;

use std::hash::{Hash, Hasher};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use tutorat::store::Store;
use tutorat::store::generate::{self, BENCH_TUTOR, GenError, GenSummary, Sizes};
use tutorat::with_pool;

const SMALL: Sizes = Sizes { learners: 300, courses: 6, lessons: 8, seed: 7 };

async fn run(store: &Store, sizes: Sizes) -> Result<GenSummary, GenError> {
    generate::generate(store, sizes, &AtomicBool::new(false), &mut |_, _| {}).await
}

async fn count(store: &Store, sql: &'static str) -> i64 {
    with_pool!(store, |p| sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap()
}

/// A hash over every enrolment, attempt, connection and person: equal means the same rows.
async fn checksum(store: &Store) -> u64 {
    type Enrol = (i64, i64, i64, String, Option<i64>, Option<i64>, i64, i64, i64, Option<i64>, i64, i64);
    type Attempt = (i64, i64, i64, i64, i64, String, Option<f64>, i64);
    type Person =
        (i64, String, String, String, Option<String>, Option<String>, Option<i64>, Option<i64>, bool);
    const ENROLMENTS: &str = "SELECT id, course_id, person_id, kind, first_access, last_access, lessons_done, \
                              lessons_started, time_spent, certificate_at, missions_to_grade, observations_done \
                              FROM enrolments ORDER BY id";
    const ATTEMPTS: &str = "SELECT id, enrolment_id, lesson_id, number, started_at, status, score, time_spent \
                            FROM attempts ORDER BY id";
    const CONNECTIONS: &str = "SELECT id, enrolment_id, lesson_id, at, duration FROM connections ORDER BY id";
    const PEOPLE: &str = "SELECT id, username, firstname, lastname, email, phone, first_access, last_access, \
                          suspended FROM people ORDER BY id";
    let e: Vec<Enrol> = with_pool!(store, |p| sqlx::query_as(ENROLMENTS).fetch_all(p).await).unwrap();
    let a: Vec<Attempt> = with_pool!(store, |p| sqlx::query_as(ATTEMPTS).fetch_all(p).await).unwrap();
    let c: Vec<(i64, i64, Option<i64>, i64, i64)> =
        with_pool!(store, |p| sqlx::query_as(CONNECTIONS).fetch_all(p).await).unwrap();
    let p: Vec<Person> = with_pool!(store, |p| sqlx::query_as(PEOPLE).fetch_all(p).await).unwrap();
    const REMINDERS: &str = "SELECT id, enrolment_id, recipient, status, sent_at FROM reminders ORDER BY id";
    const NOTES: &str = "SELECT id, enrolment_id, at, note FROM contact_notes ORDER BY id";
    let r: Vec<(i64, i64, String, String, Option<i64>)> =
        with_pool!(store, |p| sqlx::query_as(REMINDERS).fetch_all(p).await).unwrap();
    let n: Vec<(i64, i64, i64, String)> =
        with_pool!(store, |p| sqlx::query_as(NOTES).fetch_all(p).await).unwrap();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{e:?}{a:?}{c:?}{p:?}{r:?}{n:?}").hash(&mut h);
    h.finish()
}

both!(small_world_has_the_right_shape_and_repeats, |db| {
    let s = run(&db.store, SMALL).await.unwrap();
    let st = &db.store;
    assert_eq!(s.learners, 300);
    assert_eq!(s.courses, 6);
    assert_eq!(s.lessons, 48);
    assert_eq!(s.enrolments, 900);
    // The summary says what the tables hold.
    assert_eq!(count(st, "SELECT COUNT(*) FROM enrolments").await, s.enrolments as i64);
    assert_eq!(count(st, "SELECT COUNT(*) FROM attempts").await, s.attempts as i64);
    assert_eq!(count(st, "SELECT COUNT(*) FROM connections").await, s.connections as i64);
    assert_eq!(count(st, "SELECT COUNT(*) FROM lesson_progress").await, s.progress as i64);
    assert!(s.attempts > s.connections && s.connections > s.enrolments, "{s:?}");
    // The tutor's pending work per enrolment is what its progress rows say, and there is some.
    let wrong_work = "SELECT COUNT(*) FROM enrolments e WHERE e.missions_to_grade <> \
        (SELECT COUNT(*) FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id WHERE p.enrolment_id = e.id \
         AND l.kind = 'mission' AND p.status = 'completed' AND p.score IS NULL) \
        OR e.observations_done <> (SELECT COUNT(*) FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id \
         WHERE p.enrolment_id = e.id AND l.kind = 'observation' AND p.status IN ('completed', 'passed', 'failed'))";
    assert_eq!(count(st, wrong_work).await, 0);
    assert!(count(st, "SELECT COUNT(*) FROM enrolments WHERE missions_to_grade > 0").await > 0);
    assert!(count(st, "SELECT COUNT(*) FROM enrolments WHERE observations_done > 0").await > 0);
    // The first course is the big one.
    let biggest =
        count(st, "SELECT course_id FROM enrolments GROUP BY course_id ORDER BY COUNT(*) DESC LIMIT 1");
    assert_eq!(biggest.await, s.biggest.0);
    let second =
        "SELECT COUNT(*) FROM enrolments WHERE course_id <> $1 GROUP BY course_id ORDER BY 1 DESC LIMIT 1";
    let second: i64 =
        with_pool!(st, |p| sqlx::query_scalar(second).bind(s.biggest.0).fetch_one(p).await).unwrap();
    assert!(second < s.biggest.1 as i64, "{second} vs {:?}", s.biggest);
    // About 15 % never opened their course; some of them never logged in at all.
    let never = count(st, "SELECT COUNT(*) FROM enrolments WHERE first_access IS NULL").await;
    assert_eq!(never, s.never_accessed as i64);
    let share = never as f64 / s.enrolments as f64;
    assert!((0.09..=0.22).contains(&share), "never accessed: {share}");
    let no_login = count(st, "SELECT COUNT(*) FROM people WHERE first_access IS NULL").await;
    assert!(no_login > 0 && no_login as usize == s.never_logged_in, "{no_login} {s:?}");
    let logged_not_opened = count(
        st,
        "SELECT COUNT(*) FROM people p WHERE p.first_access IS NOT NULL AND NOT p.is_admin AND EXISTS \
         (SELECT 1 FROM enrolments e WHERE e.person_id = p.id) AND NOT EXISTS \
         (SELECT 1 FROM enrolments e WHERE e.person_id = p.id AND e.first_access IS NOT NULL)",
    );
    assert!(logged_not_opened.await > 0, "some logged in but never opened a course");
    // The tutors' follow-up so far: sent reminders, to the learner's address, after the
    // course opened and before now; some call notes; the triage queue shows that history.
    assert_eq!(count(st, "SELECT COUNT(*) FROM reminders").await, s.reminders as i64);
    assert!(s.reminders > 0, "{s:?}");
    let odd = "SELECT COUNT(*) FROM reminders r JOIN enrolments e ON e.id = r.enrolment_id \
        JOIN people p ON p.id = e.person_id WHERE r.status <> 'sent' OR r.recipient <> p.email \
        OR r.course_id IS NULL OR r.course_id <> e.course_id OR r.sent_at < e.enrolled_at OR r.sent_at > $1 OR p.suspended";
    let odd: i64 =
        with_pool!(st, |p| sqlx::query_scalar(odd).bind(generate::EPOCH).fetch_one(p).await).unwrap();
    assert_eq!(
        odd, 0,
        "every generated reminder is a sent one of the course, to the learner's address, in the past"
    );
    assert!(count(st, "SELECT COUNT(*) FROM contact_notes").await > 0);
    let scope = st.scope_for(BENCH_TUTOR).await.unwrap();
    let queue = st.triage(&scope, None, generate::EPOCH).await.unwrap();
    assert!(queue.iter().any(|r| r.reminders_sent == 2), "some were reminded twice");
    assert!(queue.iter().any(|r| r.reminders_sent == 0), "some not yet");
    assert!(queue.iter().any(|r| r.last_note.is_some() && r.last_contact_at.is_some()), "some were called");
    // Six lesson kinds, a category tree, one admin, the bench tutor on every course.
    assert_eq!(count(st, "SELECT COUNT(DISTINCT kind) FROM lessons").await, 6);
    assert!(count(st, "SELECT COUNT(*) FROM categories WHERE parent_id IS NOT NULL").await > 5);
    assert_eq!(count(st, "SELECT COUNT(*) FROM people WHERE is_admin").await, 1);
    let scope = st.scope_for(BENCH_TUTOR).await.unwrap();
    assert_eq!(st.tutored_courses(&scope).await.unwrap().len(), 6);
    assert!(count(st, "SELECT COUNT(*) FROM course_tutors").await > 6, "other tutors too");
    assert!(
        count(st, "SELECT COUNT(*) FROM people WHERE firstname = 'Hélène' OR lastname LIKE '%é%'").await > 0
    );
    // Later inserts get fresh ids (PostgreSQL's sequences were moved past the rows).
    let mut tx = st.begin_write().await.unwrap();
    tx.insert("categories", &["name"], &[tutorat::row!["après génération"]]).await.unwrap();
    tx.commit().await.unwrap();

    // Same seed and sizes: the same rows, whatever the backend (compared with SQLite).
    let again = support::sqlite().await;
    let s2 = run(&again.store, SMALL).await.unwrap();
    assert_eq!(s2, s);
    assert_eq!(checksum(&again.store).await, checksum(st).await);
    let other = support::sqlite().await;
    run(&other.store, Sizes { seed: 8, ..SMALL }).await.unwrap();
    assert_ne!(checksum(&other.store).await, checksum(st).await, "another seed, other rows");

    // A database with data is refused, untouched.
    assert!(matches!(run(st, SMALL).await, Err(GenError::NotEmpty)));
    assert_eq!(count(st, "SELECT COUNT(*) FROM enrolments").await, s.enrolments as i64);
});

both!(cancelling_stops_at_a_batch_and_says_incomplete, |db| {
    let cancel = AtomicBool::new(false);
    let sizes = Sizes { learners: 20_000, courses: 10, lessons: 6, seed: 1 };
    let res = generate::generate(&db.store, sizes, &cancel, &mut |done, _| {
        if done > 0 {
            cancel.store(true, Ordering::Relaxed);
        }
    })
    .await;
    assert!(matches!(res, Err(GenError::Cancelled)), "{res:?}");
    let written = count(&db.store, "SELECT COUNT(*) FROM enrolments").await;
    assert!(written > 0 && written < sizes.enrolments() as i64, "{written}");
    assert_eq!(db.store.meta("generate").await.unwrap().as_deref(), Some("incomplete"));
    assert!(!db.store.is_empty().await.unwrap(), "a rerun will refuse it");
});

// ---------------------------------------------------------------- the command line

fn tutorat(args: &[&str], home: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tutorat"));
    cmd.args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("DATABASE_URL")
        .env_remove("TUTORAT_CONFIG")
        .env("LANG", "C.UTF-8");
    cmd
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn one_line_error(out: &Output, needle: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(needle), "{needle:?} in {err:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err:?}");
}

#[test]
fn cli_generates_then_refuses_a_full_database() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("gen.sqlite");
    let args =
        ["generate", "--db", db.to_str().unwrap(), "--learners", "300", "--courses", "6", "--lessons", "8"];
    let out = tutorat(&args, home.path()).output().unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("900 enrolments") && stdout.contains("tutor bench"), "{stdout}");
    // Not a terminal: plain progress lines, no escape sequences.
    assert!(stderr.contains("Enrolments 0%") && stderr.contains("Enrolments 100% (900 / 900)"), "{stderr}");
    assert!(!out.stderr.contains(&0x1b) && !stderr.contains('\r'), "{stderr:?}");

    let out = tutorat(&args, home.path()).output().unwrap();
    one_line_error(&out, "already holds data");
    let out = tutorat(&["generate", "--learners", "10"], home.path()).output().unwrap();
    one_line_error(&out, "generate needs --db");
    let out = tutorat(&["--demo", "generate", "--db", db.to_str().unwrap()], home.path()).output().unwrap();
    one_line_error(&out, "cannot be combined with --demo");
    let out = tutorat(&["generate", "--db", "x.sqlite", "--learners", "0"], home.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "clap refuses 0 learners");
}

#[test]
fn cli_ctrl_c_leaves_a_clear_message_and_exit_130() {
    use std::io::{BufRead, BufReader};
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("big.sqlite");
    let mut child = tutorat(&["generate", "--db", db.to_str().unwrap()], home.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    // Interrupt once enrolments are being written.
    for line in lines.by_ref() {
        if line.unwrap().starts_with("Enrolments 0%") {
            break;
        }
    }
    let killed = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{rest:?}");
    let last = rest.last().cloned().unwrap_or_default();
    assert!(last.contains("interrupted") && last.contains("is incomplete"), "{rest:?}");
    assert!(!rest.iter().any(|l| l.contains("panicked")), "{rest:?}");
    let out = tutorat(&["generate", "--db", db.to_str().unwrap()], home.path()).output().unwrap();
    one_line_error(&out, "already holds data");
}

#[test]
fn cli_generates_on_postgres() {
    let Some((_admin, url)) = support::pg_empty_database_blocking() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let args =
        ["generate", "--db", &url, "--learners", "200", "--courses", "4", "--lessons", "6", "--seed", "3"];
    let out = tutorat(&args, home.path()).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("600 enrolments"), "{}", text(&out.stdout));
    support::drop_pg_database_blocking(&url);
}
