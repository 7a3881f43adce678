//! Message templates: `assets/templates/<lang>/<name>.txt` compiled into the binary, plus
//! an optional folder of the user's own (`<dir>/<lang>/<name>.txt`) that adds or overrides.
//!
//! A file starts with header lines up to the first blank line: `Subject: …` first
//! (itself a template), then optionally `Title: …` (the name shown in the dialog) and
//! `For: …` (the learner states it is written for: `never_connected`, `not_started`,
//! `in_progress`, `completed`; absent: anyone). The rest is the body. Rendering uses minijinja in strict mode: an unknown variable is an error
//! naming it, never an empty string in a learner's mailbox.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};
use serde::Serialize;

use crate::locale::Lang;
use crate::model::audience::{LearnerState, parse_states};

const BUILTIN: &[(&str, &str, &str)] = &[
    ("fr", "never_accessed", include_str!("../../assets/templates/fr/never_accessed.txt")),
    ("fr", "not_started", include_str!("../../assets/templates/fr/not_started.txt")),
    ("fr", "behind_schedule", include_str!("../../assets/templates/fr/behind_schedule.txt")),
    ("fr", "virtual_class", include_str!("../../assets/templates/fr/virtual_class.txt")),
    ("en", "never_accessed", include_str!("../../assets/templates/en/never_accessed.txt")),
    ("en", "not_started", include_str!("../../assets/templates/en/not_started.txt")),
    ("en", "behind_schedule", include_str!("../../assets/templates/en/behind_schedule.txt")),
    ("en", "virtual_class", include_str!("../../assets/templates/en/virtual_class.txt")),
];

/// The `template` of errors found in a body the tutor edited for one sending.
pub const EDITED_BODY: &str = "edited body";

/// Subject and body ready to send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateProblem {
    /// The template uses a variable that does not exist (a typo, or one this message lacks).
    UnknownVariable(String),
    /// Jinja syntax error, or any other rendering error.
    Syntax(String),
    /// The file does not start with a `Subject:` line.
    MissingSubject,
    /// A user template file that cannot be read.
    Unreadable(String),
    /// No template by that name.
    UnknownTemplate,
}

/// What went wrong, where: `template` is its name (or `edited body`), `line` counts from the
/// top of the file (or of the edited text), `part` is `subject` or `body`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct TemplateError {
    pub template: String,
    pub part: &'static str,
    pub line: Option<usize>,
    pub problem: TemplateProblem,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "template {}", self.template)?;
        if let Some(l) = self.line {
            write!(f, ", line {l}")?;
        }
        match &self.problem {
            TemplateProblem::UnknownVariable(v) => write!(f, " ({}): unknown variable {v}", self.part),
            TemplateProblem::Syntax(m) => write!(f, " ({}): {m}", self.part),
            TemplateProblem::MissingSubject => write!(f, ": the first line must be \"Subject: …\""),
            TemplateProblem::Unreadable(m) => write!(f, ": cannot read it: {m}"),
            TemplateProblem::UnknownTemplate => write!(f, ": no such template"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TemplateInfo {
    pub name: String,
    /// Human title (`Title:` header), else the name.
    pub title: String,
    /// The learner states it is written for (`For:` header); empty: anyone.
    pub for_states: Vec<LearnerState>,
    /// It uses `virtual_class.*`: only offered when a virtual class is given.
    pub needs_class: bool,
    /// Where it comes from: `built-in` or the user file's path.
    pub origin: String,
}

#[derive(Clone, Debug)]
struct Source {
    info: TemplateInfo,
    subject: String,
    body: String,
    /// Line of the file where the body starts (for error positions).
    body_line: usize,
}

/// The templates of one language.
#[derive(Clone, Debug)]
pub struct Templates {
    pub lang: Lang,
    entries: BTreeMap<String, Result<Source, TemplateError>>,
}

fn parse(name: &str, origin: String, text: &str) -> Result<Source, TemplateError> {
    let err = |problem| TemplateError { template: name.to_string(), part: "subject", line: Some(1), problem };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    let subject = first.trim_end().strip_prefix("Subject:").ok_or(err(TemplateProblem::MissingSubject))?;
    let (mut title, mut used, mut line) = (None, first.len(), 1);
    let mut for_states = Vec::new();
    for l in lines {
        used += l.len();
        line += 1;
        let t = l.trim_end();
        if t.is_empty() {
            break;
        }
        if let Some(v) = t.strip_prefix("Title:") {
            title = Some(v.trim().to_string());
        }
        if let Some(v) = t.strip_prefix("For:") {
            for_states = parse_states(v).map_err(|w| TemplateError {
                template: name.to_string(),
                part: "subject",
                line: Some(line),
                problem: TemplateProblem::Syntax(format!(
                    "For: unknown learner state {w:?} (never_connected, not_started, in_progress, completed)"
                )),
            })?;
        }
    }
    let body = text.get(used..).unwrap_or("").to_string();
    let subject = subject.trim().to_string();
    let needs_class = uses_virtual_class(&subject, &body);
    Ok(Source {
        info: TemplateInfo {
            name: name.into(),
            title: title.unwrap_or_else(|| name.into()),
            origin,
            for_states,
            needs_class,
        },
        subject,
        body,
        body_line: line + 1,
    })
}

/// Whether the subject or the body uses `virtual_class.*` (a syntax error leaves it to
/// the render to report).
fn uses_virtual_class(subject: &str, body: &str) -> bool {
    let env = environment();
    [subject, body].iter().any(|src| {
        env.template_from_str(src)
            .map(|t| t.undeclared_variables(false).contains("virtual_class"))
            .unwrap_or_else(|_| src.contains("virtual_class"))
    })
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // minijinja names the undefined variable only with its debug info, which is off by
    // default in release builds ("undefined value" and nothing else, issue 19).
    env.set_debug(true);
    // Plain text: never HTML-escape a name like "Dupont & Fils".
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    if let Ok(s) = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(s);
    }
    env
}

/// The variable named in minijinja's "`x.y` is undefined" detail.
fn undefined_name(e: &minijinja::Error) -> Option<String> {
    let d = e.detail()?;
    let start = d.find('`')? + 1;
    let len = d[start..].find('`')?;
    Some(d[start..start + len].to_string())
}

fn template_error(
    template: &str,
    part: &'static str,
    first_line: usize,
    e: &minijinja::Error,
) -> TemplateError {
    let problem = match (e.kind(), undefined_name(e)) {
        (ErrorKind::UndefinedError, Some(v)) => TemplateProblem::UnknownVariable(v),
        _ => TemplateProblem::Syntax(e.detail().unwrap_or(&e.kind().to_string()).to_string()),
    };
    TemplateError {
        template: template.to_string(),
        part,
        line: e.line().map(|l| l + first_line - 1),
        problem,
    }
}

/// The first variable `t` uses that `vars` lacks (`learner.nmae`, or `virtual_class` when
/// the whole object is missing): what an undefined error is about when minijinja did not
/// say.
fn undefined_in(t: &minijinja::Template, vars: &Value) -> Option<String> {
    let mut names: Vec<String> = t.undeclared_variables(true).into_iter().collect();
    names.sort();
    names.into_iter().find_map(|dotted| {
        let (mut v, mut path) = (vars.clone(), String::new());
        for part in dotted.split('.') {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(part);
            v = v.get_attr(part).ok()?;
            if v.is_undefined() {
                return Some(path);
            }
        }
        None
    })
}

/// The line (from 1) of `source` where `name` first appears.
fn line_of(source: &str, name: &str) -> Option<usize> {
    source.lines().position(|l| l.contains(name)).map(|i| i + 1)
}

/// A template compiled once, rendered for many recipients (a thousand renders of one
/// compiled template instead of a thousand parses).
pub struct Compiled {
    env: Environment<'static>,
    name: String,
    body_name: String,
    body_line: usize,
}

impl Compiled {
    pub fn render(&self, vars: &Value) -> Result<Rendered, TemplateError> {
        let part = |p: &'static str, first: usize, tname: &str| -> Result<String, TemplateError> {
            let t = self.env.get_template(p).map_err(|e| template_error(tname, p, first, &e))?;
            t.render(vars).map_err(|e| {
                let mut err = template_error(tname, p, first, &e);
                if e.kind() == ErrorKind::UndefinedError
                    && !matches!(err.problem, TemplateProblem::UnknownVariable(_))
                    && let Some(name) = undefined_in(&t, vars)
                {
                    err.line = err.line.or_else(|| line_of(t.source(), &name).map(|l| l + first - 1));
                    err.problem = TemplateProblem::UnknownVariable(name);
                }
                err
            })
        };
        // A subject is one line: a template that yields several is cut at the first break.
        let subject = part("subject", 1, &self.name)?.lines().next().unwrap_or("").trim().to_string();
        let body = part("body", self.body_line, &self.body_name)?;
        Ok(Rendered { subject, body })
    }
}

impl Templates {
    /// The built-in templates of `lang`, then the user's folder (if any) on top.
    pub fn load(lang: Lang, user_dir: Option<&Path>) -> Result<Templates, TemplateError> {
        let mut entries = BTreeMap::new();
        for (l, name, text) in BUILTIN.iter().filter(|(l, _, _)| *l == lang.code()) {
            debug_assert_eq!(*l, lang.code());
            entries.insert(name.to_string(), parse(name, "built-in".into(), text));
        }
        if let Some(dir) = user_dir {
            let dir = dir.join(lang.code());
            let listing = std::fs::read_dir(&dir).map_err(|e| TemplateError {
                template: dir.display().to_string(),
                part: "body",
                line: None,
                problem: TemplateProblem::Unreadable(e.to_string()),
            })?;
            for entry in listing.flatten() {
                let path = entry.path();
                let Some(name) = path.file_stem().and_then(|s| s.to_str()).map(str::to_string) else {
                    continue;
                };
                if path.extension().and_then(|e| e.to_str()) != Some("txt") || name.starts_with('.') {
                    continue;
                }
                let loaded = std::fs::read_to_string(&path)
                    .map_err(|e| TemplateError {
                        template: name.clone(),
                        part: "body",
                        line: None,
                        problem: TemplateProblem::Unreadable(e.to_string()),
                    })
                    .and_then(|text| parse(&name, path.display().to_string(), &text));
                entries.insert(name, loaded);
            }
        }
        Ok(Templates { lang, entries })
    }

    /// Every template, sorted by name; a broken user file is listed with its error so the
    /// dialog can say why it cannot be used.
    pub fn list(&self) -> Vec<(TemplateInfo, Option<TemplateError>)> {
        self.entries
            .iter()
            .map(|(name, s)| match s {
                Ok(s) => (s.info.clone(), None),
                Err(e) => {
                    let info = TemplateInfo {
                        name: name.clone(),
                        title: name.clone(),
                        origin: String::new(),
                        for_states: Vec::new(),
                        needs_class: false,
                    };
                    (info, Some(e.clone()))
                }
            })
            .collect()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    /// The templates a sending can use: those announcing a virtual class only when one is
    /// given (`has_class`), since without it they cannot render.
    pub fn offered(&self, has_class: bool) -> Vec<(TemplateInfo, Option<TemplateError>)> {
        self.list().into_iter().filter(|(i, _)| has_class || !i.needs_class).collect()
    }

    /// What is known of template `name` (None: no such template, or a broken file).
    pub fn info(&self, name: &str) -> Option<TemplateInfo> {
        self.entries.get(name).and_then(|r| r.as_ref().ok()).map(|s| s.info.clone())
    }

    fn get(&self, name: &str) -> Option<Result<&Source, TemplateError>> {
        self.entries.get(name).map(|r| r.as_ref().map_err(Clone::clone))
    }

    /// The body's source, to prefill the editor when the tutor edits this sending's text.
    pub fn body_source(&self, name: &str) -> Option<&str> {
        self.entries.get(name).and_then(|r| r.as_ref().ok()).map(|s| s.body.as_str())
    }

    /// Compiles template `name` (its body replaced by `edited_body`, the tutor's edit of
    /// the body source, same syntax and variables). `None`: no such template.
    pub fn compile(&self, name: &str, edited_body: Option<&str>) -> Option<Result<Compiled, TemplateError>> {
        let src = match self.get(name)? {
            Ok(s) => s,
            Err(e) => return Some(Err(e)),
        };
        let mut env = environment();
        if let Err(e) = env.add_template_owned("subject", src.subject.clone()) {
            return Some(Err(template_error(name, "subject", 1, &e)));
        }
        let (body, body_name, body_line) = match edited_body {
            Some(b) => (b.to_string(), EDITED_BODY.to_string(), 1),
            None => (src.body.clone(), name.to_string(), src.body_line),
        };
        if let Err(e) = env.add_template_owned("body", body) {
            return Some(Err(template_error(&body_name, "body", body_line, &e)));
        }
        Some(Ok(Compiled { env, name: name.to_string(), body_name, body_line }))
    }

    /// Renders template `name` with `vars` (see [`Templates::compile`]).
    pub fn render(
        &self,
        name: &str,
        vars: &Value,
        edited_body: Option<&str>,
    ) -> Option<Result<Rendered, TemplateError>> {
        Some(self.compile(name, edited_body)?.and_then(|c| c.render(vars)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::context;

    fn vars() -> Value {
        context! {
            learner => context! { firstname => "Zoé", lastname => "Dupont & Fils", username => "zd",
                                  email => "z@x.fr", progress => 40 },
            course => context! { name => "Cours 1", shortname => "C1", start => "01/02/2026", end => "",
                                 days_since_start => 3 },
            platform => context! { name => "la plateforme", url => "https://lms.example.org" },
            tutor => context! { firstname => "Marie", lastname => "Lefèvre", name => "Marie Lefèvre",
                                email => "m@x.fr" },
        }
    }

    #[test]
    fn builtins_render_in_both_languages() {
        for lang in [Lang::Fr, Lang::En] {
            let t = Templates::load(lang, None).unwrap();
            let names: Vec<String> = t.list().into_iter().map(|(i, _)| i.name).collect();
            assert_eq!(names, ["behind_schedule", "never_accessed", "not_started", "virtual_class"]);
            for n in ["behind_schedule", "never_accessed", "not_started"] {
                let r = t.render(n, &vars(), None).unwrap().unwrap();
                assert!(r.subject.contains("Cours 1"), "{r:?}");
                assert!(r.body.contains("Zoé") && r.body.contains("Marie Lefèvre"), "{r:?}");
                assert!(!r.body.contains("{{"), "{r:?}");
                // Conditional blocks never glue two lines together.
                let url = |l: &str| {
                    l.ends_with("https://lms.example.org") || l.contains("(https://lms.example.org)")
                };
                assert!(r.body.lines().any(url), "{r:?}");
                let no_url = context! { platform => context! { name => "P", url => "" }, ..vars() };
                let r = t.render(n, &no_url, None).unwrap().unwrap();
                assert!(
                    r.body.lines().any(|l| l.ends_with("P.") || l.contains("P avec") || l.contains("P with")),
                    "{r:?}"
                );
            }
            // The announcement needs the virtual class: strict mode names what is missing.
            let e = t.render("virtual_class", &vars(), None).unwrap().unwrap_err();
            assert_eq!(e.part, "subject");
            assert!(
                matches!(&e.problem, TemplateProblem::UnknownVariable(v) if v.starts_with("virtual_class"))
            );
        }
    }

    #[test]
    fn unknown_variable_is_named_with_its_line() {
        let t = Templates::load(Lang::En, None).unwrap();
        let e =
            t.render("never_accessed", &vars(), Some("Hi {{ learner.firstname }},\n\n{{ learner.nmae }}\n"));
        let e = e.unwrap().unwrap_err();
        assert_eq!(e.problem, TemplateProblem::UnknownVariable("learner.nmae".into()));
        assert_eq!(e.line, Some(3));
        assert_eq!(e.to_string(), "template edited body, line 3 (body): unknown variable learner.nmae");
        let e = t.render("never_accessed", &vars(), Some("{% if %}")).unwrap().unwrap_err();
        assert!(matches!(e.problem, TemplateProblem::Syntax(_)), "{e:?}");
        assert!(t.render("nope", &vars(), None).is_none());
    }

    #[test]
    fn user_folder_adds_overrides_and_reports_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("fr")).unwrap();
        std::fs::write(
            dir.path().join("fr/not_started.txt"),
            "Subject: Hop {{ course.shortname }}\nTitle: Mon modèle\n\nCorps {{ learner.username }}\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("fr/broken.txt"), "Bonjour\n").unwrap();
        std::fs::write(dir.path().join("fr/bad_var.txt"), "Subject: x\n\nA\nB {{ nope }}\n").unwrap();
        let t = Templates::load(Lang::Fr, Some(dir.path())).unwrap();
        let r = t.render("not_started", &vars(), None).unwrap().unwrap();
        assert_eq!(r, Rendered { subject: "Hop C1".into(), body: "Corps zd\n".into() });
        let list = t.list();
        let ns = list.iter().find(|(i, _)| i.name == "not_started").unwrap();
        assert_eq!(ns.0.title, "Mon modèle");
        let broken = list.iter().find(|(i, _)| i.name == "broken").unwrap();
        assert_eq!(broken.1.as_ref().unwrap().problem, TemplateProblem::MissingSubject);
        let e = t.render("bad_var", &vars(), None).unwrap().unwrap_err();
        assert_eq!((e.line, e.problem), (Some(4), TemplateProblem::UnknownVariable("nope".into())));
        assert!(Templates::load(Lang::Fr, Some(&dir.path().join("missing"))).is_err());
    }

    #[test]
    fn the_variable_is_named_even_without_debug_info() {
        // Release builds used to render without minijinja's debug info: "undefined value".
        assert!(environment().debug(), "debug info on in every build");
        let t = Templates::load(Lang::Fr, None).unwrap();
        for (body, name, line) in [
            ("Bonjour\n\n{{ learner.nmae }}\n", "learner.nmae", 3),
            ("{% if course.fin %}x{% endif %}", "course.fin", 1),
            ("a\n{{ virtual_class.title }}", "virtual_class", 2),
        ] {
            let mut c = t.compile("never_accessed", Some(body)).unwrap().unwrap();
            c.env.set_debug(false);
            let e = c.render(&vars()).unwrap_err();
            assert_eq!(e.problem, TemplateProblem::UnknownVariable(name.into()), "{body:?}");
            assert_eq!(e.line, Some(line), "{body:?}");
        }
    }

    #[test]
    fn text_is_not_html_escaped() {
        let t = Templates::load(Lang::Fr, None).unwrap();
        let r = t.render("never_accessed", &vars(), Some("{{ learner.lastname }}")).unwrap().unwrap();
        assert_eq!(r.body, "Dupont & Fils");
    }
}
