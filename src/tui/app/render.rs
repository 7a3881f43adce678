//! The frame: title, tabs, the current view, the key hints of the pane on top, the status
//! line, and the layers above the view.

use ratatui::Frame;

use super::{App, Tab};
use crate::text;
use crate::tui::frame;
use crate::tui::pane::Cx;

impl App {
    fn who(&self) -> String {
        match &self.scope.person {
            Some(p) => format!(
                "{} {} ({})",
                text::clean(&p.firstname),
                text::clean(&p.lastname),
                text::clean(&p.username)
            ),
            None => text::clean(&self.scope.username),
        }
    }

    /// A tab's title, with what waits there.
    fn tab_title(&self, t: Tab) -> String {
        let loc = &self.ui.loc;
        let base = loc.t(t.title_key()).to_string();
        match (t, &self.tutoring.course) {
            (Tab::Tutoring, Some(c)) => format!("{base} · {}", text::fit(&c.shortname, 16)),
            (Tab::Relances, _) if self.reminder_log.attention() > 0 => {
                format!("{base} {}✗", loc.num(self.reminder_log.attention() as i64))
            }
            (Tab::Triage, _) if self.triage.list.loaded => {
                let (platform, course) = self.triage.counts();
                format!("{base} {}·{}", loc.num(platform as i64), loc.num(course as i64))
            }
            _ => base,
        }
    }

    pub fn render(&self, f: &mut Frame) {
        let area = f.area();
        if area.width < frame::MIN_WIDTH || area.height < frame::MIN_HEIGHT {
            frame::too_small(f, &self.ui);
            return;
        }
        let c = frame::split(area);
        frame::title(f, c.title, &self.ui, &self.who(), &self.db_label);
        let titles: Vec<String> = Tab::ALL.iter().map(|t| self.tab_title(*t)).collect();
        frame::tabs(f, c.tabs, &self.ui, &titles, self.tab.index());
        let cx = Cx { ui: &self.ui, reminders: self.reminders.as_ref(), scope: &self.scope };
        self.view().render(f, c.body, &cx);
        frame::hints(f, c.hints, &self.ui, self.context());
        match &self.sending {
            Some(p) => frame::sending(f, c.status, &self.ui, p),
            None => frame::status(f, c.status, &self.ui, self.status.as_ref(), self.busy > 0, self.spin),
        }
        for layer in &self.layers {
            layer.pane().render(f, c.body, &cx);
        }
    }
}
