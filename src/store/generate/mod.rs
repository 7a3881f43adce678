//! `tutorat generate`: a large, deterministic database for benchmarks, built with the demo's
//! vocabulary (`assets/demo/demo.toml`) and the simulation engine of [`super::world`].
//!
//! Rows are a pure function of the sizes and the seed: the clock is fixed at [`EPOCH`] and
//! every course draws from its own generator seeded from (seed, course), so the same
//! arguments give the same rows on SQLite and PostgreSQL, whatever the batch boundaries.

mod catalog;
mod writer;

use std::sync::atomic::AtomicBool;

use self::writer::Writer;
use super::bulk::Val;
use super::demo::{self, COURSE_COLS, LESSON_COLS, PEOPLE_COLS};
use super::history::{self, PastReminder};
use super::world::{self, DAY, Profile, Rng, Sink, Sittings};
use super::{Store, StoreError};
use crate::model::{EnrolmentKind, LessonKind, Ts};
use crate::row;

/// Bumped whenever the same arguments would give different rows (the benches key their
/// cached database on it).
pub const FORMAT: u32 = 4;
/// The generated world's "now": 2026-09-01 08:00 UTC.
pub const EPOCH: Ts = 1_788_249_600;
/// Tutors every generated course, so a dashboard opened as this user sees everything.
pub const BENCH_TUTOR: &str = "bench";
/// Rows held in memory before they are written and committed.
const BATCH_ROWS: usize = 120_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sizes {
    pub learners: usize,
    pub courses: usize,
    pub lessons: usize,
    pub seed: u64,
}

impl Default for Sizes {
    fn default() -> Self {
        Sizes { learners: 50_000, courses: 300, lessons: 24, seed: 1 }
    }
}

impl Sizes {
    /// Enrolments: three per learner on average, never more than every learner everywhere.
    pub fn enrolments(&self) -> usize {
        (self.learners * 3).min(self.learners * self.courses)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct GenSummary {
    pub categories: usize,
    pub courses: usize,
    pub lessons: usize,
    pub learners: usize,
    pub enrolments: usize,
    pub never_accessed: usize,
    pub never_logged_in: usize,
    pub progress: usize,
    pub attempts: usize,
    pub connections: usize,
    pub reviews: usize,
    /// Reminders of the tutors' follow-up history.
    pub reminders: usize,
    /// The largest course: (id, learners).
    pub biggest: (i64, usize),
}

#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("interrupted")]
    Cancelled,
    /// The database already holds courses or people.
    #[error("the database is not empty")]
    NotEmpty,
}

impl From<sqlx::Error> for GenError {
    fn from(e: sqlx::Error) -> Self {
        GenError::Store(e.into())
    }
}

/// Course sizes: one big course (a fifth of the learners: 10,000 of 50,000), the other
/// enrolments spread unevenly over the rest, each smaller than the big one.
pub fn course_sizes(sizes: &Sizes, rng: &mut Rng) -> Vec<usize> {
    let n = sizes.courses.max(1);
    let total = sizes.enrolments();
    let big = (sizes.learners / 5).max(2 * total / n).min(sizes.learners).min(total);
    if n == 1 {
        return vec![big];
    }
    let cap = big.saturating_sub(1).max(1);
    let weights: Vec<f64> = (1..n).map(|_| 0.15 + rng.float(0.0, 1.0).powi(2)).collect();
    let sum: f64 = weights.iter().sum();
    let rest = total - big;
    let mut out = vec![big];
    out.extend(weights.iter().map(|w| ((w / sum * rest as f64) as usize).clamp(1, cap)));
    // Rounding left a few enrolments over: hand them out one by one where there is room.
    let mut missing = total.saturating_sub(out.iter().sum());
    for i in (1..n).cycle().take(n * 4) {
        if missing == 0 {
            break;
        }
        if out[i] < cap {
            out[i] += 1;
            missing -= 1;
        }
    }
    out
}

/// Lesson kinds in course order: the six kinds in turn, so every course of six lessons or
/// more has each of them.
const KINDS: [LessonKind; 6] = [
    LessonKind::Elearning,
    LessonKind::Sheet,
    LessonKind::Quiz,
    LessonKind::Webinar,
    LessonKind::Mission,
    LessonKind::Observation,
];

/// One generator per course: the rows of a course do not depend on batching.
fn course_rng(seed: u64, course: usize) -> Rng {
    Rng::new(
        seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (course as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9),
    )
}

/// Platform access follows course access: first and last connection over all enrolments
/// (learners who opened no course keep the login drawn for them, or none).
const PLATFORM_ACCESS: &str = "
UPDATE people SET
  first_access = COALESCE((SELECT MIN(e.first_access) FROM enrolments e WHERE e.person_id = people.id)
                          - people.id * 7919 % 3600, first_access),
  last_access = COALESCE((SELECT MAX(e.last_access) FROM enrolments e WHERE e.person_id = people.id),
                         last_access)
WHERE id >= $1";

/// Fills an empty database. `progress(done, total)` is called as enrolments are written;
/// setting `cancel` stops at the next batch with [`GenError::Cancelled`].
pub async fn generate(
    store: &Store,
    sizes: Sizes,
    cancel: &AtomicBool,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<GenSummary, GenError> {
    if !store.is_empty().await? {
        return Err(GenError::NotEmpty);
    }
    let def = demo::definitions()?;
    let names = &def.names;
    let now = EPOCH;
    let mut rng = Rng::new(sizes.seed);
    let mut sum = GenSummary::default();
    let mut w = Writer {
        store,
        tx: None,
        enrolments: Vec::new(),
        reviews: Vec::new(),
        reminders: Vec::new(),
        notes: Vec::new(),
        sink: Sink::default(),
        cancel,
    };

    let cat = catalog::build(&def, &sizes, &mut rng, now);
    sum.categories = cat.categories.len();
    sum.learners = cat.learners.len();
    sum.courses = cat.courses.len();
    sum.lessons = cat.lessons.len();
    let (learners, specs, opened, plan, first_learner) =
        (&cat.learners, &cat.specs, &cat.opened, &cat.plan, cat.first_learner);

    {
        let tx = w.tx().await?;
        tx.insert("categories", &["id", "parent_id", "name", "position"], &cat.categories).await?;
        tx.insert("people", PEOPLE_COLS, &cat.people).await?;
        tx.insert("courses", COURSE_COLS, &cat.courses).await?;
        tx.insert("lessons", LESSON_COLS, &cat.lessons).await?;
        tx.insert("course_tutors", &["course_id", "person_id"], &cat.tutors).await?;
        // Marks the database as generated but unfinished until the last commit says otherwise.
        tx.insert("meta", &["key", "value"], &[row!["generate", "incomplete"]]).await?;
    }
    w.commit().await?;

    // Enrolments with their simulated history, course by course.
    let total: usize = plan.iter().sum();
    progress(0, total);
    let mut pool: Vec<u32> = (0..learners.len() as u32).collect();
    let (mut eid, mut review_id, mut reminder_id, mut note_id) = (0i64, 0i64, 0i64, 0i64);
    for (ci, &size) in plan.iter().enumerate() {
        let mut rng = course_rng(sizes.seed, ci);
        let course_id = ci as i64 + 1;
        let (days, lessons) = (opened[ci], &specs[ci]);
        let start = now - days * DAY;
        // Young courses have more learners who have not come yet.
        let never_rate = if days < 20 { 0.2 } else { 0.1 };
        for k in 0..size.min(pool.len()) {
            let j = k + rng.index(pool.len() - k);
            pool.swap(k, j);
            let l = &learners[pool[k] as usize];
            eid += 1;
            let kind = EnrolmentKind::ALL[rng.weighted(&[0.6, 0.25, 0.15])];
            let profile = if l.never_logged {
                Profile::NeverAccessed
            } else {
                Profile::draw_stalling(&mut rng, lessons.len(), days, never_rate)
            };
            let e_start = start + rng.int(0, 2) * DAY;
            let sim = world::simulate_with(&mut rng, lessons, e_start, now, profile, Sittings::PerLesson);
            let completed = !lessons.is_empty() && sim.lessons_done == lessons.len() as i64;
            let certificate =
                (completed && rng.chance(0.7)).then(|| sim.last_access.map(|t| (t + DAY).min(now))).flatten();
            w.enrolments.push(row![
                eid,
                course_id,
                l.id,
                Val::S(kind.as_db()),
                rng.chance(0.99),
                e_start - rng.int(1, 10) * DAY,
                Some(e_start),
                Some(e_start + 60 * DAY),
                (days > 250).then_some(start + 365 * DAY),
                sim.first_access,
                sim.last_access,
                sim.lessons_done,
                sim.lessons_started,
                sim.time_spent,
                certificate,
                sim.missions_to_grade,
                sim.observations_done
            ]);
            if completed && rng.chance(0.3) {
                let stars = [1i64, 2, 3, 4, 5][rng.weighted(&[0.02, 0.05, 0.15, 0.40, 0.38])];
                review_id += 1;
                w.reviews.push(row![
                    review_id,
                    course_id,
                    Some(l.id),
                    sim.last_access.unwrap_or(now),
                    stars,
                    rng.pick(&names.review_comments).as_str()
                ]);
            }
            sum.never_accessed += usize::from(sim.first_access.is_none());
            sum.progress += sim.progress.len();
            sum.attempts += sim.attempts.len();
            sum.connections += sim.connections.len();
            w.sink.add(eid, &sim);
            // The tutor's follow-up so far, on its own stream (the rest stays as it was).
            if let (Some(email), false) = (&l.email, l.suspended) {
                let mut frng = Rng::new(sizes.seed ^ (eid as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                let first = PastReminder {
                    enrolment: eid,
                    course_id,
                    sender: cat.sender,
                    recipient: email.clone(),
                    course: cat.course_names[ci].clone(),
                    at: e_start,
                };
                let (sent, note) = history::follow_up(&mut frng, first, sim.first_access, now);
                for r in &sent {
                    reminder_id += 1;
                    w.reminders.push(history::reminder_row(reminder_id, r));
                }
                if let Some(at) = note {
                    note_id += 1;
                    let text = frng.pick(&names.contact_notes).as_str();
                    w.notes.push(row![note_id, eid, Some(cat.sender), at, text]);
                }
            }
            if w.pending() >= BATCH_ROWS {
                w.commit().await?;
                progress(eid as usize, total);
            }
        }
        if size > sum.biggest.1 {
            sum.biggest = (course_id, size);
        }
    }
    sum.enrolments = eid as usize;
    sum.reviews = review_id as usize;
    sum.reminders = reminder_id as usize;
    w.commit().await?;
    progress(total, total);

    // Finishing touches, then the mark that the database is complete.
    let mut comments = Vec::new();
    for lesson in 1..=sum.lessons as i64 {
        for _ in 0..rng.int(0, 1) {
            let who = learners[rng.index(learners.len())].id;
            comments.push(row![
                comments.len() as i64 + 1,
                lesson,
                Some(who),
                now - rng.int(1, 90) * DAY,
                rng.pick(&names.lesson_comments).as_str()
            ]);
        }
    }
    let tx = w.tx().await?;
    crate::with_txc!(tx, |c| sqlx::query(PLATFORM_ACCESS).bind(first_learner).execute(c).await.map(|_| ()))?;
    tx.insert("lesson_comments", &["id", "lesson_id", "person_id", "created_at", "body"], &comments).await?;
    tx.sync_identities(demo::SEEDED_TABLES).await?;
    let stamp = format!(
        "format={FORMAT} learners={} courses={} lessons={} seed={}",
        sizes.learners, sizes.courses, sizes.lessons, sizes.seed
    );
    const DONE: &str = "UPDATE meta SET value = $1 WHERE key = 'generate'";
    crate::with_txc!(tx, |c| sqlx::query(DONE).bind(&stamp).execute(c).await.map(|_| ()))?;
    w.commit().await?;
    const NEVER_LOGGED: &str = "SELECT COUNT(*) FROM people WHERE first_access IS NULL AND id >= $1";
    let n: i64 = crate::with_pool!(store, |p| sqlx::query_scalar(NEVER_LOGGED)
        .bind(first_learner)
        .fetch_one(p)
        .await)?;
    sum.never_logged_in = n as usize;
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn course_sizes_add_up_and_one_course_is_biggest() {
        for sizes in [
            Sizes::default(),
            Sizes { learners: 300, courses: 6, lessons: 8, seed: 3 },
            Sizes { learners: 10, courses: 40, lessons: 6, seed: 1 },
        ] {
            let plan = course_sizes(&sizes, &mut Rng::new(sizes.seed));
            assert_eq!(plan.len(), sizes.courses);
            assert!(plan.iter().all(|s| *s >= 1 && *s <= sizes.learners), "{plan:?}");
            let big = plan[0];
            assert!(plan[1..].iter().all(|s| *s < big || big == 1), "{plan:?}");
            if sizes == Sizes::default() {
                assert_eq!(big, 10_000);
                assert_eq!(plan.iter().sum::<usize>(), 150_000);
            }
        }
    }
}
