//! Reminder work for the dashboard: planning a sending, reading attachments, queueing,
//! sending in the background with progress, and the Relances log. Same code as
//! `tutorat remind`; results come back as actions like every other effect.

use std::sync::{Arc, Mutex};

use super::effect::{RemindEffect, RemindLoaded};
use crate::locale::Locale;
use crate::reminders::templates::TemplateProblem;
use crate::reminders::{
    self, Attachment, AttachmentError, CancelToken, LogAct, Progress, RemindError, Reminders, TemplateError,
    Transport, dispatch,
};
use crate::store::people::Scope;
use crate::store::{Store, StoreError};

/// What reminder tasks need besides the store: the settings and templates, the transport
/// (absent when the configuration cannot build one; the reason is in `problem`), and the
/// cancel switch of the sending in progress.
#[derive(Clone)]
pub struct TaskCtx {
    pub store: Store,
    pub scope: Scope,
    pub reminders: Option<Reminders>,
    pub transport: Option<Transport>,
    /// Why reminders cannot be sent from this process, if they cannot.
    pub problem: Option<String>,
    cancel: Arc<Mutex<CancelToken>>,
}

impl TaskCtx {
    pub fn new(
        store: Store,
        scope: Scope,
        reminders: Option<Reminders>,
        transport: Option<Transport>,
        problem: Option<String>,
    ) -> TaskCtx {
        TaskCtx { store, scope, reminders, transport, problem, cancel: Arc::default() }
    }

    /// Stops the sending in progress after the message being handed over.
    pub fn cancel_sending(&self) {
        self.cancel.lock().unwrap_or_else(|p| p.into_inner()).cancel();
    }

    fn unavailable(&self) -> RemindError {
        RemindError::Config(self.problem.clone().unwrap_or_else(|| "reminders are not configured".into()))
    }
}

/// Rows the Relances tab loads at most (newest first).
pub const LOG_LIMIT: i64 = 5_000;

fn store_text(r: Result<(), StoreError>) -> Result<(), String> {
    r.map_err(|e| e.to_string())
}

pub async fn run(ctx: &TaskCtx, e: RemindEffect, emit: &(dyn Fn(Progress) + Send + Sync)) -> RemindLoaded {
    let (store, scope) = (&ctx.store, &ctx.scope);
    match e {
        RemindEffect::Plan { req, now } => RemindLoaded::Plan(match &ctx.reminders {
            Some(rem) => rem.plan(store, scope, &req, now).await,
            None => Err(ctx.unavailable()),
        }),
        RemindEffect::ReadAttachment { path } => {
            let p = std::path::PathBuf::from(expand_home(&path));
            let path = path.clone();
            let read = tokio::task::spawn_blocking(move || Attachment::from_path(&p)).await;
            RemindLoaded::Attachment(match read {
                Ok(r) => r,
                Err(e) => Err(AttachmentError::Unreadable { path, reason: e.to_string() }),
            })
        }
        RemindEffect::Enqueue { plan, compose, now } => RemindLoaded::Enqueued(match &ctx.reminders {
            Some(rem) => rem.enqueue(store, scope, &plan, &compose, now).await,
            None => Err(ctx.unavailable()),
        }),
        RemindEffect::Dispatch { batch, quiet } => {
            let (Some(rem), Some(transport)) = (&ctx.reminders, &ctx.transport) else {
                return RemindLoaded::Dispatched { quiet, result: Err(ctx.unavailable()), next_retry: None };
            };
            let token = CancelToken::new();
            *ctx.cancel.lock().unwrap_or_else(|p| p.into_inner()) = token.clone();
            let mut opts = rem.dispatch_options();
            opts.batch = batch;
            let identity = rem.identity(scope);
            let report = |p: &Progress| emit(p.clone());
            let result = dispatch(store, transport, scope, &identity, &opts, report, &token).await;
            let next_retry = store.next_retry_at(scope.person_id()).await.ok().flatten();
            RemindLoaded::Dispatched { quiet, result, next_retry }
        }
        RemindEffect::Cancel => {
            ctx.cancel_sending();
            RemindLoaded::CancelRequested
        }
        RemindEffect::LoadLog { status } => RemindLoaded::Log(
            reminders::reminder_log(store, scope, status, LOG_LIMIT).await.map_err(|e| e.to_string()),
        ),
        RemindEffect::Act { id, act, now } => {
            let result = match act {
                LogAct::Retry => reminders::retry(store, scope, id, now).await,
                LogAct::Confirm => reminders::confirm_sent(store, scope, id, now).await,
                LogAct::Cancel => reminders::cancel(store, scope, id, now).await,
            };
            RemindLoaded::Acted { act, result: store_text(result) }
        }
    }
}

/// `~/…` as a shell would read it: tutors type paths by hand in the dialog.
fn expand_home(path: &str) -> String {
    match (path.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ => path.to_string(),
    }
}

/// A template problem in the interface's words, with where it is.
pub fn template_error_text(e: &TemplateError, loc: &Locale) -> String {
    let line = e.line.map(|l| l.to_string()).unwrap_or_else(|| "?".into());
    let edited;
    let t = if e.template == crate::reminders::templates::EDITED_BODY {
        edited = loc.t("remind.edited_body").to_string();
        &edited
    } else {
        &e.template
    };
    match &e.problem {
        TemplateProblem::UnknownVariable(name) => {
            loc.tf("reminders.template_unknown_variable", &[("template", t), ("line", &line), ("name", name)])
        }
        TemplateProblem::Syntax(m) | TemplateProblem::Unreadable(m) => {
            loc.tf("reminders.template_syntax", &[("template", t), ("line", &line), ("message", m)])
        }
        TemplateProblem::MissingSubject => loc.tf("reminders.template_missing_subject", &[("template", t)]),
        TemplateProblem::UnknownTemplate => loc.tf("reminders.template_unknown", &[("template", t)]),
    }
}

/// Sizes as a tutor reads them: "1,5 Mo" / "1.5 MB".
pub fn megabytes(bytes: usize, loc: &Locale) -> String {
    loc.tf("reminders.megabytes", &[("n", &loc.dec1(bytes as f64 / (1024.0 * 1024.0)))])
}

pub fn attachment_error_text(e: &AttachmentError, loc: &Locale) -> String {
    match e {
        AttachmentError::TooLarge { total, limit } => loc.tf(
            "reminders.attachments_too_large",
            &[("total", &megabytes(*total, loc)), ("limit", &megabytes(*limit, loc))],
        ),
        AttachmentError::Unreadable { path, reason } => {
            loc.tf("reminders.attachment_unreadable", &[("path", path), ("reason", reason)])
        }
    }
}

pub fn error_text(e: &RemindError, loc: &Locale) -> String {
    match e {
        RemindError::Template(t) => template_error_text(t, loc),
        RemindError::Attachments(a) => attachment_error_text(a, loc),
        RemindError::NoSender(user) => loc.tf("reminders.no_sender", &[("user", user)]),
        RemindError::NothingToSend => loc.t("reminders.nothing_to_send").to_string(),
        other => other.to_string(),
    }
}
