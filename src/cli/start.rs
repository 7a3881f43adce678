//! Startup: configuration, language, database, demo data and tutor, resolved before the
//! terminal is touched so that every problem is a one-line error and exit code 2.

use std::path::{Path, PathBuf};

use crate::config::{self, Config, ConfigSource};
use crate::locale::{Lang, Locale};
use crate::model::time::DisplayTz;
use crate::store::people::Scope;
use crate::store::{ConnectOptions, DbTarget, Schema, Store, demo};

use super::{Args, Command};

/// A problem the user can fix, already in the reader's language; printed as one line,
/// exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

impl UserError {
    /// The catalogue's message `key` with its placeholders.
    pub fn tf(loc: &Locale, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> UserError {
        UserError(loc.tf(key, args))
    }

    pub fn store(loc: &Locale, e: &crate::store::StoreError) -> UserError {
        UserError(crate::store::describe::store_error_text(e, loc))
    }

    pub fn config(loc: &Locale, e: &config::ConfigError) -> UserError {
        UserError(match e {
            config::ConfigError::Read { path, reason } => {
                loc.tf("chars.config_read", &[("path", path), ("reason", reason)])
            }
            config::ConfigError::Parse { path, line, key, message } => loc.tf(
                "chars.config_parse",
                &[("path", path), ("line", line), ("key", key), ("message", message)],
            ),
        })
    }
}

impl From<crate::store::StoreError> for UserError {
    /// In English; code that knows the reader's language uses [`UserError::store`].
    fn from(e: crate::store::StoreError) -> Self {
        UserError(e.to_string())
    }
}

/// The language known before the configuration is read: `--locale`, else the
/// environment (for the errors that come before it).
pub fn early_locale(args: &Args, env: &Env) -> Locale {
    let lang = args
        .locale
        .as_deref()
        .and_then(|v| Lang::from_setting(v).ok().flatten())
        .unwrap_or_else(|| Lang::from_env(|k| env.var(k)));
    Locale::new(lang)
}

pub type EnvGetter = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The environment startup reads, injectable for tests.
pub struct Env {
    pub get: EnvGetter,
    pub user_config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
}

impl Env {
    pub fn real() -> Env {
        let dirs = directories::ProjectDirs::from("", "", "tutorat");
        Env {
            get: Box::new(|k| std::env::var(k).ok()),
            user_config: config::user_config_path(),
            data_dir: dirs.map(|d| d.data_dir().to_path_buf()),
        }
    }

    fn var(&self, k: &str) -> Option<String> {
        (self.get)(k).filter(|v| !v.is_empty())
    }
}

pub struct Prepared {
    pub config: Config,
    pub config_source: ConfigSource,
    pub lang: Lang,
    pub tz: DisplayTz,
    /// `NO_COLOR` is set: the dashboard draws without colours whatever the theme.
    pub no_color: bool,
    pub store: Store,
    pub target: DbTarget,
    pub scope: Scope,
    /// A message for the status line at start (e.g. the demo was just created).
    pub notice: Option<String>,
    /// `--demo` is on (reminders then always go to the outbox folder).
    pub demo: bool,
    /// The user's data directory (default outbox, default database).
    pub data_dir: Option<PathBuf>,
}

pub fn resolve_lang(args: &Args, cfg: &Config, env: &Env) -> Result<Lang, UserError> {
    let (value, origin) = match &args.locale {
        Some(v) => (v.clone(), "--locale"),
        None => (cfg.display.locale.clone(), "[display] locale"),
    };
    match Lang::from_setting(&value) {
        Ok(Some(l)) => Ok(l),
        Ok(None) => Ok(Lang::from_env(|k| env.var(k))),
        Err(bad) => Err(UserError::tf(
            &early_locale(args, env),
            "chars.unknown_locale",
            &[("value", &format!("{bad:?}")), ("origin", &origin)],
        )),
    }
}

fn create_dir(loc: &Locale, dir: &Path) -> Result<(), UserError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| UserError::tf(loc, "chars.cannot_create", &[("path", &dir.display()), ("error", &e)]))
}

fn demo_path(env: &Env, loc: &Locale) -> Result<PathBuf, UserError> {
    let dir = env.data_dir.clone().ok_or_else(|| UserError(loc.t("chars.no_data_dir_demo").to_string()))?;
    create_dir(loc, &dir)?;
    Ok(dir.join("demo.sqlite"))
}

/// Where the database is: --db, else (not for the demo) DATABASE_URL, then the config, then
/// the default file in the data directory.
pub fn resolve_target(args: &Args, cfg: &Config, env: &Env, loc: &Locale) -> Result<DbTarget, UserError> {
    let parse = |url: &str, origin: &str| {
        DbTarget::try_parse(url)
            .map_err(|e| UserError::tf(loc, "chars.bad_db_url", &[("error", &e), ("origin", &origin)]))
    };
    if let Some(url) = &args.db {
        return parse(url, "--db");
    }
    if args.demo {
        // The demo never lands in the configured (real) database by accident.
        return Ok(DbTarget::Sqlite(demo_path(env, loc)?));
    }
    if let Some(url) = env.var("DATABASE_URL") {
        return parse(&url, "DATABASE_URL");
    }
    if !cfg.database.url.trim().is_empty() {
        return parse(&cfg.database.url, "[database] url");
    }
    let dir = env.data_dir.clone().ok_or_else(|| UserError(loc.t("chars.no_data_dir").to_string()))?;
    create_dir(loc, &dir)?;
    Ok(DbTarget::Sqlite(dir.join("tutorat.sqlite")))
}

fn remove_sqlite_files(path: &Path, loc: &Locale) -> Result<(), UserError> {
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(UserError::tf(
                    loc,
                    "chars.cannot_delete",
                    &[("path", &p.display()), ("error", &e)],
                ));
            }
        }
    }
    Ok(())
}

/// Opens the database and brings its schema up to date. `create`: the dashboard, `migrate`
/// and `generate` may create a SQLite file and the schema; the other commands only use an
/// existing tutorat database, so that a typo in `--db` is an error, not a new empty file.
pub async fn open_store(
    target: &DbTarget,
    cfg: &Config,
    create: bool,
    loc: &Locale,
) -> Result<Store, UserError> {
    let opts = ConnectOptions {
        max_connections: cfg.database.max_connections,
        timeout: std::time::Duration::from_secs(cfg.database.timeout_secs.max(1)),
        create,
        read_only: false,
    };
    let store = Store::connect(target, &opts).await.map_err(|e| UserError::store(loc, &e))?;
    if !create && store.schema_state().await.map_err(|e| UserError::store(loc, &e))? == Schema::Absent {
        return Err(UserError::tf(loc, "chars.not_tutorat_db", &[("db", &target.label())]));
    }
    store.migrate(&target.label()).await.map_err(|e| UserError::store(loc, &e))?;
    Ok(store)
}

/// The configuration, read and checked (before anything else, logging included).
pub fn load_config(args: &Args, env: &Env) -> Result<(Config, ConfigSource), UserError> {
    let loc = early_locale(args, env);
    let (config, source) = config::load(
        args.config.as_deref(),
        env.var("TUTORAT_CONFIG").map(PathBuf::from),
        env.user_config.clone(),
    )
    .map_err(|e| UserError::config(&loc, &e))?;
    let shown =
        source.path().map(|p| p.display().to_string()).unwrap_or_else(|| loc.t("chars.the_defaults").into());
    config
        .validate()
        .map_err(|e| UserError::tf(&loc, "chars.config_invalid", &[("path", &shown), ("error", &e)]))?;
    Ok((config, source))
}

/// Whether the command may create a database (file and schema).
pub fn creates_database(command: Option<&Command>) -> bool {
    matches!(command, None | Some(Command::Migrate) | Some(Command::Generate(_)))
}

/// Whether the command acts as a tutor (an unknown one is then an error).
fn needs_tutor(command: Option<&Command>) -> bool {
    matches!(command, Some(Command::Triage { .. }) | Some(Command::Remind(_)))
}

pub async fn prepare(args: &Args, env: &Env, now: i64) -> Result<Prepared, UserError> {
    let (config, source) = load_config(args, env)?;
    prepare_with(args, env, config, source, now).await
}

pub async fn prepare_with(
    args: &Args,
    env: &Env,
    config: Config,
    config_source: ConfigSource,
    now: i64,
) -> Result<Prepared, UserError> {
    let lang = resolve_lang(args, &config, env)?;
    let loc = Locale::new(lang);
    let tz = DisplayTz::parse(&config.display.timezone).ok_or_else(|| {
        UserError::tf(&loc, "chars.unknown_timezone", &[("value", &format!("{:?}", config.display.timezone))])
    })?;
    let no_color = env.var("NO_COLOR").is_some();
    let target = resolve_target(args, &config, env, &loc)?;

    if let (true, DbTarget::Sqlite(p)) = (args.reset, &target) {
        remove_sqlite_files(p, &loc)?;
    }
    let store =
        open_store(&target, &config, args.demo || creates_database(args.command.as_ref()), &loc).await?;
    let db_err = |e: crate::store::StoreError| UserError::store(&loc, &e);
    let mut notice = None;
    if store.is_read_only() {
        tracing::warn!(db = %target.label(), "database opened read-only");
        notice = Some(loc.tf("edges.read_only", &[("db", &target.label())]));
    }
    if args.demo {
        if args.reset && matches!(target, DbTarget::Postgres(_)) {
            if !store.is_empty().await.map_err(db_err)? && !demo::is_demo(&store).await.map_err(db_err)? {
                return Err(UserError::tf(&loc, "chars.demo_reset_refused", &[("db", &target.label())]));
            }
            store.wipe().await.map_err(db_err)?;
            store.migrate(&target.label()).await.map_err(db_err)?;
        }
        if store.is_empty().await.map_err(db_err)? {
            eprintln!("{}", loc.tf("demo.creating", &[("db", &target.label())]));
            let s = demo::load(&store, now).await.map_err(db_err)?;
            notice = Some(loc.tf("demo.created", &[("learners", &s.learners), ("courses", &s.courses)]));
        } else if !demo::is_demo(&store).await.map_err(db_err)? {
            return Err(UserError::tf(&loc, "chars.demo_not_demo", &[("db", &target.label())]));
        }
    }

    let username = match (&args.tutor, args.demo) {
        (Some(t), _) => t.clone(),
        (None, true) => store.first_tutor().await.map_err(db_err)?.unwrap_or_default(),
        (None, false) if !config.tutor.username.trim().is_empty() => config.tutor.username.trim().to_string(),
        (None, false) => env.var("USER").or_else(|| env.var("LOGNAME")).unwrap_or_default(),
    };
    let scope = if needs_tutor(args.command.as_ref()) {
        store.known_scope(&username).await.map_err(db_err)?
    } else {
        store.scope_for(&username).await.map_err(db_err)?
    };
    Ok(Prepared {
        config,
        config_source,
        lang,
        tz,
        no_color,
        store,
        target,
        scope,
        notice,
        demo: args.demo,
        data_dir: env.data_dir.clone(),
    })
}

/// Logs to a file (never to the terminal while the UI is up). Returns the guard that must
/// live as long as the program. A log file named in the configuration that cannot be
/// opened (a missing directory, no permission) is an error: logging is never silently
/// lost. The default file's directories are created; if even that fails, `None`.
pub fn init_logging(
    cfg: &Config,
    loc: &Locale,
) -> Result<Option<tracing_appender::non_blocking::WorkerGuard>, UserError> {
    let configured = cfg.log.file.trim();
    let path = if configured.is_empty() {
        let Some(p) = directories::ProjectDirs::from("", "", "tutorat")
            .map(|d| d.state_dir().unwrap_or(d.data_dir()).join("tutorat.log"))
        else {
            return Ok(None);
        };
        match p.parent().map(std::fs::create_dir_all) {
            Some(Ok(())) => p,
            _ => return Ok(None),
        }
    } else {
        PathBuf::from(configured)
    };
    let file = match std::fs::OpenOptions::new().create(true).append(true).open(&path) {
        Ok(f) => f,
        Err(_) if configured.is_empty() => return Ok(None),
        Err(e) => {
            let why = match path.parent().filter(|d| !d.as_os_str().is_empty() && !d.is_dir()) {
                Some(d) => loc.tf("chars.no_such_dir", &[("dir", &d.display())]),
                None => e.to_string(),
            };
            return Err(UserError::tf(loc, "chars.log_file", &[("path", &path.display()), ("why", &why)]));
        }
    };
    let (writer, guard) = tracing_appender::non_blocking(file);
    // The level was checked with the rest of the configuration (Config::validate).
    let filter = tracing_subscriber::EnvFilter::try_new(&cfg.log.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_writer(writer).with_ansi(false).with_env_filter(filter).try_init();
    Ok(Some(guard))
}

/// What the dashboard needs to send reminders. A broken reminder configuration does not
/// stop the dashboard: the reason is shown when the tutor tries to send.
pub fn reminders_for(
    p: &Prepared,
) -> (Option<crate::reminders::Reminders>, Option<crate::reminders::Transport>, Option<String>) {
    let loc = Locale::new(p.lang);
    let rem = match crate::reminders::Reminders::from_config(&p.config, p.lang) {
        Ok(r) => r,
        Err(e) => return (None, None, Some(crate::reminders::describe::error_text(&e, &loc))),
    };
    let env = |k: &str| std::env::var(k).ok();
    match crate::reminders::Transport::from_config(&p.config, p.demo, p.data_dir.as_deref(), &env) {
        Ok(t) => (Some(rem), Some(t), None),
        Err(e) => (Some(rem), None, Some(crate::reminders::describe::transport_error_text(&e, &loc))),
    }
}
