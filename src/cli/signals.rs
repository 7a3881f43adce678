//! How a command ends when it is told to: SIGINT (Ctrl-C), SIGTERM (kill, systemd) and
//! SIGHUP (a closed terminal or SSH session) stop it within a second, and a closed pipe
//! (`tutorat triage | head`) ends it quietly.

use std::time::Duration;

use crate::reminders::CancelToken;

/// How long a command has, after the first signal, to leave its data consistent and stop
/// by itself; past that (or on a second signal) the process exits at once, code 130.
/// Nothing is lost then either: a message being handed over becomes `uncertain` at the
/// next run, exactly as after `kill -9`.
pub const GRACE: Duration = Duration::from_millis(900);

/// Cancels `cancel` on the first SIGINT, SIGTERM or SIGHUP.
pub fn cancel_on_signals(cancel: CancelToken) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        let name = tokio::select! {
            _ = int.recv() => "SIGINT",
            _ = term.recv() => "SIGTERM",
            _ = hup.recv() => "SIGHUP",
        };
        tracing::warn!(signal = name, "stopping");
        cancel.cancel();
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
            _ = hup.recv() => {}
            _ = tokio::time::sleep(GRACE) => {}
        }
        tracing::error!(signal = name, "did not stop in time: exiting now");
        std::process::exit(130);
    });
    Ok(())
}

/// Whether an error is a write to a closed pipe (the reader went away): not an error of
/// ours, the command ends quietly.
pub fn is_broken_pipe(e: &color_eyre::Report) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

/// An error as one line: its messages from the outside in, without the developer's trace
/// (`Caused by:`, `Location:`) that `{:?}` would print.
pub fn one_line(e: &color_eyre::Report) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in e.chain() {
        let s = c.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
        if !s.is_empty() && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    if parts.is_empty() { "?".into() } else { parts.join(": ") }
}
