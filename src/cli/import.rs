//! `tutorat import users FILE.csv`: a Moodle user-upload file checked, previewed and
//! imported all or nothing.
//!
//! Exit codes: 0 imported (or the dry run is clean); 2 the file or a line has an error, or
//! a usage or configuration error (nothing written); 3 imported, but the Moodle CSV could
//! not be written; 130 interrupted (nothing written). A closed pipe ends the output
//! quietly, never the import.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args as ClapArgs, Subcommand};
use serde_json::{Value as Json, json};

use super::generate::Interrupted;
use super::start::{Prepared, UserError};
use crate::import::decode::{delimiter_label, parse_delimiter};
use crate::import::{ImportPlan, PlanOptions, RowStatus, Settings};
use crate::locale::Locale;
use crate::model::Ts;
use crate::store::import::{WriteError, WriteSummary};
use crate::text::clean;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// People from a Moodle user-upload CSV file (username, firstname, lastname, email,
    /// profile_field_*, cohortN, courseN…). All or nothing: any error writes nothing.
    Users(UsersArgs),
}

#[derive(Debug, Clone, ClapArgs)]
pub struct UsersArgs {
    /// The CSV file (UTF-8 with or without BOM, or Windows-1252; comma, semicolon or tab).
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
    /// Column separator: ",", ";" or "tab" (default: [import] delimiter, else detected).
    #[arg(long, value_name = "SEP")]
    pub delimiter: Option<String>,
    /// Show the plan (new / existing / error per line, with reasons); write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print a JSON report on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Rewrite the records of existing people with the file's values.
    #[arg(long)]
    pub update: bool,
    /// Also write the normalised file in Moodle's upload format (UTF-8, comma).
    #[arg(long, value_name = "OUT.csv")]
    pub write_moodle_csv: Option<PathBuf>,
}

pub const EXIT_OK: u8 = 0;
pub const EXIT_INVALID: u8 = 2;
pub const EXIT_PARTIAL: u8 = 3;

/// Output that a closed pipe silences instead of failing the command.
pub struct Quiet<W: Write>(pub W);

impl<W: Write> Write for Quiet<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(buf.len()),
            r => r,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.0.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            r => r,
        }
    }
}

/// Reads and plans a file against the database as it is now.
pub async fn read_plan(
    p: &Prepared,
    file: &Path,
    delimiter: Option<&str>,
    update: bool,
    now: Ts,
) -> color_eyre::Result<(ImportPlan, Settings)> {
    let loc = Locale::new(p.lang);
    let settings = Settings::from_config(&p.config).map_err(UserError)?;
    let delimiter = match delimiter {
        None => None,
        Some(d) => parse_delimiter(d)
            .map_err(|d| UserError(loc.tf("import.bad_delimiter", &[("value", &format!("{d:?}"))])))?,
    };
    let bytes = std::fs::read(file)
        .map_err(|e| UserError(loc.tf("import.read_failed", &[("file", &file.display()), ("error", &e)])))?;
    let snapshot = p.store.import_snapshot().await?;
    let opts = PlanOptions { update, delimiter, now, tz: p.tz };
    Ok((crate::import::plan(&bytes, &settings, &snapshot, &opts), settings))
}

pub async fn run(p: &Prepared, a: &UsersArgs, now: Ts) -> color_eyre::Result<u8> {
    let loc = Locale::new(p.lang);
    let mut out = Quiet(std::io::stdout().lock());
    if let Some(dir) =
        a.write_moodle_csv.as_deref().and_then(Path::parent).filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        let f = a.write_moodle_csv.as_deref().unwrap_or(Path::new("")).display().to_string();
        return Err(UserError(loc.tf("import.moodle_dir", &[("file", &f), ("dir", &dir.display())])).into());
    }
    let (plan, _) = read_plan(p, &a.file, a.delimiter.as_deref(), a.update, now).await?;
    let file = a.file.display().to_string();
    let mut report = plan_json(&plan, &loc, &file);
    report["dry_run"] = json!(a.dry_run);

    if let Some(problem) = &plan.problem {
        if a.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        }
        let text = problem.describe(&loc);
        return Err(
            UserError(loc.tf("import.file_refused", &[("problem", &format!("{file}: {text}"))])).into()
        );
    }
    let counts = plan.counts();
    if !a.json {
        print_plan(&mut out, &plan, &loc, &file, a.dry_run)?;
    }
    if counts.error > 0 {
        if a.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        }
        out.flush()?;
        return Err(UserError(loc.tn("import.refused", counts.error as i64)).into());
    }
    let mut code = EXIT_OK;
    if a.dry_run {
        if let Some(f) = &a.write_moodle_csv {
            code = write_moodle(&plan, f, &loc, &mut out, &mut report, a.json)?;
        }
        if a.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        } else {
            writeln!(out, "{}", loc.t("import.dry_run"))?;
        }
        return Ok(code);
    }

    let cancel = Arc::new(AtomicBool::new(false));
    let c = cancel.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            c.store(true, Ordering::SeqCst);
        }
    });
    let tty = std::io::stderr().is_terminal();
    let mut progress = |done: usize, total: usize| {
        if tty {
            eprint!("\r{}", loc.tf("import.progress", &[("done", &done), ("total", &total)]));
        }
    };
    let started = std::time::Instant::now();
    let res = crate::import::apply(&p.store, &plan, now, &cancel, &mut progress).await;
    watcher.abort();
    if tty {
        eprintln!();
    }
    let sum = match res {
        Ok(s) => s,
        Err(WriteError::Cancelled) => return Err(Interrupted(loc.t("import.cancelled").to_string()).into()),
        Err(WriteError::Stale) => return Err(UserError(loc.t("import.stale").to_string()).into()),
        Err(WriteError::Invalid(m)) => return Err(UserError(m).into()),
        Err(WriteError::Store(e)) => return Err(e.into()),
    };
    let ms = started.elapsed().as_millis() as u64;
    report["result"] = json!(sum);
    report["result"]["elapsed_ms"] = json!(ms);
    if !a.json {
        print_summary(&mut out, &loc, &sum, counts.existing as u64, ms)?;
    }
    if let Some(f) = &a.write_moodle_csv {
        code = write_moodle(&plan, f, &loc, &mut out, &mut report, a.json)?;
    }
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    }
    Ok(code)
}

fn write_moodle(
    plan: &ImportPlan,
    f: &Path,
    loc: &Locale,
    out: &mut dyn Write,
    report: &mut Json,
    quiet: bool,
) -> color_eyre::Result<u8> {
    let res = std::fs::File::create(f).map_err(|e| e.to_string()).and_then(|file| {
        crate::import::moodle_csv::write(plan, std::io::BufWriter::new(file)).map_err(|e| e.to_string())
    });
    let file = f.display().to_string();
    match res {
        Ok(n) => {
            report["moodle_csv"] = json!({"file": file, "lines": n});
            if !quiet {
                writeln!(out, "{}", loc.tf("import.moodle_written", &[("file", &file), ("n", &n)]))?;
            }
            Ok(EXIT_OK)
        }
        Err(e) => {
            let msg = loc.tf("import.moodle_failed", &[("file", &file), ("error", &e)]);
            eprintln!("tutorat: {msg}");
            report["moodle_csv"] = json!({"file": file, "error": e});
            Ok(EXIT_PARTIAL)
        }
    }
}

fn list(v: &[String]) -> String {
    v.iter().map(|s| clean(s)).collect::<Vec<_>>().join(", ")
}

/// The preview: the file, its columns, then every line (with `all`) or only the lines with
/// something to say, and the counts.
pub fn print_plan(
    out: &mut dyn Write,
    plan: &ImportPlan,
    loc: &Locale,
    file: &str,
    all: bool,
) -> std::io::Result<()> {
    let enc = plan.encoding.map(|e| e.label()).unwrap_or("?");
    let delim = plan.delimiter.map(delimiter_label).unwrap_or("?");
    writeln!(
        out,
        "{}",
        loc.tf("import.file_info", &[("file", &clean(file)), ("encoding", &enc), ("delimiter", &delim)])
    )?;
    if let Some(c) = &plan.columns {
        writeln!(out, "{}", loc.tf("import.columns_kept", &[("list", &list(&c.kept))]))?;
        if !c.moodle_only.is_empty() {
            writeln!(out, "{}", loc.tf("import.columns_moodle", &[("list", &list(&c.moodle_only))]))?;
        }
        if c.moodle_only.iter().any(|m| m.eq_ignore_ascii_case("password")) {
            writeln!(out, "{}", loc.t("import.password_note"))?;
        }
        if !c.unknown.is_empty() {
            writeln!(out, "{}", loc.tf("import.columns_unknown", &[("list", &list(&c.unknown))]))?;
        }
    }
    writeln!(out)?;
    for r in &plan.rows {
        if !all && r.reasons.is_empty() && r.status != RowStatus::Error {
            continue;
        }
        let status = match r.status {
            RowStatus::New => loc.t("import.status_new"),
            RowStatus::Existing => loc.t("import.status_existing"),
            RowStatus::Error => loc.t("import.status_error"),
        };
        let f = &r.fields;
        let name = format!("{} {}", clean(&f.lastname), clean(&f.firstname));
        let mut who = vec![clean(&f.username), clean(f.email.as_deref().unwrap_or(""))];
        if r.email_fictitious {
            who.push(loc.t("import.fictitious").to_string());
        }
        let line = loc.tf("import.line", &[("line", &r.line)]);
        writeln!(out, "{line:<10} {status:<9} {}  {}", name.trim(), who.join(" ").trim())?;
        let pad = " ".repeat(21);
        if !r.cohorts.is_empty() {
            writeln!(out, "{pad}{}", loc.tf("import.cohorts", &[("list", &list(&r.cohorts))]))?;
        }
        if !r.courses.is_empty() {
            let c: Vec<String> = r
                .courses
                .iter()
                .map(|c| match &c.write.group {
                    Some(g) => format!("{} ({}, {})", clean(&c.shortname), c.role, clean(g)),
                    None => format!("{} ({})", clean(&c.shortname), c.role),
                })
                .collect();
            writeln!(out, "{pad}{}", loc.tf("import.courses", &[("list", &c.join(", "))]))?;
        }
        if r.status == RowStatus::Existing && !r.changes.is_empty() {
            let fields: Vec<String> = r.changes.iter().map(|c| c.field.to_string()).collect();
            let text = if plan.update {
                loc.tf("import.updates", &[("list", &fields.join(", "))])
            } else {
                loc.tn("import.differs", r.changes.len() as i64)
            };
            writeln!(out, "{pad}{text}")?;
        }
        for reason in &r.reasons {
            let key = if reason.is_error() { "import.error" } else { "import.warning" };
            writeln!(out, "{pad}{}", loc.tf(key, &[("text", &clean(&reason.describe(loc)))]))?;
        }
    }
    let c = plan.counts();
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        loc.tf(
            "import.summary",
            &[("new", &c.new), ("existing", &c.existing), ("errors", &c.error), ("warnings", &c.warnings)]
        )
    )?;
    if !plan.new_cohorts.is_empty() {
        writeln!(out, "{}", loc.tf("import.new_cohorts", &[("list", &list(&plan.new_cohorts))]))?;
    }
    Ok(())
}

fn print_summary(
    out: &mut dyn Write,
    loc: &Locale,
    s: &WriteSummary,
    existing: u64,
    ms: u64,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{}",
        loc.tf(
            "import.done",
            &[
                ("ms", &ms),
                ("created", &s.created),
                ("updated", &s.updated),
                ("existing", &(existing - s.updated))
            ]
        )
    )?;
    writeln!(
        out,
        "{}",
        loc.tf(
            "import.done_members",
            &[
                ("members", &s.cohort_members_added),
                ("cohorts", &s.cohorts_created),
                ("enrolled", &s.enrolments_added),
                ("tutors", &s.tutors_added),
                ("groups", &s.group_members_added),
            ]
        )
    )?;
    let y = s.cohort_sync;
    if y.enrolled + y.reactivated + y.ended > 0 {
        writeln!(
            out,
            "{}",
            loc.tf(
                "import.done_sync",
                &[("enrolled", &y.enrolled), ("reactivated", &y.reactivated), ("ended", &y.ended)]
            )
        )?;
    }
    Ok(())
}

/// The plan for scripts: one object, stable keys; reasons with a code and a sentence.
pub fn plan_json(plan: &ImportPlan, loc: &Locale, file: &str) -> Json {
    let rows: Vec<Json> = plan
        .rows
        .iter()
        .map(|r| {
            let f = &r.fields;
            json!({
                "line": r.line,
                "status": r.status,
                "person_id": r.person_id,
                "username": f.username,
                "username_built": r.username_built,
                "email": f.email,
                "email_fictitious": r.email_fictitious,
                "civility": r.civility,
                "lastname": f.lastname,
                "firstname": f.firstname,
                "phone1": f.phone,
                "phone2": f.phone2,
                "idnumber": f.idnumber,
                "institution": f.organisation,
                "department": f.department,
                "city": f.city,
                "matricule": f.matricule,
                "suspended": f.suspended,
                "cohorts": r.cohorts,
                "courses": r.courses.iter().map(|c| json!({
                    "shortname": c.shortname, "role": c.role, "group": c.write.group,
                    "start_at": c.write.start_at, "end_at": c.write.end_at, "active": c.write.active,
                })).collect::<Vec<_>>(),
                "changes": r.changes,
                "reasons": r.reasons.iter().map(|x| json!({
                    "severity": x.severity(), "code": x.code(), "message": x.describe(loc),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "file": file,
        "encoding": plan.encoding,
        "delimiter": plan.delimiter.map(delimiter_label),
        "update": plan.update,
        "columns": plan.columns,
        "problem": plan.problem.as_ref().map(|p| json!({
            "code": p.code(), "line": p.line(), "message": p.describe(loc),
        })),
        "counts": plan.counts(),
        "new_cohorts": plan.new_cohorts,
        "rows": rows,
    })
}
