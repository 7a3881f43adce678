//! Everything that can happen to the application, as data.

use crossterm::event::KeyEvent;

use super::effect::Loaded;

#[derive(Debug)]
pub enum Action {
    /// A key no binding claimed, or a key for a text field.
    Key(KeyEvent),
    Paste(String),
    Loaded(Loaded),
    /// Terminal resized (the next frame uses the new size).
    Resize,
    /// Animation tick while work is in flight.
    Tick,
    /// A sending in the background moved on by one message.
    SendProgress(crate::reminders::Progress),
    /// A time the application asked to be woken at has come (retries of failed reminders).
    Wake,
}
