//! Marks for bulk actions, as the Centre de tutorat and the triage tab use them: enrolment
//! ids independent of the filter, so marks survive filtering and reloads.

use std::collections::HashSet;

use ratatui::style::Style;
use ratatui::widgets::Cell;

use crate::tui::theme::Theme;
use crate::tui::widgets::table;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marks(HashSet<i64>);

impl Marks {
    pub fn contains(&self, id: &i64) -> bool {
        self.0.contains(id)
    }

    pub fn insert(&mut self, id: i64) {
        self.0.insert(id);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn toggle(&mut self, id: i64) {
        if !self.0.remove(&id) {
            self.0.insert(id);
        }
    }

    /// After a reload: forgets the marks of rows that are gone.
    pub fn keep_present(&mut self, present: impl Iterator<Item = i64>) {
        if !self.0.is_empty() {
            let ids: HashSet<i64> = present.collect();
            self.0.retain(|id| ids.contains(id));
        }
    }

    /// What a bulk action applies to: the marked enrolments in id order, else the one under
    /// the cursor.
    pub fn targets(&self, current: Option<i64>) -> Vec<i64> {
        if self.0.is_empty() {
            current.into_iter().collect()
        } else {
            let mut v: Vec<i64> = self.0.iter().copied().collect();
            v.sort_unstable();
            v
        }
    }
}

impl Extend<i64> for Marks {
    fn extend<I: IntoIterator<Item = i64>>(&mut self, ids: I) {
        self.0.extend(ids);
    }
}

/// The mark box of a row: `[x]` or `[ ]`.
pub fn mark_box(marked: bool, t: &Theme) -> Cell<'static> {
    table::cell(if marked { "[x]" } else { "[ ]" }, if marked { t.marked } else { t.muted })
}

/// A learner's name in a list: in the marked style when marked, muted when the account is
/// suspended.
pub fn name_style(marked: bool, suspended: bool, t: &Theme) -> Style {
    match (marked, suspended) {
        (true, _) => t.marked,
        (false, true) => t.muted,
        (false, false) => t.base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toggles_keeps_present_and_targets() {
        let mut m = Marks::default();
        assert_eq!(m.targets(Some(7)), vec![7], "nothing marked: the current row");
        assert!(m.targets(None).is_empty());
        m.toggle(5);
        m.toggle(3);
        m.toggle(9);
        m.toggle(9);
        assert_eq!(m.targets(Some(7)), vec![3, 5], "the marked ones, sorted, not the current");
        m.keep_present([5, 6].into_iter());
        assert_eq!(m.targets(None), vec![5]);
    }
}
