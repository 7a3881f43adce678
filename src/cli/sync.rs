//! `tutorat sync moodle`: the Moodle sync for scripts and cron. A bar per course on a
//! terminal (the `generate` style), a summary per course at the end (or one JSON object).
//!
//! Exit codes: 0 every course synced; 2 a user error before anything was written (no URL or
//! token, a refused token, a function missing from the service, an unknown course); 3 some
//! course could not be synced (the others were); 130 interrupted (the course in progress was
//! rolled back); 1 anything else (the site or the database did not answer).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use clap::Args as ClapArgs;
use serde_json::json;

use super::generate::{Interrupted, Meter};
use super::start::{Prepared, UserError};
use crate::locale::Locale;
use crate::store::sync::{Counts, CourseChanges, RunStatus};
use crate::sync::{self, Options, Outcome, Progress, Report, Settings, Stage};
use crate::text::clean;

#[derive(Debug, Clone, clap::Subcommand)]
pub enum SyncCommand {
    /// Read courses, people, enrolments, completion and SCORM tracks from a Moodle site
    /// through its web services ([moodle] in the configuration; see the README).
    Moodle(MoodleArgs),
}

#[derive(Debug, Clone, Default, ClapArgs)]
pub struct MoodleArgs {
    /// The site's address (wins over [moodle] url).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The environment variable holding the token (wins over [moodle] token_env).
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// Only these courses (short names, comma-separated); default: every course the token sees.
    #[arg(long, value_name = "SHORTNAME,…", value_delimiter = ',')]
    pub courses: Vec<String>,
    /// Say what would change, per table, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Read every learner's completion and tracks again, not only those who came back.
    #[arg(long)]
    pub full: bool,
    /// Print one JSON object on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

pub const EXIT_PARTIAL: u8 = 3;

fn counts_text(loc: &Locale, table: &str, c: &Counts) -> String {
    let mut parts = Vec::new();
    if c.added > 0 {
        parts.push(loc.tf("sync.added", &[("n", &loc.num(c.added as i64))]));
    }
    if c.updated > 0 {
        parts.push(loc.tf("sync.updated", &[("n", &loc.num(c.updated as i64))]));
    }
    if c.removed > 0 {
        let key = if table == "enrolments" { "sync.ended" } else { "sync.removed" };
        parts.push(loc.tf(key, &[("n", &loc.num(c.removed as i64))]));
    }
    parts.join(", ")
}

fn value(loc: &Locale, v: &Option<String>) -> String {
    match v {
        Some(s) if !s.is_empty() => clean(&s.chars().take(60).collect::<String>()),
        _ => loc.t("sync.empty_value").to_string(),
    }
}

fn write_changes(out: &mut dyn Write, loc: &Locale, ch: &CourseChanges) -> std::io::Result<()> {
    if ch.is_empty() && ch.conflicts.is_empty() {
        writeln!(out, "{}", loc.t("sync.nothing"))?;
    }
    for (table, c) in ch.tables() {
        if c.total() > 0 {
            let name = loc.t(&format!("sync.tables.{table}")).to_string();
            writeln!(
                out,
                "{}",
                loc.tf("sync.table", &[("table", &name), ("counts", &counts_text(loc, table, &c))])
            )?;
        }
    }
    for c in &ch.conflicts {
        let new = if c.new { loc.t("sync.conflict_new") } else { "" };
        writeln!(
            out,
            "{}",
            loc.tf(
                "sync.conflict",
                &[
                    ("field", &c.field),
                    ("user", &clean(&c.username)),
                    ("lesson", &clean(&c.lesson)),
                    ("kept", &value(loc, &c.kept)),
                    ("source", &value(loc, &c.source)),
                    ("new", &new),
                ],
            )
        )?;
    }
    for s in &ch.skipped {
        let reason = loc.t(&format!("sync.reason_{}", s.reason)).to_string();
        writeln!(out, "{}", loc.tf("sync.skipped", &[("user", &clean(&s.username)), ("reason", &reason)]))?;
    }
    Ok(())
}

fn write_text(out: &mut dyn Write, loc: &Locale, r: &Report) -> std::io::Result<()> {
    let release = r
        .site
        .release
        .as_deref()
        .map(|v| loc.tf("sync.release", &[("version", &clean(v))]))
        .unwrap_or_default();
    writeln!(
        out,
        "{}",
        loc.tf(
            "sync.site",
            &[
                ("site", &clean(&r.site.sitename)),
                ("url", &clean(&r.source)),
                ("release", &release),
                ("user", &clean(&r.site.username)),
            ],
        )
    )?;
    if r.dry_run {
        writeln!(out, "{}", loc.t("sync.dry_run"))?;
    }
    for c in &r.courses {
        let course = clean(&c.shortname);
        match c.outcome {
            Outcome::Synced => {
                writeln!(
                    out,
                    "{}",
                    loc.tf(
                        "sync.course",
                        &[
                            ("course", &course),
                            ("learners", &loc.num(c.learners as i64)),
                            ("tutors", &loc.num(c.tutors as i64)),
                            ("details", &loc.num(c.details_read as i64)),
                        ],
                    )
                )?;
                if c.ignored > 0 {
                    writeln!(out, "  {}", loc.tf("sync.ignored", &[("n", &loc.num(c.ignored as i64))]))?;
                }
                write_changes(out, loc, &c.changes)?;
            }
            Outcome::Failed => {
                let error = c.error.clone().unwrap_or_default();
                writeln!(out, "{}", loc.tf("sync.failed", &[("course", &course), ("error", &error)]))?;
            }
            Outcome::Cancelled => writeln!(out, "{}", loc.tf("sync.interrupted", &[("course", &course)]))?,
        }
        for w in &c.warnings {
            writeln!(
                out,
                "{}",
                loc.tf(
                    "sync.warning",
                    &[
                        ("function", &w.function),
                        ("message", &clean(&w.message)),
                        ("code", &clean(&w.code)),
                        ("count", &loc.num(w.count as i64)),
                    ],
                )
            )?;
        }
    }
    let t = r.totals();
    let synced = r.courses.iter().filter(|c| c.outcome == Outcome::Synced).count();
    let warnings: usize = r.courses.iter().flat_map(|c| &c.warnings).map(|w| w.count).sum();
    writeln!(
        out,
        "{}",
        loc.tf(
            "sync.total",
            &[
                ("courses", &loc.num(synced as i64)),
                ("all", &loc.num(r.courses.len() as i64)),
                ("people", &loc.num(t.people.added as i64)),
                ("enrolments", &loc.num(t.enrolments.added as i64)),
                ("ended", &loc.num(t.enrolments.removed as i64)),
                ("progress", &loc.num((t.progress.added + t.progress.updated) as i64)),
                ("conflicts", &loc.num(t.conflicts.len() as i64)),
                ("warnings", &loc.num(warnings as i64)),
                ("secs", &loc.dec1(r.elapsed_ms as f64 / 1000.0)),
            ],
        )
    )
}

fn json_report(r: &Report) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap_or_else(|_| json!({}));
    let t = r.totals();
    v["totals"] = json!({
        "tables": t.tables().iter().map(|(k, c)| (k.to_string(), json!(c))).collect::<serde_json::Map<_, _>>(),
        "new_conflicts": t.new_conflicts,
        "conflicts": t.conflicts.len(),
    });
    v
}

/// Prints what the run did; a closed pipe ends quietly.
fn print(r: &Report, json: bool, loc: &Locale) {
    let mut out = std::io::stdout().lock();
    let res = if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&json_report(r)).unwrap_or_default())
    } else {
        write_text(&mut out, loc, r)
    };
    let _ = res.and_then(|()| out.flush());
}

pub async fn run(p: &Prepared, cmd: &SyncCommand) -> color_eyre::Result<u8> {
    let SyncCommand::Moodle(a) = cmd;
    let loc = Locale::new(p.lang);
    let settings = Settings::from_config(&p.config.moodle, a.url.as_deref(), a.token_env.as_deref(), &|k| {
        std::env::var(k).ok()
    })
    .map_err(|e| UserError(e.describe(&loc)))?;
    let opts = Options {
        courses: a.courses.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
        dry_run: a.dry_run,
        full: a.full,
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let on_signal = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.store(true, Ordering::Relaxed);
            }
        })
    };
    // A bar per course on a terminal; nothing on stderr otherwise (cron mails what it gets).
    let tty = std::io::stderr().is_terminal();
    // (course index, its bar, learners to read)
    let meter: Mutex<Option<(usize, Meter, usize)>> = Mutex::new(None);
    let on_progress = |pr: Progress| {
        let Progress::Course { index, courses, shortname, stage, done, total } = pr else { return };
        if !tty {
            return;
        }
        let Ok(mut m) = meter.lock() else { return };
        if m.as_ref().is_none_or(|(i, _, _)| *i != index) {
            if let Some((_, old, _)) = m.take() {
                old.end();
            }
            let label = format!("[{}/{}] {}", index + 1, courses, clean(&shortname));
            *m = Some((index, Meter::new(label, true, loc.clone()), 0));
        }
        if let Some((_, bar, seen)) = m.as_mut() {
            match stage {
                Stage::Learners => {
                    *seen = total;
                    if total > 0 {
                        bar.show(done, total);
                    }
                }
                Stage::Done => bar.show(*seen, *seen),
                _ => {}
            }
            if matches!(stage, Stage::Done | Stage::Failed) {
                bar.end();
                *m = None;
            }
        }
    };
    let result = sync::run(&p.store, &settings, &opts, &on_progress, &cancel).await;
    if let Ok(mut m) = meter.lock()
        && let Some((_, bar, _)) = m.take()
    {
        bar.end();
    }
    on_signal.abort();
    let report = match result {
        Ok(r) => r,
        Err(e) if e.is_user_error() => return Err(UserError(e.describe(&loc)).into()),
        Err(sync::SyncError::Cancelled) => return Err(Interrupted(e_cancel(&loc)).into()),
        Err(e) => {
            tracing::error!(error = %e, "sync failed");
            eprintln!("tutorat: {}", e.describe(&loc));
            return Ok(1);
        }
    };
    tracing::info!(status = ?report.status, courses = report.courses.len(), ms = report.elapsed_ms as u64, "sync done");
    print(&report, a.json, &loc);
    match report.status {
        RunStatus::Ok | RunStatus::Running => Ok(0),
        RunStatus::Cancelled => Err(Interrupted(e_cancel(&loc)).into()),
        RunStatus::Partial | RunStatus::Failed => Ok(EXIT_PARTIAL),
    }
}

fn e_cancel(loc: &Locale) -> String {
    loc.t("sync.cancelled").to_string()
}
