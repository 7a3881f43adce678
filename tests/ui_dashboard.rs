//! The dashboard shell: Formations and Centre de tutorat drawn on a TestBackend, and a
//! key-driven flow through the App.

mod support;

use crossterm::event::KeyCode;
use support::ui::{self, NOW};
use tutorat::locale::Lang;
use tutorat::store::demo;
use tutorat::tui::app::Tab;

async fn demo_db() -> support::TestDb {
    let db = support::sqlite().await;
    demo::load(&db.store, NOW).await.unwrap();
    db
}

const LABEL: &str = "sqlite:/home/marie/.local/share/tutorat/demo.sqlite";

#[tokio::test]
async fn formations_snapshots() {
    let db = demo_db().await;
    let mut app = ui::app_for(&db.store, "mlefevre", Lang::Fr, LABEL).await;
    insta::assert_snapshot!("formations_fr_80x24", ui::draw(&mut app, 80, 24).backend());
    insta::assert_snapshot!("formations_fr_160x48", ui::draw(&mut app, 160, 48).backend());
    let mut en = ui::app_for(&db.store, "mlefevre", Lang::En, LABEL).await;
    insta::assert_snapshot!("formations_en_80x24", ui::draw(&mut en, 80, 24).backend());
}

#[tokio::test]
async fn tutoring_snapshots() {
    let db = demo_db().await;
    let mut app = ui::app_for(&db.store, "mlefevre", Lang::Fr, LABEL).await;
    // Second course of the list: "Cours 1 : L'avant-vente".
    ui::keys(&mut app, "j");
    ui::keys(&mut app, "t");
    ui::settle(&mut app, &db.store).await;
    assert_eq!(app.tab, Tab::Tutoring);
    assert_eq!(app.tutoring.course.as_ref().unwrap().shortname, "C01");
    insta::assert_snapshot!("tutoring_fr_80x24", ui::draw(&mut app, 80, 24).backend());
    insta::assert_snapshot!("tutoring_fr_160x48", ui::draw(&mut app, 160, 48).backend());
}

#[tokio::test]
async fn too_small_screen() {
    let db = demo_db().await;
    let mut app = ui::app_for(&db.store, "mlefevre", Lang::Fr, LABEL).await;
    insta::assert_snapshot!("too_small_60x20", ui::draw(&mut app, 60, 20).backend());
    // Degenerate sizes must not panic either.
    for (w, h) in [(0, 0), (1, 1), (79, 24), (80, 23), (3, 40), (200, 2)] {
        ui::draw(&mut app, w, h);
    }
}

#[tokio::test]
async fn key_flow_move_open_back_help_quit() {
    let db = demo_db().await;
    let mut app = ui::app_for(&db.store, "mlefevre", Lang::En, LABEL).await;
    assert_eq!(app.tab, Tab::Formations);
    let first = app.formations.current().unwrap().summary.shortname.clone();
    ui::keys(&mut app, "jj");
    let third = app.formations.current().unwrap().summary.shortname.clone();
    assert_ne!(first, third);
    ui::keys(&mut app, "k");
    assert_eq!(app.formations.list.cursor.pos, 1);
    ui::keys(&mut app, "G");
    assert_eq!(app.formations.list.cursor.pos, app.formations.list.index().len() - 1);
    ui::keys(&mut app, "g");
    assert_eq!(app.formations.list.cursor.pos, 0);

    // Open the course: the tutoring tab shows its learners.
    ui::keys(&mut app, "t");
    assert_eq!(app.tab, Tab::Tutoring);
    assert!(app.tutoring.list.loading);
    ui::settle(&mut app, &db.store).await;
    assert!(!app.tutoring.list.loading);
    assert_eq!(app.tutoring.course.as_ref().unwrap().shortname, first);
    assert!(!app.tutoring.list.rows().is_empty());
    let screen = ui::screen(&ui::draw(&mut app, 100, 30));
    assert!(screen.contains("Tutoring centre · "), "{screen}");

    // Move in the table, then Esc goes back with the course list where it was.
    ui::keys(&mut app, "jjj");
    assert_eq!(app.tutoring.list.cursor.pos, 3);
    ui::press(&mut app, KeyCode::Esc);
    assert_eq!(app.tab, Tab::Formations);
    assert_eq!(app.formations.current().unwrap().summary.shortname, first);
    ui::keys(&mut app, "2");
    assert_eq!(app.tab, Tab::Tutoring);
    assert_eq!(app.tutoring.list.cursor.pos, 3, "the tutoring tab kept its cursor");

    // Help lists the keys of the view; Esc closes it; keys do not leak to the view below.
    ui::keys(&mut app, "?");
    assert!(app.help_open());
    let screen = ui::screen(&ui::draw(&mut app, 100, 40));
    assert!(screen.contains("Help — Tutoring centre"), "{screen}");
    assert!(screen.contains("Mark whole filter"), "{screen}");
    ui::keys(&mut app, "j1");
    assert_eq!(app.tab, Tab::Tutoring);
    ui::press(&mut app, KeyCode::Esc);
    assert!(!app.help_open());

    ui::keys(&mut app, "q");
    assert!(app.quit);
}

#[tokio::test]
async fn ctrl_c_quits_even_while_typing_a_filter() {
    let db = demo_db().await;
    let mut app = ui::app_for(&db.store, "mlefevre", Lang::En, LABEL).await;
    ui::keys(&mut app, "/avant q");
    assert!(!app.quit, "q is text in the filter");
    assert_eq!(app.formations.list.filter.value(), "avant q");
    ui::ctrl(&mut app, 'c');
    assert!(app.quit);
}

#[tokio::test]
async fn unknown_tutor_sees_nothing_and_is_told() {
    let db = demo_db().await;
    let mut app = ui::app_for(&db.store, "ghost", Lang::En, LABEL).await;
    assert!(app.formations.list.index().is_empty());
    let screen = ui::screen(&ui::draw(&mut app, 120, 30));
    assert!(screen.contains("Tutor \"ghost\" is not in the database"), "{screen}");
}

#[tokio::test]
async fn scoping_shows_in_the_dashboard() {
    let db = demo_db().await;
    let marie = ui::app_for(&db.store, "mlefevre", Lang::Fr, LABEL).await;
    let karim = ui::app_for(&db.store, "kbenali", Lang::Fr, LABEL).await;
    let names = |a: &tutorat::tui::app::App| -> Vec<String> {
        a.formations.list.visible().map(|c| c.summary.shortname.clone()).collect()
    };
    assert!(names(&marie).contains(&"C01".to_string()));
    assert!(!names(&karim).contains(&"C01".to_string()));
    assert!(names(&karim).contains(&"EMB-NET".to_string()));
}

#[tokio::test]
async fn no_color_draws_without_colours() {
    let db = demo_db().await;
    let mut app = ui::app_for(&db.store, "mlefevre", Lang::Fr, LABEL).await;
    app.ui.theme = tutorat::tui::theme::Theme::new(tutorat::config::ThemeName::Dark, true);
    ui::keys(&mut app, "t");
    ui::settle(&mut app, &db.store).await;
    let t = ui::draw(&mut app, 120, 30);
    let buf = t.backend().buffer();
    use ratatui::style::{Color, Modifier};
    assert!(buf.content().iter().all(|c| c.fg == Color::Reset && c.bg == Color::Reset));
    // The selected row still stands out.
    assert!(buf.content().iter().any(|c| c.modifier.contains(Modifier::REVERSED)));
}

/// A terminal fed what the dashboard's backend writes (`vt100` keeps what it shows).
struct Screen {
    term: ratatui::Terminal<tutorat::tui::scroll::ScrollBackend<Wire>>,
    wire: Wire,
    vt: vt100::Parser,
}

#[derive(Clone, Default)]
struct Wire(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Wire {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Screen {
    /// `regions`: `[display] scroll_regions` auto (true) or off.
    fn new(regions: bool) -> Screen {
        let wire = Wire::default();
        let size = ratatui::layout::Size::new(100, 30);
        let backend =
            tutorat::tui::scroll::ScrollBackend::with_size(wire.clone(), size).with_scroll_regions(regions);
        Screen {
            term: ratatui::Terminal::new(backend).unwrap(),
            wire,
            vt: vt100::Parser::new(30.try_into().unwrap(), 100.try_into().unwrap(), 0),
        }
    }

    fn frame(&mut self, app: &mut tutorat::tui::app::App) -> String {
        tutorat::tui::draw(&mut self.term, app).unwrap();
        let bytes = std::mem::take(&mut *self.wire.0.borrow_mut());
        self.vt.process(&bytes);
        self.vt.screen().contents()
    }
}

/// `[display] scroll_regions = "off"` shows the very same dashboard as `auto`, frame after
/// frame, while the learner table scrolls both ways and a dialog opens over it (that each
/// backend shows exactly what ratatui drew is `tests/scroll_regions.rs`'s).
#[tokio::test]
async fn scroll_regions_on_and_off_show_the_same_dashboard() {
    use tutorat::tui::command::Cmd;
    let db = demo_db().await;
    let mut app = ui::app_for(&db.store, "mlefevre", Lang::Fr, LABEL).await;
    ui::cmd(&mut app, Cmd::Down);
    ui::cmd(&mut app, Cmd::OpenTutoring);
    ui::settle(&mut app, &db.store).await;
    let (mut on, mut off) = (Screen::new(true), Screen::new(false));
    let steps = [Cmd::Down; 30].into_iter().chain([Cmd::Help, Cmd::Back, Cmd::Bottom]).chain([Cmd::Up; 30]);
    for (i, step) in std::iter::once(None).chain(steps.map(Some)).enumerate() {
        if let Some(c) = step {
            ui::cmd(&mut app, c);
        }
        let (a, b) = (on.frame(&mut app), off.frame(&mut app));
        assert_eq!(a, b, "frame {i} after {step:?}");
        // Colours and attributes too, cell by cell.
        let (x, y) = (on.vt.screen(), off.vt.screen());
        for row in 0..30 {
            for col in 0..100 {
                let cell = |s: &vt100::Screen| {
                    let c = s.cell(row, col).unwrap();
                    let text =
                        if c.contents().is_empty() { " ".to_string() } else { c.contents().to_string() };
                    (
                        text,
                        c.fgcolor(),
                        c.bgcolor(),
                        c.bold(),
                        c.dim(),
                        c.italic(),
                        c.underline(),
                        c.inverse(),
                    )
                };
                assert_eq!(cell(x), cell(y), "frame {i}, cell ({col}, {row})");
            }
        }
    }
}
