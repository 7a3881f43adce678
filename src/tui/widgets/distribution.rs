//! Distribution of learners by status: a donut on a braille canvas when there is room and
//! colour, a stacked bar otherwise. Counts and percentages are always written out, so the
//! chart never carries information on its own.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::widgets::canvas::{Canvas, Points};

use crate::tui::ui::Ui;

/// One slice: label, count, style, and the fill character used in the bar.
pub struct Slice<'a> {
    pub label: &'a str,
    pub count: usize,
    pub style: Style,
    pub fill: char,
}

fn percents(slices: &[Slice]) -> Vec<f64> {
    let total: usize = slices.iter().map(|s| s.count).sum();
    slices.iter().map(|s| if total == 0 { 0.0 } else { s.count as f64 * 100.0 / total as f64 }).collect()
}

/// Cells for each slice in a bar of `width`, largest remainders first so the sum is exact.
pub fn bar_cells(counts: &[usize], width: usize) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    if total == 0 {
        return vec![0; counts.len()];
    }
    let exact: Vec<f64> = counts.iter().map(|c| *c as f64 * width as f64 / total as f64).collect();
    let mut cells: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut rest = width - cells.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by(|a, b| (exact[*b] - exact[*b].floor()).total_cmp(&(exact[*a] - exact[*a].floor())));
    for i in order {
        if rest == 0 {
            break;
        }
        if counts[i] > 0 {
            cells[i] += 1;
            rest -= 1;
        }
    }
    // A non-empty slice always shows, taking a cell from the largest one.
    for i in 0..counts.len() {
        if counts[i] > 0 && cells[i] == 0 {
            let big = (0..cells.len()).max_by_key(|j| cells[*j]).unwrap_or(0);
            if cells[big] > 1 {
                cells[big] -= 1;
                cells[i] = 1;
            }
        }
    }
    cells
}

fn legend(slices: &[Slice], ui: &Ui) -> Vec<Line<'static>> {
    let pct = percents(slices);
    let label_w = slices.iter().map(|s| crate::text::width(s.label)).max().unwrap_or(0);
    let count_w = slices.iter().map(|s| ui.loc.num(s.count as i64).len()).max().unwrap_or(1);
    slices
        .iter()
        .zip(pct)
        .map(|(s, p)| {
            Line::from(vec![
                Span::styled(format!("{} ", s.fill), s.style),
                Span::styled(crate::text::pad(s.label, label_w), ui.theme.base),
                Span::styled(format!(" {:>count_w$}", ui.loc.num(s.count as i64)), ui.theme.base),
                Span::styled(format!(" {:>7}", ui.loc.pct(ui.loc.dec1(p))), ui.theme.muted),
            ])
        })
        .collect()
}

/// A one-line stacked bar followed by the legend on the same line when it fits.
pub fn render_bar(f: &mut Frame, area: Rect, slices: &[Slice], ui: &Ui) {
    let area = area.intersection(f.area());
    if area.height == 0 || area.width < 10 {
        return;
    }
    let counts: Vec<usize> = slices.iter().map(|s| s.count).collect();
    let pct = percents(slices);
    let mut legend_spans = Vec::new();
    for (s, p) in slices.iter().zip(&pct) {
        legend_spans.push(Span::styled(format!(" {} ", s.fill), s.style));
        legend_spans.push(Span::styled(
            format!("{} {} ({})", s.label, ui.loc.num(s.count as i64), ui.loc.pct(p.round() as i64)),
            ui.theme.base,
        ));
    }
    let legend_w: usize = legend_spans.iter().map(|s| crate::text::width(&s.content)).sum();
    let bar_w = (area.width as usize).saturating_sub(legend_w + 1).clamp(10, 40);
    let cells = bar_cells(&counts, bar_w);
    let mut spans: Vec<Span> = slices
        .iter()
        .zip(&cells)
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| Span::styled(s.fill.to_string().repeat(*n), s.style))
        .collect();
    if counts.iter().all(|c| *c == 0) {
        spans.push(Span::styled("·".repeat(bar_w), ui.theme.muted));
    }
    spans.push(Span::raw(" "));
    spans.extend(legend_spans);
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A donut with its legend beside it.
pub fn render_donut(f: &mut Frame, area: Rect, slices: &[Slice], ui: &Ui) {
    let area = area.intersection(f.area());
    let legend_lines = legend(slices, ui);
    let legend_w = legend_lines.iter().map(|l| l.width()).max().unwrap_or(0) as u16;
    let donut_w = (area.height * 2 + 2).min(area.width.saturating_sub(legend_w + 1));
    let [chart, _, text_area] =
        Layout::horizontal([Constraint::Length(donut_w), Constraint::Length(1), Constraint::Fill(1)])
            .areas(area);
    let y = text_area.y + text_area.height.saturating_sub(legend_lines.len() as u16) / 2;
    let text_rect = Rect { y, height: (legend_lines.len() as u16).min(text_area.height), ..text_area };
    f.render_widget(Paragraph::new(legend_lines), text_rect.intersection(f.area()));
    if chart.width < 4 || chart.height < 3 {
        return;
    }
    // Braille dots: 2 per cell across, 4 down; a cell is about twice as tall as wide, so in
    // "dot units" the chart is square when w*2 ≈ h*4.
    let (w, h) = (chart.width as f64 * 2.0, chart.height as f64 * 4.0);
    let r_out = (w.min(h) / 2.0) - 0.5;
    let r_in = r_out * 0.55;
    let total: usize = slices.iter().map(|s| s.count).sum();
    let mut points: Vec<Vec<(f64, f64)>> = vec![Vec::new(); slices.len()];
    if total > 0 {
        let bounds: Vec<f64> = slices
            .iter()
            .scan(0.0, |acc, s| {
                *acc += s.count as f64 / total as f64;
                Some(*acc)
            })
            .collect();
        for yi in 0..h as usize {
            for xi in 0..w as usize {
                let (x, y) = (xi as f64 + 0.5 - w / 2.0, h / 2.0 - yi as f64 - 0.5);
                let d = (x * x + y * y).sqrt();
                if d < r_in || d > r_out {
                    continue;
                }
                // Clockwise from twelve o'clock.
                let frac = (x.atan2(y) / std::f64::consts::TAU).rem_euclid(1.0);
                let k = bounds.iter().position(|b| frac < *b).unwrap_or(slices.len() - 1);
                points[k].push((x, y));
            }
        }
    }
    let colors: Vec<Color> = slices.iter().map(|s| s.style.fg.unwrap_or(Color::Reset)).collect();
    let canvas = Canvas::default()
        .marker(Marker::Braille)
        .x_bounds([-w / 2.0, w / 2.0])
        .y_bounds([-h / 2.0, h / 2.0])
        .paint(move |ctx| {
            for (pts, color) in points.iter().zip(&colors) {
                ctx.draw(&Points { coords: pts, color: *color });
            }
        });
    f.render_widget(canvas, chart);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_cells_sum_to_width_and_keep_small_slices_visible() {
        assert_eq!(bar_cells(&[1, 1, 1], 10).iter().sum::<usize>(), 10);
        assert_eq!(bar_cells(&[0, 0, 0], 10), vec![0, 0, 0]);
        assert_eq!(bar_cells(&[10, 0, 0], 7), vec![7, 0, 0]);
        let c = bar_cells(&[8, 20, 12], 40);
        assert_eq!(c, vec![8, 20, 12]);
        let c = bar_cells(&[1, 1000, 0], 20);
        assert_eq!(c, vec![1, 19, 0], "a tiny slice still shows, an empty one never does");
    }
}
