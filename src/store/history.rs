//! The follow-up a tutor would already have done, for the demo and the generated world:
//! learners who never came got zero, one or two reminders a few days apart, some a phone
//! call after that; some who came late were reminded first. So the triage shows every next
//! step, reports show a history, and the benches query a realistic reminders table.

use super::bulk::Val;
use super::world::{DAY, Rng};
use crate::model::Ts;
use crate::row;

/// A sent reminder of the history (subject and body kept short: it is history).
#[derive(Clone, Debug)]
pub struct PastReminder {
    pub enrolment: i64,
    pub course_id: i64,
    pub sender: i64,
    pub recipient: String,
    pub course: String,
    pub at: Ts,
}

pub const REMINDER_COLS: &[&str] = &[
    "id",
    "message_id",
    "enrolment_id",
    "course_id",
    "sender_id",
    "kind",
    "template",
    "recipient",
    "subject",
    "body",
    "status",
    "tries",
    "created_at",
    "updated_at",
    "sent_at",
];

pub const NOTE_COLS: &[&str] = &["id", "enrolment_id", "author_id", "at", "note"];

/// The reminders sent to one enrolment (`first.at` is when the course opened for the
/// learner) and, for some who still did not come, when the tutor called.
pub fn follow_up(
    rng: &mut Rng,
    first: PastReminder,
    accessed_at: Option<Ts>,
    now: Ts,
) -> (Vec<PastReminder>, Option<Ts>) {
    let start = first.at;
    let mut out = Vec::new();
    let mut note = None;
    match accessed_at {
        None => {
            let n = [0, 1, 2][rng.weighted(&[0.4, 0.35, 0.25])];
            for i in 0..n {
                let at = start + (3 + 4 * i) * DAY + rng.int(8 * 3600, 17 * 3600);
                if at < now - 3600 {
                    out.push(PastReminder { at, ..first.clone() });
                }
            }
            if out.len() == 2 && rng.chance(0.35) {
                note = Some((out[1].at + rng.int(2, 5) * DAY).min(now - 3600));
            }
        }
        Some(came) if came - start > 5 * DAY && rng.chance(0.6) => {
            out.push(PastReminder { at: start + 3 * DAY + rng.int(8 * 3600, 17 * 3600), ..first });
        }
        Some(_) => {}
    }
    (out, note)
}

/// The row of a past reminder; `id` also makes its Message-ID unique.
pub fn reminder_row(id: i64, r: &PastReminder) -> Vec<Val> {
    row![
        id,
        format!("<history-{id}@tutorat.invalid>"),
        r.enrolment,
        r.course_id,
        Some(r.sender),
        Val::S("reminder"),
        Val::S("never_accessed"),
        r.recipient.as_str(),
        format!("Votre formation « {} » vous attend", r.course),
        Val::S("Bonjour,\n\nVotre formation est ouverte et vous ne l'avez pas encore commencée.\n"),
        Val::S("sent"),
        1i64,
        r.at - 60,
        r.at,
        Some(r.at)
    ]
}
