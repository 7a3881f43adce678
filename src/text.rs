//! Text from the database on its way to the terminal: sanitising, display width,
//! truncation that never splits a grapheme, and accent-insensitive fuzzy matching.

use std::borrow::Cow;

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32String};
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Characters that reorder or hide text (bidi overrides, isolates, marks, zero-width joiners)
/// and so could make a name display as something else. Dropping ZWJ splits emoji sequences
/// into their parts: terminals disagree on the width of joined emoji, and columns must not.
fn is_format_control(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}'
        | '\u{061C}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Characters whose width terminals (and width tables) disagree on, all invisible or
/// decorative, so dropping them loses nothing a tutor reads:
/// - the other format characters (general category Cf): the soft hyphen U+00AD (0 cells
///   for unicode-width, 1 for glibc's wcwidth and most terminals), Arabic number signs,
///   tags (the letters of 🏴 subdivision flags), …;
/// - the other default-ignorable characters: Hangul fillers (U+115F, U+1160, U+3164,
///   U+FFA0: 0 or 2 cells depending on who counts), variation selectors (VS16 turns a
///   1-cell symbol into a 2-cell emoji for some terminals only), the grapheme joiner,
///   Mongolian selectors;
/// - emoji skin-tone modifiers (👍🏽 is 2 cells joined, 4 apart: the emoji stays, yellow);
/// - regional indicators (a flag 🇫🇷 is one 2-cell glyph or two letters, and a lone one is
///   1 or 2 cells): a flag in a name is decoration.
pub fn is_unsafe_width(c: char) -> bool {
    is_format_control(c)
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{0600}'..='\u{0605}' | '\u{06DD}' | '\u{070F}'
            | '\u{0890}'..='\u{0891}' | '\u{08E2}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{206A}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
            | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{110BD}' | '\u{110CD}' | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}' | '\u{1F1E6}'..='\u{1F1FF}'
            | '\u{1F3FB}'..='\u{1F3FF}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Line and paragraph separators: written raw they are a line break for some terminals and
/// an unknown glyph for others. They become a space, as `\n` does.
fn is_separator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}')
}

/// Makes database text safe and tidy to draw: escape sequences (CSI, OSC, …) and control
/// characters are removed, bidi controls and every character terminals disagree on
/// ([`is_unsafe_width`]) dropped, line breaks, separators and tabs become spaces, the result
/// is NFC-normalised so combining accents measure like precomposed ones, and every grapheme
/// cluster left is as wide for the dashboard (ratatui counts a cluster as one cell symbol)
/// as for a terminal that adds up its characters (xterm, VTE, tmux, vt100): see
/// [`grapheme_width`]. Clusters of several spacing characters (Devanagari conjuncts, Thai
/// ำ) are counted at that sum, the widest any terminal draws them.
pub fn clean(s: &str) -> String {
    // Most names are plain ASCII, which NFC leaves as it is: skip the normaliser.
    if s.bytes().all(|b| (b' '..b'\x7f').contains(&b)) {
        return s.to_string();
    }
    let out: String = if s.chars().all(|c| !c.is_control() && !is_unsafe_width(c) && !is_separator(c)) {
        s.nfc().collect()
    } else {
        strip(s).nfc().collect()
    };
    agree_per_cluster(out)
}

/// Removes escape sequences, control and unsafe characters; separators become one space.
fn strip(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\u{1b}' => match it.peek() {
                // CSI: parameters then one final byte in @..~
                Some('[') => {
                    it.next();
                    for n in it.by_ref() {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                }
                // OSC, DCS, SOS, PM, APC: up to BEL or ST (ESC \)
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    it.next();
                    while let Some(n) = it.next() {
                        if n == '\u{7}' {
                            break;
                        }
                        if n == '\u{1b}' {
                            if it.peek() == Some(&'\\') {
                                it.next();
                            }
                            break;
                        }
                    }
                }
                // Two-character escapes (ESC c, ESC 7, …)
                Some(_) => {
                    it.next();
                }
                None => {}
            },
            // C1 CSI / OSC introducers behave like their ESC forms on some terminals.
            '\u{9b}' => {
                for n in it.by_ref() {
                    if ('@'..='~').contains(&n) {
                        break;
                    }
                }
            }
            c if is_separator(c) => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if c.is_control() || is_unsafe_width(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Width of one character as a terminal that adds up characters counts it (ratatui's
/// exception included: halfwidth katakana sound marks take a cell).
fn char_cells(c: char) -> usize {
    if matches!(c, '\u{FF9E}' | '\u{FF9F}') {
        return 1;
    }
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
}

/// Width of one grapheme cluster as ratatui draws it (one cell symbol).
pub fn grapheme_width(g: &str) -> usize {
    UnicodeWidthStr::width(g) + g.chars().filter(|c| matches!(c, '\u{FF9E}' | '\u{FF9F}')).count()
}

/// What [`clean`] puts between the characters of a cluster that needs several cells: a
/// zero-width space, which ends a grapheme cluster for every terminal and for ratatui.
pub const CELL_BREAK: char = '\u{200B}';

/// Makes every grapheme cluster take the cells a terminal adding up characters gives it,
/// one spacing character per cluster:
/// - a cluster whose width as one symbol differs from the sum of its characters (emoji
///   sequences unicode-width knows, such as a keycap `1⃣` with its selector) keeps only the
///   characters that keep both counts equal;
/// - halfwidth katakana with a sound mark (`ｶﾞ`, 2 cells on a terminal, 3 for ratatui)
///   become the fullwidth letter (`ガ`, 2 for both);
/// - a cluster of several spacing characters (Devanagari `र्मा`, Thai `ำ` after its
///   consonant) gets a [`CELL_BREAK`] before each spacing character but the first: ratatui
///   would draw it as one 2- or 3-cell symbol, and when it later overwrites that cell, a
///   terminal that drew two characters erases only the first (stale glyphs, issue 19).
///   Each character then has its own cell, as in the terminal; [`plain`] takes the breaks
///   out where text leaves the screen (e-mails, JSON).
fn agree_per_cluster(s: String) -> String {
    // Latin, Greek, Cyrillic letters without combining marks: nothing can disagree.
    if s.chars().all(|c| (c as u32) < 0x300 || ('\u{370}'..'\u{483}').contains(&c)) {
        return s;
    }
    let s = if s.contains(['\u{FF9E}', '\u{FF9F}']) {
        s.graphemes(true)
            .map(|g| if g.contains(['\u{FF9E}', '\u{FF9F}']) { g.nfkc().collect() } else { g.to_string() })
            .collect()
    } else {
        s
    };
    let agrees = |g: &str| grapheme_width(g) == g.chars().map(char_cells).sum::<usize>();
    let spacing = |g: &str| g.chars().filter(|c| char_cells(*c) > 0).count();
    if s.graphemes(true).all(|g| agrees(g) && spacing(g) <= 1) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 8);
    for g in s.graphemes(true) {
        let mut kept = String::new();
        if agrees(g) {
            kept.push_str(g);
        } else {
            for c in g.chars() {
                let start = kept.len();
                kept.push(c);
                if !agrees(&kept) {
                    kept.truncate(start);
                }
            }
        }
        if spacing(&kept) <= 1 {
            out.push_str(&kept);
            continue;
        }
        let mut seen = false;
        for c in kept.chars() {
            if char_cells(c) > 0 {
                if seen {
                    out.push(CELL_BREAK);
                }
                seen = true;
            }
            out.push(c);
        }
    }
    out
}

/// Cleaned text without the [`CELL_BREAK`]s [`clean`] put in for the screen: for text that
/// leaves the terminal (an e-mail, a JSON report). `clean` drops every zero-width space it
/// is given, so each one here is a break.
pub fn plain(s: &str) -> Cow<'_, str> {
    if s.contains(CELL_BREAK) { Cow::Owned(s.replace(CELL_BREAK, "")) } else { Cow::Borrowed(s) }
}

/// Display width in terminal cells, as ratatui lays the text out: the sum of its grapheme
/// clusters (so a lam-alef pair, one cell for unicode-width as a whole string, counts the
/// two cells it takes on screen).
pub fn width(s: &str) -> usize {
    // Latin letters (no combining marks): one character, one grapheme, no ligature.
    if s.chars().all(|c| (c as u32) < 0x300) {
        return UnicodeWidthStr::width(s);
    }
    s.graphemes(true).map(grapheme_width).sum()
}

/// Whether `s` holds nothing [`clean`] would drop (control characters, characters
/// terminals disagree on; its own cell breaks are fine). A quick check, not a full clean.
fn is_clean(s: &str) -> bool {
    if s.is_ascii() {
        return !s.bytes().any(|b| b < b' ' || b == 0x7f);
    }
    !s.chars().any(|c| c.is_control() || is_separator(c) || (c != CELL_BREAK && is_unsafe_width(c)))
}

/// Cuts `s` to at most `max` cells, ending with `…` when something was cut. Never splits a
/// grapheme cluster and never leaves half of a wide character.
pub fn fit(s: &str, max: usize) -> Cow<'_, str> {
    if !is_clean(s) {
        // Text that skipped `clean` still never reaches a cell with what terminals
        // disagree on.
        return Cow::Owned(fit(&clean(s), max).into_owned());
    }
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = grapheme_width(g);
        if used + w > max - 1 {
            break;
        }
        out.push_str(g);
        used += w;
    }
    out.push('…');
    Cow::Owned(out)
}

/// Like [`fit`] but cuts from the start, for paths whose end matters: `…/share/demo.sqlite`.
pub fn fit_start(s: &str, max: usize) -> Cow<'_, str> {
    if !is_clean(s) {
        return Cow::Owned(fit_start(&clean(s), max).into_owned());
    }
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut kept: Vec<&str> = Vec::new();
    let mut used = 0;
    for g in s.graphemes(true).rev() {
        let w = grapheme_width(g);
        if used + w > max - 1 {
            break;
        }
        kept.push(g);
        used += w;
    }
    kept.reverse();
    Cow::Owned(format!("…{}", kept.concat()))
}

/// Fits a figure (a count, a score, a time such as `1234:00:00`, a negative value) in `max`
/// cells without ever losing its start: the sign and the most significant digits stay, and
/// `…` marks that the end was cut (`1234:00:00` in 8 cells is `1234:00…`, never `34:00:00`).
/// Right-aligned cells must use this (or widen the column): a right-aligned text wider
/// than its cell otherwise loses its first characters, which reads as another number.
pub fn fit_number(s: &str, max: usize) -> Cow<'_, str> {
    // The same cut as `fit`: from the end, at a grapheme boundary, marked.
    fit(s, max)
}

/// [`fit_number`] right-aligned in exactly `w` cells.
pub fn pad_number(s: &str, w: usize) -> String {
    let f = fit_number(s, w);
    let n = w.saturating_sub(width(&f));
    format!("{}{f}", " ".repeat(n))
}

/// Pads or cuts to exactly `w` cells (left-aligned).
pub fn pad(s: &str, w: usize) -> String {
    let f = fit(s, w);
    let n = w.saturating_sub(width(&f));
    format!("{f}{}", " ".repeat(n))
}

/// Word wrap by display width; words longer than a line are cut at grapheme boundaries.
/// Always returns at least one (possibly empty) line.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = vec![String::new()];
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        let cur_w = width_of_last(&lines);
        let sep = usize::from(cur_w > 0);
        if cur_w + sep + self::width(word) <= width {
            let cur = lines.last_mut().expect("at least one line");
            if sep == 1 {
                cur.push(' ');
            }
            cur.push_str(word);
            continue;
        }
        if cur_w > 0 {
            lines.push(String::new());
        }
        // Too long for a line of its own: cut it.
        for g in word.graphemes(true) {
            if width_of_last(&lines) + self::width(g) > width {
                lines.push(String::new());
            }
            lines.last_mut().expect("at least one line").push_str(g);
        }
    }
    lines
}

fn width_of_last(lines: &[String]) -> usize {
    lines.last().map(|l| width(l)).unwrap_or(0)
}

/// Lowercase without diacritics: "Lefèvre" → "lefevre", for sorting and plain matching.
/// What [`clean`] drops is ignored too, so "dupont" finds "DU\u{AD}PONT" (soft hyphen).
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c) && !is_unsafe_width(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A compiled filter, ignoring case and accents; an empty query keeps everything. Terms are
/// separated by spaces and must all match. Each term is first looked for as a substring;
/// only when no row matches that way are the terms matched fuzzily (letters in order with
/// gaps), so "avtvnt" still finds "avant-vente" while "avant vente" does not also find
/// rows that merely scatter those letters.
pub struct Fuzzy {
    exact: Option<Pattern>,
    fuzzy: Option<Pattern>,
    matcher: Matcher,
}

impl Fuzzy {
    pub fn new(query: &str) -> Self {
        let q = fold(query.trim());
        let make = |kind| {
            (!q.is_empty()).then(|| Pattern::new(&q, CaseMatching::Ignore, Normalization::Smart, kind))
        };
        Fuzzy {
            exact: make(AtomKind::Substring),
            fuzzy: make(AtomKind::Fuzzy),
            matcher: Matcher::new(Config::DEFAULT),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_none()
    }

    /// The keys (in the given order) whose haystack matches.
    pub fn filter<'a, K: Copy>(
        &mut self,
        rows: impl Iterator<Item = (K, &'a Utf32String)> + Clone,
    ) -> Vec<K> {
        let (Some(exact), Some(fuzzy)) = (&self.exact, &self.fuzzy) else {
            return rows.map(|(k, _)| k).collect();
        };
        let m = &mut self.matcher;
        let hits: Vec<K> =
            rows.clone().filter(|(_, h)| exact.score(h.slice(..), m).is_some()).map(|(k, _)| k).collect();
        if !hits.is_empty() {
            return hits;
        }
        rows.filter(|(_, h)| fuzzy.score(h.slice(..), m).is_some()).map(|(k, _)| k).collect()
    }
}

/// Prepares text for [`Fuzzy::filter`], once per row rather than once per keystroke.
pub fn haystack(parts: &[&str]) -> Utf32String {
    Utf32String::from(fold(&parts.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escape_sequences_and_controls() {
        assert_eq!(clean("AGASSE\x1b[31m Sam\x1b[0m"), "AGASSE Sam");
        assert_eq!(clean("x\x1b]0;pwned\x07y"), "xy");
        assert_eq!(clean("x\x1b]8;;http://e\x1b\\link\x1b]8;;\x1b\\y"), "xlinky");
        assert_eq!(clean("a\x07b\x08c\x00d\x7f"), "abcd");
        assert_eq!(clean("a\u{9b}2Jb"), "ab");
        assert_eq!(clean("line1\nline2\r\n\tx"), "line1 line2 x");
        assert_eq!(clean("\u{202E}evil\u{202C}"), "evil");
        assert_eq!(clean("trail\x1b"), "trail");
    }

    #[test]
    fn normalises_to_nfc() {
        let decomposed = "Zoe\u{0301}"; // e + combining acute
        assert_eq!(clean(decomposed), "Zoé");
        assert_eq!(width(&clean(decomposed)), 3);
    }

    #[test]
    fn fits_by_display_width() {
        assert_eq!(fit("Lefèvre", 10), "Lefèvre");
        assert_eq!(fit("Lefèvre Marie", 8), "Lefèvre…");
        assert_eq!(fit("李小龙李小龙", 7), "李小龙…");
        assert_eq!(width(&fit("李小龙李小龙", 6)), 5); // never half a wide char
        // A joined emoji family is one 2-cell glyph or four 2-cell emoji depending on the
        // terminal: fit, like clean, keeps the emoji without their joiners.
        assert_eq!(fit("👩‍👩‍👧‍👦 family", 3), "👩…");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(fit_start("/home/user/.local/share/tutorat/demo.sqlite", 20), "…tutorat/demo.sqlite");
    }

    /// Names holding what terminals disagree on, as seen in issue 19.
    const TROUBLE: &[&str] = &[
        "BARRÉ🇫🇷",
        "A🇫B",
        "LAURENT👍🏽",
        "DU\u{AD}PONT",
        "MARTIN\u{2028}Paul\u{2029}",
        "\u{3164}KIM\u{115F}JI\u{1160}\u{FFA0}",
        "ROSE❤️",
        "VARIANT😀\u{FE0E}",
        "NOËL👩‍👩‍👧",
        "SCOTT🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
        "KEYCAP1\u{FE0F}\u{20E3}",
        "शर्मा",
        "क्षितिज",
        "น้ำใจ",
        "สมชาย",
        "علاء",
        "\u{0600}12",
        "각\u{1100}\u{1161}\u{11A8}",
        "ｶﾞｷﾞ",
    ];

    /// The width a terminal that adds up characters gives (vt100, as the PTY tests use).
    fn terminal_width(s: &str) -> usize {
        let nz = |n| std::num::NonZero::new(n).unwrap();
        let mut p = vt100::Parser::new(nz(2), nz(200), 0);
        p.process(s.as_bytes());
        usize::from(p.screen().cursor_position().1)
    }

    #[test]
    fn drops_or_replaces_what_terminals_disagree_on() {
        assert_eq!(clean("BARRÉ🇫🇷"), "BARRÉ");
        assert_eq!(clean("LAURENT👍🏽"), "LAURENT👍");
        assert_eq!(clean("DU\u{AD}PONT"), "DUPONT");
        assert_eq!(clean("MARTIN\u{2028}Paul\u{2029}"), "MARTIN Paul ");
        assert_eq!(clean("\u{3164}KIM\u{115F}JI\u{1160}\u{FFA0}"), "KIMJI");
        assert_eq!(clean("ROSE❤️"), "ROSE❤");
        assert_eq!(clean("NOËL👩‍👩‍👧"), "NOËL👩👩👧");
        assert_eq!(clean("SCOTT🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}"), "SCOTT🏴");
        // Clusters of several spacing characters: one cell each, the text otherwise intact.
        assert_eq!(clean("शर्मा"), "शर्\u{200B}म\u{200B}ा");
        assert_eq!(clean("น้ำใจ"), "น้\u{200B}ำใจ");
        assert_eq!(plain(&clean("शर्मा")), "शर्मा");
        assert_eq!(plain("Zoé"), "Zoé");
        for s in TROUBLE {
            let c = clean(s);
            assert!(!c.chars().any(|c| c != CELL_BREAK && is_unsafe_width(c)), "{s:?} → {c:?}");
            for g in c.graphemes(true) {
                assert_eq!(grapheme_width(g), g.chars().map(char_cells).sum::<usize>(), "{s:?}: {g:?}");
                assert!(g.chars().filter(|c| char_cells(*c) > 0).count() <= 1, "{s:?}: {g:?} in one cell");
            }
            assert_eq!(width(&c), terminal_width(&c), "{s:?} → {c:?}: the terminal disagrees");
            assert_eq!(clean(&c), c, "clean is idempotent on {s:?}");
            // Whatever is cut, the piece is as wide for the terminal as counted.
            for max in 0..width(&c) + 1 {
                let f = fit(&c, max);
                assert!(width(&f) <= max);
                assert_eq!(width(&f), terminal_width(&f), "{c:?} fitted to {max}");
            }
        }
        // Before cleaning, the same names are not all safe: the test above means something.
        assert!(TROUBLE.iter().any(|s| width(s) != terminal_width(s)));
    }

    /// Draws frames with ratatui's crossterm backend into vt100 and checks, after each, that
    /// the terminal shows what ratatui believes it shows (`None`: it does).
    fn drawn_vs_shown(frames: &[&[(u16, &str)]]) -> Option<String> {
        use ratatui::backend::CrosstermBackend;
        use ratatui::layout::Rect;
        use ratatui::text::Line;
        use ratatui::{Terminal, TerminalOptions, Viewport};
        #[derive(Clone, Default)]
        struct Wire(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);
        impl std::io::Write for Wire {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.borrow_mut().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let area = Rect::new(0, 0, 24, 2);
        let wire = Wire::default();
        let backend = CrosstermBackend::new(wire.clone());
        let mut term =
            Terminal::with_options(backend, TerminalOptions { viewport: Viewport::Fixed(area) }).ok()?;
        let nz = |n| std::num::NonZero::new(n).unwrap();
        let mut vt = vt100::Parser::new(nz(2), nz(24), 0);
        for (i, frame) in frames.iter().enumerate() {
            let drawn = term
                .draw(|f| {
                    for (x, text) in *frame {
                        f.render_widget(Line::from(*text), Rect::new(*x, 0, 24 - x, 1));
                    }
                })
                .ok()?
                .buffer
                .clone();
            let bytes = std::mem::take(&mut *wire.0.borrow_mut());
            vt.process(&bytes);
            let mut want = String::new();
            let mut skip = 0;
            for x in 0..24 {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let sym = drawn[(x, 0)].symbol();
                skip = grapheme_width(sym).saturating_sub(1);
                want.push_str(sym);
            }
            let shown: String = vt.screen().rows(0, 24).next().unwrap_or_default();
            let (want, shown) = (plain(want.trim_end()).into_owned(), plain(shown.trim_end()).into_owned());
            if want != shown {
                return Some(format!("frame {i}: drew {want:?}, the terminal shows {shown:?}"));
            }
        }
        None
    }

    #[test]
    fn overwriting_a_name_leaves_nothing_behind() {
        let mut raw_fails = 0;
        for s in TROUBLE {
            let c = clean(s);
            // Drawn, blanked, then overwritten by shorter text, shifted by one.
            let frames = |t: &str| -> Option<String> {
                drawn_vs_shown(&[&[(1, t)], &[], &[(0, t)], &[(0, "ab")], &[(2, t)], &[(1, "x")]])
            };
            assert_eq!(frames(&c), None, "{s:?} cleaned to {c:?}");
            raw_fails += usize::from(frames(s).is_some());
        }
        assert!(raw_fails > 0, "without cleaning, some of these leave glyphs behind");
    }

    #[test]
    fn fit_cleans_what_was_not() {
        assert_eq!(fit("DU\u{AD}PONT Anne", 20), "DUPONT Anne");
        assert_eq!(fit("a\x1b[31mbc", 2), "a…");
        assert_eq!(fit("LAURENT👍🏽 Paul", 10), "LAURENT👍…");
        assert_eq!(fit_start("/tmp/\u{2028}x", 20), "/tmp/ x");
        let cleaned = clean("शर्मा");
        assert!(matches!(fit(&cleaned, 10), Cow::Borrowed(_)), "clean text is not cleaned again");
    }

    #[test]
    fn width_is_what_ratatui_lays_out() {
        // lam-alef: one cell for unicode-width as a string, two cells on screen.
        assert_eq!(width("علاء"), 4);
        assert_eq!(width("李小龙"), 6);
        assert_eq!(width("ｶﾞ"), 3, "ratatui adds a cell for halfwidth sound marks");
        assert_eq!(clean("ｶﾞｷﾞ"), "ガギ", "which clean turns into the fullwidth letters");
        assert_eq!(width("Zoé"), 3);
    }

    #[test]
    fn fold_ignores_invisible_characters() {
        assert_eq!(fold("DU\u{AD}PONT"), "dupont");
        assert_eq!(fold("BARRÉ🇫🇷"), "barre");
        let rows = [haystack(&["DU\u{AD}PONT Anne"])];
        assert_eq!(Fuzzy::new("dupont").filter(rows.iter().enumerate()), [0]);
    }

    #[test]
    fn numbers_keep_their_start() {
        assert_eq!(fit_number("1234:00:00", 10), "1234:00:00");
        assert_eq!(fit_number("1234:00:00", 9), "1234:00:…");
        assert_eq!(fit_number("10000:00:00", 8), "10000:0…");
        assert_eq!(fit_number("-12345", 4), "-12…");
        assert_eq!(fit_number("-5", 2), "-5");
        assert_eq!(fit_number("12", 1), "…");
        assert_eq!(fit_number("12", 0), "");
        assert_eq!(fit_number("87,5\u{a0}%", 4), "87,…");
        assert_eq!(pad_number("42", 5), "   42");
        assert_eq!(pad_number("1234:00:00", 8), "1234:00…");
        assert_eq!(pad_number("-1234", 3), "-1…");
        for (s, w) in [("1234:00:00", 7), ("-99999", 3), ("100\u{a0}%", 4)] {
            let f = pad_number(s, w);
            assert_eq!(width(&f), w);
            assert_eq!(f.chars().next(), s.chars().next(), "the first character stays: {s} in {w}");
        }
    }

    #[test]
    fn wraps_by_width() {
        assert_eq!(wrap("terminal too small: 60×20", 10), vec!["terminal", "too small:", "60×20"]);
        assert_eq!(wrap("", 10), vec![""]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a 李小龙李小龙", 5), vec!["a", "李小", "龙李", "小龙"]);
        for l in wrap(&"mot ".repeat(500), 17) {
            assert!(width(&l) <= 17);
        }
    }

    #[test]
    fn folds_accents() {
        assert_eq!(fold("Élodie LEFÈVRE"), "elodie lefevre");
        assert_eq!(fold("Noël"), "noel");
        // The ASCII shortcuts give what the general path gives.
        assert_eq!(fold("Le GOFF-x 2"), "le goff-x 2");
        assert_eq!(clean("DUPONT Jean-Marc ~"), "DUPONT Jean-Marc ~");
        assert_eq!(clean("tab\there"), "tab here");
    }

    #[test]
    fn filter_is_accent_and_case_insensitive_substring_first() {
        let rows = [
            haystack(&["Cours 1 : L'avant-vente"]),
            haystack(&["OAS CCU Agent bagagiste avant contrat", "Agents aéroport"]),
            haystack(&["LEFÈVRE Élodie"]),
        ];
        let run = |q: &str| Fuzzy::new(q).filter(rows.iter().enumerate());
        assert_eq!(run("avant vente"), [0], "scattered letters do not count when words match");
        assert_eq!(run("AVANT"), [0, 1]);
        assert_eq!(run("avtvnt"), [0], "fuzzy when nothing matches as a substring");
        assert_eq!(run("lefevre elo"), [2]);
        assert_eq!(run("élodie"), [2]);
        assert_eq!(run("apres"), Vec::<usize>::new());
        assert_eq!(run(""), [0, 1, 2]);
        assert_eq!(run("!^$'"), Vec::<usize>::new(), "no query syntax: special characters are text");
    }
}
