//! The one contract of views and dialogs: which keys are in force, what a command does,
//! what a key left to a text field does, and how the pane draws itself (from `&self`:
//! scroll offsets worked out while drawing live in `Cell`s).

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::action::Action;
use super::command::Cmd;
use super::keymap::Context;
use super::ui::Ui;
use crate::reminders::Reminders;
use crate::store::people::Scope;

/// What panes read of the application: words, styles and time; the reminder settings and
/// templates (`None` when the configuration does not allow sending); who is at the keyboard.
pub struct Cx<'a> {
    pub ui: &'a Ui,
    pub reminders: Option<&'a Reminders>,
    pub scope: &'a Scope,
}

pub trait Pane {
    /// The keymap context in force: it reads the keys, and drives the hint line and `?`.
    fn context(&self) -> Context;

    /// A command read by the keymap. `None`: not this pane's (the global keys get it).
    fn command(&mut self, cmd: Cmd, cx: &Cx) -> Option<Action>;

    /// A key the context does not bind, for the pane's text field if one is being typed in.
    fn input(&mut self, _key: KeyEvent, _cx: &Cx) -> Action {
        Action::Done
    }

    /// Pasted text, for the text field being typed in.
    fn paste(&mut self, _text: &str, _cx: &Cx) -> Action {
        Action::Done
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx);
}

impl<P: Pane> Pane for Box<P> {
    fn context(&self) -> Context {
        P::context(self)
    }
    fn command(&mut self, cmd: Cmd, cx: &Cx) -> Option<Action> {
        P::command(self, cmd, cx)
    }
    fn input(&mut self, key: KeyEvent, cx: &Cx) -> Action {
        P::input(self, key, cx)
    }
    fn paste(&mut self, text: &str, cx: &Cx) -> Action {
        P::paste(self, text, cx)
    }
    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        P::render(self, f, area, cx)
    }
}
