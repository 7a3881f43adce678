//! The tabs' views. Each owns its state, turns commands into state changes, and draws itself.

pub mod course;
pub mod formations;
pub mod reminder_log;
pub mod report;
mod report_history;
pub mod triage;
pub mod tutoring;

use crate::reminders::LogAct;
use crate::tui::effect::Effect;
use crate::tui::ui::CourseRef;

/// What a view asks of the application after handling a command.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Handled (or ignored) inside the view.
    Done,
    /// Not a command for this view: let the application handle it.
    Unhandled,
    OpenCourse(CourseRef),
    /// Leave this view (Esc at its top level).
    Back,
    Run(Effect),
    /// Ask for the course picker of the tutoring centre.
    PickCourse,
    /// Ask for the picker of the learner's other courses (report).
    PickReportCourse,
    /// Open the statistics editor on a lesson of the report's enrolment.
    EditStats {
        enrolment_id: i64,
        lesson_id: i64,
    },
    /// Ask before undoing the tutor's last edit of this enrolment.
    ConfirmUndo {
        enrolment_id: i64,
    },
    /// Ask for the triage's course filter.
    PickTriageCourse,
    /// Ask for a contact note on these enrolments.
    NoteContact {
        enrolment_ids: Vec<i64>,
    },
    /// Open a learner's report in the Centre de tutorat of their course.
    OpenReport {
        course: CourseRef,
        enrolment_id: i64,
        learner: String,
    },
    /// Open the Relancer dialog for these enrolments, on the template that fits.
    OpenRemind {
        targets: Vec<i64>,
        prefer: &'static str,
    },
    /// Ask before acting on one reminder of the Relances tab.
    ConfirmLogAct {
        id: i64,
        act: LogAct,
        who: String,
    },
    /// The key does not apply to the row under the cursor.
    NotApplicable,
    /// Reload the Relances tab (its status filter changed).
    ReloadLog,
}
