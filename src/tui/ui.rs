//! What every pane needs to draw and to word things, and how panes name a course.

use crate::locale::Locale;
use crate::model::time::{DisplayTz, Ts};
use crate::tui::theme::Theme;

/// What every view needs to draw: language, styles, time zone and the current time.
pub struct Ui {
    pub loc: Locale,
    pub theme: Theme,
    pub tz: DisplayTz,
    pub now: Ts,
}

/// A course as other views refer to it.
#[derive(Clone, Debug, PartialEq)]
pub struct CourseRef {
    pub id: i64,
    pub shortname: String,
    pub fullname: String,
}
