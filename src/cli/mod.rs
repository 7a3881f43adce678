//! Command line: arguments, startup, and the non-interactive commands.

pub mod cohort;
pub mod generate;
pub mod import;
pub mod remind;
pub mod session;
pub mod signals;
pub mod start;
pub mod sync;
pub mod triage;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "tutorat",
    version,
    about = "Keyboard-driven dashboard for tutors of online training courses",
    long_about = "Keyboard-driven dashboard for tutors of online training courses.\n\n\
        Without a command, opens the dashboard on the configured database \
        (see config.toml for the lookup order)."
)]
pub struct Args {
    /// Database: a SQLite file path or sqlite:// URL, or postgres://user@host/db.
    /// Wins over DATABASE_URL and [database] url.
    #[arg(long, global = true, value_name = "URL")]
    pub db: Option<String>,

    /// Configuration file (else $TUTORAT_CONFIG, else ~/.config/tutorat/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Open a demo database with realistic data (created on first use).
    #[arg(long)]
    pub demo: bool,

    /// With --demo: delete the demo database and create it afresh.
    #[arg(long, requires = "demo")]
    pub reset: bool,

    /// Act as this tutor (username in the database).
    #[arg(long, global = true, value_name = "USERNAME")]
    pub tutor: Option<String>,

    /// Interface language: auto, fr or en.
    #[arg(long, global = true, value_name = "LANG")]
    pub locale: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or update the database schema, then exit.
    Migrate,
    /// Print the learners who never opened their course, most urgent first (as tab 3).
    Triage {
        /// Only this course (its short name).
        #[arg(long, value_name = "SHORTNAME")]
        course: Option<String>,
        /// Machine-readable output: a JSON array, one object per learner.
        #[arg(long)]
        json: bool,
    },
    /// Send reminders to learners of a course (for scripts and cron; see the README).
    /// Exit codes: 0 all sent, 2 user error, 3 some failed, will be retried or are uncertain.
    Remind(remind::RemindArgs),
    /// Fill an empty database (--db) with a large deterministic data set for benchmarks.
    /// The tutor "bench" tutors every course.
    Generate(generate::GenerateArgs),
    /// Bring people in from a Moodle user-upload CSV file (see the README).
    /// Exit codes: 0 imported, 2 an error in the file (nothing written), 3 imported but the
    /// Moodle CSV could not be written.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Cohorts: list, show, sync a course with one, remove members.
    #[command(subcommand)]
    Cohort(cohort::CohortCommand),
    /// Sessions: set one up from a model course, its tutors and learners.
    #[command(subcommand)]
    Session(session::SessionCommand),
    /// Sync from an outside platform: `tutorat sync moodle` (see the README).
    /// Exit codes: 0 all synced, 2 user error (nothing written), 3 some course not synced,
    /// 130 interrupted.
    #[command(subcommand)]
    Sync(sync::SyncCommand),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_tutors_do_not_clash_with_the_global_tutor() {
        let a = Args::try_parse_from([
            "tutorat",
            "--tutor",
            "admin",
            "session",
            "new",
            "--model",
            "M",
            "--from",
            "2026-01-05",
            "--to",
            "2026-02-28",
            "--tutor",
            "a",
            "--tutor",
            "b",
        ])
        .unwrap();
        assert_eq!(a.tutor.as_deref(), Some("admin"));
        let Some(Command::Session(session::SessionCommand::New(n))) = a.command else { panic!() };
        assert_eq!(n.tutors, ["a", "b"]);
        let a = Args::try_parse_from(["tutorat", "import", "users", "f.csv", "--tutor", "admin"]).unwrap();
        assert_eq!(a.tutor.as_deref(), Some("admin"));
    }
}
