//! Tab 4 — Relances: every reminder of the courses the tutor may see, newest first, with
//! its status and error; failed and uncertain ones can be sent again, uncertain ones
//! confirmed, waiting ones cancelled.

use nucleo_matcher::Utf32String;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::Outcome;
use crate::model::Ts;
use crate::reminders::LogAct;
use crate::reminders::Status;
use crate::store::reminders::ReminderLogRow;
use crate::text::{self, Fuzzy};
use crate::tui::command::Cmd;
use crate::tui::ui::Ui;
use crate::tui::widgets::filter::{FilterBox, FilterOutcome};
use crate::tui::widgets::table::{self, Col, Cursor, VirtualTable};

#[derive(Clone, Debug)]
pub struct LogEntry {
    pub row: ReminderLogRow,
    pub status: Option<Status>,
    pub learner: String,
    pub course: String,
    pub sender: String,
    /// The template's title when known, else its name.
    pub template: String,
    /// When it was sent, else when it was queued.
    pub at: Ts,
    haystack: Utf32String,
}

impl LogEntry {
    fn new(row: ReminderLogRow) -> LogEntry {
        // The tutor's copy has no learner: say what it is.
        let learner = if row.kind == "copy" {
            format!("→ {}", text::clean(&row.recipient))
        } else {
            text::clean(&row.learner_display())
        };
        let template = text::clean(&row.template);
        let course = text::clean(row.course_shortname.as_deref().unwrap_or(""));
        let sender = text::clean(row.sender_name.as_deref().unwrap_or(""));
        let haystack = text::haystack(&[
            &learner,
            &course,
            &sender,
            &text::clean(&row.template),
            &text::clean(&row.recipient),
        ]);
        LogEntry {
            status: Status::from_db(&row.status),
            at: row.sent_at.unwrap_or(row.created_at),
            learner,
            course,
            sender,
            template,
            haystack,
            row,
        }
    }
}

#[derive(Debug, Default)]
pub struct ReminderLogView {
    pub loading: bool,
    pub loaded: bool,
    pub error: Option<String>,
    pub entries: Vec<LogEntry>,
    pub index: Vec<u32>,
    pub cursor: Cursor,
    selected_id: Option<i64>,
    pub filter: FilterBox,
    /// Status shown (`None`: all); the list is reloaded for it.
    pub status: Option<Status>,
}

impl ReminderLogView {
    pub fn load(&mut self, rows: Vec<ReminderLogRow>) {
        self.loading = false;
        self.loaded = true;
        self.error = None;
        self.entries = rows.into_iter().map(LogEntry::new).collect();
        self.rebuild_index();
    }

    /// Failed and uncertain reminders: what the tab title points at.
    pub fn attention(&self) -> usize {
        self.entries.iter().filter(|e| matches!(e.status, Some(Status::Failed | Status::Uncertain))).count()
    }

    pub fn current(&self) -> Option<&LogEntry> {
        self.index.get(self.cursor.pos).map(|i| &self.entries[*i as usize])
    }

    pub fn rebuild_index(&mut self) {
        let e = &self.entries;
        // Already newest first from the database; the text filter keeps that order.
        self.index =
            Fuzzy::new(self.filter.value()).filter((0..e.len() as u32).map(|i| (i, &e[i as usize].haystack)));
        self.cursor.pos = self
            .selected_id
            .and_then(|id| self.index.iter().position(|i| e[*i as usize].row.id == id))
            .unwrap_or(0);
        self.cursor.clamp(self.index.len());
        self.selected_id = self.current().map(|x| x.row.id);
    }

    pub fn handle_key(&mut self, ev: crossterm::event::KeyEvent) -> Outcome {
        match self.filter.handle_key(ev) {
            FilterOutcome::Changed | FilterOutcome::Cleared => self.rebuild_index(),
            FilterOutcome::Accepted | FilterOutcome::Unchanged => {}
        }
        Outcome::Done
    }

    pub fn paste(&mut self, s: &str) {
        if self.filter.editing {
            self.filter.paste(s);
            self.rebuild_index();
        }
    }

    fn act(&self, act: LogAct) -> Outcome {
        let Some(e) = self.current() else { return Outcome::Done };
        if act.allowed(e.status) {
            Outcome::ConfirmLogAct { id: e.row.id, act, who: e.learner.clone() }
        } else {
            Outcome::NotApplicable
        }
    }

    pub fn update(&mut self, cmd: Cmd) -> Outcome {
        if self.cursor.apply(cmd, self.index.len()) {
            self.selected_id = self.current().map(|x| x.row.id);
            return Outcome::Done;
        }
        match cmd {
            Cmd::Filter => self.filter.start(),
            Cmd::StepFilter => {
                let all = Status::ALL;
                self.status = match self.status {
                    None => Some(all[0]),
                    Some(s) => all.iter().position(|x| *x == s).and_then(|i| all.get(i + 1)).copied(),
                };
                self.loading = true;
                return Outcome::ReloadLog;
            }
            Cmd::Retry => return self.act(LogAct::Retry),
            Cmd::ConfirmSent => return self.act(LogAct::Confirm),
            Cmd::CancelReminder => return self.act(LogAct::Cancel),
            Cmd::Back => {
                if self.filter.clear() {
                    self.rebuild_index();
                } else if self.status.is_some() {
                    self.status = None;
                    self.loading = true;
                    return Outcome::ReloadLog;
                }
            }
            _ => return Outcome::Unhandled,
        }
        Outcome::Done
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, ui: &Ui) {
        let (t, loc) = (&ui.theme, &ui.loc);
        let area = area.intersection(f.area());
        let show_filter = self.filter.is_active();
        let [head, body, detail, filter_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(2),
            Constraint::Length(u16::from(show_filter)),
        ])
        .areas(area);
        let shown = match self.status {
            None => loc.t("relances.all").to_string(),
            Some(s) => {
                loc.tf("relances.only", &[("status", &loc.t(&format!("reminder_status.{}", s.as_db())))])
            }
        };
        let mut spans = vec![Span::styled(shown, if self.status.is_some() { t.accent } else { t.base })];
        let attention = self.attention();
        if attention > 0 {
            spans.push(Span::styled("  · ", t.muted));
            spans.push(Span::styled(loc.tn("relances.attention", attention as i64), t.danger));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), head);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .title(Span::styled(format!(" {} ", loc.t("relances.table_title")), t.title));
        if let Some(e) = &self.error {
            f.render_widget(Paragraph::new(Line::styled(text::clean(e), t.danger)).block(block), body);
        } else if !self.loaded {
            f.render_widget(Paragraph::new(loc.t("status.loading")).style(t.muted).block(block), body);
        } else if self.index.is_empty() {
            let msg =
                if self.entries.is_empty() { loc.t("relances.empty") } else { loc.t("relances.no_match") };
            f.render_widget(Paragraph::new(msg).style(t.muted).block(block), body);
        } else {
            self.draw_table(f, body, block, ui);
        }
        self.draw_detail(f, detail, ui);
        if show_filter {
            self.filter.render(f, filter_area, t, loc);
        }
    }

    fn draw_table(&mut self, f: &mut Frame, body: Rect, block: Block<'_>, ui: &Ui) {
        let (t, loc) = (&ui.theme, &ui.loc);
        let wide = body.width >= 120;
        let mut cols = vec![
            Col::new(loc.t("report.col_datetime"), Constraint::Length(16)),
            Col::new(loc.t("relances.col_learner"), Constraint::Fill(2)),
            Col::new(loc.t("relances.col_course"), Constraint::Length(9)),
            Col::new(loc.t("relances.col_status"), Constraint::Length(12)),
        ];
        if wide {
            cols.insert(1, Col::new(loc.t("relances.col_sender"), Constraint::Length(18)));
            cols.push(Col::new(loc.t("relances.col_template"), Constraint::Length(16)));
            cols.push(Col::new(loc.t("relances.col_error"), Constraint::Fill(2)));
        } else {
            cols.push(Col::new(loc.t("relances.col_template"), Constraint::Fill(1)));
        }
        let (entries, index) = (&self.entries, &self.index);
        VirtualTable { cols: &cols, loc, sort: None, len: index.len(), block, focused: true }.render(
            f,
            body,
            t,
            &mut self.cursor,
            |i, w| {
                let e = &entries[index[i] as usize];
                let (status, style) = match e.status {
                    Some(Status::Sent) => (loc.t("reminder_status.sent").to_string(), t.ok),
                    Some(Status::Failed) => (format!("✗ {}", loc.t("reminder_status.failed")), t.danger),
                    Some(Status::Uncertain) => {
                        (format!("? {}", loc.t("reminder_status.uncertain")), t.danger)
                    }
                    Some(s) => (loc.t(&format!("reminder_status.{}", s.as_db())).to_string(), t.warning),
                    None => (text::clean(&e.row.status), t.danger),
                };
                let mut cells = vec![table::cell(loc.datetime(Some(e.at), ui.tz), t.base)];
                let mut col = 1;
                if wide {
                    cells.push(table::cell(text::fit(&e.sender, w[col]).into_owned(), t.muted));
                    col += 1;
                }
                cells.push(table::cell(text::fit(&e.learner, w[col]).into_owned(), t.base));
                cells.push(table::cell(text::fit(&e.course, w[col + 1]).into_owned(), t.base));
                cells.push(table::cell(text::fit(&status, w[col + 2]).into_owned(), style));
                let template = if e.row.kind == "copy" { loc.t("reminder_kind.copy") } else { &e.template };
                cells.push(table::cell(text::fit(template, w[col + 3]).into_owned(), t.muted));
                if wide {
                    let err = e.row.error.as_deref().map(text::clean).unwrap_or_default();
                    cells.push(table::cell(text::fit(&err, w[col + 4]).into_owned(), t.danger));
                }
                cells
            },
        );
    }

    /// Under the table: the subject, the tries and the full error of the reminder under the
    /// cursor (errors are long; the table only has room for their start).
    fn draw_detail(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let (t, loc) = (&ui.theme, &ui.loc);
        let Some(e) = self.current() else { return };
        let w = area.width as usize;
        let first = format!(
            "{} {} · {} · {}",
            loc.t("remind.subject"),
            text::clean(&e.row.subject),
            text::clean(&e.row.recipient),
            loc.tn("relances.tries", e.row.tries)
        );
        let second = match (&e.row.error, e.status) {
            (_, Some(Status::Uncertain)) => loc.t("reminders.uncertain_hint").to_string(),
            (Some(err), _) => text::clean(err),
            (None, Some(Status::Failed | Status::Queued)) if e.row.next_try_at.is_some() => {
                loc.tf("relances.next_try", &[("at", &loc.datetime(e.row.next_try_at, ui.tz))])
            }
            _ => String::new(),
        };
        let lines = vec![
            Line::styled(text::fit(&first, w).into_owned(), t.muted),
            Line::styled(text::fit(&second, w).into_owned(), t.danger),
        ];
        f.render_widget(Paragraph::new(lines), area);
    }
}
