//! `tutorat import users`, `cohort …` and `session new` through the real binary: their
//! output, JSON and exit codes (0, 2 with one line and nothing written, 3), the Moodle CSV
//! file, and a closed pipe.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use support::import::{count, people, world};

fn fixture_path(name: &str) -> String {
    format!("{}/tests/fixtures/import/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn write_config(home: &Path) -> PathBuf {
    let p = home.join("config.toml");
    let text = format!(
        "[log]\nfile = \"{}\"\n[import]\nestablishment_code = \"dam023\"\nmatricule_prefix = \"000\"\n\
         fictitious_email = \"{{username}}.fictif@anfh.fr\"\n[display]\ntimezone = \"UTC\"\n",
        home.join("tutorat.log").display()
    );
    std::fs::write(&p, text).unwrap();
    p
}

fn tutorat(home: &Path, db: &str, args: &[&str]) -> Output {
    command(home, db, args).output().unwrap()
}

fn command(home: &Path, db: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tutorat"));
    cmd.arg("--db")
        .arg(db)
        .arg("--config")
        .arg(write_config(home))
        .arg("--locale")
        .arg("en")
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("DATABASE_URL")
        .env_remove("TUTORAT_CONFIG");
    cmd
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Exit 2, one line on stderr holding `needle`.
fn assert_refused(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}\nstdout: {}", stdout(o));
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_users_dry_run_then_import_then_again() {
    let db = support::sqlite().await;
    world(&db.store).await;
    let home = tempfile::tempdir().unwrap();
    let (h, url) = (home.path(), db.url());
    let file = fixture_path("semicolons_bom.csv");

    let o = tutorat(h, &url, &["import", "users", &file, "--dry-run", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j = json(&o);
    assert_eq!((j["encoding"].as_str(), j["delimiter"].as_str()), (Some("utf-8-bom"), Some(";")));
    assert_eq!(j["counts"]["new"], 4);
    assert_eq!(j["rows"][2]["username"], "dam023.p.dupond");
    assert_eq!(j["rows"][2]["email_fictitious"], true);
    assert_eq!(j["rows"][0]["phone1"], "06 12 34 56 78");
    assert_eq!(count(&db.store, "people").await, 2, "a dry run writes nothing");

    let o = tutorat(h, &url, &["import", "users", &file, "--dry-run"]);
    let out = stdout(&o);
    assert!(out.contains("semicolons_bom.csv: UTF-8 (BOM), delimiter \";\""), "{out}");
    assert!(out.contains("The password column is never stored by tutorat."), "{out}");
    assert!(out.contains("4 new, 0 existing, 0 with errors"), "{out}");
    assert!(out.contains("Dry run: nothing was written."), "{out}");

    let o = tutorat(h, &url, &["import", "users", &file]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("4 people created, 0 updated"), "{}", stdout(&o));
    let after = people(&db.store).await;
    assert_eq!(after.len(), 6);

    let o = tutorat(h, &url, &["import", "users", &file, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j = json(&o);
    assert_eq!((j["counts"]["existing"].as_u64(), j["result"]["created"].as_u64()), (Some(4), Some(0)));
    assert_eq!(people(&db.store).await, after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_files_exit_2_and_write_nothing() {
    let db = support::sqlite().await;
    world(&db.store).await;
    let home = tempfile::tempdir().unwrap();
    let (h, url) = (home.path(), db.url());
    let before = people(&db.store).await;

    let o = tutorat(h, &url, &["import", "users", &fixture_path("hostile.csv")]);
    assert_refused(&o, "6 lines have errors: nothing was imported");
    let out = stdout(&o);
    for needle in [
        "line 2",
        "warning: firstname: control or invisible characters removed",
        "error: last name is too long (300 characters, at most 100)",
        "error: e-mail \"carl.exemple.fr\" has no @",
        "error: enroltimestart1 \"31/02/2026\": no such day",
        "error: no course with short name \"NOPE\"",
    ] {
        assert!(out.contains(needle), "{needle:?} in {out}");
    }
    assert!(!out.contains('\u{1b}') && !out.contains('\u{202e}'), "escape sequences reached the terminal");
    assert_eq!(people(&db.store).await, before);

    let o = tutorat(h, &url, &["import", "users", &fixture_path("hostile.csv"), "--json"]);
    assert_eq!(o.status.code(), Some(2));
    let j = json(&o);
    assert_eq!(j["counts"]["error"], 6);
    assert_eq!(j["rows"][4]["reasons"][0]["code"], "bad_date");
    assert_eq!(j["rows"][4]["line"], 6);

    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    let o = tutorat(h, &url, &["import", "users", &write("empty.csv", b"")]);
    assert_refused(&o, "the file is empty: nothing was imported");
    let o = tutorat(h, &url, &["import", "users", &write("head.csv", b"firstname,lastname\n")]);
    assert_refused(&o, "the file has a header and no data");
    let o = tutorat(h, &url, &["import", "users", &write("nolast.csv", b"firstname,email\nA,a@b.fr\n")]);
    assert_refused(&o, "line 1: the column lastname is missing");
    let o = tutorat(h, &url, &["import", "users", &fixture_path("semicolons_bom.csv"), "--delimiter", ","]);
    assert_refused(&o, "it looks like \";\"");
    let garbage: Vec<u8> = (0..20_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 9) as u8).collect();
    let o = tutorat(h, &url, &["import", "users", &write("garbage.csv", &garbage)]);
    assert_refused(&o, "not a text (CSV) file");
    let big = write("big.csv", &vec![b'a'; 50 * 1024 * 1024]);
    let o = tutorat(h, &url, &["import", "users", &big]);
    assert_refused(&o, "more than [import] max_file_mb (10.0 MB)");
    let o = tutorat(h, &url, &["import", "users", "/nonexistent/file.csv"]);
    assert_refused(&o, "cannot read /nonexistent/file.csv");
    let o = tutorat(h, &url, &["import", "users", &fixture_path("duplicates.csv"), "--delimiter", "|"]);
    assert_refused(&o, "--delimiter \"|\"");
    assert_eq!(people(&db.store).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moodle_csv_is_written_and_a_failure_to_write_it_is_exit_3() {
    let db = support::sqlite().await;
    world(&db.store).await;
    let home = tempfile::tempdir().unwrap();
    let (h, url) = (home.path(), db.url());
    let out = home.path().join("moodle.csv");
    let o = tutorat(
        h,
        &url,
        &[
            "import",
            "users",
            &fixture_path("windows1252.csv"),
            "--dry-run",
            "--write-moodle-csv",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("username,firstname,lastname,email,institution,city\r\n"), "{text}");
    assert!(
        text.contains(
            "dam023.e.lefevre,Éloïse,LEFÈVRE,eloise.lefevre@exemple.fr,CH Buis-les-Baronnies,Nyons"
        ),
        "{text}"
    );
    assert_eq!(count(&db.store, "people").await, 2);

    let o = tutorat(
        h,
        &url,
        &[
            "import",
            "users",
            &fixture_path("windows1252.csv"),
            "--write-moodle-csv",
            "/nonexistent/dir/m.csv",
        ],
    );
    assert_refused(&o, "directory /nonexistent/dir does not exist");
    assert_eq!(count(&db.store, "people").await, 2);

    // A directory where the file should go: imported, but the Moodle CSV is not written.
    let o = tutorat(
        h,
        &url,
        &[
            "import",
            "users",
            &fixture_path("windows1252.csv"),
            "--write-moodle-csv",
            home.path().to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("could not be written"));
    assert_eq!(count(&db.store, "people").await, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cohorts_from_the_command_line() {
    let db = support::sqlite().await;
    world(&db.store).await;
    let home = tempfile::tempdir().unwrap();
    let (h, url) = (home.path(), db.url());
    let o = tutorat(h, &url, &["cohort", "list"]);
    assert!(stdout(&o).contains("No cohort yet."));
    tutorat(h, &url, &["import", "users", &fixture_path("semicolons_bom.csv")]);

    let o = tutorat(h, &url, &["cohort", "list", "--json"]);
    let j = json(&o);
    assert_eq!((j[0]["name"].as_str(), j[0]["members"].as_i64()), (Some("Cohorte_Ex25"), Some(3)));
    let o = tutorat(h, &url, &["cohort", "sync", "Cohorte_Ex25", "--course", "SUPPORT", "--dry-run"]);
    assert!(
        stdout(&o).contains(
            "Cohorte_Ex25 synced with SUPPORT: 3 enrolled, 0 enrolled again, 0 enrolments ended (new sync)"
        ),
        "{}",
        stdout(&o)
    );
    assert_eq!(count(&db.store, "enrolments").await, 0);
    let o = tutorat(h, &url, &["cohort", "sync", "Cohorte_Ex25", "--course", "SUPPORT", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["enrolled"], 3);
    let o = tutorat(h, &url, &["cohort", "show", "Cohorte_Ex25"]);
    let out = stdout(&o);
    assert!(out.contains("Cohort Cohorte_Ex25 (Cohorte_Ex25): 3 members"), "{out}");
    assert!(out.contains("Synced with: SUPPORT"), "{out}");
    assert!(out.contains("BLONDEL Valentin  dam023.v.blondel  V.Blondel@anfh.fr"), "{out}");
    let o = tutorat(h, &url, &["cohort", "remove", "Cohorte_Ex25", "dam023.v.blondel"]);
    assert!(stdout(&o).contains("1 removed from Cohorte_Ex25; 1 enrolments ended"), "{}", stdout(&o));
    let o = tutorat(h, &url, &["cohort", "sync", "Nope", "--course", "SUPPORT"]);
    assert_refused(&o, "no cohort named \"Nope\"");
    let o = tutorat(h, &url, &["cohort", "show", "Nope"]);
    assert_refused(&o, "no cohort named \"Nope\"");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_new_from_the_command_line() {
    let db = support::sqlite().await;
    world(&db.store).await;
    let home = tempfile::tempdir().unwrap();
    let (h, url) = (home.path(), db.url());
    let base = [
        "session",
        "new",
        "--model",
        "QVT-MODELE",
        "--from",
        "05/01/2026",
        "--to",
        "2026-02-28",
        "--order",
        "CMD-1",
        "--tutor",
        "mlefevre",
        "--support-course",
        "SUPPORT",
    ];
    let learners = fixture_path("existing.csv");
    let o = tutorat(h, &url, &[&base[..], &["--learners", &learners, "--dry-run"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for needle in [
        "Session course: Session du 05-01-2026 au 28-02-2026_Qualité de vie au travail (QVT)",
        "Model: Qualité de vie au travail (QVT) (3 lessons copied)",
        "Group: CMD-1 (order CMD-1)",
        "Tutors: LEFÈVRE Marie (mlefevre)",
        "Learners: 1 new accounts, 2 existing",
        "Dry run: nothing was written.",
    ] {
        assert!(out.contains(needle), "{needle:?} in {out}");
    }
    assert_eq!(count(&db.store, "courses").await, 2);

    let o = tutorat(h, &url, &[&base[..], &["--learners", &learners, "--json"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j = json(&o);
    assert_eq!(j["result"]["learners_enrolled"], 3);
    assert_eq!(j["result"]["support_enrolled"], 3);
    assert_eq!(j["result"]["people"]["created"], 1);
    assert_eq!(count(&db.store, "courses").await, 3);

    let o = tutorat(h, &url, &[&base[..], &["--learners", &learners]].concat());
    assert_refused(&o, "already exists");
    let o = tutorat(
        h,
        &url,
        &["session", "new", "--model", "QVT-MODELE", "--from", "31/02/2026", "--to", "2026-03-01"],
    );
    assert_refused(&o, "--from \"31/02/2026\": no such day");
    let o = tutorat(
        h,
        &url,
        &["session", "new", "--model", "QVT-MODELE", "--from", "1767571200", "--to", "2026-03-01"],
    );
    assert_refused(&o, "write dates as 2026-01-05 or 05/01/2026");
    let o = tutorat(
        h,
        &url,
        &[
            "session",
            "new",
            "--model",
            "QVT-MODELE",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--learners",
            &fixture_path("hostile.csv"),
        ],
    );
    assert_refused(&o, "6 lines have errors");
    assert_eq!(count(&db.store, "courses").await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pipe_ends_quietly() {
    let db = support::sqlite().await;
    world(&db.store).await;
    let home = tempfile::tempdir().unwrap();
    // A long preview into a pipe nobody reads.
    let mut csv = String::from("firstname,lastname,email\n");
    for i in 0..3000 {
        csv.push_str(&format!("P{i},N{i},p{i}@exemple.fr\n"));
    }
    let f = home.path().join("many.csv");
    std::fs::write(&f, csv).unwrap();
    let mut child = command(home.path(), &db.url(), &["import", "users", f.to_str().unwrap(), "--dry-run"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}
