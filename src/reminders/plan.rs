//! Who gets a reminder, and who is skipped and why.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::{Kind, RemindError, Reminders};
use crate::locale::Locale;
use crate::model::audience::{LearnerState, fits};
use crate::model::contact::{EmailProblem, email_problem};
use crate::model::names::table_name;
use crate::model::time::DisplayTz;
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
    /// Where they stand in the course, which decides what a message may say to them.
    pub state: LearnerState,
    /// Their last access to the course.
    pub last_access: Option<Ts>,
}

impl Recipient {
    /// Why a message written for `states` (empty: anyone) does not fit this learner, if it
    /// does not: the reason a dialog shows beside them ("connected on 05/03 10:12").
    pub fn misfit(&self, states: &[LearnerState]) -> Option<SkipReason> {
        (!fits(states, self.state))
            .then_some(SkipReason::DoesNotFit { state: self.state, last_access: self.last_access })
    }
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
    /// The template is not written for where the learner stands (a "we have not seen you
    /// yet" to one who connected a minute ago or finished the course); sent only if the
    /// tutor includes them anyway.
    DoesNotFit {
        state: LearnerState,
        last_access: Option<Ts>,
    },
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
            SkipReason::DoesNotFit { state, .. } => state.misfit_key(),
        }
    }

    /// The reason in the interface's language ("already reminded on 05/03/2026 10:12").
    pub fn describe(self, loc: &Locale, tz: DisplayTz) -> String {
        match self {
            SkipReason::RecentlyReminded { last_at } => {
                loc.tf(self.locale_key(), &[("date", &loc.datetime(Some(last_at), tz))])
            }
            SkipReason::DoesNotFit { last_access, .. } => {
                loc.tf(self.locale_key(), &[("date", &loc.datetime(last_access, tz))])
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
            SkipReason::DoesNotFit { .. } => "does_not_fit",
        }
    }
}

/// Learners the template does not fit whom the tutor includes anyway.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum IncludeUnfit {
    /// Nobody: they are skipped, with the reason.
    #[default]
    None,
    /// These enrolments.
    These(Vec<i64>),
    /// Everyone (`tutorat remind --include-unfit`).
    All,
}

impl IncludeUnfit {
    fn includes(&self, enrolment_id: i64) -> bool {
        match self {
            IncludeUnfit::None => false,
            IncludeUnfit::These(ids) => ids.contains(&enrolment_id),
            IncludeUnfit::All => true,
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
    /// The learner states the template is written for (empty: anyone, or not checked).
    pub for_states: Vec<LearnerState>,
}

impl Plan {
    /// Recipients sent to although reminded within the interval (forced).
    pub fn forced_count(&self) -> usize {
        self.send.iter().filter(|r| r.recently_reminded.is_some()).count()
    }

    /// Recipients the template does not fit, included anyway: each with the warning to
    /// show beside them.
    pub fn warnings(&self) -> Vec<(&Recipient, SkipReason)> {
        self.send.iter().filter_map(|r| r.misfit(&self.for_states).map(|w| (r, w))).collect()
    }

    /// Leaves out the learners template `states` do not fit (skipped, with the reason),
    /// except those `include` names. Reasons found before (no e-mail, suspended…) stay.
    pub fn fit(&mut self, states: &[LearnerState], include: &IncludeUnfit) {
        self.for_states = states.to_vec();
        let (keep, out): (Vec<Recipient>, Vec<Recipient>) = std::mem::take(&mut self.send)
            .into_iter()
            .partition(|r| r.misfit(states).is_none() || include.includes(r.enrolment_id));
        self.send = keep;
        for r in out {
            let why = r.misfit(states).expect("partitioned on misfit");
            self.skipped.push((r, why));
        }
    }
}

impl Reminders {
    pub fn is_fictitious(&self, email: &str) -> bool {
        crate::model::contact::is_fictitious(&self.settings.fictitious_patterns, email)
    }

    /// Why an address cannot receive mail, if it cannot: the rule the triage uses too
    /// ([`email_problem`]).
    pub fn address_problem(&self, email: Option<&str>) -> Option<SkipReason> {
        match email_problem(email, &self.settings.fictitious_patterns) {
            Some(EmailProblem::Missing) => Some(SkipReason::NoEmail),
            Some(EmailProblem::Invalid) => Some(SkipReason::InvalidEmail),
            Some(EmailProblem::Fictitious) => Some(SkipReason::Fictitious),
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
        let mut plan = Plan {
            kind: req.kind,
            force: req.force,
            send: Vec::new(),
            skipped: Vec::new(),
            copy_to: None,
            for_states: Vec::new(),
        };
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

    /// [`Reminders::plan`] for template `template`: the learners it is not written for
    /// (its `For:` header) are skipped with the reason, unless `include` names them. An
    /// unknown template leaves the plan as it is (the render reports it).
    pub async fn plan_for_template(
        &self,
        store: &Store,
        scope: &Scope,
        req: &PlanRequest,
        template: &str,
        include: &IncludeUnfit,
        now: Ts,
    ) -> Result<Plan, RemindError> {
        let mut plan = self.plan(store, scope, req, now).await?;
        if let Some(info) = self.templates.info(template) {
            plan.fit(&info.for_states, include);
        }
        Ok(plan)
    }
}

pub use crate::model::contact::sendable;

fn recipient(row: RecipientRow, recently_reminded: Option<Ts>) -> Recipient {
    let firstname = clean(row.firstname.trim());
    let lastname = clean(row.lastname.trim());
    let name = table_name(&firstname, &lastname);
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
        state: LearnerState::of(row.last_access, row.lessons_started, row.lessons_done, row.lessons_total),
        last_access: row.last_access,
    }
}
