//! The dashboard's terminal backend (`tui::scroll`): what a real terminal shows after each
//! frame is what ratatui drew, scroll regions or not, and a scrolling table costs a fraction
//! of a repaint. The terminal is `vt100`'s, fed the backend's bytes.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use crossterm::style::Colored;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect, Size};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Row, Table, TableState};
use ratatui::{Frame, TerminalOptions, Viewport};
use tutorat::tui::scroll::ScrollBackend;
use unicode_width::UnicodeWidthStr;

/// What the backend wrote, for the test to take.
#[derive(Clone, Default)]
struct Wire(Rc<RefCell<Vec<u8>>>);

impl Write for Wire {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Wire {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut self.0.borrow_mut())
    }
}

/// A terminal of 200 learners with styles, wide characters and a highlighted cursor row.
struct Scene {
    state: TableState,
    popup: bool,
}

const NAMES: [&str; 6] =
    ["BAILLY Céline", "李小龙 Bruce", "NOËL Sam 🎉", "GUÉRIN Émilie", "O'NEIL Zoë", "ÅSTRÖM Jöns"];

impl Scene {
    fn render(&mut self, f: &mut Frame) {
        let [title, body, hints] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)])
                .areas(f.area());
        f.render_widget(Line::from("Centre de tutorat · C01").style(Style::new().fg(Color::Cyan)), title);
        let rows = (0..200).map(|i| {
            let status = ["Non commencé", "En cours", "Terminé"][i % 3];
            let colour = [Color::DarkGray, Color::Yellow, Color::Indexed(114)][i % 3];
            Row::new(vec![
                format!("{} {i}", NAMES[i % NAMES.len()]),
                status.to_string(),
                format!("{:>3} %", i * 7 % 101),
            ])
            .style(Style::new().fg(colour).bg(if i % 5 == 0 {
                Color::Rgb(30, 30, 40)
            } else {
                Color::Reset
            }))
        });
        let pos = self.state.selected().unwrap_or(0) + 1;
        let table = Table::new(rows, [Constraint::Fill(1), Constraint::Length(14), Constraint::Length(6)])
            .header(
                Row::new(["Apprenant", "Statut", "Prog."]).style(Style::new().add_modifier(Modifier::BOLD)),
            )
            .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD))
            .block(
                Block::bordered()
                    .title("Apprenants")
                    .title_bottom(Line::from(format!(" {pos} sur 200 ")).right_aligned()),
            );
        f.render_stateful_widget(table, body, &mut self.state);
        f.render_widget(
            Line::from("j/k bouger  / filtrer  ? aide").style(Style::new().add_modifier(Modifier::DIM)),
            hints,
        );
        if self.popup {
            let area = f.area().centered(Constraint::Length(40), Constraint::Length(7));
            f.render_widget(Clear, area);
            let text = "Envoyer une relance à 3 apprenants ?\nEntrée : envoyer   Échap : annuler";
            f.render_widget(
                Paragraph::new(text)
                    .block(Block::bordered().title("Relance").style(Style::new().fg(Color::LightRed))),
                area,
            );
        }
    }
}

struct Screen {
    term: Terminal<ScrollBackend<Wire>>,
    wire: Wire,
    vt: vt100::Parser,
    /// Frames that scrolled a region.
    scrolls: usize,
}

impl Screen {
    fn new(w: u16, h: u16) -> Screen {
        Screen::with_regions(w, h, true)
    }

    /// `regions`: `[display] scroll_regions` on (`auto`) or `off`.
    fn with_regions(w: u16, h: u16, regions: bool) -> Screen {
        let wire = Wire::default();
        let backend = ScrollBackend::with_size(wire.clone(), Size::new(w, h)).with_scroll_regions(regions);
        let term = Terminal::new(backend).unwrap();
        Screen { term, wire, vt: vt100::Parser::new(nz(h), nz(w), 0), scrolls: 0 }
    }

    /// Draws a frame as the dashboard does and checks the terminal shows exactly it.
    fn frame(&mut self, scene: &mut Scene, what: &str) -> usize {
        self.term.backend_mut().begin_frame().unwrap();
        let drawn = self.term.draw(|f| scene.render(f)).unwrap().buffer.clone();
        self.term.backend_mut().end_frame().unwrap();
        let bytes = self.wire.take();
        if bytes.windows(3).any(|w| w == b"\x1b[r") {
            self.scrolls += 1;
        }
        self.vt.process(&bytes);
        assert_shows(self.vt.screen(), &drawn, what);
        bytes.len()
    }

    fn resize(&mut self, w: u16, h: u16) {
        self.term.backend_mut().resize(Size::new(w, h));
        self.vt.screen_mut().set_size(nz(h), nz(w));
    }
}

fn nz(n: u16) -> std::num::NonZero<u16> {
    std::num::NonZero::new(n).expect("a terminal has rows and columns")
}

fn vt_colour(c: Color) -> vt100::Color {
    use vt100::Color::{Default, Idx, Rgb};
    match c {
        Color::Reset => Default,
        Color::Black => Idx(0),
        Color::Red => Idx(1),
        Color::Green => Idx(2),
        Color::Yellow => Idx(3),
        Color::Blue => Idx(4),
        Color::Magenta => Idx(5),
        Color::Cyan => Idx(6),
        Color::Gray => Idx(7),
        Color::DarkGray => Idx(8),
        Color::LightRed => Idx(9),
        Color::LightGreen => Idx(10),
        Color::LightYellow => Idx(11),
        Color::LightBlue => Idx(12),
        Color::LightMagenta => Idx(13),
        Color::LightCyan => Idx(14),
        Color::White => Idx(15),
        Color::Indexed(i) => Idx(i),
        Color::Rgb(r, g, b) => Rgb(r, g, b),
    }
}

/// Every cell of the terminal: symbol, colours (unless NO_COLOR made crossterm drop them)
/// and the attributes vt100 follows.
fn assert_shows(screen: &vt100::Screen, buf: &Buffer, what: &str) {
    let colours = !Colored::ansi_color_disabled_memoized();
    let Rect { width, height, .. } = buf.area;
    assert_eq!(screen.size(), (nz(height), nz(width)), "{what}: size");
    for y in 0..height {
        let mut covered = 0;
        for x in 0..width {
            if covered > 0 {
                // The second column of a wide character.
                covered -= 1;
                continue;
            }
            let want = &buf[(x, y)];
            let got = screen.cell(y, x).unwrap();
            let text = if got.contents().is_empty() { " " } else { got.contents() };
            let m = want.modifier;
            let seen = (
                text,
                colours.then(|| (got.fgcolor(), got.bgcolor())),
                (got.bold(), got.dim(), got.italic(), got.underline(), got.inverse()),
            );
            let drawn = (
                want.symbol(),
                colours.then(|| (vt_colour(want.fg), vt_colour(want.bg))),
                (
                    m.contains(Modifier::BOLD),
                    m.contains(Modifier::DIM),
                    m.contains(Modifier::ITALIC),
                    m.contains(Modifier::UNDERLINED),
                    m.contains(Modifier::REVERSED),
                ),
            );
            assert!(
                seen == drawn,
                "{what}: cell ({x}, {y}) shows {seen:?}, not {drawn:?}:\n{}",
                screen.contents()
            );
            covered = want.symbol().width().saturating_sub(1);
        }
    }
}

fn down(scene: &mut Scene, n: isize) {
    let pos = scene.state.selected().unwrap_or(0) as isize;
    scene.state.select(Some((pos + n).clamp(0, 199) as usize));
}

#[test]
fn the_terminal_shows_every_frame_exactly() {
    let mut s = Screen::new(100, 30);
    let mut scene = Scene { state: TableState::default().with_selected(0), popup: false };
    s.frame(&mut scene, "first frame");
    for i in 0..60 {
        down(&mut scene, 1);
        s.frame(&mut scene, &format!("down {i}"));
    }
    assert!(s.scrolls > 20, "moving down past the page scrolls: {} frames did", s.scrolls);
    let before = s.scrolls;
    for i in 0..60 {
        down(&mut scene, -1);
        s.frame(&mut scene, &format!("up {i}"));
    }
    assert!(s.scrolls > before + 20, "and so does moving up past the top");
    for (i, n) in [10, -7, 25, -3, 12, 100, -50].into_iter().enumerate() {
        down(&mut scene, n);
        s.frame(&mut scene, &format!("jump {i} by {n}"));
    }

    // A popup stays still while the table moves under it.
    scene.popup = true;
    s.frame(&mut scene, "popup");
    for i in 0..15 {
        down(&mut scene, if i < 8 { 1 } else { -2 });
        s.frame(&mut scene, &format!("under the popup {i}"));
    }
    scene.popup = false;
    s.frame(&mut scene, "popup closed");

    // Smaller, then larger: ratatui clears, the backend forgets what it knew.
    for (w, h) in [(80, 24), (132, 43)] {
        s.resize(w, h);
        s.frame(&mut scene, &format!("resized to {w}×{h}"));
        for i in 0..30 {
            down(&mut scene, if i % 10 < 7 { 1 } else { -1 });
            s.frame(&mut scene, &format!("{w}×{h}, move {i}"));
        }
    }

    // An idle frame sends only the synchronized-update brackets.
    assert_eq!(s.frame(&mut scene, "idle"), 16);
}

/// Bytes of a one-row scroll at 160×48, the old way (ratatui's diff on crossterm) and ours.
#[test]
fn a_one_row_scroll_sends_a_fraction_of_a_repaint() {
    let (w, h) = (160, 48);
    let mut scene = Scene { state: TableState::default().with_selected(0), popup: false };
    let wire = Wire::default();
    let mut plain = Terminal::with_options(
        CrosstermBackend::new(wire.clone()),
        TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, w, h)) },
    )
    .unwrap();
    let mut ours = Screen::new(w, h);
    // Down to the bottom of the page, then one more: the table scrolls by one row.
    for _ in 0..60 {
        down(&mut scene, 1);
        plain.draw(|f| scene.render(f)).unwrap();
        ours.frame(&mut scene, "down");
    }
    wire.take();
    down(&mut scene, 1);
    plain.draw(|f| scene.render(f)).unwrap();
    let old = wire.take().len() + 16; // + the synchronized-update brackets the dashboard adds
    let new = ours.frame(&mut scene, "one more");
    eprintln!("one-row scroll at {w}×{h}: {old} bytes with the plain diff, {new} with a scroll region");
    assert!(old > 3_000, "the plain diff repaints every row: {old} bytes");
    assert!(new < 600, "a scroll and the rows that really changed: {new} bytes (plain diff: {old})");
}

/// `[display] scroll_regions = "off"` draws the very same screens, without a scroll margin
/// and still one write per frame; `auto` scrolls.
#[test]
fn both_settings_draw_the_same_screens() {
    let mut on = Screen::with_regions(100, 30, true);
    let mut off = Screen::with_regions(100, 30, false);
    let mut scene = Scene { state: TableState::default().with_selected(0), popup: false };
    let mut frame = |scene: &mut Scene, what: &str| {
        let (a, b) = (on.frame(scene, what), off.frame(scene, what));
        assert_eq!(on.vt.screen().contents_formatted(), off.vt.screen().contents_formatted(), "{what}");
        (a, b)
    };
    frame(&mut scene, "first frame");
    let (mut sent_on, mut sent_off) = (0, 0);
    for (i, n) in [1, 1, 30, 1, 1, -1, -40, 5, 100, -3].into_iter().enumerate() {
        down(&mut scene, n);
        scene.popup = i == 4;
        let (a, b) = frame(&mut scene, &format!("move {i} by {n}"));
        (sent_on, sent_off) = (sent_on + a, sent_off + b);
    }
    assert!(on.scrolls > 0, "auto scrolls");
    assert_eq!(off.scrolls, 0, "off never sets a scroll margin");
    assert!(sent_on < sent_off, "scrolling sends less: {sent_on} bytes against {sent_off}");
    assert_eq!(off.frame(&mut scene, "idle"), 16, "an idle frame is only the brackets either way");
}
