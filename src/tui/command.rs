//! What a key means, once the keymap has read it: the user's commands.

/// A user command, produced by the keymap from a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cmd {
    Quit,
    Help,
    NextTab,
    PrevTab,
    GoTab(u8),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Left,
    Right,
    Open,
    Back,
    Filter,
    SortNext,
    SortReverse,
    FocusNext,
    FocusPrev,
    Mark,
    MarkAll,
    UnmarkAll,
    Refresh,
    /// Show a sub-view of the course detail (0: information, 1: lessons, 2: reviews).
    Section(u8),
    /// Jump to the Centre de tutorat of the course at hand.
    OpenTutoring,
    /// Cycle the enrolment-kind filter.
    KindFilter,
    /// Open a picker (course, or another course of the learner in a report).
    Pick,
    /// Previous / next item of a series (the learner's courses in a report).
    PrevItem,
    NextItem,
    /// Open the statistics editor on the lesson under the cursor (report).
    Edit,
    /// Undo the tutor's last edit of this learner (report).
    Undo,
    /// Conflict view: start again from the stored values / save over them.
    Reload,
    Overwrite,
    /// Answers to a confirmation.
    Yes,
    No,
    /// Enter in a text line: keep what was typed (a filter, an attachment's path).
    Accept,
    /// Triage filters: group, next step.
    GroupFilter,
    StepFilter,
    /// Record a contact with a note (triage).
    Note,
    /// Open the Relancer dialog for the marked learners (else the current one).
    Remind,
    /// Remove (the last attachment of the Relancer dialog).
    Delete,
    /// Relances tab: send a failed or uncertain reminder again / confirm an uncertain one
    /// arrived / cancel a waiting one.
    Retry,
    ConfirmSent,
    CancelReminder,
    /// Stop the sending in progress (between two messages).
    StopSending,
}
