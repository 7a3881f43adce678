//! The generated world's fixed parts: categories, staff and learners, courses and lessons,
//! drawn from the demo's vocabulary.

use std::collections::HashMap;

use super::{KINDS, Sizes, course_sizes};
use crate::model::{LessonKind, Ts};
use crate::row;
use crate::store::bulk::Val;
use crate::store::demo::DemoDef;
use crate::store::world::{DAY, LessonSpec, Rng, ascii_slug};

pub(super) struct Learner {
    pub id: i64,
    /// Never logged into the platform: none of their enrolments is ever opened.
    pub never_logged: bool,
    pub email: Option<String>,
    pub suspended: bool,
}

/// Rows ready to insert, and what the enrolment phase needs to know about them.
pub(super) struct Catalog {
    pub categories: Vec<Vec<Val>>,
    pub people: Vec<Vec<Val>>,
    pub courses: Vec<Vec<Val>>,
    pub lessons: Vec<Vec<Val>>,
    pub tutors: Vec<Vec<Val>>,
    pub specs: Vec<Vec<LessonSpec>>,
    /// Days since each course opened (negative: opens later).
    pub opened: Vec<i64>,
    pub learners: Vec<Learner>,
    pub first_learner: i64,
    /// Learners per course.
    pub plan: Vec<usize>,
    /// Each course's full name and the tutor who sends its reminders (the bench tutor).
    pub course_names: Vec<String>,
    pub sender: i64,
}

pub(super) fn build(def: &DemoDef, sizes: &Sizes, rng: &mut Rng, now: Ts) -> Catalog {
    let names = &def.names;
    // Categories: the demo's tree, with two cohorts under each category that holds courses.
    let mut cat_rows: Vec<Vec<Val>> = Vec::new();
    let mut cat_ids: HashMap<&str, i64> = HashMap::new();
    for c in &def.categories {
        let id = cat_rows.len() as i64 + 1;
        cat_ids.insert(c.key.as_str(), id);
        let parent = c.parent.as_deref().and_then(|p| cat_ids.get(p).copied());
        cat_rows.push(row![id, parent, c.name.as_str(), id]);
    }
    let mut cohorts: HashMap<&str, [i64; 2]> = HashMap::new();
    for c in &def.courses {
        let Some(parent) = cat_ids.get(c.category.as_str()).copied() else { continue };
        cohorts.entry(c.category.as_str()).or_insert_with(|| {
            [2025i64, 2026].map(|year| {
                let id = cat_rows.len() as i64 + 1;
                cat_rows.push(row![id, Some(parent), format!("Promotion {year}"), year]);
                id
            })
        });
    }

    // Staff: the benchmark tutor, the demo's tutors and admin.
    let mut people: Vec<Vec<Val>> = Vec::new();
    let staff = [("bench", "Bérénice", "Chauvin-Lemaître", false)]
        .into_iter()
        .chain(
            def.tutors
                .iter()
                .map(|t| (t.username.as_str(), t.firstname.as_str(), t.lastname.as_str(), false)),
        )
        .chain(
            def.admins.iter().map(|t| (t.username.as_str(), t.firstname.as_str(), t.lastname.as_str(), true)),
        );
    let mut tutor_ids = Vec::new();
    for (username, first, last, admin) in staff {
        let id = people.len() as i64 + 1;
        if !admin {
            tutor_ids.push(id);
        }
        let since = now - rng.int(400, 900) * DAY;
        people.push(row![
            id,
            username,
            first,
            last,
            Some(format!("{username}@formation-exemple.fr")),
            None::<String>,
            Some("Centre de formation"),
            None::<String>,
            Some(since),
            Some(now - rng.int(600, 2 * DAY)),
            false,
            admin,
            since - DAY
        ]);
    }
    let first_learner = people.len() as i64 + 1;

    // Learners: French names (homonyms happen at this size), unique usernames.
    let mut learners = Vec::with_capacity(sizes.learners);
    let mut taken: HashMap<String, u32> = HashMap::new();
    for _ in 0..sizes.learners {
        let id = first_learner + learners.len() as i64;
        let (first, last) = (rng.pick(&names.firstnames), rng.pick(&names.lastnames));
        let (fs, ls) = (ascii_slug(first), ascii_slug(last));
        let base = format!("{}.{ls}", fs.chars().next().unwrap_or('x'));
        let n = taken.entry(base.clone()).or_insert(0);
        *n += 1;
        let username = if *n == 1 { base } else { format!("{base}{n}") };
        let email = match rng.weighted(&[0.03, 0.04, 0.93]) {
            0 => None,
            1 => Some(format!("{username}.fictif@exemple.fr")),
            _ => Some(format!("{username}@{}", rng.pick(&names.email_domains))),
        };
        let phone = rng.chance(0.85).then(|| {
            let p = rng.int(0, 99_999_999);
            format!(
                "0{} {:02} {:02} {:02} {:02}",
                rng.pick(&[6, 7, 1]),
                p / 1_000_000,
                p / 10_000 % 100,
                p / 100 % 100,
                p % 100
            )
        });
        let never_logged = rng.chance(0.05);
        let login = (!never_logged && rng.chance(0.5)).then(|| {
            let f = now - rng.int(2, 60) * DAY;
            (f, f + rng.int(60, 3_600))
        });
        let suspended = rng.chance(0.012);
        people.push(row![
            id,
            username,
            first.as_str(),
            last.as_str(),
            email.clone(),
            phone,
            Some(rng.pick(&names.organisations).as_str()),
            Some(format!("M{:07}", id)),
            login.map(|l| l.0),
            login.map(|l| l.1),
            suspended,
            false,
            now - rng.int(30, 700) * DAY
        ]);
        learners.push(Learner { id, never_logged, email, suspended });
    }

    // Courses and lessons, after the demo's courses: "Cours 2 : La vente — session 7".
    let plan = course_sizes(sizes, rng);
    let mut course_rows = Vec::new();
    let mut lesson_rows = Vec::new();
    let mut tutor_rows = Vec::new();
    let mut specs: Vec<Vec<LessonSpec>> = Vec::new();
    let mut opened: Vec<i64> = Vec::new();
    let mut course_names: Vec<String> = Vec::new();
    let kind_titles = |k: LessonKind| -> Vec<&str> {
        def.courses
            .iter()
            .flat_map(|c| &c.lessons)
            .filter(|l| l.kind == k.as_db())
            .map(|l| l.title.as_str())
            .collect()
    };
    let titles: Vec<Vec<&str>> = KINDS.iter().map(|k| kind_titles(*k)).collect();
    for ci in 0..plan.len() {
        let id = ci as i64 + 1;
        let t = &def.courses[ci % def.courses.len()];
        let session = ci / def.courses.len() + 1;
        course_names.push(format!("{} — session {session}", t.fullname));
        // The big course opened four months ago; others between a year ago and next week.
        let days = if ci == 0 { 120 } else { rng.int(-7, 400) };
        opened.push(days);
        let start = now - days * DAY;
        let cat = cohorts.get(t.category.as_str()).map(|c| c[usize::from(days < 240)]);
        course_rows.push(row![
            id,
            cat,
            format!("{}-S{session:03}", t.shortname),
            format!("{} — session {session}", t.fullname),
            t.description.as_str(),
            t.audience.clone(),
            t.competencies.as_str(),
            t.catalogue_url.clone(),
            Some(start),
            None::<i64>,
            start - 30 * DAY
        ]);
        for (k, tid) in tutor_ids.iter().enumerate() {
            // The bench tutor everywhere; the others on a share each.
            if k == 0 || (ci + k) % (k + 1) == 0 {
                tutor_rows.push(row![id, *tid]);
            }
        }
        let mut course_specs = Vec::new();
        for li in 0..sizes.lessons {
            let lid = lesson_rows.len() as i64 + 1;
            let kind = KINDS[li % KINDS.len()];
            let pool = &titles[li % KINDS.len()];
            let title = if pool.is_empty() { kind.as_db() } else { *rng.pick(pool) };
            let passing = match kind {
                LessonKind::Quiz => Some(rng.int(12, 19) as f64 * 5.0),
                LessonKind::Observation => Some(50.0),
                _ => None,
            };
            let scorm = match kind {
                LessonKind::Elearning => Some(if rng.chance(0.5) { "1.2" } else { "2004" }),
                LessonKind::Quiz => Some("2004"),
                _ => None,
            };
            let completion = match kind {
                LessonKind::Quiz | LessonKind::Observation => "pass",
                LessonKind::Mission => "grade",
                LessonKind::Sheet => "submit",
                _ => "view",
            };
            let points = [10, 5, 20, 10, 30, 25][li % KINDS.len()];
            lesson_rows.push(row![
                lid,
                id,
                li as i64 + 1,
                Val::S(kind.as_db()),
                format!("{}. {title}", li + 1),
                points as i64,
                passing,
                scorm,
                completion
            ]);
            course_specs.push(LessonSpec { id: lid, kind, passing, scorm: scorm.is_some() });
        }
        specs.push(course_specs);
    }
    Catalog {
        categories: cat_rows,
        people,
        courses: course_rows,
        lessons: lesson_rows,
        tutors: tutor_rows,
        specs,
        opened,
        learners,
        first_learner,
        plan,
        course_names,
        sender: tutor_ids.first().copied().unwrap_or(1),
    }
}
