//! Triage of learners who never opened their course: which group they fall in and what the
//! tutor should do next. The workflow of seed 004: remind a few days after the session
//! opens, remind again, then call those who still do not connect.

use std::collections::HashMap;

use nucleo_matcher::Utf32String;
use serde::Serialize;

use super::Ts;
use super::contact::{DEFAULT_FICTITIOUS, email_problem, has_phone};
use crate::text;

pub const DAY: i64 = 86_400;

/// Never logged into the platform at all (the account was never used), or logged in but
/// never opened this course.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    NeverPlatform,
    NeverCourse,
}

impl Group {
    pub fn of(platform_last_access: Option<Ts>) -> Group {
        if platform_last_access.is_none() { Group::NeverPlatform } else { Group::NeverCourse }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Group::NeverPlatform => "triage.group_platform",
            Group::NeverCourse => "triage.group_course",
        }
    }

    pub fn short_key(self) -> &'static str {
        match self {
            Group::NeverPlatform => "triage.group_platform_short",
            Group::NeverCourse => "triage.group_course_short",
        }
    }
}

/// What to do about a learner, most urgent first (the derived order sorts the queue), as
/// [`step`] decides it: a learner no reminder can reach (no usable e-mail) is called when
/// there is a phone number and otherwise needs contact details; *Call* needs a phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// No usable e-mail, or reminded `call_after_reminders` times and still nothing, and a
    /// phone number: phone them.
    Call,
    /// Unreachable as things stand: no usable e-mail and no phone, or reminded enough
    /// times without a phone to call. Find another address or a number.
    FindContact,
    /// Reminded, and the last reminder is older than `remind_again_days`.
    RemindAgain,
    /// Never reminded.
    Remind,
    /// Reminded or contacted recently, or a reminder is on its way.
    Wait,
    /// Suspended account: never reminded.
    Suspended,
}

impl Step {
    pub const ALL: [Step; 6] =
        [Step::Call, Step::FindContact, Step::RemindAgain, Step::Remind, Step::Wait, Step::Suspended];

    pub fn label_key(self) -> &'static str {
        match self {
            Step::Call => "triage.step_call",
            Step::FindContact => "chars.step_find_contact",
            Step::RemindAgain => "triage.step_remind_again",
            Step::Remind => "triage.step_remind",
            Step::Wait => "triage.step_wait",
            Step::Suspended => "triage.step_suspended",
        }
    }

    /// Stable machine name (`--json`).
    pub fn code(self) -> &'static str {
        match self {
            Step::Call => "call",
            Step::FindContact => "find_contact",
            Step::RemindAgain => "remind_again",
            Step::Remind => "remind",
            Step::Wait => "wait",
            Step::Suspended => "suspended",
        }
    }
}

/// The dashboard's earlier set of next steps (without [`Step::FindContact`]), still drawn by
/// tab 3 through [`next_step`] until it moves to [`step`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum NextStep {
    /// Reminded `call_after_reminders` times and still nothing: phone them.
    Call,
    /// Reminded, and the last reminder is older than `remind_again_days`.
    RemindAgain,
    /// Never reminded.
    Remind,
    /// Reminded or contacted recently, or a reminder is on its way.
    Wait,
    /// Suspended account: never reminded.
    Suspended,
}

impl NextStep {
    pub const ALL: [NextStep; 5] =
        [NextStep::Call, NextStep::RemindAgain, NextStep::Remind, NextStep::Wait, NextStep::Suspended];

    pub fn label_key(self) -> &'static str {
        match self {
            NextStep::Call => "triage.step_call",
            NextStep::RemindAgain => "triage.step_remind_again",
            NextStep::Remind => "triage.step_remind",
            NextStep::Wait => "triage.step_wait",
            NextStep::Suspended => "triage.step_suspended",
        }
    }
}

/// `[triage]` in the configuration, with `[reminders] fictitious_patterns` (an address
/// reminders skip is no way to reach a learner). Copy, so the patterns are shared, made
/// once per set of patterns by [`Rules::fictitious_patterns`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    pub remind_again_days: i64,
    pub call_after_reminders: i64,
    pub fictitious: &'static [String],
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            remind_again_days: 3,
            call_after_reminders: 2,
            fictitious: Rules::fictitious_patterns(&[DEFAULT_FICTITIOUS.to_string()]),
        }
    }
}

impl Rules {
    /// `patterns` as a shared slice: each distinct set is kept once for the whole process
    /// (a configuration has one; tests a few).
    pub fn fictitious_patterns(patterns: &[String]) -> &'static [String] {
        static SETS: std::sync::Mutex<Vec<&'static [String]>> = std::sync::Mutex::new(Vec::new());
        let mut sets = SETS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = sets.iter().find(|s| ***s == *patterns) {
            return s;
        }
        let s: &'static [String] = Box::leak(patterns.to_vec().into_boxed_slice());
        sets.push(s);
        s
    }
}

/// What is known of a learner's follow-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FollowUp<'a> {
    pub suspended: bool,
    /// Reminders that reached the mail server.
    pub reminders_sent: i64,
    pub last_reminder_at: Option<Ts>,
    /// Reminders queued or being sent.
    pub reminders_in_flight: i64,
    /// Reminders whose sending is uncertain (the tutor has to confirm or resend them).
    pub reminders_uncertain: i64,
    /// The last "contacted" note (a phone call, a fixed e-mail address…).
    pub last_contact_at: Option<Ts>,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
}

/// What the *Relances* cell of a learner says about their reminders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReminderState {
    /// Never reminded, nothing pending.
    None,
    /// A reminder is queued or being sent right now.
    Sending,
    /// A reminder may or may not have arrived: the tutor confirms or resends it (tab 4).
    /// Never "sending": nothing is happening to it.
    Uncertain,
    /// Reminded `n` times, the last at `at`.
    Sent { n: i64, at: Option<Ts> },
}

impl ReminderState {
    /// Locale key of the word shown beside the count (`None` for a plain count).
    pub fn label_key(self) -> Option<&'static str> {
        match self {
            ReminderState::Sending => Some("triage.in_flight"),
            ReminderState::Uncertain => Some("chars.reminder_uncertain"),
            ReminderState::None | ReminderState::Sent { .. } => None,
        }
    }
}

impl FollowUp<'_> {
    /// What happens with this learner's reminders: one on its way wins, then one whose
    /// fate is unknown, then the ones sent.
    pub fn reminder_state(&self) -> ReminderState {
        if self.reminders_in_flight > 0 {
            ReminderState::Sending
        } else if self.reminders_uncertain > 0 {
            ReminderState::Uncertain
        } else if self.reminders_sent > 0 {
            ReminderState::Sent { n: self.reminders_sent, at: self.last_reminder_at }
        } else {
            ReminderState::None
        }
    }
}

/// The next step. Suspended first; a learner with a reminder on its way or uncertain, or
/// reminded or contacted less than `remind_again_days` ago, waits. Past that: one no
/// reminder can reach (no usable e-mail) is called if there is a phone, else needs contact
/// details; one reminded `call_after_reminders` times likewise; else remind (again).
pub fn step(f: &FollowUp, now: Ts, rules: &Rules) -> Step {
    if f.suspended {
        return Step::Suspended;
    }
    if f.reminders_in_flight > 0 || f.reminders_uncertain > 0 {
        return Step::Wait;
    }
    let last = f.last_reminder_at.max(f.last_contact_at);
    if let Some(t) = last
        && now - t < rules.remind_again_days * DAY
    {
        return Step::Wait;
    }
    let unreachable = email_problem(f.email, rules.fictitious).is_some();
    if unreachable || f.reminders_sent >= rules.call_after_reminders.max(1) {
        if has_phone(f.phone) { Step::Call } else { Step::FindContact }
    } else if f.reminders_sent > 0 {
        Step::RemindAgain
    } else {
        Step::Remind
    }
}

/// The next step as tab 3 has drawn it so far (see [`NextStep`]): e-mail and phone are not
/// looked at. A learner reminded or contacted less than `remind_again_days` ago waits;
/// past that, one who got `call_after_reminders` reminders is to be called.
pub fn next_step(f: &FollowUp, now: Ts, rules: &Rules) -> NextStep {
    if f.suspended {
        return NextStep::Suspended;
    }
    if f.reminders_in_flight > 0 || f.reminders_uncertain > 0 {
        return NextStep::Wait;
    }
    let last = f.last_reminder_at.max(f.last_contact_at);
    if let Some(t) = last
        && now - t < rules.remind_again_days * DAY
    {
        return NextStep::Wait;
    }
    if f.reminders_sent >= rules.call_after_reminders.max(1) {
        NextStep::Call
    } else if f.reminders_sent > 0 {
        NextStep::RemindAgain
    } else {
        NextStep::Remind
    }
}

/// Whole days since the course opened for the learner (0 on the opening day).
pub fn days_open(opened_at: Ts, now: Ts) -> i64 {
    (now - opened_at).div_euclid(DAY).max(0)
}

/// A learner of the queue as the store reads it (leniently: see `store::lenient`).
#[derive(Clone, Debug, PartialEq)]
pub struct TriageRow {
    pub enrolment_id: i64,
    pub course_id: i64,
    pub shortname: String,
    pub fullname: String,
    pub person_id: i64,
    pub username: String,
    pub firstname: String,
    pub lastname: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub suspended: bool,
    pub platform_last_access: Option<Ts>,
    /// When the course opened for this learner: their start date, else the course's, else
    /// the enrolment date.
    pub opened_at: Ts,
    pub reminders_sent: i64,
    pub last_reminder_at: Option<Ts>,
    /// Queued or being sent.
    pub reminders_in_flight: i64,
    /// Sent, or not: the sending was interrupted or never answered.
    pub reminders_uncertain: i64,
    pub last_contact_at: Option<Ts>,
    pub last_note: Option<String>,
    /// A stored value could not be read as such: flag the row.
    pub damaged: bool,
}

impl TriageRow {
    pub fn group(&self) -> Group {
        Group::of(self.platform_last_access)
    }

    pub fn follow_up(&self) -> FollowUp<'_> {
        FollowUp {
            suspended: self.suspended,
            reminders_sent: self.reminders_sent,
            last_reminder_at: self.last_reminder_at,
            reminders_in_flight: self.reminders_in_flight,
            reminders_uncertain: self.reminders_uncertain,
            last_contact_at: self.last_contact_at,
            email: self.email.as_deref(),
            phone: self.phone.as_deref(),
        }
    }
}

/// A queue entry with what a list of the queue needs worked out once per load: the names
/// to show and sort by, the group, the next step and the days waited, and what a filter
/// matches (name, course, e-mail, phone, username).
#[derive(Clone, Debug)]
pub struct QueueEntry {
    pub row: TriageRow,
    /// "LASTNAME Firstname", sanitised (the username when the account has no name yet).
    pub name: String,
    /// The course's short name, sanitised.
    pub course: String,
    pub group: Group,
    pub step: NextStep,
    pub days: i64,
    /// The name folded (case and accents), for sorting.
    pub sort_key: String,
    pub haystack: Utf32String,
}

impl QueueEntry {
    /// The queue's entries. A tutor of many courses can have 20,000 of them, so what depends
    /// only on the course (its sanitised and folded names) is worked out once per course.
    pub fn build_all(rows: Vec<TriageRow>, now: Ts, rules: &Rules) -> Vec<QueueEntry> {
        let mut courses: HashMap<i64, (String, String)> = HashMap::new();
        rows.into_iter()
            .map(|row| {
                let (course, folded) = courses.entry(row.course_id).or_insert_with(|| {
                    let course = text::clean(&row.shortname);
                    let folded = text::fold(&format!("{course} {}", text::clean(&row.fullname)));
                    (course, folded)
                });
                QueueEntry::new(row, now, rules, course.clone(), folded)
            })
            .collect()
    }

    fn new(row: TriageRow, now: Ts, rules: &Rules, course: String, course_folded: &str) -> QueueEntry {
        let last = text::clean(&row.lastname).to_uppercase();
        let first = text::clean(&row.firstname);
        let name = match (last.is_empty(), first.is_empty()) {
            (true, true) => text::clean(&row.username),
            (false, true) => last,
            (true, false) => first,
            (false, false) => format!("{last} {first}"),
        };
        let sort_key = text::fold(&name);
        let contact = format!(
            "{} {} {}",
            row.email.as_deref().unwrap_or(""),
            row.phone.as_deref().unwrap_or(""),
            row.username
        );
        let haystack = [sort_key.as_str(), course_folded, &text::fold(&text::clean(&contact))].join(" ");
        QueueEntry {
            group: row.group(),
            step: next_step(&row.follow_up(), now, rules),
            days: days_open(row.opened_at, now),
            haystack: Utf32String::from(haystack),
            sort_key,
            name,
            course,
            row,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Ts = 1_763_804_800;

    fn f(sent: i64, last: Option<i64>) -> FollowUp<'static> {
        FollowUp { reminders_sent: sent, last_reminder_at: last.map(|d| NOW - d), ..FollowUp::default() }
    }

    #[test]
    fn steps_at_their_boundaries() {
        let r = Rules::default();
        assert_eq!(next_step(&f(0, None), NOW, &r), NextStep::Remind);
        // Reminded exactly 3 days ago: remind again; one second less: wait.
        assert_eq!(next_step(&f(1, Some(3 * DAY)), NOW, &r), NextStep::RemindAgain);
        assert_eq!(next_step(&f(1, Some(3 * DAY - 1)), NOW, &r), NextStep::Wait);
        // Second reminder: wait, then call.
        assert_eq!(next_step(&f(2, Some(3 * DAY - 1)), NOW, &r), NextStep::Wait);
        assert_eq!(next_step(&f(2, Some(3 * DAY)), NOW, &r), NextStep::Call);
        assert_eq!(next_step(&f(5, Some(30 * DAY)), NOW, &r), NextStep::Call);
        // Other settings.
        let r2 = Rules { remind_again_days: 7, call_after_reminders: 3, ..Rules::default() };
        assert_eq!(next_step(&f(2, Some(7 * DAY)), NOW, &r2), NextStep::RemindAgain);
        assert_eq!(next_step(&f(3, Some(7 * DAY)), NOW, &r2), NextStep::Call);
        assert_eq!(next_step(&f(3, Some(6 * DAY)), NOW, &r2), NextStep::Wait);
    }

    #[test]
    fn contacts_in_flight_and_suspended() {
        let r = Rules::default();
        // A contact note counts as recent follow-up.
        let mut x = f(2, Some(10 * DAY));
        x.last_contact_at = Some(NOW - DAY);
        assert_eq!(next_step(&x, NOW, &r), NextStep::Wait);
        x.last_contact_at = Some(NOW - 3 * DAY);
        assert_eq!(next_step(&x, NOW, &r), NextStep::Call);
        // A note alone does not count as a reminder.
        let y = FollowUp { last_contact_at: Some(NOW - 4 * DAY), ..FollowUp::default() };
        assert_eq!(next_step(&y, NOW, &r), NextStep::Remind);
        // A reminder on its way: wait for it.
        let z = FollowUp { reminders_in_flight: 1, ..FollowUp::default() };
        assert_eq!(next_step(&z, NOW, &r), NextStep::Wait);
        // Suspended wins over everything.
        let s = FollowUp { suspended: true, reminders_sent: 3, ..FollowUp::default() };
        assert_eq!(next_step(&s, NOW, &r), NextStep::Suspended);
        // Urgency order.
        let mut all = NextStep::ALL.to_vec();
        all.reverse();
        all.sort();
        assert_eq!(all, NextStep::ALL.to_vec());
    }

    fn reachable(sent: i64, last: Option<i64>) -> FollowUp<'static> {
        FollowUp { email: Some("jean@exemple.fr"), phone: Some("06 12 34 56 78"), ..f(sent, last) }
    }

    #[test]
    fn the_unreachable_are_called_or_need_contact_details() {
        let r = Rules::default();
        // Usable e-mail: the reminder path, as before.
        assert_eq!(step(&reachable(0, None), NOW, &r), Step::Remind);
        assert_eq!(step(&reachable(1, Some(3 * DAY)), NOW, &r), Step::RemindAgain);
        assert_eq!(step(&reachable(1, Some(3 * DAY - 1)), NOW, &r), Step::Wait);
        assert_eq!(step(&reachable(2, Some(3 * DAY)), NOW, &r), Step::Call);
        // Call needs a phone: reminded enough times without one, find contact details.
        let no_phone = |sent, last| FollowUp { phone: None, ..reachable(sent, last) };
        assert_eq!(step(&no_phone(2, Some(3 * DAY)), NOW, &r), Step::FindContact);
        assert_eq!(step(&no_phone(1, Some(3 * DAY)), NOW, &r), Step::RemindAgain);
        assert_eq!(
            step(&FollowUp { phone: Some("n/a"), ..reachable(2, Some(4 * DAY)) }, NOW, &r),
            Step::FindContact
        );
        // No usable e-mail (missing, malformed, fictitious): no reminder will reach them.
        for email in [None, Some(""), Some("jean@"), Some("j.dupont.fictif@exemple.fr")] {
            let x = FollowUp { email, ..reachable(0, None) };
            assert_eq!(step(&x, NOW, &r), Step::Call, "{email:?}");
            let y = FollowUp { email, phone: None, ..reachable(0, None) };
            assert_eq!(step(&y, NOW, &r), Step::FindContact, "{email:?}");
            // A recent contact note still means wait, at its boundary too.
            let z = FollowUp { last_contact_at: Some(NOW - 3 * DAY + 1), ..y };
            assert_eq!(step(&z, NOW, &r), Step::Wait, "{email:?}");
            let z = FollowUp { last_contact_at: Some(NOW - 3 * DAY), ..y };
            assert_eq!(step(&z, NOW, &r), Step::FindContact, "{email:?}");
            // Suspended wins.
            assert_eq!(step(&FollowUp { suspended: true, ..y }, NOW, &r), Step::Suspended);
        }
        // The fictitious patterns are the configuration's.
        let mine = Rules { fictitious: Rules::fictitious_patterns(&["*@exemple.fr".into()]), ..r };
        assert_eq!(step(&reachable(0, None), NOW, &mine), Step::Call);
        assert_eq!(
            step(&FollowUp { email: Some("j.dupont.fictif@ailleurs.fr"), ..reachable(0, None) }, NOW, &mine),
            Step::Remind
        );
        assert!(std::ptr::eq(Rules::fictitious_patterns(&["*@exemple.fr".into()]), mine.fictitious));
        // Urgency order, and the JSON names.
        let mut all = Step::ALL.to_vec();
        all.reverse();
        all.sort();
        assert_eq!(all, Step::ALL.to_vec());
        assert_eq!(serde_json::to_string(&Step::FindContact).unwrap(), "\"find_contact\"");
        assert!(Step::ALL.iter().all(|s| serde_json::to_string(s).unwrap() == format!("\"{}\"", s.code())));
    }

    #[test]
    fn an_uncertain_reminder_is_not_one_being_sent() {
        let r = Rules::default();
        let u = FollowUp { reminders_uncertain: 1, ..reachable(0, None) };
        assert_eq!(u.reminder_state(), ReminderState::Uncertain);
        assert_eq!(u.reminder_state().label_key(), Some("chars.reminder_uncertain"));
        assert_eq!(step(&u, NOW, &r), Step::Wait, "the tutor decides about it first");
        let s = FollowUp { reminders_in_flight: 1, ..u };
        assert_eq!(s.reminder_state(), ReminderState::Sending);
        assert_eq!(reachable(0, None).reminder_state(), ReminderState::None);
        assert_eq!(
            reachable(2, Some(DAY)).reminder_state(),
            ReminderState::Sent { n: 2, at: Some(NOW - DAY) }
        );
    }

    #[test]
    fn groups_and_days() {
        assert_eq!(Group::of(None), Group::NeverPlatform);
        assert_eq!(Group::of(Some(NOW)), Group::NeverCourse);
        assert_eq!(days_open(NOW - 3 * DAY - 5, NOW), 3);
        assert_eq!(days_open(NOW - 5, NOW), 0);
        assert_eq!(days_open(NOW + DAY, NOW), 0);
    }

    fn row(last: &str, first: &str, username: &str) -> TriageRow {
        TriageRow {
            enrolment_id: 1,
            course_id: 7,
            shortname: "C\u{1b}[31m01".into(),
            fullname: "Cours d'Été".into(),
            person_id: 3,
            username: username.into(),
            firstname: first.into(),
            lastname: last.into(),
            email: Some("Zoe@Exemple.fr".into()),
            phone: None,
            suspended: false,
            platform_last_access: None,
            opened_at: NOW - 4 * DAY - 5,
            reminders_sent: 1,
            last_reminder_at: Some(NOW - 3 * DAY),
            reminders_in_flight: 0,
            reminders_uncertain: 0,
            last_contact_at: None,
            last_note: None,
            damaged: false,
        }
    }

    #[test]
    fn queue_entries_name_sort_and_match_their_learner() {
        let rows = vec![row("Noël", "Zoë", "zn"), row("", "", "ghost"), row("", "Solo", "s")];
        let e = QueueEntry::build_all(rows, NOW, &Rules::default());
        assert_eq!(e[0].name, "NOËL Zoë");
        assert_eq!(e[0].sort_key, "noel zoe");
        assert_eq!((e[1].name.as_str(), e[2].name.as_str()), ("ghost", "Solo"));
        assert_eq!(e[0].course, "C01", "escape sequences are taken out");
        assert_eq!((e[0].group, e[0].step, e[0].days), (Group::NeverPlatform, NextStep::RemindAgain, 4));
        let hay = e[0].haystack.to_string();
        assert!(
            hay.contains("noel zoe") && hay.contains("cours d'ete") && hay.contains("zoe@exemple.fr"),
            "{hay}"
        );
    }
}
