//! The `/` filter line of a list: a one-line text input (tui-input).

use crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::locale::Locale;
use crate::text;
use crate::tui::theme::Theme;

#[derive(Debug, Default, Clone)]
pub struct FilterBox {
    pub input: Input,
    pub editing: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum FilterOutcome {
    /// The text changed: recompute the list.
    Changed,
    /// Enter: keep the filter, leave the input.
    Accepted,
    /// Esc: filter cleared.
    Cleared,
    Unchanged,
}

impl FilterBox {
    pub fn value(&self) -> &str {
        self.input.value()
    }

    pub fn is_active(&self) -> bool {
        self.editing || !self.input.value().is_empty()
    }

    pub fn start(&mut self) {
        self.editing = true;
    }

    pub fn clear(&mut self) -> bool {
        let had = !self.input.value().is_empty();
        self.input.reset();
        self.editing = false;
        had
    }

    pub fn handle_key(&mut self, ev: KeyEvent) -> FilterOutcome {
        match ev.code {
            KeyCode::Esc => {
                self.clear();
                FilterOutcome::Cleared
            }
            KeyCode::Enter => {
                self.editing = false;
                FilterOutcome::Accepted
            }
            _ => self.type_key(ev),
        }
    }

    /// A key typed into the line (Enter and Esc are commands, read by the keymap).
    pub fn type_key(&mut self, ev: KeyEvent) -> FilterOutcome {
        let before = self.input.value().to_string();
        self.input.handle_event(&Event::Key(ev));
        if self.input.value() != before { FilterOutcome::Changed } else { FilterOutcome::Unchanged }
    }

    pub fn paste(&mut self, s: &str) -> FilterOutcome {
        let clean = text::clean(s);
        let v = format!("{}{}", self.input.value(), clean);
        self.input = Input::new(v);
        FilterOutcome::Changed
    }

    /// One line: `/ query▏` while editing, `/ query` (muted) once accepted.
    pub fn render(&self, f: &mut Frame, area: Rect, theme: &Theme, loc: &Locale) {
        let area = area.intersection(f.area());
        if area.height == 0 || area.width < 4 {
            return;
        }
        let label = format!("{} ", loc.t("filter.label"));
        let avail = (area.width as usize).saturating_sub(text::width(&label) + 1);
        let scroll = self.input.visual_scroll(avail);
        let shown: String = {
            let v = self.input.value();
            let skip = v.chars().take(scroll).map(|c| c.len_utf8()).sum::<usize>();
            text::fit(&v[skip..], avail).into_owned()
        };
        let style = if self.editing { theme.accent } else { theme.muted };
        let line = Line::from(vec![Span::styled(label.clone(), theme.key), Span::styled(shown, style)]);
        f.render_widget(Paragraph::new(line), area);
        if self.editing {
            let x = area.x
                + text::width(&label) as u16
                + (self.input.visual_cursor().saturating_sub(scroll)) as u16;
            f.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
        }
    }
}
