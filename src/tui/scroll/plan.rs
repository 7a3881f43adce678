//! Which band of rows to scroll, if any: pure functions of the screen, the next frame and
//! their row hashes.

use std::hash::{Hash, Hasher};

use ratatui::buffer::{Buffer, Cell};

/// Fewer rows than this are cheaper to repaint than to scroll.
pub(super) const MIN_ROWS: usize = 3;
/// What a scroll costs, counted in cells as the gain is (about a byte each): the reset,
/// margins, scroll and margin reset sequences, and the cursor moves it breaks.
const SCROLL_COST: usize = 24;
/// Shifts examined per scroll, the most voted first.
const CANDIDATES: usize = 3;

/// A band of rows `top..bottom` moved by `shift` rows: row `y` of the frame shows what was
/// on row `y + shift` (positive: the content went up).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Scroll {
    pub top: usize,
    pub bottom: usize,
    pub shift: isize,
}

impl Scroll {
    /// The terminal rows the scroll touches: the band and the rows it uncovers.
    pub fn region(self) -> (usize, usize) {
        let n = self.shift.unsigned_abs();
        if self.shift > 0 { (self.top, self.bottom + n) } else { (self.top - n, self.bottom) }
    }

    /// Does to `buf` (and its row hashes) what the terminal does: the band moves, the rows
    /// it uncovers are blank.
    pub fn apply(self, buf: &mut Buffer, hashes: &mut [u64]) {
        let (top, bottom) = self.region();
        let (n, w) = (self.shift.unsigned_abs(), buf.area.width as usize);
        let rows = &mut buf.content[top * w..bottom * w];
        let uncovered = if self.shift > 0 {
            rows.rotate_left(n * w);
            hashes[top..bottom].rotate_left(n);
            bottom - n..bottom
        } else {
            rows.rotate_right(n * w);
            hashes[top..bottom].rotate_right(n);
            top..top + n
        };
        for y in uncovered {
            buf.content[y * w..(y + 1) * w].iter_mut().for_each(Cell::reset);
            hashes[y] = row_hash(buf, y);
        }
    }
}

/// What the terminal shows and what it should show next, with their row hashes.
pub(super) struct Frames<'a> {
    pub now: &'a Buffer,
    pub now_hashes: &'a [u64],
    pub next: &'a Buffer,
    pub next_hashes: &'a [u64],
    /// Cells that differ per row, where known (ratatui's diff counted them).
    pub differing: &'a [Option<usize>],
}

impl Frames<'_> {
    /// The scroll that saves the most cells to send, if one saves more than it costs.
    pub fn best_scroll(&self) -> Option<Scroll> {
        let h = self.now_hashes.len();
        let changed: Vec<bool> = (0..h).map(|y| self.now_hashes[y] != self.next_hashes[y]).collect();
        if changed.iter().filter(|c| **c).count() < MIN_ROWS {
            return None;
        }
        // Each changed row votes for the shifts that would bring its new content from
        // where it is on screen now.
        let mut votes = vec![0usize; 2 * h];
        for y in (0..h).filter(|y| changed[*y]) {
            for from in (0..h).filter(|f| *f != y && self.now_hashes[*f] == self.next_hashes[y]) {
                votes[from + h - y] += 1;
            }
        }
        let mut shifts: Vec<(usize, isize)> = votes
            .iter()
            .enumerate()
            .filter(|(_, v)| **v >= MIN_ROWS)
            .map(|(i, v)| (*v, i as isize - h as isize))
            .collect();
        shifts.sort_unstable_by_key(|(votes, _)| std::cmp::Reverse(*votes));
        shifts
            .iter()
            .take(CANDIDATES)
            .filter_map(|(_, shift)| self.band(*shift, &changed))
            .map(|s| (self.gain(s, &changed), s))
            .filter(|(gain, _)| *gain > SCROLL_COST)
            .max_by_key(|(gain, _)| *gain)
            .map(|(_, s)| s)
    }

    /// The band with the most rows whose new content is the old shifted by `shift`. Rows
    /// inside it may differ if they change anyway (the cursor's, a scroll bar's).
    fn band(&self, shift: isize, changed: &[bool]) -> Option<Scroll> {
        let h = self.now_hashes.len() as isize;
        let (lo, hi) = (0.max(-shift), h.min(h - shift));
        let mut best: Option<(usize, Scroll)> = None;
        // The run being followed: first and last matching rows, and how many matched.
        let mut run: Option<(usize, usize, usize)> = None;
        for y in lo..=hi {
            // Equal hashes are taken for equal rows: a collision only misjudges the gain.
            let matched = y < hi && self.next_hashes[y as usize] == self.now_hashes[(y + shift) as usize];
            if matched {
                let y = y as usize;
                run = Some(run.map_or((y, y, 1), |(first, _, n)| (first, y, n + 1)));
            } else if y == hi || !changed[y as usize] {
                // A row that stays as it is ends the band: scrolling would damage it.
                if let Some((first, last, n)) = run.take()
                    && n >= MIN_ROWS
                    && best.is_none_or(|(m, _)| n > m)
                {
                    best = Some((n, Scroll { top: first, bottom: last + 1, shift }));
                }
            }
        }
        best.map(|(_, s)| s)
    }

    /// Cells the scroll `s` saves sending (before its own cost).
    fn gain(&self, s: Scroll, changed: &[bool]) -> usize {
        let (top, bottom) = s.region();
        let differ = |a: &[Cell], b: &[Cell]| a.iter().zip(b).filter(|(x, y)| x != y).count();
        let without: usize = (top..bottom)
            .filter(|y| changed[*y])
            .map(|y| self.differing[y].unwrap_or_else(|| differ(row(self.next, y), row(self.now, y))))
            .sum();
        let with: usize = (top..bottom)
            .map(|y| {
                let new = row(self.next, y);
                if !(s.top..s.bottom).contains(&y) {
                    // Uncovered: blank after the scroll.
                    return new.iter().filter(|c| **c != Cell::EMPTY).count();
                }
                let from = (y as isize + s.shift) as usize;
                if self.next_hashes[y] == self.now_hashes[from] {
                    0
                } else {
                    differ(new, row(self.now, from))
                }
            })
            .sum();
        without.saturating_sub(with)
    }
}

pub(super) fn row(buf: &Buffer, y: usize) -> &[Cell] {
    let w = buf.area.width as usize;
    &buf.content[y * w..(y + 1) * w]
}

/// A fast hash of row `y`: FxHash's mixing over each symbol and each change of style (a
/// row has a few runs of one style). A collision costs at most a missed or useless scroll:
/// what is sent is always an exact diff.
pub(super) fn row_hash(buf: &Buffer, y: usize) -> u64 {
    struct Fx(u64);
    impl Fx {
        fn add(&mut self, word: u64) {
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    impl Hasher for Fx {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            for chunk in bytes.chunks(8) {
                let mut word = [0u8; 8];
                word[..chunk.len()].copy_from_slice(chunk);
                self.add(u64::from_le_bytes(word));
            }
        }
        fn write_u64(&mut self, i: u64) {
            self.add(i);
        }
    }
    let mut h = Fx(0);
    let mut style = None;
    for cell in row(buf, y) {
        let symbol = cell.symbol().as_bytes();
        if symbol.len() < 8 {
            let mut word = [0u8; 8];
            word[..symbol.len()].copy_from_slice(symbol);
            word[7] = symbol.len() as u8;
            h.add(u64::from_le_bytes(word));
        } else {
            h.write(symbol);
        }
        let this = Some((cell.fg, cell.bg, cell.modifier));
        if this != style {
            style = this;
            h.add(u64::MAX);
            (cell.fg, cell.bg, cell.modifier).hash(&mut h);
        }
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Rect;

    use super::*;

    /// A 20×12 screen: a title, rows `first..` of a list on rows 1..=10, a footer.
    fn screen(first: usize, footer: &str) -> (Buffer, Vec<u64>) {
        let mut lines = vec!["Title".to_string()];
        // Neighbours differ in every cell, as names in a table mostly do.
        lines.extend((first..first + 10).map(|i| char::from(b'a' + (i % 26) as u8).to_string().repeat(20)));
        lines.push(footer.to_string());
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 12));
        for (y, l) in lines.iter().enumerate() {
            buf.set_string(0, y as u16, l, ratatui::style::Style::new());
        }
        let hashes = (0..12).map(|y| row_hash(&buf, y)).collect();
        (buf, hashes)
    }

    fn best(now: &(Buffer, Vec<u64>), next: &(Buffer, Vec<u64>)) -> Option<Scroll> {
        let differing = vec![None; now.1.len()];
        Frames { now: &now.0, now_hashes: &now.1, next: &next.0, next_hashes: &next.1, differing: &differing }
            .best_scroll()
    }

    #[test]
    fn a_list_moved_by_rows_scrolls_its_band_only() {
        let (a, b) = (screen(0, "1 of 50"), screen(1, "2 of 50"));
        assert_eq!(best(&a, &b), Some(Scroll { top: 1, bottom: 10, shift: 1 }));
        assert_eq!(best(&b, &a), Some(Scroll { top: 2, bottom: 11, shift: -1 }));
        let c = screen(4, "5 of 50");
        assert_eq!(best(&a, &c), Some(Scroll { top: 1, bottom: 7, shift: 4 }));
        // Applied to the old screen, the scroll leaves only the new rows to draw.
        let (mut buf, mut hashes) = a.clone();
        Scroll { top: 1, bottom: 7, shift: 4 }.apply(&mut buf, &mut hashes);
        let left: Vec<u16> = buf.diff(&c.0).iter().map(|(_, y, _)| *y).collect();
        assert!(left.iter().all(|y| (7..=11).contains(y)), "{left:?}");
        assert_eq!(hashes[1..7], c.1[1..7]);
    }

    #[test]
    fn nothing_to_gain_no_scroll() {
        let a = screen(0, "1 of 50");
        assert_eq!(best(&a, &a), None);
        // Eight rows moved: two match, too few to pay.
        assert_eq!(best(&a, &screen(8, "9 of 50")), None);
        // Nothing in common.
        assert_eq!(best(&a, &screen(13, "14 of 50")), None);
    }
}
