//! Test databases: a temporary SQLite file, and a fresh PostgreSQL database per test on the
//! server named by `TUTORAT_TEST_PG` (default: the local server, trust auth).
//!
//! Without a reachable PostgreSQL server the PG half of each test is skipped with a message,
//! except under `CI=true`, where it fails: CI must run the PostgreSQL suite for real.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use tutorat::store::{ConnectOptions, DbTarget, Store};

pub const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

pub struct TestDb {
    pub store: Store,
    pub target: DbTarget,
    #[allow(dead_code)]
    guard: Guard,
}

enum Guard {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Pg { admin_url: String, name: String },
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Guard::Pg { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs outside async; use a private runtime on a helper thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    if let Ok(pool) = sqlx::PgPool::connect(&admin_url).await {
                        let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                        let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await;
                        pool.close().await;
                    }
                });
            })
            .join();
        }
    }
}

impl TestDb {
    pub fn label(&self) -> String {
        self.target.label()
    }

    pub fn url(&self) -> String {
        match &self.target {
            DbTarget::Sqlite(p) => format!("sqlite://{}", p.display()),
            DbTarget::Postgres(u) => u.clone(),
        }
    }
}

// No explicit pool close on drop: on a current-thread test runtime that would wait on the
// very runtime the drop blocks. `DROP DATABASE … WITH (FORCE)` ends open connections.

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = DbTarget::Sqlite(dir.path().join("test.sqlite"));
    let store = Store::connect(&target, &ConnectOptions::default()).await.expect("open sqlite");
    store.migrate(&target.label()).await.expect("migrate sqlite");
    TestDb { store, target, guard: Guard::Sqlite(dir) }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn pg_admin_url() -> String {
    std::env::var("TUTORAT_TEST_PG").unwrap_or_else(|_| DEFAULT_PG.to_string())
}

pub fn in_ci() -> bool {
    std::env::var("CI").map(|v| !v.is_empty() && v != "false" && v != "0").unwrap_or(false)
}

/// Creates an empty, uniquely named database; `None` (with a message) when no server answers
/// outside CI.
pub async fn pg_empty_database() -> Option<(String, String)> {
    let admin = pg_admin_url();
    let pool = match sqlx::PgPool::connect(&admin).await {
        Ok(p) => p,
        Err(e) => {
            if in_ci() {
                panic!("PostgreSQL at {admin} is unreachable in CI: {e}");
            }
            eprintln!("SKIPPED PostgreSQL half: {admin} unreachable ({e}); set TUTORAT_TEST_PG");
            return None;
        }
    };
    let name = format!(
        "tutorat_t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
    );
    let sql = format!("CREATE DATABASE \"{name}\"");
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await.expect("create test database");
    pool.close().await;
    let (base, _) = admin.rsplit_once('/').expect("database URL ends with /dbname");
    Some((admin.clone(), format!("{base}/{name}")))
}

pub async fn postgres() -> Option<TestDb> {
    let (admin_url, url) = pg_empty_database().await?;
    let name = url.rsplit('/').next().unwrap().to_string();
    let target = DbTarget::Postgres(url);
    let store = Store::connect(&target, &ConnectOptions::default()).await.expect("open postgres");
    store.migrate(&target.label()).await.expect("migrate postgres");
    Some(TestDb { store, target, guard: Guard::Pg { admin_url, name } })
}

/// Declares one test per backend that run the same body:
/// `both!(name, |db| async { ... })` gives `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both {
    ($name:ident, |$db:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $db = $crate::support::sqlite().await;
                assert_eq!($db.store.backend(), "sqlite", "this half must run on SQLite");
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some($db) = $crate::support::postgres().await else {
                    return;
                };
                assert_eq!($db.store.backend(), "postgres", "this half must run on PostgreSQL");
                $body
            }
        }
    };
}

pub mod edit_fixture;
pub mod fixture;
pub mod import;
pub mod pty;
pub mod remind;
pub mod smtp;
pub mod triage_fixture;
pub mod ui;

/// For tests without an async runtime of their own.
pub fn pg_empty_database_blocking() -> Option<(String, String)> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(pg_empty_database())
}

pub fn drop_pg_database_blocking(url: &str) {
    let name = url.rsplit('/').next().unwrap().to_string();
    drop(Guard::Pg { admin_url: pg_admin_url(), name });
}
