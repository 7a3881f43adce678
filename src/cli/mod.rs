//! Command line: arguments, startup, and the non-interactive commands.

pub mod generate;
pub mod start;

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
    /// Fill an empty database (--db) with a large deterministic data set for benchmarks.
    /// The tutor "bench" tutors every course.
    Generate(generate::GenerateArgs),
}
