//! `tutorat cohort list|show|sync|remove`: the cohorts the import fills, and the courses
//! synced with them (every member enrolled; members who leave have the enrolments the sync
//! made ended, never deleted).

use std::io::Write;

use clap::Subcommand;
use serde_json::json;

use super::import::Quiet;
use super::start::{Prepared, UserError};
use crate::locale::Locale;
use crate::model::Ts;
use crate::store::StoreError;
use crate::text::{self, clean};

#[derive(Debug, Subcommand)]
pub enum CohortCommand {
    /// Every cohort with its number of members and synced courses.
    List {
        #[arg(long)]
        json: bool,
    },
    /// One cohort (by name or idnumber): its members and synced courses.
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Sync a course with the cohort: every member is enrolled, now and whenever the
    /// cohort changes (import, remove); members who leave have their enrolment ended.
    Sync {
        name: String,
        /// Short name of the course.
        #[arg(long, value_name = "SHORTNAME")]
        course: String,
        /// Say what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Take people out of a cohort (the synced courses end the enrolments it made).
    Remove {
        name: String,
        /// Usernames of the members to remove.
        #[arg(required = true, value_name = "USERNAME")]
        usernames: Vec<String>,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
}

fn user(e: StoreError) -> color_eyre::Report {
    match e {
        StoreError::Invalid(m) => UserError(m).into(),
        e => e.into(),
    }
}

pub async fn run(p: &Prepared, cmd: &CohortCommand, now: Ts) -> color_eyre::Result<u8> {
    let loc = Locale::new(p.lang);
    let mut out = Quiet(std::io::stdout().lock());
    match cmd {
        CohortCommand::List { json } => {
            let all = p.store.cohorts().await?;
            if *json {
                writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?;
            } else if all.is_empty() {
                writeln!(out, "{}", loc.t("import.cohort.none"))?;
            } else {
                let head = ["col_name", "col_idnumber", "col_members", "col_courses"]
                    .map(|k| loc.t(&format!("import.cohort.{k}")).to_string());
                let rows: Vec<[String; 4]> = all
                    .iter()
                    .map(|c| {
                        [
                            clean(&c.name),
                            clean(c.idnumber.as_deref().unwrap_or("")),
                            loc.num(c.members),
                            loc.num(c.courses),
                        ]
                    })
                    .collect();
                table(&mut out, &head, &rows)?;
            }
        }
        CohortCommand::Show { name, json } => {
            let Some(d) = p.store.cohort(name).await? else {
                return Err(UserError(loc.tf("import.cohort.unknown", &[("name", &clean(name))])).into());
            };
            if *json {
                writeln!(out, "{}", serde_json::to_string_pretty(&d)?)?;
                return Ok(0);
            }
            let c = &d.cohort;
            writeln!(
                out,
                "{}",
                loc.tf(
                    "import.cohort.header",
                    &[
                        ("name", &clean(&c.name)),
                        ("idnumber", &clean(c.idnumber.as_deref().unwrap_or("-"))),
                        ("members", &loc.num(c.members))
                    ]
                )
            )?;
            if d.courses.is_empty() {
                writeln!(out, "{}", loc.t("import.cohort.no_courses"))?;
            } else {
                let l: Vec<String> = d.courses.iter().map(|k| clean(&k.shortname)).collect();
                writeln!(out, "{}", loc.tf("import.cohort.courses", &[("list", &l.join(", "))]))?;
            }
            if d.members.is_empty() {
                writeln!(out, "{}", loc.t("import.cohort.no_members"))?;
            }
            let rows: Vec<[String; 3]> = d
                .members
                .iter()
                .map(|m| {
                    [
                        format!("{} {}", clean(&m.lastname).to_uppercase(), clean(&m.firstname)),
                        clean(&m.username),
                        clean(m.email.as_deref().unwrap_or("")),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                writeln!(out)?;
                table(&mut out, &[String::new(), String::new(), String::new()], &rows)?;
            }
        }
        CohortCommand::Sync { name, course, dry_run, json } => {
            known(p, &loc, name).await?;
            let r = p.store.sync_cohort(name, course, now, *dry_run).await.map_err(user)?;
            if *json {
                let mut v = json!(r);
                v["cohort"] = json!(name);
                v["course"] = json!(course);
                v["dry_run"] = json!(dry_run);
                writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
            } else {
                let c = r.counts;
                let mut line = loc.tf(
                    "import.cohort.synced",
                    &[
                        ("cohort", &clean(name)),
                        ("course", &clean(course)),
                        ("enrolled", &c.enrolled),
                        ("reactivated", &c.reactivated),
                        ("ended", &c.ended),
                    ],
                );
                if r.newly_linked {
                    line = format!("{line} {}", loc.t("import.cohort.linked_now"));
                }
                writeln!(out, "{line}")?;
                if *dry_run {
                    writeln!(out, "{}", loc.t("import.cohort.dry_run"))?;
                }
            }
        }
        CohortCommand::Remove { name, usernames, dry_run, json } => {
            known(p, &loc, name).await?;
            let r = p.store.remove_cohort_members(name, usernames, now, *dry_run).await.map_err(user)?;
            if *json {
                let mut v = json!(r);
                v["cohort"] = json!(name);
                v["dry_run"] = json!(dry_run);
                writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
            } else {
                writeln!(
                    out,
                    "{}",
                    loc.tf(
                        "import.cohort.removed",
                        &[("n", &r.removed), ("cohort", &clean(name)), ("ended", &r.counts.ended)]
                    )
                )?;
                if !r.not_members.is_empty() {
                    let l: Vec<String> = r.not_members.iter().map(|u| clean(u)).collect();
                    writeln!(out, "{}", loc.tf("import.cohort.not_members", &[("list", &l.join(", "))]))?;
                }
                if *dry_run {
                    writeln!(out, "{}", loc.t("import.cohort.dry_run"))?;
                }
            }
        }
    }
    Ok(0)
}

async fn known(p: &Prepared, loc: &Locale, name: &str) -> color_eyre::Result<()> {
    if p.store.cohort(name).await?.is_none() {
        return Err(UserError(loc.tf("import.cohort.unknown", &[("name", &clean(name))])).into());
    }
    Ok(())
}

/// Columns padded to their widest cell (display width), two spaces apart.
fn table<const N: usize>(
    out: &mut dyn Write,
    head: &[String; N],
    rows: &[[String; N]],
) -> std::io::Result<()> {
    let mut widths = head.each_ref().map(|h| text::width(h));
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(text::width(c));
        }
    }
    let show_head = head.iter().any(|h| !h.is_empty());
    for row in show_head.then_some(head).into_iter().chain(rows.iter()) {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(c, w)| text::pad(c, *w)).collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}
