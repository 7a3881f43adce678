//! Application state and `update`: a key goes through the keymap of the pane on top (the
//! last layer, else the current tab's view) and becomes a command, or text for the pane's
//! field; the pane answers with an [`Action`], which the application carries out. Finished
//! effects come back as actions too. No I/O happens here.

use crossterm::event::{Event, KeyEvent, KeyEventKind};

mod actions;
mod edit;
mod loaded;
mod remind;
mod render;

use super::action::Action;
use super::command::Cmd;
use super::dialogs::confirm::Confirm;
use super::dialogs::edit_stats::EditStats;
use super::dialogs::help::Help;
use super::dialogs::note::NoteDialog;
use super::dialogs::picker::Picker;
use super::dialogs::remind::RemindDialog;
use super::effect::Effect;
use super::frame::{Level, Status};
use super::keymap::{self, Context};
use super::pane::{Cx, Pane};
use super::ui::Ui;
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

/// Declares the layers: adding a dialog is its file plus one line here.
macro_rules! layers {
    ($($name:ident($pane:ty)),* $(,)?) => {
        /// Layers above the views; the last one gets the keys first.
        #[derive(Debug)]
        pub enum Layer {
            $($name(Box<$pane>)),*
        }

        impl Layer {
            pub fn pane(&self) -> &dyn Pane {
                match self {
                    $(Layer::$name(p) => &**p),*
                }
            }

            pub fn pane_mut(&mut self) -> &mut dyn Pane {
                match self {
                    $(Layer::$name(p) => &mut **p),*
                }
            }
        }
    };
}

layers! {
    Help(Help),
    Picker(Picker),
    EditStats(EditStats),
    Confirm(Confirm),
    Note(NoteDialog),
    Remind(RemindDialog),
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

    fn view(&self) -> &dyn Pane {
        match self.tab {
            Tab::Formations => &self.formations,
            Tab::Tutoring => &self.tutoring,
            Tab::Triage => &self.triage,
            Tab::Relances => &self.reminder_log,
        }
    }

    /// The pane on top (the last layer, else the current view) with what panes read.
    fn with_top<T>(&mut self, f: impl FnOnce(&mut dyn Pane, &Cx) -> T) -> T {
        let cx = Cx { ui: &self.ui, reminders: self.reminders.as_ref(), scope: &self.scope };
        let pane: &mut dyn Pane = match self.layers.last_mut() {
            Some(l) => l.pane_mut(),
            None => match self.tab {
                Tab::Formations => &mut self.formations,
                Tab::Tutoring => &mut self.tutoring,
                Tab::Triage => &mut self.triage,
                Tab::Relances => &mut self.reminder_log,
            },
        };
        f(pane, &cx)
    }

    /// The keys in force: the top layer's, else the current view's.
    pub fn context(&self) -> Context {
        match self.layers.last() {
            Some(l) => l.pane().context(),
            None => self.view().context(),
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

    /// A key: the command the keymap reads for the pane on top, else text for its field.
    fn on_key(&mut self, k: KeyEvent) {
        let action = match keymap::lookup(self.context(), &k) {
            Some(cmd) => return self.command(cmd),
            None => self.with_top(|p, cx| p.input(k, cx)),
        };
        self.update(action);
    }

    /// A command, as if its key was pressed: the pane on top first, then the global keys.
    pub fn command(&mut self, cmd: Cmd) {
        match self.with_top(|p, cx| p.command(cmd, cx)) {
            Some(action) => self.update(action),
            None => self.global(cmd),
        }
    }
}
