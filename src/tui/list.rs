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
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Paragraph};

use crate::text::{self, Fuzzy};
use crate::tui::action::Action;
use crate::tui::command::Cmd;
use crate::tui::ui::Ui;
use crate::tui::widgets::filter::{FilterBox, FilterOutcome};
use crate::tui::widgets::marks::Marks;
use crate::tui::widgets::table::{Col, Cursor, VirtualTable};

/// A row of a list.
pub trait Row {
    /// The orders the list can be shown in (`()` for a list kept in its given order).
    type Sort: Copy + Eq + Default + 'static;
    /// The orders `s` cycles through; empty: `s` and `S` do not apply.
    const SORTS: &'static [Self::Sort];
    /// What the cursor and the marks follow.
    fn id(&self) -> i64;
    /// What the `/` filter matches.
    fn haystack(&self) -> &Utf32String;
    /// Builds the haystack of a row that builds it only once a filter is typed.
    fn prepare_search(&mut self) {}
    /// The order under `by`, ties broken; the list reverses it when descending.
    fn compare(&self, _other: &Self, _by: Self::Sort) -> Ordering {
        Ordering::Equal
    }
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
    pub sort: R::Sort,
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
            sort: R::Sort::default(),
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
        self.rows.iter().find(|r| r.id() == id)
    }

    /// The ids a bulk action applies to: the marked rows, else the one under the cursor.
    pub fn targets(&self) -> Vec<i64> {
        self.marks.targets(self.current().map(R::id))
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
            self.marks.keep_present(self.rows.iter().map(R::id));
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
            .map(|i| (i, rows[i as usize].haystack()));
        let mut index: Vec<u32> = fuzzy.filter(kept);
        if !R::SORTS.is_empty() {
            let (by, desc) = (self.sort, self.desc);
            index.sort_by(|a, b| {
                let ord = rows[*a as usize].compare(&rows[*b as usize], by);
                if desc { ord.reverse() } else { ord }
            });
        }
        self.index = index;
        self.cursor.pos = self
            .selected
            .and_then(|id| self.index.iter().position(|i| self.rows[*i as usize].id() == id))
            .unwrap_or(0);
        self.cursor.clamp(self.index.len());
        self.remember();
    }

    /// Puts the cursor on a row, if it is shown.
    pub fn select(&mut self, id: i64) -> bool {
        match self.index.iter().position(|i| self.rows[*i as usize].id() == id) {
            Some(pos) => {
                self.cursor.pos = pos;
                self.remember();
                true
            }
            None => false,
        }
    }

    fn remember(&mut self) {
        self.selected = self.current().map(R::id);
    }

    /// The list's own commands: moving, `/` (and Enter / Esc while typing it), sorting and
    /// marking. False: not one of them.
    pub fn command(&mut self, cmd: Cmd) -> bool {
        if self.cursor.apply(cmd, self.index.len()) {
            self.remember();
            return true;
        }
        let sorts = R::SORTS;
        match cmd {
            Cmd::Filter => self.filter.start(),
            Cmd::Accept if self.typing() => self.filter.editing = false,
            Cmd::Back if self.typing() => {
                self.filter.clear();
                self.rebuild();
            }
            Cmd::SortNext if !sorts.is_empty() => {
                let i = sorts.iter().position(|s| *s == self.sort).map(|i| i + 1).unwrap_or(0);
                self.sort = sorts[i % sorts.len()];
                self.desc = false;
                self.rebuild();
            }
            Cmd::SortReverse if !sorts.is_empty() => {
                self.desc = !self.desc;
                self.rebuild();
            }
            Cmd::Mark if self.markable => {
                if let Some(id) = self.current().map(R::id) {
                    self.marks.toggle(id);
                    self.cursor.down(self.index.len());
                    self.remember();
                }
            }
            Cmd::MarkAll if self.markable => {
                let ids: Vec<i64> = self.visible().map(R::id).collect();
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

    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    enum By {
        #[default]
        Name,
        Id,
    }

    impl Row for N {
        type Sort = By;
        const SORTS: &'static [By] = &[By::Name, By::Id];
        fn id(&self) -> i64 {
            self.id
        }
        fn haystack(&self) -> &Utf32String {
            &self.hay
        }
        fn compare(&self, other: &Self, by: By) -> Ordering {
            match by {
                By::Name => self.name.cmp(other.name),
                By::Id => self.id.cmp(&other.id),
            }
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
        assert_eq!((l.sort, l.desc), (By::Name, false), "the cycle goes round, ascending");
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
        let mut l: List<N> = List::default();
        assert!(!l.command(Cmd::Mark));
        l.set_rows(vec![N { id: 9, name: "z", hay: text::haystack(&["z"]) }]);
        assert!(!l.command(Cmd::MarkAll));
        assert!(l.loaded && !l.loading && l.error.is_none());
        l.start_loading();
        l.fail("gone".into());
        assert_eq!((l.loading, l.error.as_deref()), (false, Some("gone")));
    }
}
