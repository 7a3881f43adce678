//! Application state and `update`: keys become commands, commands change state or ask for
//! effects, and finished effects come back as actions. No I/O happens here.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::Frame;

mod edit;
mod loaded;
mod remind;

use super::action::Action;
use super::command::Cmd;
use super::dialogs::confirm::{Confirm, Pending};
use super::dialogs::edit_stats::EditStats;
use super::dialogs::help::Help;
use super::dialogs::note::{NoteDialog, NoteOut};
use super::dialogs::picker::{PickItem, Picked, Picker};
use super::dialogs::remind::RemindDialog;
use super::effect::Effect;
use super::frame::{self, Level, Status};
use super::keymap::{self, Context};
use super::ui::{CourseRef, Ui};
use super::views::Outcome;
use super::views::formations::FormationsView;
use super::views::reminder_log::ReminderLogView;
use super::views::triage::TriageView;
use super::views::tutoring::TutoringView;
use crate::model::Ts;
use crate::model::triage::Rules;
use crate::reminders::{Progress, Reminders};
use crate::store::people::Scope;
use crate::text;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Formations,
    Tutoring,
    Triage,
    Relances,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Formations, Tab::Tutoring, Tab::Triage, Tab::Relances];

    pub fn index(self) -> usize {
        Self::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    pub fn title_key(self) -> &'static str {
        match self {
            Tab::Formations => "tabs.formations",
            Tab::Tutoring => "tabs.tutoring",
            Tab::Triage => "tabs.triage",
            Tab::Relances => "tabs.relances",
        }
    }
}

/// What a picker's choice is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickFor {
    /// The course shown in the Centre de tutorat.
    TutoringCourse,
    /// Another enrolment of the learner whose report is open.
    ReportCourse,
    /// The course filter of the triage.
    TriageCourse,
}

/// Layers above the views; the last one gets the keys first, Esc closes it.
#[derive(Debug)]
pub enum Layer {
    Help(Help),
    Picker(PickFor, Picker),
    EditStats(Box<EditStats>),
    Confirm(Confirm),
    Note(NoteDialog),
    Remind(Box<RemindDialog>),
}

pub struct App {
    pub ui: Ui,
    pub scope: Scope,
    pub db_label: String,
    pub tab: Tab,
    pub formations: FormationsView,
    pub tutoring: TutoringView,
    pub triage: TriageView,
    /// `[triage]` settings: when to remind again, when to call.
    triage_rules: Rules,
    pub reminder_log: ReminderLogView,
    /// Reminder settings and templates; `None` with the reason in `reminders_problem` when
    /// the configuration does not allow sending.
    pub reminders: Option<Reminders>,
    pub reminders_problem: Option<String>,
    /// The sending in progress, as last reported.
    pub sending: Option<Progress>,
    /// Another sending was queued while one ran: send again when it ends.
    dispatch_again: bool,
    /// When failed reminders are next due for a retry.
    pub next_retry: Option<Ts>,
    /// Learners the last queued sending skipped, for its summary.
    last_skipped: usize,
    /// Whether that sending included the copy to the tutor.
    last_copy: bool,
    pub layers: Vec<Layer>,
    pub status: Option<Status>,
    pub quit: bool,
    /// Effects in flight (a spinner shows while non-zero).
    pub busy: usize,
    pub spin: usize,
    effects: Vec<Effect>,
    /// The data problems last reported, so a reload does not repeat them over newer news.
    reported_issues: Option<String>,
}

impl App {
    pub fn new(ui: Ui, scope: Scope, db_label: String) -> App {
        let mut app = App {
            ui,
            scope,
            db_label,
            tab: Tab::Formations,
            formations: FormationsView::default(),
            tutoring: TutoringView::default(),
            triage: TriageView::default(),
            triage_rules: Rules::default(),
            reminder_log: ReminderLogView::default(),
            reminders: None,
            reminders_problem: None,
            sending: None,
            dispatch_again: false,
            next_retry: None,
            last_skipped: 0,
            last_copy: false,
            layers: Vec::new(),
            status: None,
            quit: false,
            busy: 0,
            spin: 0,
            effects: Vec::new(),
            reported_issues: None,
        };
        if app.scope.person.is_none() {
            let msg = app.ui.loc.tf("status.unknown_tutor", &[("user", &text::clean(&app.scope.username))]);
            app.set_status(Level::Warning, msg);
        }
        app.run(Effect::LoadFormations);
        // Loaded at once so the tab title shows waiting work from the start.
        app.load_triage();
        app
    }

    pub(super) fn load_triage(&mut self) {
        self.run(Effect::LoadTriage { now: self.ui.now, rules: self.triage_rules });
    }

    /// The `[triage]` rules of the configuration; the queue already asked for is recomputed
    /// under them.
    pub fn set_triage_rules(&mut self, rules: Rules) {
        self.triage_rules = rules;
        for e in &mut self.effects {
            if let Effect::LoadTriage { rules: r, .. } = e {
                *r = rules;
            }
        }
    }

    /// Effects requested since the last call, for the runtime (or a test) to execute.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    fn run(&mut self, e: Effect) {
        self.busy += 1;
        self.effects.push(e);
    }

    pub fn set_status(&mut self, level: Level, text: String) {
        self.status = Some(Status { level, text });
    }

    pub fn help_open(&self) -> bool {
        matches!(self.layers.last(), Some(Layer::Help(_)))
    }

    /// The keys in force: the top layer's, else the current view's.
    pub fn context(&self) -> Context {
        match self.layers.last() {
            Some(Layer::Help(_)) => Context::Help,
            Some(Layer::Picker(..)) => Context::Help, // pickers read raw keys; see on_key
            Some(Layer::EditStats(d)) => d.context(),
            Some(Layer::Confirm(_)) => Context::Confirm,
            Some(Layer::Note(_)) => Context::Note,
            Some(Layer::Remind(d)) => d.context(),
            None => self.view_context(),
        }
    }

    fn view_context(&self) -> Context {
        match self.tab {
            Tab::Formations if self.formations.detail.is_some() => Context::CourseDetail,
            Tab::Formations => Context::Formations,
            Tab::Tutoring if self.tutoring.report.is_some() => Context::Report,
            Tab::Tutoring => Context::Tutoring,
            Tab::Triage => Context::Triage,
            Tab::Relances => Context::Relances,
        }
    }

    fn filter_editing(&self) -> bool {
        match self.tab {
            Tab::Formations => self.formations.list.typing() && self.formations.detail.is_none(),
            Tab::Tutoring => self.tutoring.list.typing() && self.tutoring.report.is_none(),
            Tab::Triage => self.triage.list.typing(),
            Tab::Relances => self.reminder_log.list.typing(),
        }
    }

    /// Terminal events. Key releases are ignored (some terminals report them).
    pub fn handle_event(&mut self, ev: Event) {
        match ev {
            Event::Key(k) if k.kind != KeyEventKind::Release => self.update(Action::Key(k)),
            Event::Paste(s) => self.update(Action::Paste(s)),
            Event::Resize(..) => self.update(Action::Resize),
            _ => {}
        }
    }

    pub fn update(&mut self, action: Action) {
        match action {
            Action::Key(k) => self.on_key(k),
            Action::Paste(s) => match (self.layers.last_mut(), self.tab) {
                (Some(Layer::Picker(_, p)), _) => p.paste(&s),
                (Some(Layer::EditStats(d)), _) => d.paste(&s, &self.ui),
                (Some(Layer::Note(n)), _) => n.paste(&s),
                (Some(Layer::Remind(d)), _) => d.paste(&s),
                (Some(_), _) => {}
                (None, Tab::Formations) => self.formations.paste(&s),
                (None, Tab::Tutoring) => self.tutoring.paste(&s),
                (None, Tab::Triage) => self.triage.paste(&s),
                (None, Tab::Relances) => self.reminder_log.paste(&s),
            },
            Action::Loaded(l) => {
                self.busy = self.busy.saturating_sub(1);
                self.loaded(l);
            }
            Action::Resize => {}
            Action::Tick => self.spin = self.spin.wrapping_add(1),
            Action::SendProgress(p) => self.sending = Some(p),
            Action::Wake => self.wake(),
        }
    }

    fn on_key(&mut self, k: KeyEvent) {
        if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return;
        }
        if let Some(Layer::Picker(purpose, p)) = self.layers.last_mut() {
            let purpose = *purpose;
            match p.key(k) {
                Picked::Open => {}
                Picked::Cancelled => {
                    self.layers.pop();
                }
                Picked::Chosen(id) => {
                    self.layers.pop();
                    self.picked(purpose, id);
                }
            }
            return;
        }
        if let Some(Layer::EditStats(d)) = self.layers.last_mut() {
            let out = d.key(k, &self.ui);
            self.dialog_out(out);
            return;
        }
        if let Some(Layer::Remind(_)) = self.layers.last() {
            self.remind_key(k);
            return;
        }
        if let Some(Layer::Note(n)) = self.layers.last_mut() {
            match n.key(k) {
                NoteOut::Stay => {}
                NoteOut::Cancel => {
                    self.layers.pop();
                }
                NoteOut::Save(note) => {
                    let enrolment_ids = n.enrolment_ids.clone();
                    self.layers.pop();
                    self.run(Effect::AddNotes { enrolment_ids, note, now: self.ui.now });
                }
            }
            return;
        }
        if let Some(Layer::Confirm(_)) = self.layers.last() {
            let answer = keymap::lookup(Context::Confirm, &k);
            if answer.is_some()
                && let Some(Layer::Confirm(c)) = self.layers.pop()
            {
                match answer {
                    Some(Cmd::Yes) => self.confirmed(c.pending),
                    Some(Cmd::Quit) => self.quit = true,
                    _ => {}
                }
            }
            return;
        }
        if self.layers.is_empty() && self.filter_editing() {
            let out = match self.tab {
                Tab::Formations => self.formations.handle_key(k),
                Tab::Tutoring => self.tutoring.handle_key(k),
                Tab::Triage => self.triage.handle_key(k),
                Tab::Relances => self.reminder_log.handle_key(k),
            };
            self.outcome(out);
            return;
        }
        if let Some(cmd) = keymap::lookup(self.context(), &k) {
            self.command(cmd);
        }
    }

    pub fn command(&mut self, cmd: Cmd) {
        if let Some(Layer::Help(help)) = self.layers.last_mut() {
            if cmd == Cmd::Quit {
                self.quit = true;
            } else if !help.update(cmd) {
                self.layers.pop();
            }
            return;
        }
        let out = match self.tab {
            Tab::Formations => self.formations.update(cmd),
            Tab::Tutoring => self.tutoring.update(cmd),
            Tab::Triage => self.triage.update(cmd),
            Tab::Relances => self.reminder_log.update(cmd),
        };
        if out == Outcome::Unhandled {
            self.global(cmd);
        } else {
            self.outcome(out);
        }
    }

    fn outcome(&mut self, out: Outcome) {
        match out {
            Outcome::Done | Outcome::Unhandled => {}
            Outcome::OpenCourse(c) => self.open_course(c),
            Outcome::Back => self.tab = Tab::Formations,
            Outcome::Run(e) => self.run(e),
            Outcome::PickCourse => {
                let items: Vec<PickItem> = self
                    .formations
                    .list
                    .rows()
                    .iter()
                    .map(|c| PickItem::new(c.summary.id, &c.name, &c.summary.shortname))
                    .collect();
                let current = self.tutoring.course.as_ref().map(|c| c.id);
                let title = self.ui.loc.t("picker.course_title").to_string();
                self.layers.push(Layer::Picker(PickFor::TutoringCourse, Picker::new(title, items, current)));
            }
            Outcome::EditStats { enrolment_id, lesson_id } => {
                self.run(Effect::LoadStats { enrolment_id, lesson_id });
            }
            Outcome::ConfirmUndo { enrolment_id } => {
                let loc = &self.ui.loc;
                let c = Confirm::new(
                    loc.t("confirm.undo_title").to_string(),
                    loc.t("confirm.undo_text").to_string(),
                    Pending::Undo { enrolment_id },
                );
                self.layers.push(Layer::Confirm(c));
            }
            Outcome::PickTriageCourse => {
                let all = self.ui.loc.t("triage.all_courses").to_string();
                let items = self.triage.course_items(&all);
                let current = self.triage.course.as_ref().map(|c| c.0).or(Some(0));
                let title = self.ui.loc.t("picker.course_title").to_string();
                self.layers.push(Layer::Picker(PickFor::TriageCourse, Picker::new(title, items, current)));
            }
            Outcome::NoteContact { enrolment_ids } => {
                let who = match enrolment_ids.as_slice() {
                    [one] => self.triage.entry(*one).map(|e| e.name.clone()).unwrap_or_default(),
                    many => self.ui.loc.tn("triage.learners", many.len() as i64),
                };
                self.layers.push(Layer::Note(NoteDialog::new(enrolment_ids, who)));
            }
            Outcome::OpenReport { course, enrolment_id, learner } => {
                self.open_course(course);
                self.tutoring.report = Some(super::views::report::ReportView::new(enrolment_id, learner));
                self.run(Effect::LoadReport { enrolment_id });
            }
            Outcome::OpenRemind { targets, prefer } => self.open_remind(targets, prefer),
            Outcome::ConfirmLogAct { id, act, who } => self.confirm_log_act(id, act, &who),
            Outcome::NotApplicable => {
                let msg = self.ui.loc.t("relances.not_applicable").to_string();
                self.set_status(Level::Info, msg);
            }
            Outcome::ReloadLog => self.load_log(),
            Outcome::PickReportCourse => {
                if let Some(r) = &self.tutoring.report {
                    let title = self.ui.loc.tf("picker.report_title", &[("who", &r.learner)]);
                    let picker = Picker::new(title, r.course_items(), Some(r.enrolment_id));
                    self.layers.push(Layer::Picker(PickFor::ReportCourse, picker));
                }
            }
        }
    }

    fn picked(&mut self, purpose: PickFor, id: i64) {
        match purpose {
            PickFor::TutoringCourse => {
                if let Some(c) = self.formations.course_ref(id) {
                    self.open_course(c);
                }
            }
            PickFor::TriageCourse => {
                if id == 0 {
                    self.triage.course = None;
                    self.triage.rebuild_index();
                } else {
                    self.triage.set_course(id);
                }
            }
            PickFor::ReportCourse => {
                if let Some(r) = &mut self.tutoring.report {
                    let out = r.switch_to(id);
                    self.outcome(out);
                }
            }
        }
    }

    fn global(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Quit => self.quit = true,
            Cmd::Help => self.layers.push(Layer::Help(Help::new(self.view_context()))),
            Cmd::NextTab => self.switch_tab((self.tab.index() + 1) % Tab::ALL.len()),
            Cmd::PrevTab => self.switch_tab((self.tab.index() + Tab::ALL.len() - 1) % Tab::ALL.len()),
            Cmd::GoTab(i) => self.switch_tab(i as usize),
            Cmd::StopSending => self.stop_sending(),
            Cmd::Refresh => {
                self.load_log();
                self.run(Effect::LoadFormations);
                self.triage.list.start_loading();
                self.load_triage();
                if let Some(d) = &mut self.formations.detail {
                    d.loading = true;
                    let id = d.course.id;
                    self.run(Effect::LoadCourseDetail { course_id: id });
                }
                if let Some(c) = &self.tutoring.course {
                    let id = c.id;
                    self.tutoring.list.start_loading();
                    self.run(Effect::LoadLearners { course_id: id });
                }
            }
            _ => {}
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

    pub fn render(&mut self, f: &mut Frame) {
        let area = f.area();
        if area.width < frame::MIN_WIDTH || area.height < frame::MIN_HEIGHT {
            frame::too_small(f, &self.ui);
            return;
        }
        let c = frame::split(area);
        frame::title(f, c.title, &self.ui, &self.who(), &self.db_label);
        let titles: Vec<String> = Tab::ALL
            .iter()
            .map(|t| {
                let base = self.ui.loc.t(t.title_key()).to_string();
                match (t, &self.tutoring.course) {
                    (Tab::Tutoring, Some(c)) => format!("{base} · {}", text::fit(&c.shortname, 16)),
                    (Tab::Relances, _) if self.reminder_log.attention() > 0 => {
                        format!("{base} {}✗", self.ui.loc.num(self.reminder_log.attention() as i64))
                    }
                    (Tab::Triage, _) if self.triage.list.loaded => {
                        let (platform, course) = self.triage.counts();
                        format!(
                            "{base} {}·{}",
                            self.ui.loc.num(platform as i64),
                            self.ui.loc.num(course as i64)
                        )
                    }
                    _ => base,
                }
            })
            .collect();
        frame::tabs(f, c.tabs, &self.ui, &titles, self.tab.index());
        match self.tab {
            Tab::Formations => self.formations.render(f, c.body, &self.ui),
            Tab::Tutoring => self.tutoring.render(f, c.body, &self.ui),
            Tab::Triage => self.triage.render(f, c.body, &self.ui),
            Tab::Relances => self.reminder_log.render(f, c.body, &self.ui),
        }
        let hint_ctx = match self.layers.last() {
            Some(Layer::Picker(..)) => None,
            _ => Some(self.context()),
        };
        match hint_ctx {
            Some(ctx) => frame::hints(f, c.hints, &self.ui, ctx),
            None => frame::picker_hints(f, c.hints, &self.ui),
        }
        match &self.sending {
            Some(p) => frame::sending(f, c.status, &self.ui, p),
            None => frame::status(f, c.status, &self.ui, self.status.as_ref(), self.busy > 0, self.spin),
        }
        for layer in &mut self.layers {
            match layer {
                Layer::Help(h) => h.render(f, c.body, &self.ui),
                Layer::Picker(_, p) => p.render(f, c.body, &self.ui),
                Layer::EditStats(d) => d.render(f, c.body, &self.ui),
                Layer::Confirm(cf) => cf.render(f, c.body, &self.ui),
                Layer::Note(n) => n.render(f, c.body, &self.ui),
                Layer::Remind(d) => {
                    let hours = self.reminders.as_ref().map(|r| r.settings.min_interval_hours).unwrap_or(0);
                    d.render(f, c.body, &self.ui, hours)
                }
            }
        }
    }
}
