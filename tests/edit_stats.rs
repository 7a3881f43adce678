//! Editing a learner's lesson statistics, on both databases: what a save writes (progress,
//! audit, summary), conflicts between tutors, undo, permissions, and lost updates under
//! concurrency.

mod support;

use futures::StreamExt;
use support::edit_fixture::fixture;
use tutorat::model::LessonStatus;
use tutorat::model::stats::Field;
use tutorat::store::progress::{SaveOutcome, StatsEdit, UndoOutcome};
use tutorat::store::{ConnectOptions, Store, StoreError};
use tutorat::with_pool;

const NOW: i64 = 1_763_804_800;

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct AuditRow {
    actor: String,
    action: String,
    field: String,
    old_value: Option<String>,
    new_value: Option<String>,
    undone: bool,
}

async fn audit_rows(store: &Store, enrolment: i64) -> Vec<AuditRow> {
    let sql = "SELECT p.username AS actor, a.action, a.field, a.old_value, a.new_value, \
               (a.undone_by IS NOT NULL) AS undone \
               FROM audit_log a JOIN people p ON p.id = a.actor_id \
               WHERE a.enrolment_id = $1 ORDER BY a.id";
    with_pool!(store, |p| sqlx::query_as(sql).bind(enrolment).fetch_all(p).await).unwrap()
}

async fn summary(store: &Store, enrolment: i64) -> (i64, i64, i64) {
    let sql = "SELECT lessons_done, lessons_started, time_spent FROM enrolments WHERE id = $1";
    with_pool!(store, |p| sqlx::query_as(sql).bind(enrolment).fetch_one(p).await).unwrap()
}

async fn cleared_attempts(store: &Store, enrolment: i64) -> i64 {
    let sql = "SELECT COUNT(*) FROM attempts WHERE enrolment_id = $1 AND cleared";
    with_pool!(store, |p| sqlx::query_scalar(sql).bind(enrolment).fetch_one(p).await).unwrap()
}

fn row(actor: &str, action: &str, field: &str, old: Option<&str>, new: Option<&str>) -> AuditRow {
    AuditRow {
        actor: actor.into(),
        action: action.into(),
        field: field.into(),
        old_value: old.map(Into::into),
        new_value: new.map(Into::into),
        undone: false,
    }
}

both!(a_save_writes_progress_audit_and_summary_in_one_go, |db| {
    let s = &db.store;
    let f = fixture(s).await;
    let tutor = s.scope_for("tutor").await.unwrap();
    let rec = s.lesson_stats(&tutor, f.enrolment, f.quiz).await.unwrap();
    assert_eq!(rec.version, 1);
    assert_eq!(rec.scorm_version.as_deref(), Some("1.2"));
    assert_eq!(rec.stats.status, LessonStatus::Failed);
    assert_eq!(rec.stats.attempts, 3);
    assert_eq!(rec.stats.location, "page 4");
    assert_eq!(rec.live_attempts, 3);

    let mut stats = rec.stats.clone();
    stats.status = LessonStatus::Passed;
    stats.score = Some(87.5);
    stats.time_spent = 600;
    let edit = StatsEdit {
        enrolment_id: f.enrolment,
        lesson_id: f.quiz,
        expected_version: 1,
        stats,
        clear_attempts: true,
    };
    let out = s.save_stats(&tutor, &edit, NOW).await.unwrap();
    let SaveOutcome::Saved { version, fields, .. } = out else { panic!("{out:?}") };
    assert_eq!(version, 2);
    assert_eq!(fields, vec![Field::Status, Field::Attempts, Field::Score, Field::TimeSpent]);

    let after = s.lesson_stats(&tutor, f.enrolment, f.quiz).await.unwrap();
    assert_eq!(after.version, 2);
    assert_eq!(after.stats.status, LessonStatus::Passed);
    assert_eq!(after.stats.score, Some(87.5));
    assert_eq!(after.stats.attempts, 0);
    assert_eq!(after.stats.time_spent, 600);
    assert_eq!(after.stats.location, "page 4", "untouched fields stay");
    assert_eq!(after.updated_by.as_deref(), Some("Marie LEFÈVRE"));
    assert_eq!(after.live_attempts, 0);
    // History is never destroyed: the attempt rows are still there, flagged.
    assert_eq!(cleared_attempts(s, f.enrolment).await, 3);

    let rows = audit_rows(s, f.enrolment).await;
    let cleared = rows.last().unwrap().new_value.clone().unwrap();
    assert_eq!(cleared.split(',').count(), 3);
    assert_eq!(
        rows,
        vec![
            row("tutor", "edit", "status", Some("failed"), Some("passed")),
            row("tutor", "edit", "attempts", Some("3"), Some("0")),
            row("tutor", "edit", "score", Some("50"), Some("87.5")),
            row("tutor", "edit", "time_spent", Some("560"), Some("600")),
            row("tutor", "edit", "attempts_cleared", None, Some(&cleared)),
        ]
    );
    // The enrolment summary follows: 1 lesson done out of 2, time is the sum.
    assert_eq!(summary(s, f.enrolment).await, (1, 1, 600));

    // Saving the same values again writes nothing.
    let again = StatsEdit { expected_version: 2, stats: after.stats.clone(), clear_attempts: false, ..edit };
    assert_eq!(s.save_stats(&tutor, &again, NOW).await.unwrap(), SaveOutcome::Unchanged);
    assert_eq!(audit_rows(s, f.enrolment).await.len(), 5);
});

both!(a_lesson_without_progress_gets_its_row_on_first_save, |db| {
    let s = &db.store;
    let f = fixture(s).await;
    let tutor = s.scope_for("tutor").await.unwrap();
    let rec = s.lesson_stats(&tutor, f.enrolment, f.module).await.unwrap();
    assert_eq!((rec.progress_id, rec.version), (None, 0));
    let mut stats = rec.stats.clone();
    stats.status = LessonStatus::Completed;
    stats.time_spent = 3600;
    stats.status_at = Some(NOW - 3600);
    let edit = StatsEdit {
        enrolment_id: f.enrolment,
        lesson_id: f.module,
        expected_version: 0,
        stats,
        clear_attempts: false,
    };
    assert!(matches!(s.save_stats(&tutor, &edit, NOW).await.unwrap(), SaveOutcome::Saved { version: 1, .. }));
    assert_eq!(summary(s, f.enrolment).await, (1, 2, 560 + 3600));
    // A second dialog opened before that save (version 0) is refused, not duplicated.
    assert!(matches!(s.save_stats(&tutor, &edit, NOW).await.unwrap(), SaveOutcome::Conflict(_)));
    // Undo puts the defaults back.
    let out = s.undo_last_edit(&tutor, f.enrolment, NOW).await.unwrap();
    assert!(matches!(out, UndoOutcome::Undone { .. }), "{out:?}");
    let back = s.lesson_stats(&tutor, f.enrolment, f.module).await.unwrap();
    assert_eq!(back.stats, rec.stats);
    assert_eq!(summary(s, f.enrolment).await, (0, 1, 560));
});

both!(another_tutors_save_is_never_overwritten_silently, |db| {
    let s = &db.store;
    let f = fixture(s).await;
    let marie = s.scope_for("tutor").await.unwrap();
    let karim = s.scope_for("cotutor").await.unwrap();
    // Both open the dialog on version 1.
    let mine = s.lesson_stats(&marie, f.enrolment, f.quiz).await.unwrap();
    let theirs = s.lesson_stats(&karim, f.enrolment, f.quiz).await.unwrap();
    let mut k = theirs.stats.clone();
    k.score = Some(70.0);
    let edit = |stats, v| StatsEdit {
        enrolment_id: f.enrolment,
        lesson_id: f.quiz,
        expected_version: v,
        stats,
        clear_attempts: false,
    };
    assert!(matches!(
        s.save_stats(&karim, &edit(k.clone(), 1), NOW).await.unwrap(),
        SaveOutcome::Saved { .. }
    ));

    let mut m = mine.stats.clone();
    m.score = Some(95.0);
    let out = s.save_stats(&marie, &edit(m.clone(), 1), NOW + 5).await.unwrap();
    let SaveOutcome::Conflict(current) = out else { panic!("expected a conflict, got {out:?}") };
    assert_eq!(current.stats.score, Some(70.0), "the dialog gets the other tutor's values");
    assert_eq!(current.updated_by.as_deref(), Some("Karim BENALI"));
    assert_eq!(current.version, 2);
    // Nothing of Marie's was written.
    assert_eq!(s.lesson_stats(&marie, f.enrolment, f.quiz).await.unwrap().stats.score, Some(70.0));
    assert!(audit_rows(s, f.enrolment).await.iter().all(|r| r.actor == "cotutor"));

    // Overwriting is an explicit second save on the version she has now seen.
    let out = s.save_stats(&marie, &edit(m, current.version), NOW + 10).await.unwrap();
    assert!(matches!(out, SaveOutcome::Saved { version: 3, .. }), "{out:?}");
    let rows = audit_rows(s, f.enrolment).await;
    assert_eq!(rows.last().unwrap(), &row("tutor", "edit", "score", Some("70"), Some("95")));
});

both!(undo_restores_the_previous_values_and_is_audited, |db| {
    let s = &db.store;
    let f = fixture(s).await;
    let marie = s.scope_for("tutor").await.unwrap();
    let karim = s.scope_for("cotutor").await.unwrap();
    let before = s.lesson_stats(&marie, f.enrolment, f.quiz).await.unwrap();
    let mut stats = before.stats.clone();
    stats.status = LessonStatus::Passed;
    stats.location = "fin 👍".into();
    let edit = StatsEdit {
        enrolment_id: f.enrolment,
        lesson_id: f.quiz,
        expected_version: 1,
        stats,
        clear_attempts: true,
    };
    s.save_stats(&marie, &edit, NOW).await.unwrap();
    assert_eq!(summary(s, f.enrolment).await, (1, 1, 560));

    // Karim has nothing of his own to undo.
    assert_eq!(s.undo_last_edit(&karim, f.enrolment, NOW).await.unwrap(), UndoOutcome::NothingToUndo);

    let out = s.undo_last_edit(&marie, f.enrolment, NOW + 60).await.unwrap();
    let UndoOutcome::Undone { lesson_title, fields } = out else { panic!("{out:?}") };
    assert_eq!(lesson_title, "Quiz final");
    assert_eq!(fields, vec![Field::Status, Field::Attempts, Field::Location]);
    let after = s.lesson_stats(&marie, f.enrolment, f.quiz).await.unwrap();
    assert_eq!(after.stats, before.stats);
    assert_eq!(after.version, 3, "an undo is a new version, not a rewind");
    assert_eq!(after.live_attempts, 3);
    assert_eq!(cleared_attempts(s, f.enrolment).await, 0);
    assert_eq!(summary(s, f.enrolment).await, (0, 1, 560));

    let rows = audit_rows(s, f.enrolment).await;
    assert_eq!(rows.len(), 4 + 4);
    assert!(rows[..4].iter().all(|r| r.action == "edit" && r.undone));
    assert!(rows[4..].iter().all(|r| r.action == "undo" && !r.undone));
    assert_eq!(
        rows[4],
        AuditRow { undone: false, ..row("tutor", "undo", "status", Some("passed"), Some("failed")) }
    );
    // Nothing left: the undo itself is not undone by pressing u again.
    assert_eq!(s.undo_last_edit(&marie, f.enrolment, NOW).await.unwrap(), UndoOutcome::NothingToUndo);
});

both!(undo_is_refused_when_someone_changed_the_lesson_since, |db| {
    let s = &db.store;
    let f = fixture(s).await;
    let marie = s.scope_for("tutor").await.unwrap();
    let karim = s.scope_for("cotutor").await.unwrap();
    let rec = s.lesson_stats(&marie, f.enrolment, f.quiz).await.unwrap();
    let mut m = rec.stats.clone();
    m.score = Some(90.0);
    let edit = |stats, v| StatsEdit {
        enrolment_id: f.enrolment,
        lesson_id: f.quiz,
        expected_version: v,
        stats,
        clear_attempts: false,
    };
    s.save_stats(&marie, &edit(m.clone(), 1), NOW).await.unwrap();
    let mut k = m.clone();
    k.score = Some(91.0);
    s.save_stats(&karim, &edit(k, 2), NOW + 1).await.unwrap();
    let out = s.undo_last_edit(&marie, f.enrolment, NOW + 2).await.unwrap();
    assert_eq!(
        out,
        UndoOutcome::ChangedSince { lesson_title: "Quiz final".into(), by: Some("Karim BENALI".into()) }
    );
    assert_eq!(s.lesson_stats(&marie, f.enrolment, f.quiz).await.unwrap().stats.score, Some(91.0));
});

both!(only_the_courses_tutors_may_edit, |db| {
    let s = &db.store;
    let f = fixture(s).await;
    let stranger = s.scope_for("stranger").await.unwrap();
    let ghost = s.scope_for("nobody").await.unwrap();
    for scope in [&stranger, &ghost] {
        assert!(matches!(s.lesson_stats(scope, f.enrolment, f.quiz).await, Err(StoreError::Forbidden(_))));
        let rec_stats = tutorat::model::stats::Stats::default();
        let edit = StatsEdit {
            enrolment_id: f.enrolment,
            lesson_id: f.quiz,
            expected_version: 1,
            stats: rec_stats,
            clear_attempts: false,
        };
        assert!(matches!(s.save_stats(scope, &edit, NOW).await, Err(StoreError::Forbidden(_))));
        assert!(matches!(s.undo_last_edit(scope, f.enrolment, NOW).await, Err(StoreError::Forbidden(_))));
    }
    // A lesson of another course is refused too.
    let tutor = s.scope_for("tutor").await.unwrap();
    assert!(matches!(s.lesson_stats(&tutor, f.enrolment, 999_999).await, Err(StoreError::Invalid(_))));
    assert!(audit_rows(s, f.enrolment).await.is_empty());
});

// 1,000 edits race on one row through two separate pools (two "processes"). Each reads the
// row, adds one second to the time spent, and saves on the version it read. A lost update
// would show as a final time short of the number of successful saves.
both!(a_thousand_concurrent_edits_lose_nothing, |db| {
    let f = fixture(&db.store).await;
    let second = Store::connect(&db.target, &ConnectOptions::default()).await.unwrap();
    let stores = [db.store.clone(), second];
    let tutor = db.store.scope_for("tutor").await.unwrap();
    let initial = db.store.lesson_stats(&tutor, f.enrolment, f.quiz).await.unwrap().stats.time_spent;

    let results: Vec<bool> = futures::stream::iter(0..1000usize)
        .map(|i| {
            let store = stores[i % 2].clone();
            let tutor = tutor.clone();
            async move {
                let rec = store.lesson_stats(&tutor, f.enrolment, f.quiz).await.unwrap();
                tokio::task::yield_now().await;
                let mut stats = rec.stats.clone();
                stats.time_spent += 1;
                let edit = StatsEdit {
                    enrolment_id: f.enrolment,
                    lesson_id: f.quiz,
                    expected_version: rec.version,
                    stats,
                    clear_attempts: false,
                };
                match store.save_stats(&tutor, &edit, NOW).await.unwrap() {
                    SaveOutcome::Saved { .. } => true,
                    SaveOutcome::Conflict(_) => false,
                    SaveOutcome::Unchanged => panic!("every edit changes something"),
                }
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let saved = results.iter().filter(|ok| **ok).count() as i64;
    let refused = 1000 - saved;
    assert!(saved > 0 && refused > 0, "the race must really happen: {saved} saved, {refused} refused");

    let end = db.store.lesson_stats(&tutor, f.enrolment, f.quiz).await.unwrap();
    let lost = initial + saved - end.stats.time_spent;
    assert_eq!(lost, 0, "lost updates");
    assert_eq!(end.version, 1 + saved);
    let audited = audit_rows(&db.store, f.enrolment).await.iter().filter(|r| r.field == "time_spent").count();
    assert_eq!(audited as i64, saved, "one audit record per successful save, none for refused ones");
    assert_eq!(summary(&db.store, f.enrolment).await.2, end.stats.time_spent);
});
