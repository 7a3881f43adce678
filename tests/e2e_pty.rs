//! End to end: the real binary in a pseudo-terminal, as a tutor would run it.

mod support;

use std::time::Duration;

use support::pty::{Pty, home_env};

#[test]
fn demo_session_open_course_help_quit_restores_terminal() {
    let home = tempfile::tempdir().unwrap();
    let env = home_env(home.path(), "fr_FR.UTF-8");
    let mut t = Pty::spawn(&["--demo"], &env, 120, 36);
    t.wait_for("Cours 1 : L'avant-vente", 60);
    assert!(t.alternate_screen());
    let screen = t.screen();
    assert!(screen.contains("1 Formations"), "{screen}");
    assert!(screen.contains("Marie Lefèvre (mlefevre)"), "{screen}");
    assert!(screen.contains("demo.sqlite"), "{screen}");

    // The demo database was created in the user's data directory.
    assert!(home.path().join("data/tutorat/demo.sqlite").is_file());

    // Enter opens the course detail; t jumps to its Centre de tutorat.
    t.send("j");
    t.send("\r");
    t.wait_for("Stats rapides", 20);
    t.send("t");
    t.wait_for("Apprenants 40", 20);
    t.wait_for("Jamais", 5);

    t.send("?");
    t.wait_for("Aide — Centre de tutorat", 5);
    t.send("\x1b");
    std::thread::sleep(Duration::from_millis(300));
    assert!(!t.screen().contains("Aide — Centre de tutorat"), "{}", t.screen());

    // Idle: nothing at all is written while nobody types.
    std::thread::sleep(Duration::from_millis(500));
    let before = t.bytes();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(t.bytes(), before, "an idle dashboard must write nothing");

    t.send("q");
    let status = t.wait_exit(10);
    assert!(status.success(), "{status:?}");
    assert!(!t.alternate_screen(), "alternate screen left");
    assert!(!t.cursor_hidden(), "cursor shown again");

    // Second start reuses the demo; --reset recreates it; --tutor changes whose courses show.
    let mut t = Pty::spawn(&["--demo", "--tutor", "kbenali"], &env, 120, 36);
    t.wait_for("Karim Benali (kbenali)", 60);
    t.wait_for("Valider son embauche", 10);
    assert!(!t.screen().contains("Base de démonstration créée"), "reused, not recreated");
    t.send("q");
    assert!(t.wait_exit(10).success());
    let mut t = Pty::spawn(&["--demo", "--reset"], &env, 120, 36);
    t.wait_for("Base de démonstration créée", 60);
    t.send("q");
    assert!(t.wait_exit(10).success());
}

/// The real event loop sends in the background: from the triage, remind the first
/// learner; the messages land in the demo's outbox folder and the summary shows.
#[test]
fn a_reminder_from_the_triage_reaches_the_outbox() {
    let home = tempfile::tempdir().unwrap();
    let env = home_env(home.path(), "fr_FR.UTF-8");
    let mut t = Pty::spawn(&["--demo"], &env, 120, 36);
    t.wait_for("Jamais connectés", 60);
    t.send("3");
    t.wait_for("Apprenants jamais connectés", 10);
    t.send("r");
    t.wait_for("Aperçu pour", 10);
    t.send("\r");
    t.wait_for("Envoyer les relances", 5);
    t.send("\r");
    t.wait_for("Envoyées : 1", 20);
    let outbox = home.path().join("data/tutorat/outbox");
    let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 2, "the reminder and the copy to the tutor: {files:?}");
    assert!(files.iter().all(|f| f.extension().is_some_and(|x| x == "eml")));
    t.send("4");
    t.wait_for("Historique des relances", 5);
    t.send("q");
    assert!(t.wait_exit(10).success());
}

#[test]
fn sigterm_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let env = home_env(home.path(), "en_GB.UTF-8");
    let mut t = Pty::spawn(&["--demo"], &env, 100, 30);
    t.wait_for("All my courses", 60);
    let pid = t.pid().expect("child pid");
    let ok = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    assert!(ok.success());
    t.wait_exit(10);
    assert!(!t.alternate_screen());
    assert!(!t.cursor_hidden());
}

#[test]
fn panic_report_comes_after_the_terminal_is_restored() {
    let home = tempfile::tempdir().unwrap();
    let mut env = home_env(home.path(), "en_GB.UTF-8");
    env.push(("TUTORAT_DEBUG_PANIC", "1".into()));
    env.push(("RUST_BACKTRACE", "0".into()));
    env.push(("RUST_LIB_BACKTRACE", "0".into()));
    let mut t = Pty::spawn(&["--demo"], &env, 100, 30);
    t.wait_for("All my courses", 60);
    t.send("\x1b[24~"); // F12
    let status = t.wait_exit(30);
    assert!(!status.success());
    assert!(!t.alternate_screen(), "terminal restored before the report");
    let screen = t.screen();
    assert!(screen.contains("panicked") || screen.contains("The application panicked"), "{screen}");
    assert!(screen.contains("TUTORAT_DEBUG_PANIC"), "{screen}");
}

#[test]
fn postgres_demo_session() {
    let Some((_admin, url)) = support::pg_empty_database_blocking() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let env = home_env(home.path(), "fr_FR.UTF-8");
    let mut t = Pty::spawn(&["--demo", "--db", &url], &env, 120, 36);
    t.wait_for("Cours 1 : L'avant-vente", 60);
    assert!(t.screen().contains("postgres:127.0.0.1/tutorat_t_"), "{}", t.screen());
    t.send("q");
    assert!(t.wait_exit(10).success());
    support::drop_pg_database_blocking(&url);
}
