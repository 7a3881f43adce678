//! Tab 4 — Relances: every reminder of the courses the tutor may see, newest first, with
//! its status and error; failed and uncertain ones can be sent again, uncertain ones
//! confirmed, waiting ones cancelled.

use nucleo_matcher::Utf32String;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::model::Ts;
use crate::reminders::LogAct;
use crate::reminders::Status;
use crate::store::reminders::ReminderLogRow;
use crate::text;
use crate::tui::action::Action;
use crate::tui::command::Cmd;
use crate::tui::frame::Level;
use crate::tui::keymap::Context;
use crate::tui::list::{self, List, Row, Table};
use crate::tui::pane::Cx;
use crate::tui::sheet::{Sheet, sheet_parts};
use crate::tui::ui::Ui;
use crate::tui::widgets::table::{self, Col};

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

/// Newest first, as the database gives them.
impl Row for LogEntry {
    fn key(&self) -> (i64, &Utf32String) {
        (self.row.id, &self.haystack)
    }
}

#[derive(Debug, Default)]
pub struct ReminderLogView {
    pub list: List<LogEntry>,
    /// Status shown (`None`: all); the list is reloaded for it.
    pub status: Option<Status>,
}

impl ReminderLogView {
    pub fn load(&mut self, rows: Vec<ReminderLogRow>) {
        self.list.set_rows(rows.into_iter().map(LogEntry::new).collect());
    }

    /// Failed and uncertain reminders: what the tab title points at.
    pub fn attention(&self) -> usize {
        let rows = self.list.rows();
        rows.iter().filter(|e| matches!(e.status, Some(Status::Failed | Status::Uncertain))).count()
    }

    pub fn current(&self) -> Option<&LogEntry> {
        self.list.current()
    }

    /// `R`, `C`, `D` on the reminder under the cursor: asked first, where it applies.
    fn log_act(&self, act: LogAct, cx: &Cx) -> Action {
        let Some(e) = self.current() else { return Action::Done };
        let loc = &cx.ui.loc;
        if !act.allowed(e.status) {
            return Action::Status(Level::Info, loc.t("relances.not_applicable").to_string());
        }
        let (title, text) = match act {
            LogAct::Retry => ("confirm.retry_title", "confirm.retry_text"),
            LogAct::Confirm => ("confirm.confirm_sent_title", "confirm.confirm_sent_text"),
            LogAct::Cancel => ("confirm.cancel_reminder_title", "confirm.cancel_reminder_text"),
        };
        Action::Confirm {
            title: loc.t(title).to_string(),
            message: loc.tf(text, &[("who", &e.learner)]),
            yes: Box::new(Action::LogAct { id: e.row.id, act }),
        }
    }

    /// Shows one status (`f` cycles) or all: the list is reloaded for it.
    fn show_status(&mut self, status: Option<Status>) -> Action {
        self.status = status;
        self.list.start_loading();
        Action::ReloadLog
    }
}

impl Sheet for ReminderLogView {
    sheet_parts!(LogEntry, Context::Relances, 2);

    fn act(&mut self, cmd: Cmd, cx: &Cx) -> Option<Action> {
        Some(match cmd {
            Cmd::StepFilter => {
                let all = Status::ALL;
                let next = match self.status {
                    None => Some(all[0]),
                    Some(s) => all.iter().position(|x| *x == s).and_then(|i| all.get(i + 1)).copied(),
                };
                self.show_status(next)
            }
            Cmd::Retry => self.log_act(LogAct::Retry, cx),
            Cmd::ConfirmSent => self.log_act(LogAct::Confirm, cx),
            Cmd::CancelReminder => self.log_act(LogAct::Cancel, cx),
            Cmd::Back if self.list.clear_filter() || self.status.is_none() => Action::Done,
            Cmd::Back => self.show_status(None),
            _ => return None,
        })
    }

    /// The status shown, and how many reminders need attention.
    fn head(&self, ui: &Ui) -> Line<'static> {
        let (t, loc) = (&ui.theme, &ui.loc);
        let shown = match self.status {
            None => loc.t("relances.all").to_string(),
            Some(s) => {
                loc.tf("relances.only", &[("status", &loc.t(&format!("reminder_status.{}", s.as_db())))])
            }
        };
        let mut spans = vec![Span::styled(shown, if self.status.is_some() { t.accent } else { t.base })];
        let attention = self.attention();
        if attention > 0 {
            spans.extend(list::note(loc.tn("relances.attention", attention as i64), t.danger, ui));
        }
        Line::from(spans)
    }

    fn table(&self, f: &mut Frame, body: Rect, ui: &Ui) {
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
        let nothing = self.list.nothing(loc.t("relances.empty"), loc.t("relances.no_match"));
        let block = list::frame(loc.t("relances.table_title"), ui);
        Table { block, cols: &cols, sort: None, nothing, focused: true }.render(
            f,
            body,
            ui,
            &self.list,
            |e, w| {
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
    fn detail(&self, f: &mut Frame, area: Rect, ui: &Ui) {
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
