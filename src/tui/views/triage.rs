//! Tab 3 — Jamais connectés: one queue, across every tutored course, of the learners who
//! never opened their course, most urgent first, with what to do next for each. Marks and
//! bulk actions work as in the Centre de tutorat.

use std::cmp::Ordering;
use std::collections::HashSet;

use nucleo_matcher::Utf32String;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::model::time::ago;
use crate::model::triage::{Group, NextStep, QueueEntry};
use crate::text;
use crate::tui::action::{Action, Choice, PickFor};
use crate::tui::command::Cmd;
use crate::tui::keymap::Context;
use crate::tui::list::{self, List, Order, Row, Table};
use crate::tui::pane::Cx;
use crate::tui::sheet::{Sheet, sheet_parts};
use crate::tui::ui::{CourseRef, Ui};
use crate::tui::widgets::marks;
use crate::tui::widgets::table::{self, Col};

impl Row for QueueEntry {
    /// Most urgent step first (within a step, those waiting longest first), then by learner,
    /// course, days waited (most first) and reminders sent (most first).
    const ORDERS: &'static [Order<QueueEntry>] = &[
        Order { column: 6, cmp: |x, y| x.step.cmp(&y.step).then(y.days.cmp(&x.days)) },
        Order { column: 1, cmp: |x, y| x.sort_key.cmp(&y.sort_key) },
        Order { column: 2, cmp: |x, y| x.course.cmp(&y.course) },
        Order { column: 4, cmp: |x, y| y.days.cmp(&x.days) },
        Order { column: 5, cmp: |x, y| y.row.reminders_sent.cmp(&x.row.reminders_sent) },
    ];

    fn key(&self) -> (i64, &Utf32String) {
        (self.row.enrolment_id, &self.haystack)
    }

    fn tie(&self, other: &Self) -> Ordering {
        self.sort_key.cmp(&other.sort_key).then(self.row.enrolment_id.cmp(&other.row.enrolment_id))
    }
}

#[derive(Debug)]
pub struct TriageView {
    /// The queue; marks (enrolment ids) are for bulk actions.
    pub list: List<QueueEntry>,
    pub group: Option<Group>,
    pub step: Option<NextStep>,
    /// Course filter: id and short name.
    pub course: Option<(i64, String)>,
}

impl Default for TriageView {
    fn default() -> Self {
        TriageView { list: List::with_marks(), group: None, step: None, course: None }
    }
}

impl TriageView {
    pub fn load(&mut self, entries: Vec<QueueEntry>) {
        let gone = self.course.as_ref().is_some_and(|(c, _)| !entries.iter().any(|e| e.row.course_id == *c));
        self.list.set_rows(entries);
        if gone {
            self.course = None;
            self.apply_filters();
        }
    }

    /// Learners per group, for the tab title.
    pub fn counts(&self) -> (usize, usize) {
        let rows = self.list.rows();
        let platform = rows.iter().filter(|e| e.group == Group::NeverPlatform).count();
        (platform, rows.len() - platform)
    }

    pub fn current(&self) -> Option<&QueueEntry> {
        self.list.current()
    }

    pub fn entry(&self, enrolment_id: i64) -> Option<&QueueEntry> {
        self.list.find(enrolment_id)
    }

    /// Shows the learners of the group, next step and course chosen.
    fn apply_filters(&mut self) {
        let (group, step, course) = (self.group, self.step, self.course.as_ref().map(|c| c.0));
        self.list.keep(move |x| {
            group.is_none_or(|g| x.group == g)
                && step.is_none_or(|s| x.step == s)
                && course.is_none_or(|c| x.row.course_id == c)
        });
    }

    /// Items for the course picker: every course present in the queue, plus "all".
    fn course_choices(&self, all_label: &str) -> Vec<Choice> {
        let mut seen = HashSet::new();
        let choice =
            |id, label: &str, detail: &str| Choice { id, label: label.into(), detail: detail.into() };
        let mut items = vec![choice(0, all_label, "")];
        let mut courses: Vec<&QueueEntry> =
            self.list.rows().iter().filter(|e| seen.insert(e.row.course_id)).collect();
        courses.sort_by(|a, b| a.row.fullname.cmp(&b.row.fullname));
        items.extend(courses.into_iter().map(|e| choice(e.row.course_id, &e.row.fullname, &e.row.shortname)));
        items
    }

    /// The course filter (0: every course).
    pub fn set_course(&mut self, id: i64) {
        self.course = self.list.rows().iter().find(|e| e.row.course_id == id).map(|e| (id, e.course.clone()));
        self.apply_filters();
    }

    /// `x`: a contact note on the marked learners, else the one under the cursor.
    fn note(&self, cx: &Cx) -> Action {
        let who = |ids: &[i64]| match ids {
            [one] => self.entry(*one).map(|e| e.name.clone()).unwrap_or_default(),
            many => cx.ui.loc.tn("triage.learners", many.len() as i64),
        };
        match self.list.targets() {
            ids if ids.is_empty() => Action::Done,
            ids => Action::Note { who: who(&ids), enrolment_ids: ids },
        }
    }

    /// Enter: the learner's report, in the Centre de tutorat of their course.
    fn open_report(&self) -> Action {
        let Some(e) = self.current() else { return Action::Done };
        let course = CourseRef {
            id: e.row.course_id,
            shortname: e.course.clone(),
            fullname: text::clean(&e.row.fullname),
        };
        Action::OpenReport { course, enrolment_id: e.row.enrolment_id, learner: e.name.clone() }
    }

    /// Esc: the filter text, else the other filters.
    fn clear_filters(&mut self) {
        if !self.list.clear_filter() && (self.group.is_some() || self.step.is_some() || self.course.is_some())
        {
            (self.group, self.step, self.course) = (None, None, None);
            self.apply_filters();
        }
    }
}

impl Sheet for TriageView {
    sheet_parts!(QueueEntry, Context::Triage, 1);

    fn act(&mut self, cmd: Cmd, cx: &Cx) -> Option<Action> {
        match cmd {
            Cmd::GroupFilter => {
                self.group = match self.group {
                    None => Some(Group::NeverPlatform),
                    Some(Group::NeverPlatform) => Some(Group::NeverCourse),
                    Some(Group::NeverCourse) => None,
                };
                self.apply_filters();
            }
            Cmd::StepFilter => {
                let all = NextStep::ALL;
                self.step = match self.step {
                    None => Some(all[0]),
                    Some(s) => all.iter().position(|x| *x == s).and_then(|i| all.get(i + 1)).copied(),
                };
                self.apply_filters();
            }
            Cmd::Pick => {
                let loc = &cx.ui.loc;
                return Some(Action::Pick {
                    purpose: PickFor::TriageCourse,
                    title: loc.t("picker.course_title").to_string(),
                    choices: self.course_choices(loc.t("triage.all_courses")),
                    current: self.course.as_ref().map(|c| c.0).or(Some(0)),
                });
            }
            Cmd::Remind => {
                let targets = self.list.targets();
                if !targets.is_empty() {
                    return Some(Action::OpenRemind { targets, prefer: "never_accessed" });
                }
            }
            Cmd::Note => return Some(self.note(cx)),
            Cmd::Open => return Some(self.open_report()),
            Cmd::Back => self.clear_filters(),
            _ => return None,
        }
        Some(Action::Done)
    }

    /// The counts of both groups, the filters in force and the marks.
    fn head(&self, ui: &Ui) -> Line<'static> {
        let (t, loc) = (&ui.theme, &ui.loc);
        let (platform, course) = self.counts();
        let mut spans = vec![
            Span::styled("○ ", t.danger),
            Span::styled(loc.tf("triage.count_platform", &[("n", &loc.num(platform as i64))]), t.base),
            Span::styled("  ◐ ", t.warning),
            Span::styled(loc.tf("triage.count_course", &[("n", &loc.num(course as i64))]), t.base),
        ];
        let mut filters = Vec::new();
        if let Some((_, c)) = &self.course {
            filters.push(c.clone());
        }
        if let Some(g) = self.group {
            filters.push(loc.t(g.label_key()).to_string());
        }
        if let Some(s) = self.step {
            filters.push(loc.t(s.label_key()).to_string());
        }
        if !filters.is_empty() {
            spans.extend(list::note(filters.join(" · "), t.accent, ui));
        }
        spans.extend(self.list.marked_note(ui));
        Line::from(spans)
    }

    fn table(&self, f: &mut Frame, body: Rect, ui: &Ui) {
        let (t, loc) = (&ui.theme, &ui.loc);
        let wide = body.width >= 120;
        let mut cols = vec![
            Col::new("", Constraint::Length(3)),
            Col::new(loc.t("triage.col_learner"), Constraint::Fill(2)),
            Col::new(loc.t("triage.col_course"), Constraint::Length(if wide { 14 } else { 9 })),
            Col::new(
                if wide { loc.t("triage.col_group") } else { "" },
                Constraint::Length(if wide { 12 } else { 1 }),
            ),
            Col::new(loc.t("triage.col_days"), Constraint::Length(5)).right(),
            Col::new(loc.t("triage.col_reminders"), Constraint::Length(12)),
            Col::new(loc.t("triage.col_next"), Constraint::Length(if wide { 26 } else { 18 })),
        ];
        if wide {
            cols.push(Col::new(loc.t("triage.col_contact"), Constraint::Fill(2)));
        }
        let nothing = self.list.nothing(loc.t("triage.empty"), loc.t("triage.no_match"));
        let sort = self.list.sort_mark();
        let marked_ids = &self.list.marks;
        let block = list::frame(loc.t("triage.table_title"), ui);
        Table { block, cols: &cols, sort, nothing, focused: true }.render(f, body, ui, &self.list, |e, w| {
            let marked = marked_ids.contains(&e.row.enrolment_id);
            let name_style = marks::name_style(marked, e.row.suspended, t);
            let (glyph, glyph_style) = match e.group {
                Group::NeverPlatform => ("○", t.danger),
                Group::NeverCourse => ("◐", t.warning),
            };
            let group =
                if wide { format!("{glyph} {}", loc.t(e.group.short_key())) } else { glyph.to_string() };
            let reminders = match (e.row.reminders_in_flight, e.row.reminders_sent, e.row.last_reminder_at) {
                (1.., n, _) => format!("{n} · {}", loc.t("triage.in_flight")),
                (_, 0, _) => "0".to_string(),
                (_, n, Some(at)) => format!("{n} · {}", loc.ago(ago(Some(at), ui.now))),
                (_, n, None) => n.to_string(),
            };
            let mut step = loc.t(e.step.label_key()).to_string();
            if e.step == NextStep::Call
                && let Some(p) = e.row.phone.as_deref().filter(|p| !p.is_empty())
            {
                step = format!("{step} {}", text::clean(p));
            }
            let step_style = match e.step {
                NextStep::Call => t.danger,
                NextStep::RemindAgain | NextStep::Remind => t.warning,
                NextStep::Wait | NextStep::Suspended => t.muted,
            };
            let mut cells = vec![
                marks::mark_box(marked, t),
                table::cell(text::fit(&e.name, w[1]).into_owned(), name_style),
                table::cell(text::fit(&e.course, w[2]).into_owned(), t.base),
                table::cell(group, glyph_style),
                table::right(loc.num(e.days), t.base),
                table::cell(text::fit(&reminders, w[5]).into_owned(), t.base),
                table::cell(text::fit(&step, w[6]).into_owned(), step_style),
            ];
            if wide {
                let contact = [e.row.email.as_deref(), e.row.phone.as_deref()]
                    .into_iter()
                    .flatten()
                    .filter(|s| !s.is_empty())
                    .map(text::clean)
                    .collect::<Vec<_>>()
                    .join(" · ");
                cells.push(table::cell(text::fit(&contact, w[7]).into_owned(), t.muted));
            }
            cells
        });
    }

    /// The line under the table: how to reach the learner under the cursor, and the last note.
    fn detail(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let (t, loc) = (&ui.theme, &ui.loc);
        let Some(e) = self.current() else { return };
        let none = loc.t("triage.no_contact");
        let email =
            e.row.email.as_deref().filter(|s| !s.is_empty()).map(text::clean).unwrap_or_else(|| none.into());
        let phone =
            e.row.phone.as_deref().filter(|s| !s.is_empty()).map(text::clean).unwrap_or_else(|| none.into());
        let mut spans = vec![
            Span::styled("✉ ", t.muted),
            Span::styled(email, t.base),
            Span::styled("  ☎ ", t.muted),
            Span::styled(phone, t.base),
        ];
        if let (Some(note), Some(at)) = (&e.row.last_note, e.row.last_contact_at) {
            spans.push(Span::styled(
                format!("  · {} ", loc.tf("triage.note_on", &[("at", &loc.date(Some(at), ui.tz))])),
                t.muted,
            ));
            spans.push(Span::styled(text::clean(note), t.base));
        }
        let line = Line::from(spans);
        f.render_widget(Paragraph::new(line), area);
    }
}
