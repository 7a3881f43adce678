//! Reminders, as seen from the application: the Relancer dialog, the sending in the
//! background with its progress and summary, retries when they are due, and the actions
//! of the Relances tab.

use std::collections::HashMap;

use super::{App, Layer, Tab};
use crate::model::Ts;
use crate::reminders::LogAct;
use crate::reminders::{Reminders, Summary};
use crate::text;
use crate::tui::dialogs::remind::{RPhase, RemindDialog};
use crate::tui::effect::Effect;
use crate::tui::effect::{RemindEffect, RemindLoaded};
use crate::tui::frame::Level;
use crate::tui::remind_tasks::error_text;

impl App {
    /// Called once at start: what reminders can do here. A process that stopped while
    /// sending left messages queued (or uncertain): they are resumed (or reported) now.
    pub fn start_reminders(&mut self, reminders: Option<Reminders>, problem: Option<String>) {
        self.reminders = reminders;
        self.reminders_problem = problem;
        self.load_log();
        if self.reminders.is_some() && self.scope.person.is_some() {
            self.dispatch(None, true);
        }
    }

    /// Templates' titles ("Jamais connecté") by file name, which is what is stored.
    pub fn template_titles(&self) -> HashMap<String, String> {
        let Some(rem) = &self.reminders else { return HashMap::new() };
        rem.templates.list().into_iter().map(|(i, _)| (i.name, text::clean(&i.title))).collect()
    }

    fn remind_effect(&mut self, e: RemindEffect) {
        self.run(Effect::Remind(e));
    }

    pub(super) fn load_log(&mut self) {
        let status = self.reminder_log.status;
        self.reminder_log.list.start_loading();
        self.remind_effect(RemindEffect::LoadLog { status });
    }

    fn dispatch(&mut self, batch: Option<String>, quiet: bool) {
        if self.sending.is_some() {
            self.dispatch_again = true;
            return;
        }
        self.sending = Some(Default::default());
        self.remind_effect(RemindEffect::Dispatch { batch, quiet });
    }

    pub(super) fn stop_sending(&mut self) {
        if self.sending.is_some() {
            self.remind_effect(RemindEffect::Cancel);
        } else {
            let msg = self.ui.loc.t("remind.nothing_sending").to_string();
            self.set_status(Level::Info, msg);
        }
    }

    /// When the runtime should wake the application (the next retry of failed reminders).
    pub fn next_wakeup(&self) -> Option<Ts> {
        self.next_retry.filter(|_| self.sending.is_none())
    }

    pub(super) fn wake(&mut self) {
        if self.next_retry.is_some_and(|t| t <= self.ui.now) && self.sending.is_none() {
            self.next_retry = None;
            self.dispatch(None, true);
        }
    }

    pub(super) fn open_remind(&mut self, targets: Vec<i64>, prefer: &str) {
        let Some(rem) = &self.reminders else {
            let why = self.reminders_problem.clone().unwrap_or_default();
            let msg = self.ui.loc.tf("remind.unavailable", &[("error", &text::clean(&why))]);
            self.set_status(Level::Error, msg);
            return;
        };
        let d = RemindDialog::new(targets, rem, prefer, &self.ui);
        let req = d.request();
        self.layers.push(Layer::Remind(Box::new(d)));
        self.remind_effect(RemindEffect::Plan { req, now: self.ui.now });
    }

    fn remind_dialog(&mut self) -> Option<&mut RemindDialog> {
        self.layers.iter_mut().rev().find_map(|l| match l {
            Layer::Remind(d) => Some(d.as_mut()),
            _ => None,
        })
    }

    fn close_remind(&mut self) {
        self.layers.retain(|l| !matches!(l, Layer::Remind(_)));
    }

    /// Confirmed: the Relancer dialog's messages are queued, then sent.
    pub(super) fn send_reminders(&mut self) {
        let now = self.ui.now;
        let Some(d) = self.remind_dialog() else { return };
        let Some(plan) = d.plan.clone() else { return };
        d.phase = RPhase::Enqueuing;
        let compose = d.compose();
        self.remind_effect(RemindEffect::Enqueue { plan: Box::new(plan), compose: Box::new(compose), now });
    }

    /// Confirmed: retry, confirm or cancel one reminder of the Relances tab.
    pub(super) fn log_act(&mut self, id: i64, act: LogAct) {
        self.remind_effect(RemindEffect::Act { id, act, now: self.ui.now });
    }

    /// `copy`: this sending included the copy to the tutor, which `Summary::sent` counts.
    fn summary_text(&self, s: &Summary, skipped: usize, copy: bool) -> String {
        let loc = &self.ui.loc;
        let copy_sent = copy && s.sent > 0;
        let learners = s.sent - usize::from(copy_sent);
        let mut msg = loc.tf(
            "reminders.summary",
            &[("sent", &learners), ("skipped", &skipped), ("failed", &(s.failed + s.will_retry))],
        );
        if copy_sent {
            msg = format!("{msg} {}", loc.t("remind.plus_copy"));
        }
        if s.will_retry > 0 {
            msg = format!("{msg} {}", loc.tf("reminders.retry_later", &[("n", &s.will_retry)]));
        }
        if s.uncertain > 0 {
            msg = format!("{msg} {}", loc.tn("remind.uncertain_waiting", s.uncertain as i64));
        }
        if s.cancelled {
            msg = format!("{msg} {}", loc.tn("remind.stopped", s.remaining as i64));
        }
        msg
    }

    /// After a sending or an action: the queues and histories that show reminders.
    fn reload_after_sending(&mut self) {
        self.load_log();
        self.load_triage();
        if let Some(r) = &mut self.tutoring.report {
            r.loading = true;
            let enrolment_id = r.enrolment_id;
            self.run(Effect::LoadReport { enrolment_id });
        }
    }

    pub(super) fn remind_loaded(&mut self, l: RemindLoaded) {
        let ui_loc = self.ui.loc.clone();
        match l {
            RemindLoaded::Plan(result) => {
                let result = result.map_err(|e| error_text(&e, &ui_loc));
                let (rem, scope) = (self.reminders.clone(), self.scope.clone());
                let ui = &self.ui;
                if let (Some(rem), Some(Layer::Remind(d))) =
                    (rem, self.layers.iter_mut().rev().find(|l| matches!(l, Layer::Remind(_))))
                {
                    d.plan_loaded(result, &rem, &scope, ui);
                }
            }
            RemindLoaded::Attachment(result) => {
                let (rem, scope) = (self.reminders.clone(), self.scope.clone());
                let ui = &self.ui;
                if let (Some(rem), Some(Layer::Remind(d))) =
                    (rem, self.layers.iter_mut().rev().find(|l| matches!(l, Layer::Remind(_))))
                {
                    d.attachment_loaded(result, ui);
                    d.refresh_preview(&rem, &scope, ui);
                }
            }
            RemindLoaded::Enqueued(Ok(q)) => {
                let skipped =
                    self.remind_dialog().and_then(|d| d.plan.as_ref().map(|p| p.skipped.len())).unwrap_or(0)
                        + q.skipped_now.len();
                self.last_skipped = skipped;
                self.last_copy = q.copy;
                self.close_remind();
                // The marked learners were acted on.
                self.tutoring.list.marks.clear();
                self.triage.list.marks.clear();
                let msg = ui_loc.tn("remind.queued", q.queued as i64);
                self.set_status(Level::Info, msg);
                self.dispatch(Some(q.batch_id), false);
                self.reload_after_sending();
            }
            RemindLoaded::Enqueued(Err(e)) => {
                let msg = error_text(&e, &ui_loc);
                if let Some(d) = self.remind_dialog() {
                    d.enqueue_failed(msg.clone());
                }
                self.set_status(Level::Error, ui_loc.tf("remind.queue_failed", &[("error", &msg)]));
            }
            RemindLoaded::Dispatched { quiet, result, next_retry } => {
                self.sending = None;
                self.next_retry = next_retry;
                match result {
                    Ok(s) => {
                        let skipped = if quiet { 0 } else { std::mem::take(&mut self.last_skipped) };
                        let copy = !quiet && std::mem::take(&mut self.last_copy);
                        let happened = s.sent + s.failed + s.will_retry + s.recovered > 0 || s.cancelled;
                        if !quiet || happened {
                            let level = if s.failed + s.uncertain > 0 {
                                Level::Error
                            } else if s.will_retry > 0 || s.cancelled {
                                Level::Warning
                            } else {
                                Level::Success
                            };
                            let msg = self.summary_text(&s, skipped, copy);
                            self.set_status(level, msg);
                        }
                        if happened {
                            self.reload_after_sending();
                        }
                    }
                    Err(e) => {
                        let msg = ui_loc.tf("remind.send_failed", &[("error", &error_text(&e, &ui_loc))]);
                        self.set_status(Level::Error, msg);
                        self.load_log();
                    }
                }
                if std::mem::take(&mut self.dispatch_again) {
                    self.dispatch(None, false);
                }
            }
            RemindLoaded::CancelRequested => {
                self.set_status(Level::Warning, ui_loc.t("remind.stopping").to_string());
            }
            RemindLoaded::Log(Ok(rows)) => {
                self.reminder_log.load(rows);
                let titles = self.template_titles();
                for e in self.reminder_log.list.rows_mut() {
                    if let Some(t) = titles.get(&e.row.template) {
                        e.template = t.clone();
                    }
                }
            }
            RemindLoaded::Log(Err(e)) => {
                self.reminder_log.list.fail(e.clone());
                let what = ui_loc.t("tabs.relances").to_string();
                self.fail(&what, &e);
            }
            RemindLoaded::Acted { act, result } => match result {
                Ok(()) => {
                    let key = match act {
                        LogAct::Retry => "relances.retried",
                        LogAct::Confirm => "relances.confirmed",
                        LogAct::Cancel => "relances.cancelled",
                    };
                    self.set_status(Level::Success, ui_loc.t(key).to_string());
                    self.load_log();
                    if act == LogAct::Retry {
                        self.dispatch(None, false);
                    }
                    if self.tab == Tab::Relances {
                        self.load_triage();
                    }
                }
                Err(e) => self.set_status(Level::Error, ui_loc.tf("relances.act_failed", &[("error", &e)])),
            },
        }
    }
}
