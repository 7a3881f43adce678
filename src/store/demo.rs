//! The demo database: realistic French data from `assets/demo/demo.toml`, generated with a
//! fixed seed relative to the day it is created.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use super::bulk::Val;
use super::history::{self, PastReminder, REMINDER_COLS, follow_up};
use super::world::{self, DAY, LessonSpec, Profile, Rng, Sink, ascii_slug};
use super::{Result, Store, StoreError};
use crate::model::{EnrolmentKind, LessonKind, Ts};
use crate::row;

const DEMO_TOML: &str = include_str!("../../assets/demo/demo.toml");

#[derive(Deserialize)]
pub(crate) struct PersonDef {
    pub(crate) username: String,
    pub(crate) firstname: String,
    pub(crate) lastname: String,
    pub(crate) email: String,
}

#[derive(Deserialize)]
pub(crate) struct CategoryDef {
    pub(crate) key: String,
    pub(crate) name: String,
    pub(crate) parent: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct LessonDef {
    pub(crate) kind: String,
    pub(crate) title: String,
    pub(crate) points: i64,
    pub(crate) passing: Option<f64>,
    pub(crate) scorm: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct CourseDef {
    pub(crate) shortname: String,
    pub(crate) fullname: String,
    pub(crate) category: String,
    pub(crate) description: String,
    pub(crate) competencies: String,
    pub(crate) audience: Option<String>,
    pub(crate) catalogue_url: Option<String>,
    pub(crate) tutors: Vec<String>,
    pub(crate) learners: usize,
    pub(crate) opened_days_ago: i64,
    pub(crate) lessons: Vec<LessonDef>,
}

#[derive(Deserialize)]
pub(crate) struct DemoDef {
    pub(crate) learners: usize,
    pub(crate) seed: u64,
    pub(crate) tutors: Vec<PersonDef>,
    pub(crate) admins: Vec<PersonDef>,
    pub(crate) categories: Vec<CategoryDef>,
    pub(crate) courses: Vec<CourseDef>,
    pub(crate) names: NamesDef,
}

#[derive(Deserialize)]
pub(crate) struct NamesDef {
    pub(crate) firstnames: Vec<String>,
    pub(crate) lastnames: Vec<String>,
    pub(crate) organisations: Vec<String>,
    pub(crate) email_domains: Vec<String>,
    pub(crate) review_comments: Vec<String>,
    pub(crate) contact_notes: Vec<String>,
    pub(crate) lesson_comments: Vec<String>,
}

/// What was loaded, for messages and tests.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DemoSummary {
    pub categories: usize,
    pub courses: usize,
    pub learners: usize,
    pub enrolments: usize,
    pub never_accessed: usize,
    pub never_logged_in: usize,
    pub attempts: usize,
    pub connections: usize,
    pub reviews: usize,
    pub reminders: usize,
}

/// Whether this database was filled by [`load`].
pub async fn is_demo(store: &Store) -> Result<bool> {
    Ok(store.meta("demo").await?.as_deref() == Some("1"))
}

pub(crate) const REVIEW_COLS: &[&str] = &["id", "course_id", "person_id", "created_at", "stars", "comment"];
pub(crate) const COURSE_COLS: &[&str] = &[
    "id",
    "category_id",
    "shortname",
    "fullname",
    "description",
    "audience",
    "competencies",
    "catalogue_url",
    "start_at",
    "end_at",
    "created_at",
];
pub(crate) const LESSON_COLS: &[&str] = &[
    "id",
    "course_id",
    "position",
    "kind",
    "title",
    "points",
    "passing_score",
    "scorm_version",
    "completion",
];

/// Tables the demo and the generator fill with explicit ids; PostgreSQL's sequences are
/// moved past them afterwards.
pub(crate) const SEEDED_TABLES: &[&str] = &[
    "categories",
    "courses",
    "lessons",
    "people",
    "enrolments",
    "lesson_progress",
    "attempts",
    "connections",
    "reviews",
    "lesson_comments",
    "reminders",
    "contact_notes",
];

pub(crate) const PEOPLE_COLS: &[&str] = &[
    "id",
    "username",
    "firstname",
    "lastname",
    "email",
    "phone",
    "organisation",
    "matricule",
    "first_access",
    "last_access",
    "suspended",
    "is_admin",
    "created_at",
];
pub(crate) const ENROLMENT_COLS: &[&str] = &[
    "id",
    "course_id",
    "person_id",
    "kind",
    "active",
    "enrolled_at",
    "start_at",
    "target_at",
    "end_at",
    "first_access",
    "last_access",
    "lessons_done",
    "lessons_started",
    "time_spent",
    "certificate_at",
    "missions_to_grade",
    "observations_done",
];

/// The demo's definitions (names, categories, courses), also the generator's vocabulary.
pub(crate) fn definitions() -> Result<DemoDef> {
    toml::from_str(DEMO_TOML).map_err(|e| StoreError::Invalid(format!("assets/demo/demo.toml: {e}")))
}

/// Fills an empty database with the demo, in one transaction.
pub async fn load(store: &Store, now: Ts) -> Result<DemoSummary> {
    let def = definitions()?;
    let mut rng = Rng::new(def.seed);
    let mut summary = DemoSummary::default();
    let mut tx = store.begin_write().await?;

    // Categories.
    let cat_ids: HashMap<&str, i64> =
        def.categories.iter().enumerate().map(|(i, c)| (c.key.as_str(), i as i64 + 1)).collect();
    let cats: Vec<Vec<Val>> = def
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let parent = c.parent.as_deref().and_then(|p| cat_ids.get(p).copied());
            row![i as i64 + 1, parent, c.name.as_str(), i as i64]
        })
        .collect();
    tx.insert("categories", &["id", "parent_id", "name", "position"], &cats).await?;
    summary.categories = cats.len();

    // Staff, then learners.
    let mut people: Vec<Vec<Val>> = Vec::new();
    let mut usernames: HashMap<String, i64> = HashMap::new();
    for (p, admin) in def.tutors.iter().map(|p| (p, false)).chain(def.admins.iter().map(|p| (p, true))) {
        let id = people.len() as i64 + 1;
        usernames.insert(p.username.clone(), id);
        let first = now - rng.int(400, 900) * DAY;
        people.push(row![
            id,
            p.username.as_str(),
            p.firstname.as_str(),
            p.lastname.as_str(),
            Some(p.email.as_str()),
            None::<String>,
            Some("Centre de formation"),
            None::<String>,
            Some(first),
            Some(now - rng.int(600, 2 * DAY)),
            false,
            admin,
            first - DAY
        ]);
    }

    struct Learner {
        id: i64,
        first: String,
        last: String,
        username: String,
        email: Option<String>,
        phone: Option<String>,
        org: String,
        never_logged: bool,
        suspended: bool,
    }
    let mut learners: Vec<Learner> = Vec::with_capacity(def.learners);
    let mut taken: HashSet<String> = usernames.keys().cloned().collect();
    let mut full_names: HashSet<(String, String)> = HashSet::new();
    for _ in 0..def.learners {
        // Distinct full names: two "ADAM Guillaume" in one table would only confuse a demo.
        let (first, last) = loop {
            let pair = (rng.pick(&def.names.firstnames).clone(), rng.pick(&def.names.lastnames).clone());
            if full_names.insert(pair.clone()) {
                break pair;
            }
        };
        let base = format!("{}.{}", ascii_slug(&first).chars().next().unwrap_or('x'), ascii_slug(&last));
        let mut username = base.clone();
        let mut n = 2;
        while !taken.insert(username.clone()) {
            username = format!("{base}{n}");
            n += 1;
        }
        let local = format!("{}.{}", ascii_slug(&first), ascii_slug(&last));
        let email = match rng.weighted(&[0.03, 0.04, 0.93]) {
            0 => None,
            1 => Some(format!("{}.{}.fictif@exemple.fr", &local[..1], ascii_slug(&last))),
            _ => Some(format!("{local}@{}", rng.pick(&def.names.email_domains))),
        };
        let phone = rng.chance(0.85).then(|| {
            format!(
                "0{} {:02} {:02} {:02} {:02}",
                rng.pick(&[6, 7, 1, 4, 5]),
                rng.int(0, 99),
                rng.int(0, 99),
                rng.int(0, 99),
                rng.int(0, 99)
            )
        });
        learners.push(Learner {
            id: (def.tutors.len() + def.admins.len() + learners.len()) as i64 + 1,
            first,
            last,
            username,
            email,
            phone,
            org: rng.pick(&def.names.organisations).clone(),
            never_logged: rng.chance(0.05),
            suspended: rng.chance(0.012),
        });
    }

    // Courses and lessons.
    let mut course_rows = Vec::new();
    let mut lesson_rows = Vec::new();
    let mut tutor_rows = Vec::new();
    let mut course_lessons: Vec<Vec<LessonSpec>> = Vec::new();
    for (ci, c) in def.courses.iter().enumerate() {
        let id = ci as i64 + 1;
        let start = now - c.opened_days_ago * DAY;
        let cat = cat_ids.get(c.category.as_str()).copied();
        course_rows.push(row![
            id,
            cat,
            c.shortname.as_str(),
            c.fullname.as_str(),
            c.description.as_str(),
            c.audience.clone(),
            c.competencies.as_str(),
            c.catalogue_url.clone(),
            Some(start),
            None::<i64>,
            start - 30 * DAY
        ]);
        for t in &c.tutors {
            let tid = usernames.get(t).copied().ok_or_else(|| {
                StoreError::Invalid(format!("demo course {} names unknown tutor {t}", c.shortname))
            })?;
            tutor_rows.push(row![id, tid]);
        }
        let mut specs = Vec::new();
        for (li, l) in c.lessons.iter().enumerate() {
            let lid = lesson_rows.len() as i64 + 1;
            let kind = LessonKind::from_db(&l.kind)
                .ok_or_else(|| StoreError::Invalid(format!("demo lesson kind {}", l.kind)))?;
            let completion = match kind {
                LessonKind::Quiz | LessonKind::Observation if l.passing.is_some() => "pass",
                LessonKind::Mission => "grade",
                LessonKind::Sheet => "submit",
                _ => "view",
            };
            lesson_rows.push(row![
                lid,
                id,
                li as i64 + 1,
                kind.as_db(),
                l.title.as_str(),
                l.points,
                l.passing,
                l.scorm.clone(),
                completion
            ]);
            specs.push(LessonSpec { id: lid, kind, passing: l.passing, scorm: l.scorm.is_some() });
        }
        course_lessons.push(specs);
    }
    tx.insert("courses", COURSE_COLS, &course_rows).await?;
    tx.insert("lessons", LESSON_COLS, &lesson_rows).await?;
    summary.courses = course_rows.len();

    // Enrolments with their simulated history.
    let mut sink = Sink::default();
    let mut enrolment_rows = Vec::new();
    let mut review_rows = Vec::new();
    let mut platform: HashMap<i64, (Ts, Ts)> = HashMap::new();
    let mut reminders: Vec<PastReminder> = Vec::new();
    let mut notes: Vec<Vec<Val>> = Vec::new();
    // Its own stream, so the follow-up history does not reshuffle the rest of the demo.
    let mut frng = Rng::new(def.seed.wrapping_add(1));
    for (ci, c) in def.courses.iter().enumerate() {
        let course_id = ci as i64 + 1;
        let start = now - c.opened_days_ago * DAY;
        let never_rate = if c.opened_days_ago < 20 { 0.22 } else { 0.09 };
        let mut pool: Vec<usize> = (0..learners.len()).collect();
        for k in 0..c.learners.min(pool.len()) {
            let j = k + rng.index(pool.len() - k);
            pool.swap(k, j);
            let l = &learners[pool[k]];
            let eid = enrolment_rows.len() as i64 + 1;
            let kind = EnrolmentKind::ALL[rng.weighted(&[0.6, 0.25, 0.15])];
            let profile = if l.never_logged || l.suspended && rng.chance(0.5) {
                Profile::NeverAccessed
            } else {
                Profile::draw(&mut rng, course_lessons[ci].len(), c.opened_days_ago, never_rate)
            };
            let e_start = start + rng.int(0, 2) * DAY;
            let sim = world::simulate(&mut rng, &course_lessons[ci], e_start, now, profile);
            if sim.first_access.is_none() {
                summary.never_accessed += 1;
            }
            let completed =
                !course_lessons[ci].is_empty() && sim.lessons_done == course_lessons[ci].len() as i64;
            let certificate =
                (completed && rng.chance(0.7)).then(|| sim.last_access.map(|t| (t + DAY).min(now))).flatten();
            let end = (c.opened_days_ago > 250).then_some(start + 365 * DAY);
            enrolment_rows.push(row![
                eid,
                course_id,
                l.id,
                kind.as_db(),
                !(l.suspended && rng.chance(0.3)),
                e_start - rng.int(1, 10) * DAY,
                Some(e_start),
                Some(e_start + if c.opened_days_ago < 20 { 35 } else { 60 } * DAY),
                end,
                sim.first_access,
                sim.last_access,
                sim.lessons_done,
                sim.lessons_started,
                sim.time_spent,
                certificate,
                sim.missions_to_grade,
                sim.observations_done
            ]);
            if let (Some(f), Some(la)) = (sim.first_access, sim.last_access) {
                let e = platform.entry(l.id).or_insert((f, la));
                e.0 = e.0.min(f);
                e.1 = e.1.max(la);
            }
            if completed && rng.chance(0.6) {
                let stars = [1, 2, 3, 4, 5][rng.weighted(&[0.02, 0.05, 0.15, 0.40, 0.38])];
                review_rows.push(row![
                    review_rows.len() as i64 + 1,
                    course_id,
                    Some(l.id),
                    sim.last_access.unwrap_or(now).min(now),
                    stars as i64,
                    rng.pick(&def.names.review_comments).as_str()
                ]);
            }
            summary.attempts += sim.attempts.len();
            summary.connections += sim.connections.len();
            sink.add(eid, &sim);
            let sender = c.tutors.first().and_then(|t| usernames.get(t)).copied();
            if let (Some(sender), Some(email), false) = (sender, &l.email, l.suspended) {
                let base = PastReminder {
                    enrolment: eid,
                    course_id,
                    sender,
                    recipient: email.clone(),
                    course: c.fullname.clone(),
                    at: e_start,
                };
                let (sent, note) = follow_up(&mut frng, base, sim.first_access, now);
                if let Some(at) = note {
                    let text = frng.pick(&def.names.contact_notes).clone();
                    notes.push(row![notes.len() as i64 + 1, eid, Some(sender), at, text]);
                }
                reminders.extend(sent);
            }
        }
    }

    for l in &learners {
        let (first, last) = match platform.get(&l.id) {
            Some((f, la)) => (Some(*f - rng.int(0, 3_600)), Some(*la)),
            // Logged into the platform but never opened a course, for some.
            None if !l.never_logged && rng.chance(0.5) => {
                let f = now - rng.int(2, 40) * DAY;
                (Some(f), Some(f + rng.int(60, 3_600)))
            }
            None => (None, None),
        };
        if first.is_none() {
            summary.never_logged_in += 1;
        }
        people.push(row![
            l.id,
            l.username.as_str(),
            l.first.as_str(),
            l.last.as_str(),
            l.email.clone(),
            l.phone.clone(),
            Some(l.org.as_str()),
            Some(format!("M{:06}", l.id * 7919 % 1_000_000)),
            first,
            last,
            l.suspended,
            false,
            now - rng.int(30, 500) * DAY
        ]);
    }
    tx.insert("people", PEOPLE_COLS, &people).await?;
    tx.insert("course_tutors", &["course_id", "person_id"], &tutor_rows).await?;
    tx.insert("enrolments", ENROLMENT_COLS, &enrolment_rows).await?;
    sink.flush(&mut tx).await?;
    tx.insert("reviews", REVIEW_COLS, &review_rows).await?;
    let reminder_rows: Vec<Vec<Val>> =
        reminders.iter().enumerate().map(|(i, r)| history::reminder_row(i as i64 + 1, r)).collect();
    tx.insert("reminders", REMINDER_COLS, &reminder_rows).await?;
    tx.insert("contact_notes", history::NOTE_COLS, &notes).await?;
    summary.reminders = reminder_rows.len();

    // A few comments on lessons.
    let mut comment_rows = Vec::new();
    for (i, _) in lesson_rows.iter().enumerate() {
        for _ in 0..rng.int(0, 2) {
            let who = &learners[rng.index(learners.len())];
            comment_rows.push(row![
                comment_rows.len() as i64 + 1,
                i as i64 + 1,
                Some(who.id),
                now - rng.int(1, 60) * DAY,
                rng.pick(&def.names.lesson_comments).as_str()
            ]);
        }
    }
    tx.insert("lesson_comments", &["id", "lesson_id", "person_id", "created_at", "body"], &comment_rows)
        .await?;

    tx.sync_identities(SEEDED_TABLES).await?;
    tx.insert("meta", &["key", "value"], &[row!["demo", "1"], row!["demo_created_at", now.to_string()]])
        .await?;
    tx.commit().await?;

    summary.learners = learners.len();
    summary.enrolments = enrolment_rows.len();
    summary.reviews = review_rows.len();
    Ok(summary)
}
