//! Work the UI asks for (database queries) and its results. The runtime runs each effect
//! in a tokio task; tests run them inline. Either way the result comes back as an `Action`.

use crate::model::Ts;
use crate::model::catalog::{Category, CourseSummary};
use crate::model::triage::Rules;
use crate::store::courses::CourseDetail;
use crate::store::learners::CourseLearners;
use crate::store::people::Scope;
use crate::store::progress::{SaveOutcome, StatsEdit, StatsRecord, UndoOutcome};
use crate::store::report::Report;
use crate::store::{Store, StoreError};
use crate::tui::action::Action;
use crate::tui::remind_tasks::{self, RemindEffect, RemindLoaded, TaskCtx};
use crate::tui::views::triage::Entry;

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    LoadFormations,
    LoadLearners {
        course_id: i64,
    },
    LoadCourseDetail {
        course_id: i64,
    },
    LoadReport {
        enrolment_id: i64,
    },
    /// The stored statistics of a lesson, to open the editor on.
    LoadStats {
        enrolment_id: i64,
        lesson_id: i64,
    },
    SaveStats {
        edit: StatsEdit,
        now: Ts,
    },
    UndoEdit {
        enrolment_id: i64,
        now: Ts,
    },
    /// The queue, with its next steps computed for `now` under `rules`.
    LoadTriage {
        now: Ts,
        rules: Rules,
    },
    AddNotes {
        enrolment_ids: Vec<i64>,
        note: String,
        now: Ts,
    },
    Remind(RemindEffect),
}

#[derive(Clone, Debug, PartialEq)]
pub struct FormationsData {
    pub categories: Vec<Category>,
    pub courses: Vec<CourseSummary>,
}

/// A finished effect. Errors are carried as text ready for the status line.
#[derive(Debug)]
pub enum Loaded {
    Formations(Result<FormationsData, String>),
    Learners {
        course_id: i64,
        result: Result<CourseLearners, String>,
    },
    CourseDetail {
        course_id: i64,
        result: Result<Box<CourseDetail>, String>,
    },
    Report {
        enrolment_id: i64,
        result: Result<Box<Report>, String>,
    },
    Stats {
        enrolment_id: i64,
        result: Result<Box<StatsRecord>, String>,
    },
    StatsSaved {
        enrolment_id: i64,
        result: Result<SaveOutcome, String>,
    },
    Undone {
        enrolment_id: i64,
        result: Result<UndoOutcome, String>,
    },
    /// The triage queue, ready to show: entries are built here, off the UI thread, because
    /// a tutor of many courses can have 20,000 of them.
    Triage(Result<Vec<Entry>, String>),
    NotesAdded {
        count: usize,
        result: Result<(), String>,
    },
    Remind(RemindLoaded),
}

fn text<T>(r: Result<T, StoreError>) -> Result<T, String> {
    r.map_err(|e| e.to_string())
}

/// Runs an effect that needs only the database (reminder effects report that reminders are
/// not available here).
pub async fn run(store: &Store, scope: &Scope, effect: Effect) -> Loaded {
    let ctx = TaskCtx::new(store.clone(), scope.clone(), None, None, None);
    run_in(&ctx, effect, &|_| {}).await
}

/// Runs an effect; long ones (sending) report progress through `emit` as they go.
pub async fn run_in(ctx: &TaskCtx, effect: Effect, emit: &(dyn Fn(Action) + Send + Sync)) -> Loaded {
    let (store, scope) = (&ctx.store, &ctx.scope);
    match effect {
        Effect::Remind(e) => Loaded::Remind(remind_tasks::run(ctx, e, emit).await),
        Effect::LoadFormations => Loaded::Formations(text(
            async {
                Ok(FormationsData {
                    categories: store.categories().await?,
                    courses: store.tutored_courses(scope).await?,
                })
            }
            .await,
        )),
        Effect::LoadLearners { course_id } => {
            Loaded::Learners { course_id, result: text(store.course_learners(scope, course_id).await) }
        }
        Effect::LoadCourseDetail { course_id } => Loaded::CourseDetail {
            course_id,
            result: text(store.course_detail(scope, course_id).await.map(Box::new)),
        },
        Effect::LoadReport { enrolment_id } => Loaded::Report {
            enrolment_id,
            result: text(store.learner_report(scope, enrolment_id).await.map(Box::new)),
        },
        Effect::LoadStats { enrolment_id, lesson_id } => Loaded::Stats {
            enrolment_id,
            result: text(store.lesson_stats(scope, enrolment_id, lesson_id).await.map(Box::new)),
        },
        Effect::SaveStats { edit, now } => Loaded::StatsSaved {
            enrolment_id: edit.enrolment_id,
            result: text(store.save_stats(scope, &edit, now).await),
        },
        Effect::UndoEdit { enrolment_id, now } => Loaded::Undone {
            enrolment_id,
            result: text(store.undo_last_edit(scope, enrolment_id, now).await),
        },
        Effect::LoadTriage { now, rules } => Loaded::Triage(text(
            store.triage(scope, None, now).await.map(|rows| Entry::build_all(rows, now, &rules)),
        )),
        Effect::AddNotes { enrolment_ids, note, now } => Loaded::NotesAdded {
            count: enrolment_ids.len(),
            result: text(store.add_contact_notes(scope, &enrolment_ids, &note, now).await),
        },
    }
}
