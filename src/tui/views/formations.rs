//! Tab 1 — Formations: the category tree of the tutor's courses and the course list.

use std::collections::HashSet;

use nucleo_matcher::Utf32String;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph};
use tui_tree_widget::{Tree, TreeItem, TreeState};

use super::Outcome;
use super::course::CourseView;
use crate::model::catalog::{self, CourseSummary, DataIssue, TreeNode, UNCATEGORISED};
use crate::text::{self, Fuzzy};
use crate::tui::command::Cmd;
use crate::tui::effect::{Effect, FormationsData};
use crate::tui::ui::{CourseRef, Ui};
use crate::tui::widgets::filter::{FilterBox, FilterOutcome};
use crate::tui::widgets::table::{self, Col, Cursor, VirtualTable};

/// Identifier of the "all my courses" root of the tree.
pub const ALL: i64 = 0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Tree,
    List,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CourseSort {
    Name,
    Audience,
    Learners,
    NotStarted,
    NeverAccessed,
    Progress,
}

impl CourseSort {
    const ALL: [CourseSort; 6] =
        [Self::Name, Self::Audience, Self::Learners, Self::NotStarted, Self::NeverAccessed, Self::Progress];
    fn next(self) -> Self {
        let i = Self::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
    fn column(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// A course with its display strings, cleaned once when the data arrives.
#[derive(Clone, Debug)]
pub struct CourseItem {
    pub summary: CourseSummary,
    pub name: String,
    pub audience: Option<String>,
    sort_key: String,
    haystack: Utf32String,
}

#[derive(Debug)]
pub struct FormationsView {
    pub loading: bool,
    pub error: Option<String>,
    pub courses: Vec<CourseItem>,
    pub roots: Vec<TreeNode>,
    pub issues: Vec<DataIssue>,
    items: Vec<TreeItem<'static, i64>>,
    pub tree: TreeState<i64>,
    pub focus: Pane,
    pub filter: FilterBox,
    pub sort: CourseSort,
    pub desc: bool,
    /// Indices into `courses` of the rows shown, in order.
    pub visible: Vec<usize>,
    pub cursor: Cursor,
    selected_id: Option<i64>,
    /// The course detail, when one is open (drawn instead of the tree and list).
    pub detail: Option<CourseView>,
}

impl Default for FormationsView {
    fn default() -> Self {
        FormationsView {
            loading: true,
            error: None,
            courses: Vec::new(),
            roots: Vec::new(),
            issues: Vec::new(),
            items: Vec::new(),
            tree: TreeState::default(),
            focus: Pane::List,
            filter: FilterBox::default(),
            sort: CourseSort::Name,
            desc: false,
            visible: Vec::new(),
            cursor: Cursor::default(),
            selected_id: None,
            detail: None,
        }
    }
}

impl FormationsView {
    pub fn load(&mut self, data: FormationsData, ui: &Ui, admin: bool) {
        self.loading = false;
        self.error = None;
        self.courses = data
            .courses
            .into_iter()
            .map(|s| {
                let name = text::clean(&s.fullname);
                let audience = s.audience.as_deref().map(text::clean);
                let short = text::clean(&s.shortname);
                CourseItem {
                    sort_key: text::fold(&name),
                    haystack: text::haystack(&[&name, &short, audience.as_deref().unwrap_or("")]),
                    name,
                    audience,
                    summary: s,
                }
            })
            .collect();
        let (roots, issues) = catalog::build_tree(
            &data.categories,
            &self.courses.iter().map(|c| c.summary.clone()).collect::<Vec<_>>(),
            admin,
        );
        for issue in &issues {
            tracing::warn!(?issue, "data problem in categories/courses");
        }
        self.roots = roots;
        self.issues = issues;
        self.items = vec![self.tree_item_all(ui)];
        if self.tree.selected().is_empty() || !self.path_exists(self.tree.selected()) {
            self.tree.select(vec![ALL]);
        }
        self.tree.open(vec![ALL]);
        self.refresh_list();
    }

    fn path_exists(&self, path: &[i64]) -> bool {
        match path.last() {
            Some(&ALL) => true,
            Some(id) => catalog::find_node(&self.roots, *id).is_some(),
            None => false,
        }
    }

    fn tree_item_all(&self, ui: &Ui) -> TreeItem<'static, i64> {
        fn node(n: &TreeNode, ui: &Ui) -> TreeItem<'static, i64> {
            let name = if n.id == UNCATEGORISED {
                ui.loc.t("formations.uncategorised").to_string()
            } else {
                text::clean(&n.name)
            };
            let label = format!("{name} ({})", n.subtree_courses);
            let kids: Vec<_> = n.children.iter().map(|c| node(c, ui)).collect();
            // Identifiers are unique among siblings by construction (category ids).
            TreeItem::new(n.id, label.clone(), kids).unwrap_or_else(|_| TreeItem::new_leaf(n.id, label))
        }
        let kids: Vec<_> = self.roots.iter().map(|n| node(n, ui)).collect();
        let label = format!("{} ({})", ui.loc.t("formations.all_courses"), self.courses.len());
        TreeItem::new(ALL, label.clone(), kids).unwrap_or_else(|_| TreeItem::new_leaf(ALL, label))
    }

    /// Courses of the selected subtree, filtered and sorted; keeps the cursor on the same course.
    pub fn refresh_list(&mut self) {
        let subtree: Option<HashSet<i64>> = match self.tree.selected().last() {
            None | Some(&ALL) => None,
            Some(id) => catalog::find_node(&self.roots, *id).map(|n| n.all_courses().into_iter().collect()),
        };
        let in_subtree = (0..self.courses.len())
            .filter(|i| subtree.as_ref().is_none_or(|s| s.contains(&self.courses[*i].summary.id)));
        let courses = &self.courses;
        let mut visible =
            Fuzzy::new(self.filter.value()).filter(in_subtree.map(|i| (i, &courses[i].haystack)));
        let c = &self.courses;
        visible.sort_by(|a, b| {
            let (x, y) = (&c[*a], &c[*b]);
            let ord = match self.sort {
                CourseSort::Name => x.sort_key.cmp(&y.sort_key),
                CourseSort::Audience => {
                    x.audience.is_some().cmp(&y.audience.is_some()).then_with(|| x.audience.cmp(&y.audience))
                }
                CourseSort::Learners => x.summary.learners.cmp(&y.summary.learners),
                CourseSort::NotStarted => x.summary.not_started.cmp(&y.summary.not_started),
                CourseSort::NeverAccessed => x.summary.never_accessed.cmp(&y.summary.never_accessed),
                CourseSort::Progress => x
                    .summary
                    .avg_progress()
                    .unwrap_or(-1.0)
                    .total_cmp(&y.summary.avg_progress().unwrap_or(-1.0)),
            };
            let ord = ord.then_with(|| x.sort_key.cmp(&y.sort_key));
            if self.desc { ord.reverse() } else { ord }
        });
        self.visible = visible;
        self.cursor.pos = self
            .selected_id
            .and_then(|id| self.visible.iter().position(|i| self.courses[*i].summary.id == id))
            .unwrap_or(0);
        self.cursor.clamp(self.visible.len());
        self.remember_selection();
    }

    fn remember_selection(&mut self) {
        self.selected_id = self.current().map(|c| c.summary.id);
    }

    pub fn current(&self) -> Option<&CourseItem> {
        self.visible.get(self.cursor.pos).map(|i| &self.courses[*i])
    }

    fn current_ref(&self) -> Option<CourseRef> {
        self.current().and_then(|c| self.course_ref(c.summary.id))
    }

    pub fn course_ref(&self, id: i64) -> Option<CourseRef> {
        self.courses.iter().find(|c| c.summary.id == id).map(|c| CourseRef {
            id,
            shortname: text::clean(&c.summary.shortname),
            fullname: c.name.clone(),
        })
    }

    pub fn handle_key(&mut self, ev: crossterm::event::KeyEvent) -> Outcome {
        match self.filter.handle_key(ev) {
            FilterOutcome::Changed | FilterOutcome::Cleared => self.refresh_list(),
            FilterOutcome::Accepted | FilterOutcome::Unchanged => {}
        }
        Outcome::Done
    }

    pub fn paste(&mut self, s: &str) {
        if self.filter.editing {
            self.filter.paste(s);
            self.refresh_list();
        }
    }

    pub fn update(&mut self, cmd: Cmd) -> Outcome {
        if let Some(d) = &mut self.detail {
            return match d.update(cmd) {
                Outcome::Back => {
                    self.detail = None;
                    Outcome::Done
                }
                other => other,
            };
        }
        match cmd {
            Cmd::FocusNext | Cmd::FocusPrev => {
                self.focus = if self.focus == Pane::Tree { Pane::List } else { Pane::Tree };
            }
            Cmd::Filter => {
                self.focus = Pane::List;
                self.filter.start();
            }
            Cmd::SortNext => {
                self.sort = self.sort.next();
                self.desc = false;
                self.refresh_list();
            }
            Cmd::SortReverse => {
                self.desc = !self.desc;
                self.refresh_list();
            }
            Cmd::Back => {
                if self.filter.clear() {
                    self.refresh_list();
                } else {
                    return Outcome::Unhandled;
                }
            }
            _ => {
                return match self.focus {
                    Pane::Tree => self.update_tree(cmd),
                    Pane::List => self.update_list(cmd),
                };
            }
        }
        Outcome::Done
    }

    /// Moves the tree selection over the visible (flattened) nodes. Computed from the items,
    /// not from the last frame, so keys act the same whether or not a frame was drawn.
    fn tree_move(&mut self, f: impl FnOnce(usize, usize) -> usize) {
        let flat: Vec<Vec<i64>> = self.tree.flatten(&self.items).into_iter().map(|n| n.identifier).collect();
        if flat.is_empty() {
            return;
        }
        let cur = flat.iter().position(|id| id.as_slice() == self.tree.selected()).unwrap_or(0);
        let next = f(cur, flat.len()).min(flat.len() - 1);
        self.tree.select(flat[next].clone());
    }

    fn update_tree(&mut self, cmd: Cmd) -> Outcome {
        let before = self.tree.selected().to_vec();
        match cmd {
            Cmd::Up => self.tree_move(|c, _| c.saturating_sub(1)),
            Cmd::Down => self.tree_move(|c, _| c + 1),
            Cmd::PageUp => self.tree_move(|c, _| c.saturating_sub(10)),
            Cmd::PageDown => self.tree_move(|c, _| c + 10),
            Cmd::Top => self.tree_move(|_, _| 0),
            Cmd::Bottom => self.tree_move(|_, n| n - 1),
            Cmd::Right => {
                let sel = self.tree.selected().to_vec();
                let has_kids = self.node_has_children(&sel);
                if has_kids && !self.tree.opened().contains(&sel) {
                    self.tree.open(sel);
                } else {
                    self.focus = Pane::List;
                }
            }
            Cmd::Left => {
                let sel = self.tree.selected().to_vec();
                // Close an open node, else go to the parent, but never deselect the root.
                if !self.tree.close(&sel) && sel.len() > 1 {
                    self.tree.select(sel[..sel.len() - 1].to_vec());
                }
            }
            Cmd::Open => {
                self.tree.toggle_selected();
            }
            _ => return Outcome::Unhandled,
        }
        if self.tree.selected() != before.as_slice() {
            self.cursor = Cursor { height: self.cursor.height, ..Cursor::default() };
            self.selected_id = None;
            self.refresh_list();
        }
        Outcome::Done
    }

    fn node_has_children(&self, path: &[i64]) -> bool {
        match path.last() {
            Some(&ALL) => !self.roots.is_empty(),
            Some(id) => catalog::find_node(&self.roots, *id).is_some_and(|n| !n.children.is_empty()),
            None => false,
        }
    }

    fn update_list(&mut self, cmd: Cmd) -> Outcome {
        if self.cursor.apply(cmd, self.visible.len()) {
            self.remember_selection();
            return Outcome::Done;
        }
        match cmd {
            Cmd::Left => self.focus = Pane::Tree,
            Cmd::Right => {}
            Cmd::Open => {
                if let Some(c) = self.current_ref() {
                    let id = c.id;
                    self.detail = Some(CourseView::new(c));
                    return Outcome::Run(Effect::LoadCourseDetail { course_id: id });
                }
            }
            Cmd::OpenTutoring => {
                if let Some(c) = self.current_ref() {
                    return Outcome::OpenCourse(c);
                }
            }
            _ => return Outcome::Unhandled,
        }
        Outcome::Done
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, ui: &Ui) {
        if let Some(d) = &mut self.detail {
            d.render(f, area, ui);
            return;
        }
        let t = &ui.theme;
        let tree_w = (area.width * 3 / 10).clamp(26, 44);
        let [left, right] = Layout::horizontal([Constraint::Length(tree_w), Constraint::Fill(1)]).areas(area);
        let left = left.intersection(f.area());

        // Tree.
        let tree_block = Block::default()
            .borders(Borders::ALL)
            .border_style(if self.focus == Pane::Tree { t.border_focus } else { t.border })
            .title(Span::styled(format!(" {} ", ui.loc.t("formations.categories")), t.title));
        if let Ok(tree) = Tree::new(&self.items) {
            let tree = tree
                .block(tree_block)
                .highlight_style(if self.focus == Pane::Tree { t.selected } else { t.selected_unfocused })
                .node_closed_symbol("▸ ")
                .node_open_symbol("▾ ")
                .node_no_children_symbol("  ");
            f.render_stateful_widget(tree, left, &mut self.tree);
        }

        // Course list (+ filter line).
        let show_filter = self.filter.is_active();
        let [list_area, filter_area] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(u16::from(show_filter))]).areas(right);
        let title = match self.tree.selected().last() {
            Some(&ALL) | None => ui.loc.t("formations.all_courses").to_string(),
            Some(&UNCATEGORISED) => ui.loc.t("formations.uncategorised").to_string(),
            Some(id) => {
                catalog::find_node(&self.roots, *id).map(|n| text::clean(&n.name)).unwrap_or_default()
            }
        };
        let len = self.visible.len();
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if self.focus == Pane::List { t.border_focus } else { t.border })
            .title(Span::styled(format!(" {} ", text::fit(&title, 40)), t.title));
        // The audience column only earns its place when the course names still fit.
        let wide = list_area.width >= 76;
        let mut cols = vec![Col::new(ui.loc.t("formations.col_course"), Constraint::Fill(3))];
        if wide {
            cols.push(Col::new(ui.loc.t("formations.col_audience"), Constraint::Fill(1)));
        }
        cols.extend([
            Col::new(ui.loc.t("formations.col_learners"), Constraint::Length(6)).right(),
            Col::new(ui.loc.t("formations.col_not_started"), Constraint::Length(6)).right(),
            Col::new(ui.loc.t("formations.col_never"), Constraint::Length(6)).right(),
            Col::new(ui.loc.t("formations.col_progress"), Constraint::Length(6)).right(),
        ]);
        if self.loading && self.courses.is_empty() {
            f.render_widget(
                Paragraph::new(ui.loc.t("status.loading")).style(t.muted).block(block),
                list_area,
            );
        } else if len == 0 {
            let msg = if self.filter.value().is_empty() {
                ui.loc.t("formations.empty")
            } else {
                ui.loc.t("formations.no_match")
            };
            f.render_widget(Paragraph::new(msg).style(t.muted).block(block), list_area);
        } else {
            let courses = &self.courses;
            let visible = &self.visible;
            let sort_col = match self.sort.column() {
                c if wide || c == 0 => c,
                1 => 0,
                c => c - 1,
            };
            VirtualTable {
                cols: &cols,
                loc: &ui.loc,
                sort: Some((sort_col, self.desc)),
                len,
                block,
                focused: self.focus == Pane::List,
            }
            .render(f, list_area, t, &mut self.cursor, |i, w| {
                let c = &courses[visible[i]];
                let s = &c.summary;
                let audience =
                    c.audience.clone().unwrap_or_else(|| ui.loc.t("formations.everyone").to_string());
                let progress =
                    s.avg_progress().map(|p| ui.loc.pct(p.round() as i64)).unwrap_or_else(|| "–".into());
                let mut cells = vec![table::cell(text::fit(&c.name, w[0]).into_owned(), t.base)];
                if wide {
                    let style = if c.audience.is_some() { t.base } else { t.muted };
                    cells.push(table::cell(text::fit(&audience, w[1]).into_owned(), style));
                }
                cells.extend([
                    table::right(ui.loc.num(s.learners), t.base),
                    table::right(
                        ui.loc.num(s.not_started),
                        if s.not_started > 0 { t.warning } else { t.muted },
                    ),
                    table::right(
                        ui.loc.num(s.never_accessed),
                        if s.never_accessed > 0 { t.danger } else { t.muted },
                    ),
                    table::right(progress, t.base),
                ]);
                cells
            });
        }
        if show_filter {
            self.filter.render(f, filter_area, t, &ui.loc);
        }
    }
}
