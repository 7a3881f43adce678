//! Triage of learners who never opened their course: which group they fall in and what the
//! tutor should do next. The workflow of seed 004: remind a few days after the session
//! opens, remind again, then call those who still do not connect.

use serde::Serialize;

use super::Ts;

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

/// What to do about a learner, most urgent first (the derived order sorts the queue).
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

/// `[triage]` in the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    pub remind_again_days: i64,
    pub call_after_reminders: i64,
}

impl Default for Rules {
    fn default() -> Self {
        Rules { remind_again_days: 3, call_after_reminders: 2 }
    }
}

/// What is known of a learner's follow-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FollowUp {
    pub suspended: bool,
    /// Reminders that reached the mail server.
    pub reminders_sent: i64,
    pub last_reminder_at: Option<Ts>,
    /// Reminders queued, being sent, or whose sending is uncertain.
    pub reminders_in_flight: i64,
    /// The last "contacted" note (a phone call, a fixed e-mail address…).
    pub last_contact_at: Option<Ts>,
}

/// The next step. A learner reminded or contacted less than `remind_again_days` ago waits;
/// past that, one who got `call_after_reminders` reminders is to be called.
pub fn next_step(f: &FollowUp, now: Ts, rules: &Rules) -> NextStep {
    if f.suspended {
        return NextStep::Suspended;
    }
    if f.reminders_in_flight > 0 {
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

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Ts = 1_763_804_800;

    fn f(sent: i64, last: Option<i64>) -> FollowUp {
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
        let r2 = Rules { remind_again_days: 7, call_after_reminders: 3 };
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

    #[test]
    fn groups_and_days() {
        assert_eq!(Group::of(None), Group::NeverPlatform);
        assert_eq!(Group::of(Some(NOW)), Group::NeverCourse);
        assert_eq!(days_open(NOW - 3 * DAY - 5, NOW), 3);
        assert_eq!(days_open(NOW - 5, NOW), 0);
        assert_eq!(days_open(NOW + DAY, NOW), 0);
    }
}
