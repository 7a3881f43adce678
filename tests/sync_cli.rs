//! `tutorat sync moodle` as scripts and cron run it: the real binary against the test
//! Moodle server, on a SQLite file. Exit codes, one-line errors, the JSON report, dry runs.

#[path = "support/moodle.rs"]
mod moodle;
#[path = "support/moodle_world.rs"]
mod moodle_world;
#[path = "support/pty.rs"]
mod pty;

use std::path::Path;
use std::process::Output;

use moodle::{Server, TOKEN};
use serde_json::Value;

async fn tutorat(home: &Path, db: &Path, args: &[&str], token: Option<&str>) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tutorat"));
    cmd.arg("--db")
        .arg(db)
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("DATABASE_URL")
        .env_remove("TUTORAT_CONFIG")
        .env_remove("TUTORAT_MOODLE_TOKEN")
        .env("LANG", "C.UTF-8");
    if let Some(t) = token {
        cmd.env("MOODLE_TOKEN_TEST", t);
    }
    cmd.output().await.expect("run tutorat")
}

/// A migrated database file: sync, like every command but `migrate`, never creates one.
async fn migrated(home: &Path) -> std::path::PathBuf {
    let db = home.join("t.sqlite");
    let out = tutorat(home, &db, &["migrate"], None).await;
    assert!(out.status.success(), "migrate: {}", String::from_utf8_lossy(&out.stderr));
    db
}

fn one_line_error(out: &Output, code: i32, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "stderr: {err}\nstdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(!out.stderr.contains(&0x1b) && !out.stdout.contains(&0x1b), "escape sequences");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_errors_are_one_line_and_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let db = migrated(home.path()).await;
    let out = tutorat(home.path(), &db, &["sync", "moodle"], None).await;
    one_line_error(&out, 2, "no Moodle address");
    let out = tutorat(
        home.path(),
        &db,
        &["sync", "moodle", "--url", "https://m.example.org", "--token-env", "MOODLE_TOKEN_TEST"],
        None,
    )
    .await;
    one_line_error(&out, 2, "MOODLE_TOKEN_TEST holds no token");
    let out = tutorat(
        home.path(),
        &db,
        &["sync", "moodle", "--url", "m.example.org", "--token-env", "MOODLE_TOKEN_TEST"],
        Some("x"),
    )
    .await;
    one_line_error(&out, 2, "is not a web address");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_from_the_command_line() {
    let server = Server::start(moodle_world::site()).await;
    let home = tempfile::tempdir().unwrap();
    let db = migrated(home.path()).await;
    let base = ["sync", "moodle", "--url", server.url.as_str(), "--token-env", "MOODLE_TOKEN_TEST"];
    let with =
        |extra: &[&'static str]| -> Vec<String> { base.iter().chain(extra).map(|s| s.to_string()).collect() };
    let run = |args: Vec<String>, token: &'static str| {
        let (home, db) = (home.path().to_path_buf(), db.clone());
        async move {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            tutorat(&home, &db, &a, Some(token)).await
        }
    };

    // A refused token, an unknown course: exit 2, one line, nothing written.
    one_line_error(&run(with(&[]), "wrong").await, 2, "Moodle refused the token");
    one_line_error(&run(with(&["--courses", "SEC101,NOPE"]), TOKEN).await, 2, "no course NOPE");

    // Dry run: the counts per table, nothing written.
    let out = run(with(&["--dry-run", "--courses", "SEC101"]), TOKEN).await;
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Dry run"), "{text}");
    assert!(text.contains("  enrolments: 6 added"), "{text}");
    assert!(text.contains("  people: 8 added"), "{text}");
    assert!(!text.contains("MGT200"), "{text}");
    let json = run(with(&["--json"]), TOKEN).await;
    assert_eq!(json.status.code(), Some(0), "{}", String::from_utf8_lossy(&json.stderr));
    assert!(
        json.stderr.is_empty(),
        "no progress without a terminal: {:?}",
        String::from_utf8_lossy(&json.stderr)
    );
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["dry_run"], false);
    assert_eq!(v["courses"][0]["shortname"], "SEC101");
    assert_eq!(v["courses"][0]["changes"]["enrolments"]["added"], 6, "the dry run wrote nothing");
    assert_eq!(v["totals"]["tables"]["people"]["added"], 8);
    assert_eq!(v["site"]["release"], moodle::RELEASE);

    // Again: nothing to change, said in text.
    let out = run(with(&[]), TOKEN).await;
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("nothing to change").count(), 2, "{text}");

    // A course the server fails on: the others are synced, exit 3.
    server.with(|s| {
        s.faults.http500.insert("core_course_get_contents".into());
        s.faults.only_course = Some(20);
    });
    let out = run(with(&[]), TOKEN).await;
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stdout));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("MGT200: not synced") && text.contains("HTTP 500"), "{text}");

    // French, as the interface.
    let out = run(with(&["--locale", "fr", "--courses", "SEC101"]), TOKEN).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("rien à changer"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bar_per_course_on_a_terminal_and_ctrl_c_leaves_the_course_as_it_was() {
    let mut site = moodle_world::site();
    // The second course never answers: Ctrl-C must not wait for the timeout.
    site.faults.hang.insert("core_enrol_get_enrolled_users".into());
    site.faults.only_course = Some(10);
    let server = Server::start(site).await;
    let home = tempfile::tempdir().unwrap();
    let db = migrated(home.path()).await;
    let (url, dbs, dir) = (server.url.clone(), db.display().to_string(), home.path().to_path_buf());
    let (screen, code) = tokio::task::spawn_blocking(move || {
        let mut env = pty::home_env(&dir, "C.UTF-8");
        env.push(("MOODLE_TOKEN_TEST", TOKEN.into()));
        let args = [
            "--db",
            &dbs,
            "sync",
            "moodle",
            "--url",
            &url,
            "--token-env",
            "MOODLE_TOKEN_TEST",
            "--courses",
            "MGT200,SEC101",
        ];
        let mut p = pty::Pty::spawn(&args, &env, 100, 30);
        p.wait_for("[1/2] MGT200", 20);
        p.wait_for("(1 / 1)", 20);
        std::thread::sleep(std::time::Duration::from_millis(300));
        let started = std::time::Instant::now();
        p.send("\x03");
        let status = p.wait_exit(10);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "Ctrl-C waited for the request");
        (p.screen(), status.exit_code())
    })
    .await
    .unwrap();
    assert_eq!(code, 130, "{screen}");
    assert!(screen.contains("100%"), "{screen}");
    assert!(screen.contains("SEC101: interrupted"), "{screen}");
    assert!(screen.contains("interrupted: the course being synced was left as it was"), "{screen}");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    let names: Vec<String> =
        sqlx::query_scalar("SELECT shortname FROM courses").fetch_all(&pool).await.unwrap();
    assert_eq!(names, ["MGT200"]);
    let status: String = sqlx::query_scalar("SELECT status FROM sync_runs").fetch_one(&pool).await.unwrap();
    assert_eq!(status, "cancelled");
}
