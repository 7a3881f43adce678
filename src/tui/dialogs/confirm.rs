//! A yes/no question before anything that overwrites or throws work away. Enter, `y` or
//! `o` (oui) go ahead; Esc or `n` cancel. Nothing happens until one of them is pressed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::centered;
use crate::locale::Locale;
use crate::text;
use crate::tui::action::Action;
use crate::tui::command::Cmd;
use crate::tui::keymap::Context;
use crate::tui::pane::{Cx, Pane};

#[derive(Debug)]
pub struct Confirm {
    pub title: String,
    pub message: String,
    /// What a yes does (after the question closes).
    pub yes: Action,
}

impl Confirm {
    pub fn new(title: String, message: String, yes: Action) -> Confirm {
        Confirm { title, message, yes }
    }
}

/// Closing a dialog: at once when nothing would be lost (`dirty` false), else after a
/// "throw away?" question saying what (`text_key`).
pub fn close_or_ask(dirty: bool, loc: &Locale, text_key: &str) -> Action {
    if !dirty {
        return Action::Close;
    }
    Action::Confirm {
        title: loc.t("confirm.discard_title").to_string(),
        message: loc.t(text_key).to_string(),
        yes: Box::new(Action::Close),
    }
}

impl Pane for Confirm {
    fn context(&self) -> Context {
        Context::Confirm
    }

    fn command(&mut self, cmd: Cmd, _cx: &Cx) -> Option<Action> {
        match cmd {
            Cmd::Yes => {
                Some(Action::Batch(vec![Action::Close, std::mem::replace(&mut self.yes, Action::Done)]))
            }
            Cmd::No => Some(Action::Close),
            _ => None,
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let ui = cx.ui;
        let t = &ui.theme;
        let w = 64u16.min(area.width);
        let body = text::wrap(&self.message, w.saturating_sub(4) as usize);
        let h = (body.len() as u16 + 4).min(area.height);
        let rect = centered(area, w, h).intersection(f.area());
        let mut lines: Vec<Line> = body.into_iter().map(Line::from).collect();
        lines.push(Line::default());
        lines.push(Line::from(vec![
            Span::styled(ui.loc.t("confirm.yes").to_string(), t.key),
            Span::raw("   "),
            Span::styled(ui.loc.t("confirm.no").to_string(), t.selected),
        ]));
        let block = Block::default().borders(Borders::ALL).border_style(t.warning).title(Span::styled(
            format!(" {} ", text::fit(&self.title, w.saturating_sub(4) as usize)),
            t.title,
        ));
        f.render_widget(Clear, rect);
        f.render_widget(Paragraph::new(lines).block(block), rect);
    }
}
