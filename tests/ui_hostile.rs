//! Hostile text from the database: it must reach the screen without control characters
//! and without breaking column alignment.

mod support;

use support::fixture::Fx;
use support::ui;
use tutorat::locale::Lang;

const NASTY: &[(&str, &str)] = &[
    ("\x1b[31mROUGE\x1b[0m", "Esc\x1b]0;pwned\x07ape"),
    ("\u{202E}Bidi", "Over\u{202C}ride"),
    ("Émoji", "👩‍👩‍👧‍👦 Zoé 🎓"),
    ("Zoe\u{0301}", "Combining\u{0301}"),
    ("李", "小龙"),
    ("Long", "x"),
    ("Tab\tNew\nLine", "Bell\x07Null\x00"),
];

#[tokio::test]
async fn hostile_names_render_clean_and_aligned() {
    let db = support::sqlite().await;
    let mut fx = Fx::new(&db.store).await;
    let tutor = fx.person("tutor", "Tu", "Tor").await;
    let cat = fx.category("Catégorie \x1b[2J effacée", None).await;
    let course = fx.course("EVIL", "Cours \x1b]8;;http://evil\x1b\\piégé\x1b]8;;\x1b\\ 🎓", Some(cat)).await;
    fx.tutor(course, tutor).await;
    fx.lesson(course, "quiz", "Quiz").await;
    let long = "A".repeat(500);
    for (i, (first, last)) in NASTY.iter().enumerate() {
        let last = if *first == "Long" { long.as_str() } else { last };
        let p = fx.person(&format!("u{i}\x1b[1m"), first, last).await;
        fx.enrol(course, p, 0, 1, 3600, Some(ui::NOW - 3600)).await;
    }
    fx.done().await;

    let mut app = ui::app_for(&db.store, "tutor", Lang::Fr, "sqlite:/tmp/\x1b[31mevil.sqlite").await;
    for (w, h) in [(80, 24), (160, 48)] {
        let t = ui::draw(&mut app, w, h);
        assert_clean(&t);
    }
    ui::keys(&mut app, "t");
    ui::settle(&mut app, &db.store).await;
    assert_eq!(app.tutoring.list.rows().len(), NASTY.len());
    for (w, h) in [(80, 24), (120, 30), (160, 48)] {
        let t = ui::draw(&mut app, w, h);
        assert_clean(&t);
        // Every learner row has its status word starting in the same column.
        let lines = ui::lines(&t);
        let cols: Vec<usize> = lines
            .iter()
            .filter(|l| l.contains("[ ]"))
            .map(|l| {
                let byte = l.find("En cours").expect("status shown");
                unicode_width::UnicodeWidthStr::width(&l[..byte])
            })
            .collect();
        assert_eq!(cols.len(), NASTY.len(), "{}", lines.join("\n"));
        assert!(
            cols.windows(2).all(|w| w[0] == w[1]),
            "misaligned at {w}x{h}: {cols:?}\n{}",
            lines.join("\n")
        );
    }
    insta::assert_snapshot!("hostile_tutoring_80x24", ui::draw(&mut app, 80, 24).backend());
}

fn assert_clean(t: &ratatui::Terminal<ratatui::backend::TestBackend>) {
    let buf = t.backend().buffer();
    for cell in buf.content() {
        for c in cell.symbol().chars() {
            assert!(
                !c.is_control() && !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'),
                "control character {c:?} reached the screen:\n{}",
                ui::screen(t)
            );
        }
    }
}
