//! The learner report's history sections: connections, reminders (and contact notes) and
//! the tutors' corrections of the statistics.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Paragraph};

use super::report::{ReportData, ReportView};
use crate::model::duration::format_hms;
use crate::text;
use crate::tui::ui::Ui;
use crate::tui::widgets::table::{self, Col, VirtualTable};

impl ReportView {
    pub(super) fn draw_connections(&self, f: &mut Frame, area: Rect, ui: &Ui, d: &ReportData) {
        let t = &ui.theme;
        let loc = &ui.loc;
        if d.connections.is_empty() {
            f.render_widget(Paragraph::new(loc.t("report.no_connections")).style(t.muted), area);
            return;
        }
        let (table_area, note) = if d.connections_truncated {
            let [a, b] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
            (a, Some(b))
        } else {
            (area, None)
        };
        let cols = [
            Col::new(loc.t("report.col_datetime"), Constraint::Length(16)),
            Col::new(loc.t("report.col_lesson"), Constraint::Fill(1)),
            Col::new(loc.t("report.col_time"), Constraint::Length(9)).right(),
        ];
        let c = &d.connections;
        VirtualTable { cols: &cols, loc, sort: None, len: c.len(), block: Block::default(), focused: true }
            .render(f, table_area, t, &self.conn_cursor, |i, w| {
                let (at, lesson, dur) = &c[i];
                let lesson =
                    if lesson.is_empty() { loc.t("report.course_page").to_string() } else { lesson.clone() };
                vec![
                    table::cell(loc.datetime(Some(*at), ui.tz), t.base),
                    table::cell(text::fit(&lesson, w[1]).into_owned(), t.base),
                    table::right(format_hms(*dur), if *dur < 0 { t.danger } else { t.base }),
                ]
            });
        if let Some(n) = note {
            let msg = loc.tf("report.truncated", &[("n", &loc.num(crate::store::report::CONNECTIONS_CAP))]);
            f.render_widget(Paragraph::new(msg).style(t.muted), n);
        }
    }

    pub(super) fn draw_reminders(&self, f: &mut Frame, area: Rect, ui: &Ui, d: &ReportData) {
        let t = &ui.theme;
        let loc = &ui.loc;
        if d.reminders.is_empty() {
            f.render_widget(Paragraph::new(loc.t("report.no_reminders")).style(t.muted), area);
            return;
        }
        let cols = [
            Col::new(loc.t("report.col_datetime"), Constraint::Length(16)),
            Col::new(loc.t("report.col_type"), Constraint::Length(14)),
            Col::new(loc.t("report.col_template"), Constraint::Fill(1)),
            Col::new(loc.t("report.col_outcome"), Constraint::Fill(1)),
        ];
        let r = &d.reminders;
        VirtualTable { cols: &cols, loc, sort: None, len: r.len(), block: Block::default(), focused: true }
            .render(f, area, t, &self.rem_cursor, |i, w| {
                let (at, kind, template, status, error) = &r[i];
                let kind_key = format!("reminder_kind.{kind}");
                let status_key = format!("reminder_status.{status}");
                let outcome = match error {
                    Some(e) => format!("{} — {e}", loc.t(&status_key)),
                    None => loc.t(&status_key).to_string(),
                };
                let style = match status.as_str() {
                    "sent" => t.ok,
                    "failed" | "uncertain" => t.danger,
                    _ => t.warning,
                };
                vec![
                    table::cell(loc.datetime(Some(*at), ui.tz), t.base),
                    table::cell(text::fit(loc.t(&kind_key), w[1]).into_owned(), t.base),
                    table::cell(text::fit(template, w[2]).into_owned(), t.base),
                    table::cell(text::fit(&outcome, w[3]).into_owned(), style),
                ]
            });
    }
    pub(super) fn draw_changes(&self, f: &mut Frame, area: Rect, ui: &Ui, d: &ReportData) {
        use crate::model::stats::Field;
        use crate::tui::dialogs::edit_stats_view::show_audit;
        let t = &ui.theme;
        let loc = &ui.loc;
        if d.changes.is_empty() {
            f.render_widget(Paragraph::new(loc.t("report.no_changes")).style(t.muted), area);
            return;
        }
        let cols = [
            Col::new(loc.t("report.col_datetime"), Constraint::Length(16)),
            Col::new(loc.t("report.col_by"), Constraint::Length(18)),
            Col::new(loc.t("report.col_lesson"), Constraint::Fill(1)),
            Col::new(loc.t("report.col_field"), Constraint::Length(16)),
            Col::new(loc.t("report.col_change"), Constraint::Fill(2)),
        ];
        let c = &d.changes;
        VirtualTable { cols: &cols, loc, sort: None, len: c.len(), block: Block::default(), focused: true }
            .render(f, area, t, &self.change_cursor, |i, w| {
                let a = &c[i];
                let field = Field::from_column(&a.field);
                let label = match field {
                    Some(fl) => loc.t(fl.label_key()).to_string(),
                    None if a.field == "attempts_cleared" => loc.t("report.attempts_cleared").to_string(),
                    None => text::clean(&a.field),
                };
                let change = match field {
                    Some(fl) => format!(
                        "{} → {}",
                        show_audit(fl, a.old_value.as_deref(), ui),
                        show_audit(fl, a.new_value.as_deref(), ui)
                    ),
                    None => {
                        let ids = a.new_value.as_deref().or(a.old_value.as_deref()).unwrap_or("");
                        let n = ids.split(',').filter(|s| !s.is_empty()).count() as i64;
                        loc.tn(
                            if a.action == "undo" {
                                "report.attempts_restored"
                            } else {
                                "report.attempts_hidden"
                            },
                            n,
                        )
                    }
                };
                let change = match (a.action.as_str(), a.undone) {
                    ("undo", _) => format!("↶ {change}"),
                    (_, true) => format!("{change} ({})", loc.t("report.undone")),
                    _ => change,
                };
                let style = if a.undone { t.muted } else { t.base };
                vec![
                    table::cell(loc.datetime(Some(a.at), ui.tz), style),
                    table::cell(
                        text::fit(&text::clean(a.actor.as_deref().unwrap_or("—")), w[1]).into_owned(),
                        style,
                    ),
                    table::cell(
                        text::fit(&text::clean(a.lesson_title.as_deref().unwrap_or("")), w[2]).into_owned(),
                        style,
                    ),
                    table::cell(text::fit(&label, w[3]).into_owned(), style),
                    table::cell(text::fit(&change, w[4]).into_owned(), style),
                ]
            });
    }
}
