//! The frame around every view: title line, tab bar, key hints, status line, and the
//! "terminal too small" screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::keymap::{self, Context};
use super::ui::Ui;
use crate::text;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub struct Chrome {
    pub title: Rect,
    pub tabs: Rect,
    pub body: Rect,
    pub hints: Rect,
    pub status: Rect,
}

pub fn split(area: Rect) -> Chrome {
    let [title, tabs, body, hints, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    Chrome { title, tabs, body, hints, status }
}

pub fn too_small(f: &mut Frame, ui: &Ui) {
    let a = f.area();
    let msg = ui.loc.tf(
        "app.too_small",
        &[("w", &a.width), ("h", &a.height), ("min_w", &MIN_WIDTH), ("min_h", &MIN_HEIGHT)],
    );
    let lines: Vec<Line> = text::wrap(&msg, a.width as usize).into_iter().map(Line::from).collect();
    let y = a.height.saturating_sub(lines.len() as u16) / 2;
    let rect = Rect { x: a.x, y: a.y + y, width: a.width, height: (lines.len() as u16).min(a.height) };
    f.render_widget(Paragraph::new(lines).centered().style(ui.theme.warning), rect.intersection(a));
}

pub fn title(f: &mut Frame, area: Rect, ui: &Ui, who: &str, db: &str) {
    let t = &ui.theme;
    let app = format!(" {} ", ui.loc.t("app.name"));
    let sep = " · ";
    let left = text::width(&app) + text::width(who) + 2 * text::width(sep);
    let room = (area.width as usize).saturating_sub(left + 1);
    let line = Line::from(vec![
        Span::styled(app, t.title),
        Span::styled(sep, t.muted),
        Span::styled(text::fit(&text::clean(who), 40).into_owned(), t.base),
        Span::styled(sep, t.muted),
        Span::styled(text::fit_start(&text::clean(db), room).into_owned(), t.muted),
    ]);
    f.render_widget(Paragraph::new(line), area.intersection(f.area()));
}

pub fn tabs(f: &mut Frame, area: Rect, ui: &Ui, titles: &[String], active: usize) {
    let t = &ui.theme;
    let mut spans = vec![Span::raw(" ")];
    for (i, title) in titles.iter().enumerate() {
        let label = format!(" {} {} ", i + 1, title);
        spans.push(Span::styled(label, if i == active { t.tab_active } else { t.tab }));
        spans.push(Span::raw(" "));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area.intersection(f.area()));
}

/// Hints of the context, trimmed from the end so that help and quit always fit.
pub fn hints(f: &mut Frame, area: Rect, ui: &Ui, ctx: Context) {
    let t = &ui.theme;
    if let Some(key) = ctx.hint_text() {
        let line = Line::from(Span::styled(format!(" {}", ui.loc.t(key)), t.muted));
        f.render_widget(Paragraph::new(line), area.intersection(f.area()));
        return;
    }
    let (own, global) = keymap::hints(ctx);
    let label = |b: &&keymap::Binding| (b.hint_label(&ui.loc), ui.loc.t(b.desc).to_string());
    let tail: Vec<(String, String)> = global.iter().map(label).collect();
    let width = |(k, d): &(String, String)| text::width(k) + text::width(d) + 3;
    // Help and quit always show; the view's own hints follow in table order, each one kept
    // if it still fits, so one long description does not push out the shorter ones after it.
    let mut room = (area.width as usize).saturating_sub(1 + tail.iter().map(width).sum::<usize>());
    let mut items = Vec::new();
    for item in own.iter().map(label) {
        if width(&item) <= room {
            room -= width(&item);
            items.push(item);
        }
    }
    let mut spans = vec![Span::raw(" ")];
    for (k, d) in items.into_iter().chain(tail) {
        spans.push(Span::styled(k, t.key));
        spans.push(Span::raw(" "));
        spans.push(Span::styled(d, t.muted));
        spans.push(Span::raw("  "));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area.intersection(f.area()));
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Warning,
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    pub level: Level,
    pub text: String,
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn status(f: &mut Frame, area: Rect, ui: &Ui, status: Option<&Status>, busy: bool, spin: usize) {
    let t = &ui.theme;
    let line = if busy {
        Line::from(vec![
            Span::styled(format!(" {} ", SPINNER[spin % SPINNER.len()]), t.accent),
            Span::styled(ui.loc.t("status.loading").to_string(), t.muted),
        ])
    } else if let Some(s) = status {
        let (glyph, style) = match s.level {
            Level::Info => ("·", t.base),
            Level::Success => ("✓", t.ok),
            Level::Warning => ("!", t.warning),
            Level::Error => ("✗", t.danger),
        };
        let room = (area.width as usize).saturating_sub(4);
        Line::from(vec![
            Span::styled(format!(" {glyph} "), style),
            Span::styled(text::fit(&text::clean(&s.text), room).into_owned(), style),
        ])
    } else {
        Line::default()
    };
    f.render_widget(Paragraph::new(line), area.intersection(f.area()));
}

/// The status line while reminders are being sent: a bar, the count, and how to stop.
pub fn sending(f: &mut Frame, area: Rect, ui: &Ui, p: &crate::reminders::Progress) {
    let t = &ui.theme;
    let (done, total) = (p.done, p.total.max(p.done));
    let width = 20usize;
    let filled = (done * width).checked_div(total).unwrap_or(0).min(width);
    let bar = format!("{}{}", "█".repeat(filled), "░".repeat(width - filled));
    let text = ui.loc.tf(
        "remind.sending",
        &[("done", &ui.loc.num(done as i64)), ("total", &ui.loc.num(total as i64)), ("failed", &p.failed)],
    );
    let line = Line::from(vec![
        Span::styled(" ✉ ", t.accent),
        Span::styled(bar, t.accent),
        Span::raw(" "),
        Span::styled(text, t.base),
    ]);
    f.render_widget(Paragraph::new(line), area.intersection(f.area()));
}
