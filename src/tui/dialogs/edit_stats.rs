//! *Modifier les statistiques*: the dialog over the learner report that corrects one
//! lesson's statistics. Every field is validated as the tutor types; nothing reaches the
//! database until all are valid and *Valider* is pressed. A refused save (another tutor
//! saved meanwhile) turns the dialog into a side-by-side view of both versions.

use crossterm::event::{Event, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders};
use ratatui_textarea::{TextArea, WrapMode};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::model::duration::format_hms;
use crate::model::stats::{self, Field, Invalid, Limits, Stats};
use crate::model::{LessonStatus, Ts};
use crate::store::progress::{StatsEdit, StatsRecord};
use crate::tui::action::Action;
use crate::tui::command::Cmd;
use crate::tui::dialogs::confirm::close_or_ask;
use crate::tui::effect::Effect;
use crate::tui::keymap::Context;
use crate::tui::pane::{Cx, Pane};
use crate::tui::ui::Ui;

/// Focusable parts of the dialog, in Tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Status,
    Clear,
    Date,
    Score,
    Time,
    Location,
    Suspend,
    Validate,
    Cancel,
}

impl Focus {
    pub const ORDER: [Focus; 9] = [
        Focus::Status,
        Focus::Clear,
        Focus::Date,
        Focus::Score,
        Focus::Time,
        Focus::Location,
        Focus::Suspend,
        Focus::Validate,
        Focus::Cancel,
    ];

    fn step(self, by: isize) -> Focus {
        let i = Self::ORDER.iter().position(|f| *f == self).unwrap_or(0) as isize;
        Self::ORDER[(i + by).rem_euclid(Self::ORDER.len() as isize) as usize]
    }

    /// The record field a focus edits (the checkbox edits the attempt count).
    pub fn field(self) -> Option<Field> {
        match self {
            Focus::Status => Some(Field::Status),
            Focus::Clear => Some(Field::Attempts),
            Focus::Date => Some(Field::StatusAt),
            Focus::Score => Some(Field::Score),
            Focus::Time => Some(Field::TimeSpent),
            Focus::Location => Some(Field::Location),
            Focus::Suspend => Some(Field::SuspendData),
            Focus::Validate | Focus::Cancel => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Editing,
    /// The save is in flight; keys wait.
    Saving,
    /// Refused: someone saved since the dialog opened. Their values, as stored now.
    Conflict(Box<StatsRecord>),
}

/// The values typed so far, as text, with what they were when the dialog opened: a field
/// left untouched keeps its stored value exactly (a date shown to the minute must not lose
/// its seconds, a score its decimals).
#[derive(Debug)]
struct Texts {
    date: Input,
    score: Input,
    time: Input,
    location: Input,
    suspend: TextArea<'static>,
    initial: [String; 5],
}

fn text_of(area: &TextArea) -> String {
    area.lines().join("\n")
}

fn suspend_area(s: &str) -> TextArea<'static> {
    let mut t = TextArea::new(s.split('\n').map(str::to_string).collect());
    t.set_wrap_mode(WrapMode::WordOrGlyph);
    t
}

fn score_text(score: Option<f64>, ui: &Ui) -> String {
    let s = score.map(|v| v.to_string()).unwrap_or_default();
    match ui.loc.lang {
        crate::locale::Lang::Fr => s.replace('.', ","),
        crate::locale::Lang::En => s,
    }
}

impl Texts {
    fn new(s: &Stats, ui: &Ui) -> Texts {
        let initial = [
            stats::format_date(s.status_at, ui.loc.lang, ui.tz),
            score_text(s.score, ui),
            format_hms(s.time_spent),
            s.location.clone(),
            s.suspend_data.clone(),
        ];
        Texts {
            date: Input::new(initial[0].clone()),
            score: Input::new(initial[1].clone()),
            time: Input::new(initial[2].clone()),
            location: Input::new(initial[3].clone()),
            suspend: suspend_area(&initial[4]),
            initial,
        }
    }
}

#[derive(Debug)]
pub struct EditStats {
    pub learner: String,
    /// What was stored when the dialog opened (its version is what the save must match).
    pub record: StatsRecord,
    pub limits: Limits,
    pub focus: Focus,
    pub status: LessonStatus,
    pub clear_attempts: bool,
    texts: Texts,
    pub phase: Phase,
    /// The last save failed for a reason other than a conflict (shown in the dialog).
    pub failure: Option<String>,
    /// Per-field reasons, recomputed after every change.
    pub errors: Vec<(Field, Invalid)>,
    /// The values to save when every field is valid.
    pub parsed: Option<Stats>,
    /// Set when the tutor asked to save while fields were invalid (the hint says why not).
    pub refused: bool,
}

impl EditStats {
    pub fn new(learner: String, record: StatsRecord, ui: &Ui) -> EditStats {
        let limits = stats::limits(record.scorm_version.as_deref());
        let texts = Texts::new(&record.stats, ui);
        let mut d = EditStats {
            learner,
            status: record.stats.status,
            limits,
            record,
            focus: Focus::Status,
            clear_attempts: false,
            texts,
            phase: Phase::Editing,
            failure: None,
            errors: Vec::new(),
            parsed: None,
            refused: false,
        };
        d.revalidate(ui);
        d.restyle(ui);
        d
    }

    pub fn date_input(&self) -> &Input {
        &self.texts.date
    }
    pub fn score_input(&self) -> &Input {
        &self.texts.score
    }
    pub fn time_input(&self) -> &Input {
        &self.texts.time
    }
    pub fn location_input(&self) -> &Input {
        &self.texts.location
    }
    pub fn suspend_area(&self) -> &TextArea<'static> {
        &self.texts.suspend
    }

    pub fn error(&self, f: Field) -> Option<&Invalid> {
        self.errors.iter().find(|(x, _)| *x == f).map(|(_, e)| e)
    }

    pub fn suspend_len(&self) -> usize {
        self.texts.suspend.lines().iter().map(|l| l.chars().count()).sum::<usize>()
            + self.texts.suspend.lines().len().saturating_sub(1)
    }

    /// Parses every field; unchanged text keeps the stored value.
    pub fn revalidate(&mut self, ui: &Ui) {
        let orig = &self.record.stats;
        let t = &self.texts;
        let same = |i: usize, v: &str| t.initial[i] == v;
        let mut errors = Vec::new();
        let mut ok = |field: Field, r: Result<(), Invalid>| {
            if let Err(e) = r {
                errors.push((field, e));
            }
        };
        let lang = ui.loc.lang;

        let status_at = if same(0, t.date.value()) {
            Ok(orig.status_at)
        } else {
            stats::parse_date(t.date.value(), lang, ui.tz, ui.now)
        };
        // Stored values are checked too: a score of 250 % must be fixed before saving.
        let score = if same(1, t.score.value()) && orig.score.is_none_or(|s| (0.0..=100.0).contains(&s)) {
            Ok(orig.score)
        } else {
            stats::parse_score(t.score.value(), lang)
        };
        let time = stats::parse_time(t.time.value());
        let location = t.location.value().to_string();
        let suspend = text_of(&t.suspend);
        let loc_check = stats::check_text(&location, self.limits.location, false);
        let susp_check = stats::check_text(&suspend, self.limits.suspend_data, true);

        ok(Field::StatusAt, status_at.as_ref().map(|_| ()).map_err(Clone::clone));
        ok(Field::Score, score.as_ref().map(|_| ()).map_err(Clone::clone));
        ok(Field::TimeSpent, time.as_ref().map(|_| ()).map_err(Clone::clone));
        ok(Field::Location, loc_check);
        ok(Field::SuspendData, susp_check);
        self.parsed = match (status_at, score, time, errors.is_empty()) {
            (Ok(status_at), Ok(score), Ok(time_spent), true) => Some(Stats {
                status: self.status,
                attempts: if self.clear_attempts { 0 } else { orig.attempts },
                status_at,
                score,
                time_spent,
                location,
                suspend_data: suspend,
            }),
            _ => None,
        };
        self.errors = errors;
        if self.errors.is_empty() {
            self.refused = false;
        }
    }

    /// Whether anything differs from what the dialog opened on.
    pub fn dirty(&self) -> bool {
        let t = &self.texts;
        self.status != self.record.stats.status
            || self.clear_attempts
            || t.date.value() != t.initial[0]
            || t.score.value() != t.initial[1]
            || t.time.value() != t.initial[2]
            || t.location.value() != t.initial[3]
            || text_of(&t.suspend) != t.initial[4]
    }

    fn edit(&self) -> Option<StatsEdit> {
        Some(StatsEdit {
            enrolment_id: self.record.enrolment_id,
            lesson_id: self.record.lesson_id,
            expected_version: self.record.version,
            stats: self.parsed.clone()?,
            clear_attempts: self.clear_attempts,
        })
    }

    /// The edit that overwrites the other tutor's save: the same values, on their version.
    pub fn overwrite(&mut self) -> Option<StatsEdit> {
        let Phase::Conflict(theirs) = &self.phase else { return None };
        let mut e = self.edit()?;
        e.expected_version = theirs.version;
        self.phase = Phase::Saving;
        Some(e)
    }

    /// Throws the tutor's input away and starts again from what is stored now.
    pub fn reload(&mut self, ui: &Ui) {
        if let Phase::Conflict(theirs) = std::mem::replace(&mut self.phase, Phase::Editing) {
            *self = EditStats::new(self.learner.clone(), *theirs, ui);
        }
    }

    pub fn saving(&mut self) {
        self.phase = Phase::Saving;
        self.failure = None;
    }

    pub fn save_failed(&mut self, msg: String) {
        self.phase = Phase::Editing;
        self.failure = Some(msg);
    }

    pub fn conflict(&mut self, theirs: StatsRecord) {
        self.phase = Phase::Conflict(Box::new(theirs));
    }

    fn submit(&mut self, cx: &Cx) -> Action {
        match self.edit() {
            Some(edit) => {
                self.saving();
                Action::Run(Effect::SaveStats { edit, now: cx.ui.now })
            }
            None => {
                self.refused = true;
                if let Some(f) = self.errors.first().map(|(f, _)| *f) {
                    self.focus =
                        Focus::ORDER.into_iter().find(|x| x.field() == Some(f)).unwrap_or(self.focus);
                }
                Action::Done
            }
        }
    }

    /// Closes; asks first when something was changed.
    fn cancel(&self, cx: &Cx) -> Action {
        close_or_ask(self.dirty(), &cx.ui.loc, "confirm.discard_text")
    }

    fn cycle_status(&mut self, by: isize) {
        let all = LessonStatus::ALL;
        let i = all.iter().position(|s| *s == self.status).unwrap_or(0) as isize;
        self.status = all[(i + by).rem_euclid(all.len() as isize) as usize];
    }

    fn text_input(&mut self) -> Option<&mut Input> {
        match self.focus {
            Focus::Date => Some(&mut self.texts.date),
            Focus::Score => Some(&mut self.texts.score),
            Focus::Time => Some(&mut self.texts.time),
            Focus::Location => Some(&mut self.texts.location),
            _ => None,
        }
    }

    /// The suspend-data area's frame and cursor follow the focus (set here: drawing only
    /// reads the dialog).
    fn restyle(&mut self, ui: &Ui) {
        let t = &ui.theme;
        let focused = self.focus == Focus::Suspend;
        let area = &mut self.texts.suspend;
        area.set_block(Block::default().borders(Borders::ALL).border_style(if focused {
            t.border_focus
        } else {
            t.border
        }));
        area.set_cursor_line_style(Style::default());
        area.set_cursor_style(if focused { t.selected } else { Style::default() });
    }

    fn conflict_command(&mut self, cmd: Cmd, cx: &Cx) -> Action {
        match cmd {
            Cmd::Reload => {
                self.reload(cx.ui);
                Action::Done
            }
            Cmd::Overwrite if self.parsed.is_some() => {
                let loc = &cx.ui.loc;
                Action::Confirm {
                    title: loc.t("confirm.overwrite_title").to_string(),
                    message: loc.t("confirm.overwrite_text").to_string(),
                    yes: Box::new(Action::OverwriteStats),
                }
            }
            Cmd::Back => self.cancel(cx),
            _ => Action::Done,
        }
    }

    fn editing_command(&mut self, cmd: Cmd, cx: &Cx) -> Action {
        // Keys that always navigate, whatever has the focus.
        match cmd {
            Cmd::FocusNext => self.focus = self.focus.step(1),
            Cmd::FocusPrev => self.focus = self.focus.step(-1),
            Cmd::Back => return self.cancel(cx),
            _ => {}
        }
        if matches!(cmd, Cmd::FocusNext | Cmd::FocusPrev) {
            return Action::Done;
        }
        match (self.focus, cmd) {
            (Focus::Status, Cmd::Left) => self.cycle_status(-1),
            (Focus::Status, Cmd::Right | Cmd::Mark) => self.cycle_status(1),
            (Focus::Clear, Cmd::Mark) => self.clear_attempts = !self.clear_attempts,
            (Focus::Validate, Cmd::Open) => return self.submit(cx),
            (Focus::Cancel, Cmd::Open) => return self.cancel(cx),
            (Focus::Validate | Focus::Cancel, Cmd::Left) => self.focus = Focus::Validate,
            (Focus::Validate | Focus::Cancel, Cmd::Right) => self.focus = Focus::Cancel,
            (_, Cmd::Open | Cmd::Down) => self.focus = self.focus.step(1),
            (_, Cmd::Up) => self.focus = self.focus.step(-1),
            _ => {}
        }
        Action::Done
    }

    /// Seconds since the other tutor's save, for the conflict view.
    pub fn theirs_at(&self) -> Option<Ts> {
        match &self.phase {
            Phase::Conflict(r) => r.updated_at,
            _ => None,
        }
    }
}

impl Pane for EditStats {
    /// The keys in force follow the focus: a text field takes letters, Space and arrows.
    fn context(&self) -> Context {
        match (&self.phase, self.focus) {
            (Phase::Conflict(_), _) => Context::EditConflict,
            (Phase::Editing, Focus::Suspend) => Context::EditStatsText,
            (Phase::Editing, Focus::Date | Focus::Score | Focus::Time | Focus::Location) => {
                Context::EditStatsField
            }
            _ => Context::EditStats,
        }
    }

    fn command(&mut self, cmd: Cmd, cx: &Cx) -> Option<Action> {
        if cmd == Cmd::Quit {
            return None;
        }
        let out = match &self.phase {
            // The save is in flight; keys wait.
            Phase::Saving => Action::Done,
            Phase::Conflict(_) => self.conflict_command(cmd, cx),
            Phase::Editing => self.editing_command(cmd, cx),
        };
        self.revalidate(cx.ui);
        self.restyle(cx.ui);
        Some(out)
    }

    fn input(&mut self, key: KeyEvent, cx: &Cx) -> Action {
        if self.phase == Phase::Editing {
            if self.focus == Focus::Suspend {
                // A real text area: Enter is a line break, arrows move inside it.
                self.texts.suspend.input(key);
            } else if let Some(input) = self.text_input() {
                input.handle_event(&Event::Key(key));
            }
        }
        self.revalidate(cx.ui);
        Action::Done
    }

    /// Pasted text goes to the focused text field as it is; validation says what is wrong
    /// with it (too long, control characters) and nothing is lost.
    fn paste(&mut self, s: &str, cx: &Cx) -> Action {
        if self.phase != Phase::Editing {
            return Action::Done;
        }
        if self.focus == Focus::Suspend {
            self.texts.suspend.insert_str(s);
        } else if let Some(input) = self.text_input() {
            let (v, cur) = (input.value().to_string(), input.cursor());
            let at = v.char_indices().nth(cur).map(|(i, _)| i).unwrap_or(v.len());
            let new = format!("{}{}{}", &v[..at], s, &v[at..]);
            *input = Input::new(new).with_cursor(cur + s.chars().count());
        }
        self.revalidate(cx.ui);
        Action::Done
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        self.draw(f, area, cx.ui);
    }
}
