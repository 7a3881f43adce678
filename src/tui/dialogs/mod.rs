//! Layers drawn above the views; the top one receives keys first.

pub mod confirm;
pub mod edit_stats;
pub mod edit_stats_view;
pub mod help;
pub mod note;
pub mod picker;
pub mod remind;
pub mod remind_view;

use ratatui::layout::Rect;

/// A centred rectangle of at most `w`×`h` inside `area` (never larger than it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}
