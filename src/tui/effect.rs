//! Work the UI asks for (database queries, reminder work) and what comes back, as data.
//! The runtime runs each effect in a tokio task (`tasks`); tests run them inline.

use crate::model::Ts;
use crate::model::catalog::{Category, CourseSummary};
use crate::model::triage::{QueueEntry, Rules};
use crate::reminders::{
    Attachment, AttachmentError, Compose, Enqueued, LogAct, Plan, PlanRequest, RemindError, Status, Summary,
};
use crate::store::courses::CourseDetail;
use crate::store::learners::CourseLearners;
use crate::store::progress::{SaveOutcome, StatsEdit, StatsRecord, UndoOutcome};
use crate::store::reminders::ReminderLogRow;
use crate::store::report::Report;

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
    Triage(Result<Vec<QueueEntry>, String>),
    NotesAdded {
        count: usize,
        result: Result<(), String>,
    },
    Remind(RemindLoaded),
}

#[derive(Clone, Debug, PartialEq)]
pub enum RemindEffect {
    Plan {
        req: PlanRequest,
        now: Ts,
    },
    ReadAttachment {
        path: String,
    },
    Enqueue {
        plan: Box<Plan>,
        compose: Box<Compose>,
        now: Ts,
    },
    /// Send what is due for this tutor (`batch`: only that sending). `quiet`: a background
    /// resume at start or a scheduled retry, reported only if something happened.
    Dispatch {
        batch: Option<String>,
        quiet: bool,
    },
    /// Stop the sending in progress between two messages.
    Cancel,
    LoadLog {
        status: Option<Status>,
    },
    Act {
        id: i64,
        act: LogAct,
        now: Ts,
    },
}

#[derive(Debug)]
pub enum RemindLoaded {
    Plan(Result<Plan, RemindError>),
    Attachment(Result<Attachment, AttachmentError>),
    Enqueued(Result<Enqueued, RemindError>),
    Dispatched { quiet: bool, result: Result<Summary, RemindError>, next_retry: Option<Ts> },
    CancelRequested,
    Log(Result<Vec<ReminderLogRow>, String>),
    Acted { act: LogAct, result: Result<(), String> },
}
