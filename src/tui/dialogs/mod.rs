//! Layers drawn above the views; the top one receives keys first.

pub mod confirm;
pub mod edit_stats;
pub mod edit_stats_view;
pub mod help;
pub mod note;
pub mod picker;
pub mod remind;
pub mod remind_view;

use ratatui::layout::{Constraint, Rect};

/// A centred rectangle of at most `w`×`h` inside `area` (never larger than it). ratatui's
/// `Rect::centered` gives an odd spare cell to the top or left; dialogs have always had
/// it below or right, so the area loses that cell first.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let odd = |room: u16, size: u16| room.saturating_sub(size) % 2;
    let even =
        Rect { width: area.width - odd(area.width, w), height: area.height - odd(area.height, h), ..area };
    even.centered(Constraint::Length(w), Constraint::Length(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centred_with_the_odd_cell_below_and_right() {
        let area = Rect::new(3, 2, 80, 19);
        assert_eq!(centered(area, 72, 7), Rect::new(7, 8, 72, 7));
        assert_eq!(centered(area, 71, 6), Rect::new(7, 8, 71, 6));
        assert_eq!(centered(area, 100, 30), area, "never larger than the area");
        assert_eq!(centered(Rect::new(0, 0, 0, 0), 10, 10), Rect::new(0, 0, 0, 0));
        for (w, h) in [(1u16, 1u16), (64, 7), (100, 30)] {
            for aw in 0..90 {
                let r = centered(Rect::new(1, 1, aw, 21), w, h);
                assert_eq!((r.x, r.width), (1 + (aw - w.min(aw)) / 2, w.min(aw)), "{aw} {w}");
                assert_eq!((r.y, r.height), (1 + (21 - h.min(21)) / 2, h.min(21)));
            }
        }
    }
}
