//! Running effects: the runtime runs each in a tokio task, tests inline. Either way the
//! result comes back as an `Action::Loaded`.

use crate::model::triage::QueueEntry;
use crate::reminders::Progress;
use crate::store::people::Scope;
use crate::store::{Store, StoreError};
use crate::tui::effect::{Effect, FormationsData, Loaded};
use crate::tui::remind_tasks::{self, TaskCtx};

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
pub async fn run_in(ctx: &TaskCtx, effect: Effect, emit: &(dyn Fn(Progress) + Send + Sync)) -> Loaded {
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
            store.triage(scope, None, now).await.map(|rows| QueueEntry::build_all(rows, now, &rules)),
        )),
        Effect::AddNotes { enrolment_ids, note, now } => Loaded::NotesAdded {
            count: enrolment_ids.len(),
            result: text(store.add_contact_notes(scope, &enrolment_ids, &note, now).await),
        },
    }
}
