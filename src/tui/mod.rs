//! The terminal application: setup/restore and the event loop.
//!
//! Data flows one way: key → keymap → command → `App::update` → state → `App::render`.
//! Database work runs in tokio tasks whose results return as actions over a channel; the
//! loop draws only when something changed, so an idle dashboard writes nothing.

pub mod action;
pub mod app;
pub mod command;
pub mod dialogs;
pub mod effect;
pub mod frame;
pub mod keymap;
pub mod list;
pub mod pane;
pub mod remind_tasks;
pub mod scroll;
pub mod sheet;
pub mod tasks;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod views;
pub mod widgets;

use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream, KeyCode};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use self::action::Action;
use self::app::App;
use self::effect::{Loaded, RemindLoaded};
use self::remind_tasks::TaskCtx;
use self::terminal::RestoreGuard;
use crate::config::ScrollRegions;

/// Frames are at least this far apart; input arriving meanwhile is folded into one frame.
const FRAME_GAP: Duration = Duration::from_millis(12);

/// Draws one frame wrapped in synchronized output, so it never shows half-drawn, and sent
/// in one write. Generic over the writer so the benches measure the bytes of the very same
/// path.
pub fn draw<W: std::io::Write>(
    term: &mut ratatui::Terminal<scroll::ScrollBackend<W>>,
    app: &mut App,
) -> std::io::Result<()> {
    term.backend_mut().begin_frame()?;
    term.draw(|f| app.render(f))?;
    term.backend_mut().end_frame()
}

fn spawn_effects(app: &mut App, ctx: &TaskCtx, tx: &mpsc::UnboundedSender<Action>) {
    for effect in app.take_effects() {
        let (ctx, tx) = (ctx.clone(), tx.clone());
        tokio::spawn(async move {
            let progress = tx.clone();
            let emit = move |p: crate::reminders::Progress| {
                let _ = progress.send(Action::SendProgress(p));
            };
            let loaded = tasks::run_in(&ctx, effect, &emit).await;
            let _ = tx.send(Action::Loaded(loaded));
        });
    }
}

/// Sleeps until `at` (epoch seconds), or forever when there is nothing to wake for.
async fn sleep_until(at: Option<i64>) {
    match at {
        Some(t) => tokio::time::sleep(Duration::from_secs((t - now()).max(0) as u64)).await,
        None => std::future::pending().await,
    }
}

/// Quitting while reminders are being sent: stop after the message in flight (so none is
/// left uncertain), waiting a few seconds at most.
async fn finish_sending(app: &mut App, ctx: &TaskCtx, rx: &mut mpsc::UnboundedReceiver<Action>) {
    if app.sending.is_none() {
        return;
    }
    ctx.cancel_sending();
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(a) = rx.recv().await {
            let done = matches!(&a, Action::Loaded(Loaded::Remind(RemindLoaded::Dispatched { .. })));
            app.update(a);
            if done {
                break;
            }
        }
    })
    .await;
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The one path every terminal event takes, wherever the loop picked it up.
fn handle_event(app: &mut App, ev: Event, panic_key: bool) {
    if panic_key && matches!(&ev, Event::Key(k) if k.code == KeyCode::F(12)) {
        panic!("F12 pressed with TUTORAT_DEBUG_PANIC set");
    }
    app.ui.now = now();
    app.handle_event(ev);
}

/// Runs the dashboard until the tutor quits; `scroll_regions`: `[display] scroll_regions`.
pub async fn run(mut app: App, ctx: TaskCtx, scroll_regions: ScrollRegions) -> color_eyre::Result<()> {
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut term = terminal::setup(scroll_regions.enabled())?;
    let _guard = RestoreGuard;
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_draw = Instant::now() - FRAME_GAP;
    // Lets the end-to-end tests check that a panic restores the terminal first.
    let panic_key = std::env::var_os("TUTORAT_DEBUG_PANIC").is_some();

    loop {
        spawn_effects(&mut app, &ctx, &tx);
        if app.quit {
            break;
        }
        // Every wake-up below changed something; nothing else draws, so idle means silent.
        let since = last_draw.elapsed();
        if since < FRAME_GAP {
            tokio::time::sleep(FRAME_GAP - since).await;
        }
        // Fold everything that arrived meanwhile into this frame. (Not `now_or_never`:
        // crossterm's EventStream keeps the first waker it sees, and a no-op one would
        // leave the loop deaf to keys.)
        loop {
            let ready = tokio::select! {
                biased;
                ev = events.next() => ev,
                _ = std::future::ready(()) => None,
            };
            match ready {
                Some(ev) => handle_event(&mut app, ev?, panic_key),
                None => break,
            }
        }
        while let Ok(a) = rx.try_recv() {
            app.update(a);
        }
        spawn_effects(&mut app, &ctx, &tx);
        if app.quit {
            break;
        }
        draw(&mut term, &mut app)?;
        last_draw = Instant::now();
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => handle_event(&mut app, ev, panic_key),
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(a) = rx.recv() => {
                app.ui.now = now();
                app.update(a);
            }
            _ = tick.tick(), if app.busy > 0 => app.update(Action::Tick),
            _ = sleep_until(app.next_wakeup()), if app.next_wakeup().is_some() => {
                app.ui.now = now();
                app.update(Action::Wake);
            }
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
        }
    }
    finish_sending(&mut app, &ctx, &mut rx).await;
    ctx.store.close().await;
    Ok(())
}
