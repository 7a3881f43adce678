//! The shared database: one `Store` over native SQLite and PostgreSQL pools.
//!
//! SQL is shared as `&'static str` with `$N` placeholders (SQLite accepts them); the
//! `with_pool!`/`with_tx!` macros compile one body for each backend, so a query is written
//! once and runs on both with native types. Branch only where the dialects really differ.

pub mod bulk;
pub mod cohorts;
pub mod courses;
pub mod demo;
pub mod describe;
pub mod generate;
pub mod history;
pub mod import;
pub mod learners;
pub mod lenient;
pub mod outbox;
pub mod people;
pub mod progress;
pub mod reminders;
pub mod report;
pub mod sync;
pub mod triage;
pub mod world;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// Runs `$body` with `$pool` bound to the native pool of whichever backend is in use.
/// Reads only: a write goes through [`Store::begin_write`], `with_tx!` or `with_write!`,
/// which refuse it when the database is read-only or its file was lost.
#[macro_export]
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $crate::store::Store::pool($store) {
            $crate::store::Pool::Sqlite($pool) => $body,
            $crate::store::Pool::Pg($pool) => $body,
        }
    };
}

/// `with_pool!` for one write statement: refused up front (`?`) when the store may not write.
#[macro_export]
macro_rules! with_write {
    ($store:expr, |$pool:ident| $body:expr) => {{
        $crate::store::Store::check_writable($store)?;
        $crate::with_pool!($store, |$pool| $body)
    }};
}

/// Runs `$body` inside one write transaction (`BEGIN IMMEDIATE` on SQLite, so that two
/// processes on one file queue on the lock instead of failing later). An error returned
/// with `?` inside the body drops the transaction, which rolls it back.
#[macro_export]
macro_rules! with_tx {
    ($store:expr, |$tx:ident| $body:expr) => {{
        $crate::store::Store::check_writable($store)?;
        match $crate::store::Store::pool($store) {
            $crate::store::Pool::Sqlite(pool) => {
                #[allow(unused_mut)]
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::store::Pool::Pg(pool) => {
                #[allow(unused_mut)]
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    }};
}

/// The database: a native pool of either backend, and what this process knows about it
/// (opened read-only; the SQLite file it opened, to notice it being deleted or replaced).
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    guard: Arc<Guard>,
}

#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

#[derive(Debug, Default)]
struct Guard {
    label: String,
    read_only: bool,
    /// The SQLite file as opened: its path and identity (device, inode).
    file: Option<(PathBuf, FileId)>,
}

/// A file's identity: the same path may later name another file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

impl FileId {
    pub fn of(path: &Path) -> std::io::Result<FileId> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path)?;
        Ok(FileId { dev: m.dev(), ino: m.ino() })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {label}: {reason}")]
    Connect { label: String, reason: String },
    #[error("cannot prepare database {label}: {reason}")]
    Migrate { label: String, reason: String },
    #[error("{}", describe(.0))]
    Sql(sqlx::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// Opened read-only (the file is not writable): every write is refused up front.
    #[error("{label} is read-only: nothing can be changed (open it with write access to edit)")]
    ReadOnly { label: String },
    /// The SQLite file was deleted or replaced since it was opened: a write would go to a
    /// file nobody will ever read again.
    #[error(
        "{label}: the database file was {what} while tutorat was running; nothing was saved (restart tutorat)"
    )]
    Lost { label: String, what: &'static str },
    /// The schema is newer than this program knows.
    #[error(
        "{label} was made by a newer tutorat (schema version {found}, this one knows up to {known}); upgrade tutorat"
    )]
    TooNew { label: String, found: i64, known: i64 },
    /// A username that is not in the database (the tutor would see nothing).
    #[error("{}", unknown_tutor(.username, .suggestion.as_deref()))]
    UnknownTutor { username: String, suggestion: Option<String> },
}

fn unknown_tutor(username: &str, suggestion: Option<&str>) -> String {
    if username.trim().is_empty() {
        return "no tutor given: set --tutor USERNAME, [tutor] username or $USER".into();
    }
    match suggestion {
        Some(s) => {
            format!("tutor {username:?} is not in the database (usernames are case-sensitive: {s:?}?)")
        }
        None => format!("tutor {username:?} is not in the database; use --tutor USERNAME"),
    }
}

impl From<sqlx::Error> for StoreError {
    /// Every database error is logged where it happens (the caller may only show it).
    #[track_caller]
    fn from(e: sqlx::Error) -> Self {
        tracing::warn!(at = %std::panic::Location::caller(), error = %describe(&e), "database error");
        StoreError::Sql(e)
    }
}

/// sqlx's messages, made to read as one line a user can act on.
pub fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_string(),
        sqlx::Error::PoolTimedOut => "the database did not answer in time".into(),
        sqlx::Error::Io(io) => format!("connection failed: {io}"),
        sqlx::Error::PoolClosed => "the database connection was closed".into(),
        other => other.to_string().replace('\n', " "),
    }
}

impl StoreError {
    /// Whether retrying later may succeed (lost server, busy file) rather than bad data.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Sql(e) => {
                matches!(e, sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed)
                    || e.as_database_error()
                        .map(|d| d.message().contains("locked") || d.message().contains("busy"))
                        .unwrap_or(false)
            }
            StoreError::Connect { .. } => true,
            _ => false,
        }
    }

    /// A problem the user fixes outside tutorat (configuration, file, account): the CLI
    /// exits with code 2 for these.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            StoreError::Connect { .. }
                | StoreError::Migrate { .. }
                | StoreError::ReadOnly { .. }
                | StoreError::Lost { .. }
                | StoreError::TooNew { .. }
                | StoreError::UnknownTutor { .. }
                | StoreError::Forbidden(_)
                | StoreError::Invalid(_)
        )
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone, Debug, PartialEq)]
pub enum DbTarget {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DbTarget {
    /// `postgres://…`/`postgresql://…`, `sqlite://path`, `sqlite:path`, or a plain file path.
    pub fn parse(url: &str) -> DbTarget {
        let u = url.trim();
        if u.starts_with("postgres://") || u.starts_with("postgresql://") {
            return DbTarget::Postgres(u.to_string());
        }
        let path = u.strip_prefix("sqlite://").or_else(|| u.strip_prefix("sqlite:")).unwrap_or(u);
        // Query options such as `?mode=rwc` are ours to set, not the user's.
        let path = path.split('?').next().unwrap_or(path);
        DbTarget::Sqlite(PathBuf::from(path))
    }

    /// Like [`DbTarget::parse`], but refuses a URL of another database (`mysql://…`), which
    /// would otherwise be read as a file name.
    pub fn try_parse(url: &str) -> std::result::Result<DbTarget, String> {
        let u = url.trim();
        if u.is_empty() {
            return Err("empty database URL".into());
        }
        if let Some((scheme, _)) = u.split_once("://") {
            let s = scheme.to_ascii_lowercase();
            if !matches!(s.as_str(), "sqlite" | "postgres" | "postgresql") {
                return Err(format!(
                    "unsupported database URL {scheme}://…: use a SQLite file path, sqlite://PATH or postgres://USER@HOST/DB"
                ));
            }
            if s != scheme {
                return Ok(DbTarget::parse(&format!("{s}://{}", &u[scheme.len() + 3..])));
            }
        }
        Ok(DbTarget::parse(u))
    }

    /// What the title line shows: `sqlite:<file>` or `postgres:<host>/<db>` (never a password).
    pub fn label(&self) -> String {
        match self {
            DbTarget::Sqlite(p) => format!("sqlite:{}", p.display()),
            DbTarget::Postgres(url) => match PgConnectOptions::from_str(url) {
                Ok(o) => {
                    format!("postgres:{}/{}", o.get_host(), o.get_database().unwrap_or(o.get_username()))
                }
                Err(_) => "postgres:?".into(),
            },
        }
    }
}

#[derive(Clone, Debug)]
pub struct ConnectOptions {
    pub max_connections: u32,
    pub timeout: Duration,
    /// Create a missing SQLite file. `false` for commands that only use an existing
    /// database: a typo in `--db` is then an error, not a new empty file.
    pub create: bool,
    /// Open read-only even when the file is writable (a file this process may not write
    /// is always opened read-only).
    pub read_only: bool,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions { max_connections: 4, timeout: Duration::from_secs(5), create: true, read_only: false }
    }
}

pub fn sqlite_options(path: &Path, timeout: Duration) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(timeout)
        .foreign_keys(true)
        // 16 MiB of page cache per connection instead of 2: opening a 10,000-learner course
        // touches more pages than 2 MiB hold, and each miss is a read() from the OS (measured:
        // 50 ms → 39 ms for that query; more cache gained nothing).
        .pragma("cache_size", "-16384")
        // Sorts and statement journals in memory; set at connect time because SQLite refuses
        // to change it inside a transaction once temporary storage has been used.
        .pragma("temp_store", "memory")
}

/// A file this process may not write: the file's own journal mode is kept (switching it
/// to WAL would be a write).
fn sqlite_read_only(path: &Path, timeout: Duration, immutable: bool) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(immutable)
        .create_if_missing(false)
        .busy_timeout(timeout)
        .foreign_keys(true)
        .pragma("cache_size", "-16384")
        .pragma("temp_store", "memory")
}

/// Whether this process may write the file (permissions, read-only mount).
fn file_is_writable(path: &Path) -> bool {
    match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(_) => true,
        Err(e) => {
            !matches!(e.kind(), std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem)
        }
    }
}

/// The schema versions this build knows, per backend.
fn known_versions(pool: &Pool) -> i64 {
    let m = match pool {
        Pool::Sqlite(_) => sqlx::migrate!("assets/migrations/sqlite"),
        Pool::Pg(_) => sqlx::migrate!("assets/migrations/postgres"),
    };
    m.iter().map(|m| m.version).max().unwrap_or(0)
}

/// What `schema_state` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// No tutorat schema at all (an empty file or database).
    Absent,
    /// Older than this build: `migrate` brings it up to date.
    Older,
    Current,
}

impl Store {
    /// Opens the database (creating a SQLite file if missing and `opts.create`) and checks
    /// that it answers. A SQLite file this process cannot write is opened read-only: every
    /// write is then refused up front ([`StoreError::ReadOnly`]); see [`Store::is_read_only`].
    pub async fn connect(target: &DbTarget, opts: &ConnectOptions) -> Result<Store> {
        let label = target.label();
        let fail = |reason: String| StoreError::Connect { label: label.clone(), reason };
        match target {
            DbTarget::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.is_dir()) {
                    return Err(fail(format!(
                        "directory {} does not exist; create it or choose another path",
                        dir.display()
                    )));
                }
                let exists = path.exists();
                if !exists && !opts.create {
                    return Err(fail(format!(
                        "no database at {}; check the path, or create it with `tutorat --db {} migrate`",
                        path.display(),
                        path.display()
                    )));
                }
                if !opts.create && path.is_file() && std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
                    return Err(fail(format!(
                        "{} is empty, not a tutorat database; check the path, or create it with `tutorat migrate`",
                        path.display()
                    )));
                }
                let read_only = exists && path.is_file() && (opts.read_only || !file_is_writable(path));
                let pool_opts = || {
                    SqlitePoolOptions::new()
                        .max_connections(opts.max_connections.max(1))
                        .min_connections(1)
                        .acquire_timeout(opts.timeout)
                };
                let pool = if read_only {
                    const PROBE: &str = "SELECT COUNT(*) FROM sqlite_master";
                    let shared = async {
                        let pool =
                            pool_opts().connect_with(sqlite_read_only(path, opts.timeout, false)).await?;
                        sqlx::query_scalar::<_, i64>(PROBE).fetch_one(&pool).await.map(|_| pool)
                    };
                    match shared.await {
                        Ok(pool) => pool,
                        Err(e) => {
                            // A WAL file read by someone who may not create its `-shm`
                            // beside it: read it as a snapshot (nobody may write it from
                            // here anyway).
                            tracing::warn!(error = %describe(&e), "read-only WAL database: opened immutable");
                            pool_opts()
                                .connect_with(sqlite_read_only(path, opts.timeout, true))
                                .await
                                .map_err(|e| fail(describe(&e)))?
                        }
                    }
                } else {
                    pool_opts()
                        .connect_with(sqlite_options(path, opts.timeout).create_if_missing(opts.create))
                        .await
                        .map_err(|e| fail(describe(&e)))?
                };
                let id = FileId::of(path).map_err(|e| fail(e.to_string()))?;
                let guard = Guard { label, read_only, file: Some((path.clone(), id)) };
                Ok(Store { pool: Pool::Sqlite(pool), guard: Arc::new(guard) })
            }
            DbTarget::Postgres(url) => {
                let o = PgConnectOptions::from_str(url).map_err(|e| fail(describe(&e)))?;
                // One direct attempt first: a pool retries until its timeout and then
                // reports only that, hiding "connection refused" or "password failed".
                match tokio::time::timeout(opts.timeout, PgConnection::connect_with(&o)).await {
                    Err(_) => {
                        return Err(fail(format!("no answer within {} s", opts.timeout.as_secs())));
                    }
                    Ok(Err(e)) => return Err(fail(describe(&e))),
                    Ok(Ok(c)) => {
                        let _ = c.close().await;
                    }
                }
                let pool = PgPoolOptions::new()
                    .max_connections(opts.max_connections.max(1))
                    .min_connections(1)
                    .acquire_timeout(opts.timeout)
                    .connect_with(o)
                    .await
                    .map_err(|e| fail(describe(&e)))?;
                let guard = Guard { label, read_only: false, file: None };
                Ok(Store { pool: Pool::Pg(pool), guard: Arc::new(guard) })
            }
        }
    }

    /// The native pool (see `with_pool!`).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Pg(_) => "postgres",
        }
    }

    /// Opened read-only (the SQLite file is not writable by this user): say so at start.
    pub fn is_read_only(&self) -> bool {
        self.guard.read_only
    }

    /// Whether a write may go ahead now: refused when the database was opened read-only,
    /// or when the SQLite file was deleted or replaced since it was opened (its path no
    /// longer names the file we hold open). Every write path calls this first.
    pub fn check_writable(&self) -> Result<()> {
        if self.guard.read_only {
            return Err(StoreError::ReadOnly { label: self.guard.label.clone() });
        }
        self.check_file()
    }

    /// Whether the SQLite file is still the one opened (always true on PostgreSQL). The
    /// dashboard may call this on a timer to say so before the tutor tries to save.
    pub fn check_file(&self) -> Result<()> {
        let Some((path, id)) = &self.guard.file else { return Ok(()) };
        let what = match FileId::of(path) {
            Ok(now) if now == *id => return Ok(()),
            Ok(_) => "replaced",
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "deleted",
            Err(_) => "made unreadable",
        };
        let e = StoreError::Lost { label: self.guard.label.clone(), what };
        tracing::error!(error = %e, "database file lost");
        Err(e)
    }

    /// Where the schema stands, without changing anything; a schema newer than this build
    /// is an error ([`StoreError::TooNew`]).
    pub async fn schema_state(&self) -> Result<Schema> {
        const TABLE_SQLITE: &str =
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'";
        const TABLE_PG: &str = "SELECT COUNT(*) FROM information_schema.tables \
                                WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'";
        const APPLIED: &str = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
        let has_table: i64 = match &self.pool {
            Pool::Sqlite(p) => sqlx::query_scalar(TABLE_SQLITE).fetch_one(p).await?,
            Pool::Pg(p) => sqlx::query_scalar(TABLE_PG).fetch_one(p).await?,
        };
        if has_table == 0 {
            return Ok(Schema::Absent);
        }
        let found: i64 = with_pool!(self, |p| sqlx::query_scalar(APPLIED).fetch_one(p).await)?;
        let known = known_versions(&self.pool);
        Ok(if found > known {
            return Err(StoreError::TooNew { label: self.guard.label.clone(), found, known });
        } else if found < known {
            Schema::Older
        } else {
            Schema::Current
        })
    }

    /// Brings the schema up to date; safe to run at every start and from several processes.
    /// Refused for a schema made by a newer tutorat, and (with a clear message) for a
    /// read-only database that would need a change.
    pub async fn migrate(&self, label: &str) -> Result<()> {
        match self.schema_state().await? {
            Schema::Current => return Ok(()),
            _ if self.guard.read_only => {
                return Err(StoreError::Migrate {
                    label: label.to_string(),
                    reason: "it is read-only and its schema needs an update: open it once with write access"
                        .into(),
                });
            }
            _ => self.check_writable()?,
        }
        let res = match &self.pool {
            Pool::Sqlite(p) => sqlx::migrate!("assets/migrations/sqlite").run(p).await,
            Pool::Pg(p) => sqlx::migrate!("assets/migrations/postgres").run(p).await,
        };
        res.map_err(|e| StoreError::Migrate { label: label.to_string(), reason: e.to_string() })
    }

    pub async fn close(&self) {
        with_pool!(self, |p| p.close().await)
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        const SQL: &str = "SELECT value FROM meta WHERE key = $1";
        Ok(with_pool!(self, |p| sqlx::query_scalar(SQL).bind(key).fetch_optional(p).await)?)
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        const SQL: &str = "INSERT INTO meta (key, value) VALUES ($1, $2) \
                           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value";
        with_write!(self, |p| sqlx::query(SQL)
            .bind(key)
            .bind(value)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Whether the database holds any course or person (an empty one may receive the demo).
    pub async fn is_empty(&self) -> Result<bool> {
        const SQL: &str = "SELECT (SELECT COUNT(*) FROM courses) + (SELECT COUNT(*) FROM people)";
        let n: i64 = with_pool!(self, |p| sqlx::query_scalar(SQL).fetch_one(p).await)?;
        Ok(n == 0)
    }

    /// Deletes every row of every table (for `--demo --reset` on PostgreSQL, where the
    /// database cannot simply be removed like a file).
    pub async fn wipe(&self) -> Result<()> {
        const TABLES: &[&str] = &[
            "sync_conflicts",
            "sync_runs",
            "audit_log",
            "virtual_class_invitees",
            "virtual_classes",
            "reviews",
            "contact_notes",
            "reminder_attachments",
            "reminders",
            "connections",
            "attempts",
            "lesson_progress",
            "sessions",
            "enrolments",
            "cohort_courses",
            "cohort_members",
            "cohorts",
            "group_members",
            "course_groups",
            "course_tutors",
            "lesson_comments",
            "people",
            "lessons",
            "courses",
            "categories",
            "meta",
        ];
        with_tx!(self, |tx| {
            for t in TABLES {
                let sql = format!("DELETE FROM {t}");
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await.map(|r| r.rows_affected())?;
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_labels() {
        assert_eq!(
            DbTarget::parse("sqlite:///tmp/a.sqlite?mode=rwc"),
            DbTarget::Sqlite("/tmp/a.sqlite".into())
        );
        assert_eq!(DbTarget::parse("sqlite:rel.db"), DbTarget::Sqlite("rel.db".into()));
        assert_eq!(DbTarget::parse("/srv/t.sqlite"), DbTarget::Sqlite("/srv/t.sqlite".into()));
        let pg = DbTarget::parse("postgres://tutor:secret@db.example.org:5433/tutorat");
        assert_eq!(pg.label(), "postgres:db.example.org/tutorat");
        assert!(!pg.label().contains("secret"));
        assert_eq!(DbTarget::parse("/tmp/x.sqlite").label(), "sqlite:/tmp/x.sqlite");
    }

    #[test]
    fn other_databases_are_refused_not_read_as_files() {
        let e = DbTarget::try_parse("mysql://root@localhost/tutorat").unwrap_err();
        assert!(e.contains("unsupported database URL mysql://"), "{e}");
        assert!(DbTarget::try_parse("  ").is_err());
        assert_eq!(DbTarget::try_parse("/srv/t.sqlite"), Ok(DbTarget::Sqlite("/srv/t.sqlite".into())));
        assert_eq!(DbTarget::try_parse("SQLite:///t.db"), Ok(DbTarget::Sqlite("/t.db".into())));
        assert!(matches!(DbTarget::try_parse("PostgreSQL://h/db"), Ok(DbTarget::Postgres(_))));
    }
}
