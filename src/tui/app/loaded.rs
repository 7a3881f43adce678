//! Finished effects: results of database work land in the views (or the status line).

use super::App;
use crate::model::catalog::DataIssue;
use crate::tui::effect::Loaded;
use crate::tui::frame::Level;

impl App {
    pub(super) fn fail(&mut self, what: &str, e: &str) {
        let msg = self.ui.loc.tf("status.load_failed", &[("what", &what), ("error", &e)]);
        self.set_status(Level::Error, msg);
    }

    pub(super) fn loaded(&mut self, l: Loaded) {
        match l {
            Loaded::Remind(r) => self.remind_loaded(r),
            l @ (Loaded::Stats { .. } | Loaded::StatsSaved { .. } | Loaded::Undone { .. }) => {
                self.edit_loaded(l)
            }
            Loaded::Triage(result) => match result {
                Ok(entries) => self.triage.load(entries),
                Err(e) => {
                    self.triage.list.fail(e.clone());
                    let what = self.ui.loc.t("tabs.triage").to_string();
                    self.fail(&what, &e);
                }
            },
            Loaded::NotesAdded { count, result } => match result {
                Ok(()) => {
                    let msg = self.ui.loc.tn("triage.noted", count as i64);
                    self.set_status(Level::Success, msg);
                    self.triage.list.marks.clear();
                    self.load_triage();
                }
                Err(e) => {
                    let msg = self.ui.loc.tf("triage.note_failed", &[("error", &e)]);
                    self.set_status(Level::Error, msg);
                }
            },
            Loaded::Formations(Ok(data)) => {
                let admin = self.scope.is_admin();
                self.formations.load(data, &self.ui, admin);
                let issues = self.data_issues_message();
                if issues.is_some() && issues != self.reported_issues {
                    self.set_status(Level::Warning, issues.clone().unwrap_or_default());
                    self.reported_issues = issues;
                } else if matches!(&self.status, Some(s) if s.level == Level::Error) {
                    self.status = None;
                }
            }
            Loaded::Formations(Err(e)) => {
                self.formations.list.fail(e.clone());
                let what = self.ui.loc.t("tabs.formations").to_string();
                self.fail(&what, &e);
            }
            Loaded::CourseDetail { course_id, result } => {
                let Some(d) = self.formations.detail.as_mut().filter(|d| d.course.id == course_id) else {
                    return;
                };
                match result {
                    Ok(detail) => {
                        d.load(*detail);
                        let bad = d.detail.as_ref().map(|x| x.invalid_reviews).unwrap_or(0);
                        if bad > 0 {
                            tracing::warn!(course_id, bad, "reviews with a rating outside 1..5");
                            let msg = self.ui.loc.tn("status.invalid_reviews", bad as i64);
                            self.set_status(Level::Warning, msg);
                        }
                    }
                    Err(e) => {
                        d.loading = false;
                        d.error = Some(e.clone());
                        let what = d.course.fullname.clone();
                        self.fail(&what, &e);
                    }
                }
            }
            Loaded::Learners { course_id, result } => {
                if self.tutoring.course.as_ref().map(|c| c.id) != Some(course_id) {
                    return; // the tutor moved on to another course meanwhile
                }
                match result {
                    Ok(data) => self.tutoring.load(data),
                    Err(e) => {
                        self.tutoring.list.fail(e.clone());
                        let what = self.ui.loc.t("tabs.tutoring").to_string();
                        self.fail(&what, &e);
                    }
                }
            }
            Loaded::Report { enrolment_id, mut result } => {
                // Stored names of templates, shown by their titles.
                if let Ok(report) = &mut result {
                    let titles = self.template_titles();
                    for m in report.reminders.iter_mut().filter(|m| m.kind != "contact") {
                        if let Some(t) = titles.get(&m.template) {
                            m.template = t.clone();
                        }
                    }
                }
                let now = self.ui.now;
                let Some(r) = self.tutoring.report.as_mut().filter(|r| r.enrolment_id == enrolment_id) else {
                    return;
                };
                match result {
                    Ok(report) => {
                        r.load(*report, now);
                        if let Some(d) = &r.data
                            && !d.issues.is_empty()
                        {
                            tracing::warn!(enrolment_id, issues = ?d.issues, "inconsistent learner data");
                        }
                    }
                    Err(e) => {
                        r.loading = false;
                        r.error = Some(e.clone());
                        let what = r.learner.clone();
                        self.fail(&what, &e);
                    }
                }
            }
        }
    }

    pub(super) fn data_issues_message(&self) -> Option<String> {
        let issues = &self.formations.issues;
        let cycles = issues.iter().filter(|i| matches!(i, DataIssue::CategoryCycle { .. })).count();
        let orphans = issues.iter().filter(|i| matches!(i, DataIssue::OrphanCourse { .. })).count();
        let loc = &self.ui.loc;
        let parts: Vec<String> = [(cycles, "status.data_cycles"), (orphans, "status.data_orphans")]
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, key)| loc.tn(key, n as i64))
            .collect();
        (!parts.is_empty()).then(|| loc.tf("status.data_issues", &[("list", &parts.join(", "))]))
    }
}
