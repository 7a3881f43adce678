//! Moodle's records as tutorat's rows: what kind of lesson an activity is, how it is
//! completed, which participant is a tutor, and what a learner's completion state and SCORM
//! attempts say about their progress on a lesson.

use std::collections::HashMap;

use super::moodle::{ActivityStatus, Category, Module, User};
use super::scorm::{self, Summary, Version};
use crate::model::stats::{Field, Stats};
use crate::model::{LessonKind, LessonStatus, Ts};
use crate::store::sync::{AttemptIn, CategoryIn, LessonIn, PersonIn, ProgressIn};

/// Activities that are not lessons (a label is text on the course page).
pub fn is_lesson(modname: &str) -> bool {
    !matches!(modname, "label" | "subsection" | "qbank")
}

/// tutorat's six kinds from Moodle's module names.
pub fn lesson_kind(modname: &str) -> LessonKind {
    match modname {
        "scorm" | "h5pactivity" | "hvp" | "lesson" | "imscp" => LessonKind::Elearning,
        "quiz" => LessonKind::Quiz,
        "assign" | "workshop" => LessonKind::Mission,
        "bigbluebuttonbn" | "zoom" | "jitsi" | "webex" | "teams" => LessonKind::Webinar,
        _ => LessonKind::Sheet,
    }
}

/// `lessons.completion` from the module's tracking (0 none, 1 manual, 2 automatic) and, on
/// Moodle 3.11+, the names of its automatic rules.
pub fn completion_rule(m: &Module) -> &'static str {
    match m.completion {
        0 => "none",
        1 => "view",
        _ => {
            let rules: Vec<&str> = m
                .completiondata
                .as_ref()
                .map(|d| d.details.iter().map(|r| r.rulename.as_str()).collect())
                .unwrap_or_default();
            let has = |names: &[&str]| rules.iter().any(|r| names.contains(r));
            if has(&["completionpassgrade", "completionpass", "completionpassorattemptsexhausted"]) {
                "pass"
            } else if has(&["completionusegrade", "completionscorerequired", "completiongrade"]) {
                "grade"
            } else if has(&[
                "completionsubmit",
                "completionstatusrequired",
                "completionstatusallscos",
                "completionattemptsexhausted",
                "completionminattempts",
            ]) {
                "submit"
            } else {
                "view"
            }
        }
    }
}

pub fn lesson(m: &Module, position: i64, version: Option<Version>) -> LessonIn {
    LessonIn {
        ext_id: m.id.to_string(),
        position,
        kind: lesson_kind(&m.modname),
        title: plain(&m.name),
        scorm_version: version.and_then(Version::as_db),
        completion: completion_rule(m),
    }
}

/// Moodle formats names and summaries as HTML: tags go, the usual entities are decoded.
pub fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#039;", "'")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The chain of categories from the root down to `id` (empty when unknown); a loop in the
/// parents stops the walk.
pub fn category_chain(all: &HashMap<i64, Category>, id: Option<i64>) -> Vec<CategoryIn> {
    let mut chain = Vec::new();
    let mut cur = id.filter(|i| *i > 0);
    while let Some(i) = cur {
        let Some(c) = all.get(&i) else { break };
        if chain.iter().any(|x: &CategoryIn| x.ext_id == i.to_string()) {
            break;
        }
        chain.push(CategoryIn {
            ext_id: i.to_string(),
            parent_ext: (c.parent > 0).then(|| c.parent.to_string()),
            name: plain(&c.name),
            position: c.sortorder,
        });
        cur = (c.parent > 0).then_some(c.parent);
    }
    chain.reverse();
    if let Some(first) = chain.first_mut() {
        // The walk may have stopped below the real root (an unknown parent).
        if first.parent_ext.as_ref().is_some_and(|p| !all.contains_key(&p.parse().unwrap_or(0))) {
            first.parent_ext = None;
        }
    }
    chain
}

fn time(v: Option<i64>) -> Option<Option<Ts>> {
    v.map(|t| (t > 0).then_some(t))
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_ref().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// A participant as a person. Without a username (hidden from the token's user) the
/// person is named after their Moodle id, so that they can still be followed.
pub fn person(u: &User) -> PersonIn {
    let (first, last) = match (&u.firstname, &u.lastname) {
        (Some(f), Some(l)) => (f.clone(), l.clone()),
        _ => match u.fullname.rsplit_once(' ') {
            Some((f, l)) => (f.to_string(), l.to_string()),
            None => (String::new(), u.fullname.clone()),
        },
    };
    PersonIn {
        ext_id: u.id.to_string(),
        username: non_empty(&u.username).unwrap_or_else(|| format!("moodle-{}", u.id)),
        firstname: plain(&first),
        lastname: plain(&last),
        email: non_empty(&u.email),
        phone: non_empty(&u.phone1),
        organisation: non_empty(&u.institution),
        matricule: non_empty(&u.idnumber),
        first_access: time(u.firstaccess),
        last_access: time(u.lastaccess),
    }
}

/// Tutor, learner, or neither (a manager enrolled to look around), by role short names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Tutor,
    Learner,
    Other,
}

pub fn part(u: &User, teacher_roles: &[String], learner_roles: &[String]) -> Part {
    let has = |list: &[String]| u.roles.iter().any(|r| list.iter().any(|x| x == &r.shortname));
    if has(teacher_roles) {
        Part::Tutor
    } else if has(learner_roles) {
        Part::Learner
    } else {
        Part::Other
    }
}

/// One attempt of a SCORM lesson, all its SCOs together.
#[derive(Clone, Debug, PartialEq)]
pub struct ScormAttempt {
    pub number: i64,
    pub summary: Summary,
}

/// What Moodle says of a learner on a lesson: its completion state and, for a SCORM
/// lesson, its attempts. `None` when it says nothing.
pub fn progress(
    person_ext: &str,
    lesson_ext: &str,
    completion: Option<&ActivityStatus>,
    attempts: &[ScormAttempt],
    now: Ts,
) -> Option<ProgressIn> {
    let mut stats = Stats::default();
    let mut known = Vec::new();
    let mut rows = Vec::new();
    if let Some(last) = attempts.iter().max_by_key(|a| a.number) {
        // The last attempt, unless an earlier one was finished and the last is not: a
        // learner who passed keeps it while looking again.
        let done = attempts.iter().filter(|a| a.summary.status.is_done()).max_by_key(|a| a.number);
        let shown = match done {
            Some(d) if !last.summary.status.is_done() => d,
            _ => last,
        };
        stats.status = shown.summary.status;
        stats.score = shown.summary.score;
        stats.status_at = shown.summary.modified_at.or(shown.summary.started_at);
        stats.time_spent = attempts.iter().map(|a| a.summary.time_spent).sum();
        stats.attempts = last.number;
        stats.location = last.summary.location.clone();
        stats.suspend_data = last.summary.suspend_data.clone();
        known.extend(Field::ALL);
        for a in attempts {
            rows.push(AttemptIn {
                number: a.number,
                started_at: a.summary.started_at.or(a.summary.modified_at).unwrap_or(now),
                status: a.summary.status,
                score: a.summary.score,
                time_spent: a.summary.time_spent,
            });
        }
    } else if let Some(c) = completion {
        if c.tracking == 0 {
            return None;
        }
        stats.status = match c.state {
            1 => LessonStatus::Completed,
            2 => LessonStatus::Passed,
            3 => LessonStatus::Failed,
            _ => LessonStatus::NotAttempted,
        };
        stats.status_at = (c.state > 0 && c.timecompleted > 0).then_some(c.timecompleted);
        known.extend([Field::Status, Field::StatusAt]);
    } else {
        return None;
    }
    Some(ProgressIn {
        person_ext: person_ext.to_string(),
        lesson_ext: lesson_ext.to_string(),
        stats,
        known,
        attempts: rows,
    })
}

/// The SCOs' summaries of each attempt (attempt number → per-SCO summaries) as attempts.
pub fn scorm_attempts(
    scos: usize,
    by_attempt: &std::collections::BTreeMap<i64, Vec<Summary>>,
) -> Vec<ScormAttempt> {
    by_attempt
        .iter()
        .filter_map(|(n, parts)| {
            scorm::combine(scos, parts).map(|summary| ScormAttempt { number: *n, summary })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::moodle::{CompletionData, Role, RuleDetail};

    fn module(modname: &str, completion: i64, rules: &[&str]) -> Module {
        Module {
            id: 7,
            name: "Les &amp; bases <b>du</b> métier".into(),
            instance: 3,
            modname: modname.into(),
            completion,
            completiondata: Some(CompletionData {
                details: rules.iter().map(|r| RuleDetail { rulename: r.to_string() }).collect(),
            }),
        }
    }

    #[test]
    fn kinds_and_completion_rules() {
        assert_eq!(lesson_kind("scorm"), LessonKind::Elearning);
        assert_eq!(lesson_kind("assign"), LessonKind::Mission);
        assert_eq!(lesson_kind("bigbluebuttonbn"), LessonKind::Webinar);
        assert_eq!(lesson_kind("resource"), LessonKind::Sheet);
        assert!(!is_lesson("label"));
        assert_eq!(completion_rule(&module("page", 0, &[])), "none");
        assert_eq!(completion_rule(&module("page", 1, &[])), "view");
        assert_eq!(completion_rule(&module("page", 2, &["completionview"])), "view");
        assert_eq!(completion_rule(&module("assign", 2, &["completionview", "completionsubmit"])), "submit");
        assert_eq!(
            completion_rule(&module("quiz", 2, &["completionusegrade", "completionpassgrade"])),
            "pass"
        );
        assert_eq!(completion_rule(&module("scorm", 2, &["completionscorerequired"])), "grade");
        let l = lesson(&module("scorm", 2, &[]), 4, Some(Version::Scorm2004));
        assert_eq!(
            (l.title.as_str(), l.scorm_version, l.position),
            ("Les & bases du métier", Some("2004"), 4)
        );
    }

    #[test]
    fn html_becomes_plain_text() {
        assert_eq!(
            plain("<p>Bonjour&nbsp;<strong>à tous</strong></p>\n<p>Suite</p>"),
            "Bonjour à tous Suite"
        );
        assert_eq!(plain("R&amp;D &lt;2026&gt;"), "R&D <2026>");
    }

    #[test]
    fn roles_decide_who_is_a_tutor() {
        let mut u = User {
            id: 9,
            username: None,
            firstname: None,
            lastname: None,
            fullname: "Jean-Luc Le Goff".into(),
            email: Some(" ".into()),
            phone1: None,
            institution: None,
            idnumber: None,
            firstaccess: Some(0),
            lastaccess: None,
            lastcourseaccess: None,
            groups: vec![],
            roles: vec![Role { roleid: 5, shortname: "student".into() }],
        };
        let t = vec!["editingteacher".to_string(), "teacher".to_string()];
        let l = vec!["student".to_string()];
        assert_eq!(part(&u, &t, &l), Part::Learner);
        u.roles.push(Role { roleid: 4, shortname: "teacher".into() });
        assert_eq!(part(&u, &t, &l), Part::Tutor);
        u.roles.clear();
        assert_eq!(part(&u, &t, &l), Part::Other);
        let p = person(&u);
        assert_eq!(
            (p.username.as_str(), p.firstname.as_str(), p.lastname.as_str()),
            ("moodle-9", "Jean-Luc Le", "Goff")
        );
        assert_eq!((p.email, p.first_access, p.last_access), (None, Some(None), None));
    }

    #[test]
    fn completion_states_become_statuses() {
        let st = |state, tracking| ActivityStatus {
            cmid: 7,
            modname: "quiz".into(),
            state,
            timecompleted: 1_767_000_000,
            tracking,
            overrideby: None,
        };
        let p = progress("9", "7", Some(&st(2, 2)), &[], 0).unwrap();
        assert_eq!((p.stats.status, p.stats.status_at), (LessonStatus::Passed, Some(1_767_000_000)));
        assert_eq!(p.known, vec![Field::Status, Field::StatusAt]);
        let p = progress("9", "7", Some(&st(0, 1)), &[], 0).unwrap();
        assert_eq!((p.stats.status, p.stats.status_at), (LessonStatus::NotAttempted, None));
        assert_eq!(progress("9", "7", Some(&st(1, 0)), &[], 0), None);
        assert_eq!(progress("9", "7", None, &[], 0), None);
    }

    #[test]
    fn a_finished_attempt_is_kept_while_a_new_one_is_open() {
        let s = |status, score, time, at| Summary {
            status,
            score,
            time_spent: time,
            location: format!("loc{at}"),
            suspend_data: String::new(),
            started_at: Some(at),
            modified_at: Some(at + 10),
        };
        let attempts = vec![
            ScormAttempt { number: 1, summary: s(LessonStatus::Passed, Some(90.0), 600, 100) },
            ScormAttempt { number: 2, summary: s(LessonStatus::Incomplete, None, 60, 200) },
        ];
        let p = progress("9", "7", None, &attempts, 0).unwrap();
        assert_eq!(p.stats.status, LessonStatus::Passed);
        assert_eq!((p.stats.score, p.stats.status_at, p.stats.attempts), (Some(90.0), Some(110), 2));
        assert_eq!((p.stats.time_spent, p.stats.location.as_str()), (660, "loc200"));
        assert_eq!(p.attempts.len(), 2);
        assert_eq!(p.known.len(), Field::ALL.len());
    }

    #[test]
    fn category_chains_go_root_first_and_survive_loops() {
        let c = |id, parent| Category {
            id,
            name: format!("c{id}"),
            idnumber: None,
            parent,
            sortorder: id,
            path: String::new(),
        };
        let all: HashMap<i64, Category> =
            [c(1, 0), c(2, 1), c(3, 2), c(8, 9), c(9, 8)].into_iter().map(|x| (x.id, x)).collect();
        let chain: Vec<String> = category_chain(&all, Some(3)).into_iter().map(|c| c.ext_id).collect();
        assert_eq!(chain, ["1", "2", "3"]);
        assert!(category_chain(&all, Some(8)).len() <= 2);
        assert!(category_chain(&all, Some(42)).is_empty());
        assert!(category_chain(&all, None).is_empty());
    }
}
