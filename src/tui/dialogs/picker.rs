//! A list to pick from, filtered as you type (course pickers).

use crossterm::event::KeyEvent;
use nucleo_matcher::Utf32String;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear};

use super::centered;
use crate::text;
use crate::tui::action::{Action, Choice, PickFor};
use crate::tui::command::Cmd;
use crate::tui::keymap::Context;
use crate::tui::list::{List, Row, Table};
use crate::tui::pane::{Cx, Pane};
use crate::tui::widgets::filter::FilterOutcome;
use crate::tui::widgets::table::{self, Col};

#[derive(Clone, Debug)]
pub struct PickItem {
    pub id: i64,
    pub label: String,
    pub detail: String,
    haystack: Utf32String,
}

impl PickItem {
    pub fn new(id: i64, label: &str, detail: &str) -> PickItem {
        let label = text::clean(label);
        let detail = text::clean(detail);
        PickItem { id, haystack: text::haystack(&[&label, &detail]), label, detail }
    }
}

/// In the order given.
impl Row for PickItem {
    fn key(&self) -> (i64, &Utf32String) {
        (self.id, &self.haystack)
    }
}

#[derive(Debug)]
pub struct Picker {
    /// What the choice is for.
    pub purpose: PickFor,
    pub title: String,
    pub list: List<PickItem>,
}

impl Picker {
    /// `current`: the id to put the cursor on at first.
    pub fn new(purpose: PickFor, title: String, choices: Vec<Choice>, current: Option<i64>) -> Picker {
        let items = choices.iter().map(|c| PickItem::new(c.id, &c.label, &c.detail)).collect();
        let mut list = List::with_rows(items);
        list.filter.start();
        if let Some(id) = current {
            list.select(id);
        }
        Picker { purpose, title, list }
    }

    /// Typing moves the cursor to the first match.
    fn refilter(&mut self) {
        self.list.to_top();
        self.list.rebuild();
    }
}

impl Pane for Picker {
    fn context(&self) -> Context {
        Context::Picker
    }

    fn command(&mut self, cmd: Cmd, _cx: &Cx) -> Option<Action> {
        Some(match cmd {
            Cmd::Up | Cmd::Down | Cmd::PageUp | Cmd::PageDown => {
                self.list.command(cmd);
                Action::Done
            }
            Cmd::Open => match self.list.current() {
                Some(it) => Action::Batch(vec![Action::Close, Action::Picked(self.purpose, it.id)]),
                None => Action::Done,
            },
            Cmd::Back => Action::Close,
            _ => return None,
        })
    }

    fn input(&mut self, key: KeyEvent, _cx: &Cx) -> Action {
        if self.list.filter.type_key(key) == FilterOutcome::Changed {
            self.refilter();
        }
        Action::Done
    }

    fn paste(&mut self, text: &str, _cx: &Cx) -> Action {
        if self.list.filter.paste(text) == FilterOutcome::Changed {
            self.refilter();
        }
        Action::Done
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let ui = cx.ui;
        let t = &ui.theme;
        let h = (self.list.rows().len() as u16 + 5).clamp(8, area.height.saturating_sub(2).max(8));
        let rect = centered(area, 76, h).intersection(f.area());
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .title(Span::styled(format!(" {} ", self.title), t.title))
            .title_bottom(Line::from(format!(" {} ", ui.loc.t("picker.hint"))).right_aligned());
        f.render_widget(Clear, rect);
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        let [input, list] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
        self.list.filter.render(f, input, t, &ui.loc);
        let cols = [Col::new("", Constraint::Fill(3)), Col::new("", Constraint::Fill(1))];
        let nothing = ui.loc.t("picker.no_match");
        let table = Table { block: Block::default(), cols: &cols, sort: None, nothing, focused: true };
        table.render(f, list, ui, &self.list, |it, w| {
            vec![
                table::cell(text::fit(&it.label, w[0]).into_owned(), t.base),
                table::cell(text::fit(&it.detail, w[1]).into_owned(), t.muted),
            ]
        });
    }
}
