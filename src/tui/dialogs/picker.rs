//! A list to pick from, filtered as you type (course pickers).

use crossterm::event::{KeyCode, KeyEvent};
use nucleo_matcher::Utf32String;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear};

use super::centered;
use crate::text;
use crate::tui::command::Cmd;
use crate::tui::list::{List, Row, Table};
use crate::tui::ui::Ui;
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

impl Row for PickItem {
    /// In the order given.
    type Sort = ();
    const SORTS: &'static [()] = &[];

    fn id(&self) -> i64 {
        self.id
    }

    fn haystack(&self) -> &Utf32String {
        &self.haystack
    }
}

#[derive(Debug)]
pub struct Picker {
    pub title: String,
    pub list: List<PickItem>,
}

/// What a key did to the picker.
#[derive(Debug, PartialEq)]
pub enum Picked {
    Open,
    Chosen(i64),
    Cancelled,
}

impl Picker {
    /// `current`: the id to put the cursor on at first.
    pub fn new(title: String, items: Vec<PickItem>, current: Option<i64>) -> Picker {
        let mut list = List::with_rows(items);
        list.filter.start();
        list.rebuild(|_| true);
        if let Some(id) = current {
            list.select(id);
        }
        Picker { title, list }
    }

    /// Typing moves the cursor to the first match.
    fn refilter(&mut self) {
        self.list.to_top();
        self.list.rebuild(|_| true);
    }

    pub fn key(&mut self, ev: KeyEvent) -> Picked {
        match ev.code {
            KeyCode::Esc => return Picked::Cancelled,
            KeyCode::Enter => {
                return match self.list.current() {
                    Some(it) => Picked::Chosen(it.id),
                    None => Picked::Open,
                };
            }
            KeyCode::Up => {
                self.list.command(Cmd::Up);
            }
            KeyCode::Down => {
                self.list.command(Cmd::Down);
            }
            KeyCode::PageUp => {
                self.list.command(Cmd::PageUp);
            }
            KeyCode::PageDown => {
                self.list.command(Cmd::PageDown);
            }
            _ => {
                if self.list.type_key(ev) {
                    self.refilter();
                }
            }
        }
        Picked::Open
    }

    pub fn paste(&mut self, s: &str) {
        if self.list.paste(s) {
            self.refilter();
        }
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, ui: &Ui) {
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
