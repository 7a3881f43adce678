//! Keys → commands, per context, as data. The same tables drive dispatch, the key-hint line
//! and the `?` help overlay, so the three can never disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::command::Cmd;
use crate::locale::Locale;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chord {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn ch(c: char) -> Chord {
    Chord { code: KeyCode::Char(c), ctrl: false }
}
const fn key(code: KeyCode) -> Chord {
    Chord { code, ctrl: false }
}
const fn ctrl(c: char) -> Chord {
    Chord { code: KeyCode::Char(c), ctrl: true }
}

impl Chord {
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl != self.ctrl {
            return false;
        }
        match (self.code, ev.code) {
            // Shift is already in the character ('S'), and BackTab arrives with SHIFT set.
            (KeyCode::Char(a), KeyCode::Char(b)) => a == b,
            (a, b) => a == b,
        }
    }

    /// How the key is written in hints and help.
    pub fn label(&self, loc: &Locale) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => loc.t("keys.space").to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => loc.t("keys.enter").to_string(),
            KeyCode::Esc => loc.t("keys.esc").to_string(),
            KeyCode::Tab => loc.t("keys.tab").to_string(),
            KeyCode::BackTab => loc.t("keys.backtab").to_string(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => loc.t("keys.home").to_string(),
            KeyCode::End => loc.t("keys.end").to_string(),
            KeyCode::PageUp => loc.t("keys.pageup").to_string(),
            KeyCode::PageDown => loc.t("keys.pagedown").to_string(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Backspace => "⌫".into(),
            KeyCode::Delete => loc.t("keys.delete").to_string(),
            other => format!("{other:?}"),
        };
        if self.ctrl { format!("Ctrl-{base}") } else { base }
    }
}

#[derive(Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Chord],
    pub cmd: Cmd,
    /// Locale key of the description.
    pub desc: &'static str,
    /// Shown in the hint line (the help overlay shows every binding).
    pub hint: bool,
    /// A global binding that holds in dialogs and text fields too (Ctrl-C).
    pub everywhere: bool,
}

impl Binding {
    pub fn keys_label(&self, loc: &Locale) -> String {
        self.keys.iter().map(|k| k.label(loc)).collect::<Vec<_>>().join("/")
    }

    /// The short form for the hint line: the first key only.
    pub fn hint_label(&self, loc: &Locale) -> String {
        self.keys.first().map(|k| k.label(loc)).unwrap_or_default()
    }
}

const fn b(keys: &'static [Chord], cmd: Cmd, desc: &'static str, hint: bool) -> Binding {
    Binding { keys, cmd, desc, hint, everywhere: false }
}

/// A global binding that every context keeps, modal ones included.
const fn everywhere(keys: &'static [Chord], cmd: Cmd, desc: &'static str) -> Binding {
    Binding { keys, cmd, desc, hint: false, everywhere: true }
}

/// Where keys are being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Global,
    Formations,
    CourseDetail,
    Tutoring,
    Report,
    Help,
    EditStats,
    EditConflict,
    Confirm,
    Triage,
    Note,
    Remind,
    RemindBody,
    Relances,
    /// Typing a list's `/` filter.
    Filter,
    /// A picker: typing filters, arrows move.
    Picker,
    /// A one-line field of the statistics editor.
    EditStatsField,
    /// The suspend-data text area of the statistics editor.
    EditStatsText,
    /// The path of an attachment being typed (Relancer).
    RemindAttach,
}

impl Context {
    pub const ALL: [Context; 19] = [
        Context::Global,
        Context::Formations,
        Context::CourseDetail,
        Context::Tutoring,
        Context::Report,
        Context::Help,
        Context::EditStats,
        Context::EditConflict,
        Context::Confirm,
        Context::Triage,
        Context::Note,
        Context::Remind,
        Context::RemindBody,
        Context::Relances,
        Context::Filter,
        Context::Picker,
        Context::EditStatsField,
        Context::EditStatsText,
        Context::RemindAttach,
    ];

    pub fn title_key(self) -> &'static str {
        match self {
            Context::Global => "help.global",
            Context::Formations => "tabs.formations",
            Context::CourseDetail => "help.course_detail",
            Context::Tutoring => "tabs.tutoring",
            Context::Report => "help.report",
            Context::Help => "help.title",
            Context::EditStats => "help.edit_stats",
            Context::EditConflict => "help.edit_conflict",
            Context::Confirm => "help.confirm",
            Context::Triage => "tabs.triage",
            Context::Note => "help.note",
            Context::Remind => "help.remind",
            Context::RemindBody => "help.remind_body",
            Context::Relances => "tabs.relances",
            Context::Filter => "pane_keys.title_filter",
            Context::Picker => "pane_keys.title_picker",
            Context::EditStatsField | Context::EditStatsText => "help.edit_stats",
            Context::RemindAttach => "pane_keys.title_attach",
        }
    }

    /// A context whose hint line is one sentence rather than its bindings (a picker: type
    /// to filter, arrows, Enter, Esc — the keys its table binds, see the tests).
    pub fn hint_text(self) -> Option<&'static str> {
        (self == Context::Picker).then_some("picker.hint")
    }
}

use KeyCode::*;

#[rustfmt::skip]
const MOVE: [Binding; 6] = [
    b(&[key(Down), ch('j')], Cmd::Down, "keys_desc.down", false),
    b(&[key(Up), ch('k')], Cmd::Up, "keys_desc.up", false),
    b(&[key(PageDown), ctrl('d')], Cmd::PageDown, "keys_desc.page_down", false),
    b(&[key(PageUp), ctrl('u')], Cmd::PageUp, "keys_desc.page_up", false),
    b(&[ch('g'), key(Home)], Cmd::Top, "keys_desc.top", false),
    b(&[ch('G'), key(End)], Cmd::Bottom, "keys_desc.bottom", false),
];

#[rustfmt::skip]
static GLOBAL: [Binding; 12] = [
    b(&[ch('?')], Cmd::Help, "keys_desc.help", true),
    b(&[ch('q')], Cmd::Quit, "keys_desc.quit", true),
    everywhere(&[ctrl('c')], Cmd::Quit, "keys_desc.quit_always"),
    b(&[ch('1')], Cmd::GoTab(0), "keys_desc.tab1", false),
    b(&[ch('2')], Cmd::GoTab(1), "keys_desc.tab2", false),
    b(&[ch('3')], Cmd::GoTab(2), "keys_desc.tab3", false),
    b(&[ch('4')], Cmd::GoTab(3), "keys_desc.tab4", false),
    b(&[ch('X')], Cmd::StopSending, "keys_desc.stop_sending", false),
    b(&[key(Tab)], Cmd::NextTab, "keys_desc.next_tab", false),
    b(&[key(BackTab)], Cmd::PrevTab, "keys_desc.prev_tab", false),
    b(&[key(F(5)), ctrl('r')], Cmd::Refresh, "keys_desc.refresh", false),
    b(&[key(Esc)], Cmd::Back, "keys_desc.back", false),
];

#[rustfmt::skip]
static FORMATIONS: [Binding; 16] = [
    MOVE[0], MOVE[1], MOVE[2], MOVE[3], MOVE[4], MOVE[5],
    b(&[key(Enter)], Cmd::Open, "keys_desc.open_course", true),
    b(&[ch('t')], Cmd::OpenTutoring, "keys_desc.to_tutoring", true),
    b(&[key(Right), ch('l')], Cmd::Right, "keys_desc.expand_or_list", false),
    b(&[key(Left), ch('h')], Cmd::Left, "keys_desc.collapse_or_tree", false),
    b(&[key(Tab)], Cmd::FocusNext, "keys_desc.focus_next", true),
    b(&[key(BackTab)], Cmd::FocusPrev, "keys_desc.focus_prev", false),
    b(&[ch('/')], Cmd::Filter, "keys_desc.filter", true),
    b(&[ch('s')], Cmd::SortNext, "keys_desc.sort", true),
    b(&[ch('S')], Cmd::SortReverse, "keys_desc.sort_reverse", false),
    b(&[key(Esc)], Cmd::Back, "keys_desc.clear_filter", false),
];

#[rustfmt::skip]
static COURSE_DETAIL: [Binding; 13] = [
    MOVE[0], MOVE[1], MOVE[2], MOVE[3], MOVE[4], MOVE[5],
    b(&[ch('i')], Cmd::Section(0), "keys_desc.section_info", false),
    b(&[ch('l')], Cmd::Section(1), "keys_desc.section_lessons", false),
    b(&[ch('a')], Cmd::Section(2), "keys_desc.section_reviews", false),
    b(&[key(Tab)], Cmd::FocusNext, "keys_desc.next_section", false),
    b(&[key(BackTab)], Cmd::FocusPrev, "keys_desc.prev_section", false),
    b(&[ch('t')], Cmd::OpenTutoring, "keys_desc.to_tutoring", true),
    b(&[key(Esc)], Cmd::Back, "keys_desc.back_to_list", true),
];

#[rustfmt::skip]
static TUTORING: [Binding; 17] = [
    MOVE[0], MOVE[1], MOVE[2], MOVE[3], MOVE[4], MOVE[5],
    b(&[key(Enter)], Cmd::Open, "keys_desc.open_report", true),
    b(&[ch('r')], Cmd::Remind, "keys_desc.remind", true),
    b(&[ch('c')], Cmd::Pick, "keys_desc.pick_course", false),
    b(&[ch('f')], Cmd::KindFilter, "keys_desc.kind_filter", false),
    b(&[ch(' ')], Cmd::Mark, "keys_desc.mark", true),
    b(&[ch('A')], Cmd::MarkAll, "keys_desc.mark_all", true),
    b(&[ch('U')], Cmd::UnmarkAll, "keys_desc.unmark_all", false),
    b(&[ch('/')], Cmd::Filter, "keys_desc.filter", true),
    b(&[ch('s')], Cmd::SortNext, "keys_desc.sort", true),
    b(&[ch('S')], Cmd::SortReverse, "keys_desc.sort_reverse", false),
    b(&[key(Esc)], Cmd::Back, "keys_desc.back_to_formations", false),
];

#[rustfmt::skip]
static REPORT: [Binding; 16] = [
    MOVE[0], MOVE[1], MOVE[2], MOVE[3], MOVE[4], MOVE[5],
    b(&[key(Right), ch('l'), key(Enter)], Cmd::Right, "keys_desc.expand", true),
    b(&[ch('e')], Cmd::Edit, "keys_desc.edit_stats", true),
    b(&[key(Esc)], Cmd::Back, "keys_desc.back_to_table", true),
    b(&[key(Left), ch('h')], Cmd::Left, "keys_desc.collapse", false),
    b(&[key(Tab)], Cmd::FocusNext, "keys_desc.next_section", true),
    b(&[key(BackTab)], Cmd::FocusPrev, "keys_desc.prev_section", false),
    b(&[ch('[')], Cmd::PrevItem, "keys_desc.prev_course", false),
    b(&[ch(']')], Cmd::NextItem, "keys_desc.next_course", false),
    b(&[ch('c')], Cmd::Pick, "keys_desc.other_course", true),
    b(&[ch('u')], Cmd::Undo, "keys_desc.undo_edit", false),
];

// Text fields of the editor take every other key; these are read around them.
#[rustfmt::skip]
static EDIT_STATS: [Binding; 9] = [
    b(&[key(Tab)], Cmd::FocusNext, "keys_desc.next_field", true),
    b(&[key(BackTab)], Cmd::FocusPrev, "keys_desc.prev_field", false),
    b(&[key(Enter)], Cmd::Open, "keys_desc.activate", true),
    b(&[key(Esc)], Cmd::Back, "keys_desc.cancel_edit", true),
    b(&[ch(' ')], Cmd::Mark, "keys_desc.toggle_choice", true),
    b(&[key(Left)], Cmd::Left, "keys_desc.choice_prev", false),
    b(&[key(Right)], Cmd::Right, "keys_desc.choice_next", false),
    b(&[key(Down)], Cmd::Down, "keys_desc.field_down", false),
    b(&[key(Up)], Cmd::Up, "keys_desc.field_up", false),
];

// A one-line field takes every other key: letters, Space, ←/→ and ⌫ edit the text.
#[rustfmt::skip]
static EDIT_STATS_FIELD: [Binding; 5] = [
    b(&[key(Tab)], Cmd::FocusNext, "keys_desc.next_field", true),
    b(&[key(BackTab)], Cmd::FocusPrev, "keys_desc.prev_field", false),
    b(&[key(Enter), key(Down)], Cmd::Down, "keys_desc.next_field", false),
    b(&[key(Up)], Cmd::Up, "keys_desc.prev_field", false),
    b(&[key(Esc)], Cmd::Back, "keys_desc.cancel_edit", true),
];

// The text area takes every other key, Enter (a new line) and the arrows included.
#[rustfmt::skip]
static EDIT_STATS_TEXT: [Binding; 3] = [
    b(&[key(Tab)], Cmd::FocusNext, "keys_desc.next_field", true),
    b(&[key(BackTab)], Cmd::FocusPrev, "keys_desc.prev_field", false),
    b(&[key(Esc)], Cmd::Back, "keys_desc.cancel_edit", true),
];

#[rustfmt::skip]
static EDIT_CONFLICT: [Binding; 3] = [
    b(&[ch('r')], Cmd::Reload, "keys_desc.reload_theirs", true),
    b(&[ch('o')], Cmd::Overwrite, "keys_desc.overwrite", true),
    b(&[key(Esc)], Cmd::Back, "keys_desc.cancel_edit", true),
];

#[rustfmt::skip]
static TRIAGE: [Binding; 19] = [
    MOVE[0], MOVE[1], MOVE[2], MOVE[3], MOVE[4], MOVE[5],
    b(&[ch('r')], Cmd::Remind, "keys_desc.remind", true),
    b(&[key(Enter)], Cmd::Open, "keys_desc.open_report", true),
    b(&[ch(' ')], Cmd::Mark, "keys_desc.mark", true),
    b(&[ch('x')], Cmd::Note, "keys_desc.note_contact", true),
    b(&[ch('A')], Cmd::MarkAll, "keys_desc.mark_all", false),
    b(&[ch('U')], Cmd::UnmarkAll, "keys_desc.unmark_all", false),
    b(&[ch('c')], Cmd::Pick, "keys_desc.triage_course", false),
    b(&[ch('p')], Cmd::GroupFilter, "keys_desc.group_filter", false),
    b(&[ch('n')], Cmd::StepFilter, "keys_desc.step_filter", false),
    b(&[ch('/')], Cmd::Filter, "keys_desc.filter", true),
    b(&[ch('s')], Cmd::SortNext, "keys_desc.sort", false),
    b(&[ch('S')], Cmd::SortReverse, "keys_desc.sort_reverse", false),
    b(&[key(Esc)], Cmd::Back, "keys_desc.clear_filters", false),
];

#[rustfmt::skip]
static NOTE: [Binding; 2] = [
    b(&[key(Enter)], Cmd::Yes, "keys_desc.save_note", true),
    b(&[key(Esc)], Cmd::No, "keys_desc.cancel_edit", true),
];

#[rustfmt::skip]
static REMIND: [Binding; 13] = [
    b(&[key(Tab)], Cmd::FocusNext, "keys_desc.next_field", true),
    b(&[key(BackTab)], Cmd::FocusPrev, "keys_desc.prev_field", false),
    b(&[key(Enter)], Cmd::Open, "keys_desc.activate", true),
    b(&[key(Esc)], Cmd::Back, "keys_desc.cancel_edit", true),
    b(&[ch(' ')], Cmd::Mark, "keys_desc.toggle_choice", true),
    b(&[key(Left)], Cmd::Left, "keys_desc.template_prev", false),
    b(&[key(Right)], Cmd::Right, "keys_desc.template_next", false),
    b(&[key(Down)], Cmd::Down, "keys_desc.field_down", false),
    b(&[key(Up)], Cmd::Up, "keys_desc.field_up", false),
    b(&[key(PageDown)], Cmd::PageDown, "keys_desc.preview_down", false),
    b(&[key(PageUp)], Cmd::PageUp, "keys_desc.preview_up", false),
    b(&[key(Delete)], Cmd::Delete, "keys_desc.remove_attachment", false),
    b(&[key(Backspace)], Cmd::Delete, "keys_desc.remove_attachment", false),
];

// While the body is being edited every other key goes to the text.
#[rustfmt::skip]
static REMIND_BODY: [Binding; 2] = [
    b(&[key(Esc)], Cmd::Back, "keys_desc.body_done", true),
    b(&[key(Tab)], Cmd::FocusNext, "keys_desc.body_done_next", true),
];

// The path being typed takes every other key.
#[rustfmt::skip]
static REMIND_ATTACH: [Binding; 2] = [
    b(&[key(Enter)], Cmd::Accept, "pane_keys.attach_file", true),
    b(&[key(Esc)], Cmd::Back, "keys_desc.cancel_edit", true),
];

#[rustfmt::skip]
static RELANCES: [Binding; 11] = [
    MOVE[0], MOVE[1], MOVE[2], MOVE[3], MOVE[4], MOVE[5],
    b(&[ch('R')], Cmd::Retry, "keys_desc.retry_reminder", true),
    b(&[ch('C')], Cmd::ConfirmSent, "keys_desc.confirm_reminder", true),
    b(&[ch('D')], Cmd::CancelReminder, "keys_desc.cancel_reminder", false),
    b(&[ch('f')], Cmd::StepFilter, "keys_desc.status_filter", true),
    b(&[ch('/')], Cmd::Filter, "keys_desc.filter", false),
];

#[rustfmt::skip]
static CONFIRM: [Binding; 2] = [
    b(&[key(Enter), ch('y'), ch('o')], Cmd::Yes, "keys_desc.confirm_yes", true),
    b(&[key(Esc), ch('n')], Cmd::No, "keys_desc.confirm_no", true),
];

#[rustfmt::skip]
static HELP: [Binding; 4] = [
    b(&[key(Down), ch('j')], Cmd::Down, "keys_desc.scroll_down", true),
    b(&[key(Up), ch('k')], Cmd::Up, "keys_desc.scroll_up", true),
    b(&[key(Esc), ch('?')], Cmd::Back, "keys_desc.close", true),
    b(&[ch('q')], Cmd::Back, "keys_desc.close", false),
];

// The filter line takes every other key (letters, digits, q, ?… are typed).
#[rustfmt::skip]
static FILTER: [Binding; 2] = [
    b(&[key(Enter)], Cmd::Accept, "pane_keys.keep_filter", true),
    b(&[key(Esc)], Cmd::Back, "keys_desc.clear_filter", true),
];

// Typing filters the choices; only the arrows, the page keys, Enter and Esc are read.
#[rustfmt::skip]
static PICKER: [Binding; 6] = [
    b(&[key(Down)], Cmd::Down, "keys_desc.down", true),
    b(&[key(Up)], Cmd::Up, "keys_desc.up", true),
    b(&[key(PageDown)], Cmd::PageDown, "keys_desc.page_down", false),
    b(&[key(PageUp)], Cmd::PageUp, "keys_desc.page_up", false),
    b(&[key(Enter)], Cmd::Open, "pane_keys.choose", true),
    b(&[key(Esc)], Cmd::Back, "keys_desc.cancel_edit", true),
];

pub fn bindings(ctx: Context) -> &'static [Binding] {
    match ctx {
        Context::Global => &GLOBAL,
        Context::Formations => &FORMATIONS,
        Context::CourseDetail => &COURSE_DETAIL,
        Context::Tutoring => &TUTORING,
        Context::Report => &REPORT,
        Context::Help => &HELP,
        Context::EditStats => &EDIT_STATS,
        Context::EditConflict => &EDIT_CONFLICT,
        Context::Confirm => &CONFIRM,
        Context::Triage => &TRIAGE,
        Context::Note => &NOTE,
        Context::Remind => &REMIND,
        Context::RemindBody => &REMIND_BODY,
        Context::Relances => &RELANCES,
        Context::Filter => &FILTER,
        Context::Picker => &PICKER,
        Context::EditStatsField => &EDIT_STATS_FIELD,
        Context::EditStatsText => &EDIT_STATS_TEXT,
        Context::RemindAttach => &REMIND_ATTACH,
    }
}

/// Whether a context's own table is the whole story (overlays, text being typed), or the
/// global one applies too. Either way the global bindings marked `everywhere` hold.
pub fn is_modal(ctx: Context) -> bool {
    !matches!(
        ctx,
        Context::Global
            | Context::Formations
            | Context::CourseDetail
            | Context::Tutoring
            | Context::Report
            | Context::Triage
            | Context::Relances
    )
}

/// The global bindings that hold in a context.
fn globals(ctx: Context) -> impl Iterator<Item = &'static Binding> {
    bindings(Context::Global).iter().filter(move |g| g.everywhere || !is_modal(ctx))
}

/// The command for a key in a context: the context's table first, then the global one.
/// `None`: a key for the context's text field, if it has one.
pub fn lookup(ctx: Context, ev: &KeyEvent) -> Option<Cmd> {
    let hit = |b: &&Binding| b.keys.iter().any(|k| k.matches(ev));
    bindings(ctx).iter().find(hit).or_else(|| globals(ctx).find(hit)).map(|b| b.cmd)
}

/// A key that gives `cmd` in a context (its first one), as a terminal would send it: how
/// tests press a command by its name.
pub fn key_for(ctx: Context, cmd: Cmd) -> Option<KeyEvent> {
    let b = bindings(ctx).iter().chain(globals(ctx)).find(|b| b.cmd == cmd)?;
    let k = b.keys.first()?;
    let mut mods = if k.ctrl { KeyModifiers::CONTROL } else { KeyModifiers::NONE };
    if matches!(k.code, KeyCode::Char(c) if c.is_uppercase()) || k.code == KeyCode::BackTab {
        mods |= KeyModifiers::SHIFT;
    }
    // What `key_for` gives, `lookup` reads back (a key shadowed by the context is skipped).
    let ev = KeyEvent::new(k.code, mods);
    (lookup(ctx, &ev) == Some(cmd)).then_some(ev)
}

/// Bindings for the hint line, hint-flagged only: the context's own, and the global ones
/// that the context does not already show.
pub fn hints(ctx: Context) -> (Vec<&'static Binding>, Vec<&'static Binding>) {
    let own: Vec<&'static Binding> = bindings(ctx).iter().filter(|b| b.hint).collect();
    let global: Vec<&'static Binding> = if is_modal(ctx) {
        Vec::new()
    } else {
        bindings(Context::Global).iter().filter(|g| g.hint && !own.iter().any(|o| o.cmd == g.cmd)).collect()
    };
    (own, global)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn context_wins_over_global() {
        assert_eq!(lookup(Context::Formations, &ev(Tab)), Some(Cmd::FocusNext));
        assert_eq!(lookup(Context::Tutoring, &ev(Tab)), Some(Cmd::NextTab));
        assert_eq!(lookup(Context::Tutoring, &ev(Char('q'))), Some(Cmd::Quit));
        assert_eq!(lookup(Context::Help, &ev(Char('q'))), Some(Cmd::Back));
        assert_eq!(lookup(Context::Help, &ev(Char('2'))), None, "overlays are modal");
    }

    /// In a dialog, `q`, digits and Tab belong to the dialog (typing, moving between
    /// fields), never to the global table (quit, switch tab).
    #[test]
    fn dialogs_are_modal() {
        for ctx in [
            Context::Help,
            Context::EditStats,
            Context::EditConflict,
            Context::Confirm,
            Context::Note,
            Context::Remind,
            Context::RemindBody,
            Context::Filter,
            Context::Picker,
            Context::EditStatsField,
            Context::EditStatsText,
            Context::RemindAttach,
        ] {
            assert!(is_modal(ctx), "{ctx:?}");
            assert_ne!(lookup(ctx, &ev(Char('q'))), Some(Cmd::Quit), "{ctx:?}");
            assert_eq!(lookup(ctx, &ev(Char('2'))), None, "{ctx:?}");
        }
    }

    #[test]
    fn ctrl_c_always_quits_and_shift_letters_match() {
        let c = KeyEvent::new(Char('c'), KeyModifiers::CONTROL);
        for ctx in Context::ALL {
            assert_eq!(lookup(ctx, &c), Some(Cmd::Quit));
            let own = bindings(ctx).iter().any(|b| b.keys.contains(&ctrl('c')));
            assert_eq!(own, ctx == Context::Global, "Ctrl-C is bound in the global table only ({ctx:?})");
        }
        let s = KeyEvent::new(Char('S'), KeyModifiers::SHIFT);
        assert_eq!(lookup(Context::Tutoring, &s), Some(Cmd::SortReverse));
        assert_eq!(lookup(Context::Tutoring, &ev(Char('c'))), Some(Cmd::Pick), "plain c is not ctrl-c");
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for ctx in Context::ALL {
            let mut seen: Vec<(Chord, Cmd)> = Vec::new();
            for bnd in bindings(ctx) {
                for k in bnd.keys {
                    if let Some((_, other)) = seen.iter().find(|(c, _)| c == k) {
                        assert_eq!(*other, bnd.cmd, "{k:?} bound to two commands in {ctx:?}");
                    }
                    seen.push((*k, bnd.cmd));
                }
            }
        }
    }

    /// Text fields get the keys their table does not bind: typing `q`, `1`, `?` or a
    /// space types it.
    #[test]
    fn text_fields_leave_letters_digits_and_space_to_the_text() {
        for ctx in [
            Context::Filter,
            Context::Picker,
            Context::Note,
            Context::EditStatsField,
            Context::EditStatsText,
            Context::RemindAttach,
            Context::RemindBody,
        ] {
            for c in ['q', 'j', '1', '?', ' ', 'A', '/'] {
                assert_eq!(lookup(ctx, &ev(Char(c))), None, "{ctx:?} takes {c:?} for its text");
            }
            assert!(lookup(ctx, &ev(Esc)).is_some(), "{ctx:?}: Esc leaves the field");
        }
        assert_eq!(lookup(Context::EditStatsField, &ev(Left)), None, "← moves in the text");
    }

    /// The picker's one-line hint names the keys its table binds.
    #[test]
    fn the_picker_hint_names_its_keys() {
        for (code, cmd) in [(Up, Cmd::Up), (Down, Cmd::Down), (Enter, Cmd::Open), (Esc, Cmd::Back)] {
            assert_eq!(lookup(Context::Picker, &ev(code)), Some(cmd));
        }
        for lang in [crate::locale::Lang::Fr, crate::locale::Lang::En] {
            let hint = crate::locale::Locale::new(lang).t("picker.hint").to_string();
            assert!(hint.contains("↑↓") && (hint.contains("Esc") || hint.contains("Échap")), "{hint}");
        }
    }

    #[test]
    fn key_for_gives_a_key_that_reads_back() {
        for ctx in Context::ALL {
            for bnd in bindings(ctx) {
                if let Some(k) = key_for(ctx, bnd.cmd) {
                    assert_eq!(lookup(ctx, &k), Some(bnd.cmd), "{ctx:?} {:?}", bnd.cmd);
                }
            }
        }
        assert_eq!(
            key_for(Context::Tutoring, Cmd::MarkAll),
            Some(KeyEvent::new(Char('A'), KeyModifiers::SHIFT))
        );
        assert_eq!(key_for(Context::Tutoring, Cmd::Quit), Some(ev(Char('q'))), "global keys count");
        assert_eq!(key_for(Context::Note, Cmd::Mark), None);
    }

    #[test]
    fn every_description_is_in_both_catalogues() {
        for lang in [crate::locale::Lang::Fr, crate::locale::Lang::En] {
            let cat = crate::locale::catalogue(lang);
            for ctx in Context::ALL {
                for bnd in bindings(ctx) {
                    assert!(cat.contains_key(bnd.desc), "{lang:?} lacks {}", bnd.desc);
                }
                assert!(cat.contains_key(ctx.title_key()));
            }
        }
    }
}
