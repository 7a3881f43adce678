//! Reminders: who gets one (the plan), what it says (templates), how it is queued (an
//! outbox in the database) and how it leaves (the dispatcher and its transports).
//!
//! The flow, the same for the dashboard and `tutorat remind`:
//! 1. [`Reminders::plan`]: recipients and the ones skipped, with the reason;
//! 2. [`Reminders::preview`]: the message rendered for one recipient;
//! 3. [`Reminders::enqueue`]: every message written as `queued` in ONE transaction that
//!    re-checks the minimum interval, with the copy to the tutor and the attachments;
//! 4. [`dispatcher::dispatch`]: a worker claims each queued message in a committed write,
//!    hands it to the transport, then marks it `sent` or `failed`.
//!
//! Exactly-once: a message is never handed to the server twice automatically. A process
//! that dies between the claim and the `sent` mark leaves the row `sending`; the next
//! dispatch (any process) turns it into `uncertain` once the claim is known dead, and only
//! the tutor can resend it ([`retry`]) or confirm it ([`confirm_sent`]).

pub mod compose;
pub mod describe;
pub mod dispatcher;
pub mod log;
pub mod message;
pub mod plan;
pub mod templates;
pub mod transport;

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::config::Config;
use crate::locale::{Lang, Locale};
use crate::model::Ts;
use crate::model::time::DisplayTz;
use crate::store::StoreError;
use crate::store::people::Scope;

pub use compose::{Attachment, AttachmentError, Compose, Enqueued, MAX_ATTACHMENTS_BYTES, VirtualClassVars};
pub use dispatcher::{DispatchOptions, Progress, Summary, dispatch};
pub use log::LogAct;
pub use message::Identity;
pub use plan::{IncludeUnfit, Plan, PlanRequest, Recipient, SkipReason};
pub use templates::{Rendered, TemplateError, TemplateInfo, Templates};
pub use transport::{SendError, Transport, TransportError};

/// What a message is about; stored in `reminders.kind` (locale keys `reminder_kind.*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Reminder,
    VirtualClass,
    Documentation,
    /// The copy sent to the tutor; never counts as a reminder of a learner.
    Copy,
}

impl Kind {
    pub fn as_db(self) -> &'static str {
        match self {
            Kind::Reminder => "reminder",
            Kind::VirtualClass => "virtual_class",
            Kind::Documentation => "documentation",
            Kind::Copy => "copy",
        }
    }

    /// The kind a template sends when nothing else says: the virtual class announcement
    /// is not a reminder (it must not block or be blocked by one).
    pub fn for_template(name: &str) -> Kind {
        if name == "virtual_class" { Kind::VirtualClass } else { Kind::Reminder }
    }
}

/// Life of a queued message (`reminders.status`; locale keys `reminder_status.*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Queued,
    /// Claimed by a process that is handing it to the server right now.
    Sending,
    Sent,
    /// Refused or not delivered; retried later when `next_try_at` is set.
    Failed,
    /// The process sending it stopped mid-way: it may or may not have left.
    Uncertain,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 6] =
        [Status::Queued, Status::Sending, Status::Sent, Status::Failed, Status::Uncertain, Status::Cancelled];

    pub fn as_db(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Failed => "failed",
            Status::Uncertain => "uncertain",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn from_db(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|v| v.as_db() == s)
    }
}

/// Stops a dispatch from outside (Ctrl-C, a signal, the dashboard's `X` or `q`). The
/// dispatch stops at once: a message not yet transmitted goes back to the queue as it was;
/// one whose text was already on its way becomes `uncertain` (it may have arrived). Cheap
/// to clone; all clones share the switch, and [`CancelToken::cancelled`] wakes every waiter.
#[derive(Clone, Debug)]
pub struct CancelToken(Arc<tokio::sync::watch::Sender<bool>>);

impl Default for CancelToken {
    fn default() -> Self {
        CancelToken(Arc::new(tokio::sync::watch::Sender::new(false)))
    }
}

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.send_replace(true);
    }

    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Completes once [`CancelToken::cancel`] was called (at once if it already was).
    pub async fn cancelled(&self) {
        let mut rx = self.0.subscribe();
        let _ = rx.wait_for(|c| *c).await;
    }
}

/// Everything that can go wrong between the dialog and the queue; the UI localises each
/// case (locale table `reminders`), the CLI prints its English text.
#[derive(Debug, thiserror::Error)]
pub enum RemindError {
    #[error("{0}")]
    Template(#[from] TemplateError),
    #[error("{0}")]
    Attachments(#[from] AttachmentError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Transport(#[from] TransportError),
    #[error("{0} is not a person in the database: reminders need a known sender")]
    NoSender(String),
    #[error("nobody to send to")]
    NothingToSend,
    #[error("{0}")]
    Config(String),
}

/// The reminder settings resolved from the configuration, plus the loaded templates.
#[derive(Clone, Debug)]
pub struct Reminders {
    pub settings: Settings,
    pub templates: Templates,
    /// The catalogue of `settings.lang` (dates and the copy's wording), parsed once.
    pub locale: Locale,
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub min_interval_hours: i64,
    pub copy_to_tutor: bool,
    pub max_tries: i64,
    pub backoff_secs: Vec<i64>,
    pub lease_secs: i64,
    pub fictitious_patterns: Vec<String>,
    pub platform_name: String,
    pub login_url: String,
    /// `[smtp] from_address` (may be empty): also gives Message-IDs their domain.
    pub from_address: String,
    /// `[smtp] from_name` (may be empty: the tutor's name).
    pub from_name: String,
    /// Language of templates, dates in messages and the copy's wording.
    pub lang: Lang,
    pub tz: DisplayTz,
}

impl Reminders {
    /// `ui_lang` is the interface language, used when `[reminders] language` is `auto`.
    pub fn from_config(cfg: &Config, ui_lang: Lang) -> Result<Reminders, RemindError> {
        let r = &cfg.reminders;
        let lang = match Lang::from_setting(&r.language) {
            Ok(l) => l.unwrap_or(ui_lang),
            Err(bad) => {
                let loc = Locale::new(ui_lang);
                return Err(RemindError::Config(
                    loc.tf("chars.unknown_template_language", &[("value", &format!("{bad:?}"))]),
                ));
            }
        };
        let tz = DisplayTz::parse(&cfg.display.timezone).unwrap_or(DisplayTz::Local);
        let dir = Some(r.templates_dir.trim()).filter(|d| !d.is_empty()).map(PathBuf::from);
        let templates = Templates::load(lang, dir.as_deref())?;
        let settings = Settings {
            min_interval_hours: r.min_interval_hours.max(0),
            copy_to_tutor: r.copy_to_tutor,
            max_tries: r.max_tries.max(1),
            backoff_secs: if r.backoff_secs.is_empty() { vec![60] } else { r.backoff_secs.clone() },
            lease_secs: r.lease_secs.max(1),
            fictitious_patterns: r.fictitious_patterns.clone(),
            platform_name: r.platform_name.clone(),
            login_url: r.login_url.clone(),
            from_address: cfg.smtp.from_address.trim().to_string(),
            from_name: cfg.smtp.from_name.trim().to_string(),
            lang,
            tz,
        };
        Ok(Reminders { settings, templates, locale: Locale::new(lang) })
    }

    /// The options a dispatch of this configuration runs with.
    pub fn dispatch_options(&self) -> DispatchOptions {
        DispatchOptions {
            max_tries: self.settings.max_tries,
            backoff_secs: self.settings.backoff_secs.clone(),
            lease_secs: self.settings.lease_secs,
            batch: None,
            max_unreachable: dispatcher::MAX_UNREACHABLE,
        }
    }

    /// Who this tutor's messages are from: `[smtp] from_address`/`from_name`, else the
    /// tutor's own address and name; replies go to the tutor.
    pub fn identity(&self, scope: &Scope) -> Identity {
        let p = scope.person.as_ref();
        let email = p.and_then(|p| p.email.clone()).filter(|e| self.address_problem(Some(e)).is_none());
        let name = p.map(|p| format!("{} {}", p.firstname.trim(), p.lastname.trim()).trim().to_string());
        Identity {
            from_address: Some(self.settings.from_address.clone())
                .filter(|a| !a.is_empty())
                .or_else(|| email.clone())
                .unwrap_or_else(|| "tutorat@localhost".into()),
            from_name: Some(self.settings.from_name.clone())
                .filter(|n| !n.is_empty())
                .or(name)
                .unwrap_or_default(),
            reply_to: email,
        }
    }
}

/// Puts a failed or uncertain reminder back in the queue; the person retrying becomes its
/// sender (their dispatcher and transport send it). For an uncertain one this is the
/// tutor's decision to resend: it keeps its Message-ID, so a mail client can spot a copy.
pub async fn retry(store: &crate::store::Store, scope: &Scope, id: i64, now: Ts) -> Result<(), StoreError> {
    store.retry_reminder(scope, id, now).await
}

/// The tutor checked that an uncertain reminder did arrive: marks it sent.
pub async fn confirm_sent(
    store: &crate::store::Store,
    scope: &Scope,
    id: i64,
    now: Ts,
) -> Result<(), StoreError> {
    store.confirm_reminder(scope, id, now).await
}

/// Cancels a queued, failed or uncertain reminder: it will not be sent.
pub async fn cancel(store: &crate::store::Store, scope: &Scope, id: i64, now: Ts) -> Result<(), StoreError> {
    store.cancel_reminder(scope, id, now).await
}

/// The Relances tab: newest first, at most `limit` rows, optionally of one status. Text
/// comes from the database: clean it before drawing.
pub async fn reminder_log(
    store: &crate::store::Store,
    scope: &Scope,
    status: Option<Status>,
    limit: i64,
) -> Result<Vec<crate::store::reminders::ReminderLogRow>, StoreError> {
    store.reminder_log(scope, status.map(Status::as_db), limit).await
}

/// Matches `*`-globs, case-insensitively (fictitious e-mail patterns).
pub use crate::model::contact::glob_match;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_language() {
        let mut c = Config::default();
        assert_eq!(Reminders::from_config(&c, Lang::Fr).unwrap().settings.lang, Lang::Fr);
        c.reminders.language = "en".into();
        assert_eq!(Reminders::from_config(&c, Lang::Fr).unwrap().settings.lang, Lang::En);
        c.reminders.language = "de".into();
        assert!(matches!(Reminders::from_config(&c, Lang::Fr), Err(RemindError::Config(_))));
    }

    #[test]
    fn statuses_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::from_db(s.as_db()), Some(s));
        }
        assert_eq!(Kind::for_template("virtual_class"), Kind::VirtualClass);
        assert_eq!(Kind::for_template("never_accessed"), Kind::Reminder);
    }
}
