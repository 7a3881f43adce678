//! Tab 1 — Formations: the category tree of the tutor's courses and the course list.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashSet;

use nucleo_matcher::Utf32String;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders};
use tui_tree_widget::{Tree, TreeItem, TreeState};

use super::course::CourseView;
use crate::model::catalog::{self, CourseSummary, DataIssue, TreeNode, UNCATEGORISED};
use crate::text;
use crate::tui::action::{Action, Choice};
use crate::tui::command::Cmd;
use crate::tui::effect::{Effect, FormationsData};
use crate::tui::keymap::Context;
use crate::tui::list::{List, Order, Row, Table, TextLine};
use crate::tui::pane::{Cx, Pane, to_sub};
use crate::tui::ui::{CourseRef, Ui};
use crate::tui::widgets::table::{self, Col};

/// Identifier of the "all my courses" root of the tree.
pub const ALL: i64 = 0;

/// The side that has the keys: the category tree or the course list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Tree,
    List,
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

/// The audience, courses open to everyone first.
fn by_audience(x: &CourseItem, y: &CourseItem) -> Ordering {
    x.audience.is_some().cmp(&y.audience.is_some()).then_with(|| x.audience.cmp(&y.audience))
}

/// The average progress, courses without learners first.
fn by_progress(x: &CourseItem, y: &CourseItem) -> Ordering {
    let p = |c: &CourseItem| c.summary.avg_progress().unwrap_or(-1.0);
    p(x).total_cmp(&p(y))
}

impl Row for CourseItem {
    /// By name, audience, learners, not started, never accessed, progress; the columns are
    /// those of the wide layout (the audience is column 1).
    const ORDERS: &'static [Order<CourseItem>] = &[
        Order { column: 0, cmp: |x, y| x.sort_key.cmp(&y.sort_key) },
        Order { column: 1, cmp: by_audience },
        Order { column: 2, cmp: |x, y| x.summary.learners.cmp(&y.summary.learners) },
        Order { column: 3, cmp: |x, y| x.summary.not_started.cmp(&y.summary.not_started) },
        Order { column: 4, cmp: |x, y| x.summary.never_accessed.cmp(&y.summary.never_accessed) },
        Order { column: 5, cmp: by_progress },
    ];

    fn key(&self) -> (i64, &Utf32String) {
        (self.summary.id, &self.haystack)
    }

    fn tie(&self, other: &Self) -> Ordering {
        self.sort_key.cmp(&other.sort_key)
    }
}

#[derive(Debug)]
pub struct FormationsView {
    /// The courses of the tree's selected subtree.
    pub list: List<CourseItem>,
    pub roots: Vec<TreeNode>,
    pub issues: Vec<DataIssue>,
    items: Vec<TreeItem<'static, i64>>,
    /// The tree's selection and open nodes; its scroll moves while drawing, hence the cell.
    pub tree: RefCell<TreeState<i64>>,
    pub focus: Panel,
    /// The course detail, when one is open (drawn instead of the tree and list).
    pub detail: Option<CourseView>,
}

impl Default for FormationsView {
    fn default() -> Self {
        let mut list = List::default();
        list.start_loading();
        FormationsView {
            list,
            roots: Vec::new(),
            issues: Vec::new(),
            items: Vec::new(),
            tree: RefCell::default(),
            focus: Panel::List,
            detail: None,
        }
    }
}

impl FormationsView {
    pub fn load(&mut self, data: FormationsData, ui: &Ui, admin: bool) {
        let courses: Vec<CourseItem> = data
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
            &courses.iter().map(|c| c.summary.clone()).collect::<Vec<_>>(),
            admin,
        );
        self.list.set_rows(courses);
        for issue in &issues {
            tracing::warn!(?issue, "data problem in categories/courses");
        }
        self.roots = roots;
        self.issues = issues;
        self.items = vec![self.tree_item_all(ui)];
        let selected = self.tree.get_mut().selected().to_vec();
        if selected.is_empty() || !self.path_exists(&selected) {
            self.tree.get_mut().select(vec![ALL]);
        }
        self.tree.get_mut().open(vec![ALL]);
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
        let label = format!("{} ({})", ui.loc.t("formations.all_courses"), self.list.rows().len());
        TreeItem::new(ALL, label.clone(), kids).unwrap_or_else(|_| TreeItem::new_leaf(ALL, label))
    }

    /// Courses of the selected subtree, filtered and sorted; keeps the cursor on the same course.
    pub fn refresh_list(&mut self) {
        let subtree: Option<HashSet<i64>> = match self.tree.get_mut().selected().last() {
            None | Some(&ALL) => None,
            Some(id) => catalog::find_node(&self.roots, *id).map(|n| n.all_courses().into_iter().collect()),
        };
        self.list.keep(move |c| subtree.as_ref().is_none_or(|s| s.contains(&c.summary.id)));
    }

    pub fn current(&self) -> Option<&CourseItem> {
        self.list.current()
    }

    fn current_ref(&self) -> Option<CourseRef> {
        self.current().and_then(|c| self.course_ref(c.summary.id))
    }

    /// The tutor's courses, for the Centre de tutorat's picker.
    pub fn choices(&self) -> Vec<Choice> {
        let choice = |c: &CourseItem| Choice {
            id: c.summary.id,
            label: c.name.clone(),
            detail: c.summary.shortname.clone(),
        };
        self.list.rows().iter().map(choice).collect()
    }

    pub fn course_ref(&self, id: i64) -> Option<CourseRef> {
        self.list.find(id).map(|c| CourseRef {
            id,
            shortname: text::clean(&c.summary.shortname),
            fullname: c.name.clone(),
        })
    }

    /// Moves the tree selection over the visible (flattened) nodes. Computed from the items,
    /// not from the last frame, so keys act the same whether or not a frame was drawn.
    fn tree_move(&mut self, f: impl FnOnce(usize, usize) -> usize) {
        let flat: Vec<Vec<i64>> =
            self.tree.get_mut().flatten(&self.items).into_iter().map(|n| n.identifier).collect();
        if flat.is_empty() {
            return;
        }
        let cur = flat.iter().position(|id| id.as_slice() == self.tree.get_mut().selected()).unwrap_or(0);
        let next = f(cur, flat.len()).min(flat.len() - 1);
        self.tree.get_mut().select(flat[next].clone());
    }

    fn tree_command(&mut self, cmd: Cmd) -> Option<Action> {
        let before = self.tree.get_mut().selected().to_vec();
        match cmd {
            Cmd::Up => self.tree_move(|c, _| c.saturating_sub(1)),
            Cmd::Down => self.tree_move(|c, _| c + 1),
            Cmd::PageUp => self.tree_move(|c, _| c.saturating_sub(10)),
            Cmd::PageDown => self.tree_move(|c, _| c + 10),
            Cmd::Top => self.tree_move(|_, _| 0),
            Cmd::Bottom => self.tree_move(|_, n| n - 1),
            Cmd::Right => {
                let sel = self.tree.get_mut().selected().to_vec();
                let has_kids = self.node_has_children(&sel);
                if has_kids && !self.tree.get_mut().opened().contains(&sel) {
                    self.tree.get_mut().open(sel);
                } else {
                    self.focus = Panel::List;
                }
            }
            Cmd::Left => {
                let sel = self.tree.get_mut().selected().to_vec();
                // Close an open node, else go to the parent, but never deselect the root.
                if !self.tree.get_mut().close(&sel) && sel.len() > 1 {
                    self.tree.get_mut().select(sel[..sel.len() - 1].to_vec());
                }
            }
            Cmd::Open => {
                self.tree.get_mut().toggle_selected();
            }
            _ => return None,
        }
        if self.tree.get_mut().selected() != before.as_slice() {
            self.list.to_top();
            self.refresh_list();
        }
        Some(Action::Done)
    }

    fn node_has_children(&self, path: &[i64]) -> bool {
        match path.last() {
            Some(&ALL) => !self.roots.is_empty(),
            Some(id) => catalog::find_node(&self.roots, *id).is_some_and(|n| !n.children.is_empty()),
            None => false,
        }
    }

    fn list_command(&mut self, cmd: Cmd) -> Option<Action> {
        if self.list.command(cmd) {
            return Some(Action::Done);
        }
        Some(match cmd {
            Cmd::Left => {
                self.focus = Panel::Tree;
                Action::Done
            }
            Cmd::Right => Action::Done,
            Cmd::Open => match self.current_ref() {
                Some(c) => {
                    let course_id = c.id;
                    self.detail = Some(CourseView::new(c));
                    Action::Run(Effect::LoadCourseDetail { course_id })
                }
                None => Action::Done,
            },
            Cmd::OpenTutoring => self.current_ref().map(Action::OpenCourse).unwrap_or(Action::Done),
            _ => return None,
        })
    }
}

impl Pane for FormationsView {
    fn context(&self) -> Context {
        self.detail.as_ref().map_or(self.list.context(Context::Formations), Pane::context)
    }

    fn command(&mut self, cmd: Cmd, cx: &Cx) -> Option<Action> {
        if let Some(answer) = to_sub(&mut self.detail, cmd, cx, drop) {
            return answer;
        }
        match cmd {
            Cmd::FocusNext | Cmd::FocusPrev => {
                self.focus = if self.focus == Panel::Tree { Panel::List } else { Panel::Tree };
            }
            Cmd::Filter | Cmd::SortNext | Cmd::SortReverse | Cmd::Accept => {
                self.focus = Panel::List;
                self.list.command(cmd);
            }
            // Esc clears the filter; with none, it is not this view's.
            Cmd::Back if !self.list.command(cmd) && !self.list.clear_filter() => return None,
            Cmd::Back => {}
            _ if self.focus == Panel::Tree => return self.tree_command(cmd),
            _ => return self.list_command(cmd),
        }
        Some(Action::Done)
    }

    fn text_line(&mut self) -> Option<&mut dyn TextLine> {
        Some(&mut self.list)
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let ui = cx.ui;
        if let Some(d) = &self.detail {
            d.render(f, area, cx);
            return;
        }
        let t = &ui.theme;
        let tree_w = (area.width * 3 / 10).clamp(26, 44);
        let [left, right] = Layout::horizontal([Constraint::Length(tree_w), Constraint::Fill(1)]).areas(area);
        let left = left.intersection(f.area());

        // Tree.
        let tree_block = Block::default()
            .borders(Borders::ALL)
            .border_style(if self.focus == Panel::Tree { t.border_focus } else { t.border })
            .title(Span::styled(format!(" {} ", ui.loc.t("formations.categories")), t.title));
        if let Ok(tree) = Tree::new(&self.items) {
            let tree = tree
                .block(tree_block)
                .highlight_style(if self.focus == Panel::Tree { t.selected } else { t.selected_unfocused })
                .node_closed_symbol("▸ ")
                .node_open_symbol("▾ ")
                .node_no_children_symbol("  ");
            f.render_stateful_widget(tree, left, &mut self.tree.borrow_mut());
        }

        // Course list (+ filter line).
        let [list_area, filter_area] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(self.list.filter_height())])
                .areas(right);
        let title = match self.tree.borrow().selected().last() {
            Some(&ALL) | None => ui.loc.t("formations.all_courses").to_string(),
            Some(&UNCATEGORISED) => ui.loc.t("formations.uncategorised").to_string(),
            Some(id) => {
                catalog::find_node(&self.roots, *id).map(|n| text::clean(&n.name)).unwrap_or_default()
            }
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if self.focus == Panel::List { t.border_focus } else { t.border })
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
        let nothing = if self.list.filter.value().is_empty() {
            ui.loc.t("formations.empty")
        } else {
            ui.loc.t("formations.no_match")
        };
        // Without the audience column, the columns after it move left.
        let sort =
            self.list.sort_mark().map(|(c, desc)| (if wide || c == 0 { c } else { c.max(1) - 1 }, desc));
        let table = Table { block, cols: &cols, sort, nothing, focused: self.focus == Panel::List };
        table.render(f, list_area, ui, &self.list, |c, w| {
            let s = &c.summary;
            let audience = c.audience.clone().unwrap_or_else(|| ui.loc.t("formations.everyone").to_string());
            let progress =
                s.avg_progress().map(|p| ui.loc.pct(p.round() as i64)).unwrap_or_else(|| "–".into());
            let mut cells = vec![table::cell(text::fit(&c.name, w[0]).into_owned(), t.base)];
            if wide {
                let style = if c.audience.is_some() { t.base } else { t.muted };
                cells.push(table::cell(text::fit(&audience, w[1]).into_owned(), style));
            }
            cells.extend([
                table::right(ui.loc.num(s.learners), t.base),
                table::right(ui.loc.num(s.not_started), if s.not_started > 0 { t.warning } else { t.muted }),
                table::right(
                    ui.loc.num(s.never_accessed),
                    if s.never_accessed > 0 { t.danger } else { t.muted },
                ),
                table::right(progress, t.base),
            ]);
            cells
        });
        self.list.render_filter(f, filter_area, ui);
    }
}
