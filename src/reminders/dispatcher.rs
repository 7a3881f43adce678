//! The worker that sends queued reminders.
//!
//! Which process sends what: a dispatch sends the messages queued by ITS sender (the
//! tutor using this process, or the one `tutorat remind` runs as), so each tutor's
//! transport settings apply; a restarted process resumes its sender's queue. Recovery of
//! interrupted sends is shared: any dispatch marks `uncertain` the claims of processes
//! known dead (same machine, process gone) or older than the lease.
//!
//! Per message: claim (`queued` → `sending`, tries + 1, committed) → hand to the
//! transport → `sent`, or `failed` with the error and, for a transient failure below
//! `max_tries`, the time of the next try. A crash anywhere leaves a row `queued` (not yet
//! claimed: sent later) or `sending` (claimed: becomes `uncertain`, never resent
//! without the tutor).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use std::time::Instant;

use serde::Serialize;

use super::message::{self, Identity};
use super::transport::Transport;
use super::{CancelToken, RemindError};
use crate::model::Ts;
use crate::model::delivery::Failure;
use crate::store::Store;
use crate::store::people::Scope;
use crate::store::reminders::StoredAttachment;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DispatchOptions {
    pub max_tries: i64,
    pub backoff_secs: Vec<i64>,
    pub lease_secs: i64,
    /// Only this batch (the sending the dialog just queued); `None`: everything due.
    pub batch: Option<String>,
    /// The server unreachable (no connection, no greeting) for this many messages in a
    /// row stops the dispatch: the rest stays queued for a later run.
    pub max_unreachable: usize,
}

/// Messages in a row for which the server could not be reached before a dispatch gives up.
pub const MAX_UNREACHABLE: usize = 3;

/// Reported after each message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Messages this run expects to handle (grows if more are queued meanwhile).
    pub total: usize,
    pub done: usize,
    pub sent: usize,
    pub failed: usize,
    /// Address of the message just handled.
    pub last: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub sent: usize,
    /// Failed for good in this run (refused, or out of tries).
    pub failed: usize,
    /// Failed in this run, to be retried later.
    pub will_retry: usize,
    /// From the plan (the caller fills it in).
    pub skipped: usize,
    /// Still queued because the run stopped early (cancelled, or the server is down).
    pub remaining: usize,
    /// Interrupted sends found and marked uncertain by this run (any sender's).
    pub recovered: usize,
    /// This sender's reminders this run made uncertain (no answer after the message, or
    /// found interrupted): the tutor confirms or resends them. Older ones are not counted.
    pub uncertain: usize,
    /// Stopped by its [`CancelToken`].
    pub cancelled: bool,
    /// Stopped because the server could not be reached for
    /// [`DispatchOptions::max_unreachable`] messages in a row: the last error (English).
    pub server_down: Option<String>,
    /// The same error as a code, to show in the reader's language.
    #[serde(skip)]
    pub server_down_failure: Option<Failure>,
    pub elapsed_ms: u64,
}

impl Summary {
    /// The run stopped before sending everything due.
    pub fn stopped_early(&self) -> bool {
        self.cancelled || self.server_down.is_some()
    }
}

/// `host:pid:nonce` of this process, written in every claim it makes.
pub fn process_owner() -> &'static str {
    static OWNER: OnceLock<String> = OnceLock::new();
    OWNER.get_or_init(|| {
        use std::hash::{BuildHasher, RandomState};
        let nonce = RandomState::new().hash_one(std::time::SystemTime::now()) as u32;
        format!("{}:{}:{nonce:08x}", hostname(), std::process::id())
    })
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().replace(':', "_"))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// Whether the process that wrote claim `owner` is certainly gone: it ran on this machine
/// and either its pid no longer exists or the pid is ours with another nonce (a restart
/// that got the same pid, as in a container). Elsewhere we cannot know: the lease decides.
pub fn owner_is_dead(owner: &str) -> bool {
    let mut parts = owner.rsplitn(3, ':');
    let (Some(_nonce), Some(pid), Some(host)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if host != hostname() || pid.parse::<u32>().is_err() || !std::path::Path::new("/proc/self").exists() {
        return false;
    }
    let me = process_owner();
    if owner == me {
        return false;
    }
    let mine = me.rsplit(':').nth(1) == Some(pid);
    mine || !std::path::Path::new("/proc").join(pid).exists()
}

fn backoff(opts: &DispatchOptions, tries: i64) -> i64 {
    let i = (tries.max(1) - 1) as usize;
    opts.backoff_secs.get(i).or(opts.backoff_secs.last()).copied().unwrap_or(60).max(0)
}

fn now() -> Ts {
    chrono::Utc::now().timestamp()
}

/// Sends what this sender has due, reporting after each message, until nothing is due,
/// `cancel` is set (it stops the message in flight at once: not yet transmitted, it goes
/// back to the queue; transmitted, it is `uncertain`), or the server could not be reached
/// for `opts.max_unreachable` messages in a row. Safe to run in several processes at once.
pub async fn dispatch<F: FnMut(&Progress) + Send>(
    store: &Store,
    transport: &Transport,
    scope: &Scope,
    identity: &Identity,
    opts: &DispatchOptions,
    mut progress: F,
    cancel: &CancelToken,
) -> Result<Summary, RemindError> {
    let started = Instant::now();
    let sender = scope.person.as_ref().ok_or_else(|| RemindError::NoSender(scope.username.clone()))?;
    let owner = process_owner();
    let recovered = store.recover_interrupted_sends(now(), opts.lease_secs, owner_is_dead).await?;
    let mut summary = Summary {
        recovered: recovered.len(),
        uncertain: recovered.iter().filter(|s| **s == Some(sender.id)).count(),
        ..Summary::default()
    };
    let mut unreachable_in_a_row = 0;
    let mut p = Progress::default();
    let mut seen: HashSet<i64> = HashSet::new();
    let mut attachments: HashMap<String, Vec<StoredAttachment>> = HashMap::new();
    'passes: loop {
        let due: Vec<i64> = store
            .due_reminders(sender.id, opts.batch.as_deref(), now())
            .await?
            .into_iter()
            .filter(|id| !seen.contains(id))
            .collect();
        if due.is_empty() {
            break;
        }
        p.total += due.len();
        progress(&p);
        for (i, id) in due.iter().enumerate() {
            if cancel.is_cancelled() {
                summary.cancelled = true;
                summary.remaining = due.len() - i;
                break 'passes;
            }
            seen.insert(*id);
            let Some(out) = store.claim_reminder(*id, owner, now()).await? else {
                // Another process took it, or it was cancelled meanwhile.
                p.done += 1;
                continue;
            };
            if let Some(b) = &out.batch_id
                && !attachments.contains_key(b)
            {
                let a = store.batch_attachments(b).await?;
                attachments.insert(b.clone(), a);
            }
            let files: &[StoredAttachment] =
                out.batch_id.as_ref().and_then(|b| attachments.get(b)).map(Vec::as_slice).unwrap_or(&[]);
            let result = match message::build(&out, identity, files) {
                Ok(m) => transport.send_or_stop(&m, &out.message_id, out.created_at, cancel).await,
                Err(e) => Err(super::SendError::Permanent(Failure::CannotBuild { detail: e.to_string() })),
            };
            let mut down = None;
            unreachable_in_a_row = match &result {
                Err(super::SendError::Unreachable(f)) => {
                    down = Some(f.clone());
                    unreachable_in_a_row + 1
                }
                Err(super::SendError::Interrupted) => unreachable_in_a_row,
                _ => 0,
            };
            match result {
                Err(super::SendError::Interrupted) => {
                    // Nothing left: as if never claimed, and the run stops here.
                    store.release_reminder(out.id, owner, now()).await?;
                    summary.cancelled = true;
                    summary.remaining = due.len() - i;
                    break 'passes;
                }
                Ok(()) => {
                    store.mark_reminder_sent(out.id, owner, now()).await?;
                    summary.sent += 1;
                    p.sent += 1;
                }
                Err(super::SendError::Uncertain(f)) => {
                    tracing::warn!(id = out.id, error = %f, "reminder may or may not have left");
                    store.mark_reminder_uncertain(out.id, owner, &f.to_db(), now()).await?;
                    summary.uncertain += 1;
                    p.failed += 1;
                }
                Err(e) => {
                    let last = e.is_permanent() || out.tries >= opts.max_tries;
                    let next = (!last).then(|| now() + backoff(opts, out.tries));
                    tracing::warn!(id = out.id, tries = out.tries, error = %e, "reminder not sent");
                    let stored = e.failure().map(Failure::to_db).unwrap_or_else(|| e.to_string());
                    store.mark_reminder_failed(out.id, owner, &stored, next, now()).await?;
                    if last {
                        summary.failed += 1;
                    } else {
                        summary.will_retry += 1;
                    }
                    p.failed += 1;
                }
            }
            p.done += 1;
            p.last = Some(out.recipient.clone());
            progress(&p);
            if let Some(last) = down.filter(|_| unreachable_in_a_row >= opts.max_unreachable.max(1))
                && i + 1 < due.len()
            {
                tracing::warn!(failures = unreachable_in_a_row, error = %last, "server unreachable: dispatch stopped");
                summary.server_down = Some(last.to_string());
                summary.server_down_failure = Some(last);
                summary.remaining = due.len() - i - 1;
                break 'passes;
            }
            if cancel.is_cancelled() && i + 1 < due.len() {
                summary.cancelled = true;
                summary.remaining = due.len() - i - 1;
                break 'passes;
            }
        }
        if opts.batch.is_some() {
            // A batch is queued whole in one transaction: nothing can join it later.
            break;
        }
    }
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    tracing::info!(sent = summary.sent, failed = summary.failed, will_retry = summary.will_retry,
        uncertain = summary.uncertain, elapsed_ms = summary.elapsed_ms, transport = %transport.describe(),
        "reminders dispatched");
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reminders::{Compose, Plan, PlanRequest, Reminders};

    /// The dashboard runs these in `tokio::spawn`: their futures must be `Send`.
    #[allow(dead_code, clippy::too_many_arguments)]
    fn futures_are_send(
        store: Store,
        t: Transport,
        scope: Scope,
        id: Identity,
        o: DispatchOptions,
        r: Reminders,
        req: PlanRequest,
        plan: Plan,
    ) {
        fn send<T: Send + 'static>(_: T) {}
        let (s2, sc2, r2) = (store.clone(), scope.clone(), r.clone());
        send(async move { dispatch(&store, &t, &scope, &id, &o, |_| {}, &CancelToken::new()).await });
        send(async move {
            let _ = r2.plan(&s2, &sc2, &req, 0).await;
            r2.enqueue(&s2, &sc2, &plan, &Compose::default(), 0).await
        });
    }

    #[test]
    fn backoff_steps_then_repeats() {
        let o = DispatchOptions {
            max_tries: 5,
            backoff_secs: vec![60, 300],
            lease_secs: 600,
            batch: None,
            max_unreachable: MAX_UNREACHABLE,
        };
        assert_eq!([1, 2, 3, 9].map(|t| backoff(&o, t)), [60, 300, 300, 300]);
    }

    #[test]
    fn dead_owners() {
        let me = process_owner();
        assert!(!owner_is_dead(me));
        let host = hostname();
        // Our pid with another nonce: an earlier process that had our pid.
        assert!(owner_is_dead(&format!("{host}:{}:deadbeef", std::process::id())));
        // A pid that cannot exist on Linux (above pid_max).
        assert!(owner_is_dead(&format!("{host}:99999999:0")));
        // Another machine: only the lease can tell.
        assert!(!owner_is_dead("elsewhere.example:99999999:0"));
        assert!(!owner_is_dead("garbage"));
    }
}
