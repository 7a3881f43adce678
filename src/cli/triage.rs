//! `tutorat triage`: the "Jamais connectés" queue for scripts and cron, in the same order
//! and with the same next steps as the tab. `--json` prints a stable array of objects.

use std::io::Write;

use serde::Serialize;

use super::start::{Prepared, UserError};
use crate::locale::Locale;
use crate::model::Ts;
use crate::model::names::table_name;
use crate::model::time::to_datetime;
use crate::model::triage::{Group, Rules, Step, days_open, step};
use crate::store::triage::TriageRow;
use crate::text;

#[derive(Debug, Serialize)]
pub struct JsonLearner {
    pub username: String,
    pub firstname: String,
    pub lastname: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub suspended: bool,
}

#[derive(Debug, Serialize)]
pub struct JsonCourse {
    pub shortname: String,
    pub fullname: String,
}

/// One learner of the queue in `--json` output.
#[derive(Debug, Serialize)]
pub struct JsonEntry {
    pub enrolment_id: i64,
    pub learner: JsonLearner,
    pub course: JsonCourse,
    pub group: Group,
    pub days_open: i64,
    pub reminders_sent: i64,
    /// RFC 3339, UTC.
    pub last_reminder_at: Option<String>,
    pub next_step: Step,
    pub last_note: Option<String>,
}

fn rfc3339(t: Option<Ts>) -> Option<String> {
    t.and_then(to_datetime).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// The queue sorted by urgency (next step, then the longest waiting), then name.
pub fn queue(rows: Vec<TriageRow>, now: Ts, rules: &Rules) -> Vec<(TriageRow, Step, i64)> {
    let mut q: Vec<(TriageRow, Step, i64)> = rows
        .into_iter()
        .map(|r| {
            let next = step(&r.follow_up(), now, rules);
            let days = days_open(r.opened_at, now);
            (r, next, days)
        })
        .collect();
    q.sort_by(|a, b| {
        a.1.cmp(&b.1)
            .then(b.2.cmp(&a.2))
            .then_with(|| text::fold(&a.0.lastname).cmp(&text::fold(&b.0.lastname)))
            .then(a.0.enrolment_id.cmp(&b.0.enrolment_id))
    });
    q
}

/// The reminders of a learner: how many left, and what happens to one still pending (one
/// whose sending is uncertain reads "incertaine", not "envoi…").
fn reminders_cell(f: &crate::model::triage::FollowUp, loc: &Locale) -> String {
    let n = loc.num(f.reminders_sent);
    match f.reminder_state().label_key() {
        Some(key) => format!("{n} · {}", loc.t(key)),
        None => n,
    }
}

pub async fn run(
    p: &Prepared,
    course: Option<&str>,
    json: bool,
    now: Ts,
    out: &mut dyn Write,
) -> color_eyre::Result<()> {
    let loc = Locale::new(p.lang);
    let course_id = match course {
        None => None,
        Some(short) => match p.store.course_by_shortname(&p.scope, short).await? {
            Some((id, _)) => Some(id),
            None => {
                return Err(UserError::tf(
                    &loc,
                    "chars.triage_no_course",
                    &[("course", &format!("{short:?}"))],
                )
                .into());
            }
        },
    };
    let rows = p.store.triage(&p.scope, course_id, now).await?;
    let q = queue(rows, now, &p.config.triage_rules());
    if json {
        let entries: Vec<JsonEntry> = q
            .into_iter()
            .map(|(r, step, days)| JsonEntry {
                enrolment_id: r.enrolment_id,
                group: r.group(),
                learner: JsonLearner {
                    username: r.username,
                    firstname: r.firstname,
                    lastname: r.lastname,
                    email: r.email,
                    phone: r.phone,
                    suspended: r.suspended,
                },
                course: JsonCourse { shortname: r.shortname, fullname: r.fullname },
                days_open: days,
                reminders_sent: r.reminders_sent,
                last_reminder_at: rfc3339(r.last_reminder_at),
                next_step: step,
                last_note: r.last_note,
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &entries)?;
        writeln!(out)?;
        return Ok(());
    }
    let platform = q.iter().filter(|(r, ..)| r.group() == Group::NeverPlatform).count() as i64;
    writeln!(out, "{}", loc.t("tabs.triage"))?;
    writeln!(
        out,
        "{} · {}",
        loc.tf("triage.count_platform", &[("n", &loc.num(platform))]),
        loc.tf("triage.count_course", &[("n", &loc.num(q.len() as i64 - platform))])
    )?;
    if q.is_empty() {
        writeln!(out, "{}", loc.t("triage.empty"))?;
        return Ok(());
    }
    let head = [
        loc.t("triage.col_next").to_string(),
        loc.t("triage.col_learner").to_string(),
        loc.t("triage.col_course").to_string(),
        loc.t("triage.col_group").to_string(),
        loc.t("triage.col_days").to_string(),
        loc.t("triage.col_reminders").to_string(),
        loc.t("triage.col_contact").to_string(),
    ];
    let lines: Vec<[String; 7]> = q
        .iter()
        .map(|(r, step, days)| {
            let name = text::clean(&table_name(&r.firstname, &r.lastname));
            let contact = [r.email.as_deref(), r.phone.as_deref()]
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
                .map(text::clean)
                .collect::<Vec<_>>()
                .join(" ");
            [
                loc.t(step.label_key()).to_string(),
                name,
                text::clean(&r.shortname),
                loc.t(r.group().short_key()).to_string(),
                days.to_string(),
                reminders_cell(&r.follow_up(), &loc),
                contact,
            ]
        })
        .collect();
    let mut widths = head.iter().map(|h| text::width(h)).collect::<Vec<_>>();
    for l in &lines {
        for (w, c) in widths.iter_mut().zip(l.iter()) {
            *w = (*w).max(text::width(c));
        }
    }
    writeln!(out)?;
    for row in std::iter::once(&head).chain(lines.iter()) {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(c, w)| text::pad(c, *w)).collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}
