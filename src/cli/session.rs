//! `tutorat session new`: a session course from a model course, its tutors, the order's
//! group, its learners (a user-upload CSV: accounts created only for unknown e-mails) and
//! their secondary enrolment in a support course, in one transaction.
//!
//! Exit codes: 0 set up (or the dry run is clean); 2 a usage, configuration or data error
//! (nothing written); 130 interrupted (nothing written).

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use clap::{Args as ClapArgs, Subcommand};
use serde_json::json;

use super::generate::Interrupted;
use super::import::{Quiet, plan_json, print_plan, read_plan};
use super::start::{Prepared, UserError};
use crate::import::session::{SessionRequest, plan_session};
use crate::locale::Locale;
use crate::model::Ts;
use crate::store::import::WriteError;
use crate::text::clean;

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Set up a session from a model course: course, tutors, group, learners, support.
    New(NewArgs),
}

#[derive(Debug, Clone, ClapArgs)]
pub struct NewArgs {
    /// Short name of the model course whose lessons are copied.
    #[arg(long, value_name = "SHORTNAME")]
    pub model: String,
    /// First day: 2026-01-05 or 05/01/2026.
    #[arg(long, value_name = "DATE")]
    pub from: String,
    /// Last day: 2026-02-28 or 28/02/2026.
    #[arg(long, value_name = "DATE")]
    pub to: String,
    /// Order id: names the course group of the session's learners.
    #[arg(long, value_name = "ID")]
    pub order: Option<String>,
    /// A tutor of the session (username); repeat for several.
    #[arg(long = "tutor", id = "session_tutor", value_name = "USERNAME")]
    pub tutors: Vec<String>,
    /// Who sets the session up (else the global --tutor given before `session`). Holding
    /// the global option's id keeps clap from lending it this command's --tutor.
    #[arg(long = "as", id = "tutor", value_name = "USERNAME", hide = true)]
    pub acting: Option<String>,
    /// The learners: a Moodle user-upload CSV (same format and rules as `import users`).
    #[arg(long, value_name = "FILE.csv")]
    pub learners: Option<PathBuf>,
    /// Column separator of the learners file: ",", ";" or "tab".
    #[arg(long, value_name = "SEP")]
    pub delimiter: Option<String>,
    /// Short name of a support course the learners are also enrolled in.
    #[arg(long, value_name = "SHORTNAME")]
    pub support_course: Option<String>,
    /// Category path ("Santé/Soins"); missing categories are created. Default: the model's.
    #[arg(long, value_name = "PATH")]
    pub category: Option<String>,
    /// Show everything that would be set up; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print a JSON report on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(p: &Prepared, a: &NewArgs, now: Ts) -> color_eyre::Result<u8> {
    let loc = Locale::new(p.lang);
    let mut out = Quiet(std::io::stdout().lock());
    let snapshot = p.store.import_snapshot().await?;
    let categories = p.store.categories().await?;
    let req = SessionRequest {
        model: a.model.clone(),
        from: a.from.clone(),
        to: a.to.clone(),
        order: a.order.clone(),
        tutors: a.tutors.clone(),
        support: a.support_course.clone(),
        category: a.category.clone(),
    };
    let plan = plan_session(&req, &p.config.session, &snapshot, &categories, p.tz)
        .map_err(|e| UserError(e.describe(&loc)))?;
    let learners = match &a.learners {
        None => None,
        Some(f) => {
            Some((read_plan(p, f, a.delimiter.as_deref(), false, now).await?.0, f.display().to_string()))
        }
    };
    let lessons = p.store.lessons_total(plan.model.id).await?;

    let mut report = json!({
        "dry_run": a.dry_run,
        "fullname": plan.fullname,
        "shortname": plan.shortname,
        "model": plan.model.shortname,
        "from": plan.from.to_string(),
        "to": plan.to.to_string(),
        "start_at": plan.start_at,
        "end_at": plan.end_at,
        "category": plan.category_path,
        "categories_created": plan.category_created,
        "group": plan.group,
        "order": plan.order,
        "tutors": plan.tutors.iter().map(|t| &t.username).collect::<Vec<_>>(),
        "support_course": plan.support.as_ref().map(|c| &c.shortname),
        "lessons": lessons,
        "learners": learners.as_ref().map(|(l, f)| plan_json(l, &loc, f)),
    });
    if !a.json {
        let date = |d: chrono::NaiveDate| d.format("%d/%m/%Y").to_string();
        let mut lines = vec![
            loc.tf("import.session.course", &[("name", &clean(&plan.fullname))]),
            loc.tf("import.session.shortname", &[("name", &clean(&plan.shortname))]),
            loc.tf("import.session.model", &[("name", &clean(&plan.model.fullname)), ("n", &lessons)]),
            loc.tf("import.session.dates", &[("from", &date(plan.from)), ("to", &date(plan.to))]),
        ];
        lines.push(match (plan.category_path.is_empty(), plan.category_created.is_empty()) {
            (true, _) => loc.t("import.session.no_category").to_string(),
            (false, true) => loc.tf("import.session.category", &[("path", &plan.category_path)]),
            (false, false) => loc.tf(
                "import.session.category_created",
                &[("path", &plan.category_path), ("list", &plan.category_created.join(", "))],
            ),
        });
        lines.push(match (&plan.group, &plan.order) {
            (Some(g), Some(o)) => {
                loc.tf("import.session.group", &[("name", &clean(g)), ("order", &clean(o))])
            }
            _ => loc.t("import.session.no_group").to_string(),
        });
        lines.push(if plan.tutors.is_empty() {
            loc.t("import.session.no_tutors").to_string()
        } else {
            let t: Vec<String> =
                plan.tutors.iter().map(|t| format!("{} ({})", clean(&t.name), clean(&t.username))).collect();
            loc.tf("import.session.tutors", &[("list", &t.join(", "))])
        });
        if let Some(s) = &plan.support {
            lines.push(loc.tf("import.session.support", &[("name", &clean(&s.fullname))]));
        }
        lines.push(match &learners {
            None => loc.t("import.session.no_learners").to_string(),
            Some((l, _)) => {
                let c = l.counts();
                loc.tf("import.session.learners", &[("new", &c.new), ("existing", &c.existing)])
            }
        });
        for l in lines {
            writeln!(out, "{l}")?;
        }
        if let Some((l, f)) = &learners {
            writeln!(out)?;
            print_plan(&mut out, l, &loc, f, a.dry_run)?;
        }
    }
    if let Some((l, f)) = &learners {
        if let Some(problem) = &l.problem {
            if a.json {
                writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
            }
            let text = format!("{f}: {}", problem.describe(&loc));
            return Err(UserError(loc.tf("import.file_refused", &[("problem", &text)])).into());
        }
        let errors = l.counts().error;
        if errors > 0 {
            if a.json {
                writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
            }
            return Err(UserError(loc.tn("import.refused", errors as i64)).into());
        }
    }
    if a.dry_run {
        if a.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        } else {
            writeln!(out, "{}", loc.t("import.session.dry_run"))?;
        }
        return Ok(0);
    }
    let set = learners.as_ref().and_then(|(l, _)| l.writes());
    let cancel = AtomicBool::new(false);
    let w = plan.write(p.scope.person.as_ref().map(|x| x.id));
    let res = p.store.create_session(&w, set.as_ref(), now, &cancel, &mut |_, _| {}).await;
    let s = match res {
        Ok(s) => s,
        Err(WriteError::Cancelled) => return Err(Interrupted(loc.t("import.cancelled").to_string()).into()),
        Err(WriteError::Stale) => return Err(UserError(loc.t("import.stale").to_string()).into()),
        Err(WriteError::Invalid(m)) => return Err(UserError(m).into()),
        Err(WriteError::Store(e)) => return Err(e.into()),
    };
    report["result"] = json!(s);
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        writeln!(
            out,
            "{}",
            loc.tf(
                "import.session.done",
                &[
                    ("id", &s.course_id),
                    ("lessons", &s.lessons_copied),
                    ("tutors", &s.tutors_added),
                    ("enrolled", &s.learners_enrolled),
                    ("support", &s.support_enrolled),
                ]
            )
        )?;
    }
    Ok(0)
}
