//! A small progress bar drawn with block characters (visible without colour too).

const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/// `width` cells of bar for `pct` (0–100), using eighth blocks for sub-cell precision.
pub fn bar(pct: u8, width: usize) -> String {
    let pct = pct.min(100) as usize;
    let eighths = pct * width * 8 / 100;
    let full = eighths / 8;
    let mut s = "█".repeat(full);
    if full < width {
        let part = eighths % 8;
        s.push(if part == 0 { '·' } else { EIGHTHS[part] });
        s.push_str(&"·".repeat(width - full - 1));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn bars() {
        assert_eq!(bar(0, 5), "·····");
        assert_eq!(bar(100, 5), "█████");
        assert_eq!(bar(50, 4), "██··");
        assert_eq!(bar(83, 5), "████▏");
        assert_eq!(bar(255, 5), "█████");
        for p in 0..=100 {
            assert_eq!(bar(p, 6).width(), 6);
        }
    }
}
