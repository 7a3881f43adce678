//! Terminal setup and restore. Restore runs on normal exit, on panic (before the report is
//! printed), and on SIGTERM/SIGHUP, so the user always gets their terminal back.

use std::io::{self, BufWriter, Stdout, Write, stdout};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;

use super::scroll::ScrollBackend;

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Stdout that goes silent once the terminal is restored, so a frame still buffered when a
/// panic unwinds can never be flushed onto the user's shell.
pub struct Gate(Stdout);

impl Write for Gate {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if ACTIVE.load(Ordering::SeqCst) { self.0.write(buf) } else { Ok(buf.len()) }
    }
    fn flush(&mut self) -> io::Result<()> {
        if ACTIVE.load(Ordering::SeqCst) { self.0.flush() } else { Ok(()) }
    }
}

/// Frames leave in one write of up to 64 KiB instead of many 1 KiB ones (each can become an
/// SSH packet and show a half-drawn frame); the backend scrolls instead of repainting.
pub type Term = Terminal<ScrollBackend<BufWriter<Gate>>>;

/// `scroll_regions`: whether the backend scrolls bands that moved (see `tui::scroll`).
pub fn setup(scroll_regions: bool) -> io::Result<Term> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = BufWriter::with_capacity(64 * 1024, Gate(stdout()));
    if let Err(e) = execute!(out, EnterAlternateScreen, EnableBracketedPaste, Hide) {
        restore();
        return Err(e);
    }
    Terminal::new(ScrollBackend::new(out).with_scroll_regions(scroll_regions))
}

/// Leaves raw mode and the alternate screen. Safe to call more than once.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = execute!(stdout(), EndSynchronizedUpdate, DisableBracketedPaste, LeaveAlternateScreen, Show);
    }
}

/// color-eyre's hooks, with the terminal restored before any report is printed.
pub fn install_hooks() {
    let (panic_hook, eyre_hook) =
        color_eyre::config::HookBuilder::default().display_env_section(false).into_hooks();
    let _ = eyre_hook.install();
    let panic_hook = panic_hook.into_panic_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        tracing::error!("panic: {info}");
        panic_hook(info);
    }));
}

/// Restores the terminal when dropped (early returns and `?` included).
pub struct RestoreGuard;

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        restore();
    }
}
