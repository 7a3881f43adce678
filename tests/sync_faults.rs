//! The Moodle sync when the site misbehaves or is large, on both databases: a refused
//! token, a function missing from the service, error objects with HTTP 200, HTTP 500, a
//! server that never answers (bounded by the timeout, nothing half-written), warnings,
//! paging, 5,000 learners in one course; and cohorts read from the site.

#[path = "support/moodle.rs"]
mod moodle;
#[path = "support/moodle_world.rs"]
mod moodle_world;
mod support;

use std::time::{Duration, Instant};

use moodle::Server;
use moodle_world::{ACCESS, MGT, SEC, settings, site};
use serde_json::json;
use tutorat::locale::{Lang, Locale};
use tutorat::store::Store;
use tutorat::store::sync::RunStatus;
use tutorat::sync::{MoodleError, Options, Outcome, SyncError};
use tutorat::with_pool;

async fn scalar(store: &Store, sql: &'static str) -> i64 {
    with_pool!(store, |p| sqlx::query_scalar(sql).fetch_one(p).await).unwrap()
}

async fn try_sync(
    store: &Store,
    server: &Server,
    opts: &Options,
) -> Result<tutorat::sync::Report, SyncError> {
    let cancel = std::sync::atomic::AtomicBool::new(false);
    tutorat::sync::run(store, &settings(server), opts, &|_| {}, &cancel).await
}

both!(a_refused_token_is_one_clear_line_and_nothing_is_written, |db| {
    let s = &db.store;
    let mut site = site();
    site.token = "another".into();
    let server = Server::start(site).await;
    let e = try_sync(s, &server, &Options::default()).await.unwrap_err();
    assert!(matches!(e, SyncError::Moodle(MoodleError::InvalidToken { .. })), "{e:?}");
    assert!(e.is_user_error());
    let line = e.describe(&Locale::new(Lang::En));
    assert!(line.contains("TUTORAT_MOODLE_TOKEN") && line.contains("token_env"), "{line}");
    assert!(!line.contains('\n'));
    assert!(e.describe(&Locale::new(Lang::Fr)).contains("jeton"));
    assert!(s.is_empty().await.unwrap());
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM sync_runs").await, 0);
});

both!(a_function_missing_from_the_service_is_named_before_anything_is_written, |db| {
    let s = &db.store;
    let mut site = site();
    site.functions.retain(|f| f != "mod_scorm_get_scorm_sco_tracks" && f != "core_course_get_contents");
    let server = Server::start(site).await;
    let e = try_sync(s, &server, &Options::default()).await.unwrap_err();
    let SyncError::Moodle(MoodleError::MissingFunctions { functions }) = &e else { panic!("{e:?}") };
    assert_eq!(functions, &["core_course_get_contents", "mod_scorm_get_scorm_sco_tracks"]);
    let line = e.describe(&Locale::new(Lang::En));
    assert!(line.contains("mod_scorm_get_scorm_sco_tracks") && line.contains("External services"), "{line}");
    assert_eq!(server.calls("").len(), 1, "only the site info was asked");
    assert!(s.is_empty().await.unwrap());
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM sync_runs").await, 0);
});

both!(a_function_the_service_refuses_at_call_time_stops_the_run, |db| {
    let s = &db.store;
    let mut site = site();
    site.faults
        .errors
        .insert("core_course_get_contents".into(), moodle_world::fixture("error_accessexception.json"));
    let server = Server::start(site).await;
    let e = try_sync(s, &server, &Options::default()).await.unwrap_err();
    assert!(
        matches!(&e, SyncError::Moodle(MoodleError::NotInService { function }) if function == "core_course_get_contents"),
        "{e:?}"
    );
    assert!(e.describe(&Locale::new(Lang::En)).contains("Functions"));
    assert!(s.is_empty().await.unwrap());
    let run = s.last_sync_run(None).await.unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Failed);
});

both!(http_500_on_one_course_leaves_the_others_synced, |db| {
    let s = &db.store;
    let mut site = site();
    site.faults.http500.insert("core_course_get_contents".into());
    site.faults.only_course = Some(20);
    let server = Server::start(site).await;
    let r = try_sync(s, &server, &Options::default()).await.unwrap();
    assert_eq!(r.status, RunStatus::Partial);
    let mgt = r.courses.iter().find(|c| c.shortname == MGT).unwrap();
    assert_eq!(mgt.outcome, Outcome::Failed);
    let error = mgt.error.as_deref().unwrap();
    assert!(error.contains("HTTP 500") && error.contains("core_course_get_contents"), "{error}");
    assert_eq!(r.courses.iter().find(|c| c.shortname == SEC).unwrap().outcome, Outcome::Synced);
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM courses WHERE shortname = 'MGT200'").await, 0);
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM courses WHERE shortname = 'SEC101'").await, 1);
    assert_eq!(s.last_successful_sync(None).await.unwrap(), None, "a partial run is not a full sync");
    assert_eq!(s.last_sync_run(None).await.unwrap().unwrap().status, RunStatus::Partial);
});

both!(a_server_that_hangs_times_out_and_nothing_of_the_course_is_written, |db| {
    let s = &db.store;
    let mut site = site();
    // Participants are read after the activities: the course is half read when it hangs.
    site.faults.hang.insert("core_enrol_get_enrolled_users".into());
    site.faults.only_course = Some(10);
    let server = Server::start(site).await;
    let mut cfg = settings(&server);
    cfg.timeout = Duration::from_secs(1);
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let started = Instant::now();
    let r = tutorat::sync::run(s, &cfg, &Options::default(), &|_| {}, &cancel).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(20), "bounded by the timeout: {:?}", started.elapsed());
    let sec = r.courses.iter().find(|c| c.shortname == SEC).unwrap();
    assert_eq!(sec.outcome, Outcome::Failed);
    let error = sec.error.as_deref().unwrap();
    assert!(
        error.contains("no answer")
            && error.contains("1 s")
            && error.contains("core_enrol_get_enrolled_users"),
        "{error}"
    );
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM courses WHERE shortname = 'SEC101'").await, 0);
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM lessons").await, 1, "only MGT200's lesson");
    assert_eq!(r.courses.iter().find(|c| c.shortname == MGT).unwrap().outcome, Outcome::Synced);

    // Hanging from the first request: an error, nothing written.
    let mut site = moodle_world::site();
    site.faults.hang.insert("core_webservice_get_site_info".into());
    let server = Server::start(site).await;
    let mut cfg = settings(&server);
    cfg.timeout = Duration::from_secs(1);
    let fresh = support::sqlite().await;
    let e = tutorat::sync::run(&fresh.store, &cfg, &Options::default(), &|_| {}, &cancel).await.unwrap_err();
    assert!(matches!(e, SyncError::Moodle(MoodleError::Timeout { .. })), "{e:?}");
    assert!(!e.is_user_error());
    assert!(fresh.store.is_empty().await.unwrap());
});

both!(error_objects_and_warnings_are_reported, |db| {
    let s = &db.store;
    let mut site = site();
    site.faults
        .errors
        .insert("core_enrol_get_enrolled_users".into(), moodle_world::fixture("error_nopermissions.json"));
    site.faults.only_course = Some(20);
    site.faults.warnings.insert(
        "mod_scorm_get_scorms_by_courses".into(),
        vec![json!({"item": "scorm", "itemid": 9, "warningcode": "expired", "message": "This activity closed on 2 January 2026"})],
    );
    site.faults.refuse_onlyactive = true;
    let server = Server::start(site).await;
    let r = try_sync(s, &server, &Options::default()).await.unwrap();
    let mgt = r.courses.iter().find(|c| c.shortname == MGT).unwrap();
    let error = mgt.error.as_deref().unwrap();
    assert!(error.contains("capability") && error.contains("View course participants"), "{error}");
    let sec = r.courses.iter().find(|c| c.shortname == SEC).unwrap();
    let codes: Vec<(&str, &str, usize)> =
        sec.warnings.iter().map(|w| (w.function.as_str(), w.code.as_str(), w.count)).collect();
    assert!(codes.contains(&("mod_scorm_get_scorms_by_courses", "expired", 1)), "{codes:?}");
    assert!(codes.contains(&("core_enrol_get_enrolled_users", "enrolreview", 1)), "{codes:?}");
    // The suspended account: one warning line per function, counted.
    assert!(
        codes.contains(&("core_completion_get_activities_completion_status", "suspended", 1)),
        "{codes:?}"
    );
    // Without onlyactive, enrolments cannot be told apart: all active.
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM enrolments WHERE NOT active").await, 0);
    assert!(sec.warnings.iter().all(|w| !w.message.contains('\u{1b}')));
});

both!(participants_are_read_page_by_page, |db| {
    let s = &db.store;
    let server = Server::start(site()).await;
    let mut cfg = settings(&server);
    cfg.page_size = 2;
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let r = tutorat::sync::run(
        s,
        &cfg,
        &Options { courses: vec![SEC.into()], ..Options::default() },
        &|_| {},
        &cancel,
    )
    .await
    .unwrap();
    assert_eq!(r.courses[0].learners, 6);
    let pages: Vec<(String, String, bool)> = server
        .calls("core_enrol_get_enrolled_users")
        .iter()
        .map(|p| {
            let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
            assert_eq!(get("courseid"), "10");
            assert_eq!(
                (get("options[0][name]").as_str(), get("options[1][name]").as_str()),
                ("limitfrom", "limitnumber")
            );
            assert_eq!(get("options[1][value]"), "2");
            let active = p.iter().any(|(n, v)| n.ends_with("[name]") && v == "onlyactive");
            (get("options[0][value]"), get("moodlewsrestformat"), active)
        })
        .collect();
    let all: Vec<&str> = pages.iter().filter(|p| !p.2).map(|p| p.0.as_str()).collect();
    let active: Vec<&str> = pages.iter().filter(|p| p.2).map(|p| p.0.as_str()).collect();
    // 9 participants (2 tutors, a manager, 6 learners): pages of 2 until an empty one.
    assert_eq!(all, ["0", "2", "4", "6", "8", "10"]);
    assert_eq!(active, ["0", "2", "4", "6", "8"], "8 active participants");
    assert!(pages.iter().all(|p| p.1 == "json"));
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM enrolments").await, 6);
});

both!(five_thousand_learners_in_one_course, |db| {
    let s = &db.store;
    let mut site = site();
    site.courses.truncate(1);
    for i in 0..5000 {
        let id = 100_000 + i;
        let u = site.user(id, &format!("apprenant{i:04}"), "Élise", &format!("Nom{i:04}"));
        u.firstaccess = if i % 7 == 0 { 0 } else { 1_767_000_000 };
        // 200 came to the course; their completion is read.
        let came = i % 25 == 0;
        site.enrol(10, id, "student", if came { ACCESS } else { 0 });
        if came {
            site.completion.insert((101, id), (1, ACCESS));
        }
    }
    let server = Server::start(site).await;
    let r = try_sync(s, &server, &Options::default()).await.unwrap();
    assert_eq!(r.status, RunStatus::Ok);
    let c = &r.courses[0];
    assert_eq!(c.learners, 5006);
    assert_eq!(c.changes.enrolments.added, 5006);
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM enrolments").await, 5006);
    assert_eq!(scalar(s, "SELECT COUNT(*) FROM people").await, 5008);
    assert_eq!(
        scalar(s, "SELECT COUNT(*) FROM lesson_progress pr JOIN lessons l ON l.id = pr.lesson_id WHERE l.title = 'Bienvenue'").await,
        201,
        "200 of them and ldupont"
    );
    assert_eq!(
        scalar(s, "SELECT COUNT(*) FROM enrolments WHERE last_access IS NULL").await,
        4801,
        "4,800 and nvu"
    );
    let pages = server.calls("core_enrol_get_enrolled_users").len();
    assert_eq!(pages, 2 * 7, "6 pages of 1,000 and an empty one, twice (all, then active)");
    let again = try_sync(s, &server, &Options::default()).await.unwrap();
    assert!(again.courses[0].changes.is_empty(), "{:?}", again.courses[0].changes);
});

#[tokio::test]
async fn cohorts_and_their_members_are_read() {
    let mut site = site();
    site.cohorts = vec![
        (3, "Promotion 2026".into(), "P2026".into(), vec![2001, 2002]),
        (4, "Encadrants".into(), String::new(), vec![]),
    ];
    let server = Server::start(site).await;
    let cfg = settings(&server);
    let client = tutorat::sync::Client::new(&cfg.url, &cfg.token, &cfg.token_env, cfg.timeout).unwrap();
    let cohorts = tutorat::sync::read_cohorts(&client).await.unwrap();
    let got: Vec<(i64, String, Option<String>, Vec<i64>)> =
        cohorts.into_iter().map(|(c, m)| (c.id, c.name, c.idnumber, m)).collect();
    assert_eq!(
        got,
        [
            (3, "Promotion 2026".into(), Some("P2026".into()), vec![2001, 2002]),
            (4, "Encadrants".into(), Some(String::new()), vec![])
        ]
    );
    let asked = server.calls("core_cohort_get_cohort_members");
    assert_eq!(asked.len(), 1);
    assert!(asked[0].contains(&("cohortids[0]".to_string(), "3".to_string())));
    assert!(asked[0].contains(&("cohortids[1]".to_string(), "4".to_string())));
}
