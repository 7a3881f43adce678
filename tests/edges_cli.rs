//! Trust at the edges, through the real binary (issue 18): unknown tutors, databases that
//! must not be created, closed pipes, one-line errors that are logged, checked
//! configuration, read-only and newer databases, and signals that stop `remind` within a
//! second with the outbox consistent.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::smtp::{Mode, Sink};

fn tutorat(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tutorat"));
    cmd.current_dir(home)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("USER", "mlefevre")
        .env_remove("LOGNAME")
        .env_remove("DATABASE_URL")
        .env_remove("TUTORAT_CONFIG")
        .env("LANG", "C.UTF-8");
    cmd
}

fn run(home: &Path, args: &[&str]) -> Output {
    tutorat(home).args(args).output().expect("run tutorat")
}

/// Exit code `code`, one line on stderr containing `needle`, and no developer trace.
fn assert_one_line(out: &Output, code: i32, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(!err.contains("Caused by") && !err.contains("Location:"), "a trace: {err:?}");
}

fn config(home: &Path, body: &str) -> String {
    let p = home.join("c.toml");
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

async fn world_db() -> (support::TestDb, tempfile::TempDir) {
    let db = support::sqlite().await;
    support::remind::world(&db.store).await;
    (db, tempfile::tempdir().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_tutor_is_an_error_in_every_command() {
    let (db, home) = world_db().await;
    let (h, url) = (home.path(), db.url());
    let remind = ["remind", "--course", "C01", "--all", "--template", "behind_schedule", "--dry-run"];
    for cmd in [&["triage"][..], &["triage", "--json"], &remind] {
        let out = run(h, &[&["--db", &url, "--tutor", "nobody"][..], cmd].concat());
        assert_one_line(&out, 2, "tutor \"nobody\" is not in the database");
        assert!(out.stdout.is_empty(), "nothing printed: {}", String::from_utf8_lossy(&out.stdout));
        // Usernames are case-sensitive; the one meant is suggested.
        let out = run(h, &[&["--db", &url, "--tutor", "MLEFEVRE"][..], cmd].concat());
        assert_one_line(&out, 2, "\"mlefevre\"?");
        // No --tutor, no [tutor] username, an empty $USER.
        let out = tutorat(h).args([&["--db", &url][..], cmd].concat()).env("USER", "").output().unwrap();
        assert_one_line(&out, 2, "no tutor given");
    }
    // The tutor that exists works.
    let out = run(h, &["--db", &url, "triage"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // migrate needs no tutor (a new database has nobody in it).
    let out = run(h, &["--db", &url, "--tutor", "nobody", "migrate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn only_the_dashboard_and_migrate_create_a_database() {
    let home = tempfile::tempdir().unwrap();
    let typo = home.path().join("tutorta.sqlite");
    let t = typo.to_str().unwrap();
    for cmd in [&["triage"][..], &["remind", "--resume"]] {
        let out = run(home.path(), &[&["--db", t][..], cmd].concat());
        assert_one_line(&out, 2, "no database at");
        assert!(!typo.exists(), "{cmd:?} created {t}");
    }
    // An existing file that is not a tutorat database is not turned into one either.
    std::fs::write(&typo, b"").unwrap();
    let out = run(home.path(), &["--db", t, "triage"]);
    assert_one_line(&out, 2, "not a tutorat database");
    assert_eq!(std::fs::metadata(&typo).unwrap().len(), 0);
    let out = run(home.path(), &["--db", t, "migrate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `tutorat triage | head`: the reader goes away; no trace, no panic, exit 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pipe_ends_quietly() {
    let (db, home) = world_db().await;
    let url = db.url();
    let remind = ["remind", "--course", "C01", "--all", "--template", "behind_schedule", "--dry-run"];
    let remind_json = [&remind[..], &["--json"]].concat();
    for cmd in [&["triage"][..], &["triage", "--json"], &remind, &remind_json] {
        let mut child = tutorat(home.path())
            .args([&["--db", &url][..], cmd].concat())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // closed before anything was written
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{cmd:?}: {err}");
        assert!(err.is_empty(), "{cmd:?}: {err}");
    }
}

/// A name that is not valid UTF-8 does not blank `triage` or `remind --dry-run`: the
/// learner is listed (with `�`), or skipped with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_damaged_name_does_not_blank_the_commands() {
    let (db, home) = world_db().await;
    const DAMAGE: &str = "UPDATE people SET lastname = CAST(X'427261C3' AS TEXT) WHERE username = $1";
    tutorat::with_pool!(&db.store, |p| sqlx::query(DAMAGE).bind("bruno").execute(p).await.map(|_| ()))
        .unwrap();
    let url = db.url();
    let out = run(home.path(), &["--db", &url, "triage", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> =
        rows.as_array().unwrap().iter().map(|r| r["learner"]["lastname"].as_str().unwrap()).collect();
    assert!(names.contains(&"Bra\u{FFFD}") && names.contains(&"Alpha"), "{names:?}");
    let out = run(
        home.path(),
        &[
            "--db",
            &url,
            "remind",
            "--course",
            "C01",
            "--all",
            "--template",
            "behind_schedule",
            "--dry-run",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["recipients"][0]["username"], "alice");
    let bruno = j["skipped"].as_array().unwrap().iter().find(|s| s["username"] == "bruno").unwrap();
    assert_eq!(bruno["reason"], "damaged_data");
}

/// A damaged database: one line, not a trace, and the error is in the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_one_line_and_logged() {
    let (db, home) = world_db().await;
    let h = home.path();
    let copy = h.join("damaged.sqlite");
    tutorat::with_pool!(&db.store, |p| sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(p)
        .await
        .map(|_| ()))
    .unwrap();
    let mut bytes = std::fs::read(db.url().trim_start_matches("sqlite://")).unwrap();
    let page = 4096;
    assert!(bytes.len() > 9 * page, "{} bytes", bytes.len());
    bytes[3 * page..8 * page].fill(0); // pages 4 to 8
    std::fs::write(&copy, &bytes).unwrap();
    let log = h.join("tutorat.log");
    let cfg = config(h, &format!("[log]\nfile = \"{}\"\n", log.display()));
    let out = run(h, &["--config", &cfg, "--db", copy.to_str().unwrap(), "triage"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(1 | 2)), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(!err.contains("Caused by") && !err.contains("Location:"), "{err}");
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(logged.contains("ERROR"), "not logged: {logged}");
    let first = err.trim().trim_start_matches("tutorat: ");
    assert!(logged.contains(first), "the printed error {first:?} is in the log: {logged}");
}

#[test]
fn configuration_that_cannot_work_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let db = h.join("t.sqlite").display().to_string();
    for (body, needle) in [
        ("[log]\nlevel = \"loud!!\"\n", "[log] level"),
        ("[log]\nfile = \"/nonexistent-dir/t.log\"\n", "directory /nonexistent-dir does not exist"),
        ("[reminders]\nmin_interval_hours = -1\n", "[reminders] min_interval_hours: -1"),
        ("[smtp]\ntimeout_secs = 0\n", "[smtp] timeout_secs"),
        ("[database]\nurl = \"mysql://root@localhost/tutorat\"\n", "unsupported database URL mysql://"),
    ] {
        let cfg = config(h, body);
        let out = run(h, &["--config", &cfg, "migrate"]);
        assert_one_line(&out, 2, needle);
    }
    let out = run(h, &["--db", "mysql://root@localhost/tutorat", "migrate"]);
    assert_one_line(&out, 2, "unsupported database URL mysql://");
    // Nothing was created under a name made of the URL.
    let made: Vec<_> = std::fs::read_dir(h).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(made.iter().all(|f| f == "c.toml" || f == "state"), "{made:?}");
    assert!(!Path::new(&db).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_made_by_a_newer_tutorat() {
    let (db, home) = world_db().await;
    const FUTURE: &str = "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                          VALUES ($1, 'from the future', TRUE, $2, 0)";
    tutorat::with_pool!(&db.store, |p| sqlx::query(FUTURE)
        .bind(99i64)
        .bind(vec![0u8])
        .execute(p)
        .await
        .map(|_| ()))
    .unwrap();
    for cmd in [&["triage"][..], &["migrate"]] {
        let out = run(home.path(), &[&["--db", &db.url()][..], cmd].concat());
        assert_one_line(&out, 2, "was made by a newer tutorat (schema version 99");
        assert!(String::from_utf8_lossy(&out.stderr).contains("upgrade tutorat"));
    }
}

/// A file the user may not write: opened read-only; what only reads works, what writes is
/// refused up front. (Run as another user when the tests run as root, who may write
/// anything.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database() {
    use std::os::unix::fs::PermissionsExt;
    let (db, home) = world_db().await;
    let h = home.path();
    std::fs::set_permissions(h, std::fs::Permissions::from_mode(0o755)).unwrap();
    let file = h.join("ro.sqlite");
    tutorat::with_pool!(&db.store, |p| sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(p)
        .await
        .map(|_| ()))
    .unwrap();
    std::fs::copy(db.url().trim_start_matches("sqlite://"), &file).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    let root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    let as_user = |args: &[&str]| {
        let mut cmd = if root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_tutorat")]);
            c
        } else {
            Command::new(env!("CARGO_BIN_EXE_tutorat"))
        };
        cmd.current_dir(h)
            .env("HOME", h)
            .env("XDG_STATE_HOME", h.join("state"))
            .env("USER", "mlefevre")
            .env_remove("DATABASE_URL")
            .env_remove("TUTORAT_CONFIG")
            .args(args)
            .output()
            .unwrap()
    };
    let f = file.to_str().unwrap();
    let outbox = h.join("outbox");
    std::fs::create_dir(&outbox).unwrap();
    std::fs::set_permissions(&outbox, std::fs::Permissions::from_mode(0o777)).unwrap();
    let cfg = config(h, &format!("[reminders]\noutbox_dir = \"{}\"\n", outbox.display()));
    let out = as_user(&["--db", f, "triage", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!rows.as_array().unwrap().is_empty());
    let remind =
        ["--config", &cfg, "--db", f, "remind", "--course", "C01", "--all", "--template", "behind_schedule"];
    let out = as_user(&remind);
    assert_one_line(&out, 2, "is read-only");
    // A dry run only reads: allowed.
    let out = as_user(&[&remind[..], &["--dry-run"]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// SIGINT, SIGTERM and SIGHUP stop `remind` within a second, even while it waits for a
/// server that went silent after the message; the outbox is left consistent (nothing
/// `sending`: the message in flight is uncertain, the rest still queued).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signals_stop_remind_within_a_second() {
    for signal in ["INT", "TERM", "HUP"] {
        let (db, home) = world_db().await;
        let h = home.path();
        let sink = Sink::start(Mode::SilentAfterMessage).await;
        let cfg = config(
            h,
            &format!(
                "[tutor]\nusername = \"mlefevre\"\n[log]\nfile = \"{}\"\n[reminders]\ntransport = \"smtp\"\n\
                 [smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom_address = \"t@exemple.fr\"\ntimeout_secs = 60\n",
                h.join("t.log").display(),
                sink.port
            ),
        );
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_tutorat"))
            .args(["--config", &cfg, "--db", &db.url(), "remind", "--course", "C01", "--all"])
            .args(["--template", "behind_schedule"])
            .env("HOME", h)
            .env_remove("DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let started = Instant::now();
        while sink.count() == 0 && started.elapsed() < Duration::from_secs(20) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(sink.count(), 1, "SIG{signal}: the first message reached the server");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let pid = child.id().unwrap().to_string();
        let sent = Instant::now();
        assert!(Command::new("kill").args(["-s", signal, &pid]).status().unwrap().success());
        let out = tokio::time::timeout(Duration::from_secs(5), child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("SIG{signal}: still running after 5 s"))
            .unwrap();
        let took = sent.elapsed();
        assert!(took < Duration::from_secs(1), "SIG{signal}: stopped after {took:?}");
        assert_eq!(out.status.code(), Some(3), "SIG{signal}: {}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("interrupted with 2 still queued"), "SIG{signal}: {stdout}");
        let statuses: Vec<String> = tutorat::with_pool!(&db.store, |p| sqlx::query_scalar(
            "SELECT status FROM reminders ORDER BY id"
        )
        .fetch_all(p)
        .await)
        .unwrap();
        assert_eq!(statuses, ["uncertain", "queued", "queued"], "SIG{signal}");
    }
}
