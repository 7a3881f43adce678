//! `tutorat sync moodle` against a test Moodle server (tests/support/moodle.rs), on both
//! databases: what a first sync writes, that a second changes nothing, unenrolments, a
//! tutor's correction that survives and is reported, SCORM 1.2 and 2004 tracks, dry runs.

#[path = "support/moodle.rs"]
mod moodle;
#[path = "support/moodle_world.rs"]
mod moodle_world;
mod support;

use std::sync::atomic::AtomicBool;

use moodle::Server;
use moodle_world::{ACCESS, MGT, SEC, settings, site, sync};
use tutorat::store::Store;
use tutorat::store::progress::{SaveOutcome, StatsEdit};
use tutorat::store::sync::{Counts, RunStatus};
use tutorat::sync::{Options, Outcome};
use tutorat::with_pool;

async fn scalar(store: &Store, sql: &'static str) -> i64 {
    with_pool!(store, |p| sqlx::query_scalar(sql).fetch_one(p).await).unwrap()
}

/// Every row of the synced tables, as text, to compare two states of the database.
async fn dump(store: &Store) -> Vec<String> {
    const SQL: &[&str] = &[
        "SELECT id || '|' || COALESCE(parent_id, 0) || '|' || name || '|' || position FROM categories ORDER BY id",
        "SELECT id || '|' || shortname || '|' || fullname || '|' || description || '|' || COALESCE(start_at, 0) || '|' || COALESCE(end_at, 0) || '|' || COALESCE(category_id, 0) FROM courses ORDER BY id",
        "SELECT id || '|' || course_id || '|' || position || '|' || kind || '|' || title || '|' || COALESCE(scorm_version, '') || '|' || completion FROM lessons ORDER BY id",
        "SELECT id || '|' || username || '|' || firstname || '|' || lastname || '|' || COALESCE(email, '') || '|' || COALESCE(first_access, 0) || '|' || COALESCE(last_access, 0) FROM people ORDER BY id",
        "SELECT id || '|' || course_id || '|' || person_id || '|' || CASE WHEN active THEN 1 ELSE 0 END || '|' || COALESCE(last_access, 0) || '|' || COALESCE(end_at, 0) || '|' || lessons_done || '|' || time_spent FROM enrolments ORDER BY id",
        "SELECT id || '|' || status || '|' || attempts || '|' || COALESCE(score, -1) || '|' || time_spent || '|' || version || '|' || location FROM lesson_progress ORDER BY id",
        "SELECT id || '|' || number || '|' || status || '|' || COALESCE(score, -1) || '|' || time_spent FROM attempts ORDER BY id",
        "SELECT course_id || '|' || person_id FROM course_tutors ORDER BY course_id, person_id",
        "SELECT group_id || '|' || person_id FROM group_members ORDER BY group_id, person_id",
        "SELECT id || '|' || name || '|' || COALESCE(idnumber, '') FROM course_groups ORDER BY id",
        "SELECT COUNT(*) || '' FROM sync_conflicts",
    ];
    let mut out = Vec::new();
    for sql in SQL {
        let rows: Vec<String> = with_pool!(store, |p| sqlx::query_scalar(*sql).fetch_all(p).await).unwrap();
        out.extend(rows);
    }
    out
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Progress {
    status: String,
    score: Option<f64>,
    time_spent: i64,
    attempts: i64,
    status_at: Option<i64>,
    location: String,
    suspend_data: String,
}

async fn progress(store: &Store, username: &str, lesson: &str) -> Option<Progress> {
    let sql =
        "SELECT pr.status, pr.score, pr.time_spent, pr.attempts, pr.status_at, pr.location, pr.suspend_data
               FROM lesson_progress pr JOIN enrolments e ON e.id = pr.enrolment_id
               JOIN people p ON p.id = e.person_id JOIN lessons l ON l.id = pr.lesson_id
               WHERE p.username = $1 AND l.title = $2";
    with_pool!(store, |p| sqlx::query_as(sql).bind(username).bind(lesson).fetch_optional(p).await).unwrap()
}

async fn enrolment(store: &Store, username: &str, course: &str) -> (i64, bool, Option<i64>) {
    let sql = "SELECT e.id, e.active, e.end_at FROM enrolments e JOIN people p ON p.id = e.person_id
               JOIN courses c ON c.id = e.course_id WHERE p.username = $1 AND c.shortname = $2";
    with_pool!(store, |p| sqlx::query_as(sql).bind(username).bind(course).fetch_one(p).await).unwrap()
}

both!(a_first_sync_writes_the_courses_people_and_progress, |db| {
    let s = &db.store;
    let server = Server::start(site()).await;
    let report = sync(s, &settings(&server), &Options::default()).await;
    assert_eq!(report.status, RunStatus::Ok, "{report:#?}");
    assert_eq!(report.source, server.url);
    assert_eq!(report.courses.iter().map(|c| c.shortname.as_str()).collect::<Vec<_>>(), [SEC, MGT]);
    let sec = &report.courses[0];
    assert_eq!((sec.learners, sec.tutors, sec.ignored), (6, 2, 1));
    assert_eq!(sec.changes.people.added, 8, "6 learners and 2 tutors; the manager is left out");
    assert_eq!(sec.changes.enrolments, Counts { added: 6, updated: 0, removed: 0 });
    assert_eq!(sec.changes.lessons.added, 5, "the label is not a lesson");
    assert_eq!(sec.changes.categories.added, 2);

    // The tree, the course and its lessons.
    let cats: Vec<(String, Option<String>)> = with_pool!(s, |p| {
        sqlx::query_as(
        "SELECT c.name, p.name FROM categories c LEFT JOIN categories p ON p.id = c.parent_id ORDER BY c.id"
    )
    .fetch_all(p)
    .await
    })
    .unwrap();
    assert_eq!(
        cats,
        [("Formations".into(), None), ("Sécurité & prévention".into(), Some("Formations".into()))]
    );
    let course: (String, String, Option<i64>, String) = with_pool!(s, |p| sqlx::query_as(
        "SELECT c.fullname, c.description, c.start_at, k.name FROM courses c JOIN categories k ON k.id = c.category_id WHERE c.shortname = 'SEC101'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(
        course,
        (
            "Sécurité au travail".into(),
            "Les bases & plus".into(),
            Some(1_767_225_600),
            "Sécurité & prévention".into()
        )
    );
    let lessons: Vec<(i64, String, String, Option<String>, String)> = with_pool!(s, |p| sqlx::query_as(
        "SELECT l.position, l.kind, l.title, l.scorm_version, l.completion FROM lessons l JOIN courses c ON c.id = l.course_id
         WHERE c.shortname = 'SEC101' ORDER BY l.position"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    let want: Vec<(i64, String, String, Option<String>, String)> = vec![
        (1, "sheet".into(), "Bienvenue".into(), None, "view".into()),
        (2, "elearning".into(), "Module SCORM 1.2".into(), Some("1.2".into()), "submit".into()),
        (3, "elearning".into(), "Module SCORM 2004".into(), Some("2004".into()), "grade".into()),
        (4, "quiz".into(), "Quiz final".into(), None, "pass".into()),
        (5, "mission".into(), "Devoir".into(), None, "submit".into()),
    ];
    assert_eq!(lessons, want);

    // People, tutors, group.
    let lea: (String, String, Option<String>, Option<String>, Option<i64>, Option<i64>) = with_pool!(s, |p| sqlx::query_as(
        "SELECT firstname, lastname, email, matricule, first_access, last_access FROM people WHERE username = 'ldupont'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(
        lea,
        (
            "Léa".into(),
            "Dupont".into(),
            Some("ldupont@example.org".into()),
            Some("M02001".into()),
            Some(1_767_000_000),
            Some(ACCESS + 5000)
        )
    );
    let never: (Option<i64>, Option<i64>) = with_pool!(s, |p| sqlx::query_as(
        "SELECT first_access, last_access FROM people WHERE username = 'nvu'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(never, (None, None), "0 in Moodle is never");
    let tutors: Vec<String> = with_pool!(s, |p| sqlx::query_scalar(
        "SELECT p.username FROM course_tutors t JOIN people p ON p.id = t.person_id JOIN courses c ON c.id = t.course_id
         WHERE c.shortname = 'SEC101' ORDER BY p.username"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert_eq!(tutors, ["kbenali", "mlefevre"]);
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM people WHERE username = 'manager'").await, 0);
    let group: (String, Option<String>, i64) = with_pool!(s, |p| sqlx::query_as(
        "SELECT g.name, g.idnumber, (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id) FROM course_groups g"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(group, ("Groupe A".into(), Some("ORD-123".into()), 3));

    // Enrolments: a suspended one is inactive; never opened is NULL.
    assert!(!enrolment(s, "hrobert", SEC).await.1);
    assert!(enrolment(s, "ldupont", SEC).await.1);
    let (last, first): (Option<i64>, Option<i64>) = with_pool!(s, |p| sqlx::query_as(
        "SELECT e.last_access, e.first_access FROM enrolments e JOIN people p ON p.id = e.person_id WHERE p.username = 'nvu'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!((last, first), (None, None));

    // Completion states, and nothing for the learner who never came.
    let quiz = progress(s, "ldupont", "Quiz final").await.unwrap();
    assert_eq!((quiz.status.as_str(), quiz.status_at), ("passed", Some(ACCESS - 50)));
    assert_eq!(progress(s, "tmartin", "Quiz final").await.unwrap().status, "failed");
    assert_eq!(progress(s, "cbernard", "Devoir").await.unwrap().status, "completed");
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM lesson_progress pr JOIN enrolments e ON e.id = pr.enrolment_id JOIN people p ON p.id = e.person_id WHERE p.username = 'nvu'").await, 0);
    // The learner whose account is suspended: warned, not fatal.
    let warned: Vec<&str> = sec.warnings.iter().map(|w| w.code.as_str()).collect();
    assert!(warned.contains(&"suspended"), "{:?}", sec.warnings);
    assert!(sec.warnings.iter().all(|w| w.count >= 1));

    // The summary columns follow the progress rows.
    let sums: (i64, i64) = with_pool!(s, |p| sqlx::query_as(
        "SELECT e.lessons_done, e.time_spent FROM enrolments e JOIN people p ON p.id = e.person_id
         JOIN courses c ON c.id = e.course_id WHERE p.username = 'ldupont' AND c.shortname = 'SEC101'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(sums, (3, 42 * 60 + 10), "page, SCORM 1.2 and quiz done; the SCORM time");

    // The run is recorded.
    let last = s.last_sync_run(Some(&server.url)).await.unwrap().unwrap();
    assert_eq!((last.status, last.courses), (RunStatus::Ok, 2));
    assert!(s.last_successful_sync(None).await.unwrap().is_some());
    assert_eq!(s.last_successful_sync(Some("https://other.example.org")).await.unwrap(), None);
});

both!(scorm_12_and_2004_tracks_map_to_status_score_and_time, |db| {
    let s = &db.store;
    let server = Server::start(site()).await;
    sync(s, &settings(&server), &Options::default()).await;
    // SCORM 1.2 (fixture): passed, 17/20 → 85 %, 00:42:10.25 → 2530 s, location, suspend data.
    let p = progress(s, "ldupont", "Module SCORM 1.2").await.unwrap();
    assert_eq!(
        p,
        Progress {
            status: "passed".into(),
            score: Some(85.0),
            time_spent: 2530,
            attempts: 1,
            status_at: Some(1_767_264_130),
            location: "page-7".into(),
            suspend_data: "viewed=1,2,3,4,5,6,7|quiz=17".into(),
        }
    );
    // SCORM 2004 (fixture): completed but failed → failed; scaled 0.456 → 45.6 %;
    // PT1H5M30.5S → 3931 s (rounded).
    let p = progress(s, "tmartin", "Module SCORM 2004").await.unwrap();
    assert_eq!((p.status.as_str(), p.score, p.time_spent), ("failed", Some(45.6), 3931));
    assert_eq!(
        (p.location.as_str(), p.suspend_data.as_str()),
        ("chapitre-3/écran-12", "{\"chapitre\":3,\"écran\":12}")
    );
    // Two attempts: the passed one shows while the second is open; both are listed.
    let p = progress(s, "cbernard", "Module SCORM 1.2").await.unwrap();
    assert_eq!((p.status.as_str(), p.score, p.attempts, p.time_spent), ("passed", Some(90.0), 2, 1500));
    assert_eq!(p.location, "p2", "location of the last attempt");
    let attempts: Vec<(i64, String, Option<f64>, i64, i64)> = with_pool!(s, |q| sqlx::query_as(
        "SELECT a.number, a.status, a.score, a.time_spent, a.started_at FROM attempts a
         JOIN enrolments e ON e.id = a.enrolment_id JOIN people p ON p.id = e.person_id
         WHERE p.username = 'cbernard' ORDER BY a.number"
    )
    .fetch_all(q)
    .await)
    .unwrap();
    assert_eq!(
        attempts,
        [
            (1, "passed".into(), Some(90.0), 1200, 1_767_100_000),
            (2, "incomplete".into(), None, 300, 1_767_200_000)
        ]
    );
});

both!(a_second_sync_with_nothing_changed_changes_nothing, |db| {
    let s = &db.store;
    let server = Server::start(site()).await;
    let cfg = settings(&server);
    sync(s, &cfg, &Options::default()).await;
    let before = dump(s).await;
    server.clear_log();
    let dry = sync(s, &cfg, &Options { dry_run: true, ..Options::default() }).await;
    for c in &dry.courses {
        assert!(c.changes.is_empty(), "dry run after a sync: {} {:?}", c.shortname, c.changes);
        assert!(c.changes.tables().iter().all(|(_, n)| n.total() == 0));
    }
    let again = sync(s, &cfg, &Options::default()).await;
    assert_eq!(again.status, RunStatus::Ok);
    for c in &again.courses {
        assert!(c.changes.is_empty(), "{}: {:?}", c.shortname, c.changes);
        assert_eq!(c.details_read, 0, "nobody came back since: no completion or tracks read");
    }
    assert_eq!(dump(s).await, before);
    assert!(server.calls("core_completion_get_activities_completion_status").is_empty());
    assert!(server.calls("mod_scorm_get_scorm_sco_tracks").is_empty());
    // --full reads everyone again and still changes nothing.
    let full = sync(s, &cfg, &Options { full: true, ..Options::default() }).await;
    assert!(full.courses.iter().all(|c| c.changes.is_empty()), "{:?}", full.courses[0].changes);
    assert!(full.courses[0].details_read >= 6);
    assert_eq!(dump(s).await, before);
    assert_eq!(
        scalar(s, "SELECT COUNT(*) FROM sync_runs WHERE status = 'ok'").await,
        3,
        "dry runs are not recorded"
    );
});

both!(a_learner_who_comes_back_is_read_again, |db| {
    let s = &db.store;
    let server = Server::start(site()).await;
    let cfg = settings(&server);
    sync(s, &cfg, &Options::default()).await;
    let now = chrono::Utc::now().timestamp();
    server.with(|site| {
        site.enrolments.get_mut(&(10, 2002)).unwrap().lastcourseaccess = now;
        site.completion.insert((101, 2002), (1, now));
        // Changed behind a learner who did not come back: not read (that is what --full is for).
        site.completion.insert((101, 2003), (1, now));
    });
    server.clear_log();
    let r = sync(s, &cfg, &Options { courses: vec![SEC.into()], ..Options::default() }).await;
    assert_eq!(r.courses.len(), 1);
    assert_eq!(r.courses[0].details_read, 1);
    assert_eq!(r.courses[0].changes.progress, Counts { added: 1, updated: 0, removed: 0 });
    assert_eq!(r.courses[0].changes.enrolments.updated, 1, "the new course access");
    assert_eq!(progress(s, "tmartin", "Bienvenue").await.unwrap().status, "completed");
    assert!(progress(s, "cbernard", "Bienvenue").await.is_none());
    let asked: Vec<String> = server
        .calls("core_completion_get_activities_completion_status")
        .iter()
        .filter_map(|p| p.iter().find(|(k, _)| k == "userid").map(|(_, v)| v.clone()))
        .collect();
    assert_eq!(asked, ["2002"]);
});

both!(an_unenrolment_ends_the_enrolment_and_keeps_its_history, |db| {
    let s = &db.store;
    let server = Server::start(site()).await;
    let cfg = settings(&server);
    sync(s, &cfg, &Options::default()).await;
    let before = scalar(s, "SELECT COUNT(*) FROM lesson_progress").await;
    server.with(|site| site.enrolments.remove(&(10, 2003)));
    let r = sync(s, &cfg, &Options::default()).await;
    assert_eq!(r.courses[0].changes.enrolments, Counts { added: 0, updated: 0, removed: 1 });
    let (_, active, end) = enrolment(s, "cbernard", SEC).await;
    assert!(!active);
    let end = end.expect("the enrolment ends");
    assert!((chrono::Utc::now().timestamp() - end).abs() < 60);
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM lesson_progress").await, before, "history kept");
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM people WHERE username = 'cbernard'").await, 1);
    // A second sync does not end it again.
    let r = sync(s, &cfg, &Options::default()).await;
    assert!(r.courses[0].changes.is_empty(), "{:?}", r.courses[0].changes);
    // Enrolled again in Moodle: active again, no end.
    server.with(|site| {
        site.enrol(10, 2003, "student", ACCESS);
    });
    let r = sync(s, &cfg, &Options::default()).await;
    assert_eq!(r.courses[0].changes.enrolments.updated, 1);
    assert!(enrolment(s, "cbernard", SEC).await.1);
    assert_eq!(enrolment(s, "cbernard", SEC).await.2, None);
    // A tutor removed in Moodle stops being a tutor of the course; one added in tutorat stays.
    server.with(|site| site.enrolments.remove(&(10, 1002)));
    let r = sync(s, &cfg, &Options::default()).await;
    assert_eq!(r.courses[0].changes.tutors, Counts { added: 0, updated: 0, removed: 1 });
});

both!(a_tutor_correction_survives_a_sync_and_is_reported, |db| {
    let s = &db.store;
    let server = Server::start(site()).await;
    let cfg = settings(&server);
    sync(s, &cfg, &Options::default()).await;
    // Marie Lefèvre, tutor of SEC101 from Moodle, corrects Léa's SCORM 1.2 score.
    let tutor = s.scope_for("mlefevre").await.unwrap();
    let (enrolment_id, _, _) = enrolment(s, "ldupont", SEC).await;
    let lesson: i64 =
        with_pool!(s, |p| sqlx::query_scalar("SELECT id FROM lessons WHERE title = 'Module SCORM 1.2'")
            .fetch_one(p)
            .await)
        .unwrap();
    let rec = s.lesson_stats(&tutor, enrolment_id, lesson).await.unwrap();
    let mut stats = rec.stats.clone();
    stats.score = Some(95.0);
    let out = s
        .save_stats(
            &tutor,
            &StatsEdit {
                enrolment_id,
                lesson_id: lesson,
                expected_version: rec.version,
                stats,
                clear_attempts: false,
            },
            1_767_400_000,
        )
        .await
        .unwrap();
    assert!(matches!(out, SaveOutcome::Saved { .. }), "{out:?}");

    // Moodle now reports another score and more time for that attempt.
    let now = chrono::Utc::now().timestamp();
    server.with(|site| {
        site.track(5011, 2001, 1, "cmi.core.score.raw", "12", now);
        site.track(5011, 2001, 1, "cmi.core.total_time", "00:50:00", now);
        site.enrolments.get_mut(&(10, 2001)).unwrap().lastcourseaccess = now;
    });
    let r = sync(s, &cfg, &Options::default()).await;
    let ch = &r.courses[0].changes;
    assert_eq!(ch.new_conflicts, 1);
    assert_eq!(ch.conflicts.len(), 1);
    let c = &ch.conflicts[0];
    assert_eq!((c.username.as_str(), c.lesson.as_str(), c.field), ("ldupont", "Module SCORM 1.2", "score"));
    assert_eq!((c.kept.as_deref(), c.source.as_deref(), c.new), (Some("95"), Some("60"), true));
    let p = progress(s, "ldupont", "Module SCORM 1.2").await.unwrap();
    assert_eq!(p.score, Some(95.0), "the tutor's value is kept");
    assert_eq!(p.time_spent, 3000, "a field the tutor did not touch follows Moodle");
    let attempt_score: Option<f64> = with_pool!(s, |q| sqlx::query_scalar(
        "SELECT a.score FROM attempts a JOIN enrolments e ON e.id = a.enrolment_id JOIN people p ON p.id = e.person_id
         WHERE p.username = 'ldupont' AND a.lesson_id = $1"
    )
    .bind(lesson)
    .fetch_one(q)
    .await)
    .unwrap();
    assert_eq!(attempt_score, Some(60.0), "the attempt row is Moodle's record");

    // What the learner report's Modifications section can list.
    let lines = s.sync_conflicts(enrolment_id).await.unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(
        (
            lines[0].lesson_title.as_str(),
            lines[0].field.as_str(),
            lines[0].kept_value.as_deref(),
            lines[0].source_value.as_deref()
        ),
        ("Module SCORM 1.2", "score", Some("95"), Some("60"))
    );
    assert_eq!(lines[0].source.as_deref(), Some(server.url.as_str()));
    assert!(s.audit_lines(enrolment_id).await.unwrap().iter().any(|a| a.field == "score"));

    // Seen again: reported, not recorded twice.
    let r = sync(s, &cfg, &Options { full: true, ..Options::default() }).await;
    let ch = &r.courses[0].changes;
    assert_eq!((ch.new_conflicts, ch.conflicts.len(), ch.conflicts[0].new), (0, 1, false));
    assert_eq!(s.sync_conflicts(enrolment_id).await.unwrap().len(), 1);
    assert_eq!(progress(s, "ldupont", "Module SCORM 1.2").await.unwrap().score, Some(95.0));

    // Undone by the tutor: Moodle's value comes back at the next sync.
    s.undo_last_edit(&tutor, enrolment_id, 1_767_400_100).await.unwrap();
    let r = sync(s, &cfg, &Options { full: true, ..Options::default() }).await;
    assert!(r.courses[0].changes.conflicts.is_empty());
    assert_eq!(progress(s, "ldupont", "Module SCORM 1.2").await.unwrap().score, Some(60.0));
});

both!(a_dry_run_counts_and_writes_nothing, |db| {
    let s = &db.store;
    let server = Server::start(site()).await;
    let r = sync(s, &settings(&server), &Options { dry_run: true, ..Options::default() }).await;
    assert!(r.dry_run && r.run_id.is_none());
    let sec = &r.courses[0];
    assert_eq!(sec.changes.people.added, 8);
    assert_eq!(sec.changes.enrolments.added, 6);
    // ldupont: page, SCORM 1.2, quiz; tmartin: SCORM 2004, quiz; cbernard: SCORM 1.2, assignment.
    assert_eq!(sec.changes.progress.added, 7);
    assert_eq!(sec.changes.attempts.added, 4);
    assert!(s.is_empty().await.unwrap(), "nothing written");
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM sync_runs").await, 0);
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM categories").await, 0);
});

both!(people_made_in_tutorat_are_adopted_not_duplicated, |db| {
    let s = &db.store;
    let mut fx = support::fixture::Fx::new(s).await;
    let course = fx.course(SEC, "Ancien nom", None).await;
    let lea = fx.person("ldupont", "Léa", "Dupont").await;
    fx.enrol(course, lea, 0, 0, 0, None).await;
    fx.done().await;
    let server = Server::start(site()).await;
    let r = sync(s, &settings(&server), &Options::default()).await;
    assert_eq!(r.status, RunStatus::Ok);
    let sec = &r.courses[0];
    assert_eq!(sec.changes.courses, Counts { added: 0, updated: 1, removed: 0 });
    assert_eq!(sec.changes.people.added, 7);
    assert_eq!(sec.changes.enrolments.added, 5);
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM courses WHERE shortname = 'SEC101'").await, 1);
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM people WHERE username = 'ldupont'").await, 1);
    let name: String =
        with_pool!(s, |p| sqlx::query_scalar("SELECT fullname FROM courses WHERE shortname = 'SEC101'")
            .fetch_one(p)
            .await)
        .unwrap();
    assert_eq!(name, "Sécurité au travail");
});

both!(ctrl_c_leaves_the_current_course_as_it_was, |db| {
    let s = &db.store;
    let server = Server::start(site()).await;
    let cancel = AtomicBool::new(false);
    // Cancelled while the second course's learners are read: the first course is written,
    // nothing of the second.
    let on_progress = |p: tutorat::sync::Progress| {
        if let tutorat::sync::Progress::Course { index: 1, stage: tutorat::sync::Stage::Learners, .. } = p {
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    };
    let r =
        tutorat::sync::run(s, &settings(&server), &Options::default(), &on_progress, &cancel).await.unwrap();
    assert_eq!(r.status, RunStatus::Cancelled);
    assert_eq!(r.courses[0].outcome, Outcome::Synced);
    assert_eq!(r.courses[1].outcome, Outcome::Cancelled);
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM courses WHERE shortname = 'SEC101'").await, 1);
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM courses WHERE shortname = 'MGT200'").await, 0);
    let run = s.last_sync_run(None).await.unwrap().unwrap();
    assert_eq!((run.status, run.courses), (RunStatus::Cancelled, 1));
    assert_eq!(s.last_successful_sync(None).await.unwrap(), None);

    // Cancelled during the write of a course: rolled back.
    let cancel = AtomicBool::new(false);
    let on_progress = |p: tutorat::sync::Progress| {
        if let tutorat::sync::Progress::Course { index: 1, stage: tutorat::sync::Stage::Writing, .. } = p {
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    };
    let r =
        tutorat::sync::run(s, &settings(&server), &Options::default(), &on_progress, &cancel).await.unwrap();
    assert_eq!(r.courses[1].outcome, Outcome::Cancelled);
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM courses WHERE shortname = 'MGT200'").await, 0);
});
