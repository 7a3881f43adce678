//! Bringing a centre's people in: Moodle's user-upload CSV files, read as Moodle reads them,
//! checked against the centre's rules and the people already known, and written in one
//! transaction; cohorts; sessions set up from a model course.
//!
//! Plan, then apply. [`plan`] is pure: the file's bytes, the settings and a
//! [`Snapshot`](crate::store::import::Snapshot) of the database give an [`ImportPlan`]
//! whose rows (line number, new / existing / error, reasons, the normalised record) can be
//! shown as a preview. [`apply`] writes a plan without errors in one transaction, in
//! batches between which a cancel flag is checked (cancelling rolls everything back) and
//! progress is reported; it refuses a plan whose snapshot is out of date.
//!
//! From the dashboard (issue 12, item 7), in tasks off the event loop:
//!
//! ```text
//! store.can_manage(&scope)                     -> show the `I` key or not
//! let snap = store.import_snapshot().await?;   // people, courses, cohorts
//! let plan = import::plan(&bytes, &Settings::from_config(&cfg)?, &snap, &PlanOptions { .. });
//!   // pure and synchronous (~0.1 s for 10,000 lines): spawn_blocking for big files.
//!   // Preview: plan.problem (file-level), plan.rows (line, status, fields, reasons with
//!   // Reason::describe(&loc) and severity, changes), plan.counts(), plan.new_cohorts.
//! let cancel = Arc::new(AtomicBool::new(false));   // set it from the cancel key
//! import::apply(&store, &plan, now, &cancel, &mut |done, total| { /* send an Action */ }).await
//!   // Err(WriteError::Cancelled): rolled back, nothing written.
//!   // Err(WriteError::Stale): someone changed the people meanwhile: plan again.
//! ```

pub mod columns;
pub mod decode;
pub mod matching;
pub mod moodle_csv;
pub mod plan;
pub mod reason;
pub mod session;

use std::sync::atomic::AtomicBool;

pub use plan::{CourseReq, ImportPlan, PlanOptions, PlanRow, RowStatus, plan};
pub use reason::{FileProblem, Reason, Severity};

use crate::config::Config;
use crate::model::Ts;
use crate::store::Store;
use crate::store::import::{Progress, WriteError, WriteSummary};

/// The `[import]` rules, checked once.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub establishment_code: String,
    pub username_template: String,
    pub fictitious_email: String,
    /// `[reminders] fictitious_patterns`: a made-up address must match one of them.
    pub fictitious_patterns: Vec<String>,
    pub matricule_field: String,
    pub matricule_prefix: String,
    pub civility_field: String,
    pub require_civility: bool,
    /// `None`: detect from the header.
    pub delimiter: Option<u8>,
    pub max_bytes: u64,
}

impl Settings {
    /// The rules of the configuration, or the reason they cannot work (one line).
    pub fn from_config(cfg: &Config) -> Result<Settings, String> {
        let c = &cfg.import;
        let delimiter = decode::parse_delimiter(&c.delimiter)
            .map_err(|d| format!("[import] delimiter {d:?}: use auto, \",\", \";\" or \"tab\""))?;
        let s = Settings {
            establishment_code: c.establishment_code.trim().to_string(),
            username_template: c.username_template.trim().to_string(),
            fictitious_email: c.fictitious_email.trim().to_string(),
            fictitious_patterns: cfg.reminders.fictitious_patterns.clone(),
            matricule_field: c.matricule_field.trim().to_string(),
            matricule_prefix: c.matricule_prefix.trim().to_string(),
            civility_field: c.civility_field.trim().to_string(),
            require_civility: c.require_civility,
            delimiter,
            max_bytes: c.max_file_mb.max(1).saturating_mul(1024 * 1024),
        };
        if !s.establishment_code.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)) {
            return Err(format!(
                "[import] establishment_code {:?}: only letters, digits and _ - . (it starts usernames)",
                s.establishment_code
            ));
        }
        let vars = ["{establishment}", "{initial}", "{firstname}", "{lastname}"];
        if let Some(bad) = unknown_placeholder(&s.username_template, &vars) {
            return Err(format!(
                "[import] username_template: unknown placeholder {bad}; use {}",
                vars.join(", ")
            ));
        }
        if !s.username_template.contains("{lastname}") && !s.username_template.contains("{firstname}") {
            return Err("[import] username_template must contain {lastname} or {firstname}".into());
        }
        if let Some(bad) = unknown_placeholder(&s.fictitious_email, &["{username}"]) {
            return Err(format!("[import] fictitious_email: unknown placeholder {bad}; use {{username}}"));
        }
        let sample = s.fictitious_for("dam023.l.ollivet");
        if !s.fictitious_email.contains("{username}") || !crate::model::contact::is_valid(&sample) {
            return Err(format!(
                "[import] fictitious_email {:?} does not make an address (as {sample:?}); \
                 use a template such as \"{{username}}.fictif@example.org\"",
                s.fictitious_email
            ));
        }
        if !crate::model::contact::is_fictitious(&s.fictitious_patterns, &sample) {
            return Err(format!(
                "[import] fictitious_email makes addresses such as {sample:?}, which [reminders] \
                 fictitious_patterns does not recognise: reminders would be sent to them"
            ));
        }
        Ok(s)
    }

    /// The placeholder address of a person without e-mail.
    pub fn fictitious_for(&self, username: &str) -> String {
        self.fictitious_email.replace("{username}", username)
    }

    /// Whether `email` is a placeholder (the reminders' rule).
    pub fn is_fictitious(&self, email: &str) -> bool {
        crate::model::contact::is_fictitious(&self.fictitious_patterns, email)
    }
}

fn unknown_placeholder(template: &str, known: &[&str]) -> Option<String> {
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        let tail = &rest[i..];
        let end = tail.find('}').map(|j| j + 1).unwrap_or(tail.len());
        let p = &tail[..end];
        if !known.contains(&p) {
            return Some(p.to_string());
        }
        rest = &tail[end..];
    }
    None
}

/// Writes a plan made by [`plan`]: one transaction, batches of
/// [`BATCH`](crate::store::import::BATCH) lines; `cancel` set between two batches rolls
/// back everything; `progress(done, total)` after each batch.
pub async fn apply(
    store: &Store,
    plan: &ImportPlan,
    now: Ts,
    cancel: &AtomicBool,
    progress: Progress<'_>,
) -> Result<WriteSummary, WriteError> {
    let set =
        plan.writes().ok_or_else(|| WriteError::Invalid("the file has errors: nothing imported".into()))?;
    store.write_import(&set, now, cancel, progress).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked() {
        let mut cfg = Config::default();
        let s = Settings::from_config(&cfg).unwrap();
        assert!(s.is_fictitious(&s.fictitious_for("dam023.l.ollivet")));
        cfg.import.username_template = "{etab}.{lastname}".into();
        assert!(Settings::from_config(&cfg).unwrap_err().contains("{etab}"));
        cfg.import.username_template = "{establishment}.{initial}.{lastname}".into();
        cfg.import.fictitious_email = "{username}@anfh.fr".into();
        assert!(Settings::from_config(&cfg).unwrap_err().contains("fictitious_patterns"));
        cfg.import.fictitious_email = "{username}.fictif".into();
        assert!(Settings::from_config(&cfg).unwrap_err().contains("does not make an address"));
        cfg.import.fictitious_email = "{username}.fictif@anfh.fr".into();
        cfg.import.establishment_code = "dam 023".into();
        assert!(Settings::from_config(&cfg).unwrap_err().contains("establishment_code"));
        cfg.import.establishment_code = "dam023".into();
        cfg.import.delimiter = "|".into();
        assert!(Settings::from_config(&cfg).unwrap_err().contains("delimiter"));
    }
}
