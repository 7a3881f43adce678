//! A tab that is one list drawn the common way: a head line, the table, lines about the row
//! under the cursor, and the `/` line. Jamais connectés and Relances are sheets; being one
//! makes a pane (the filter line's keys, the drawing), so each keeps only its own commands,
//! head, table and detail.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::action::Action;
use super::command::Cmd;
use super::keymap::Context;
use super::list::{List, Row, TextLine};
use super::pane::{Cx, Pane};
use super::ui::Ui;

/// The parts of [`Sheet`] that only name things: its row type, context, detail lines, and
/// the field that holds its list (`list`).
macro_rules! sheet_parts {
    ($row:ty, $context:expr, $detail:expr) => {
        type Row = $row;
        const CONTEXT: $crate::tui::keymap::Context = $context;
        const DETAIL: u16 = $detail;
        fn list(&self) -> &$crate::tui::list::List<$row> {
            &self.list
        }
        fn list_mut(&mut self) -> &mut $crate::tui::list::List<$row> {
            &mut self.list
        }
    };
}
pub(crate) use sheet_parts;

pub trait Sheet {
    type Row: Row;
    /// The keymap context when the filter line does not have the keys.
    const CONTEXT: Context;
    /// Lines under the table about the row under the cursor.
    const DETAIL: u16;
    fn list(&self) -> &List<Self::Row>;
    fn list_mut(&mut self) -> &mut List<Self::Row>;
    /// The sheet's own commands (the list's are handled first). `None`: not the sheet's.
    fn act(&mut self, cmd: Cmd, cx: &Cx) -> Option<Action>;
    fn head(&self, ui: &Ui) -> Line<'static>;
    fn table(&self, f: &mut Frame, area: Rect, ui: &Ui);
    fn detail(&self, f: &mut Frame, area: Rect, ui: &Ui);
}

impl<S: Sheet> Pane for S {
    fn context(&self) -> Context {
        self.list().context(S::CONTEXT)
    }

    fn command(&mut self, cmd: Cmd, cx: &Cx) -> Option<Action> {
        if self.list_mut().command(cmd) {
            return Some(Action::Done);
        }
        self.act(cmd, cx)
    }

    fn text_line(&mut self) -> Option<&mut dyn TextLine> {
        Some(self.list_mut())
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let ui = cx.ui;
        self.list().render_view(f, area, ui, self.head(ui), S::DETAIL, |f, body, detail| {
            self.table(f, body, ui);
            self.detail(f, detail, ui);
        });
    }
}
