//! The statistics editor, as seen from the application: opening it, and what its saves and
//! undos come back with.

use super::{App, Layer};
use crate::store::progress::{SaveOutcome, UndoOutcome};
use crate::text;
use crate::tui::dialogs::edit_stats::EditStats;
use crate::tui::effect::{Effect, Loaded};
use crate::tui::frame::Level;

impl App {
    pub(super) fn editor(&mut self) -> Option<&mut EditStats> {
        self.layers.iter_mut().rev().find_map(|l| match l {
            Layer::EditStats(d) => Some(d.as_mut()),
            _ => None,
        })
    }

    pub(super) fn close_editor(&mut self) {
        self.layers.retain(|l| !matches!(l, Layer::EditStats(_)));
    }

    /// Confirmed: the editor's values saved over the other tutor's.
    pub(super) fn overwrite_stats(&mut self) {
        if let Some(edit) = self.editor().and_then(|d| d.overwrite()) {
            self.run(Effect::SaveStats { edit, now: self.ui.now });
        }
    }

    /// After a correction: the report, the learner table and the course list all show it.
    pub(super) fn reload_after_edit(&mut self, enrolment_id: i64) {
        if let Some(r) = self.tutoring.report.as_mut().filter(|r| r.enrolment_id == enrolment_id) {
            r.loading = true;
            self.run(Effect::LoadReport { enrolment_id });
        }
        if let Some(c) = &self.tutoring.course {
            let course_id = c.id;
            self.run(Effect::LoadLearners { course_id });
        }
        self.run(Effect::LoadFormations);
    }

    pub(super) fn edit_loaded(&mut self, l: Loaded) {
        let loc = &self.ui.loc;
        match l {
            Loaded::Stats { enrolment_id, result } => {
                let Some(r) = self.tutoring.report.as_ref().filter(|r| r.enrolment_id == enrolment_id) else {
                    return;
                };
                match result {
                    Ok(rec) => {
                        let d = EditStats::new(r.learner.clone(), *rec, &self.ui);
                        self.layers.push(Layer::EditStats(Box::new(d)));
                    }
                    Err(e) => {
                        let msg = loc.tf("edit.open_failed", &[("error", &e)]);
                        self.set_status(Level::Error, msg);
                    }
                }
            }
            Loaded::StatsSaved { enrolment_id, result } => match result {
                Ok(SaveOutcome::Saved { fields, .. }) => {
                    let names: Vec<&str> = fields.iter().map(|f| loc.t(f.label_key())).collect();
                    let msg = loc.tf("edit.saved", &[("fields", &names.join(", "))]);
                    self.close_editor();
                    self.set_status(Level::Success, msg);
                    self.reload_after_edit(enrolment_id);
                }
                Ok(SaveOutcome::Unchanged) => {
                    let msg = loc.t("edit.unchanged").to_string();
                    self.close_editor();
                    self.set_status(Level::Info, msg);
                }
                Ok(SaveOutcome::Conflict(theirs)) => {
                    let msg = loc.t("edit.conflict_status").to_string();
                    if let Some(d) = self.editor() {
                        d.conflict(*theirs);
                    }
                    self.set_status(Level::Warning, msg);
                }
                Err(e) => {
                    let msg = loc.tf("edit.save_failed", &[("error", &e)]);
                    if let Some(d) = self.editor() {
                        d.save_failed(e);
                    }
                    self.set_status(Level::Error, msg);
                }
            },
            Loaded::Undone { enrolment_id, result } => {
                let (level, msg) = match result {
                    Ok(UndoOutcome::Undone { lesson_title, fields }) => {
                        let names: Vec<&str> = fields.iter().map(|f| loc.t(f.label_key())).collect();
                        let msg = loc.tf(
                            "edit.undone",
                            &[("lesson", &text::clean(&lesson_title)), ("fields", &names.join(", "))],
                        );
                        (Level::Success, msg)
                    }
                    Ok(UndoOutcome::NothingToUndo) => {
                        (Level::Info, loc.t("edit.nothing_to_undo").to_string())
                    }
                    Ok(UndoOutcome::ChangedSince { lesson_title, by }) => {
                        let by =
                            by.map(|b| text::clean(&b)).unwrap_or_else(|| loc.t("edit.someone").to_string());
                        let msg = loc.tf(
                            "edit.undo_refused",
                            &[("lesson", &text::clean(&lesson_title)), ("who", &by)],
                        );
                        (Level::Warning, msg)
                    }
                    Err(e) => (Level::Error, loc.tf("edit.undo_failed", &[("error", &e)])),
                };
                let reload = level == Level::Success;
                self.set_status(level, msg);
                if reload {
                    self.reload_after_edit(enrolment_id);
                }
            }
            _ => {}
        }
    }
}
