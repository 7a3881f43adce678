//! `tutorat`: parse the command line, prepare config and database, then hand over to the
//! dashboard or a command. User errors print one line and exit with code 2.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tutorat::cli::generate::Interrupted;
use tutorat::cli::signals;
use tutorat::cli::start::{self, Env, UserError};
use tutorat::cli::{Args, Command};
use tutorat::locale::Locale;
use tutorat::store::StoreError;
use tutorat::tui::app::App;
use tutorat::tui::frame::Level;
use tutorat::tui::remind_tasks::TaskCtx;
use tutorat::tui::views::Ui;

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tutorat: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let code = match runtime.block_on(run(args)) {
        Ok(code) => code,
        Err(e) => exit_code(&e),
    };
    // A task still blocked (a database that does not answer) must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    ExitCode::from(code)
}

/// Prints a failed command's error as one line on stderr and chooses the exit code: 2 for
/// what the user can fix (usage, configuration, unknown tutor, database refused), 130
/// when interrupted, 1 for anything else; a closed pipe is not an error.
fn exit_code(e: &color_eyre::Report) -> u8 {
    if signals::is_broken_pipe(e) {
        return 0;
    }
    if let Some(i) = e.downcast_ref::<Interrupted>() {
        eprintln!("tutorat: {i}");
        return 130;
    }
    eprintln!("tutorat: {}", signals::one_line(e));
    let user = e.downcast_ref::<UserError>().is_some()
        || e.downcast_ref::<StoreError>().is_some_and(StoreError::is_user_error);
    if user { 2 } else { 1 }
}

async fn run(args: Args) -> color_eyre::Result<u8> {
    if matches!(args.command, Some(Command::Generate(_))) {
        // Never the configured (real) database by default, never the demo's.
        if args.demo {
            return Err(UserError("generate cannot be combined with --demo".into()).into());
        }
        if args.db.is_none() {
            let msg = "generate needs --db: a new SQLite file or an empty PostgreSQL database";
            return Err(UserError(msg.into()).into());
        }
    }
    let env = Env::real();
    let (config, source) = start::load_config(&args, &env)?;
    // Logging first, so that every later error is in the log too.
    let _log = start::init_logging(&config)?;
    let res = run_command(args, &env, config, source).await;
    if let Err(e) = &res
        && !signals::is_broken_pipe(e)
    {
        tracing::error!(error = %signals::one_line(e), "command failed");
    }
    res
}

async fn run_command(
    args: Args,
    env: &Env,
    config: tutorat::config::Config,
    source: tutorat::config::ConfigSource,
) -> color_eyre::Result<u8> {
    let now = chrono::Utc::now().timestamp();
    let p = start::prepare_with(&args, env, config, source, now).await?;
    tracing::info!(db = %p.target.label(), tutor = %p.scope.username, "starting");
    match args.command {
        Some(Command::Migrate) => {
            println!("{}: schema up to date", p.target.label());
            p.store.close().await;
            Ok(0)
        }
        Some(Command::Remind(ref r)) => {
            let mut out = std::io::stdout().lock();
            let code = tutorat::cli::remind::run(&p, r, now, &mut out).await;
            p.store.close().await;
            code
        }
        Some(Command::Triage { ref course, json }) => {
            let mut out = std::io::stdout().lock();
            let res = tutorat::cli::triage::run(&p, course.as_deref(), json, now, &mut out).await.map(|()| 0);
            p.store.close().await;
            res
        }
        Some(Command::Generate(g)) => tutorat::cli::generate::run(&p, &g).await.map(|()| 0),
        None => {
            if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
                return Err(UserError(
                    "the dashboard needs a terminal: run it in a terminal or over ssh -t".into(),
                )
                .into());
            }
            tutorat::tui::terminal::install_hooks();
            let (reminders, transport, problem) = start::reminders_for(&p);
            let ui = Ui { loc: Locale::new(p.lang), theme: p.theme, tz: p.tz, now };
            let mut app = App::new(ui, p.scope, p.target.label());
            app.set_triage_rules(p.config.triage_rules());
            if let (Some(n), None) = (p.notice, &app.status) {
                app.set_status(Level::Success, n);
            }
            app.start_reminders(reminders.clone(), problem.clone());
            let ctx = TaskCtx::new(p.store, app.scope.clone(), reminders, transport, problem);
            tutorat::tui::run(app, ctx).await.map(|()| 0)
        }
    }
}
