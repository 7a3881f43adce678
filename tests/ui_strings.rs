//! One language: every user-facing string of the command line (and, once the dashboard is
//! done, of the dashboard) comes from the catalogues (assets/locales/*.toml). This test
//! reads the sources and fails on a string literal that holds words, outside:
//! - attributes (`#[arg(value_name = "URL")]`: clap's help stays English), comments;
//! - log messages (`tracing::…!`), panics and `expect("…")` (developers read those);
//! - `#[cfg(test)]` modules;
//! - what is not prose: catalogue keys (`"chars.remind_counts"`), identifiers and JSON
//!   names (`"enrolment_id"`), environment variables (`"DATABASE_URL"`), flags
//!   (`"--db"`), configuration keys (`"[display] locale"`), file names, formats.
//!
//! The short list below holds the exceptions, each with its reason. (clap's `--help` texts
//! are doc comments and attributes: they stay English, like clap's own words.)

use std::path::{Path, PathBuf};

/// (file, literal): allowed exceptions.
const ALLOWED: &[(&str, &str, &str)] = &[
    ("src/tui/list.rs", "Keep(..)", "a Debug impl, never shown to a user"),
    (
        "src/tui/remind_tasks.rs",
        "reminders are not configured",
        "a fallback never reached: the dashboard always gives the reason with no reminders",
    ),
];

/// A literal found in a source file.
#[derive(Debug)]
struct Literal {
    line: usize,
    text: String,
}

/// The string literals of `src` that are not in comments, attributes, log or panic
/// macros, `expect(…)` or test modules.
fn literals(src: &str) -> Vec<Literal> {
    let b: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    // Bracket depth, and the depths at which an ignored region (attribute, macro call) ends.
    let mut depth: i64 = 0;
    let mut ignore_until: Vec<i64> = Vec::new();
    let mut pending_ignore = false;
    let mut cfg_test = false;
    let mut word = String::new();
    while i < b.len() {
        let c = b[i];
        if c == '\n' {
            line += 1;
        }
        // Comments.
        if c == '/' && b.get(i + 1) == Some(&'/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && b.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                if b[i] == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 2;
            continue;
        }
        // Char literals and lifetimes: skip 'x', '\n', '\u{..}'; a lifetime has no closing quote.
        if c == '\'' {
            if b.get(i + 1) == Some(&'\\') {
                let mut j = i + 2;
                while j < b.len() && b[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                continue;
            }
            if b.get(i + 2) == Some(&'\'') {
                i += 3;
                continue;
            }
            i += 1;
            continue;
        }
        // Strings: "…" and raw r"…" / r#"…"#.
        let raw = c == 'r'
            && (b.get(i + 1) == Some(&'"') || b.get(i + 1) == Some(&'#'))
            && !word_char(b.get(i.wrapping_sub(1)));
        if c == '"' || raw {
            let start_line = line;
            let mut text = String::new();
            if raw {
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) != Some(&'"') {
                    i += 1;
                    continue;
                }
                j += 1;
                loop {
                    if j >= b.len() {
                        break;
                    }
                    if b[j] == '"' && (0..hashes).all(|h| b.get(j + 1 + h) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    if b[j] == '\n' {
                        line += 1;
                    }
                    text.push(b[j]);
                    j += 1;
                }
                i = j;
            } else {
                let mut j = i + 1;
                while j < b.len() && b[j] != '"' {
                    if b[j] == '\\' {
                        if b.get(j + 1) == Some(&'\n') {
                            line += 1;
                        }
                        text.push(' ');
                        j += 2;
                        continue;
                    }
                    if b[j] == '\n' {
                        line += 1;
                    }
                    text.push(b[j]);
                    j += 1;
                }
                i = j + 1;
            }
            if ignore_until.is_empty() && !cfg_test {
                out.push(Literal { line: start_line, text });
            }
            word.clear();
            continue;
        }
        if word_char(Some(&c)) || c == ':' || c == '!' {
            word.push(c);
        } else {
            if !word.is_empty() {
                let w = std::mem::take(&mut word);
                let ignored = w.starts_with("tracing::")
                    || matches!(
                        w.as_str(),
                        "expect"
                            | "panic!"
                            | "unreachable!"
                            | "debug_assert!"
                            | "assert!"
                            | "assert_eq!"
                            | "todo!"
                    )
                    || w.starts_with("debug_assert");
                if ignored {
                    pending_ignore = true;
                }
                if w == "mod" && cfg_test_pending(&b, i) {
                    cfg_test = true;
                }
            }
            if c == '#' && b.get(i + 1) == Some(&'[') {
                pending_ignore = true;
            }
        }
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                if pending_ignore {
                    ignore_until.push(depth);
                    pending_ignore = false;
                }
                if cfg_test && c == '{' && !ignore_until.contains(&-depth) {
                    ignore_until.push(-depth);
                }
            }
            ')' | ']' | '}' => {
                if ignore_until.last() == Some(&depth) {
                    ignore_until.pop();
                }
                if ignore_until.last() == Some(&-depth) {
                    ignore_until.pop();
                    cfg_test = false;
                }
                depth -= 1;
            }
            ';' => pending_ignore = false,
            _ => {}
        }
        i += 1;
    }
    out
}

fn word_char(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// Whether the `mod` just read follows a `#[cfg(test)]`.
fn cfg_test_pending(b: &[char], at: usize) -> bool {
    let before: String = b[..at.saturating_sub(3)].iter().collect();
    before.trim_end().ends_with("#[cfg(test)]")
}

/// Whether a literal is prose a user reads (and so belongs in the catalogues).
fn is_prose(s: &str) -> bool {
    // Placeholders are not words.
    let mut t = String::new();
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ if depth == 0 => t.push(c),
            _ => {}
        }
    }
    let t = t.trim();
    let ident = |w: &str| w.chars().all(|c| c.is_ascii_alphanumeric() || "_.-/:".contains(c));
    if t.is_empty() || ident(t) {
        return false; // keys, identifiers, file names, flags, URLs, formats
    }
    // A configuration reference: "[display] locale".
    if t.starts_with('[') && t.split_once("] ").is_some_and(|(_, k)| ident(k)) {
        return false;
    }
    let words: Vec<&str> = t
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 2 && w.chars().any(|c| c.is_lowercase()))
        .collect();
    !words.is_empty()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every prose literal of these files and folders, as `file:line: "text"`.
fn offenders(roots: &[&str]) -> Vec<String> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for r in roots {
        let p = base.join(r);
        if p.is_dir() {
            rust_files(&p, &mut files);
        } else {
            files.push(p);
        }
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let rel = f.strip_prefix(base).unwrap().display().to_string();
        let src = std::fs::read_to_string(&f).unwrap();
        for l in literals(&src) {
            let allowed = ALLOWED.iter().any(|(file, text, _)| *file == rel && *text == l.text);
            if is_prose(&l.text) && !allowed {
                out.push(format!("{rel}:{}: {:?}", l.line, l.text));
            }
        }
    }
    out
}

#[test]
fn the_scanner_finds_prose_and_only_prose() {
    let src = r##"
        // "a comment with words"
        #[arg(long, value_name = "USERNAME", help = "Attribute words")]
        fn f() {
            let a = loc.t("chars.remind_counts");
            let b = format!("{} <{}>", x, y);
            tracing::warn!(error = %e, "a log message");
            let c = x.expect("a developer message");
            let d = "Hard-coded words";
            let e = json!({"enrolment_id": 1, "reason": why.code()});
            let f = env.var("DATABASE_URL");
            let g = ("--locale", "[display] locale", "demo.sqlite", "%d/%m/%Y", "…");
            let h = r#"raw "quoted" prose"#;
            let i = 'x';
            let j = '\'';
            panic!("boom goes {x}");
        }
        #[cfg(test)]
        mod tests {
            fn t() { let x = "test prose is fine"; }
        }
        fn after() { let y = "prose after tests"; }
    "##;
    let found: Vec<String> =
        literals(src).into_iter().filter(|l| is_prose(&l.text)).map(|l| l.text).collect();
    assert_eq!(found, ["Hard-coded words", "raw \"quoted\" prose", "prose after tests"]);
}

#[test]
fn the_command_line_speaks_through_the_catalogues() {
    let found = offenders(&["src/cli", "src/main.rs"]);
    assert!(found.is_empty(), "user-facing text outside the catalogues:\n{}", found.join("\n"));
}

#[test]
fn the_dashboard_speaks_through_the_catalogues() {
    let found = offenders(&["src/tui"]);
    assert!(found.is_empty(), "{} user-facing literals in src/tui:\n{}", found.len(), found.join("\n"));
}
