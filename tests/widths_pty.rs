//! Every character in its cell: names holding characters that terminals and width tables
//! disagree on (soft hyphens, line separators, Hangul fillers, flags, skin tones, variation
//! selectors, emoji sequences, Devanagari and Thai clusters) must not leave the terminal
//! showing something else than the dashboard drew. The real binary runs in a pseudo-terminal
//! (vt100); after incremental updates (cursor moves, scroll regions, a dialog over the
//! table) the screen must equal the screen of a full redraw (forced by a resize and back).

mod support;

use support::fixture::Fx;
use support::pty::{Pty, home_env};

/// (first name, last name) of the learners whose names hold a troublesome character.
const HOSTILE: &[(&str, &str)] = &[
    ("Mélanie", "BARRÉ🇫🇷"),
    ("Paul", "LAURENT👍🏽"),
    ("Anne\u{AD}Sophie", "DU\u{AD}PONT"),
    ("Jean\u{2028}Marc", "MARTIN\u{2029}X"),
    ("\u{3164}Min", "KIM\u{115F}"),
    ("Ji\u{1160}woo", "PARK\u{FFA0}"),
    ("Priya", "शर्मा"),
    ("Kshitij", "क्षितिज"),
    ("Somchai", "น้ำใจ"),
    ("Nam", "สมชาย"),
    ("Léa", "ROSE❤️"),
    ("Famille", "NOËL👩‍👩‍👧"),
    ("Alba", "SCOTT🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}"),
    ("Un", "KEYCAP1\u{FE0F}\u{20E3}"),
    ("Alaa", "علاء"),
    ("Zoé", "VARIANT😀\u{FE0E}"),
];

const ORDINARY: usize = 70;

/// A course of ordinary learners with the hostile ones spread among them (sorted by name,
/// they land all over the table).
fn fixture(path: &std::path::Path) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let target = tutorat::store::DbTarget::Sqlite(path.to_path_buf());
        let store = tutorat::store::Store::connect(&target, &tutorat::store::ConnectOptions::default())
            .await
            .unwrap();
        store.migrate(&target.label()).await.unwrap();
        let now = chrono::Utc::now().timestamp();
        let mut fx = Fx::new(&store).await;
        let tutor = fx.person("tutor", "Marie", "Tutrice").await;
        let course = fx.course("W01", "Largeurs", None).await;
        fx.tutor(course, tutor).await;
        for i in 0..4 {
            fx.lesson(course, "quiz", &format!("Leçon {i}")).await;
        }
        let letters: Vec<char> = ('A'..='Z').collect();
        for i in 0..ORDINARY {
            let last = format!("{}NOM{i:02}", letters[i % letters.len()]);
            let p = fx.person(&format!("o{i}"), &format!("Prénom{i}"), &last).await;
            let access = (i % 3 != 0).then(|| now - (i as i64 + 2) * 86_400);
            fx.enrol(course, p, (i % 5) as i64, (i % 5) as i64, i as i64 * 3_671, access).await;
        }
        for (i, (first, last)) in HOSTILE.iter().enumerate() {
            let p = fx.person(&format!("h{i}"), first, last).await;
            let access = (i % 2 == 0).then(|| now - (i as i64 + 3) * 86_400);
            fx.enrol(course, p, (i % 4) as i64, (i % 4 + 1).min(4) as i64, i as i64 * 1_234, access).await;
        }
        fx.done().await;
        store.close().await;
    });
}

/// Lines that differ, with the hostile names they hold.
fn differences(incremental: &str, full: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (incremental.lines().collect(), full.lines().collect());
    let mut out = String::new();
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (a.get(i).copied().unwrap_or(""), b.get(i).copied().unwrap_or(""));
        if x != y {
            out.push_str(&format!("row {i}:\n  incremental: {x:?}\n  full redraw: {y:?}\n"));
        }
    }
    out
}

/// The screen's rows without trailing blanks (a blank written and a cell never written
/// look the same).
fn shown(t: &Pty) -> String {
    t.settled_screen(250, 10).lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
}

/// The screen now, then after a full redraw: they must be the same.
fn check(t: &mut Pty, w: u16, h: u16, what: &str) {
    let incremental = shown(t);
    t.resize(w + 1, h);
    shown(t);
    t.resize(w, h);
    let full = shown(t);
    assert!(
        incremental == full,
        "{what} at {w}×{h}: the terminal does not show what a full redraw shows\n{}\nfull screen:\n{full}",
        differences(&incremental, &full)
    );
}

fn session(w: u16, h: u16) {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("widths.sqlite");
    fixture(&db);
    let env = home_env(home.path(), "fr_FR.UTF-8");
    let db = db.display().to_string();
    let mut t = Pty::spawn(&["--db", &db, "--tutor", "tutor"], &env, w, h);
    t.wait_for("Largeurs", 60);
    t.send("t");
    t.wait_for("ANOM00", 20);
    check(&mut t, w, h, "the learner table");
    // Down past the bottom of the page, one row at a time: every step scrolls the table.
    for _ in 0..(h as usize + 8) {
        t.send("j");
    }
    check(&mut t, w, h, "after scrolling down row by row");
    for _ in 0..5 {
        t.send("k");
    }
    check(&mut t, w, h, "after moving back up");
    t.send("\x1b[6~"); // PgDn
    check(&mut t, w, h, "after a page down");
    for _ in 0..12 {
        t.send("j");
    }
    check(&mut t, w, h, "after scrolling further");
    t.send("G");
    check(&mut t, w, h, "at the end");
    for _ in 0..(h as usize / 2) {
        t.send("k");
    }
    check(&mut t, w, h, "scrolling up from the end");
    // A dialog over the table, listing names.
    t.send("A");
    t.send("r");
    t.settled_screen(300, 10);
    check(&mut t, w, h, "the reminder dialog over the table");
    t.send("\x1b");
    check(&mut t, w, h, "after the dialog closed");
    t.send("q");
    t.wait_exit(10);
}

#[test]
fn what_the_terminal_shows_is_what_was_drawn_80x24() {
    session(80, 24);
}

#[test]
fn what_the_terminal_shows_is_what_was_drawn_160x48() {
    session(160, 48);
}
