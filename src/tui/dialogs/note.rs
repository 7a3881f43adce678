//! `x` in the triage: record that the learners were contacted (a phone call, a fixed
//! e-mail address…) with a short note. Enter saves, Esc cancels.

use crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::centered;
use crate::store::triage::NOTE_MAX;
use crate::text;
use crate::tui::action::Action;
use crate::tui::command::Cmd;
use crate::tui::effect::Effect;
use crate::tui::keymap::Context;
use crate::tui::pane::{Cx, Pane};

#[derive(Debug)]
pub struct NoteDialog {
    pub enrolment_ids: Vec<i64>,
    /// Who the note is about, for the title ("AGASSE Sam" or "3 learners").
    pub who: String,
    pub input: Input,
    /// Enter on an empty note: say that a note is needed.
    pub empty_refused: bool,
}

impl NoteDialog {
    pub fn new(enrolment_ids: Vec<i64>, who: String) -> NoteDialog {
        NoteDialog { enrolment_ids, who, input: Input::default(), empty_refused: false }
    }
}

impl Pane for NoteDialog {
    fn context(&self) -> Context {
        Context::Note
    }

    fn command(&mut self, cmd: Cmd, cx: &Cx) -> Option<Action> {
        Some(match cmd {
            Cmd::Yes => {
                let note = self.input.value().trim().to_string();
                if note.is_empty() {
                    self.empty_refused = true;
                    return Some(Action::Done);
                }
                let enrolment_ids = self.enrolment_ids.clone();
                let save = Effect::AddNotes { enrolment_ids, note, now: cx.ui.now };
                Action::Batch(vec![Action::Close, Action::Run(save)])
            }
            Cmd::No => Action::Close,
            _ => return None,
        })
    }

    fn input(&mut self, key: KeyEvent, _cx: &Cx) -> Action {
        self.empty_refused = false;
        if self.input.value().chars().count() < NOTE_MAX || key.code == KeyCode::Backspace {
            self.input.handle_event(&Event::Key(key));
        }
        Action::Done
    }

    /// Pasted text becomes one line (a note is a single line) of at most `NOTE_MAX` characters.
    fn paste(&mut self, s: &str, _cx: &Cx) -> Action {
        let v: String = format!("{}{}", self.input.value(), text::clean(s)).chars().take(NOTE_MAX).collect();
        self.input = Input::new(v);
        Action::Done
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let (t, loc) = (&cx.ui.theme, &cx.ui.loc);
        let rect = centered(area, 72, 7).intersection(f.area());
        let title = loc.tf("note.title", &[("who", &self.who)]);
        let block = Block::default().borders(Borders::ALL).border_style(t.border_focus).title(Span::styled(
            format!(" {} ", text::fit(&title, rect.width.saturating_sub(4) as usize)),
            t.title,
        ));
        let inner = block.inner(rect);
        f.render_widget(Clear, rect);
        f.render_widget(block, rect);
        let w = inner.width.saturating_sub(1) as usize;
        let scroll = self.input.visual_scroll(w);
        let shown: String = self.input.value().chars().skip(scroll).collect();
        let hint = if self.empty_refused {
            Line::styled(loc.t("note.empty").to_string(), t.warning)
        } else {
            Line::styled(loc.t("note.hint").to_string(), t.muted)
        };
        let lines = vec![
            Line::styled(loc.t("note.label").to_string(), t.base),
            Line::styled(text::pad(&text::fit(&shown, w), w), t.selected_unfocused),
            Line::default(),
            hint,
        ];
        f.render_widget(Paragraph::new(lines), inner);
        let x = inner.x + (self.input.visual_cursor().saturating_sub(scroll)).min(w) as u16;
        f.set_cursor_position(Position::new(x, inner.y + 1));
    }
}
