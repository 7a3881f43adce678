//! The shared database: one `Store` over native SQLite and PostgreSQL pools.
//!
//! SQL is shared as `&'static str` with `$N` placeholders (SQLite accepts them); the
//! `with_pool!`/`with_tx!` macros compile one body for each backend, so a query is written
//! once and runs on both with native types. Branch only where the dialects really differ.

pub mod bulk;
pub mod courses;
pub mod demo;
pub mod generate;
pub mod history;
pub mod learners;
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
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// Runs `$body` with `$pool` bound to the native pool of whichever backend is in use.
#[macro_export]
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite($pool) => $body,
            $crate::store::Store::Pg($pool) => $body,
        }
    };
}

/// Runs `$body` inside one write transaction (`BEGIN IMMEDIATE` on SQLite, so that two
/// processes on one file queue on the lock instead of failing later). An error returned
/// with `?` inside the body drops the transaction, which rolls it back.
#[macro_export]
macro_rules! with_tx {
    ($store:expr, |$tx:ident| $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite(pool) => {
                #[allow(unused_mut)]
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::store::Store::Pg(pool) => {
                #[allow(unused_mut)]
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {label}: {reason}")]
    Connect { label: String, reason: String },
    #[error("cannot prepare database {label}: {reason}")]
    Migrate { label: String, reason: String },
    #[error("{}", describe(.0))]
    Sql(#[from] sqlx::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("not allowed: {0}")]
    Forbidden(String),
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
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions { max_connections: 4, timeout: Duration::from_secs(5) }
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

impl Store {
    /// Opens the database (creating a SQLite file if missing) and checks that it answers.
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
                let pool = SqlitePoolOptions::new()
                    .max_connections(opts.max_connections.max(1))
                    .min_connections(1)
                    .acquire_timeout(opts.timeout)
                    .connect_with(sqlite_options(path, opts.timeout))
                    .await
                    .map_err(|e| fail(describe(&e)))?;
                Ok(Store::Sqlite(pool))
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
                Ok(Store::Pg(pool))
            }
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Pg(_) => "postgres",
        }
    }

    /// Brings the schema up to date; safe to run at every start and from several processes.
    pub async fn migrate(&self, label: &str) -> Result<()> {
        let res = match self {
            Store::Sqlite(p) => sqlx::migrate!("assets/migrations/sqlite").run(p).await,
            Store::Pg(p) => sqlx::migrate!("assets/migrations/postgres").run(p).await,
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
        with_pool!(self, |p| sqlx::query(SQL)
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
            "enrolments",
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
}
