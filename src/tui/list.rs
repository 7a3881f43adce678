//! One list state and its table: the rows, the visible index (filtered and sorted, worked
//! out when the rows, the filter or the sort change, never per frame), a cursor that stays
//! on the same row id across reloads, filters and sorts, the `/` filter, the sort column,
//! optional marks for bulk actions, and whether the rows are loading, loaded or failed to
//! load. The Centre de tutorat, Jamais connectés, Relances, the Formations course list and
//! the course picker each wrap one, keeping only their columns, row text and actions.

use std::cmp::Ordering;

use crossterm::event::KeyEvent;
use nucleo_matcher::Utf32String;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph};

use crate::text::{self, Fuzzy};
use crate::tui::action::Action;
use crate::tui::command::Cmd;
use crate::tui::keymap::Context;
use crate::tui::ui::Ui;
use crate::tui::widgets::filter::{FilterBox, FilterOutcome};
use crate::tui::widgets::marks::Marks;
use crate::tui::widgets::table::{Col, Cursor, VirtualTable};

/// A row of a list.
pub trait Row: Sized + 'static {
    /// The orders `s` cycles through, the first by default; none: the order given.
    const ORDERS: &'static [Order<Self>] = &[];
    /// The id the cursor and the marks follow, and what the `/` filter matches.
    fn key(&self) -> (i64, &Utf32String);
    /// Builds the haystack of a row that builds it only once a filter is typed.
    fn prepare_search(&mut self) {}
    /// How rows equal under every order are told apart (by name, say).
    fn tie(&self, _other: &Self) -> Ordering {
        Ordering::Equal
    }
}

fn id<R: Row>(row: &R) -> i64 {
    row.key().0
}

/// One order of a list: the column that shows its ▲/▼, and the comparison (ascending).
pub struct Order<R> {
    pub column: usize,
    pub cmp: fn(&R, &R) -> Ordering,
}

/// Which rows a list's owner shows, before the `/` filter (a course's enrolment kind, a
/// subtree of categories…); set with [`List::keep`].
pub struct Keep<R>(Box<dyn Fn(&R) -> bool>);

impl<R> Default for Keep<R> {
    fn default() -> Self {
        Keep(Box::new(|_| true))
    }
}

impl<R> std::fmt::Debug for Keep<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keep(..)")
    }
}

#[derive(Debug)]
pub struct List<R: Row> {
    rows: Vec<R>,
    /// Indices into `rows` of the rows shown, in order.
    index: Vec<u32>,
    pub cursor: Cursor,
    /// The row the cursor is on, found again after the index changes.
    selected: Option<i64>,
    keep: Keep<R>,
    pub filter: FilterBox,
    /// The order shown: an index into [`Row::ORDERS`].
    pub sort: usize,
    pub desc: bool,
    /// Marked row ids, independent of the filter (marks survive filtering and reloads).
    pub marks: Marks,
    markable: bool,
    /// A load is in flight (the rows shown, if any, are the previous ones).
    pub loading: bool,
    /// Rows have arrived at least once.
    pub loaded: bool,
    /// The last load failed: shown in the list's place until a load succeeds.
    pub error: Option<String>,
}

impl<R: Row> Default for List<R> {
    fn default() -> Self {
        List {
            rows: Vec::new(),
            index: Vec::new(),
            cursor: Cursor::default(),
            selected: None,
            keep: Keep::default(),
            filter: FilterBox::default(),
            sort: 0,
            desc: false,
            marks: Marks::default(),
            markable: false,
            loading: false,
            loaded: false,
            error: None,
        }
    }
}

impl<R: Row> List<R> {
    /// A list whose rows can be marked (Space, `A`, `U`).
    pub fn with_marks() -> Self {
        List { markable: true, ..List::default() }
    }

    /// Rows to show now (a picker's).
    pub fn with_rows(rows: Vec<R>) -> Self {
        let mut l = List::default();
        l.set_rows(rows);
        l
    }

    pub fn rows(&self) -> &[R] {
        &self.rows
    }

    pub fn rows_mut(&mut self) -> &mut [R] {
        &mut self.rows
    }

    /// Indices into [`List::rows`] of the rows shown, in order.
    pub fn index(&self) -> &[u32] {
        &self.index
    }

    /// The rows shown, in order.
    pub fn visible(&self) -> impl Iterator<Item = &R> {
        self.index.iter().map(|i| &self.rows[*i as usize])
    }

    pub fn current(&self) -> Option<&R> {
        self.index.get(self.cursor.pos).map(|i| &self.rows[*i as usize])
    }

    pub fn find(&self, id: i64) -> Option<&R> {
        self.rows.iter().find(|r| r.key().0 == id)
    }

    /// The ids a bulk action applies to: the marked rows, else the one under the cursor.
    pub fn targets(&self) -> Vec<i64> {
        self.marks.targets(self.current().map(id))
    }

    /// What to say when no row shows: `empty` when there are none at all, else `no_match`.
    pub fn nothing<'a>(&self, empty: &'a str, no_match: &'a str) -> &'a str {
        if self.rows.is_empty() { empty } else { no_match }
    }

    /// The sorted column and whether descending, for the ▲/▼ of the header.
    pub fn sort_mark(&self) -> Option<(usize, bool)> {
        R::ORDERS.get(self.sort).map(|o| (o.column, self.desc))
    }

    /// A load was asked for.
    pub fn start_loading(&mut self) {
        self.loading = true;
    }

    /// New rows (a load arrived), shown at once; marks of rows that are gone are forgotten.
    pub fn set_rows(&mut self, rows: Vec<R>) {
        self.rows = rows;
        self.loading = false;
        self.loaded = true;
        self.error = None;
        if self.markable {
            self.marks.keep_present(self.rows.iter().map(id));
        }
        self.rebuild();
    }

    /// The load failed: the error is shown in the list's place until one succeeds.
    pub fn fail(&mut self, error: String) {
        self.loading = false;
        self.error = Some(error);
    }

    /// Forgets the rows, the cursor, the marks and the filter (another course opens).
    pub fn reset(&mut self) {
        self.rows.clear();
        self.index.clear();
        self.marks.clear();
        self.selected = None;
        self.cursor.reset();
        self.filter.clear();
        self.loaded = false;
    }

    /// The cursor goes back to the first row (its row is forgotten).
    pub fn to_top(&mut self) {
        self.selected = None;
        self.cursor.reset();
    }

    /// Shows only the rows `keep` accepts (the owner's own conditions), from now on.
    pub fn keep(&mut self, keep: impl Fn(&R) -> bool + 'static) {
        self.keep = Keep(Box::new(keep));
        self.rebuild();
    }

    /// Works out the visible rows again: those the owner keeps and the filter matches, in
    /// the list's order; the cursor stays on its row when still shown, else goes to the top.
    pub fn rebuild(&mut self) {
        let mut fuzzy = Fuzzy::new(self.filter.value());
        if !fuzzy.is_empty() {
            self.rows.iter_mut().for_each(R::prepare_search);
        }
        let (rows, keep) = (&self.rows, &self.keep.0);
        let kept = (0..rows.len() as u32)
            .filter(|i| keep(&rows[*i as usize]))
            .map(|i| (i, rows[i as usize].key().1));
        let mut index: Vec<u32> = fuzzy.filter(kept);
        if let Some(order) = R::ORDERS.get(self.sort) {
            let desc = self.desc;
            index.sort_by(|a, b| {
                let (x, y) = (&rows[*a as usize], &rows[*b as usize]);
                let ord = (order.cmp)(x, y).then_with(|| x.tie(y));
                if desc { ord.reverse() } else { ord }
            });
        }
        self.index = index;
        self.cursor.pos = self
            .selected
            .and_then(|sel| self.index.iter().position(|i| id(&self.rows[*i as usize]) == sel))
            .unwrap_or(0);
        self.cursor.clamp(self.index.len());
        self.remember();
    }

    /// Puts the cursor on a row, if it is shown.
    pub fn select(&mut self, row: i64) -> bool {
        match self.index.iter().position(|i| id(&self.rows[*i as usize]) == row) {
            Some(pos) => {
                self.cursor.pos = pos;
                self.remember();
                true
            }
            None => false,
        }
    }

    fn remember(&mut self) {
        self.selected = self.current().map(id);
    }

    /// The list's own commands: moving, `/` (and Enter / Esc while typing it), sorting and
    /// marking. False: not one of them.
    pub fn command(&mut self, cmd: Cmd) -> bool {
        if self.cursor.apply(cmd, self.index.len()) {
            self.remember();
            return true;
        }
        let orders = R::ORDERS.len();
        match cmd {
            Cmd::Filter => self.filter.start(),
            Cmd::Accept if self.typing() => self.filter.editing = false,
            Cmd::Back if self.typing() => {
                self.filter.clear();
                self.rebuild();
            }
            Cmd::SortNext if orders > 0 => {
                self.sort = (self.sort + 1) % orders;
                self.desc = false;
                self.rebuild();
            }
            Cmd::SortReverse if orders > 0 => {
                self.desc = !self.desc;
                self.rebuild();
            }
            Cmd::Mark if self.markable => {
                if let Some(row) = self.current().map(id) {
                    self.marks.toggle(row);
                    self.cursor.down(self.index.len());
                    self.remember();
                }
            }
            Cmd::MarkAll if self.markable => {
                let ids: Vec<i64> = self.visible().map(id).collect();
                self.marks.extend(ids);
            }
            Cmd::UnmarkAll if self.markable => self.marks.clear(),
            _ => return false,
        }
        true
    }

    /// Esc outside the filter line: clears the filter's text. False when there was none
    /// (Esc then means something else to the owner).
    pub fn clear_filter(&mut self) -> bool {
        let had = self.filter.clear();
        if had {
            self.rebuild();
        }
        had
    }

    /// Whether the `/` line is taking the keys.
    pub fn typing(&self) -> bool {
        self.filter.editing
    }

    /// A key for the `/` line, while it is open.
    pub fn input(&mut self, key: KeyEvent) -> Action {
        if self.typing() && self.filter.type_key(key) == FilterOutcome::Changed {
            self.rebuild();
        }
        Action::Done
    }

    /// Pasted text for the `/` line, while it is open.
    pub fn paste(&mut self, s: &str) -> Action {
        if self.typing() && self.filter.paste(s) == FilterOutcome::Changed {
            self.rebuild();
        }
        Action::Done
    }

    /// Rows of the `/` line under the list: 1 while a filter is typed or kept.
    pub fn filter_height(&self) -> u16 {
        u16::from(self.filter.is_active())
    }

    /// Draws the `/` line (in the row [`List::filter_height`] made room for).
    pub fn render_filter(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        if self.filter.is_active() {
            self.filter.render(f, area, &ui.theme, &ui.loc);
        }
    }

    /// Draws a list view laid out as a head line, the table, `detail` lines about the row
    /// under the cursor, and the `/` line when a filter is typed or kept; `draw` gets the
    /// table's area and the detail's.
    pub fn render_view(
        &self,
        f: &mut Frame,
        area: Rect,
        ui: &Ui,
        head: Line<'_>,
        detail: u16,
        draw: impl FnOnce(&mut Frame, Rect, Rect),
    ) {
        let [head_area, body, detail, filter] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(detail),
            Constraint::Length(self.filter_height()),
        ])
        .areas(area);
        f.render_widget(Paragraph::new(head), head_area);
        draw(f, body, detail);
        self.render_filter(f, filter, ui);
    }

    /// "· 3 marked", for a head line, when rows are marked.
    pub fn marked_note(&self, ui: &Ui) -> Vec<Span<'static>> {
        match self.marks.len() {
            0 => Vec::new(),
            n => note(ui.loc.tn("tutoring.marked_count", n as i64), ui.theme.marked, ui).to_vec(),
        }
    }

    /// The keys in force: the filter line's while it is typed in, else the owner's.
    pub fn context(&self, own: Context) -> Context {
        if self.typing() { Context::Filter } else { own }
    }
}

/// A line that takes typed and pasted text (a list's `/` filter): panes that own one give
/// it to [`Pane`](crate::tui::pane::Pane), which sends it the keys their context leaves.
pub trait TextLine {
    fn input(&mut self, key: KeyEvent) -> Action;
    fn paste(&mut self, text: &str) -> Action;
}

impl<R: Row> TextLine for List<R> {
    fn input(&mut self, key: KeyEvent) -> Action {
        List::input(self, key)
    }
    fn paste(&mut self, text: &str) -> Action {
        List::paste(self, text)
    }
}

/// One more part of a list's head line, after a dot.
pub fn note(text: String, style: Style, ui: &Ui) -> [Span<'static>; 2] {
    [Span::styled("  · ", ui.theme.muted), Span::styled(text, style)]
}

/// The frame of a list with the keys: a border in the focus colour, the title on top.
pub fn frame<'a>(title: &str, ui: &Ui) -> Block<'a> {
    let t = &ui.theme;
    Block::default()
        .borders(Borders::ALL)
        .border_style(t.border_focus)
        .title(Span::styled(format!(" {title} "), t.title))
}

/// How a list is drawn: its frame, its columns, and what to say when no row shows.
pub struct Table<'a> {
    pub block: Block<'a>,
    pub cols: &'a [Col],
    /// The sorted column and whether descending, for the ▲/▼ mark.
    pub sort: Option<(usize, bool)>,
    /// Shown when no row is visible (nothing loaded, or nothing matches).
    pub nothing: &'a str,
    pub focused: bool,
}

impl Table<'_> {
    /// Draws the list in `area`: the load error, "loading", the `nothing` message, or the
    /// window of rows around the cursor (`row` is called for visible rows only, with the
    /// exact width of each column).
    pub fn render<R: Row>(
        self,
        f: &mut Frame,
        area: Rect,
        ui: &Ui,
        list: &List<R>,
        mut row: impl FnMut(&R, &[usize]) -> Vec<Cell<'static>>,
    ) {
        let t = &ui.theme;
        let note = |p: Paragraph<'_>, f: &mut Frame| f.render_widget(p, area.intersection(f.area()));
        if let Some(e) = &list.error {
            note(Paragraph::new(Line::styled(text::clean(e), t.danger)).block(self.block), f);
        } else if !list.loaded || (list.loading && list.rows.is_empty()) {
            note(Paragraph::new(ui.loc.t("status.loading")).style(t.muted).block(self.block), f);
        } else if list.index.is_empty() {
            note(Paragraph::new(self.nothing).style(t.muted).block(self.block), f);
        } else {
            let (rows, index) = (&list.rows, &list.index);
            VirtualTable {
                cols: self.cols,
                loc: &ui.loc,
                sort: self.sort,
                len: index.len(),
                block: self.block,
                focused: self.focused,
            }
            .render(f, area, t, &list.cursor, |i, w| row(&rows[index[i] as usize], w));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct N {
        id: i64,
        name: &'static str,
        hay: Utf32String,
    }

    impl Row for N {
        const ORDERS: &'static [Order<N>] = &[
            Order { column: 1, cmp: |x, y| x.name.cmp(y.name) },
            Order { column: 0, cmp: |x, y| x.id.cmp(&y.id) },
        ];
        fn key(&self) -> (i64, &Utf32String) {
            (self.id, &self.hay)
        }
    }

    /// In the order given.
    struct P(i64, Utf32String);

    impl Row for P {
        fn key(&self) -> (i64, &Utf32String) {
            (self.0, &self.1)
        }
    }

    fn list() -> List<N> {
        let rows = [(3, "cleo"), (1, "bob"), (2, "alice"), (4, "dan")]
            .map(|(id, name)| N { id, name, hay: text::haystack(&[name]) })
            .into_iter()
            .collect();
        let mut l = List::with_marks();
        l.set_rows(rows);
        l
    }

    fn names(l: &List<N>) -> Vec<&str> {
        l.visible().map(|r| r.name).collect()
    }

    #[test]
    fn sorts_and_keeps_the_cursor_on_its_row() {
        let mut l = list();
        assert_eq!(names(&l), ["alice", "bob", "cleo", "dan"]);
        l.command(Cmd::Down);
        l.command(Cmd::Down);
        assert_eq!(l.current().unwrap().name, "cleo");
        assert!(l.command(Cmd::SortNext));
        assert_eq!(names(&l), ["bob", "alice", "cleo", "dan"]);
        assert_eq!(l.current().unwrap().name, "cleo", "the cursor follows its row");
        l.command(Cmd::SortReverse);
        assert_eq!(names(&l), ["dan", "cleo", "alice", "bob"]);
        assert_eq!(l.cursor.pos, 1);
        // The owner's own conditions: the cursor's row hidden, the cursor goes to the top.
        l.keep(|r| r.id != 3);
        assert_eq!((names(&l), l.cursor.pos), (vec!["dan", "alice", "bob"], 0));
        l.command(Cmd::SortNext);
        assert_eq!(l.sort_mark(), Some((1, false)), "the cycle goes round, ascending");
    }

    #[test]
    fn filters_marks_and_targets() {
        let mut l = list();
        assert_eq!(l.targets(), vec![2], "nothing marked: the row under the cursor");
        l.command(Cmd::Filter);
        assert!(l.typing());
        l.input(KeyEvent::from(crossterm::event::KeyCode::Char('e')));
        assert_eq!(names(&l), ["alice", "cleo"]);
        assert!(l.command(Cmd::Accept));
        assert!(!l.typing());
        l.input(KeyEvent::from(crossterm::event::KeyCode::Char('x')));
        assert_eq!(names(&l), ["alice", "cleo"], "the line is closed: keys are not typed");
        l.command(Cmd::MarkAll);
        assert_eq!(l.targets(), vec![2, 3], "every row of the filter");
        assert!(l.clear_filter());
        assert!(!l.clear_filter(), "nothing left to clear");
        assert_eq!(l.index().len(), 4);
        l.command(Cmd::Mark);
        assert_eq!(l.targets(), vec![3], "alice unmarked; the cursor moved down");
        assert_eq!(l.current().unwrap().name, "bob");
        // A reload without cleo forgets her mark.
        let rows = vec![N { id: 1, name: "bob", hay: text::haystack(&["bob"]) }];
        l.set_rows(rows);
        assert!(l.marks.is_empty());
        l.command(Cmd::UnmarkAll);
        assert!(!l.command(Cmd::Open), "not a list command");
    }

    #[test]
    fn unmarkable_lists_ignore_marks_and_sortless_ones_keep_their_order() {
        let mut l: List<P> = List::default();
        assert!(!l.command(Cmd::Mark));
        l.set_rows(vec![P(9, text::haystack(&["z"])), P(3, text::haystack(&["a"]))]);
        assert!(!l.command(Cmd::MarkAll));
        assert!(!l.command(Cmd::SortNext) && l.sort_mark().is_none());
        assert_eq!(l.visible().map(|p| p.0).collect::<Vec<_>>(), [9, 3]);
        assert!(l.loaded && !l.loading && l.error.is_none());
        l.start_loading();
        l.fail("gone".into());
        assert_eq!((l.loading, l.error.as_deref()), (false, Some("gone")));
    }
}
