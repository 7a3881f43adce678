//! Deterministic simulation of learners working through courses: the engine behind the
//! demo database and the large benchmark generator. Everything derives from one seed.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use unicode_normalization::UnicodeNormalization;

use crate::model::{LessonKind, LessonStatus, Ts};
use crate::row;
use crate::store::bulk::{Tx, Val};

use super::Result;

pub const DAY: i64 = 86_400;

pub struct Rng(ChaCha8Rng);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(ChaCha8Rng::seed_from_u64(seed))
    }
    /// Inclusive range; returns `lo` when the range is empty.
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo { lo } else { self.0.random_range(lo..=hi) }
    }
    pub fn float(&mut self, lo: f64, hi: f64) -> f64 {
        if hi <= lo { lo } else { self.0.random_range(lo..hi) }
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.0.random_bool(p.clamp(0.0, 1.0))
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.0.random_range(0..items.len())]
    }
    pub fn index(&mut self, len: usize) -> usize {
        self.0.random_range(0..len)
    }
    /// Picks by weights (which need not sum to 1).
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.float(0.0, total);
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

/// Lowercase ASCII for usernames and e-mail addresses: "Lefèvre" → "lefevre", "N'Diaye" → "ndiaye".
pub fn ascii_slug(s: &str) -> String {
    s.nfd().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>().to_ascii_lowercase()
}

#[derive(Clone, Debug)]
pub struct LessonSpec {
    pub id: i64,
    pub kind: LessonKind,
    pub passing: Option<f64>,
    pub scorm: bool,
}

/// How far a learner got in a course.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Profile {
    NeverAccessed,
    /// Opened the course without starting a lesson.
    OpenedOnly,
    /// Finished this many lessons; the next one is started but not done.
    Partial(usize),
    Completed,
}

impl Profile {
    /// A plausible spread for a course that has been open `open_days`.
    pub fn draw(rng: &mut Rng, lessons: usize, open_days: i64, never_rate: f64) -> Profile {
        if open_days < 0 || lessons == 0 && rng.chance(0.5) {
            return Profile::NeverAccessed;
        }
        if rng.chance(never_rate) {
            return Profile::NeverAccessed;
        }
        // Younger courses have fewer finishers.
        let maturity = (open_days as f64 / 120.0).clamp(0.05, 1.0);
        match rng.weighted(&[0.06, 0.55, 0.39 * maturity]) {
            0 => Profile::OpenedOnly,
            1 if lessons > 0 => Profile::Partial(rng.int(0, lessons as i64 - 1) as usize),
            _ if lessons > 0 => Profile::Completed,
            _ => Profile::OpenedOnly,
        }
    }

    /// The large generator's spread: most learners stall early in a long course (the
    /// finished lesson count leans towards the start), fewer finish than in the demo.
    pub fn draw_stalling(rng: &mut Rng, lessons: usize, open_days: i64, never_rate: f64) -> Profile {
        if open_days < 0 || lessons == 0 || rng.chance(never_rate) {
            return Profile::NeverAccessed;
        }
        let maturity = (open_days as f64 / 120.0).clamp(0.05, 1.0);
        match rng.weighted(&[0.10, 0.72, 0.18 * maturity]) {
            0 => Profile::OpenedOnly,
            1 => Profile::Partial(((lessons as f64) * rng.float(0.0, 1.0).powf(2.5)) as usize),
            _ => Profile::Completed,
        }
    }
}

/// How attempts turn into connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sittings {
    /// Each attempt is its own connection at its own time (the demo).
    PerAttempt,
    /// Retries of one lesson follow each other in one sitting, logged as one connection
    /// (the generator: fewer, longer connections, as an LMS log shows them).
    PerLesson,
}

#[derive(Clone, Debug, Default)]
pub struct Sim {
    pub first_access: Option<Ts>,
    pub last_access: Option<Ts>,
    pub lessons_done: i64,
    pub lessons_started: i64,
    pub time_spent: i64,
    /// Missions handed in and not graded yet (status completed, no score).
    pub missions_to_grade: i64,
    /// Observations made (completed, passed or failed).
    pub observations_done: i64,
    /// lesson_progress rows (without id and enrolment id).
    pub progress: Vec<ProgressSim>,
    pub attempts: Vec<AttemptSim>,
    pub connections: Vec<(Option<i64>, Ts, i64)>,
}

#[derive(Clone, Debug)]
pub struct ProgressSim {
    pub lesson_id: i64,
    pub status: LessonStatus,
    pub score: Option<f64>,
    pub average: Option<f64>,
    pub attempts: i64,
    pub time_spent: i64,
    pub status_at: Ts,
    pub location: String,
    pub suspend_data: String,
}

#[derive(Clone, Debug)]
pub struct AttemptSim {
    pub lesson_id: i64,
    pub number: i64,
    pub started_at: Ts,
    pub status: LessonStatus,
    pub score: Option<f64>,
    pub time_spent: i64,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Simulates one enrolment from `start` up to `now`, one connection per attempt.
pub fn simulate(rng: &mut Rng, lessons: &[LessonSpec], start: Ts, now: Ts, profile: Profile) -> Sim {
    simulate_with(rng, lessons, start, now, profile, Sittings::PerAttempt)
}

/// Start times for sittings: each run of attempts on one lesson is back to back (a minute
/// apart), and the runs are spread over `[first, last]` without overlapping.
fn sitting_times(rng: &mut Rng, lessons: &[usize], durations: &[i64], first: Ts, last: Ts) -> Vec<Ts> {
    const GAP: i64 = 60;
    let busy: i64 = durations.iter().map(|d| d + GAP).sum();
    let runs = lessons.iter().enumerate().filter(|(i, l)| *i == 0 || lessons[i - 1] != **l).count();
    let slack = (last - first - busy).max(0);
    let mut pauses: Vec<i64> = (0..runs).map(|_| rng.int(0, slack)).collect();
    pauses.sort_unstable();
    if let Some(p) = pauses.first_mut() {
        *p = 0;
    }
    let (mut times, mut run, mut t) = (Vec::with_capacity(lessons.len()), 0, first);
    for (i, d) in durations.iter().enumerate() {
        if i > 0 && lessons[i - 1] != lessons[i] {
            run += 1;
            // The pause before a run is the drawn offset minus what earlier pauses used.
            t += pauses[run] - pauses[run - 1];
        }
        times.push(t);
        t += d + GAP;
    }
    times
}

/// [`simulate`], choosing how attempts become connections.
pub fn simulate_with(
    rng: &mut Rng,
    lessons: &[LessonSpec],
    start: Ts,
    now: Ts,
    profile: Profile,
    sittings: Sittings,
) -> Sim {
    let mut sim = Sim::default();
    if profile == Profile::NeverAccessed || now <= start + 600 {
        return sim;
    }
    let span = now - start;
    let first = start + rng.int(0, (span / 4).clamp(60, 10 * DAY));
    // When the learner was last active: some minutes ago for a few, days or weeks for most.
    let last = match rng.weighted(&[0.12, 0.33, 0.55]) {
        0 => now - rng.int(60, 3_600),
        1 => now - rng.int(3_600, 3 * DAY),
        _ => first + (((now - first) as f64) * rng.float(0.1, 0.95)) as i64,
    }
    .max(first + 60);

    let (done, stuck) = match profile {
        Profile::OpenedOnly => (0, None),
        Profile::Partial(k) => (k.min(lessons.len()), Some(k).filter(|k| *k < lessons.len())),
        Profile::Completed => (lessons.len(), None),
        Profile::NeverAccessed => unreachable!(),
    };

    // Attempts first, timestamps afterwards, spread between first and last access.
    struct Planned {
        lesson: usize,
        status: LessonStatus,
        score: Option<f64>,
        time: i64,
    }
    let mut planned: Vec<Planned> = Vec::new();
    for (i, l) in lessons.iter().enumerate() {
        let is_done = i < done;
        let is_stuck = stuck == Some(i);
        if !is_done && !is_stuck {
            break;
        }
        match l.kind {
            LessonKind::Elearning => {
                let n = rng.int(1, 7);
                for a in 0..n {
                    let last_one = a == n - 1;
                    let st =
                        if last_one && is_done { LessonStatus::Completed } else { LessonStatus::Incomplete };
                    planned.push(Planned { lesson: i, status: st, score: None, time: rng.int(5, 600) });
                }
            }
            LessonKind::Sheet => {
                let st = if is_done { LessonStatus::Completed } else { LessonStatus::Incomplete };
                let score = rng.chance(0.5).then(|| round1(rng.float(50.0, 100.0)));
                planned.push(Planned { lesson: i, status: st, score, time: rng.int(30, 400) });
            }
            LessonKind::Quiz => {
                let n = if is_done { rng.int(1, 6) } else { rng.int(1, 3) };
                for a in 0..n {
                    let last_one = a == n - 1;
                    let (st, score) = match l.passing {
                        Some(p) => {
                            if last_one && is_done {
                                (LessonStatus::Passed, round1(rng.float(p, 100.0).min(100.0)))
                            } else {
                                (LessonStatus::Failed, round1(rng.float(20.0, p.max(21.0) - 0.1)))
                            }
                        }
                        None if is_done => (LessonStatus::Completed, round1(rng.float(40.0, 100.0))),
                        None => (LessonStatus::Incomplete, round1(rng.float(0.0, 60.0))),
                    };
                    planned.push(Planned {
                        lesson: i,
                        status: st,
                        score: Some(score),
                        time: rng.int(40, 420),
                    });
                }
            }
            LessonKind::Webinar => {
                if is_done {
                    planned.push(Planned {
                        lesson: i,
                        status: LessonStatus::Completed,
                        score: None,
                        time: *rng.pick(&[3_600, 5_400, 7_200]),
                    });
                }
            }
            LessonKind::Mission => {
                let (st, score) = if is_done {
                    if rng.chance(0.2) {
                        // Submitted, waiting for the tutor's correction.
                        (LessonStatus::Completed, None)
                    } else {
                        (LessonStatus::Passed, Some(round1(rng.float(55.0, 100.0))))
                    }
                } else {
                    (LessonStatus::Incomplete, None)
                };
                planned.push(Planned { lesson: i, status: st, score, time: rng.int(1_800, 9_000) });
            }
            LessonKind::Observation => {
                if is_done {
                    let p = l.passing.unwrap_or(50.0);
                    planned.push(Planned {
                        lesson: i,
                        status: LessonStatus::Passed,
                        score: Some(round1(rng.float(p, 100.0).min(100.0))),
                        time: rng.int(300, 1_200),
                    });
                } else if rng.chance(0.3) {
                    planned.push(Planned {
                        lesson: i,
                        status: LessonStatus::Failed,
                        score: Some(round1(rng.float(10.0, l.passing.unwrap_or(50.0) - 0.1))),
                        time: rng.int(300, 1_200),
                    });
                }
            }
        }
    }

    // Timestamps: increasing points in [first, last].
    let n = planned.len() as i64;
    let times: Vec<Ts> = if sittings == Sittings::PerLesson {
        let ls: Vec<usize> = planned.iter().map(|p| p.lesson).collect();
        let ds: Vec<i64> = planned.iter().map(|p| p.time).collect();
        // A course opened recently may not hold every sitting: never later than now.
        sitting_times(rng, &ls, &ds, first, last).into_iter().map(|t| t.min(now - 60)).collect()
    } else {
        let mut times: Vec<Ts> = (0..n).map(|_| rng.int(first, last)).collect();
        times.sort_unstable();
        if let Some(t) = times.first_mut() {
            *t = first;
        }
        if let (true, Some(t)) = (n > 1, times.last_mut()) {
            *t = last;
        }
        // Every attempt ends before now (its status date is start + time: a learner active
        // a minute ago must not show "a date in the future"), one after the other,
        // never before the enrolment starts.
        let mut limit = now - 60;
        for (t, p) in times.iter_mut().zip(planned.iter()).rev() {
            *t = (*t).min(limit - p.time).max(start);
            limit = *t;
        }
        times
    };

    let mut per_lesson: Vec<Vec<AttemptSim>> = vec![Vec::new(); lessons.len()];
    for (k, (p, at)) in planned.iter().zip(times.iter()).enumerate() {
        let list = &mut per_lesson[p.lesson];
        let same_sitting = sittings == Sittings::PerLesson && k > 0 && planned[k - 1].lesson == p.lesson;
        let a = AttemptSim {
            lesson_id: lessons[p.lesson].id,
            number: list.len() as i64 + 1,
            started_at: *at,
            status: p.status,
            score: p.score,
            time_spent: p.time,
        };
        match sim.connections.last_mut() {
            Some(c) if same_sitting => c.2 += a.time_spent,
            _ => sim.connections.push((Some(a.lesson_id), *at, a.time_spent)),
        }
        list.push(a);
    }
    if planned.is_empty() {
        sim.connections.push((None, first, rng.int(5, 180)));
        if last > first + 60 {
            sim.connections.push((None, last, rng.int(5, 180)));
        }
    }

    for (i, list) in per_lesson.into_iter().enumerate() {
        let Some(final_a) = list.last() else { continue };
        let l = &lessons[i];
        let scores: Vec<f64> = list.iter().filter_map(|a| a.score).collect();
        // Webinars record attendance time but no attempt, as LMS reports show "0" attempts.
        let counted = if l.kind == LessonKind::Webinar { 0 } else { list.len() as i64 };
        let time: i64 = list.iter().map(|a| a.time_spent).sum();
        let status = final_a.status;
        sim.progress.push(ProgressSim {
            lesson_id: l.id,
            status,
            score: final_a.score,
            average: (!scores.is_empty()).then(|| round1(scores.iter().sum::<f64>() / scores.len() as f64)),
            attempts: counted,
            time_spent: time,
            status_at: final_a.started_at + final_a.time_spent,
            location: if l.scorm { format!("page_{}", rng.int(1, 24)) } else { String::new() },
            suspend_data: if l.scorm && !status.is_done() {
                format!(
                    "{{\"v\":1,\"page\":{},\"answers\":\"{}\"}}",
                    rng.int(1, 24),
                    "ABCD".repeat(rng.int(1, 8) as usize)
                )
            } else {
                String::new()
            },
        });
        sim.time_spent += time;
        sim.lessons_started += 1;
        if status.is_done() {
            sim.lessons_done += 1;
        }
        // The same rules as the store's summary (RESUMMARISE in progress.rs).
        match l.kind {
            LessonKind::Mission if status == LessonStatus::Completed && final_a.score.is_none() => {
                sim.missions_to_grade += 1;
            }
            LessonKind::Observation
                if matches!(
                    status,
                    LessonStatus::Completed | LessonStatus::Passed | LessonStatus::Failed
                ) =>
            {
                sim.observations_done += 1;
            }
            _ => {}
        }
        if l.kind != LessonKind::Webinar {
            sim.attempts.extend(list);
        }
    }
    sim.connections.sort_by_key(|c| c.1);
    sim.first_access = sim.connections.first().map(|c| c.1);
    sim.last_access = sim.connections.last().map(|c| c.1 + c.2.min(3_600)).map(|t| t.min(now));
    sim
}

/// Collects rows per table and writes them in large multi-row inserts.
pub struct Sink {
    pub progress: Vec<Vec<Val>>,
    pub attempts: Vec<Vec<Val>>,
    pub connections: Vec<Vec<Val>>,
    pub next_progress_id: i64,
    pub next_attempt_id: i64,
    pub next_connection_id: i64,
}

pub const PROGRESS_COLS: &[&str] = &[
    "id",
    "enrolment_id",
    "lesson_id",
    "status",
    "score",
    "average_score",
    "attempts",
    "time_spent",
    "status_at",
    "location",
    "suspend_data",
    "version",
    "updated_at",
];
pub const ATTEMPT_COLS: &[&str] =
    &["id", "enrolment_id", "lesson_id", "number", "started_at", "status", "score", "time_spent", "cleared"];
pub const CONNECTION_COLS: &[&str] = &["id", "enrolment_id", "lesson_id", "at", "duration"];

impl Default for Sink {
    fn default() -> Self {
        Sink {
            progress: Vec::new(),
            attempts: Vec::new(),
            connections: Vec::new(),
            next_progress_id: 1,
            next_attempt_id: 1,
            next_connection_id: 1,
        }
    }
}

impl Sink {
    pub fn add(&mut self, enrolment_id: i64, sim: &Sim) {
        for p in &sim.progress {
            self.progress.push(row![
                self.next_progress_id,
                enrolment_id,
                p.lesson_id,
                Val::S(p.status.as_db()),
                p.score,
                p.average,
                p.attempts,
                p.time_spent,
                Some(p.status_at),
                p.location.as_str(),
                p.suspend_data.as_str(),
                1i64,
                Some(p.status_at)
            ]);
            self.next_progress_id += 1;
        }
        for a in &sim.attempts {
            self.attempts.push(row![
                self.next_attempt_id,
                enrolment_id,
                a.lesson_id,
                a.number,
                a.started_at,
                Val::S(a.status.as_db()),
                a.score,
                a.time_spent,
                false
            ]);
            self.next_attempt_id += 1;
        }
        for (lesson, at, dur) in &sim.connections {
            self.connections.push(row![self.next_connection_id, enrolment_id, *lesson, *at, *dur]);
            self.next_connection_id += 1;
        }
    }

    pub fn pending(&self) -> usize {
        self.progress.len() + self.attempts.len() + self.connections.len()
    }

    pub async fn flush(&mut self, tx: &mut Tx) -> Result<()> {
        tx.insert("lesson_progress", PROGRESS_COLS, &self.progress).await?;
        tx.insert("attempts", ATTEMPT_COLS, &self.attempts).await?;
        tx.insert("connections", CONNECTION_COLS, &self.connections).await?;
        self.progress.clear();
        self.attempts.clear();
        self.connections.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lessons() -> Vec<LessonSpec> {
        use LessonKind::*;
        [Elearning, Sheet, Quiz, Webinar, Mission, Observation]
            .iter()
            .enumerate()
            .map(|(i, k)| LessonSpec {
                id: i as i64 + 1,
                kind: *k,
                passing: matches!(k, Quiz | Observation).then_some(60.0),
                scorm: *k == Elearning,
            })
            .collect()
    }

    const NOW: Ts = 1_763_800_000;

    #[test]
    fn same_seed_same_world() {
        let l = lessons();
        let a = simulate(&mut Rng::new(7), &l, NOW - 100 * DAY, NOW, Profile::Partial(3));
        let b = simulate(&mut Rng::new(7), &l, NOW - 100 * DAY, NOW, Profile::Partial(3));
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }

    #[test]
    fn summaries_match_rows() {
        let l = lessons();
        let mut rng = Rng::new(1);
        for profile in [Profile::OpenedOnly, Profile::Partial(0), Profile::Partial(4), Profile::Completed] {
            for _ in 0..50 {
                let s = simulate(&mut rng, &l, NOW - 60 * DAY, NOW, profile);
                assert_eq!(s.lessons_done, s.progress.iter().filter(|p| p.status.is_done()).count() as i64);
                assert_eq!(s.time_spent, s.progress.iter().map(|p| p.time_spent).sum::<i64>());
                let to_grade = s
                    .progress
                    .iter()
                    .filter(|p| p.lesson_id == 5 && p.status == LessonStatus::Completed && p.score.is_none());
                assert_eq!(s.missions_to_grade, to_grade.count() as i64);
                let observed =
                    s.progress.iter().filter(|p| p.lesson_id == 6 && p.status != LessonStatus::Incomplete);
                assert_eq!(s.observations_done, observed.count() as i64);
                assert!(s.first_access.is_some());
                assert!(s.last_access.unwrap() <= NOW);
                assert!(s.attempts.iter().all(|a| a.started_at >= NOW - 60 * DAY && a.started_at <= NOW));
                assert!(
                    s.progress.iter().all(|p| p.status_at <= NOW),
                    "no status date in the future: {:?}",
                    s.progress.iter().map(|p| p.status_at - NOW).max()
                );
                assert!(s.attempts.iter().all(|a| a.started_at + a.time_spent <= NOW));
                if profile == Profile::Completed {
                    assert_eq!(s.lessons_done, l.len() as i64);
                }
                for p in &s.progress {
                    let n = s.attempts.iter().filter(|a| a.lesson_id == p.lesson_id).count() as i64;
                    assert_eq!(p.attempts, n, "attempt count of lesson {}", p.lesson_id);
                }
            }
        }
    }

    #[test]
    fn sittings_group_retries_into_one_connection() {
        let l = lessons();
        let mut rng = Rng::new(5);
        for (span, profile) in [(90, Profile::Completed), (2, Profile::Completed), (30, Profile::Partial(3))]
        {
            for _ in 0..50 {
                let start = NOW - span * DAY;
                let s = simulate_with(&mut rng, &l, start, NOW, profile, Sittings::PerLesson);
                assert!(s.attempts.iter().all(|a| a.started_at >= start && a.started_at < NOW));
                // One connection per lesson worked on: retries share their sitting.
                assert_eq!(s.connections.len(), s.progress.len());
                let attempt_time: i64 = s.attempts.iter().map(|a| a.time_spent).sum();
                let webinar_time: i64 =
                    s.progress.iter().filter(|p| p.lesson_id == 4).map(|p| p.time_spent).sum();
                assert_eq!(s.connections.iter().map(|c| c.2).sum::<i64>(), attempt_time + webinar_time);
                assert!(s.connections.windows(2).all(|w| w[0].1 <= w[1].1));
                assert!(s.last_access.unwrap() <= NOW);
            }
        }
    }

    #[test]
    fn never_accessed_and_future_courses_are_empty() {
        let l = lessons();
        let s = simulate(&mut Rng::new(1), &l, NOW - 60 * DAY, NOW, Profile::NeverAccessed);
        assert!(s.first_access.is_none() && s.progress.is_empty() && s.connections.is_empty());
        let s = simulate(&mut Rng::new(1), &l, NOW + DAY, NOW, Profile::Completed);
        assert!(s.first_access.is_none());
    }

    #[test]
    fn slugs() {
        assert_eq!(ascii_slug("Lefèvre"), "lefevre");
        assert_eq!(ascii_slug("N'Diaye"), "ndiaye");
        assert_eq!(ascii_slug("Le Goff"), "legoff");
        assert_eq!(ascii_slug("Pierre-Henri"), "pierre-henri");
    }
}
