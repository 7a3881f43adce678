//! The learner report: who, when, and lesson by lesson down to each attempt; connection and
//! reminder histories. Inconsistent data is flagged, never silently summed.

use std::collections::{HashMap, HashSet};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::model::duration::format_hms;
use crate::model::report::{self, AttemptFigures, Issue, LessonFigures, score_ok};
use crate::model::{LessonKind, LessonStatus, Ts};
use crate::store::progress::AuditLine;
use crate::store::report::Report;
use crate::text;
use crate::tui::action::{Action, Choice, PickFor};
use crate::tui::command::Cmd;
use crate::tui::effect::Effect;
use crate::tui::keymap::Context;
use crate::tui::pane::{Cx, Pane};
use crate::tui::ui::Ui;
use crate::tui::widgets::table::{self, Col, Cursor, VirtualTable};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RSection {
    Composition,
    Connections,
    Reminders,
    Changes,
}

impl RSection {
    pub const ALL: [RSection; 4] =
        [RSection::Composition, RSection::Connections, RSection::Reminders, RSection::Changes];
    fn index(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

#[derive(Clone, Debug)]
pub struct LessonItem {
    pub lesson_id: i64,
    pub kind: Option<LessonKind>,
    pub title: String,
    /// `None`: no progress row (never attempted).
    pub status: Option<LessonStatus>,
    pub unknown_status: bool,
    pub score: Option<f64>,
    pub average: Option<f64>,
    pub passing: Option<f64>,
    pub attempts: Option<i64>,
    pub time: Option<i64>,
    pub status_at: Option<Ts>,
    pub progress_id: Option<i64>,
    pub version: Option<i64>,
    pub scorm_version: Option<String>,
}

#[derive(Clone, Debug)]
pub struct AttemptItem {
    pub number: i64,
    pub at: Ts,
    pub status: Option<LessonStatus>,
    pub score: Option<f64>,
    pub time: i64,
    pub cleared: bool,
}

#[derive(Clone, Debug)]
pub struct ReportData {
    pub enrolment_id: i64,
    pub course_id: i64,
    pub course: String,
    pub lastname: String,
    pub firstname: String,
    pub organisation: String,
    pub start_at: Option<Ts>,
    pub target_at: Option<Ts>,
    pub end_at: Option<Ts>,
    pub first_access: Option<Ts>,
    pub last_access: Option<Ts>,
    pub total_time: i64,
    pub lessons: Vec<LessonItem>,
    pub attempts: HashMap<i64, Vec<AttemptItem>>,
    pub connections: Vec<(Ts, String, i64)>,
    pub connections_truncated: bool,
    pub reminders: Vec<(Ts, String, String, String, Option<String>)>,
    pub courses: Vec<(i64, String, String)>,
    pub changes: Vec<AuditLine>,
    pub issues: Vec<Issue>,
}

impl ReportData {
    pub fn new(r: Report, now: Ts) -> ReportData {
        let mut attempts: HashMap<i64, Vec<AttemptItem>> = HashMap::new();
        for a in &r.attempts {
            attempts.entry(a.lesson_id).or_default().push(AttemptItem {
                number: a.number,
                at: a.started_at,
                status: LessonStatus::from_db(&a.status),
                score: a.score,
                time: a.time_spent,
                cleared: a.cleared,
            });
        }
        let lessons: Vec<LessonItem> = r
            .lessons
            .iter()
            .map(|l| LessonItem {
                lesson_id: l.lesson_id,
                kind: LessonKind::from_db(&l.kind),
                title: text::clean(&l.title),
                status: l.status.as_deref().and_then(LessonStatus::from_db),
                unknown_status: l.status.as_deref().is_some_and(|s| LessonStatus::from_db(s).is_none()),
                score: l.score,
                average: l.average_score,
                passing: l.passing_score,
                attempts: l.attempts,
                time: l.time_spent,
                status_at: l.status_at,
                progress_id: l.progress_id,
                version: l.version,
                scorm_version: l.scorm_version.clone(),
            })
            .collect();

        let figures: Vec<LessonFigures> = lessons
            .iter()
            .map(|l| LessonFigures {
                has_progress: l.progress_id.is_some(),
                has_attempts: attempts.contains_key(&l.lesson_id),
                score: l.score,
                average: l.average,
                time: l.time,
                status_at: l.status_at,
                unknown_status: l.unknown_status,
            })
            .collect();
        let tries: Vec<AttemptFigures> = r
            .attempts
            .iter()
            .map(|a| AttemptFigures { score: a.score, time: a.time_spent, started_at: a.started_at })
            .collect();
        let issues = report::check(r.header.time_spent, &figures, &tries, now);

        let h = &r.header;
        ReportData {
            enrolment_id: h.enrolment_id,
            course_id: h.course_id,
            course: text::clean(&h.course_fullname),
            lastname: text::clean(&h.lastname).to_uppercase(),
            firstname: text::clean(&h.firstname),
            organisation: text::clean(h.organisation.as_deref().unwrap_or("")),
            start_at: h.start_at,
            target_at: h.target_at,
            end_at: h.end_at,
            first_access: h.first_access,
            last_access: h.last_access,
            total_time: h.time_spent,
            lessons,
            attempts,
            connections: r
                .connections
                .iter()
                .map(|c| (c.at, text::clean(c.lesson_title.as_deref().unwrap_or("")), c.duration))
                .collect(),
            connections_truncated: r.connections_truncated,
            reminders: r
                .reminders
                .iter()
                .map(|m| {
                    (
                        m.sent_at.unwrap_or(m.created_at),
                        text::clean(&m.kind),
                        text::clean(&m.template),
                        m.status.clone(),
                        m.error.as_deref().map(text::clean),
                    )
                })
                .collect(),
            courses: r
                .courses
                .iter()
                .map(|c| (c.enrolment_id, text::clean(&c.shortname), text::clean(&c.fullname)))
                .collect(),
            changes: r.changes.clone(),
            issues,
        }
    }
}

/// A row of the composition table: a lesson, or one attempt of an expanded lesson.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompRow {
    Lesson(usize),
    Attempt(usize, usize),
}

#[derive(Debug)]
pub struct ReportView {
    pub enrolment_id: i64,
    /// Shown in the title while loading.
    pub learner: String,
    pub loading: bool,
    pub error: Option<String>,
    pub data: Option<ReportData>,
    pub section: RSection,
    pub expanded: HashSet<i64>,
    pub rows: Vec<CompRow>,
    pub cursor: Cursor,
    pub conn_cursor: Cursor,
    pub rem_cursor: Cursor,
    pub change_cursor: Cursor,
}

impl ReportView {
    pub fn new(enrolment_id: i64, learner: String) -> ReportView {
        ReportView {
            enrolment_id,
            learner,
            loading: true,
            error: None,
            data: None,
            section: RSection::Composition,
            expanded: HashSet::new(),
            rows: Vec::new(),
            cursor: Cursor::default(),
            conn_cursor: Cursor::default(),
            rem_cursor: Cursor::default(),
            change_cursor: Cursor::default(),
        }
    }

    pub fn load(&mut self, r: Report, now: Ts) {
        let same = self.data.as_ref().is_some_and(|d| d.enrolment_id == r.header.enrolment_id);
        if !same {
            self.expanded.clear();
            for c in [&mut self.cursor, &mut self.conn_cursor, &mut self.rem_cursor, &mut self.change_cursor]
            {
                c.reset();
            }
        }
        let d = ReportData::new(r, now);
        // Histories may be shorter after a reload: the cursors stay on rows that exist.
        self.conn_cursor.clamp(d.connections.len());
        self.rem_cursor.clamp(d.reminders.len());
        self.change_cursor.clamp(d.changes.len());
        self.enrolment_id = d.enrolment_id;
        self.learner = format!("{} {}", d.lastname, d.firstname);
        self.data = Some(d);
        self.loading = false;
        self.error = None;
        self.flatten();
    }

    fn flatten(&mut self) {
        let Some(d) = &self.data else {
            self.rows.clear();
            return;
        };
        let current = self.rows.get(self.cursor.pos).copied();
        let mut rows = Vec::new();
        for (i, l) in d.lessons.iter().enumerate() {
            rows.push(CompRow::Lesson(i));
            if self.expanded.contains(&l.lesson_id) {
                let n = d.attempts.get(&l.lesson_id).map(Vec::len).unwrap_or(0);
                rows.extend((0..n).map(|j| CompRow::Attempt(i, j)));
            }
        }
        self.rows = rows;
        if let Some(pos) = current.and_then(|c| self.rows.iter().position(|r| *r == c)) {
            self.cursor.pos = pos;
        }
        self.cursor.clamp(self.rows.len());
    }

    /// The lesson under the cursor (an attempt row counts as its lesson).
    pub fn current_lesson(&self) -> Option<&LessonItem> {
        let d = self.data.as_ref()?;
        match self.rows.get(self.cursor.pos)? {
            CompRow::Lesson(i) | CompRow::Attempt(i, _) => d.lessons.get(*i),
        }
    }

    /// `c`: the picker of the learner's other courses.
    fn pick_course(&self, cx: &Cx) -> Action {
        let choices = self.data.as_ref().map(|d| {
            let choice = |(id, short, full): &(i64, String, String)| Choice {
                id: *id,
                label: full.clone(),
                detail: short.clone(),
            };
            d.courses.iter().map(choice).collect()
        });
        Action::Pick {
            purpose: PickFor::ReportCourse,
            title: cx.ui.loc.tf("picker.report_title", &[("who", &self.learner)]),
            choices: choices.unwrap_or_default(),
            current: Some(self.enrolment_id),
        }
    }

    pub fn switch_to(&mut self, enrolment_id: i64) -> Action {
        self.enrolment_id = enrolment_id;
        self.loading = true;
        Action::Run(Effect::LoadReport { enrolment_id })
    }

    fn cycle_course(&mut self, step: isize) -> Action {
        let Some(d) = &self.data else { return Action::Done };
        let n = d.courses.len();
        if n < 2 {
            return Action::Done;
        }
        let cur = d.courses.iter().position(|c| c.0 == d.enrolment_id).unwrap_or(0) as isize;
        let next = d.courses[((cur + step).rem_euclid(n as isize)) as usize].0;
        self.switch_to(next)
    }

    fn toggle(&mut self, open: Option<bool>) {
        let Some(d) = &self.data else { return };
        let Some(row) = self.rows.get(self.cursor.pos).copied() else { return };
        let (i, on_attempt) = match row {
            CompRow::Lesson(i) => (i, false),
            CompRow::Attempt(i, _) => (i, true),
        };
        let id = d.lessons[i].lesson_id;
        let is_open = self.expanded.contains(&id);
        let want = open.unwrap_or(!is_open);
        if want && !is_open {
            self.expanded.insert(id);
        } else if !want && is_open {
            self.expanded.remove(&id);
            if on_attempt {
                // Back on the lesson the attempts belonged to.
                self.rows.retain(|r| !matches!(r, CompRow::Attempt(l, _) if *l == i));
                self.cursor.pos = self.rows.iter().position(|r| *r == CompRow::Lesson(i)).unwrap_or(0);
            }
        }
        self.flatten();
    }

    /// `e`: the editor on the lesson under the cursor; from another section, back to the
    /// lessons first.
    fn edit(&mut self) -> Action {
        if self.section != RSection::Composition {
            self.section = RSection::Composition;
            return Action::Done;
        }
        match (self.data.as_ref(), self.current_lesson()) {
            (Some(d), Some(l)) => {
                Action::Run(Effect::LoadStats { enrolment_id: d.enrolment_id, lesson_id: l.lesson_id })
            }
            _ => Action::Done,
        }
    }

    /// `u`: undo this tutor's last edit of the learner, once confirmed.
    fn undo(&self, cx: &Cx) -> Action {
        let Some(d) = &self.data else { return Action::Done };
        let loc = &cx.ui.loc;
        Action::Confirm {
            title: loc.t("confirm.undo_title").to_string(),
            message: loc.t("confirm.undo_text").to_string(),
            yes: Box::new(Action::UndoEdit { enrolment_id: d.enrolment_id }),
        }
    }

    /// The cursor of the section shown, with its row count.
    fn section_cursor(&mut self) -> (&mut Cursor, usize) {
        let d = self.data.as_ref();
        let count = |f: fn(&ReportData) -> usize| d.map(f).unwrap_or(0);
        match self.section {
            RSection::Composition => (&mut self.cursor, self.rows.len()),
            RSection::Connections => (&mut self.conn_cursor, count(|d| d.connections.len())),
            RSection::Reminders => (&mut self.rem_cursor, count(|d| d.reminders.len())),
            RSection::Changes => (&mut self.change_cursor, count(|d| d.changes.len())),
        }
    }
}

impl Pane for ReportView {
    fn context(&self) -> Context {
        Context::Report
    }

    /// Esc is the Centre de tutorat's: it closes the report.
    fn command(&mut self, cmd: Cmd, cx: &Cx) -> Option<Action> {
        let (cursor, len) = self.section_cursor();
        if cursor.apply(cmd, len) {
            return Some(Action::Done);
        }
        let n = RSection::ALL.len();
        match cmd {
            Cmd::FocusNext => self.section = RSection::ALL[(self.section.index() + 1) % n],
            Cmd::FocusPrev => self.section = RSection::ALL[(self.section.index() + n - 1) % n],
            Cmd::Section(i) => self.section = RSection::ALL[(i as usize).min(n - 1)],
            Cmd::Edit => return Some(self.edit()),
            Cmd::Undo => return Some(self.undo(cx)),
            Cmd::Right | Cmd::Open if self.section == RSection::Composition => self.toggle(Some(true)),
            Cmd::Open => {}
            Cmd::Left if self.section == RSection::Composition => self.toggle(Some(false)),
            Cmd::PrevItem => return Some(self.cycle_course(-1)),
            Cmd::NextItem => return Some(self.cycle_course(1)),
            Cmd::Pick => return Some(self.pick_course(cx)),
            Cmd::Refresh => {
                self.loading = true;
                return Some(Action::Run(Effect::LoadReport { enrolment_id: self.enrolment_id }));
            }
            _ => return None,
        }
        Some(Action::Done)
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let (ui, t, loc) = (cx.ui, &cx.ui.theme, &cx.ui.loc);
        let mut block = Block::default().borders(Borders::ALL).border_style(t.border_focus);
        let title = match &self.data {
            Some(d) => format!(" {} {} — {} ", d.lastname, d.firstname, d.course),
            None => format!(" {} ", self.learner),
        };
        block = block.title(Span::styled(
            text::fit(&title, area.width.saturating_sub(24) as usize).into_owned(),
            t.title,
        ));
        if let Some(d) = &self.data
            && d.courses.len() > 1
        {
            let pos = d.courses.iter().position(|c| c.0 == d.enrolment_id).map(|p| p + 1).unwrap_or(0);
            let label = loc.tf("report.courses_of", &[("pos", &pos), ("n", &d.courses.len())]);
            block =
                block.title(Line::from(Span::styled(format!(" [ ] c · {label} "), t.muted)).right_aligned());
        }
        let inner = block.inner(area);
        f.render_widget(block, area);
        let Some(d) = self.data.clone() else {
            let msg = match &self.error {
                Some(e) => Line::styled(text::clean(e), t.danger),
                None => Line::styled(loc.t("status.loading").to_string(), t.muted),
            };
            f.render_widget(Paragraph::new(msg), inner);
            return;
        };
        let info = self.info_lines(&d, ui, inner.width as usize);
        let issues = issue_lines(&d, ui);
        let [info_area, issue_area, tabs, body] = Layout::vertical([
            Constraint::Length(info.len() as u16),
            Constraint::Length(issues.len() as u16),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(inner);
        f.render_widget(Paragraph::new(info), info_area);
        f.render_widget(Paragraph::new(issues), issue_area);

        let labels = [
            loc.tf("report.composition", &[("n", &d.lessons.len())]),
            loc.tf("report.connections", &[("n", &loc.num(d.connections.len() as i64))]),
            loc.tf("report.reminders", &[("n", &d.reminders.len())]),
            loc.tf("report.changes", &[("n", &d.changes.len())]),
        ];
        let mut spans = Vec::new();
        for (i, label) in labels.iter().enumerate() {
            let active = i == self.section.index();
            spans.push(Span::styled(format!(" {label} "), if active { t.tab_active } else { t.tab }));
            spans.push(Span::raw(" "));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), tabs);
        match self.section {
            RSection::Composition => self.draw_composition(f, body, ui, &d),
            RSection::Connections => self.draw_connections(f, body, ui, &d),
            RSection::Reminders => self.draw_reminders(f, body, ui, &d),
            RSection::Changes => self.draw_changes(f, body, ui, &d),
        }
    }
}

impl ReportView {
    fn info_lines(&self, d: &ReportData, ui: &Ui, width: usize) -> Vec<Line<'static>> {
        let t = &ui.theme;
        let loc = &ui.loc;
        let date = |ts| {
            let s = loc.date(ts, ui.tz);
            if s.is_empty() { "—".to_string() } else { s }
        };
        let datetime = |ts| {
            let s = loc.datetime(ts, ui.tz);
            if s.is_empty() { loc.t("time.never").to_string() } else { s }
        };
        let pairs: Vec<(&str, String)> = vec![
            (
                loc.t("report.organisation"),
                if d.organisation.is_empty() { "—".into() } else { d.organisation.clone() },
            ),
            (loc.t("report.lastname"), d.lastname.clone()),
            (loc.t("report.firstname"), d.firstname.clone()),
            (loc.t("report.start"), date(d.start_at)),
            (loc.t("report.target"), date(d.target_at)),
            (loc.t("report.end"), date(d.end_at)),
            (loc.t("report.total_time"), format_hms(d.total_time)),
            (loc.t("report.first_connection"), datetime(d.first_access)),
            (loc.t("report.last_connection"), datetime(d.last_access)),
        ];
        // Three per line when there is room, else two.
        let per_line = if width >= 120 { 3 } else { 2 };
        let col = width / per_line;
        pairs
            .chunks(per_line)
            .map(|chunk| {
                let mut spans = Vec::new();
                for (label, value) in chunk {
                    let cell = format!("{label} ");
                    let value_w = col.saturating_sub(text::width(&cell) + 1);
                    let v = text::fit(value, value_w).into_owned();
                    let pad = col.saturating_sub(text::width(&cell) + text::width(&v));
                    spans.push(Span::styled(cell, t.muted));
                    spans.push(Span::styled(v, t.base));
                    spans.push(Span::raw(" ".repeat(pad)));
                }
                Line::from(spans)
            })
            .collect()
    }

    fn draw_composition(&self, f: &mut Frame, area: Rect, ui: &Ui, d: &ReportData) {
        let t = &ui.theme;
        let loc = &ui.loc;
        if d.lessons.is_empty() {
            f.render_widget(Paragraph::new(loc.t("report.no_lessons")).style(t.muted), area);
            return;
        }
        let wide = area.width >= 110;
        let mut cols = vec![
            Col::new(loc.t("report.col_lesson"), Constraint::Fill(1)),
            Col::new(loc.t("report.col_status"), Constraint::Length(13)),
            Col::new(loc.t("report.col_score"), Constraint::Length(7)).right(),
        ];
        if wide {
            cols.push(Col::new(loc.t("report.col_average"), Constraint::Length(7)).right());
            cols.push(Col::new(loc.t("report.col_passing"), Constraint::Length(7)).right());
        }
        cols.extend([
            Col::new(loc.t("report.col_attempts"), Constraint::Length(6)).right(),
            Col::new(loc.t("report.col_time"), Constraint::Length(9)).right(),
            Col::new(loc.t("report.col_date"), Constraint::Length(16)),
        ]);
        let rows = &self.rows;
        let expanded = &self.expanded;
        let na = loc.t("report.na").to_string();
        let pct = |v: Option<f64>, bad_style: Style| -> (String, Style) {
            match v {
                None => (na.clone(), t.muted),
                Some(x) if score_ok(Some(x)) => (loc.pct(fmt_score(x, loc)), t.base),
                Some(x) => (format!("{}!", loc.pct(fmt_score(x, loc))), bad_style),
            }
        };
        let time_cell =
            |v: i64| if v < 0 { (format!("{}!", format_hms(v)), t.danger) } else { (format_hms(v), t.base) };
        let future = |ts: Ts| report::is_future(ts, ui.now);
        let dt = |ts: Option<Ts>| -> (String, Style) {
            match ts {
                Some(x) if future(x) => (format!("{}!", loc.datetime(Some(x), ui.tz)), t.danger),
                Some(x) => (loc.datetime(Some(x), ui.tz), t.base),
                None => (String::new(), t.muted),
            }
        };
        VirtualTable {
            cols: &cols,
            loc,
            sort: None,
            len: rows.len(),
            block: Block::default(),
            focused: true,
        }
        .render(f, area, t, &self.cursor, |i, w| match rows[i] {
            CompRow::Lesson(li) => {
                let l = &d.lessons[li];
                let has_attempts = d.attempts.get(&l.lesson_id).is_some_and(|a| !a.is_empty());
                let arrow = if !has_attempts {
                    "  "
                } else if expanded.contains(&l.lesson_id) {
                    "▾ "
                } else {
                    "▸ "
                };
                let (status, status_style) = match (l.status, l.unknown_status, has_attempts) {
                    (Some(s), _, _) => (loc.t(s.label_key()).to_string(), status_style(s, ui)),
                    (None, true, _) => (format!("{}!", loc.t("report.unknown")), t.danger),
                    (None, false, true) => (format!("{}!", loc.t("report.no_progress")), t.danger),
                    (None, false, false) => (loc.t("lesson_status.not_attempted").to_string(), t.muted),
                };
                let (score, score_style) = pct(l.score, t.danger);
                let mut cells = vec![
                    table::cell(text::fit(&format!("{arrow}{}", l.title), w[0]).into_owned(), t.base),
                    table::cell(status, status_style),
                    table::right(score, score_style),
                ];
                if wide {
                    let (avg, avg_style) = pct(l.average, t.danger);
                    let (pass, pass_style) = pct(l.passing, t.danger);
                    cells.push(table::right(avg, avg_style));
                    cells.push(table::right(pass, pass_style));
                }
                let (time, time_style) = l.time.map(time_cell).unwrap_or((na.clone(), t.muted));
                let (date, date_style) = dt(l.status_at);
                cells.extend([
                    table::right(l.attempts.map(|a| a.to_string()).unwrap_or_else(|| "0".into()), t.base),
                    table::right(time, time_style),
                    table::cell(date, date_style),
                ]);
                cells
            }
            CompRow::Attempt(li, ai) => {
                let a = &d.attempts[&d.lessons[li].lesson_id][ai];
                let (status, st) = match a.status {
                    Some(s) => (loc.t(s.label_key()).to_string(), status_style(s, ui)),
                    None => (format!("{}!", loc.t("report.unknown")), t.danger),
                };
                let (score, score_style) = pct(a.score, t.danger);
                let (date, date_style) = dt(Some(a.at));
                let label = if a.cleared {
                    format!("    {} {} ({})", loc.t("report.attempt"), a.number, loc.t("report.cleared"))
                } else {
                    format!("    {} {}", loc.t("report.attempt"), a.number)
                };
                let base = if a.cleared { t.muted } else { t.base };
                let mut cells = vec![
                    table::cell(text::fit(&label, w[0]).into_owned(), base),
                    table::cell(status, if a.cleared { t.muted } else { st }),
                    table::right(score, score_style),
                ];
                if wide {
                    cells.push(table::cell("", t.base));
                    cells.push(table::cell("", t.base));
                }
                let (time, time_style) = time_cell(a.time);
                cells.extend([
                    table::right(format!("#{}", a.number), t.muted),
                    table::right(time, time_style),
                    table::cell(date, date_style),
                ]);
                cells
            }
        });
    }
}

fn fmt_score(x: f64, loc: &crate::locale::Locale) -> String {
    if x.fract() == 0.0 { format!("{x:.0}") } else { loc.dec1(x) }
}

fn status_style(s: LessonStatus, ui: &Ui) -> Style {
    match s {
        LessonStatus::Passed | LessonStatus::Completed => ui.theme.ok,
        LessonStatus::Failed => ui.theme.danger,
        LessonStatus::Incomplete => ui.theme.warning,
        LessonStatus::NotAttempted => ui.theme.muted,
    }
}

fn issue_lines(d: &ReportData, ui: &Ui) -> Vec<Line<'static>> {
    let loc = &ui.loc;
    let t = &ui.theme;
    d.issues
        .iter()
        .map(|i| {
            let msg = match i {
                Issue::TotalTime { stored, sum } => loc.tf(
                    "report.issue_total",
                    &[("stored", &format_hms(*stored)), ("sum", &format_hms(*sum))],
                ),
                Issue::AttemptsWithoutProgress(n) => loc.tn("report.issue_orphans", *n as i64),
                Issue::ScoreOutOfRange(n) => loc.tn("report.issue_scores", *n as i64),
                Issue::NegativeTime(n) => loc.tn("report.issue_negative", *n as i64),
                Issue::FutureDates(n) => loc.tn("report.issue_future", *n as i64),
                Issue::UnknownStatus(n) => loc.tn("report.issue_unknown", *n as i64),
            };
            Line::from(vec![Span::styled("! ", t.danger), Span::styled(msg, t.warning)])
        })
        .collect()
}
