//! A table that builds rows only for the visible window, so 10,000 learners cost the same
//! per frame as 25, plus the cursor that scrolls it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table, TableState};

use crate::locale::Locale;
use crate::tui::command::Cmd;
use crate::tui::theme::Theme;

/// Cursor position over `len` rows, and the window the last frame showed: its first row
/// (`offset`) and how many rows it had room for (`height`, used for paging). The window is
/// worked out while drawing, which only reads the state: hence the cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub pos: usize,
    offset: std::cell::Cell<usize>,
    height: std::cell::Cell<usize>,
}

impl Default for Cursor {
    fn default() -> Self {
        Cursor { pos: 0, offset: 0.into(), height: 10.into() }
    }
}

impl Cursor {
    pub fn offset(&self) -> usize {
        self.offset.get()
    }
    pub fn height(&self) -> usize {
        self.height.get()
    }
    /// Back to the first row; the window keeps its height (for paging before a frame).
    pub fn reset(&mut self) {
        self.pos = 0;
        self.offset.set(0);
    }
    pub fn up(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }
    pub fn down(&mut self, len: usize) {
        if self.pos + 1 < len {
            self.pos += 1;
        }
    }
    pub fn page_up(&mut self) {
        self.pos = self.pos.saturating_sub(self.height().max(1));
    }
    pub fn page_down(&mut self, len: usize) {
        self.pos = (self.pos + self.height().max(1)).min(len.saturating_sub(1));
    }
    pub fn top(&mut self) {
        self.pos = 0;
    }
    pub fn bottom(&mut self, len: usize) {
        self.pos = len.saturating_sub(1);
    }
    pub fn clamp(&mut self, len: usize) {
        self.pos = self.pos.min(len.saturating_sub(1));
        self.offset.set(self.offset().min(self.pos));
    }
    /// Moves the window so the cursor is visible, scrolling as little as possible.
    pub fn scroll_into_view(&self, height: usize, len: usize) {
        let height = height.max(1);
        self.height.set(height);
        let pos = self.pos.min(len.saturating_sub(1));
        let mut offset = self.offset().min(pos);
        if pos >= offset + height {
            offset = pos + 1 - height;
        }
        // Do not leave empty space at the bottom after rows disappeared (filter).
        self.offset.set(offset.min(len.saturating_sub(height)));
    }
    /// Applies a movement command; false when `cmd` is not one.
    pub fn apply(&mut self, cmd: Cmd, len: usize) -> bool {
        match cmd {
            Cmd::Up => self.up(),
            Cmd::Down => self.down(len),
            Cmd::PageUp => self.page_up(),
            Cmd::PageDown => self.page_down(len),
            Cmd::Top => self.top(),
            Cmd::Bottom => self.bottom(len),
            _ => return false,
        }
        true
    }
}

#[derive(Clone, Debug)]
pub struct Col {
    pub title: String,
    pub width: Constraint,
    pub right: bool,
}

impl Col {
    pub fn new(title: impl Into<String>, width: Constraint) -> Col {
        Col { title: title.into(), width, right: false }
    }
    pub fn right(mut self) -> Col {
        self.right = true;
        self
    }
}

/// "1–25 of 5,120" (or "0 of 0").
pub fn position(loc: &Locale, cursor: &Cursor, len: usize) -> String {
    if len == 0 {
        return loc.t("list.empty_position").to_string();
    }
    let from = cursor.offset() + 1;
    let to = (cursor.offset() + cursor.height()).min(len);
    loc.tf(
        "list.position",
        &[("from", &loc.num(from as i64)), ("to", &loc.num(to as i64)), ("total", &loc.num(len as i64))],
    )
}

pub struct VirtualTable<'a> {
    pub cols: &'a [Col],
    /// Shows "1–25 of 312" in the bottom border, computed after scrolling.
    pub loc: &'a Locale,
    /// Index of the sorted column and whether descending, for the ▲/▼ mark.
    pub sort: Option<(usize, bool)>,
    pub len: usize,
    pub block: Block<'a>,
    pub focused: bool,
}

impl VirtualTable<'_> {
    /// Draws the window of rows around the cursor; `row(i, widths)` is called for visible
    /// rows only, with the exact width of each column so cells can be cut to fit.
    pub fn render<F>(self, f: &mut Frame, area: Rect, theme: &Theme, cursor: &Cursor, mut row: F)
    where
        F: FnMut(usize, &[usize]) -> Vec<Cell<'static>>,
    {
        let area = area.intersection(f.area());
        let inner = self.block.inner(area);
        let has_header = self.cols.iter().any(|c| !c.title.is_empty());
        let body = inner.height.saturating_sub(u16::from(has_header)) as usize;
        cursor.scroll_into_view(body, self.len);
        let pos = position(self.loc, cursor, self.len);
        let block = self.block.title_bottom(Line::from(format!(" {pos} ")).right_aligned());
        let header = Row::new(self.cols.iter().enumerate().map(|(i, c)| {
            let mark = match self.sort {
                Some((s, desc)) if s == i => {
                    if desc {
                        " ▼"
                    } else {
                        " ▲"
                    }
                }
                _ => "",
            };
            let text = format!("{}{mark}", c.title);
            let line = if c.right { Line::from(text).right_aligned() } else { Line::from(text) };
            Cell::from(line)
        }))
        .style(theme.header);
        // The same split the Table does internally, done once here so cells know their width.
        let rects = Layout::horizontal(self.cols.iter().map(|c| c.width))
            .flex(Flex::Start)
            .spacing(1)
            .split(Rect::new(0, 0, inner.width, 1));
        let exact: Vec<usize> = rects.iter().map(|r| r.width as usize).collect();
        let offset = cursor.offset();
        let end = (offset + body).min(self.len);
        let rows: Vec<Row> = (offset..end).map(|i| Row::new(row(i, &exact))).collect();
        let widths: Vec<Constraint> = exact.iter().map(|w| Constraint::Length(*w as u16)).collect();
        let highlight = if self.focused { theme.selected } else { theme.selected_unfocused };
        let table = Table::new(rows, widths);
        let table = if has_header { table.header(header) } else { table };
        let table = table.block(block).column_spacing(1).row_highlight_style(highlight);
        let mut state = TableState::default();
        if self.len > 0 {
            state.select(Some(cursor.pos.min(self.len - 1) - offset));
        }
        f.render_stateful_widget(table, area, &mut state);
    }
}

/// A right-aligned text cell.
pub fn right(text: impl Into<String>, style: Style) -> Cell<'static> {
    Cell::from(Line::from(Span::styled(text.into(), style)).right_aligned())
}

pub fn cell(text: impl Into<String>, style: Style) -> Cell<'static> {
    Cell::from(Span::styled(text.into(), style))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_scrolls_minimally() {
        let mut c = Cursor::default();
        c.scroll_into_view(5, 100);
        for _ in 0..7 {
            c.down(100);
        }
        c.scroll_into_view(5, 100);
        assert_eq!((c.pos, c.offset()), (7, 3));
        c.page_down(100);
        c.scroll_into_view(5, 100);
        assert_eq!((c.pos, c.offset()), (12, 8));
        c.bottom(100);
        c.scroll_into_view(5, 100);
        assert_eq!((c.pos, c.offset()), (99, 95));
        c.top();
        c.scroll_into_view(5, 100);
        assert_eq!((c.pos, c.offset()), (0, 0));
    }

    #[test]
    fn cursor_survives_shrinking_lists() {
        let mut c = Cursor { pos: 50, offset: 45.into(), height: 10.into() };
        c.clamp(3);
        c.scroll_into_view(10, 3);
        assert_eq!((c.pos, c.offset()), (2, 0));
        c.clamp(0);
        c.scroll_into_view(10, 0);
        assert_eq!((c.pos, c.offset()), (0, 0));
        c.down(0);
        assert_eq!(c.pos, 0);
    }

    #[test]
    fn position_text() {
        let loc = Locale::new(crate::locale::Lang::En);
        let c = Cursor { pos: 0, offset: 0.into(), height: 25.into() };
        assert_eq!(position(&loc, &c, 5120), "1–25 of 5,120");
        assert_eq!(position(&loc, &c, 3), "1–3 of 3");
    }
}
