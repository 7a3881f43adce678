//! tutorat: a keyboard-driven terminal dashboard for tutors of online training courses.

pub mod cli;
pub mod config;
pub mod import;
pub mod locale;
pub mod model;
pub mod reminders;
pub mod store;
pub mod sync;
pub mod text;
pub mod tui;
