//! The command line outside the dashboard: version, migrate, and clear one-line errors
//! with exit code 2 that leave the terminal untouched.

mod support;

use std::process::{Command, Output};

fn tutorat(args: &[&str], home: &std::path::Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tutorat"));
    cmd.args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("DATABASE_URL")
        .env_remove("TUTORAT_CONFIG")
        .env("LANG", "C.UTF-8");
    cmd.output().expect("run tutorat")
}

/// A user error: exit code 2, one line on stderr, and no escape sequence anywhere (the
/// terminal was never touched).
fn assert_user_error(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(!out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b), "escape sequences written");
}

#[test]
fn version() {
    let home = tempfile::tempdir().unwrap();
    let out = tutorat(&["--version"], home.path());
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn malformed_config_names_key_and_line() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("c.toml");
    std::fs::write(&cfg, "[database]\nurl = \"\"\n[display]\ntheme = \"purple\"\n").unwrap();
    let out = tutorat(&["--config", cfg.to_str().unwrap(), "migrate"], home.path());
    assert_user_error(&out, "line 4: display.theme");
    std::fs::write(&cfg, "[display\nlocale = \"fr\"\n").unwrap();
    let out = tutorat(&["--config", cfg.to_str().unwrap(), "migrate"], home.path());
    assert_user_error(&out, "line 1");
}

#[test]
fn config_from_environment_and_missing_file() {
    let home = tempfile::tempdir().unwrap();
    let out = tutorat(&["--config", "/nonexistent/tutorat.toml", "migrate"], home.path());
    assert_user_error(&out, "cannot read config file /nonexistent/tutorat.toml");
    let cfg = home.path().join("env.toml");
    let db = home.path().join("from-env.sqlite");
    std::fs::write(&cfg, format!("[database]\nurl = \"{}\"\n", db.display())).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tutorat"));
    let out = cmd
        .arg("migrate")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("TUTORAT_CONFIG", &cfg)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(db.is_file(), "TUTORAT_CONFIG's database.url was used");
}

#[test]
fn unknown_locale() {
    let home = tempfile::tempdir().unwrap();
    let out = tutorat(&["--locale", "klingon", "migrate"], home.path());
    assert_user_error(&out, "unknown locale \"klingon\"");
}

#[test]
fn unreachable_and_unwritable_databases() {
    let home = tempfile::tempdir().unwrap();
    let out = tutorat(&["--db", "postgres://postgres@127.0.0.1:1/none", "migrate"], home.path());
    assert_user_error(&out, "cannot open database postgres:127.0.0.1/none");
    let out = tutorat(&["--db", "/nonexistent-dir/x.sqlite", "migrate"], home.path());
    assert_user_error(&out, "directory /nonexistent-dir does not exist");
    let out = tutorat(&["--db", "/proc/tutorat.sqlite", "migrate"], home.path());
    assert_user_error(&out, "cannot open database sqlite:/proc/tutorat.sqlite");
    // A directory where the file should be.
    let out = tutorat(&["--db", home.path().to_str().unwrap(), "migrate"], home.path());
    assert_user_error(&out, "cannot open database");
}

#[test]
fn postgres_wrong_database_is_a_clear_error() {
    let Some((_admin, scratch)) = support::pg_empty_database_blocking() else {
        return;
    };
    support::drop_pg_database_blocking(&scratch);
    let home = tempfile::tempdir().unwrap();
    let base = support::pg_admin_url();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    let out = tutorat(&["--db", &format!("{prefix}/tutorat_no_such_db"), "migrate"], home.path());
    assert_user_error(&out, "database \"tutorat_no_such_db\" does not exist");
}

#[test]
fn migrate_on_sqlite_and_postgres() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("new.sqlite");
    let out = tutorat(&["--db", db.to_str().unwrap(), "migrate"], home.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("schema up to date"));
    assert!(db.is_file());

    let Some((_admin, url)) = support::pg_empty_database_blocking() else {
        return;
    };
    let out = tutorat(&["--db", &url, "migrate"], home.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Running it again is harmless.
    let out = tutorat(&["--db", &url, "migrate"], home.path());
    assert!(out.status.success());
    support::drop_pg_database_blocking(&url);
}

#[test]
fn dashboard_needs_a_terminal() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("t.sqlite");
    let out = tutorat(&["--db", db.to_str().unwrap()], home.path());
    assert_user_error(&out, "needs a terminal");
}

#[test]
fn demo_refuses_a_database_with_other_data() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("real.sqlite");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let target = tutorat::store::DbTarget::Sqlite(db.clone());
        let store = tutorat::store::Store::connect(&target, &Default::default()).await.unwrap();
        store.migrate("t").await.unwrap();
        let mut fx = support::fixture::Fx::new(&store).await;
        fx.person("someone", "Real", "Person").await;
        fx.done().await;
        store.close().await;
    });
    let out = tutorat(&["--demo", "--db", db.to_str().unwrap()], home.path());
    assert_user_error(&out, "already holds data that is not the demo");
    let out = tutorat(&["--reset", "--db", db.to_str().unwrap()], home.path());
    assert_eq!(out.status.code(), Some(2), "--reset needs --demo");
}
