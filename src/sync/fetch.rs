//! Reading one course from Moodle into a snapshot: its activities, its participants (paged),
//! and, for the learners who came back since the last sync, their completion and SCORM
//! tracks, several learners at a time.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;

use super::client::{Client, MoodleError};
use super::map::{self, Part};
use super::moodle::{self, Category, Course, User};
use super::scorm::{self, Summary, Version};
use super::{Settings, Stage, WarningLine, Warnings, now};
use crate::store::sync::{CourseIn, CourseSnapshot, CourseState, GroupIn, LearnerIn, ProgressIn};

/// Seconds before the last sync within which a learner's course access is read again even
/// if unchanged: Moodle updates it at most once a minute, and the two clocks may differ.
const MARGIN: i64 = 900;

pub(super) struct Ctx<'a> {
    pub client: &'a Client,
    pub settings: &'a Settings,
    pub site: &'a moodle::SiteInfo,
    pub categories: &'a HashMap<i64, Category>,
    pub full: bool,
}

pub(super) enum FetchError {
    Moodle(MoodleError),
    Cancelled,
}

impl From<MoodleError> for FetchError {
    fn from(e: MoodleError) -> Self {
        FetchError::Moodle(e)
    }
}

pub(super) struct Info {
    pub learners: usize,
    pub tutors: usize,
    pub ignored: usize,
    pub details_read: usize,
    pub warnings: Vec<WarningLine>,
}

/// A SCORM activity's tracked SCOs.
struct ScormLesson {
    cmid: i64,
    version: Version,
    scos: Vec<i64>,
}

fn check(cancel: &AtomicBool) -> Result<(), FetchError> {
    if cancel.load(Ordering::Relaxed) { Err(FetchError::Cancelled) } else { Ok(()) }
}

/// Every participant, page by page (until an empty page: Moodle may return fewer than asked
/// for while more follow).
async fn participants(
    c: &Client,
    course: i64,
    only_active: bool,
    page: usize,
    cancel: &AtomicBool,
) -> Result<Vec<User>, FetchError> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut from = 0;
    loop {
        check(cancel)?;
        let batch = moodle::enrolled_users(c, course, from, page, only_active).await?;
        if batch.is_empty() || from > 10_000_000 {
            return Ok(out);
        }
        for u in batch {
            if seen.insert(u.id) {
                out.push(u);
            }
        }
        from += page;
    }
}

/// Whether a learner's completion and tracks must be read: first sync of the course, a
/// course access that moved (or may have moved, near the last sync), or `--full`.
fn needs_details(u: &User, state: &CourseState, full: bool) -> bool {
    let Some(lca) = u.lastcourseaccess else { return true };
    if full {
        return true;
    }
    let lca = (lca > 0).then_some(lca);
    match state.last_access.get(&u.id.to_string()) {
        None => lca.is_some(),
        Some(stored) if *stored != lca => true,
        Some(_) => lca.is_some_and(|t| state.synced_at.is_none_or(|s| t >= s - MARGIN)),
    }
}

pub(super) async fn course(
    ctx: &Ctx<'_>,
    course: &Course,
    state: &CourseState,
    tick: &(dyn Fn(Stage, usize, usize) + Sync),
    cancel: &AtomicBool,
) -> Result<(CourseSnapshot, Info), FetchError> {
    let c = ctx.client;
    let read_at = now();
    let mut warnings = Warnings::default();
    let sections = moodle::contents(c, course.id).await?;
    let modules: Vec<&moodle::Module> =
        sections.iter().flat_map(|s| &s.modules).filter(|m| map::is_lesson(&m.modname)).collect();

    let mut scorm_lessons = Vec::new();
    if modules.iter().any(|m| m.modname == "scorm") {
        let reply = moodle::scorms(c, course.id).await?;
        for w in &reply.warnings {
            warnings.add("mod_scorm_get_scorms_by_courses", &w.warningcode, &w.message);
        }
        for s in reply.scorms {
            check(cancel)?;
            let scoes = moodle::scoes(c, s.id).await?;
            for w in &scoes.warnings {
                warnings.add("mod_scorm_get_scorm_scoes", &w.warningcode, &w.message);
            }
            let mut scos: Vec<&moodle::Sco> = scoes.scoes.iter().filter(|x| x.scormtype == "sco").collect();
            if scos.is_empty() {
                scos = scoes.scoes.iter().collect();
            }
            scos.sort_by_key(|x| (x.sortorder, x.id));
            scorm_lessons.push(ScormLesson {
                cmid: s.coursemodule,
                version: Version::from_moodle(s.version.as_deref()),
                scos: scos.iter().map(|x| x.id).collect(),
            });
        }
    }
    let lessons = modules
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let version = scorm_lessons.iter().find(|s| s.cmid == m.id).map(|s| s.version);
            map::lesson(m, i as i64 + 1, version)
        })
        .collect();

    check(cancel)?;
    let page = ctx.settings.page_size;
    let users = participants(c, course.id, false, page, cancel).await?;
    let active: Option<HashSet<i64>> = match participants(c, course.id, true, page, cancel).await {
        Ok(list) => Some(list.iter().map(|u| u.id).collect()),
        Err(FetchError::Moodle(MoodleError::Capability { function, message })) => {
            warnings.add(&function, "enrolreview", &message);
            None
        }
        Err(e) => return Err(e),
    };
    let mut idnumbers: HashMap<i64, Option<String>> = HashMap::new();
    if ctx.site.has(moodle::GROUPS) {
        match moodle::course_groups(c, course.id).await {
            Ok(groups) => {
                idnumbers = groups.into_iter().map(|g| (g.id, g.idnumber.filter(|s| !s.is_empty()))).collect()
            }
            Err(MoodleError::Capability { function, message }) => {
                warnings.add(&function, "nopermissions", &message)
            }
            Err(e) if e.is_per_item() => warnings.add(moodle::GROUPS, "refused", &e.to_string()),
            Err(e) => return Err(e.into()),
        }
    }

    let s = ctx.settings;
    let mut snap = CourseSnapshot::default();
    let mut info = Info { learners: 0, tutors: 0, ignored: 0, details_read: 0, warnings: Vec::new() };
    let mut groups: BTreeMap<i64, String> = BTreeMap::new();
    let mut need = Vec::new();
    for u in &users {
        match map::part(u, &s.teacher_roles, &s.learner_roles) {
            Part::Other => {
                info.ignored += 1;
                continue;
            }
            Part::Tutor => {
                info.tutors += 1;
                snap.tutors.push(u.id.to_string());
            }
            Part::Learner => {
                info.learners += 1;
                snap.learners.push(LearnerIn {
                    person_ext: u.id.to_string(),
                    active: active.as_ref().is_none_or(|a| a.contains(&u.id)),
                    last_access: u.lastcourseaccess.map(|t| (t > 0).then_some(t)),
                });
                if needs_details(u, state, ctx.full) {
                    need.push(u);
                }
            }
        }
        snap.people.push(map::person(u));
        for g in &u.groups {
            groups.entry(g.id).or_insert_with(|| map::plain(&g.name));
            snap.memberships.push((g.id.to_string(), u.id.to_string()));
        }
    }
    snap.groups = groups
        .into_iter()
        .map(|(id, name)| GroupIn { ext_id: id.to_string(), name, idnumber: idnumbers.remove(&id).flatten() })
        .collect();

    let total = need.len();
    tick(Stage::Learners, 0, total);
    let mut done = 0;
    let cmids: Vec<i64> = modules.iter().map(|m| m.id).collect();
    let mut stream = futures::stream::iter(need)
        .map(|u| learner(ctx, course.id, u, &cmids, &scorm_lessons, cancel))
        .buffer_unordered(ctx.settings.concurrency);
    while let Some(r) = stream.next().await {
        let d = r?;
        for (f, code, msg) in &d.warnings {
            warnings.add(f, code, msg);
        }
        snap.progress.extend(d.progress);
        done += 1;
        tick(Stage::Learners, done, total);
    }
    drop(stream);
    check(cancel)?;
    info.details_read = total;
    info.warnings = warnings.into_lines();

    snap.categories = map::category_chain(ctx.categories, course.categoryid);
    snap.course = Some(CourseIn {
        ext_id: course.id.to_string(),
        shortname: course.shortname.clone(),
        fullname: map::plain(&course.fullname),
        description: course.summary.as_deref().map(map::plain).unwrap_or_default(),
        category_ext: course.categoryid.filter(|c| *c > 0).map(|c| c.to_string()),
        start_at: course.startdate.filter(|t| *t > 0),
        end_at: course.enddate.filter(|t| *t > 0),
    });
    snap.lessons = lessons;
    snap.read_at = read_at;
    Ok((snap, info))
}

struct Details {
    progress: Vec<ProgressIn>,
    /// (function, code, message)
    warnings: Vec<(String, String, String)>,
}

/// One learner's completion and SCORM attempts. A refusal about this learner (a suspended
/// account, a closed activity) is a warning; anything else stops the course.
async fn learner(
    ctx: &Ctx<'_>,
    course: i64,
    u: &User,
    lessons: &[i64],
    scorms: &[ScormLesson],
    cancel: &AtomicBool,
) -> Result<Details, FetchError> {
    check(cancel)?;
    let c = ctx.client;
    let mut warnings = Vec::new();
    let mut warn =
        |f: &str, code: &str, msg: &str| warnings.push((f.to_string(), code.to_string(), msg.to_string()));
    let refused = |e: &MoodleError| match e {
        MoodleError::Refused { errorcode, message, .. } => (errorcode.clone(), message.clone()),
        other => (String::new(), other.to_string()),
    };
    let statuses = match moodle::completion(c, course, u.id).await {
        Ok(s) => {
            for w in &s.warnings {
                warn("core_completion_get_activities_completion_status", &w.warningcode, &w.message);
            }
            s.statuses.into_iter().map(|s| (s.cmid, s)).collect()
        }
        Err(e) if e.is_per_item() => {
            let (code, msg) = refused(&e);
            warn("core_completion_get_activities_completion_status", &code, &msg);
            HashMap::new()
        }
        Err(e) => return Err(e.into()),
    };
    let mut attempts: HashMap<i64, Vec<map::ScormAttempt>> = HashMap::new();
    'lessons: for s in scorms {
        check(cancel)?;
        let mut by_attempt: BTreeMap<i64, Vec<Summary>> = BTreeMap::new();
        let mut last = 0;
        for pass in 0.. {
            // Pass 0 asks for the last attempt (its number comes back); then the earlier ones.
            let number = if pass == 0 { 0 } else { pass };
            if pass > 0 && pass >= last {
                break;
            }
            for sco in &s.scos {
                match moodle::sco_tracks(c, *sco, u.id, number).await {
                    Ok(t) => {
                        for w in t.warnings.iter().filter(|w| w.warningcode != "notattempted") {
                            warn("mod_scorm_get_scorm_sco_tracks", &w.warningcode, &w.message);
                        }
                        last = last.max(t.data.attempt);
                        let pairs: Vec<(String, String)> =
                            t.data.tracks.into_iter().map(|t| (t.element, t.value)).collect();
                        if let Some(sum) = scorm::summarise(s.version, &pairs) {
                            by_attempt.entry(t.data.attempt).or_default().push(sum);
                        }
                    }
                    Err(e) if e.is_per_item() => {
                        let (code, msg) = refused(&e);
                        warn("mod_scorm_get_scorm_sco_tracks", &code, &msg);
                        continue 'lessons;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        attempts.insert(s.cmid, map::scorm_attempts(s.scos.len(), &by_attempt));
    }
    let now = now();
    let person = u.id.to_string();
    let progress = lessons
        .iter()
        .filter_map(|cmid| {
            let a = attempts.get(cmid).map(Vec::as_slice).unwrap_or(&[]);
            map::progress(&person, &cmid.to_string(), statuses.get(cmid), a, now)
        })
        .collect();
    Ok(Details { progress, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(lca: Option<i64>) -> User {
        User {
            id: 5,
            username: None,
            firstname: None,
            lastname: None,
            fullname: String::new(),
            email: None,
            phone1: None,
            institution: None,
            idnumber: None,
            firstaccess: None,
            lastaccess: None,
            lastcourseaccess: lca,
            groups: vec![],
            roles: vec![],
        }
    }

    #[test]
    fn details_are_read_again_only_for_learners_who_came_back() {
        let mut state = CourseState::default();
        // First sync: those who opened the course.
        assert!(needs_details(&user(Some(1000)), &state, false));
        assert!(!needs_details(&user(Some(0)), &state, false));
        assert!(needs_details(&user(Some(0)), &state, true));
        assert!(needs_details(&user(None), &state, false), "hidden access: cannot tell");
        state.synced_at = Some(100_000);
        state.last_access.insert("5".into(), Some(1000));
        assert!(!needs_details(&user(Some(1000)), &state, false), "unchanged, long before the last sync");
        assert!(needs_details(&user(Some(2000)), &state, false), "came back");
        state.last_access.insert("5".into(), Some(99_500));
        assert!(needs_details(&user(Some(99_500)), &state, false), "near the last sync");
        state.last_access.insert("5".into(), None);
        assert!(!needs_details(&user(Some(0)), &state, false));
    }
}
