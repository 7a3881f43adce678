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
use tutorat::tui::theme::Theme;
use tutorat::tui::ui::Ui;

fn main() -> ExitCode {
    let args = Args::parse();
    // The reader's language as far as it is known: --locale and the environment, then the
    // configuration once read.
    let mut loc = start::early_locale(&args, &Env::real());
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            let msg = loc.tf("chars.cannot_start", &[("error", &e)]);
            eprintln!("{}", loc.tf("chars.error_line", &[("error", &msg)]));
            return ExitCode::from(1);
        }
    };
    let code = match runtime.block_on(run(args, &mut loc)) {
        Ok(code) => code,
        Err(e) => exit_code(&e, &loc),
    };
    // A task still blocked (a database that does not answer) must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    ExitCode::from(code)
}

/// Prints a failed command's error as one line on stderr and chooses the exit code: 2 for
/// what the user can fix (usage, configuration, unknown tutor, database refused), 130
/// when interrupted, 1 for anything else; a closed pipe is not an error.
fn exit_code(e: &color_eyre::Report, loc: &Locale) -> u8 {
    if signals::is_broken_pipe(e) {
        return 0;
    }
    if let Some(i) = e.downcast_ref::<Interrupted>() {
        eprintln!("{}", loc.tf("chars.error_line", &[("error", i)]));
        return 130;
    }
    eprintln!("{}", loc.tf("chars.error_line", &[("error", &error_text(e, loc))]));
    let user = e.downcast_ref::<UserError>().is_some()
        || e.downcast_ref::<StoreError>().is_some_and(StoreError::is_user_error);
    if user { 2 } else { 1 }
}

/// One line in the reader's language: the errors tutorat words itself are translated, the
/// others (a database's own message) are shown as they come.
fn error_text(e: &color_eyre::Report, loc: &Locale) -> String {
    if let Some(u) = e.downcast_ref::<UserError>() {
        return u.0.clone();
    }
    if let Some(s) = e.downcast_ref::<StoreError>() {
        return tutorat::store::describe::store_error_text(s, loc);
    }
    if let Some(r) = e.downcast_ref::<tutorat::reminders::RemindError>() {
        return tutorat::reminders::describe::error_text(r, loc);
    }
    signals::one_line(e)
}

async fn run(args: Args, loc: &mut Locale) -> color_eyre::Result<u8> {
    if matches!(args.command, Some(Command::Generate(_))) {
        // Never the configured (real) database by default, never the demo's.
        if args.demo {
            return Err(UserError(loc.t("chars.generate_demo").into()).into());
        }
        if args.db.is_none() {
            return Err(UserError(loc.t("chars.generate_needs_db").into()).into());
        }
    }
    let env = Env::real();
    let (config, source) = start::load_config(&args, &env)?;
    if let Ok(lang) = start::resolve_lang(&args, &config, &env) {
        *loc = Locale::new(lang);
    }
    // Logging first, so that every later error is in the log too.
    let _log = start::init_logging(&config, loc)?;
    let res = run_command(args, &env, config, source, loc).await;
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
    loc: &Locale,
) -> color_eyre::Result<u8> {
    let now = chrono::Utc::now().timestamp();
    let p = start::prepare_with(&args, env, config, source, now).await?;
    tracing::info!(db = %p.target.label(), tutor = %p.scope.username, "starting");
    match args.command {
        Some(Command::Migrate) => {
            println!("{}", loc.tf("chars.schema_up_to_date", &[("db", &p.target.label())]));
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
        Some(Command::Import(tutorat::cli::import::ImportCommand::Users(ref a))) => {
            let code = tutorat::cli::import::run(&p, a, now).await;
            p.store.close().await;
            code
        }
        Some(Command::Cohort(ref c)) => {
            let code = tutorat::cli::cohort::run(&p, c, now).await;
            p.store.close().await;
            code
        }
        Some(Command::Session(tutorat::cli::session::SessionCommand::New(ref a))) => {
            let code = tutorat::cli::session::run(&p, a, now).await;
            p.store.close().await;
            code
        }
        Some(Command::Sync(ref s)) => {
            let code = tutorat::cli::sync::run(&p, s).await;
            p.store.close().await;
            code
        }
        None => {
            if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
                return Err(UserError(loc.t("chars.needs_terminal").into()).into());
            }
            tutorat::tui::terminal::install_hooks();
            let (reminders, transport, problem) = start::reminders_for(&p);
            let theme = Theme::new(p.config.display.theme, p.no_color);
            let ui = Ui { loc: Locale::new(p.lang), theme, tz: p.tz, now };
            let mut app = App::new(ui, p.scope, p.target.label());
            app.set_triage_rules(p.config.triage_rules());
            if let (Some(n), None) = (p.notice, &app.status) {
                app.set_status(Level::Success, n);
            }
            app.start_reminders(reminders.clone(), problem.clone());
            let ctx = TaskCtx::new(p.store, app.scope.clone(), reminders, transport, problem);
            let scroll_regions = p.config.display.scroll_regions;
            tutorat::tui::run(app, ctx, scroll_regions).await.map(|()| 0)
        }
    }
}
