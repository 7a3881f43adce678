//! Driving the App in tests: fixed clock, fixed time zone, effects run inline against a
//! real store, frames drawn on a TestBackend.
#![allow(dead_code)]

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tutorat::config::ThemeName;
use tutorat::locale::{Lang, Locale};
use tutorat::model::time::DisplayTz;
use tutorat::store::Store;
use tutorat::tui::action::Action;
use tutorat::tui::app::App;
use tutorat::tui::command::Cmd;
use tutorat::tui::keymap;
use tutorat::tui::tasks;
use tutorat::tui::theme::Theme;
use tutorat::tui::ui::Ui;

/// 2025-11-22 09:46:40 UTC: every snapshot is drawn at this instant.
pub const NOW: i64 = 1_763_804_800;

pub fn ui(lang: Lang) -> Ui {
    Ui {
        loc: Locale::new(lang),
        theme: Theme::new(ThemeName::Dark, false),
        tz: DisplayTz::parse("Europe/Paris").unwrap(),
        now: NOW,
    }
}

/// Runs requested effects until the app asks for nothing more.
pub async fn settle(app: &mut App, store: &Store) {
    loop {
        let effects = app.take_effects();
        if effects.is_empty() {
            break;
        }
        for e in effects {
            let loaded = tasks::run(store, &app.scope, e).await;
            app.update(Action::Loaded(loaded));
        }
    }
}

/// Like [`settle`], with a full task context (reminders and transport): progress that a
/// sending reports is applied before its result, as the runtime would.
pub async fn settle_ctx(app: &mut App, ctx: &tutorat::tui::remind_tasks::TaskCtx) {
    loop {
        let effects = app.take_effects();
        if effects.is_empty() {
            break;
        }
        for e in effects {
            let emitted = std::sync::Mutex::new(Vec::new());
            let emit =
                |p: tutorat::reminders::Progress| emitted.lock().unwrap().push(Action::SendProgress(p));
            let loaded = tasks::run_in(ctx, e, &emit).await;
            for a in emitted.into_inner().unwrap() {
                app.update(a);
            }
            app.update(Action::Loaded(loaded));
        }
    }
}

pub async fn app_for(store: &Store, username: &str, lang: Lang, label: &str) -> App {
    let scope = store.scope_for(username).await.unwrap();
    let mut app = App::new(ui(lang), scope, label.to_string());
    settle(&mut app, store).await;
    app
}

/// Does what the tutor does by the command's name, as lazygit's integration tests do: the key
/// the keymap binds to `cmd` where the keys are read now (the pane on top) is pressed, so
/// a test reads as intents and survives a key being bound differently. Panics when no key
/// gives that command there.
pub fn cmd(app: &mut App, cmd: Cmd) {
    let ctx = app.context();
    let key = keymap::key_for(ctx, cmd).unwrap_or_else(|| panic!("no key gives {cmd:?} in {ctx:?}"));
    app.handle_event(Event::Key(key));
}

/// The same command `n` times.
pub fn cmd_n(app: &mut App, c: Cmd, n: usize) {
    for _ in 0..n {
        cmd(app, c);
    }
}

/// Types text into the field that has the keys (a filter, a picker, a note, a path).
pub fn type_text(app: &mut App, s: &str) {
    keys(app, s);
}

pub fn press(app: &mut App, code: KeyCode) {
    app.handle_event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

pub fn ctrl(app: &mut App, c: char) {
    app.handle_event(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)));
}

/// Types each character as a key press (`S` arrives with SHIFT like a real terminal sends it).
pub fn keys(app: &mut App, s: &str) {
    for c in s.chars() {
        let m = if c.is_uppercase() { KeyModifiers::SHIFT } else { KeyModifiers::NONE };
        app.handle_event(Event::Key(KeyEvent::new(KeyCode::Char(c), m)));
    }
}

pub fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.render(f)).unwrap();
    t
}

/// The screen as plain lines (wide characters take their cell plus a blank one).
pub fn lines(t: &Terminal<TestBackend>) -> Vec<String> {
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            let mut s = String::new();
            let mut skip = 0;
            for x in 0..buf.area.width {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let sym = buf[(x, y)].symbol();
                skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
                s.push_str(sym);
            }
            s
        })
        .collect()
}

pub fn screen(t: &Terminal<TestBackend>) -> String {
    lines(t).join("\n")
}
