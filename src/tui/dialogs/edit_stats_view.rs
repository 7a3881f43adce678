//! Drawing the statistics editor: one row per field (label, input, and why it is refused or
//! how to type it), the suspend-data text area, the buttons, and the conflict view.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::Input;

use super::edit_stats::{EditStats, Focus, Phase};
use crate::locale::Locale;
use crate::model::LessonStatus;
use crate::model::duration::format_hms;
use crate::model::stats::{Field, Invalid, Stats};
use crate::text;
use crate::tui::ui::Ui;

const LABEL_W: usize = 20;
const INPUT_W: usize = 20;

/// A field's value in words, for the conflict view and the change history.
pub fn show_value(field: Field, s: &Stats, ui: &Ui) -> String {
    show_audit(field, s.audit_value(field).as_deref(), ui)
}

/// An audit value (machine form) in words; `—` for n.a.
pub fn show_audit(field: Field, v: Option<&str>, ui: &Ui) -> String {
    let loc = &ui.loc;
    let Some(v) = v else { return loc.t("report.na").to_string() };
    match field {
        Field::Status => LessonStatus::from_db(v)
            .map(|s| loc.t(s.label_key()).to_string())
            .unwrap_or_else(|| text::clean(v)),
        Field::Score => v
            .parse::<f64>()
            .map(|x| loc.pct(if x.fract() == 0.0 { format!("{x:.0}") } else { loc.dec1(x) }))
            .unwrap_or_else(|_| text::clean(v)),
        Field::TimeSpent => v.parse::<i64>().map(format_hms).unwrap_or_else(|_| text::clean(v)),
        Field::StatusAt => {
            v.parse::<i64>().map(|t| loc.datetime(Some(t), ui.tz)).unwrap_or_else(|_| text::clean(v))
        }
        Field::Attempts => text::clean(v),
        Field::Location | Field::SuspendData if v.is_empty() => loc.t("edit.empty").to_string(),
        Field::Location | Field::SuspendData => text::clean(v),
    }
}

pub fn invalid_text(e: &Invalid, loc: &Locale) -> String {
    match e {
        Invalid::TooLong { len, max } => {
            loc.tf(e.key(), &[("len", &loc.num(*len as i64)), ("max", &loc.num(*max as i64))])
        }
        _ => loc.t(e.key()).to_string(),
    }
}

/// One-line input with its text cleaned for display (control characters shown as `�`)
/// and scrolled so the cursor stays visible.
fn input_line(input: &Input, width: usize, style: Style) -> (Span<'static>, usize) {
    let scroll = input.visual_scroll(width);
    let shown: String =
        input.value().chars().skip(scroll).map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect();
    let cursor = input.visual_cursor().saturating_sub(scroll);
    (Span::styled(text::pad(&text::fit(&shown, width), width), style), cursor)
}

impl EditStats {
    pub(super) fn draw(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let area = area.intersection(f.area());
        let rect = super::centered(area, 100, area.height.min(30));
        f.render_widget(Clear, rect);
        let t = &ui.theme;
        let title = match &self.phase {
            Phase::Conflict(_) => ui.loc.tf("edit.conflict_title", &[("who", &self.learner)]),
            _ => ui.loc.tf("edit.title", &[("who", &self.learner)]),
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if matches!(self.phase, Phase::Conflict(_)) { t.danger } else { t.border_focus })
            .title(Span::styled(
                text::fit(&format!(" {title} "), rect.width as usize - 2).into_owned(),
                t.title,
            ));
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        if matches!(self.phase, Phase::Conflict(_)) {
            self.render_conflict(f, inner, ui);
        } else {
            self.render_form(f, inner, ui);
        }
    }

    fn header(&self, ui: &Ui) -> Line<'static> {
        let r = &self.record;
        let loc = &ui.loc;
        let scorm = match r.scorm_version.as_deref() {
            Some(v) => loc.tf("edit.scorm", &[("v", &text::clean(v))]),
            None => loc.t("edit.no_scorm").to_string(),
        };
        let mut parts = vec![text::clean(&r.lesson_title), scorm];
        if let (Some(who), Some(at)) = (&r.updated_by, r.updated_at) {
            parts.push(loc.tf(
                "edit.last_saved",
                &[("who", &text::clean(who)), ("at", &loc.datetime(Some(at), ui.tz))],
            ));
        }
        Line::styled(parts.join(" · "), ui.theme.muted)
    }

    fn render_form(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = &ui.theme;
        let loc = &ui.loc;
        let rows = Layout::vertical([
            Constraint::Length(1), // lesson
            Constraint::Length(1), // status
            Constraint::Length(1), // clear attempts
            Constraint::Length(1), // date
            Constraint::Length(1), // score
            Constraint::Length(1), // time
            Constraint::Length(1), // location
            Constraint::Length(1), // suspend label
            Constraint::Min(3),    // suspend area
            Constraint::Length(1), // buttons
            Constraint::Length(1), // why not saved / failure
        ])
        .split(area);
        let width = area.width as usize;
        f.render_widget(Paragraph::new(self.header(ui)), rows[0]);

        let label = |focus: Focus, field: Field| -> Span<'static> {
            // The checkbox clears the count; elsewhere the field is the count itself.
            let key = if field == Field::Attempts { "edit.attempts" } else { field.label_key() };
            let s = text::pad(&text::fit(loc.t(key), LABEL_W - 1), LABEL_W);
            Span::styled(s, if self.focus == focus { t.key } else { t.base })
        };
        let message = |field: Field, hint: String, room: usize| -> Span<'static> {
            match self.error(field) {
                Some(e) => Span::styled(
                    text::fit(&format!("✗ {}", invalid_text(e, loc)), room).into_owned(),
                    t.danger,
                ),
                None => Span::styled(text::fit(&hint, room).into_owned(), t.muted),
            }
        };
        let input_style = |focus: Focus| if self.focus == focus { t.selected_unfocused } else { t.accent };
        let room_after = |w: usize| width.saturating_sub(LABEL_W + w + 2);

        // Status: a choice, changed with ←/→ or Space.
        let status = format!("◂ {} ▸", loc.t(self.status.label_key()));
        let changed = self.status != self.record.stats.status;
        let status_line = Line::from(vec![
            label(Focus::Status, Field::Status),
            Span::styled(text::pad(&status, INPUT_W), input_style(Focus::Status)),
            Span::raw("  "),
            Span::styled(
                if changed {
                    loc.tf("edit.was", &[("v", &loc.t(self.record.stats.status.label_key()))])
                } else {
                    String::new()
                },
                t.muted,
            ),
        ]);
        f.render_widget(Paragraph::new(status_line), rows[1]);

        let check = if self.clear_attempts { "[x]" } else { "[ ]" };
        let attempts = loc.tn("edit.attempts_now", self.record.stats.attempts);
        let clear_line = Line::from(vec![
            label(Focus::Clear, Field::Attempts),
            Span::styled(check.to_string(), input_style(Focus::Clear)),
            Span::raw(" "),
            Span::styled(text::fit(&attempts, room_after(4)).into_owned(), t.muted),
        ]);
        f.render_widget(Paragraph::new(clear_line), rows[2]);

        let mut cursor = None;
        // Wide terminals give the location more room; at 80 columns the error must fit.
        let location_w =
            if width >= 110 { (width.saturating_sub(LABEL_W + 2) / 2).max(INPUT_W) } else { INPUT_W };
        let lines: [(Focus, Field, &Input, usize, String, Rect); 4] = [
            (
                Focus::Date,
                Field::StatusAt,
                self.date_input(),
                INPUT_W,
                loc.t("edit.date_hint").to_string(),
                rows[3],
            ),
            (
                Focus::Score,
                Field::Score,
                self.score_input(),
                INPUT_W,
                loc.t("edit.score_hint").to_string(),
                rows[4],
            ),
            (
                Focus::Time,
                Field::TimeSpent,
                self.time_input(),
                INPUT_W,
                loc.t("edit.time_hint").to_string(),
                rows[5],
            ),
            (
                Focus::Location,
                Field::Location,
                self.location_input(),
                location_w,
                format!(
                    "{}/{}",
                    loc.num(self.location_input().value().chars().count() as i64),
                    loc.num(self.limits.location as i64)
                ),
                rows[6],
            ),
        ];
        for (focus, field, input, w, hint, row) in lines {
            let (span, cur) = input_line(input, w, input_style(focus));
            let line = Line::from(vec![
                label(focus, field),
                span,
                Span::raw("  "),
                message(field, hint, room_after(w)),
            ]);
            f.render_widget(Paragraph::new(line), row);
            if self.focus == focus {
                cursor = Some(Position::new(row.x + (LABEL_W + cur.min(w.saturating_sub(1))) as u16, row.y));
            }
        }

        let counter =
            format!("{}/{}", loc.num(self.suspend_len() as i64), loc.num(self.limits.suspend_data as i64));
        let susp_line = Line::from(vec![
            label(Focus::Suspend, Field::SuspendData),
            message(Field::SuspendData, counter, width.saturating_sub(LABEL_W)),
        ]);
        f.render_widget(Paragraph::new(susp_line), rows[7]);
        f.render_widget(self.suspend_area(), rows[8]);

        let saving = self.phase == Phase::Saving;
        let button = |focus: Focus, key: &str| -> Span<'static> {
            let s = format!("[ {} ]", loc.t(key));
            let style = if self.focus == focus {
                t.selected
            } else if focus == Focus::Validate && self.parsed.is_none() {
                t.muted
            } else {
                t.base
            };
            Span::styled(s, style)
        };
        let buttons = if saving {
            Line::styled(loc.t("edit.saving").to_string(), t.accent)
        } else {
            Line::from(vec![
                button(Focus::Validate, "edit.validate"),
                Span::raw("   "),
                button(Focus::Cancel, "edit.cancel"),
            ])
        };
        f.render_widget(Paragraph::new(buttons.centered()), rows[9]);

        let why = if let Some(e) = &self.failure {
            Some(Line::styled(
                text::fit(&loc.tf("edit.save_failed", &[("error", &text::clean(e))]), width).into_owned(),
                t.danger,
            ))
        } else if self.refused || (self.focus == Focus::Validate && self.parsed.is_none()) {
            Some(Line::styled(loc.tn("edit.fix_fields", self.errors.len() as i64), t.warning))
        } else {
            None
        };
        if let Some(l) = why {
            f.render_widget(Paragraph::new(l), rows[10]);
        }
        if let Some(p) = cursor.filter(|_| !saving) {
            f.set_cursor_position(p);
        }
    }

    fn render_conflict(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let Phase::Conflict(theirs) = &self.phase else { return };
        let t = &ui.theme;
        let loc = &ui.loc;
        let width = area.width as usize;
        let who = theirs
            .updated_by
            .clone()
            .map(|w| text::clean(&w))
            .unwrap_or_else(|| loc.t("edit.someone").to_string());
        let when = loc.datetime(self.theirs_at(), ui.tz);
        let mut lines = vec![self.header(ui)];
        for l in text::wrap(&loc.tf("edit.conflict_text", &[("who", &who), ("at", &when)]), width) {
            lines.push(Line::styled(l, t.warning));
        }
        lines.push(Line::default());
        let col = width.saturating_sub(LABEL_W + 2) / 2;
        lines.push(Line::styled(
            format!(
                "{}{}  {}",
                text::pad(loc.t("edit.col_field"), LABEL_W),
                text::pad(loc.t("edit.col_yours"), col),
                text::fit(&loc.tf("edit.col_theirs", &[("who", &who)]), col)
            ),
            t.header,
        ));
        let mine = self.parsed.as_ref();
        for field in Field::ALL {
            let their = show_value(field, &theirs.stats, ui);
            let yours =
                mine.map(|m| show_value(field, m, ui)).unwrap_or_else(|| loc.t("edit.invalid").to_string());
            let differs = their != yours;
            let mark = if differs { "≠ " } else { "  " };
            lines.push(Line::from(vec![
                Span::styled(
                    text::pad(
                        &text::fit(&format!("{mark}{}", loc.t(field.label_key())), LABEL_W - 1),
                        LABEL_W,
                    ),
                    if differs { t.warning } else { t.muted },
                ),
                Span::styled(
                    text::pad(&text::fit(&yours, col.saturating_sub(1)), col),
                    if differs { t.accent } else { t.base },
                ),
                Span::raw("  "),
                Span::styled(text::fit(&their, col).into_owned(), t.base),
            ]));
        }
        lines.push(Line::default());
        lines.push(Line::styled(loc.t("edit.conflict_choices").to_string(), t.muted));
        f.render_widget(Paragraph::new(lines), area);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locale::Lang;
    use crate::model::duration::DurationError;

    /// At 80 columns a field's reason has 80 - 2 (borders) - label - input - 2 columns.
    #[test]
    fn every_reason_fits_beside_its_field_at_80_columns() {
        let room = 80 - 2 - LABEL_W - INPUT_W - 2;
        let all = [
            Invalid::ScoreFormat,
            Invalid::ScoreRange,
            Invalid::DateFormat,
            Invalid::DateNotReal,
            Invalid::DateInGap,
            Invalid::DateFuture,
            Invalid::Duration(DurationError::Empty),
            Invalid::Duration(DurationError::Format),
            Invalid::Duration(DurationError::MinutesOutOfRange),
            Invalid::Duration(DurationError::SecondsOutOfRange),
            Invalid::Duration(DurationError::TooLarge),
            Invalid::TooLong { len: 1_001, max: 1_000 },
            Invalid::ControlChars,
        ];
        for lang in [Lang::Fr, Lang::En] {
            let loc = Locale::new(lang);
            for e in &all {
                let s = format!("✗ {}", invalid_text(e, &loc));
                assert!(text::width(&s) <= room, "{lang:?} {e:?}: {s:?} is wider than {room}");
            }
        }
    }
}
