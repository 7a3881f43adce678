//! `?` — every key of the current view, generated from the keymap tables.

use std::cell::Cell;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::centered;
use crate::text;
use crate::tui::action::Action;
use crate::tui::command::Cmd;
use crate::tui::keymap::{self, Context};
use crate::tui::pane::{Cx, Pane};
use crate::tui::ui::Ui;

#[derive(Debug, Clone, PartialEq)]
pub struct Help {
    /// The view whose keys are listed.
    pub ctx: Context,
    /// First line shown (kept within the text while drawing).
    pub scroll: Cell<u16>,
}

impl Help {
    pub fn new(ctx: Context) -> Help {
        Help { ctx, scroll: Cell::new(0) }
    }

    fn lines(&self, ui: &Ui) -> Vec<Line<'static>> {
        let t = &ui.theme;
        let mut out = Vec::new();
        let section = |ctx: Context, out: &mut Vec<Line<'static>>, skip: &[Cmd]| {
            out.push(Line::from(Span::styled(ui.loc.t(ctx.title_key()).to_string(), t.title)));
            for b in keymap::bindings(ctx) {
                if skip.contains(&b.cmd) {
                    continue;
                }
                let keys = b.keys_label(&ui.loc);
                out.push(Line::from(vec![
                    Span::styled(format!("  {}", text::pad(&keys, 18)), t.key),
                    Span::raw(ui.loc.t(b.desc).to_string()),
                ]));
            }
            out.push(Line::default());
        };
        section(self.ctx, &mut out, &[]);
        // Global keys that the view does not override.
        let own: Vec<Cmd> = keymap::bindings(self.ctx).iter().map(|b| b.cmd).collect();
        let overridden: Vec<Cmd> = keymap::bindings(Context::Global)
            .iter()
            .filter(|g| {
                own.contains(&g.cmd)
                    || keymap::bindings(self.ctx).iter().any(|b| b.keys.iter().any(|k| g.keys.contains(k)))
            })
            .map(|g| g.cmd)
            .collect();
        section(Context::Global, &mut out, &overridden);
        out
    }
}

impl Pane for Help {
    fn context(&self) -> Context {
        Context::Help
    }

    fn command(&mut self, cmd: Cmd, _cx: &Cx) -> Option<Action> {
        let at = self.scroll.get();
        match cmd {
            Cmd::Up => self.scroll.set(at.saturating_sub(1)),
            Cmd::Down => self.scroll.set(at.saturating_add(1)),
            Cmd::Back | Cmd::Help => return Some(Action::Close),
            _ => return None,
        }
        Some(Action::Done)
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let ui = cx.ui;
        let lines = self.lines(ui);
        let h = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
        // Wide enough for the longest description (64 columns at least), within the screen.
        let widest = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 2;
        let rect = centered(area, widest.max(64), h).intersection(f.area());
        let max_scroll = (lines.len() as u16).saturating_sub(rect.height.saturating_sub(2));
        self.scroll.set(self.scroll.get().min(max_scroll));
        let title = format!(" {} — {} ", ui.loc.t("help.title"), ui.loc.t(self.ctx.title_key()));
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(ui.theme.border_focus)
            .title(Span::styled(title, ui.theme.title))
            .title_bottom(Line::from(format!(" {} ", ui.loc.t("help.close_hint"))).right_aligned());
        f.render_widget(Clear, rect);
        f.render_widget(Paragraph::new(lines).block(block).scroll((self.scroll.get(), 0)), rect);
    }
}
