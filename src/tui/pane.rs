//! The one contract of views and dialogs: which keys are in force, what a command does,
//! what a key left to a text field does, and how the pane draws itself (from `&self`:
//! scroll offsets worked out while drawing live in `Cell`s).

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::action::Action;
use super::command::Cmd;
use super::keymap::Context;
use super::list::TextLine;
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

    /// The pane's own text line, when it has one (a list's `/` filter): it gets the keys
    /// the context leaves, and pasted text, unless the pane reads them itself.
    fn text_line(&mut self) -> Option<&mut dyn TextLine> {
        None
    }

    /// A key the context does not bind, for the pane's text field if one is being typed in.
    fn input(&mut self, key: KeyEvent, _cx: &Cx) -> Action {
        self.text_line().map(|l| l.input(key)).unwrap_or(Action::Done)
    }

    /// Pasted text, for the text field being typed in.
    fn paste(&mut self, text: &str, _cx: &Cx) -> Action {
        self.text_line().map(|l| l.paste(text)).unwrap_or(Action::Done)
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx);
}

/// A command for a view that shows a sub-pane (a course's detail, a learner's report) in
/// place of its list while one is open: the sub-pane's, except Esc, which closes it (`closed`
/// gets it). `None`: no sub-pane is open; the view's own commands apply.
pub fn to_sub<P: Pane>(
    sub: &mut Option<P>,
    cmd: Cmd,
    cx: &Cx,
    closed: impl FnOnce(P),
) -> Option<Option<Action>> {
    let pane = sub.as_mut()?;
    if cmd != Cmd::Back {
        return Some(pane.command(cmd, cx));
    }
    sub.take().map(closed);
    Some(Some(Action::Done))
}
