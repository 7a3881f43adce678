//! Plain domain types and rules: statuses, progress, durations, time.

pub mod audience;
pub mod contact;
pub mod delivery;
pub mod duration;
pub mod lang;
pub mod names;
pub mod progress;
pub mod report;
pub mod stats;
pub mod status;
pub mod time;
pub mod triage;

pub use status::{EnrolmentKind, EnrolmentStatus, LessonKind, LessonStatus};
pub use time::Ts;
pub mod catalog;
pub mod learner;
pub mod person;
