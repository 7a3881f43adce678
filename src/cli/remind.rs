//! `tutorat remind`: the Relancer dialog for scripts and cron. Same plan, queue and
//! dispatcher as the dashboard; it also sends what this tutor left queued (a crash, a
//! lost session) and the retries that are due.
//!
//! Exit codes: 0 everything planned left; 2 a user error (usage, configuration, unknown
//! course, learner or template, template error, attachments too large); 3 done, but some
//! reminders failed, will be retried, are uncertain, or were left queued by an interrupt;
//! 1 anything else (the database went away, …).

use std::io::Write;
use std::path::PathBuf;

use clap::Args as ClapArgs;
use serde_json::{Value as Json, json};

use super::generate::Interrupted;
use super::start::{Prepared, UserError};
use crate::locale::Locale;
use crate::model::{EnrolmentStatus, Ts};
use crate::reminders::compose::check_attachments;
use crate::reminders::describe::{
    attachment_error_text, error_text, failure_text, template_error_text, transport_error_text,
};
use crate::reminders::{
    Attachment, CancelToken, Compose, IncludeUnfit, Kind, Plan, PlanRequest, RemindError, Reminders,
    Rendered, Summary, Transport, dispatch,
};
use crate::text::{clean, plain};

#[derive(Debug, Clone, Default, ClapArgs)]
pub struct RemindArgs {
    /// Short name of the course.
    #[arg(long, value_name = "SHORTNAME", required_unless_present = "resume")]
    pub course: Option<String>,
    /// The learners who never opened the course.
    #[arg(long, conflicts_with_all = ["not_started", "learner", "all"])]
    pub never_accessed: bool,
    /// The learners who have not started any lesson.
    #[arg(long, conflicts_with_all = ["learner", "all"])]
    pub not_started: bool,
    /// These learners (usernames; repeat the flag or list several).
    #[arg(long, value_name = "USERNAME", num_args = 1.., conflicts_with = "all")]
    pub learner: Vec<String>,
    /// Every learner of the course.
    #[arg(long)]
    pub all: bool,
    /// Template name (see `assets/templates/<lang>/`, or your [reminders] templates_dir).
    #[arg(long, value_name = "NAME", required_unless_present = "resume")]
    pub template: Option<String>,
    /// A file to attach (2 MiB in total at most); repeat for several.
    #[arg(long, value_name = "FILE")]
    pub attach: Vec<PathBuf>,
    /// Also remind learners reminded less than [reminders] min_interval_hours ago.
    #[arg(long)]
    pub force: bool,
    /// Also send to learners the template is not written for (its `For:` header): a
    /// "never connected" message to one who connected, say. They are skipped otherwise.
    #[arg(long)]
    pub include_unfit: bool,
    /// Show who would be reminded, who is skipped and the message; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print a JSON report on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Only send what is already queued for you (after a crash) and the retries now due.
    #[arg(long, conflicts_with_all = ["course", "template", "never_accessed", "not_started", "learner", "all", "force", "include_unfit", "dry_run", "attach"])]
    pub resume: bool,
}

pub const EXIT_OK: u8 = 0;
pub const EXIT_ATTENTION: u8 = 3;

fn user(e: RemindError, loc: &Locale) -> color_eyre::Report {
    match e {
        RemindError::Store(s)
            if !matches!(
                s,
                crate::store::StoreError::Forbidden(_) | crate::store::StoreError::Invalid(_)
            ) =>
        {
            color_eyre::Report::new(s)
        }
        e => UserError(error_text(&e, loc)).into(),
    }
}

/// Enrolments of the course matching the selection, sorted by name.
async fn select(
    p: &Prepared,
    a: &RemindArgs,
    course_id: i64,
    short: &str,
    loc: &Locale,
) -> color_eyre::Result<Vec<i64>> {
    let cl = p.store.course_learners(&p.scope, course_id).await.map_err(|e| UserError::store(loc, &e))?;
    let mut rows: Vec<_> = cl.rows.iter().collect();
    rows.sort_by_key(|r| (r.lastname.to_lowercase(), r.firstname.to_lowercase(), r.enrolment_id));
    if !a.learner.is_empty() {
        let mut ids = Vec::new();
        for u in &a.learner {
            let Some(r) = rows.iter().find(|r| &r.username == u) else {
                let args: [(&str, &dyn std::fmt::Display); 2] =
                    [("user", &format!("{u:?}")), ("course", &short)];
                return Err(UserError::tf(loc, "chars.remind_not_enrolled", &args).into());
            };
            ids.push(r.enrolment_id);
        }
        return Ok(ids);
    }
    Ok(rows
        .into_iter()
        .filter(|r| {
            a.all
                || (a.never_accessed && r.last_access.is_none())
                || (a.not_started && r.status(cl.lessons_total) == EnrolmentStatus::NotStarted)
        })
        .map(|r| r.enrolment_id)
        .collect())
}

fn plan_json(plan: &Plan, loc: &Locale, rem: &Reminders) -> (Json, Json) {
    let to: Vec<Json> = plan
        .send
        .iter()
        .map(|r| {
            json!({"enrolment_id": r.enrolment_id, "username": plain(&r.username), "name": plain(&r.name),
                   "email": r.email, "forced": r.recently_reminded.is_some(), "state": r.state,
                   "does_not_fit": r.misfit(&plan.for_states).is_some()})
        })
        .collect();
    let skipped: Vec<Json> = plan
        .skipped
        .iter()
        .map(|(r, why)| {
            let last = match why {
                crate::reminders::SkipReason::RecentlyReminded { last_at } => Some(*last_at),
                _ => None,
            };
            json!({"enrolment_id": r.enrolment_id, "username": plain(&r.username), "name": plain(&r.name),
                   "email": r.email, "reason": why.code(), "reason_text": why.describe(loc, rem.settings.tz),
                   "last_reminded_at": last, "state": r.state})
        })
        .collect();
    (Json::Array(to), Json::Array(skipped))
}

/// The learners someone else reminded between the plan and the queueing (another tutor,
/// another run: the queueing transaction checks again) are skipped, with the reason, not
/// listed as recipients of a message that was never queued.
pub fn settle(
    plan: &mut Plan,
    skipped_now: Vec<(crate::reminders::Recipient, crate::reminders::SkipReason)>,
) {
    for (r, why) in skipped_now {
        plan.send.retain(|s| s.enrolment_id != r.enrolment_id);
        plan.skipped.push((r, why));
    }
}

fn print_text(
    out: &mut dyn Write,
    plan: Option<&Plan>,
    preview: Option<&Rendered>,
    s: Option<&Summary>,
    loc: &Locale,
    rem: &Reminders,
) -> std::io::Result<()> {
    if let Some(plan) = plan {
        let counts: [(&str, &dyn std::fmt::Display); 2] =
            [("n", &plan.send.len()), ("skipped", &plan.skipped.len())];
        writeln!(out, "{}", loc.tf("chars.remind_counts", &counts))?;
        let tz = rem.settings.tz;
        for r in &plan.send {
            let mut notes = Vec::new();
            if r.recently_reminded.is_some() {
                notes.push(loc.t("chars.remind_forced").to_string());
            }
            if let Some(why) = r.misfit(&plan.for_states) {
                notes.push(loc.tf("chars.remind_unfit_included", &[("why", &why.describe(loc, tz))]));
            }
            let name = clean(&r.name);
            let email = clean(r.email.as_deref().unwrap_or(""));
            let line = loc.tf("chars.remind_recipient", &[("name", &name), ("email", &email)]);
            let notes: String = notes.iter().map(|n| format!("  ({n})")).collect();
            writeln!(out, "{line}{notes}")?;
        }
        for (r, why) in &plan.skipped {
            let args: [(&str, &dyn std::fmt::Display); 2] =
                [("name", &clean(&r.name)), ("why", &why.describe(loc, tz))];
            writeln!(out, "{}", loc.tf("chars.remind_skipped", &args))?;
        }
    }
    if let Some(m) = preview {
        writeln!(out)?;
        writeln!(out, "{} {}", loc.t("remind.subject"), clean(&m.subject))?;
        writeln!(out)?;
        writeln!(out, "{}", m.body.lines().map(clean).collect::<Vec<_>>().join("\n"))?;
    }
    if let Some(s) = s {
        let stop = if let Some(why) = &s.server_down {
            let why =
                s.server_down_failure.as_ref().map(|f| failure_text(f, loc)).unwrap_or_else(|| why.clone());
            format!(", {}", loc.tf("edges.server_down", &[("n", &s.remaining), ("error", &clean(&why))]))
        } else if s.cancelled {
            format!(", {}", loc.tf("chars.remind_interrupted", &[("n", &s.remaining)]))
        } else {
            String::new()
        };
        let counts: [(&str, &dyn std::fmt::Display); 5] = [
            ("sent", &s.sent),
            ("skipped", &s.skipped),
            ("failed", &s.failed),
            ("retry", &s.will_retry),
            ("uncertain", &s.uncertain),
        ];
        writeln!(out, "{}{stop}", loc.tf("chars.remind_summary", &counts))?;
        if s.uncertain > 0 {
            writeln!(out, "{}", loc.t("reminders.uncertain_hint"))?;
        }
    }
    Ok(())
}

/// Writes the report; a reader that went away (`| head`) is not an error: the work is
/// done and its exit code stands.
fn emit(res: std::io::Result<()>) -> color_eyre::Result<()> {
    match res {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn json_out(out: &mut dyn Write, report: &Json) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

pub async fn run(p: &Prepared, a: &RemindArgs, now: Ts, out: &mut dyn Write) -> color_eyre::Result<u8> {
    let loc = Locale::new(p.lang);
    if !p.scope.is_known() {
        // prepare() already refuses an unknown tutor; this keeps the rule for any caller.
        let e = p.store.known_scope(&p.scope.username).await.err();
        return Err(UserError(e.map(|e| UserError::store(&loc, &e).0).unwrap_or_default()).into());
    }
    if !a.dry_run {
        // Refused up front: nothing is planned for a database that cannot take it.
        p.store.check_writable().map_err(|e| UserError::store(&loc, &e))?;
    }
    // SIGINT, SIGTERM, SIGHUP: the sending stops at once, what is left stays queued.
    let cancel = CancelToken::new();
    super::signals::cancel_on_signals(cancel.clone())?;
    let rem = Reminders::from_config(&p.config, p.lang).map_err(|e| UserError(error_text(&e, &loc)))?;
    let transport =
        Transport::from_config(&p.config, p.demo, p.data_dir.as_deref(), &|k| std::env::var(k).ok())
            .map_err(|e| UserError(transport_error_text(&e, &loc)))?;
    let mut report = json!({"course": a.course, "template": a.template, "dry_run": a.dry_run, "forced": a.force,
                            "transport": transport.describe()});
    let mut plan = None;
    if !a.resume {
        let short = a.course.clone().unwrap_or_default();
        let template = a.template.clone().unwrap_or_default();
        if !(a.never_accessed || a.not_started || a.all || !a.learner.is_empty()) {
            return Err(UserError(loc.t("chars.remind_say_who").into()).into());
        }
        // This command gives no virtual class: the announcement cannot be sent from here.
        let offered: Vec<String> = rem.templates.offered(false).into_iter().map(|(i, _)| i.name).collect();
        if !offered.contains(&template) {
            let key = if rem.templates.contains(&template) {
                "chars.template_needs_class"
            } else {
                "chars.remind_unknown_template"
            };
            let args: [(&str, &dyn std::fmt::Display); 2] =
                [("template", &format!("{template:?}")), ("available", &offered.join(", "))];
            return Err(UserError::tf(&loc, key, &args).into());
        }
        let (course_id, _) = p.store.course_by_shortname(&p.scope, &short).await?.ok_or_else(|| {
            let args: [(&str, &dyn std::fmt::Display); 2] =
                [("course", &format!("{short:?}")), ("tutor", &p.scope.username)];
            UserError::tf(&loc, "chars.remind_no_course", &args)
        })?;
        let ids = select(p, a, course_id, &short, &loc).await?;
        let req = PlanRequest { enrolment_ids: ids, force: a.force, kind: Kind::for_template(&template) };
        let include = if a.include_unfit { IncludeUnfit::All } else { IncludeUnfit::None };
        let mut pl = rem
            .plan_for_template(&p.store, &p.scope, &req, &template, &include, now)
            .await
            .map_err(|e| user(e, &loc))?;
        let attachments: Vec<Attachment> = a
            .attach
            .iter()
            .map(|f| Attachment::from_path(f))
            .collect::<Result<_, _>>()
            .map_err(|e| UserError(attachment_error_text(&e, &loc)))?;
        check_attachments(&attachments).map_err(|e| UserError(attachment_error_text(&e, &loc)))?;
        let compose = Compose { template, attachments, ..Compose::default() };
        let preview = match pl.send.first() {
            Some(r) => Some(
                rem.preview(&p.scope, r, &compose, now)
                    .map_err(|e| UserError(template_error_text(&e, &loc)))?,
            ),
            None => None,
        };
        report["preview"] = json!(preview);
        report["copy_to"] = json!(pl.copy_to);
        if a.dry_run {
            let (to, skipped) = plan_json(&pl, &loc, &rem);
            report["recipients"] = to;
            report["skipped"] = skipped;
            emit(if a.json {
                json_out(out, &report)
            } else {
                print_text(out, Some(&pl), preview.as_ref(), None, &loc, &rem)
            })?;
            return Ok(EXIT_OK);
        }
        if cancel.is_cancelled() {
            return Err(Interrupted(loc.t("chars.remind_stopped_early").into()).into());
        }
        if !pl.send.is_empty() {
            let q = rem.enqueue(&p.store, &p.scope, &pl, &compose, now).await.map_err(|e| user(e, &loc))?;
            tracing::info!(queued = q.queued, batch = %q.batch_id, "reminders queued");
            report["batch_id"] = json!(q.batch_id);
            report["queued"] = json!(q.queued);
            report["copy_queued"] = json!(q.copy);
            settle(&mut pl, q.skipped_now);
        }
        let (to, skipped) = plan_json(&pl, &loc, &rem);
        report["recipients"] = to;
        report["skipped"] = skipped;
        plan = Some(pl);
    }
    let identity = rem.identity(&p.scope);
    let mut s =
        dispatch(&p.store, &transport, &p.scope, &identity, &rem.dispatch_options(), |_| {}, &cancel).await?;
    if s.stopped_early() {
        transport.close_now().await;
    } else {
        transport.shutdown().await;
    }
    s.skipped = plan.as_ref().map(|pl| pl.skipped.len()).unwrap_or(0);
    // "skipped" stays the list of skipped learners (its length is the count).
    for (k, v) in [
        ("sent", s.sent),
        ("failed", s.failed),
        ("will_retry", s.will_retry),
        ("uncertain", s.uncertain),
        ("recovered", s.recovered),
        ("remaining", s.remaining),
    ] {
        report[k] = json!(v);
    }
    report["interrupted"] = json!(s.cancelled);
    report["server_down"] = json!(s.server_down);
    report["elapsed_ms"] = json!(s.elapsed_ms);
    emit(if a.json {
        json_out(out, &report)
    } else {
        print_text(out, plan.as_ref(), None, Some(&s), &loc, &rem)
    })?;
    let attention = s.failed + s.will_retry + s.uncertain + s.remaining > 0 || s.stopped_early();
    Ok(if attention { EXIT_ATTENTION } else { EXIT_OK })
}
