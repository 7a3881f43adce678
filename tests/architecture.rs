//! The layers of the crate, read from its sources: imports point down only.
//!
//! cli/serve → tui → reminders/import/sync/documents → store → model, with `text`, `config`
//! and `locale` at the side. Nothing below the UI imports `crate::tui`; the model imports
//! neither the store nor the reminders; the CLI commands do not import the UI (the binary,
//! `src/main.rs`, starts the dashboard); and no files of `src/tui` import each other in a
//! circle. Each file's `crate::`, `super::` and `self::` paths (in `use` lines and in code)
//! are resolved to the file of the module they name; test modules are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules below the UI: none of them may reach `crate::tui`.
const BELOW_UI: &[&str] =
    &["model", "store", "reminders", "config", "locale", "text", "import", "sync", "documents"];

/// A source file and the module path it defines (`src/tui/app/mod.rs` → `tui::app`).
struct Source {
    file: String,
    module: Vec<String>,
    text: String,
}

fn sources() -> Vec<Source> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read src") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
            let mut module: Vec<String> =
                rel.trim_end_matches(".rs").split('/').map(str::to_string).collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                module.pop();
            }
            let text = std::fs::read_to_string(&p).expect("read source");
            Source { file: format!("src/{rel}"), module, text: code_only(&text) }
        })
        .collect()
}

/// The code of a file without comments, string literals and its test module.
fn code_only(src: &str) -> String {
    let src = match src.find("#[cfg(test)]") {
        Some(i) => &src[..i],
        None => src,
    };
    let mut out = String::with_capacity(src.len());
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
            }
            // A char literal ('"' would open a string otherwise); lifetimes are left as they are.
            b'\'' if b.get(i + 2) == Some(&b'\'') || (b.get(i + 1) == Some(&b'\\')) => {
                i += 1;
                while i < b.len() && b[i] != b'\'' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("' '");
            }
            c => {
                out.push(c as char);
                i += 1;
            }
        }
    }
    out
}

/// Every path that starts with `crate`, `super` or `self`, with `{…}` groups expanded:
/// `use crate::tui::{app::App, keymap}` gives `crate::tui::app::App` and `crate::tui::keymap`.
fn paths(code: &str) -> Vec<Vec<String>> {
    let b: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    while i < b.len() {
        let starts = ["crate", "super", "self"].iter().find(|w| {
            let w: Vec<char> = w.chars().collect();
            b[i..].starts_with(&w)
                && (i == 0 || !ident(b[i - 1]) && b[i - 1] != ':')
                && b[i + w.len()..].starts_with(&[':', ':'])
        });
        match starts {
            Some(w) => {
                let (mut found, end) = parse_path(&b, i, w.len());
                out.append(&mut found);
                i = end;
            }
            None => i += 1,
        }
    }
    out
}

/// Parses `head::a::b` or `head::a::{x, y::z}` from `start`; returns the paths and where it ended.
fn parse_path(b: &[char], start: usize, head_len: usize) -> (Vec<Vec<String>>, usize) {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut segs = vec![b[start..start + head_len].iter().collect::<String>()];
    let mut i = start + head_len;
    loop {
        if !b[i..].starts_with(&[':', ':']) {
            return (vec![segs], i);
        }
        i += 2;
        while i < b.len() && b[i].is_whitespace() {
            i += 1;
        }
        if i < b.len() && b[i] == '{' {
            let mut all = Vec::new();
            i += 1;
            loop {
                while i < b.len() && (b[i].is_whitespace() || b[i] == ',') {
                    i += 1;
                }
                if i >= b.len() || b[i] == '}' {
                    return (all, i + 1);
                }
                let s = i;
                while i < b.len() && ident(b[i]) {
                    i += 1;
                }
                if i == s {
                    // `*` or `self` or something this reader does not follow: the group's prefix.
                    all.push(segs.clone());
                    i += 1;
                    continue;
                }
                let (sub, end) = parse_path(b, s, i - s);
                for mut p in sub {
                    let mut full = segs.clone();
                    full.append(&mut p);
                    if full.last().is_some_and(|s| s == "self") {
                        full.pop();
                    }
                    all.push(full);
                }
                i = end;
            }
        }
        let s = i;
        while i < b.len() && ident(b[i]) {
            i += 1;
        }
        if i == s {
            return (vec![segs], i);
        }
        segs.push(b[s..i].iter().collect());
    }
}

/// The module a path lands in: the longest prefix naming a module with a file.
fn resolve(from: &[String], path: &[String], modules: &BTreeSet<Vec<String>>) -> Vec<String> {
    let mut base: Vec<String> = Vec::new();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => rest = &path[1..],
        Some("self" | "super") => {
            base = from.to_vec();
            while let Some(s) = rest.first() {
                match s.as_str() {
                    "self" => {}
                    "super" => {
                        base.pop();
                    }
                    _ => break,
                }
                rest = &rest[1..];
            }
        }
        _ => {}
    }
    for seg in rest {
        let mut next = base.clone();
        next.push(seg.clone());
        if !modules.contains(&next) {
            break;
        }
        base = next;
    }
    base
}

/// A module's path from the crate root (`["tui", "app"]`).
type Module = Vec<String>;

/// Edges module → modules it imports.
fn graph() -> (Vec<Source>, BTreeMap<Module, BTreeSet<Module>>) {
    let sources = sources();
    let modules: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for s in &sources {
        // The binary is its own crate: it reaches the library as `tutorat::`.
        if s.file == "src/main.rs" {
            continue;
        }
        let set = edges.entry(s.module.clone()).or_default();
        for p in paths(&s.text) {
            let to = resolve(&s.module, &p, &modules);
            if to != s.module && !to.is_empty() {
                set.insert(to);
            }
        }
    }
    (sources, edges)
}

fn name(m: &[String]) -> String {
    if m.is_empty() { "crate".into() } else { m.join("::") }
}

fn under(m: &[String], top: &str) -> bool {
    m.first().is_some_and(|s| s == top)
}

#[test]
fn the_reader_follows_groups_and_relative_paths() {
    let p = paths("use crate::tui::{app::App, keymap::{self, Context}};\nlet x = super::super::a::B;");
    let text: Vec<String> = p.iter().map(|x| x.join("::")).collect();
    assert_eq!(
        text,
        ["crate::tui::app::App", "crate::tui::keymap", "crate::tui::keymap::Context", "super::super::a::B"]
    );
    assert!(paths(&code_only("// use crate::tui::x;\nlet s = \"crate::tui::y\"; let c = '\"';")).is_empty());
    let modules: BTreeSet<Vec<String>> = [vec!["tui"], vec!["tui", "app"], vec!["tui", "keymap"]]
        .into_iter()
        .map(|m| m.into_iter().map(String::from).collect())
        .collect();
    let from: Vec<String> = vec!["tui".into(), "app".into()];
    let r = |s: &str| name(&resolve(&from, &s.split("::").map(String::from).collect::<Vec<_>>(), &modules));
    assert_eq!(r("super::keymap::Context"), "tui::keymap");
    assert_eq!(r("crate::tui::app::App"), "tui::app");
    assert_eq!(r("self::App"), "tui::app");
}

#[test]
fn nothing_below_the_ui_imports_it() {
    let (_, edges) = graph();
    let mut bad = Vec::new();
    for (from, tos) in &edges {
        for to in tos {
            let below = BELOW_UI.iter().any(|t| under(from, t));
            if below && under(to, "tui") {
                bad.push(format!("{} imports {}", name(from), name(to)));
            }
            if under(from, "model") && (under(to, "store") || under(to, "reminders")) {
                bad.push(format!("{} (model) imports {}", name(from), name(to)));
            }
            if under(from, "cli") && under(to, "tui") {
                bad.push(format!(
                    "{} (a command) imports {}: only main.rs starts the dashboard",
                    name(from),
                    name(to)
                ));
            }
        }
    }
    assert!(bad.is_empty(), "imports that point up:\n{}", bad.join("\n"));
}

#[test]
fn the_binary_reaches_the_ui_only_to_start_the_dashboard() {
    let (sources, _) = graph();
    let main = sources.iter().find(|s| s.file == "src/main.rs").expect("src/main.rs");
    // What starting the dashboard takes: its state, the terminal, and the task context.
    let allowed = ["app", "run", "terminal", "theme", "ui", "frame", "remind_tasks"];
    let mut bad = Vec::new();
    for (i, _) in main.text.match_indices("tutorat::tui::") {
        let rest = &main.text[i + "tutorat::tui::".len()..];
        let first: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if !allowed.contains(&first.as_str()) {
            bad.push(first);
        }
    }
    assert!(bad.is_empty(), "main.rs reaches into the UI for {bad:?}");
}

#[test]
fn no_circle_of_imports_inside_the_ui() {
    let (_, edges) = graph();
    let tui: BTreeMap<&Vec<String>, Vec<&Vec<String>>> = edges
        .iter()
        .filter(|(m, _)| under(m, "tui"))
        .map(|(m, tos)| (m, tos.iter().filter(|t| under(t, "tui")).collect()))
        .collect();
    // Tarjan's strongly connected components: any with two modules or more is a circle.
    struct Walk<'a> {
        g: &'a BTreeMap<&'a Vec<String>, Vec<&'a Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on: BTreeSet<&'a Vec<String>>,
        circles: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a Vec<String>) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            self.on.insert(v);
            for w in self.g.get(v).cloned().unwrap_or_default() {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let l = self.low[w].min(self.low[v]);
                    self.low.insert(v, l);
                } else if self.on.contains(w) {
                    let l = self.index[w].min(self.low[v]);
                    self.low.insert(v, l);
                }
            }
            if self.low[v] == self.index[v] {
                let mut scc = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on.remove(w);
                    scc.push(name(w));
                    if w == v {
                        break;
                    }
                }
                if scc.len() > 1 {
                    scc.sort();
                    self.circles.push(scc);
                }
            }
        }
    }
    let mut walk = Walk {
        g: &tui,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        circles: Vec::new(),
    };
    for v in tui.keys() {
        if !walk.index.contains_key(*v) {
            walk.visit(v);
        }
    }
    assert!(
        walk.circles.is_empty(),
        "modules of src/tui that import each other in a circle: {:?}",
        walk.circles
    );
}
