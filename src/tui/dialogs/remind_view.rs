//! Drawing the *Relancer* dialog: recipients and skipped learners, the choices, the
//! preview (or the body being edited), and the buttons.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::remind::{RFocus, RPhase, RemindDialog};
use crate::reminders::MAX_ATTACHMENTS_BYTES;
use crate::text;
use crate::tui::remind_tasks::megabytes;
use crate::tui::ui::Ui;

const LABEL_W: usize = 15;

/// Names joined until the line is full, then "… and N more".
fn names_line(names: &[String], width: usize, ui: &Ui) -> String {
    let mut out = String::new();
    for (i, n) in names.iter().enumerate() {
        let rest = names.len() - i;
        let more = ui.loc.tn("remind.and_more", rest as i64);
        let sep = if out.is_empty() { "" } else { ", " };
        if text::width(&out) + text::width(sep) + text::width(n) + text::width(&more) + 2 > width && i > 0 {
            return format!("{out} {more}");
        }
        out.push_str(sep);
        out.push_str(n);
    }
    out
}

impl RemindDialog {
    pub(super) fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui, min_interval_hours: i64) {
        let (t, loc) = (&ui.theme, &ui.loc);
        let area = area.intersection(f.area());
        let rect = super::centered(area, 110, area.height);
        f.render_widget(Clear, rect);
        let title = loc.tn("remind.title", self.targets.len() as i64);
        let block = Block::default().borders(Borders::ALL).border_style(t.border_focus).title(Span::styled(
            format!(" {} ", text::fit(&title, rect.width.saturating_sub(4) as usize)),
            t.title,
        ));
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        let width = inner.width as usize;
        let [who, skipped, force, template, copy, attach, preview, buttons, note] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(self.skipped_height()),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        let label = |key: &str, focus: Option<RFocus>| -> Span<'static> {
            let on = focus.is_some_and(|x| x == self.focus) && !self.editing_body;
            Span::styled(
                text::pad(&text::fit(loc.t(key), LABEL_W - 1), LABEL_W),
                if on { t.key } else { t.muted },
            )
        };
        let value = |focus: RFocus| -> Style {
            if self.focus == focus && !self.editing_body { t.selected_unfocused } else { t.base }
        };

        // Recipients and skipped learners.
        let planning = self.phase == RPhase::Planning;
        let (send, skip): (Vec<String>, Vec<String>) = match &self.plan {
            Some(p) => (
                p.send.iter().map(|r| r.name.clone()).collect(),
                p.skipped
                    .iter()
                    .map(|(r, why)| format!("{} — {}", r.name, why.describe(loc, ui.tz)))
                    .collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let who_line = if planning {
            Line::from(vec![
                label("remind.recipients", None),
                Span::styled(loc.t("status.loading").to_string(), t.muted),
            ])
        } else {
            let head = format!("{} ", loc.num(send.len() as i64));
            let room = width.saturating_sub(LABEL_W + text::width(&head));
            Line::from(vec![
                label("remind.recipients", None),
                Span::styled(head, if send.is_empty() { t.danger } else { t.ok }),
                Span::styled(names_line(&send, room, ui), t.base),
            ])
        };
        f.render_widget(Paragraph::new(who_line), who);
        let mut lines = Vec::new();
        // Every skipped learner when they fit, else as many as fit and a count of the rest.
        let room = skipped.height as usize;
        let shown = if skip.len() <= room { skip.len() } else { room.saturating_sub(1) };
        for (i, s) in skip.iter().enumerate().take(shown) {
            let l = if i == 0 { label("remind.skipped", None) } else { Span::raw(" ".repeat(LABEL_W)) };
            let head = if i == 0 { format!("{} ", loc.num(skip.len() as i64)) } else { String::new() };
            lines.push(Line::from(vec![
                l,
                Span::styled(head, t.warning),
                Span::styled(text::fit(s, width.saturating_sub(LABEL_W + 4)).into_owned(), t.base),
            ]));
        }
        if skip.len() > shown {
            let more = loc.tn("remind.and_more", (skip.len() - shown) as i64);
            lines.push(Line::from(vec![Span::raw(" ".repeat(LABEL_W)), Span::styled(more, t.muted)]));
        }
        f.render_widget(Paragraph::new(lines), skipped);

        let check = if self.force { "[x]" } else { "[ ]" };
        let force_text = loc.tf("remind.force_text", &[("h", &min_interval_hours)]);
        f.render_widget(
            Paragraph::new(Line::from(vec![
                label("remind.force", Some(RFocus::Force)),
                Span::styled(check, value(RFocus::Force)),
                Span::raw(" "),
                Span::styled(text::fit(&force_text, width.saturating_sub(LABEL_W + 4)).into_owned(), t.muted),
            ])),
            force,
        );

        let (tname, terr) = self
            .templates
            .get(self.template)
            .map(|(i, e)| (text::clean(&i.title), e.clone()))
            .unwrap_or_else(|| (loc.t("remind.no_template").to_string(), None));
        let mut tl = vec![
            label("remind.template", Some(RFocus::Template)),
            Span::styled(format!("◂ {tname} ▸"), value(RFocus::Template)),
        ];
        if self.edited_body_label() {
            tl.push(Span::styled(format!("  {}", loc.t("remind.body_edited")), t.accent));
        }
        if let Some(e) = terr {
            tl.push(Span::styled(format!("  ✗ {e}"), t.danger));
        }
        f.render_widget(Paragraph::new(Line::from(tl)), template);

        let copy_text = match self.plan.as_ref().and_then(|p| p.copy_to.clone()) {
            Some(to) => loc.tf("remind.copy_to", &[("to", &text::clean(&to))]),
            None => loc.t("remind.no_copy").to_string(),
        };
        f.render_widget(
            Paragraph::new(Line::from(vec![label("remind.copy", None), Span::styled(copy_text, t.muted)])),
            copy,
        );

        let total = self.attachments_total();
        let mut al = vec![label("remind.attachments", Some(RFocus::Attach))];
        if let Some(input) = &self.attach_input {
            let w = width.saturating_sub(LABEL_W + 1);
            let scroll = input.visual_scroll(w);
            let shown: String = input.value().chars().skip(scroll).collect();
            al.push(Span::styled(text::pad(&text::fit(&shown, w), w), t.selected_unfocused));
            let x = attach.x + (LABEL_W + input.visual_cursor().saturating_sub(scroll).min(w)) as u16;
            f.set_cursor_position(Position::new(x, attach.y));
        } else {
            let files = if self.attachments.is_empty() {
                loc.t("remind.no_attachment").to_string()
            } else {
                let names: Vec<String> = self.attachments.iter().map(|a| text::clean(&a.filename)).collect();
                format!(
                    "{} ({} / {})",
                    names.join(", "),
                    megabytes(total, loc),
                    megabytes(MAX_ATTACHMENTS_BYTES, loc)
                )
            };
            al.push(Span::styled(files, value(RFocus::Attach)));
            match &self.attach_note {
                Some(n) => al.push(Span::styled(format!("  ✗ {n}"), t.danger)),
                None if self.focus == RFocus::Attach => {
                    al.push(Span::styled(format!("  {}", loc.t("remind.attach_hint")), t.muted))
                }
                None => {}
            }
        }
        f.render_widget(Paragraph::new(Line::from(al)), attach);

        self.render_preview(f, preview, ui);

        let button = |focus: RFocus, text: String| -> Span<'static> {
            Span::styled(
                format!("[ {text} ]"),
                if self.focus == focus && !self.editing_body { t.selected } else { t.base },
            )
        };
        let buttons_line = if self.phase == RPhase::Enqueuing {
            Line::styled(loc.t("remind.queueing").to_string(), t.accent)
        } else {
            Line::from(vec![
                button(RFocus::Send, loc.tn("remind.send", send.len() as i64)),
                Span::raw("   "),
                button(
                    RFocus::EditBody,
                    loc.t(if self.editing_body { "remind.editing_body" } else { "remind.edit_body" })
                        .to_string(),
                ),
                Span::raw("   "),
                button(RFocus::Cancel, loc.t("remind.cancel").to_string()),
            ])
        };
        f.render_widget(Paragraph::new(buttons_line.centered()), buttons);
        let note_line = if let Some(e) = &self.failure {
            Some(Line::styled(text::fit(&text::clean(e), width).into_owned(), t.danger))
        } else {
            self.refused.as_ref().map(|key| Line::styled(loc.t(key).to_string(), t.warning))
        };
        if let Some(l) = note_line {
            f.render_widget(Paragraph::new(l), note);
        }
    }

    fn edited_body_label(&self) -> bool {
        self.compose().edited_body.is_some()
    }

    fn skipped_height(&self) -> u16 {
        let n = self.plan.as_ref().map(|p| p.skipped.len()).unwrap_or(0);
        match n {
            0 => 0,
            1..=3 => n as u16,
            _ => 4,
        }
    }

    fn render_preview(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let (t, loc) = (&ui.theme, &ui.loc);
        let first = self.plan.as_ref().and_then(|p| p.send.first()).map(|r| r.name.clone());
        let title = if self.editing_body {
            loc.t("remind.body_title").to_string()
        } else {
            match &first {
                Some(n) => loc.tf("remind.preview_for", &[("who", n)]),
                None => loc.t("remind.preview").to_string(),
            }
        };
        let block = Block::default()
            .borders(Borders::TOP)
            .border_style(if self.editing_body { t.border_focus } else { t.border })
            .title(Span::styled(
                format!(" {} ", text::fit(&title, area.width.saturating_sub(4) as usize)),
                t.muted,
            ));
        let inner = block.inner(area);
        f.render_widget(block, area);
        if self.editing_body {
            if let Some(b) = &self.body {
                f.render_widget(b, inner);
            }
            return;
        }
        let lines: Vec<Line> = match &self.preview {
            None if self.phase == RPhase::Planning => {
                vec![Line::styled(loc.t("status.loading").to_string(), t.muted)]
            }
            None => vec![Line::styled(loc.t("remind.no_preview").to_string(), t.muted)],
            Some(Err(e)) => vec![Line::styled(format!("✗ {}", text::clean(e)), t.danger)],
            Some(Ok((subject, body))) => {
                let mut v = vec![Line::from(vec![
                    Span::styled(format!("{} ", loc.t("remind.subject")), t.muted),
                    Span::styled(text::clean(subject), t.title),
                ])];
                // Line breaks are the message's own; each line is still cleaned of controls.
                v.extend(body.split('\n').map(|l| Line::from(text::clean(l))));
                v
            }
        };
        let max = (lines.len() as u16).saturating_sub(inner.height);
        self.scroll.set(self.scroll.get().min(max));
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((self.scroll.get(), 0)),
            inner,
        );
    }
}
