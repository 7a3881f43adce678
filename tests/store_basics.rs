//! Store behaviour that must be identical on SQLite and PostgreSQL.

mod support;

use tutorat::model::EnrolmentStatus;
use tutorat::model::catalog::build_tree;
use tutorat::store::demo;

const NOW: i64 = 1_763_800_000; // 2025-11-22

both!(migrate_is_idempotent, |db| {
    db.store.migrate(&db.label()).await.unwrap();
    db.store.migrate(&db.label()).await.unwrap();
    assert!(db.store.is_empty().await.unwrap());
});

both!(demo_loads_and_is_deterministic, |db| {
    let s = demo::load(&db.store, NOW).await.unwrap();
    assert!(demo::is_demo(&db.store).await.unwrap());
    assert_eq!(s.courses, 12);
    assert_eq!(s.learners, 300);
    assert!(s.enrolments > 450, "{s:?}");
    let never = s.never_accessed as f64 / s.enrolments as f64;
    assert!((0.10..0.25).contains(&never), "never accessed share {never} ({s:?})");
    assert!(s.never_logged_in > 0);
    assert!(s.attempts > 1000 && s.reviews > 10, "{s:?}");
    // The follow-up history: sent reminders, each filed under its enrolment's course.
    let filed: (i64, i64) = tutorat::with_pool!(&db.store, |p| sqlx::query_as(
        "SELECT COUNT(*), COUNT(CASE WHEN r.course_id = e.course_id AND r.status = 'sent' THEN 1 END) \
         FROM reminders r JOIN enrolments e ON e.id = r.enrolment_id"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert!(filed.0 > 0 && filed.0 == filed.1, "{filed:?}");
    // Same seed, same data: a second database gets identical figures.
    let other = support::sqlite().await;
    let s2 = demo::load(&other.store, NOW).await.unwrap();
    assert_eq!(s, s2);
});

both!(scoping_hides_other_tutors_courses, |db| {
    demo::load(&db.store, NOW).await.unwrap();
    let marie = db.store.scope_for("mlefevre").await.unwrap();
    let karim = db.store.scope_for("kbenali").await.unwrap();
    let admin = db.store.scope_for("admin").await.unwrap();
    let nobody = db.store.scope_for("ghost").await.unwrap();
    let names = |v: Vec<tutorat::model::catalog::CourseSummary>| {
        let mut n: Vec<String> = v.into_iter().map(|c| c.shortname).collect();
        n.sort();
        n
    };
    let m = names(db.store.tutored_courses(&marie).await.unwrap());
    let k = names(db.store.tutored_courses(&karim).await.unwrap());
    assert_eq!(m, ["C01", "C01-SAT", "C02", "C03", "OAS-CCU", "REL-TEL", "SPOC-MOODLE", "XL-TCD"]);
    assert_eq!(k, ["C02", "EMB-NET", "MGT-DIST", "REL-RECLA", "SECU-NUM", "SPOC-MOODLE"]);
    assert_eq!(db.store.tutored_courses(&admin).await.unwrap().len(), 12);
    assert!(db.store.tutored_courses(&nobody).await.unwrap().is_empty());
    assert_eq!(db.store.first_tutor().await.unwrap().as_deref(), Some("mlefevre"));

    // Marie cannot list the learners of Karim's course.
    let all = db.store.tutored_courses(&admin).await.unwrap();
    let emb = all.iter().find(|c| c.shortname == "EMB-NET").unwrap();
    assert!(db.store.course_learners(&marie, emb.id).await.is_err());
    assert!(db.store.course_learners(&karim, emb.id).await.is_ok());
});

both!(course_counts_match_learner_rows, |db| {
    demo::load(&db.store, NOW).await.unwrap();
    let admin = db.store.scope_for("admin").await.unwrap();
    let courses = db.store.tutored_courses(&admin).await.unwrap();
    let cats = db.store.categories().await.unwrap();
    let (tree, issues) = build_tree(&cats, &courses, true);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(tree.iter().map(|n| n.subtree_courses).sum::<usize>(), 12);
    for c in &courses {
        let l = db.store.course_learners(&admin, c.id).await.unwrap();
        assert_eq!(l.rows.len() as i64, c.learners, "{}", c.shortname);
        assert_eq!(l.lessons_total, c.lessons_total);
        let not_started =
            l.rows.iter().filter(|r| r.status(l.lessons_total) == EnrolmentStatus::NotStarted).count();
        assert_eq!(not_started as i64, c.not_started, "{}", c.shortname);
        let never = l.rows.iter().filter(|r| r.last_access.is_none()).count();
        assert_eq!(never as i64, c.never_accessed, "{}", c.shortname);
        let completed =
            l.rows.iter().filter(|r| r.status(l.lessons_total) == EnrolmentStatus::Completed).count();
        assert_eq!(completed as i64, c.completed, "{}", c.shortname);
        let time: i64 = l.rows.iter().map(|r| r.time_spent).sum();
        assert_eq!(time, c.time_sum, "{}", c.shortname);
    }
});

/// Enrolments whose summary columns disagree with their progress rows.
async fn stale_summaries(store: &tutorat::store::Store) -> i64 {
    let sql = "SELECT COUNT(*) FROM enrolments e WHERE e.lessons_done <> \
               (SELECT COUNT(*) FROM lesson_progress p WHERE p.enrolment_id = e.id \
                AND p.status IN ('completed','passed')) \
               OR e.time_spent <> (SELECT COALESCE(SUM(p.time_spent), 0) FROM lesson_progress p \
                WHERE p.enrolment_id = e.id) \
               OR e.missions_to_grade <> (SELECT COUNT(*) FROM lesson_progress p \
                JOIN lessons l ON l.id = p.lesson_id WHERE p.enrolment_id = e.id AND l.kind = 'mission' \
                AND p.status = 'completed' AND p.score IS NULL) \
               OR e.observations_done <> (SELECT COUNT(*) FROM lesson_progress p \
                JOIN lessons l ON l.id = p.lesson_id WHERE p.enrolment_id = e.id \
                AND l.kind = 'observation' AND p.status IN ('completed', 'passed', 'failed'))";
    tutorat::with_pool!(store, |p| sqlx::query_scalar(sql).fetch_one(p).await).unwrap()
}

both!(summary_columns_match_progress_rows, |db| {
    demo::load(&db.store, NOW).await.unwrap();
    assert_eq!(stale_summaries(&db.store).await, 0);
    let sums = "SELECT CAST(SUM(missions_to_grade) AS BIGINT), CAST(SUM(observations_done) AS BIGINT) \
                FROM enrolments";
    let (missions, observations): (i64, i64) =
        tutorat::with_pool!(&db.store, |p| sqlx::query_as(sums).fetch_one(p).await).unwrap();
    assert!(missions > 0 && observations > 0, "the demo has work to grade: {missions} {observations}");
});

both!(migration_0003_backfills_existing_rows, |db| {
    demo::load(&db.store, NOW).await.unwrap();
    // As a database created before 0003 holds them: defaults everywhere.
    let reset = "UPDATE enrolments SET missions_to_grade = 0, observations_done = 0";
    tutorat::with_pool!(&db.store, |p| sqlx::query(reset).execute(p).await.map(|_| ())).unwrap();
    assert!(stale_summaries(&db.store).await > 0);
    let migration = match db.store.backend() {
        "sqlite" => include_str!("../assets/migrations/sqlite/0003_work_summary.sql"),
        _ => include_str!("../assets/migrations/postgres/0003_work_summary.sql"),
    };
    let backfill: &'static str = &migration[migration.find("UPDATE enrolments").expect("the backfill")..];
    tutorat::with_pool!(&db.store, |p| sqlx::query(backfill).execute(p).await.map(|_| ())).unwrap();
    assert_eq!(stale_summaries(&db.store).await, 0);
});
