//! *Relancer*: who will get the message and who is skipped (and why), the template with a
//! preview for the first recipient, an optional edit of the body for this sending,
//! attachments (2 MB in all), then send. Nothing is queued before the tutor confirms.

use std::cell::Cell;

use crossterm::event::{Event, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui_textarea::{TextArea, WrapMode};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::reminders::compose::check_attachments;
use crate::reminders::{
    Attachment, AttachmentError, Compose, Kind, Plan, PlanRequest, Reminders, TemplateInfo,
};
use crate::store::people::Scope;
use crate::tui::action::Action;
use crate::tui::command::Cmd;
use crate::tui::dialogs::confirm::close_or_ask;
use crate::tui::effect::{Effect, RemindEffect};
use crate::tui::keymap::Context;
use crate::tui::pane::{Cx, Pane};
use crate::tui::remind_tasks::{attachment_error_text, template_error_text};
use crate::tui::ui::Ui;

/// Announcing a virtual class needs the session's details; that is another action.
const NOT_A_REMINDER: &str = "virtual_class";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RFocus {
    Force,
    Template,
    Attach,
    EditBody,
    Send,
    Cancel,
}

impl RFocus {
    const ORDER: [RFocus; 6] =
        [RFocus::Force, RFocus::Template, RFocus::Attach, RFocus::EditBody, RFocus::Send, RFocus::Cancel];
    fn step(self, by: isize) -> RFocus {
        let i = Self::ORDER.iter().position(|f| *f == self).unwrap_or(0) as isize;
        Self::ORDER[(i + by).rem_euclid(Self::ORDER.len() as isize) as usize]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RPhase {
    /// Waiting for the plan (at open, or after Force or a template of another kind).
    Planning,
    Ready,
    /// Queueing after the confirmation.
    Enqueuing,
}

#[derive(Debug)]
pub struct RemindDialog {
    pub targets: Vec<i64>,
    pub force: bool,
    pub plan: Option<Plan>,
    pub phase: RPhase,
    /// The last planning or queueing problem, in words.
    pub failure: Option<String>,
    pub templates: Vec<(TemplateInfo, Option<String>)>,
    pub template: usize,
    /// The body source, once the tutor chose to edit it for this sending.
    pub body: Option<TextArea<'static>>,
    body_original: String,
    pub editing_body: bool,
    pub attachments: Vec<Attachment>,
    /// A path being typed (Enter on the attachments line).
    pub attach_input: Option<Input>,
    pub attach_note: Option<String>,
    /// The message for the first recipient, or why it cannot be rendered.
    pub preview: Option<Result<(String, String), String>>,
    pub focus: RFocus,
    /// First line of the preview shown (kept within the preview while drawing).
    pub scroll: Cell<u16>,
    /// Send refused (nobody to send to, or a template error): said in the note line.
    pub refused: Option<String>,
}

impl RemindDialog {
    /// `prefer`: the template that fits where the dialog was opened from.
    pub fn new(targets: Vec<i64>, rem: &Reminders, prefer: &str, ui: &Ui) -> RemindDialog {
        let templates: Vec<(TemplateInfo, Option<String>)> = rem
            .templates
            .list()
            .into_iter()
            .filter(|(i, _)| i.name != NOT_A_REMINDER)
            .map(|(i, e)| (i, e.map(|e| template_error_text(&e, &ui.loc))))
            .collect();
        let template = templates.iter().position(|(i, _)| i.name == prefer).unwrap_or(0);
        RemindDialog {
            targets,
            force: false,
            plan: None,
            phase: RPhase::Planning,
            failure: None,
            templates,
            template,
            body: None,
            body_original: String::new(),
            editing_body: false,
            attachments: Vec::new(),
            attach_input: None,
            attach_note: None,
            preview: None,
            focus: RFocus::Send,
            scroll: Cell::new(0),
            refused: None,
        }
    }

    pub fn template_name(&self) -> &str {
        self.templates.get(self.template).map(|(i, _)| i.name.as_str()).unwrap_or("")
    }

    fn kind(&self) -> Kind {
        Kind::for_template(self.template_name())
    }

    pub fn request(&self) -> PlanRequest {
        PlanRequest { enrolment_ids: self.targets.clone(), force: self.force, kind: self.kind() }
    }

    fn edited_body(&self) -> Option<String> {
        let b = self.body.as_ref()?.lines().join("\n");
        (b != self.body_original).then_some(b)
    }

    pub fn compose(&self) -> Compose {
        Compose {
            template: self.template_name().to_string(),
            edited_body: self.edited_body(),
            attachments: self.attachments.clone(),
            virtual_class: None,
        }
    }

    pub fn dirty(&self) -> bool {
        self.edited_body().is_some() || !self.attachments.is_empty()
    }

    pub fn plan_loaded(&mut self, plan: Result<Plan, String>, rem: &Reminders, scope: &Scope, ui: &Ui) {
        match plan {
            Ok(p) => {
                self.plan = Some(p);
                self.failure = None;
            }
            Err(e) => {
                self.plan = None;
                self.failure = Some(e);
            }
        }
        self.phase = RPhase::Ready;
        self.refresh_preview(rem, scope, ui);
    }

    pub fn refresh_preview(&mut self, rem: &Reminders, scope: &Scope, ui: &Ui) {
        let first = self.plan.as_ref().and_then(|p| p.send.first());
        self.preview = first.map(|r| {
            rem.preview(scope, r, &self.compose(), ui.now)
                .map(|m| (m.subject, m.body))
                .map_err(|e| template_error_text(&e, &ui.loc))
        });
        self.refused = None;
    }

    pub fn attachment_loaded(&mut self, a: Result<Attachment, AttachmentError>, ui: &Ui) {
        match a {
            Ok(a) => {
                self.attachments.push(a);
                match check_attachments(&self.attachments) {
                    Ok(_) => self.attach_note = None,
                    Err(e) => {
                        // Refused: the total it would have made is in the message.
                        self.attachments.pop();
                        self.attach_note = Some(attachment_error_text(&e, &ui.loc));
                    }
                }
            }
            Err(e) => self.attach_note = Some(attachment_error_text(&e, &ui.loc)),
        }
    }

    pub fn enqueue_failed(&mut self, msg: String) {
        self.phase = RPhase::Ready;
        self.failure = Some(msg);
    }

    pub fn attachments_total(&self) -> usize {
        self.attachments.iter().map(|a| a.bytes.len()).sum()
    }

    /// Closes; asks first when the body was edited or files attached.
    fn cancel(&self, cx: &Cx) -> Action {
        close_or_ask(self.dirty(), &cx.ui.loc, "confirm.remind_discard_text")
    }

    fn replan(&mut self, cx: &Cx) -> Action {
        self.phase = RPhase::Planning;
        Action::Run(Effect::Remind(RemindEffect::Plan { req: self.request(), now: cx.ui.now }))
    }

    fn change_template(&mut self, by: isize, rem: &Reminders, cx: &Cx) -> Action {
        if self.templates.is_empty() {
            return Action::Done;
        }
        let kind = self.kind();
        let n = self.templates.len() as isize;
        self.template = ((self.template as isize + by).rem_euclid(n)) as usize;
        // An edited body belongs to the template it was written from.
        self.body = None;
        self.editing_body = false;
        if self.kind() != kind {
            return self.replan(cx);
        }
        self.refresh_preview(rem, cx.scope, cx.ui);
        Action::Done
    }

    fn start_editing(&mut self, rem: &Reminders, ui: &Ui) {
        if self.body.is_none() {
            let src = rem.templates.body_source(self.template_name()).unwrap_or("").to_string();
            let mut t = TextArea::new(src.split('\n').map(str::to_string).collect());
            t.set_wrap_mode(WrapMode::WordOrGlyph);
            t.set_cursor_line_style(Style::default());
            t.set_cursor_style(ui.theme.selected);
            self.body_original = src;
            self.body = Some(t);
        }
        self.editing_body = true;
    }

    /// Send: asks first, unless there is nobody to send to or the template does not render.
    fn send(&mut self, cx: &Cx) -> Action {
        let nobody = self.plan.as_ref().is_none_or(|p| p.send.is_empty());
        self.refused = if nobody {
            Some("reminders.nothing_to_send".into())
        } else if matches!(self.preview, Some(Err(_))) {
            Some("remind.fix_template".into())
        } else {
            None
        };
        if self.refused.is_some() {
            return Action::Done;
        }
        let loc = &cx.ui.loc;
        let n = self.plan.as_ref().map(|p| p.send.len()).unwrap_or(0) as i64;
        Action::Confirm {
            title: loc.t("confirm.send_title").to_string(),
            message: loc.tn("confirm.send_text", n),
            yes: Box::new(Action::SendReminders),
        }
    }

    /// Enter on the path being typed: read that file (in the background).
    fn attach(&mut self) -> Action {
        let path = self.attach_input.take().map(|i| i.value().trim().to_string()).unwrap_or_default();
        if path.is_empty() {
            Action::Done
        } else {
            Action::Run(Effect::Remind(RemindEffect::ReadAttachment { path }))
        }
    }

    fn dialog_command(&mut self, cmd: Cmd, rem: &Reminders, cx: &Cx) -> Action {
        match (cmd, self.focus) {
            (Cmd::FocusNext, _) => self.focus = self.focus.step(1),
            (Cmd::FocusPrev, _) => self.focus = self.focus.step(-1),
            (Cmd::Back, _) => return self.cancel(cx),
            (Cmd::PageDown, _) => self.scroll.set(self.scroll.get().saturating_add(5)),
            (Cmd::PageUp, _) => self.scroll.set(self.scroll.get().saturating_sub(5)),
            (Cmd::Mark | Cmd::Open, RFocus::Force) => {
                self.force = !self.force;
                return self.replan(cx);
            }
            (Cmd::Left, RFocus::Template) => return self.change_template(-1, rem, cx),
            (Cmd::Right | Cmd::Mark, RFocus::Template) => return self.change_template(1, rem, cx),
            (Cmd::Open, RFocus::Attach) => {
                self.attach_input = Some(Input::default());
                self.attach_note = None;
            }
            (Cmd::Delete, RFocus::Attach) => {
                self.attachments.pop();
                self.attach_note = None;
                self.refresh_preview(rem, cx.scope, cx.ui);
            }
            (Cmd::Open, RFocus::EditBody) => self.start_editing(rem, cx.ui),
            (Cmd::Open, RFocus::Send) => return self.send(cx),
            (Cmd::Open, RFocus::Cancel) => return self.cancel(cx),
            (Cmd::Down, _) => self.focus = self.focus.step(1),
            (Cmd::Up, _) => self.focus = self.focus.step(-1),
            _ => {}
        }
        Action::Done
    }

    /// Whether learners reminded within the minimum interval are in this sending.
    pub fn plan_is_forced(&self) -> bool {
        self.plan.as_ref().is_some_and(|p| p.forced_count() > 0)
    }
}

impl Pane for RemindDialog {
    fn context(&self) -> Context {
        if self.attach_input.is_some() {
            Context::RemindAttach
        } else if self.editing_body {
            Context::RemindBody
        } else {
            Context::Remind
        }
    }

    fn command(&mut self, cmd: Cmd, cx: &Cx) -> Option<Action> {
        let rem = cx.reminders?;
        if cmd == Cmd::Quit {
            return None;
        }
        if self.phase == RPhase::Enqueuing {
            return Some(Action::Done);
        }
        Some(match self.context() {
            Context::RemindAttach if cmd == Cmd::Accept => self.attach(),
            Context::RemindAttach => {
                self.attach_input = None;
                Action::Done
            }
            Context::RemindBody => {
                self.editing_body = false;
                self.refresh_preview(rem, cx.scope, cx.ui);
                if cmd == Cmd::FocusNext {
                    self.focus = self.focus.step(1);
                }
                Action::Done
            }
            _ => self.dialog_command(cmd, rem, cx),
        })
    }

    fn input(&mut self, key: KeyEvent, _cx: &Cx) -> Action {
        if self.phase == RPhase::Enqueuing {
            return Action::Done;
        }
        if let Some(input) = &mut self.attach_input {
            input.handle_event(&Event::Key(key));
        } else if self.editing_body
            && let Some(b) = &mut self.body
        {
            b.input(key);
        }
        Action::Done
    }

    fn paste(&mut self, s: &str, _cx: &Cx) -> Action {
        if let Some(input) = &mut self.attach_input {
            let v = format!("{}{}", input.value(), s.trim());
            *input = Input::new(v);
        } else if self.editing_body
            && let Some(b) = &mut self.body
        {
            b.insert_str(s);
        }
        Action::Done
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let hours = cx.reminders.map(|r| r.settings.min_interval_hours).unwrap_or(0);
        self.draw(f, area, cx.ui, hours);
    }
}
