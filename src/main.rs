//! `tutorat`: parse the command line, prepare config and database, then hand over to the
//! dashboard or a command. User errors print one line and exit with code 2.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tutorat::cli::generate::Interrupted;
use tutorat::cli::start::{self, Env, UserError};
use tutorat::cli::{Args, Command};
use tutorat::locale::Locale;
use tutorat::tui::app::App;
use tutorat::tui::frame::Level;
use tutorat::tui::remind_tasks::TaskCtx;
use tutorat::tui::theme::Theme;
use tutorat::tui::ui::Ui;

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tutorat: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(args)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if let Some(i) = e.downcast_ref::<Interrupted>() {
                eprintln!("tutorat: {i}");
                return ExitCode::from(130);
            }
            match e.downcast_ref::<UserError>() {
                Some(u) => eprintln!("tutorat: {u}"),
                None => eprintln!("tutorat: {e:?}"),
            }
            if e.downcast_ref::<UserError>().is_some() { ExitCode::from(2) } else { ExitCode::from(1) }
        }
    }
}

async fn run(args: Args) -> color_eyre::Result<u8> {
    let now = chrono::Utc::now().timestamp();
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
    let p = start::prepare(&args, &Env::real(), now).await?;
    let _log = start::init_logging(&p.config);
    tracing::info!(db = %p.target.label(), tutor = %p.scope.username, "starting");
    match args.command {
        Some(Command::Migrate) => {
            println!("{}: schema up to date", p.target.label());
            p.store.close().await;
            Ok(0)
        }
        Some(Command::Remind(ref r)) => {
            let code = tutorat::cli::remind::run(&p, r, now).await;
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
            let theme = Theme::new(p.config.display.theme, p.no_color);
            let ui = Ui { loc: Locale::new(p.lang), theme, tz: p.tz, now };
            let mut app = App::new(ui, p.scope, p.target.label());
            app.set_triage_rules(p.config.triage.rules());
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
