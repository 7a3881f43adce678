//! Sync from Moodle through its web services: courses, lessons, people, enrolments, groups,
//! tutors, activity completion and SCORM tracks, one course at a time.
//!
//! [`run`] is the entry point for the command line and the dashboard alike: it reports its
//! progress through a callback, stops when the cancel flag is set (the course being written
//! is rolled back; courses already written stay), and records the run in `sync_runs`
//! (`Store::last_successful_sync` reads it back). Each course is read whole from Moodle
//! first, then written in one transaction: a failure or a timeout while reading leaves
//! nothing of that course half-written.

pub mod client;
mod fetch;
pub mod map;
pub mod moodle;
pub mod scorm;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::config::MoodleConfig;
use crate::locale::{Lang, Locale};
use crate::model::Ts;
use crate::store::sync::{ApplyError, ApplyOptions, CourseChanges, RunStatus};
use crate::store::{Store, StoreError};
pub use client::{Client, MoodleError};

/// How to reach the site and what to read, from `[moodle]` and the command line.
#[derive(Clone, Debug)]
pub struct Settings {
    pub url: String,
    pub token: String,
    pub token_env: String,
    pub teacher_roles: Vec<String>,
    pub learner_roles: Vec<String>,
    pub timeout: Duration,
    pub concurrency: usize,
    pub page_size: usize,
}

impl Settings {
    /// `url` and `token_env` override the configuration; `env` reads the token's variable.
    pub fn from_config(
        cfg: &MoodleConfig,
        url: Option<&str>,
        token_env: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, SyncError> {
        let url = url.unwrap_or(&cfg.url).trim().to_string();
        if url.is_empty() {
            return Err(SyncError::NoUrl);
        }
        client::endpoint(&url)?;
        let token_env = token_env.unwrap_or(&cfg.token_env).trim().to_string();
        let token = env(&token_env).map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        let Some(token) = token else { return Err(SyncError::NoToken { var: token_env }) };
        Ok(Settings {
            url,
            token,
            token_env,
            teacher_roles: cfg.teacher_roles.clone(),
            learner_roles: cfg.learner_roles.clone(),
            timeout: Duration::from_secs(cfg.timeout_secs.max(1)),
            concurrency: cfg.concurrency.clamp(1, 32) as usize,
            page_size: cfg.page_size.clamp(10, 10_000) as usize,
        })
    }
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Short names; empty: every course the token can see.
    pub courses: Vec<String>,
    /// Work out what would change, write nothing (each course's transaction is rolled back).
    pub dry_run: bool,
    /// Read every learner's completion and tracks, not only those who came back.
    pub full: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Activities, participants.
    Reading,
    /// Learners' completion and SCORM tracks: `done` of `total`.
    Learners,
    Writing,
    Done,
    Failed,
}

/// What [`run`] reports while it works, for a progress bar or a status line.
#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    /// The site answered and `courses` courses will be synced.
    Site {
        sitename: String,
        courses: usize,
    },
    Course {
        index: usize,
        courses: usize,
        shortname: String,
        stage: Stage,
        done: usize,
        total: usize,
    },
}

/// Soft failures of one kind, counted (5,000 suspended learners are one line).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WarningLine {
    pub function: String,
    pub code: String,
    /// The first message of this kind.
    pub message: String,
    pub count: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Synced,
    Failed,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CourseReport {
    pub shortname: String,
    pub fullname: String,
    pub moodle_id: i64,
    pub outcome: Outcome,
    /// Why it failed (in the interface language).
    pub error: Option<String>,
    pub learners: usize,
    pub tutors: usize,
    /// Participants with neither a tutor nor a learner role.
    pub ignored: usize,
    /// Learners whose completion and tracks were read (those who came back since the last
    /// sync, or all with `--full` or at the first sync).
    pub details_read: usize,
    pub changes: CourseChanges,
    pub warnings: Vec<WarningLine>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SiteSummary {
    pub sitename: String,
    pub siteurl: String,
    pub release: Option<String>,
    pub username: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// `external_source` of the rows written: the site's address.
    pub source: String,
    pub site: SiteSummary,
    pub dry_run: bool,
    pub run_id: Option<i64>,
    pub status: RunStatus,
    pub courses: Vec<CourseReport>,
    pub elapsed_ms: u128,
}

impl Report {
    pub fn totals(&self) -> CourseChanges {
        let mut t = CourseChanges::default();
        for c in &self.courses {
            let ch = &c.changes;
            for (dst, src) in [
                (&mut t.categories, &ch.categories),
                (&mut t.courses, &ch.courses),
                (&mut t.lessons, &ch.lessons),
                (&mut t.people, &ch.people),
                (&mut t.groups, &ch.groups),
                (&mut t.group_members, &ch.group_members),
                (&mut t.tutors, &ch.tutors),
                (&mut t.enrolments, &ch.enrolments),
                (&mut t.progress, &ch.progress),
                (&mut t.attempts, &ch.attempts),
            ] {
                dst.add(src);
            }
            t.new_conflicts += ch.new_conflicts;
            t.conflicts.extend(ch.conflicts.iter().cloned());
            t.skipped.extend(ch.skipped.iter().cloned());
        }
        t
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{}", self.describe(&Locale::new(Lang::En)))]
    NoUrl,
    #[error("{}", self.describe(&Locale::new(Lang::En)))]
    NoToken { var: String },
    #[error("{}", self.describe(&Locale::new(Lang::En)))]
    UnknownCourses { shortnames: Vec<String> },
    #[error(transparent)]
    Moodle(#[from] MoodleError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}", self.describe(&Locale::new(Lang::En)))]
    Cancelled,
}

impl SyncError {
    pub fn describe(&self, loc: &Locale) -> String {
        match self {
            SyncError::NoUrl => loc.t("sync.err_no_url").to_string(),
            SyncError::NoToken { var } => loc.tf("sync.err_no_token", &[("var", var)]),
            SyncError::UnknownCourses { shortnames } => loc
                .tf("sync.err_unknown_courses", &[("courses", &crate::text::clean(&shortnames.join(", ")))]),
            SyncError::Moodle(e) => e.describe(loc),
            SyncError::Store(e) => loc.tf("sync.err_store", &[("error", &e)]),
            SyncError::Cancelled => loc.t("sync.cancelled").to_string(),
        }
    }

    /// Something the user must fix before anything can be synced (exit code 2).
    pub fn is_user_error(&self) -> bool {
        match self {
            SyncError::NoUrl | SyncError::NoToken { .. } | SyncError::UnknownCourses { .. } => true,
            SyncError::Moodle(e) => e.is_user_error(),
            _ => false,
        }
    }
}

/// A Moodle error that makes every further call fail the same way: the run stops.
fn is_fatal(e: &MoodleError) -> bool {
    matches!(
        e,
        MoodleError::InvalidToken { .. }
            | MoodleError::NotInService { .. }
            | MoodleError::MissingFunctions { .. }
            | MoodleError::BadUrl { .. }
            | MoodleError::NotMoodle { .. }
    )
}

pub(crate) fn now() -> Ts {
    chrono::Utc::now().timestamp()
}

/// Syncs the chosen courses (all by default) from the site. Errors before the first course
/// (no answer, a refused token, a function missing from the service, an unknown course)
/// come back as `Err` with nothing written; a course that fails later is reported in its
/// [`CourseReport`] and the others go on.
pub async fn run(
    store: &Store,
    settings: &Settings,
    opts: &Options,
    progress: &(dyn Fn(Progress) + Send + Sync),
    cancel: &AtomicBool,
) -> Result<Report, SyncError> {
    let started = Instant::now();
    let loc = Locale::new(Lang::En);
    let client = Client::new(&settings.url, &settings.token, &settings.token_env, settings.timeout)?;
    let (site, source, categories, courses) = tokio::select! {
        r = prelude(&client, settings, opts) => r?,
        () = on_cancel(cancel) => return Err(SyncError::Cancelled),
    };
    progress(Progress::Site { sitename: site.sitename.clone(), courses: courses.len() });
    let run_id = if opts.dry_run { None } else { Some(store.start_sync_run(&source, now()).await?) };

    let ctx = fetch::Ctx { client: &client, settings, site: &site, categories: &categories, full: opts.full };
    let mut reports = Vec::new();
    let mut cancelled = false;
    for (index, course) in courses.iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            cancelled = true;
            break;
        }
        let tick = |stage, done, total| {
            progress(Progress::Course {
                index,
                courses: courses.len(),
                shortname: course.shortname.clone(),
                stage,
                done,
                total,
            })
        };
        tick(Stage::Reading, 0, 0);
        let mut report = CourseReport {
            shortname: course.shortname.clone(),
            fullname: map::plain(&course.fullname),
            moodle_id: course.id,
            outcome: Outcome::Failed,
            error: None,
            learners: 0,
            tutors: 0,
            ignored: 0,
            details_read: 0,
            changes: CourseChanges::default(),
            warnings: Vec::new(),
        };
        let state = store.sync_course_state(&source, &course.id.to_string()).await?;
        // A request in flight is dropped at once on Ctrl-C, not left to its timeout.
        let fetched = tokio::select! {
            r = fetch::course(&ctx, course, &state, &tick, cancel) => r,
            () = on_cancel(cancel) => Err(fetch::FetchError::Cancelled),
        };
        let (snapshot, info) = match fetched {
            Ok(x) => x,
            Err(fetch::FetchError::Cancelled) => {
                report.outcome = Outcome::Cancelled;
                reports.push(report);
                cancelled = true;
                break;
            }
            Err(fetch::FetchError::Moodle(e)) => {
                tracing::warn!(course = %course.shortname, error = %e, "sync: course not read");
                report.error = Some(e.describe(&loc));
                tick(Stage::Failed, 0, 0);
                let fatal = is_fatal(&e);
                reports.push(report);
                if fatal && reports.iter().all(|r| r.outcome != Outcome::Synced) {
                    // Nothing written yet: the whole run is refused, as at its start.
                    if let Some(id) = run_id {
                        store
                            .finish_sync_run(id, RunStatus::Failed, 0, "", Some(&e.to_string()), now())
                            .await?;
                    }
                    return Err(e.into());
                }
                if fatal {
                    break;
                }
                continue;
            }
        };
        report.learners = info.learners;
        report.tutors = info.tutors;
        report.ignored = info.ignored;
        report.details_read = info.details_read;
        report.warnings = info.warnings;
        tick(Stage::Writing, 0, 0);
        let opts_apply = ApplyOptions { dry_run: opts.dry_run, now: now(), run_id };
        match store.apply_course_sync(&source, &snapshot, &opts_apply, cancel).await {
            Ok(changes) => {
                report.changes = changes;
                report.outcome = Outcome::Synced;
                tick(Stage::Done, 0, 0);
            }
            Err(ApplyError::Cancelled) => {
                report.outcome = Outcome::Cancelled;
                reports.push(report);
                cancelled = true;
                break;
            }
            Err(ApplyError::Refused(why)) => {
                report.error = Some(why);
                tick(Stage::Failed, 0, 0);
            }
            Err(ApplyError::Store(e)) => {
                tracing::warn!(course = %course.shortname, error = %e, "sync: course not written");
                report.error = Some(e.to_string());
                tick(Stage::Failed, 0, 0);
            }
        }
        reports.push(report);
    }
    let synced = reports.iter().filter(|r| r.outcome == Outcome::Synced).count();
    let status = if cancelled {
        RunStatus::Cancelled
    } else if synced == reports.len() {
        RunStatus::Ok
    } else if synced > 0 {
        RunStatus::Partial
    } else {
        RunStatus::Failed
    };
    let mut report = Report {
        source,
        site: SiteSummary {
            sitename: site.sitename.clone(),
            siteurl: site.siteurl.clone(),
            release: site.release.clone(),
            username: site.username.clone(),
        },
        dry_run: opts.dry_run,
        run_id,
        status,
        courses: reports,
        elapsed_ms: 0,
    };
    report.elapsed_ms = started.elapsed().as_millis();
    if let Some(id) = run_id {
        let summary = serde_json::to_string(&report).unwrap_or_default();
        let error = report.courses.iter().find_map(|c| c.error.clone());
        store.finish_sync_run(id, status, synced as i64, &summary, error.as_deref(), now()).await?;
    }
    Ok(report)
}

type Prelude = (moodle::SiteInfo, String, HashMap<i64, moodle::Category>, Vec<moodle::Course>);

/// The site, its functions, categories and the courses to sync (in the order asked).
async fn prelude(client: &Client, settings: &Settings, opts: &Options) -> Result<Prelude, SyncError> {
    let site = moodle::site_info(client).await?;
    let missing: Vec<String> =
        moodle::REQUIRED.iter().filter(|f| !site.has(f)).map(|f| f.to_string()).collect();
    if !missing.is_empty() {
        return Err(MoodleError::MissingFunctions { functions: missing }.into());
    }
    let source = match site.siteurl.trim().trim_end_matches('/') {
        "" => settings.url.trim().trim_end_matches('/').to_string(),
        s => s.to_string(),
    };
    let categories: HashMap<i64, moodle::Category> =
        moodle::categories(client).await?.into_iter().map(|c| (c.id, c)).collect();
    let all = moodle::courses(client).await?;
    let site_id = site.siteid.unwrap_or(1);
    let mut courses: Vec<moodle::Course> =
        all.courses.into_iter().filter(|c| c.id != site_id && c.format.as_deref() != Some("site")).collect();
    if !opts.courses.is_empty() {
        let unknown: Vec<String> =
            opts.courses.iter().filter(|s| !courses.iter().any(|c| &c.shortname == *s)).cloned().collect();
        if !unknown.is_empty() {
            return Err(SyncError::UnknownCourses { shortnames: unknown });
        }
        courses.retain(|c| opts.courses.contains(&c.shortname));
        courses.sort_by_key(|c| opts.courses.iter().position(|s| s == &c.shortname));
    }
    Ok((site, source, categories, courses))
}

/// Resolves once `cancel` is set (checked every 50 ms).
async fn on_cancel(cancel: &AtomicBool) {
    while !cancel.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Counts warnings by (function, code).
#[derive(Default)]
pub(crate) struct Warnings(BTreeMap<(String, String), WarningLine>);

impl Warnings {
    pub(crate) fn add(&mut self, function: &str, code: &str, message: &str) {
        let key = (function.to_string(), code.to_string());
        self.0
            .entry(key)
            .or_insert_with(|| WarningLine {
                function: function.to_string(),
                code: code.to_string(),
                message: crate::text::clean(message),
                count: 0,
            })
            .count += 1;
    }

    pub(crate) fn into_lines(self) -> Vec<WarningLine> {
        self.0.into_values().collect()
    }
}

/// The cohorts the token can see, with their members' Moodle ids. Storing them waits for
/// the cohort tables (issue: cohorts); the call and its parsing are ready.
pub async fn read_cohorts(client: &Client) -> Result<Vec<(moodle::Cohort, Vec<i64>)>, MoodleError> {
    let cohorts = moodle::cohorts(client).await?;
    if cohorts.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = cohorts.iter().map(|c| c.id).collect();
    let mut members: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in ids.chunks(50) {
        for m in moodle::cohort_members(client, chunk).await? {
            members.entry(m.cohortid).or_default().extend(m.userids);
        }
    }
    Ok(cohorts
        .into_iter()
        .map(|c| {
            let m = members.remove(&c.id).unwrap_or_default();
            (c, m)
        })
        .collect())
}
