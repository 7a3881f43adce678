//! What a sending says: template variables, preview, attachments, and the queueing of a
//! whole sending (with the copy to the tutor) in one transaction.

use std::hash::{BuildHasher, RandomState};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use minijinja::{Value, context};
use serde::Serialize;

use super::plan::{Plan, Recipient, SkipReason};
use super::templates::{Compiled, Rendered, TemplateError, TemplateProblem};
use super::{Kind, RemindError, Reminders};
use crate::locale::Locale;
use crate::model::Ts;
use crate::model::names::prose_name;
use crate::model::time::{DisplayTz, days_between};
use crate::store::Store;
use crate::store::people::{Person, Scope};
use crate::store::reminders::{NewReminder, StoredAttachment};
use crate::text::plain;

/// Total size allowed for the attachments of one sending (2 MiB, as the organisation's
/// mail server accepts).
pub const MAX_ATTACHMENTS_BYTES: usize = 2 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum AttachmentError {
    #[error("attachments total {total} bytes, more than the {limit} allowed")]
    TooLarge { total: usize, limit: usize },
    #[error("cannot read attachment {path}: {reason}")]
    Unreadable { path: String, reason: String },
}

impl Attachment {
    pub fn from_path(path: &Path) -> Result<Attachment, AttachmentError> {
        let bytes = std::fs::read(path).map_err(|e| AttachmentError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let filename =
            path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
        Ok(Attachment { filename, bytes })
    }

    /// MIME type from the file extension; unknown ones go as opaque bytes.
    pub fn content_type(&self) -> &'static str {
        let ext = self.filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        match ext.as_str() {
            "pdf" => "application/pdf",
            "txt" => "text/plain; charset=utf-8",
            "csv" => "text/csv; charset=utf-8",
            "png" => "image/png",
            "jpg" | "jpeg" => "image/jpeg",
            "gif" => "image/gif",
            "doc" => "application/msword",
            "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xls" => "application/vnd.ms-excel",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "ppt" => "application/vnd.ms-powerpoint",
            "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "odt" => "application/vnd.oasis.opendocument.text",
            "zip" => "application/zip",
            _ => "application/octet-stream",
        }
    }
}

/// Checks the 2 MiB total; returns the total in bytes.
pub fn check_attachments(attachments: &[Attachment]) -> Result<usize, AttachmentError> {
    let total = attachments.iter().map(|a| a.bytes.len()).sum();
    if total > MAX_ATTACHMENTS_BYTES {
        return Err(AttachmentError::TooLarge { total, limit: MAX_ATTACHMENTS_BYTES });
    }
    Ok(total)
}

/// The session a virtual class announcement is about (`virtual_class.*` in templates).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualClassVars {
    pub title: String,
    pub starts_at: Ts,
    pub duration_min: i64,
    pub link: String,
}

/// The message of one sending, as chosen in the dialog.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Compose {
    pub template: String,
    /// The tutor's edit of the body source for this sending (same variables).
    pub edited_body: Option<String>,
    pub attachments: Vec<Attachment>,
    pub virtual_class: Option<VirtualClassVars>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Enqueued {
    pub batch_id: String,
    /// Messages queued for learners.
    pub queued: usize,
    /// Whether the copy to the tutor was queued too.
    pub copy: bool,
    /// Learners reminded by someone else between the plan and now (not queued again).
    pub skipped_now: Vec<(Recipient, SkipReason)>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A batch id unique across processes and machines: time, pid, a per-process random
/// value and a counter. (The UNIQUE constraint on message ids is the final guard.)
pub fn new_batch_id(now: Ts) -> String {
    let random = RandomState::new().hash_one(std::process::id()) as u32;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{now:x}.{:x}.{random:08x}.{n:x}", std::process::id())
}

fn domain_of(address: &str) -> Option<&str> {
    address.rsplit_once('@').map(|(_, d)| d.trim()).filter(|d| !d.is_empty() && d.is_ascii())
}

impl Reminders {
    fn date(&self, ts: Option<Ts>) -> String {
        self.locale.date(ts, self.settings.tz)
    }

    /// The variables a template sees for one recipient (documented in the README).
    pub fn vars(&self, r: &Recipient, tutor: &Person, vc: Option<&VirtualClassVars>, now: Ts) -> Value {
        let loc = &self.locale;
        let platform = if self.settings.platform_name.trim().is_empty() {
            loc.t("reminders.platform_default").to_string()
        } else {
            self.settings.platform_name.clone()
        };
        let tutor_name = prose_name(&tutor.firstname, &tutor.lastname);
        // Names were cleaned for the screen; a message carries them without cell breaks.
        let mut ctx = context! {
            learner => context! {
                firstname => plain(&r.firstname), lastname => plain(&r.lastname), name => plain(&r.name),
                username => plain(&r.username), email => r.email.clone().unwrap_or_default(),
                progress => r.progress,
            },
            course => context! {
                name => plain(&r.course_name), shortname => plain(&r.course_shortname),
                start => self.date(r.course_start), end => self.date(r.course_end),
                days_since_start => r.course_start.map(|s| days_between(s, now)).unwrap_or(0),
            },
            platform => context! { name => platform, url => self.settings.login_url.as_str() },
            tutor => context! {
                firstname => tutor.firstname.trim(), lastname => tutor.lastname.trim(), name => tutor_name,
                email => tutor.email.clone().unwrap_or_default(),
            },
        };
        if let Some(v) = vc {
            let time = self
                .settings
                .tz
                .naive(v.starts_at)
                .map(|d| d.format("%H:%M").to_string())
                .unwrap_or_default();
            let vc = context! {
                title => v.title.as_str(), date => self.date(Some(v.starts_at)), time => time,
                duration => v.duration_min, link => v.link.as_str(),
            };
            ctx = context! { virtual_class => vc, ..ctx };
        }
        ctx
    }

    fn sender_or_placeholder(scope: &Scope) -> Person {
        scope.person.clone().unwrap_or_else(|| Person {
            id: -1,
            username: scope.username.clone(),
            firstname: String::new(),
            lastname: scope.username.clone(),
            email: None,
            is_admin: false,
            damaged: false,
        })
    }

    fn compile(&self, c: &Compose) -> Result<Compiled, TemplateError> {
        self.templates.compile(&c.template, c.edited_body.as_deref()).unwrap_or_else(|| {
            Err(TemplateError {
                template: c.template.clone(),
                part: "subject",
                line: None,
                problem: TemplateProblem::UnknownTemplate,
            })
        })
    }

    /// The message as `recipient` would get it; errors name the template, line and variable.
    pub fn preview(
        &self,
        scope: &Scope,
        recipient: &Recipient,
        c: &Compose,
        now: Ts,
    ) -> Result<Rendered, TemplateError> {
        let tutor = Self::sender_or_placeholder(scope);
        self.compile(c)?.render(&self.vars(recipient, &tutor, c.virtual_class.as_ref(), now))
    }

    /// Renders every message of the plan and queues them, with the copy to the tutor and
    /// the attachments, in ONE transaction that re-checks the minimum interval. Nothing is
    /// queued if any message fails to render or the attachments are too large.
    pub async fn enqueue(
        &self,
        store: &Store,
        scope: &Scope,
        plan: &Plan,
        c: &Compose,
        now: Ts,
    ) -> Result<Enqueued, RemindError> {
        let sender = scope.person.as_ref().ok_or_else(|| RemindError::NoSender(scope.username.clone()))?;
        check_attachments(&c.attachments)?;
        if plan.send.is_empty() {
            return Err(RemindError::NothingToSend);
        }
        let batch_id = new_batch_id(now);
        let domain = domain_of(&self.settings.from_address)
            .or_else(|| sender.email.as_deref().and_then(domain_of))
            .unwrap_or("tutorat.invalid")
            .to_string();
        let mid = |n: usize| format!("<{batch_id}.{n}@{domain}>");
        let mut rows = Vec::with_capacity(plan.send.len() + 1);
        let compiled = self.compile(c)?;
        for (n, r) in plan.send.iter().enumerate() {
            let m = compiled.render(&self.vars(r, sender, c.virtual_class.as_ref(), now))?;
            rows.push(NewReminder {
                message_id: mid(n),
                enrolment_id: Some(r.enrolment_id),
                course_id: r.course_id,
                kind: plan.kind.as_db(),
                template: c.template.clone(),
                recipient: r.email.clone().unwrap_or_default(),
                subject: m.subject,
                body: m.body,
                forced: plan.force && r.recently_reminded.is_some(),
            });
        }
        let attachments: Vec<StoredAttachment> = c
            .attachments
            .iter()
            .map(|a| StoredAttachment {
                filename: a.filename.clone(),
                content_type: a.content_type().to_string(),
                content: a.bytes.clone(),
            })
            .collect();
        let since = now - self.settings.min_interval_hours * 3600;
        // The copy lists everyone planned; recipients dropped by the re-check are rare
        // (a concurrent sending) and the copy says "planned", so it stays truthful.
        let copy = plan.copy_to.as_ref().map(|to| {
            let first = &rows[0];
            NewReminder {
                message_id: mid(plan.send.len()),
                enrolment_id: None,
                course_id: plan.send[0].course_id,
                kind: Kind::Copy.as_db(),
                template: c.template.clone(),
                recipient: to.clone(),
                subject: self.locale.tf("reminders.copy_subject", &[("subject", &first.subject)]),
                body: copy_body(&self.locale, self.settings.tz, plan, &first.body),
                forced: false,
            }
        });
        let has_copy = copy.is_some();
        rows.extend(copy);
        let (inserted, dropped) =
            store.enqueue_reminders(&batch_id, sender.id, rows, &attachments, since, now).await?;
        let skipped_now: Vec<(Recipient, SkipReason)> = dropped
            .iter()
            .filter_map(|(e, t)| {
                let r = plan.send.iter().find(|r| r.enrolment_id == *e)?;
                Some((r.clone(), SkipReason::RecentlyReminded { last_at: *t }))
            })
            .collect();
        let copy = has_copy && inserted > plan.send.len() - skipped_now.len();
        Ok(Enqueued { batch_id, queued: inserted - usize::from(copy), copy, skipped_now })
    }
}

/// The tutor's copy: who it went to, who was skipped and why, then the message as the
/// first recipient gets it.
fn copy_body(loc: &Locale, tz: DisplayTz, plan: &Plan, first_body: &str) -> String {
    let several_courses = plan.send.iter().any(|r| r.course_id != plan.send[0].course_id);
    let line = |r: &Recipient| {
        let course =
            if several_courses { format!(" [{}]", plain(&r.course_shortname)) } else { String::new() };
        format!("- {} <{}>{course}\n", plain(&r.name), r.email.as_deref().unwrap_or(""))
    };
    let mut out = loc.tn("reminders.copy_intro", plan.send.len() as i64);
    out.push_str("\n\n");
    plan.send.iter().for_each(|r| out.push_str(&line(r)));
    if !plan.skipped.is_empty() {
        out.push('\n');
        out.push_str(&loc.tn("reminders.copy_skipped", plan.skipped.len() as i64));
        out.push('\n');
        for (r, why) in &plan.skipped {
            out.push_str(&format!("- {} ({})\n", plain(&r.name), why.describe(loc, tz)));
        }
    }
    out.push('\n');
    out.push_str(&loc.tf("reminders.copy_message", &[("name", &plain(&plan.send[0].name))]));
    out.push_str("\n\n");
    out.push_str(first_body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_limit_and_types() {
        let a = |n: &str, len: usize| Attachment { filename: n.into(), bytes: vec![0; len] };
        assert_eq!(
            check_attachments(&[a("a.pdf", 1024 * 1024), a("b.pdf", 1024 * 1024)]),
            Ok(2 * 1024 * 1024)
        );
        assert_eq!(
            check_attachments(&[a("a.pdf", 1024 * 1024), a("b.pdf", 1024 * 1024 + 1)]),
            Err(AttachmentError::TooLarge { total: 2 * 1024 * 1024 + 1, limit: MAX_ATTACHMENTS_BYTES })
        );
        assert_eq!(a("Guide.PDF", 1).content_type(), "application/pdf");
        assert_eq!(a("noext", 1).content_type(), "application/octet-stream");
    }

    #[test]
    fn batch_ids_differ() {
        assert_ne!(new_batch_id(1), new_batch_id(1));
        assert_eq!(domain_of("a@b.fr"), Some("b.fr"));
        assert_eq!(domain_of("nobody"), None);
    }
}
