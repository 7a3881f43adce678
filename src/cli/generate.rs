//! `tutorat generate`: fills an empty database with a large deterministic data set for
//! benchmarks, showing progress on stderr; Ctrl-C stops it cleanly.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::start::{Prepared, UserError};
use crate::locale::Locale;
use crate::store::generate::{self, BENCH_TUTOR, GenError, Sizes};

#[derive(Debug, Clone, clap::Args)]
pub struct GenerateArgs {
    /// Learners to create.
    #[arg(long, default_value_t = 50_000, value_parser = clap::value_parser!(u64).range(1..=5_000_000))]
    pub learners: u64,
    /// Courses to create (the first one holds a fifth of the learners).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub courses: u64,
    /// Lessons per course (the six kinds in turn).
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..=500))]
    pub lessons: u64,
    /// Seed: the same seed and sizes give the same rows.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

impl GenerateArgs {
    pub fn sizes(&self) -> Sizes {
        Sizes {
            learners: self.learners as usize,
            courses: self.courses as usize,
            lessons: self.lessons as usize,
            seed: self.seed,
        }
    }
}

/// Ctrl-C during generation: the database is left incomplete. Exit code 130, as for any
/// command stopped by SIGINT.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Interrupted(pub String);

/// A progress line on stderr: redrawn in place on a terminal, else one line per tenth.
/// `sync` draws one per course.
pub(crate) struct Meter {
    label: String,
    tty: bool,
    last: Option<usize>,
    loc: Locale,
}

impl Meter {
    pub(crate) fn new(label: String, tty: bool, loc: Locale) -> Meter {
        Meter { label, tty, last: None, loc }
    }

    pub(crate) fn show(&mut self, done: usize, total: usize) {
        let pct = (done * 100).checked_div(total).unwrap_or(100);
        let step = if self.tty { pct } else { pct / 10 * 10 };
        if self.last == Some(step) {
            return;
        }
        self.last = Some(step);
        let counts = format!("{} / {}", self.loc.num(done as i64), self.loc.num(total as i64));
        let mut err = std::io::stderr().lock();
        let _ = if self.tty {
            let filled = pct * 30 / 100;
            let bar = format!("{}{}", "█".repeat(filled), "░".repeat(30 - filled));
            write!(err, "\r\x1b[2K{} {bar} {:>5} ({counts})", self.label, self.loc.pct(pct))
        } else {
            writeln!(err, "{} {} ({counts})", self.label, self.loc.pct(step))
        };
        let _ = err.flush();
    }

    pub(crate) fn end(&self) {
        if self.tty && self.last.is_some() {
            eprintln!();
        }
    }
}

pub async fn run(p: &Prepared, g: &GenerateArgs) -> color_eyre::Result<()> {
    let loc = Locale::new(p.lang);
    let db = p.target.label();
    // Checked before anything is printed, so a refusal is one line (generate checks again).
    if !p.store.is_empty().await.map_err(|e| UserError::store(&loc, &e))? {
        return Err(UserError(loc.tf("generate.needs_empty", &[("db", &db)])).into());
    }
    let sizes = g.sizes();
    eprintln!(
        "{}",
        loc.tf(
            "generate.start",
            &[
                ("learners", &loc.num(g.learners as i64)),
                ("courses", &loc.num(g.courses as i64)),
                ("lessons", &g.lessons),
                ("seed", &g.seed),
                ("db", &db),
            ],
        )
    );
    let cancel = Arc::new(AtomicBool::new(false));
    let on_signal = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.store(true, Ordering::Relaxed);
            }
        })
    };
    let tty = std::io::stderr().is_terminal();
    let mut meter = Meter::new(loc.t("generate.progress").to_string(), tty, loc.clone());
    let started = Instant::now();
    let result = generate::generate(&p.store, sizes, &cancel, &mut |d, t| meter.show(d, t)).await;
    meter.end();
    on_signal.abort();
    p.store.close().await;
    match result {
        Ok(s) => {
            let n = |v: usize| loc.num(v as i64);
            println!(
                "{}",
                loc.tf(
                    "generate.done",
                    &[
                        ("secs", &loc.dec1(started.elapsed().as_secs_f64())),
                        ("learners", &n(s.learners)),
                        ("courses", &n(s.courses)),
                        ("enrolments", &n(s.enrolments)),
                        ("never", &n(s.never_accessed)),
                        ("attempts", &n(s.attempts)),
                        ("connections", &n(s.connections)),
                        ("tutor", &BENCH_TUTOR),
                    ],
                )
            );
            Ok(())
        }
        Err(GenError::NotEmpty) => Err(UserError(loc.tf("generate.needs_empty", &[("db", &db)])).into()),
        Err(GenError::Cancelled) => Err(Interrupted(loc.tf("generate.interrupted", &[("db", &db)])).into()),
        Err(GenError::Store(e)) => {
            let error = crate::store::describe::store_error_text(&e, &loc);
            Err(UserError(loc.tf("generate.failed", &[("error", &error), ("db", &db)])).into())
        }
    }
}
