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

/// Makes database text safe and tidy to draw: escape sequences (CSI, OSC, …) and control
/// characters are removed, bidi controls dropped, line breaks and tabs become spaces, and
/// the result is NFC-normalised so combining accents measure like precomposed ones.
pub fn clean(s: &str) -> String {
    // Most names are plain ASCII, which NFC leaves as it is: skip the normaliser.
    if s.bytes().all(|b| (b' '..b'\x7f').contains(&b)) {
        return s.to_string();
    }
    if s.chars().all(|c| !c.is_control() && !is_format_control(c)) {
        return s.nfc().collect();
    }
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
            '\n' | '\r' | '\t' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if c.is_control() || is_format_control(c) => {}
            c => out.push(c),
        }
    }
    out.nfc().collect()
}

/// Display width in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `max` cells, ending with `…` when something was cut. Never splits a
/// grapheme cluster and never leaves half of a wide character.
pub fn fit(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = width(g);
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
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut kept: Vec<&str> = Vec::new();
    let mut used = 0;
    for g in s.graphemes(true).rev() {
        let w = width(g);
        if used + w > max - 1 {
            break;
        }
        kept.push(g);
        used += w;
    }
    kept.reverse();
    Cow::Owned(format!("…{}", kept.concat()))
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
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
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
        assert_eq!(fit("👩‍👩‍👧‍👦 family", 3), "👩‍👩‍👧‍👦…");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(fit_start("/home/user/.local/share/tutorat/demo.sqlite", 20), "…tutorat/demo.sqlite");
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
