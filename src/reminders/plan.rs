//! Who gets a reminder, and who is skipped and why.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::{Kind, RemindError, Reminders, glob_match};
use crate::locale::Locale;
use crate::model::time::DisplayTz;
use crate::model::contact::{EmailProblem, email_problem};
use crate::model::{Ts, progress};
use crate::store::people::Scope;
use crate::store::reminders::RecipientRow;
use crate::store::{Store, StoreError};
use crate::text::clean;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanRequest {
    /// Marked learners (or the current one), any courses the tutor may see; duplicates are
    /// ignored and the order is kept.
    pub enrolment_ids: Vec<i64>,
    /// Send even to learners reminded within the minimum interval.
    pub force: bool,
    pub kind: Kind,
}

/// A learner as the dialog shows them and as templates see them. Names are cleaned
/// (no control characters or escape sequences), so they are safe to draw.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Recipient {
    pub enrolment_id: i64,
    pub person_id: i64,
    pub course_id: i64,
    pub course_shortname: String,
    pub course_name: String,
    pub username: String,
    pub firstname: String,
    pub lastname: String,
    /// `LASTNAME Firstname`.
    pub name: String,
    pub email: Option<String>,
    pub course_start: Option<Ts>,
    pub course_end: Option<Ts>,
    /// Progress in percent (clamped when the stored figures are impossible).
    pub progress: u8,
    /// Last reminder of the same kind within the minimum interval; the learner is sent
    /// one anyway only when the plan is forced.
    pub recently_reminded: Option<Ts>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum SkipReason {
    NoEmail,
    /// An address that cannot be sent to (malformed).
    InvalidEmail,
    /// A placeholder address such as `v.blondel.fictif@anfh.fr`.
    Fictitious,
    /// The account or the enrolment is suspended.
    Suspended,
    RecentlyReminded {
        last_at: Ts,
    },
    /// A stored value of the learner could not be read (a name that is not valid UTF-8):
    /// the message would carry `�`; fix the data first.
    DamagedData,
}

impl SkipReason {
    /// Locale key of the reason (table `reminders`).
    pub fn locale_key(self) -> &'static str {
        match self {
            SkipReason::NoEmail => "reminders.skip_no_email",
            SkipReason::InvalidEmail => "reminders.skip_invalid_email",
            SkipReason::Fictitious => "reminders.skip_fictitious",
            SkipReason::Suspended => "reminders.skip_suspended",
            SkipReason::RecentlyReminded { .. } => "reminders.skip_recent",
            SkipReason::DamagedData => "edges.skip_damaged",
        }
    }

    /// The reason in the interface's language ("already reminded on 05/03/2026 10:12").
    pub fn describe(self, loc: &Locale, tz: DisplayTz) -> String {
        match self {
            SkipReason::RecentlyReminded { last_at } => {
                loc.tf(self.locale_key(), &[("date", &loc.datetime(Some(last_at), tz))])
            }
            _ => loc.t(self.locale_key()).to_string(),
        }
    }

    /// Stable machine name (`--json`).
    pub fn code(self) -> &'static str {
        match self {
            SkipReason::NoEmail => "no_email",
            SkipReason::InvalidEmail => "invalid_email",
            SkipReason::Fictitious => "fictitious",
            SkipReason::Suspended => "suspended",
            SkipReason::RecentlyReminded { .. } => "recently_reminded",
            SkipReason::DamagedData => "damaged_data",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    pub kind: Kind,
    pub force: bool,
    pub send: Vec<Recipient>,
    pub skipped: Vec<(Recipient, SkipReason)>,
    /// Where the copy listing the recipients goes (the tutor's address), when enabled and
    /// the tutor has a usable address.
    pub copy_to: Option<String>,
}

impl Plan {
    /// Recipients sent to although reminded within the interval (forced).
    pub fn forced_count(&self) -> usize {
        self.send.iter().filter(|r| r.recently_reminded.is_some()).count()
    }
}

impl Reminders {
    pub fn is_fictitious(&self, email: &str) -> bool {
        self.settings.fictitious_patterns.iter().any(|p| glob_match(p, email))
    }

    /// Why an address cannot receive mail, if it cannot: the rule the triage uses too
    /// ([`email_problem`]), plus lettre's own parse.
    pub fn address_problem(&self, email: Option<&str>) -> Option<SkipReason> {
        match email_problem(email, &self.settings.fictitious_patterns) {
            Some(EmailProblem::Missing) => Some(SkipReason::NoEmail),
            Some(EmailProblem::Invalid) => Some(SkipReason::InvalidEmail),
            Some(EmailProblem::Fictitious) => Some(SkipReason::Fictitious),
            None if email.unwrap_or("").trim().parse::<lettre::Address>().is_err() => {
                Some(SkipReason::InvalidEmail)
            }
            None => None,
        }
    }

    /// Splits the requested learners into those who will get the message and those
    /// skipped, with the reason. Fails if one of them is in a course the tutor does not
    /// tutor, or does not exist.
    pub async fn plan(
        &self,
        store: &Store,
        scope: &Scope,
        req: &PlanRequest,
        now: Ts,
    ) -> Result<Plan, RemindError> {
        let sender = scope.person.as_ref().ok_or_else(|| RemindError::NoSender(scope.username.clone()))?;
        let mut seen = HashSet::new();
        let ids: Vec<i64> = req.enrolment_ids.iter().copied().filter(|id| seen.insert(*id)).collect();
        let rows = store.reminder_recipients(&ids).await?;
        let mut by_id: HashMap<i64, RecipientRow> = rows.into_iter().map(|r| (r.enrolment_id, r)).collect();
        if let Some(missing) = ids.iter().find(|id| !by_id.contains_key(id)) {
            return Err(StoreError::Invalid(format!("no enrolment {missing}")).into());
        }
        let mut courses: Vec<i64> = by_id.values().map(|r| r.course_id).collect();
        courses.sort_unstable();
        courses.dedup();
        let since = now - self.settings.min_interval_hours * 3600;
        let mut recent: HashMap<i64, Ts> = HashMap::new();
        for c in courses {
            if !store.can_see_course(scope, c).await? {
                return Err(
                    StoreError::Forbidden(format!("{} does not tutor course {c}", scope.username)).into()
                );
            }
            recent.extend(
                store.last_reminded(c, req.kind.as_db()).await?.into_iter().filter(|(_, t)| *t > since),
            );
        }
        let mut plan =
            Plan { kind: req.kind, force: req.force, send: Vec::new(), skipped: Vec::new(), copy_to: None };
        for id in ids {
            let Some(row) = by_id.remove(&id) else { continue };
            let skip = if row.suspended || !row.active {
                Some(SkipReason::Suspended)
            } else if row.damaged {
                Some(SkipReason::DamagedData)
            } else {
                self.address_problem(row.email.as_deref())
            };
            let r = recipient(row, recent.get(&id).copied());
            match (skip, r.recently_reminded) {
                (Some(reason), _) => plan.skipped.push((r, reason)),
                (None, Some(last_at)) if !req.force => {
                    plan.skipped.push((r, SkipReason::RecentlyReminded { last_at }))
                }
                (None, _) => plan.send.push(r),
            }
        }
        if self.settings.copy_to_tutor && self.address_problem(sender.email.as_deref()).is_none() {
            plan.copy_to = sender.email.as_ref().map(|e| e.trim().to_string());
        }
        Ok(plan)
    }
}

pub use crate::model::contact::sendable;

fn recipient(row: RecipientRow, recently_reminded: Option<Ts>) -> Recipient {
    let firstname = clean(row.firstname.trim());
    let lastname = clean(row.lastname.trim());
    let name = format!("{} {firstname}", lastname.to_uppercase()).trim().to_string();
    Recipient {
        enrolment_id: row.enrolment_id,
        person_id: row.person_id,
        course_id: row.course_id,
        course_shortname: clean(&row.course_shortname),
        course_name: clean(&row.course_fullname),
        username: clean(&row.username),
        name,
        firstname,
        lastname,
        email: row.email.map(|e| e.trim().to_string()),
        course_start: row.course_start,
        course_end: row.course_end,
        progress: progress::percent_clamped(row.lessons_done, row.lessons_total),
        recently_reminded,
    }
}
