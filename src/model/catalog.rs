//! Categories and courses as the Formations tab sees them, and the category tree.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::progress;

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Category {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub position: i64,
}

/// One tutored course with the counts the course list shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CourseSummary {
    pub id: i64,
    pub category_id: Option<i64>,
    pub shortname: String,
    pub fullname: String,
    /// `None`: open to everyone.
    pub audience: Option<String>,
    pub lessons_total: i64,
    pub learners: i64,
    pub not_started: i64,
    pub never_accessed: i64,
    pub completed: i64,
    /// Sum over learners of lessons done, each clamped into 0..=lessons_total.
    pub done_sum: i64,
    pub time_sum: i64,
    /// A name could not be read as stored (not valid UTF-8: shown with `�`).
    pub damaged: bool,
}

impl CourseSummary {
    /// Average progress of the learners in percent; `None` without learners.
    pub fn avg_progress(&self) -> Option<f64> {
        if self.learners == 0 {
            return None;
        }
        if self.lessons_total == 0 {
            return Some(0.0);
        }
        Some(self.done_sum as f64 * 100.0 / (self.learners * self.lessons_total) as f64)
    }

    pub fn completion_rate(&self) -> Option<f64> {
        (self.learners > 0).then(|| self.completed as f64 * 100.0 / self.learners as f64)
    }

    pub fn avg_time(&self) -> Option<i64> {
        (self.learners > 0).then(|| self.time_sum / self.learners)
    }

    pub fn progress_of(done: i64, total: i64) -> u8 {
        progress::percent_clamped(done, total)
    }
}

/// A node of the category tree: a category with the courses of its whole subtree counted.
#[derive(Clone, Debug, PartialEq)]
pub struct TreeNode {
    /// Category id; [`UNCATEGORISED`] for the node that collects orphan courses.
    pub id: i64,
    pub name: String,
    /// Courses directly in this category.
    pub courses: Vec<i64>,
    /// Courses in this category and all its descendants.
    pub subtree_courses: usize,
    pub children: Vec<TreeNode>,
}

/// Pseudo-category holding courses whose category is missing.
pub const UNCATEGORISED: i64 = -1;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataIssue {
    /// The category's parent chain loops; it is shown at the top level.
    CategoryCycle { category_id: i64 },
    /// A course points to a category that does not exist (or has none).
    OrphanCourse { course_id: i64 },
}

/// Builds the tree of categories that hold at least one of `courses` (or every category when
/// `keep_empty`), ordered by position then name. Loops in the data are broken and reported.
pub fn build_tree(
    categories: &[Category],
    courses: &[CourseSummary],
    keep_empty: bool,
) -> (Vec<TreeNode>, Vec<DataIssue>) {
    let by_id: HashMap<i64, &Category> = categories.iter().map(|c| (c.id, c)).collect();
    let mut issues = Vec::new();

    // Effective parent: None for roots, for unknown parents and for categories in a cycle.
    let mut parent: HashMap<i64, Option<i64>> = HashMap::new();
    for c in categories {
        let mut seen = HashSet::from([c.id]);
        let mut cur = c.parent_id;
        let mut cyclic = false;
        while let Some(p) = cur {
            if !seen.insert(p) {
                cyclic = true;
                break;
            }
            cur = by_id.get(&p).and_then(|pc| pc.parent_id);
        }
        if cyclic {
            issues.push(DataIssue::CategoryCycle { category_id: c.id });
            parent.insert(c.id, None);
        } else {
            parent.insert(c.id, c.parent_id.filter(|p| by_id.contains_key(p)));
        }
    }

    let mut direct: HashMap<i64, Vec<i64>> = HashMap::new();
    for course in courses {
        match course.category_id.filter(|id| by_id.contains_key(id)) {
            Some(cat) => direct.entry(cat).or_default().push(course.id),
            None => {
                issues.push(DataIssue::OrphanCourse { course_id: course.id });
                direct.entry(UNCATEGORISED).or_default().push(course.id);
            }
        }
    }

    let mut children: BTreeMap<Option<i64>, Vec<&Category>> = BTreeMap::new();
    for c in categories {
        children.entry(parent[&c.id]).or_default().push(c);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| a.position.cmp(&b.position).then_with(|| a.name.cmp(&b.name)));
    }

    fn build(
        id: i64,
        name: &str,
        children: &BTreeMap<Option<i64>, Vec<&Category>>,
        direct: &HashMap<i64, Vec<i64>>,
        keep_empty: bool,
    ) -> Option<TreeNode> {
        let kids: Vec<TreeNode> = children
            .get(&Some(id))
            .map(|v| v.iter().filter_map(|c| build(c.id, &c.name, children, direct, keep_empty)).collect())
            .unwrap_or_default();
        let own = direct.get(&id).cloned().unwrap_or_default();
        let subtree = own.len() + kids.iter().map(|k| k.subtree_courses).sum::<usize>();
        (keep_empty || subtree > 0).then(|| TreeNode {
            id,
            name: name.to_string(),
            courses: own,
            subtree_courses: subtree,
            children: kids,
        })
    }

    let mut roots: Vec<TreeNode> = children
        .get(&None)
        .map(|v| v.iter().filter_map(|c| build(c.id, &c.name, &children, &direct, keep_empty)).collect())
        .unwrap_or_default();
    if let Some(orphans) = direct.get(&UNCATEGORISED) {
        roots.push(TreeNode {
            id: UNCATEGORISED,
            name: String::new(),
            courses: orphans.clone(),
            subtree_courses: orphans.len(),
            children: Vec::new(),
        });
    }
    (roots, issues)
}

impl TreeNode {
    /// Every course id of the subtree, in tree order.
    pub fn all_courses(&self) -> Vec<i64> {
        let mut out = self.courses.clone();
        for c in &self.children {
            out.extend(c.all_courses());
        }
        out
    }

    pub fn find(&self, id: i64) -> Option<&TreeNode> {
        if self.id == id {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(id))
    }
}

pub fn find_node(roots: &[TreeNode], id: i64) -> Option<&TreeNode> {
    roots.iter().find_map(|r| r.find(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(id: i64, parent: Option<i64>, name: &str) -> Category {
        Category { id, parent_id: parent, name: name.into(), position: id }
    }

    fn course(id: i64, category: Option<i64>) -> CourseSummary {
        CourseSummary {
            id,
            category_id: category,
            shortname: format!("C{id}"),
            fullname: format!("Course {id}"),
            audience: None,
            lessons_total: 6,
            learners: 0,
            not_started: 0,
            never_accessed: 0,
            completed: 0,
            done_sum: 0,
            time_sum: 0,
            damaged: false,
        }
    }

    #[test]
    fn counts_whole_subtrees_and_prunes_empty() {
        let cats = [
            cat(1, None, "Commercial"),
            cat(2, Some(1), "Vente"),
            cat(3, Some(2), "Avant"),
            cat(4, None, "Vide"),
        ];
        let courses = [course(10, Some(3)), course(11, Some(2)), course(12, Some(1))];
        let (tree, issues) = build_tree(&cats, &courses, false);
        assert!(issues.is_empty());
        assert_eq!(tree.len(), 1, "empty root pruned");
        assert_eq!(tree[0].subtree_courses, 3);
        assert_eq!(tree[0].children[0].subtree_courses, 2);
        assert_eq!(tree[0].all_courses(), vec![12, 11, 10]);
        let (all, _) = build_tree(&cats, &courses, true);
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].subtree_courses, 0);
    }

    #[test]
    fn cycles_and_orphans_are_reported_not_fatal() {
        let cats = [cat(1, Some(2), "A"), cat(2, Some(1), "B")];
        let courses = [course(10, Some(1)), course(11, Some(99)), course(12, None)];
        let (tree, issues) = build_tree(&cats, &courses, false);
        assert!(issues.contains(&DataIssue::CategoryCycle { category_id: 1 }));
        assert!(issues.contains(&DataIssue::OrphanCourse { course_id: 11 }));
        assert!(issues.contains(&DataIssue::OrphanCourse { course_id: 12 }));
        let orphan = find_node(&tree, UNCATEGORISED).unwrap();
        assert_eq!(orphan.courses, vec![11, 12]);
        // Every course still appears exactly once.
        let mut all: Vec<i64> = tree.iter().flat_map(|n| n.all_courses()).collect();
        all.sort();
        assert_eq!(all, vec![10, 11, 12]);
    }

    #[test]
    fn averages() {
        let mut c = course(1, None);
        assert_eq!(c.avg_progress(), None);
        c.learners = 2;
        c.done_sum = 6; // 6 of 12 lesson slots
        c.completed = 1;
        c.time_sum = 100;
        assert_eq!(c.avg_progress(), Some(50.0));
        assert_eq!(c.completion_rate(), Some(50.0));
        assert_eq!(c.avg_time(), Some(50));
    }
}

/// Ratings are 1 to 5 stars; anything else in the data is shown flagged and left out of
/// averages.
pub fn stars_valid(stars: i64) -> bool {
    (1..=5).contains(&stars)
}

/// "★★★★☆" for 4; out-of-range values are clamped for drawing (and flagged by the caller).
pub fn stars_text(stars: i64) -> String {
    let n = stars.clamp(0, 5) as usize;
    format!("{}{}", "★".repeat(n), "☆".repeat(5 - n))
}

/// Average of the valid ratings and how many there were.
pub fn average_rating(stars: impl IntoIterator<Item = i64>) -> Option<(f64, usize)> {
    let valid: Vec<i64> = stars.into_iter().filter(|s| stars_valid(*s)).collect();
    (!valid.is_empty()).then(|| (valid.iter().sum::<i64>() as f64 / valid.len() as f64, valid.len()))
}

/// Names from the root down to `category_id` ("Commercial", "Vente", …); stops at loops.
pub fn category_path(categories: &[Category], category_id: Option<i64>) -> Vec<String> {
    let by_id: HashMap<i64, &Category> = categories.iter().map(|c| (c.id, c)).collect();
    let mut path = Vec::new();
    let mut seen = HashSet::new();
    let mut cur = category_id;
    while let Some(id) = cur {
        if !seen.insert(id) {
            break;
        }
        let Some(c) = by_id.get(&id) else { break };
        path.push(c.name.clone());
        cur = c.parent_id;
    }
    path.reverse();
    path
}

#[cfg(test)]
mod rating_tests {
    use super::*;

    #[test]
    fn stars() {
        assert_eq!(stars_text(4), "★★★★☆");
        assert_eq!(stars_text(0), "☆☆☆☆☆");
        assert_eq!(stars_text(6), "★★★★★");
        assert!(!stars_valid(0) && !stars_valid(6) && stars_valid(1) && stars_valid(5));
        assert_eq!(average_rating([4, 5, 0, 6, 3]), Some((4.0, 3)));
        assert_eq!(average_rating([0, 6]), None);
        assert_eq!(average_rating([]), None);
    }

    #[test]
    fn paths() {
        let cats = [
            Category { id: 1, parent_id: None, name: "A".into(), position: 0 },
            Category { id: 2, parent_id: Some(1), name: "B".into(), position: 0 },
            Category { id: 3, parent_id: Some(4), name: "C".into(), position: 0 },
            Category { id: 4, parent_id: Some(3), name: "D".into(), position: 0 },
        ];
        assert_eq!(category_path(&cats, Some(2)), ["A", "B"]);
        assert_eq!(category_path(&cats, None), Vec::<String>::new());
        assert_eq!(category_path(&cats, Some(99)), Vec::<String>::new());
        assert_eq!(category_path(&cats, Some(3)), ["D", "C"], "a loop stops instead of spinning");
    }
}
