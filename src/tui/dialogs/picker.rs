//! A list to pick from, filtered as you type (course pickers).

use crossterm::event::{KeyCode, KeyEvent};
use nucleo_matcher::Utf32String;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::centered;
use crate::text::{self, Fuzzy};
use crate::tui::ui::Ui;
use crate::tui::widgets::filter::{FilterBox, FilterOutcome};
use crate::tui::widgets::table::{self, Col, Cursor, VirtualTable};

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

#[derive(Debug)]
pub struct Picker {
    pub title: String,
    pub items: Vec<PickItem>,
    pub filter: FilterBox,
    pub visible: Vec<usize>,
    pub cursor: Cursor,
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
        let mut p = Picker {
            title,
            items,
            filter: FilterBox::default(),
            visible: Vec::new(),
            cursor: Cursor::default(),
        };
        p.filter.start();
        p.refresh();
        if let Some(pos) = current.and_then(|id| p.visible.iter().position(|i| p.items[*i].id == id)) {
            p.cursor.pos = pos;
        }
        p
    }

    fn refresh(&mut self) {
        let items = &self.items;
        self.visible =
            Fuzzy::new(self.filter.value()).filter((0..items.len()).map(|i| (i, &items[i].haystack)));
        self.cursor.clamp(self.visible.len());
    }

    pub fn key(&mut self, ev: KeyEvent) -> Picked {
        let len = self.visible.len();
        match ev.code {
            KeyCode::Esc => return Picked::Cancelled,
            KeyCode::Enter => {
                return match self.visible.get(self.cursor.pos) {
                    Some(i) => Picked::Chosen(self.items[*i].id),
                    None => Picked::Open,
                };
            }
            KeyCode::Up => self.cursor.up(),
            KeyCode::Down => self.cursor.down(len),
            KeyCode::PageUp => self.cursor.page_up(),
            KeyCode::PageDown => self.cursor.page_down(len),
            _ => {
                if self.filter.handle_key(ev) == FilterOutcome::Changed {
                    self.cursor.pos = 0;
                    self.refresh();
                }
            }
        }
        Picked::Open
    }

    pub fn paste(&mut self, s: &str) {
        self.filter.paste(s);
        self.cursor.pos = 0;
        self.refresh();
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = &ui.theme;
        let h = (self.items.len() as u16 + 5).clamp(8, area.height.saturating_sub(2).max(8));
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
        self.filter.render(f, input, t, &ui.loc);
        if self.visible.is_empty() {
            f.render_widget(Paragraph::new(ui.loc.t("picker.no_match")).style(t.muted), list);
            return;
        }
        let cols = [Col::new("", Constraint::Fill(3)), Col::new("", Constraint::Fill(1))];
        let (items, visible) = (&self.items, &self.visible);
        VirtualTable {
            cols: &cols,
            loc: &ui.loc,
            sort: None,
            len: visible.len(),
            block: Block::default(),
            focused: true,
        }
        .render(f, list, t, &mut self.cursor, |i, w| {
            let it = &items[visible[i]];
            vec![
                table::cell(text::fit(&it.label, w[0]).into_owned(), t.base),
                table::cell(text::fit(&it.detail, w[1]).into_owned(), t.muted),
            ]
        });
    }
}
