//! The tabs' views. Each owns its state, turns commands into state changes or actions for
//! the application, and draws itself: each is a [`Pane`](crate::tui::pane::Pane).

pub mod course;
pub mod formations;
pub mod reminder_log;
pub mod report;
mod report_history;
pub mod triage;
pub mod tutoring;
