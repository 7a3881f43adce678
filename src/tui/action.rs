//! Everything that can happen to the application, as data: what the runtime and the
//! terminal report, and what a pane asks for once it has handled a key. A confirmation
//! holds the action it confirms; a dialog's "done" is an action like any other.

use crossterm::event::KeyEvent;

use super::effect::{Effect, Loaded};
use super::frame::Level;
use super::ui::CourseRef;
use crate::reminders::{LogAct, Progress};

/// What a picker's choice is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickFor {
    /// The course shown in the Centre de tutorat.
    TutoringCourse,
    /// Another enrolment of the learner whose report is open.
    ReportCourse,
    /// The course filter of the triage.
    TriageCourse,
}

/// One line of a picker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub id: i64,
    pub label: String,
    pub detail: String,
}

#[derive(Debug)]
pub enum Action {
    // From the terminal and the runtime.
    /// A key, read through the keymap of the pane on top.
    Key(KeyEvent),
    Paste(String),
    Loaded(Loaded),
    /// Terminal resized (the next frame uses the new size).
    Resize,
    /// Animation tick while work is in flight.
    Tick,
    /// A sending in the background moved on by one message.
    SendProgress(Progress),
    /// A time the application asked to be woken at has come (retries of failed reminders).
    Wake,

    // What panes ask for.
    /// Handled; nothing more to do.
    Done,
    /// Several, in order.
    Batch(Vec<Action>),
    Quit,
    /// Closes the layer on top.
    Close,
    Run(Effect),
    Status(Level, String),
    /// Opens a course's Centre de tutorat.
    OpenCourse(CourseRef),
    /// Esc at the top of the Centre de tutorat: back to Formations.
    ToFormations,
    /// A learner's report, in the Centre de tutorat of their course.
    OpenReport {
        course: CourseRef,
        enrolment_id: i64,
        learner: String,
    },
    /// The picker of the Centre de tutorat's course (the choices are the tutor's courses).
    PickCourse,
    Pick {
        purpose: PickFor,
        title: String,
        choices: Vec<Choice>,
        current: Option<i64>,
    },
    /// A picker's choice.
    Picked(PickFor, i64),
    /// Asks first; `yes` happens only on a yes.
    Confirm {
        title: String,
        message: String,
        yes: Box<Action>,
    },
    /// The contact-note dialog for these enrolments (`who`: for its title).
    Note {
        enrolment_ids: Vec<i64>,
        who: String,
    },
    /// The Relancer dialog for these enrolments, on the template that fits (`prefer`).
    OpenRemind {
        targets: Vec<i64>,
        prefer: &'static str,
    },
    /// Undo the tutor's last edit of this enrolment (confirmed).
    UndoEdit {
        enrolment_id: i64,
    },
    /// Save the statistics editor's values over another tutor's save (confirmed).
    OverwriteStats,
    /// Queue and send the Relancer dialog's messages (confirmed).
    SendReminders,
    /// Retry, confirm or cancel one reminder of the Relances tab (confirmed).
    LogAct {
        id: i64,
        act: LogAct,
    },
    /// Reload the Relances tab (its status filter changed).
    ReloadLog,
}
