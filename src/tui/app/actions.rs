//! Carrying out actions: what the runtime reports, and what panes ask for.

use super::{App, Layer, Tab};
use crate::tui::action::{Action, PickFor};
use crate::tui::command::Cmd;
use crate::tui::dialogs::confirm::Confirm;
use crate::tui::dialogs::help::Help;
use crate::tui::dialogs::note::NoteDialog;
use crate::tui::dialogs::picker::Picker;
use crate::tui::effect::Effect;
use crate::tui::ui::CourseRef;
use crate::tui::views::report::ReportView;

impl App {
    pub fn update(&mut self, action: Action) {
        match action {
            Action::Key(k) => self.on_key(k),
            Action::Paste(s) => {
                let action = self.with_top(|p, cx| p.paste(&s, cx));
                self.update(action);
            }
            Action::Loaded(l) => {
                self.busy = self.busy.saturating_sub(1);
                self.loaded(l);
            }
            Action::Resize | Action::Done => {}
            Action::Tick => self.spin = self.spin.wrapping_add(1),
            Action::SendProgress(p) => self.sending = Some(p),
            Action::Wake => self.wake(),
            Action::Batch(all) => all.into_iter().for_each(|a| self.update(a)),
            Action::Quit => self.quit = true,
            Action::Close => {
                self.layers.pop();
            }
            Action::Run(e) => self.run(e),
            Action::Status(level, text) => self.set_status(level, text),
            Action::OpenCourse(c) => self.open_course(c),
            Action::ToFormations => self.tab = Tab::Formations,
            Action::OpenReport { course, enrolment_id, learner } => {
                self.open_course(course);
                self.tutoring.report = Some(ReportView::new(enrolment_id, learner));
                self.run(Effect::LoadReport { enrolment_id });
            }
            Action::PickCourse => self.pick_course(),
            Action::Pick { purpose, title, choices, current } => {
                self.layers.push(Layer::Picker(Box::new(Picker::new(purpose, title, choices, current))));
            }
            Action::Picked(purpose, id) => self.picked(purpose, id),
            Action::Confirm { title, message, yes } => {
                self.layers.push(Layer::Confirm(Box::new(Confirm::new(title, message, *yes))));
            }
            Action::Note { enrolment_ids, who } => {
                self.layers.push(Layer::Note(Box::new(NoteDialog::new(enrolment_ids, who))));
            }
            Action::OpenRemind { targets, prefer } => self.open_remind(targets, prefer),
            Action::UndoEdit { enrolment_id } => {
                self.run(Effect::UndoEdit { enrolment_id, now: self.ui.now })
            }
            Action::OverwriteStats => self.overwrite_stats(),
            Action::SendReminders => self.send_reminders(),
            Action::LogAct { id, act } => self.log_act(id, act),
            Action::ReloadLog => self.load_log(),
        }
    }

    /// The commands no pane took: quitting, help, tabs, reloading, stopping a sending.
    pub(super) fn global(&mut self, cmd: Cmd) {
        let tabs = Tab::ALL.len();
        match cmd {
            Cmd::Quit => self.quit = true,
            Cmd::Help => self.layers.push(Layer::Help(Box::new(Help::new(self.context())))),
            Cmd::NextTab => self.switch_tab((self.tab.index() + 1) % tabs),
            Cmd::PrevTab => self.switch_tab((self.tab.index() + tabs - 1) % tabs),
            Cmd::GoTab(i) => self.switch_tab(i as usize),
            Cmd::StopSending => self.stop_sending(),
            Cmd::Refresh => self.refresh(),
            _ => {}
        }
    }

    /// F5: everything shown is read again.
    fn refresh(&mut self) {
        self.load_log();
        self.run(Effect::LoadFormations);
        self.triage.list.start_loading();
        self.load_triage();
        if let Some(d) = &mut self.formations.detail {
            d.loading = true;
            let course_id = d.course.id;
            self.run(Effect::LoadCourseDetail { course_id });
        }
        if let Some(c) = &self.tutoring.course {
            let course_id = c.id;
            self.tutoring.list.start_loading();
            self.run(Effect::LoadLearners { course_id });
        }
    }

    fn switch_tab(&mut self, i: usize) {
        if let Some(t) = Tab::ALL.get(i) {
            self.tab = *t;
        }
    }

    pub fn open_course(&mut self, c: CourseRef) {
        let id = c.id;
        self.tutoring.open(c);
        self.tab = Tab::Tutoring;
        self.run(Effect::LoadLearners { course_id: id });
    }

    /// `c` in the Centre de tutorat: the tutor's courses.
    fn pick_course(&mut self) {
        let choices = self.formations.choices();
        let current = self.tutoring.course.as_ref().map(|c| c.id);
        let title = self.ui.loc.t("picker.course_title").to_string();
        self.layers.push(Layer::Picker(Box::new(Picker::new(
            PickFor::TutoringCourse,
            title,
            choices,
            current,
        ))));
    }

    fn picked(&mut self, purpose: PickFor, id: i64) {
        match purpose {
            PickFor::TutoringCourse => {
                if let Some(c) = self.formations.course_ref(id) {
                    self.open_course(c);
                }
            }
            PickFor::TriageCourse => self.triage.set_course(id),
            PickFor::ReportCourse => {
                if let Some(r) = &mut self.tutoring.report {
                    let action = r.switch_to(id);
                    self.update(action);
                }
            }
        }
    }
}
