//! Tab 2 — Centre de tutorat: one course's counters, the distribution of its learners, and
//! its learners in a fast, sortable, filterable table with marks for bulk actions. Enter
//! opens a learner's report.

use std::cmp::Ordering;

use nucleo_matcher::Utf32String;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::report::ReportView;
use crate::model::EnrolmentKind;
use crate::model::duration::format_hms;
use crate::model::learner::LearnerRow;
use crate::model::time::{Ago, ago};
use crate::model::{EnrolmentStatus, progress};
use crate::store::learners::CourseLearners;
use crate::text;
use crate::tui::action::Action;
use crate::tui::command::Cmd;
use crate::tui::effect::Effect;
use crate::tui::keymap::Context;
use crate::tui::list::{self, List, Order, Row, Table, TextLine};
use crate::tui::pane::{Cx, Pane, to_sub};
use crate::tui::ui::CourseRef;
use crate::tui::widgets::distribution::{self, Slice};
use crate::tui::widgets::marks;
use crate::tui::widgets::progress::bar;
use crate::tui::widgets::table::{self, Col};

/// A learner row with what the table needs precomputed once per load.
#[derive(Clone, Debug)]
pub struct Learner {
    pub row: LearnerRow,
    /// "LASTNAME Firstname", sanitised.
    pub name: String,
    pub status: EnrolmentStatus,
    /// `None`: impossible stored figures (flagged in the table).
    pub progress: Option<u8>,
    sort_key: String,
    /// What the filter matches; empty until a filter is first typed: most openings of a big
    /// course filter nothing.
    haystack: Utf32String,
}

impl Learner {
    pub fn new(row: LearnerRow, lessons_total: i64) -> Learner {
        let last = text::clean(&row.lastname).to_uppercase();
        let first = text::clean(&row.firstname);
        let name = match (last.is_empty(), first.is_empty()) {
            (false, false) => format!("{last} {first}"),
            (false, true) => last,
            (true, false) => first,
            (true, true) => text::clean(&row.username),
        };
        Learner {
            sort_key: text::fold(&name),
            haystack: Utf32String::default(),
            status: row.status(lessons_total),
            progress: row.progress(lessons_total),
            name,
            row,
        }
    }
}

impl Row for Learner {
    /// By name, status, progress, time, last access, certificate (columns 1 to 6).
    const ORDERS: &'static [Order<Learner>] = &[
        Order { column: 1, cmp: |x, y| x.sort_key.cmp(&y.sort_key) },
        Order { column: 2, cmp: |x, y| x.status.cmp(&y.status) },
        Order { column: 3, cmp: |x, y| x.progress.cmp(&y.progress) },
        Order { column: 4, cmp: |x, y| x.row.time_spent.cmp(&y.row.time_spent) },
        // Ascending: never first, then the longest ago — the learners to chase.
        Order { column: 5, cmp: |x, y| x.row.last_access.cmp(&y.row.last_access) },
        Order { column: 6, cmp: |x, y| x.row.certificate_at.is_some().cmp(&y.row.certificate_at.is_some()) },
    ];

    fn key(&self) -> (i64, &Utf32String) {
        (self.row.enrolment_id, &self.haystack)
    }

    fn prepare_search(&mut self) {
        if self.haystack.is_empty() {
            // The same as `text::haystack(&[&name, &username])`, without folding the name twice.
            let username = text::fold(&text::clean(&self.row.username));
            self.haystack = Utf32String::from(format!("{} {username}", self.sort_key));
        }
    }

    fn tie(&self, other: &Self) -> Ordering {
        self.sort_key.cmp(&other.sort_key)
    }
}

#[derive(Debug)]
pub struct TutoringView {
    pub course: Option<CourseRef>,
    pub lessons_total: i64,
    /// The course's learners; marks (enrolment ids) are for bulk actions.
    pub list: List<Learner>,
    /// Enrolment kind shown (`None`: all kinds). Counters and chart follow it.
    pub kind: Option<EnrolmentKind>,
    pub observation_lessons: i64,
    /// The learner report, when one is open (drawn instead of the table).
    pub report: Option<ReportView>,
}

impl Default for TutoringView {
    fn default() -> Self {
        TutoringView {
            course: None,
            lessons_total: 0,
            list: List::with_marks(),
            kind: None,
            observation_lessons: 0,
            report: None,
        }
    }
}

/// Figures of the header, over the learners of the current kind filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub learners: usize,
    pub missions_to_grade: i64,
    pub observations_to_do: i64,
    pub not_started: usize,
    pub in_progress: usize,
    pub completed: usize,
}

impl TutoringView {
    /// Switches to another course: clears its rows and marks, keeps sort preferences.
    pub fn open(&mut self, course: CourseRef) {
        if self.course.as_ref().map(|c| c.id) != Some(course.id) {
            self.list.reset();
            self.report = None;
        }
        self.course = Some(course);
        self.list.start_loading();
        self.list.error = None;
    }

    pub fn load(&mut self, data: CourseLearners) {
        self.lessons_total = data.lessons_total;
        self.observation_lessons = data.observation_lessons;
        self.list.set_rows(data.rows.into_iter().map(|r| Learner::new(r, data.lessons_total)).collect());
    }

    pub fn current(&self) -> Option<&Learner> {
        self.list.current()
    }

    pub fn marked_count(&self) -> usize {
        self.list.marks.len()
    }

    /// Header figures for the learners of the current kind (the text filter does not apply).
    pub fn counters(&self) -> Counters {
        let mut c = Counters::default();
        for l in self.list.rows().iter().filter(|l| self.kind.is_none_or(|k| l.row.kind() == Some(k))) {
            c.learners += 1;
            c.missions_to_grade += l.row.missions_to_grade.max(0);
            c.observations_to_do += l.row.observations_to_do(self.observation_lessons);
            match l.status {
                EnrolmentStatus::NotStarted => c.not_started += 1,
                EnrolmentStatus::InProgress => c.in_progress += 1,
                EnrolmentStatus::Completed => c.completed += 1,
            }
        }
        c
    }

    /// Opens the report of the learner under the cursor.
    fn open_report(&mut self) -> Action {
        let Some(l) = self.current() else { return Action::Done };
        let id = l.row.enrolment_id;
        self.report = Some(ReportView::new(id, l.name.clone()));
        Action::Run(Effect::LoadReport { enrolment_id: id })
    }

    /// The learners of one kind of enrolment, or all (the table and the counters follow).
    fn cycle_kind(&mut self) {
        self.kind = match self.kind {
            None => Some(EnrolmentKind::Mandatory),
            Some(EnrolmentKind::Mandatory) => Some(EnrolmentKind::Recommended),
            Some(EnrolmentKind::Recommended) => Some(EnrolmentKind::Free),
            Some(EnrolmentKind::Free) => None,
        };
        let kind = self.kind;
        self.list.keep(move |l| kind.is_none_or(|k| l.row.kind() == Some(k)));
    }

    /// `r`: the marked learners, else the one under the cursor, on the template that fits
    /// the learner under the cursor.
    fn remind(&self) -> Action {
        let Some(current) = self.current() else { return Action::Done };
        let prefer = match (current.row.last_access, current.status) {
            (None, _) => "never_accessed",
            (_, EnrolmentStatus::NotStarted) => "not_started",
            _ => "behind_schedule",
        };
        Action::OpenRemind { targets: self.list.targets(), prefer }
    }
}

impl Pane for TutoringView {
    fn context(&self) -> Context {
        self.report.as_ref().map_or(self.list.context(Context::Tutoring), Pane::context)
    }

    fn command(&mut self, cmd: Cmd, cx: &Cx) -> Option<Action> {
        // Esc on a report: back on the learner it was about (it may be another course's
        // enrolment after [ or ]: then the cursor stays where it was).
        let list = &mut self.list;
        if let Some(answer) = to_sub(&mut self.report, cmd, cx, |r| _ = list.select(r.enrolment_id)) {
            return answer;
        }
        if self.list.command(cmd) {
            return Some(Action::Done);
        }
        Some(match cmd {
            Cmd::KindFilter => {
                self.cycle_kind();
                Action::Done
            }
            Cmd::Open => self.open_report(),
            Cmd::Remind => self.remind(),
            Cmd::Pick => Action::PickCourse,
            Cmd::Back if self.list.clear_filter() => Action::Done,
            Cmd::Back => Action::ToFormations,
            Cmd::Refresh => match &self.course {
                Some(c) => {
                    self.list.start_loading();
                    Action::Run(Effect::LoadLearners { course_id: c.id })
                }
                None => Action::Done,
            },
            _ => return None,
        })
    }

    fn text_line(&mut self) -> Option<&mut dyn TextLine> {
        Some(&mut self.list)
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let (ui, t, loc) = (cx.ui, &cx.ui.theme, &cx.ui.loc);
        let Some(course) = self.course.clone() else {
            let block = Block::default().borders(Borders::ALL).border_style(t.border);
            f.render_widget(
                Paragraph::new(loc.t("tutoring.no_course"))
                    .style(t.muted)
                    .wrap(Wrap { trim: true })
                    .block(block),
                area.intersection(f.area()),
            );
            return;
        };
        if let Some(r) = &self.report {
            r.render(f, area, cx);
            return;
        }
        // Tall and coloured terminals get counter boxes and a donut; others a compact strip.
        let big = area.height >= 36 && area.width >= 100 && !t.mono;
        let [title_area, head, body, filter_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(if big { 7 } else { 2 }),
            Constraint::Fill(1),
            Constraint::Length(self.list.filter_height()),
        ])
        .areas(area);

        let kind_label = match self.kind {
            None => loc.t("tutoring.kind_all").to_string(),
            Some(k) => loc.tf("tutoring.kind_only", &[("kind", &loc.t(k.label_key()))]),
        };
        let mut spans = vec![
            Span::styled(
                text::fit(&course.fullname, (title_area.width as usize).saturating_sub(40)).into_owned(),
                t.title,
            ),
            Span::styled("  · ", t.muted),
            Span::styled(kind_label, if self.kind.is_some() { t.accent } else { t.base }),
        ];
        spans.extend(self.list.marked_note(ui));
        f.render_widget(Paragraph::new(Line::from(spans)), title_area.intersection(f.area()));

        let c = self.counters();
        let slices = [
            Slice {
                label: loc.t("enrolment_status.not_started"),
                count: c.not_started,
                style: t.warning,
                fill: '░',
            },
            Slice {
                label: loc.t("enrolment_status.in_progress"),
                count: c.in_progress,
                style: t.accent,
                fill: '▒',
            },
            Slice {
                label: loc.t("enrolment_status.completed"), count: c.completed, style: t.ok, fill: '█'
            },
        ];
        let figures = [
            (loc.t("tutoring.counter_learners"), loc.num(c.learners as i64), t.base),
            (
                loc.t("tutoring.counter_missions"),
                loc.num(c.missions_to_grade),
                if c.missions_to_grade > 0 { t.warning } else { t.base },
            ),
            (
                loc.t("tutoring.counter_observations"),
                loc.num(c.observations_to_do),
                if c.observations_to_do > 0 { t.warning } else { t.base },
            ),
        ];
        if big {
            let [boxes, chart] =
                Layout::horizontal([Constraint::Length(72), Constraint::Fill(1)]).areas(head);
            let cells = Layout::horizontal([Constraint::Ratio(1, 3); 3]).split(boxes);
            for ((label, value, style), cell) in figures.iter().zip(cells.iter()) {
                let block = Block::default()
                    .borders(Borders::ALL)
                    .border_style(t.border)
                    .title(Span::styled(format!(" {label} "), t.muted));
                let inner = block.inner(*cell);
                f.render_widget(block, cell.intersection(f.area()));
                let y = inner.y + inner.height.saturating_sub(1) / 2;
                let line = Rect { y, height: 1.min(inner.height), ..inner };
                f.render_widget(
                    Paragraph::new(Span::styled(value.clone(), *style)).centered(),
                    line.intersection(f.area()),
                );
            }
            distribution::render_donut(f, chart, &slices, ui);
        } else {
            let [line1, line2] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(head);
            let mut spans = Vec::new();
            for (i, (label, value, style)) in figures.iter().enumerate() {
                if i > 0 {
                    spans.push(Span::styled(" · ", t.muted));
                }
                spans.push(Span::styled(format!("{label} "), t.muted));
                spans.push(Span::styled(value.clone(), *style));
            }
            f.render_widget(Paragraph::new(Line::from(spans)), line1.intersection(f.area()));
            distribution::render_bar(f, line2, &slices, ui);
        }

        let block = list::frame(loc.t("tutoring.table_title"), ui);
        let cols = [
            Col::new("", Constraint::Length(3)),
            Col::new(loc.t("tutoring.col_learner"), Constraint::Fill(1)),
            Col::new(loc.t("tutoring.col_status"), Constraint::Length(12)),
            Col::new(loc.t("tutoring.col_progress"), Constraint::Length(11)).right(),
            Col::new(loc.t("tutoring.col_time"), Constraint::Length(9)).right(),
            Col::new(loc.t("tutoring.col_last_access"), Constraint::Length(11)),
            Col::new(loc.t("tutoring.col_certificate"), Constraint::Length(5)),
        ];
        let nothing = self.list.nothing(loc.t("tutoring.empty"), loc.t("tutoring.no_match"));
        let marked_ids = &self.list.marks;
        let lessons_total = self.lessons_total;
        let sort = self.list.sort_mark();
        Table { block, cols: &cols, sort, nothing, focused: true }.render(f, body, ui, &self.list, |l, w| {
            let marked = marked_ids.contains(&l.row.enrolment_id);
            let name_style = marks::name_style(marked, l.row.suspended, t);
            let status_style = match l.status {
                EnrolmentStatus::NotStarted => t.warning,
                EnrolmentStatus::InProgress => t.base,
                EnrolmentStatus::Completed => t.ok,
            };
            let (progress_text, progress_style) = match l.progress {
                Some(p) => (format!("{} {:>5}", bar(p, 5), loc.pct(p)), t.base),
                None => (
                    format!(
                        "{} {:>5}",
                        bar(progress::percent_clamped(l.row.lessons_done, lessons_total), 5),
                        "!"
                    ),
                    t.danger,
                ),
            };
            let last = ago(l.row.last_access, ui.now);
            let last_style = match last {
                Ago::Never => t.danger,
                Ago::Future => t.warning,
                _ => t.base,
            };
            let (time_text, time_style) = if l.row.time_spent < 0 {
                (format_hms(l.row.time_spent), t.danger)
            } else {
                (format_hms(l.row.time_spent), t.base)
            };
            let mut name = l.name.clone();
            if l.row.suspended {
                name = format!("{name} ({})", loc.t("tutoring.suspended"));
            }
            vec![
                marks::mark_box(marked, t),
                table::cell(text::fit(&name, w[1]).into_owned(), name_style),
                table::cell(loc.t(l.status.label_key()).to_string(), status_style),
                table::right(progress_text, progress_style),
                table::right(time_text, time_style),
                table::cell(loc.ago(last), last_style),
                table::cell(
                    if l.row.certificate_at.is_some() { " ✓" } else { " –" },
                    if l.row.certificate_at.is_some() { t.ok } else { t.muted },
                ),
            ]
        });
        self.list.render_filter(f, filter_area, ui);
    }
}
