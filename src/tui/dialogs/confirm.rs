//! A yes/no question before anything that overwrites or throws work away. Enter, `y` or
//! `o` (oui) go ahead; Esc or `n` cancel. Nothing happens until one of them is pressed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::centered;
use crate::text;
use crate::tui::ui::Ui;

/// What a "yes" does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pending {
    /// Close the statistics editor without saving.
    DiscardEdit,
    /// Save the editor's values over another tutor's save.
    Overwrite,
    /// Undo this tutor's last edit of a learner.
    Undo { enrolment_id: i64 },
    /// Queue and send the Relancer dialog's messages.
    SendReminders,
    /// Close the Relancer dialog, dropping the edited body and attachments.
    DiscardRemind,
    /// Retry, confirm or cancel one reminder of the Relances tab.
    LogAct { id: i64, act: crate::reminders::LogAct },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Confirm {
    pub title: String,
    pub message: String,
    pub pending: Pending,
}

impl Confirm {
    pub fn new(title: String, message: String, pending: Pending) -> Confirm {
        Confirm { title, message, pending }
    }

    pub fn render(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = &ui.theme;
        let w = 64u16.min(area.width);
        let body = text::wrap(&self.message, w.saturating_sub(4) as usize);
        let h = (body.len() as u16 + 4).min(area.height);
        let rect = centered(area, w, h).intersection(f.area());
        let mut lines: Vec<Line> = body.into_iter().map(Line::from).collect();
        lines.push(Line::default());
        lines.push(Line::from(vec![
            Span::styled(ui.loc.t("confirm.yes").to_string(), t.key),
            Span::raw("   "),
            Span::styled(ui.loc.t("confirm.no").to_string(), t.selected),
        ]));
        let block = Block::default().borders(Borders::ALL).border_style(t.warning).title(Span::styled(
            format!(" {} ", text::fit(&self.title, w.saturating_sub(4) as usize)),
            t.title,
        ));
        f.render_widget(Clear, rect);
        f.render_widget(Paragraph::new(lines).block(block), rect);
    }
}
