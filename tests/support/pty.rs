//! The real binary in a pseudo-terminal, its output parsed into a screen (vt100).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

pub struct Pty {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    bytes: Arc<AtomicUsize>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Pty {
    pub fn spawn(args: &[&str], env: &[(&str, String)], cols: u16, rows: u16) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 })
            .expect("open pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_tutorat"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        cmd.env_remove("DATABASE_URL");
        cmd.env_remove("TUTORAT_CONFIG");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn tutorat");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let parser =
            Arc::new(Mutex::new(vt100::Parser::new(rows.try_into().unwrap(), cols.try_into().unwrap(), 0)));
        let bytes = Arc::new(AtomicUsize::new(0));
        let (p, b) = (parser.clone(), bytes.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                b.fetch_add(n, Ordering::SeqCst);
                p.lock().unwrap().process(&buf[..n]);
            }
        });
        Pty { child, writer, parser, bytes, _master: pair.master }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn alternate_screen(&self) -> bool {
        self.parser.lock().unwrap().screen().alternate_screen()
    }

    pub fn cursor_hidden(&self) -> bool {
        self.parser.lock().unwrap().screen().hide_cursor()
    }

    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::SeqCst)
    }

    /// Waits until the screen shows `text`; panics with the screen after `secs`.
    pub fn wait_for(&self, text: &str, secs: u64) {
        let end = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < end {
            if self.screen().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("timed out waiting for {text:?}; screen:\n{}", self.screen());
    }

    pub fn send(&mut self, s: &str) {
        self.writer.write_all(s.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // Keys sent together can arrive as one read; give the app a moment per batch.
        std::thread::sleep(Duration::from_millis(120));
    }

    /// Resizes the terminal (the application gets SIGWINCH) and the screen that parses it.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.parser.lock().unwrap().screen_mut().set_size(
            std::num::NonZero::new(rows).expect("rows"),
            std::num::NonZero::new(cols).expect("cols"),
        );
        self._master.resize(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).expect("resize pty");
    }

    /// Waits until nothing has been written for `quiet_ms` (at most `secs`), then returns
    /// the screen.
    pub fn settled_screen(&self, quiet_ms: u64, secs: u64) -> String {
        let end = Instant::now() + Duration::from_secs(secs);
        let mut last = self.bytes();
        let mut since = Instant::now();
        while Instant::now() < end {
            std::thread::sleep(Duration::from_millis(25));
            let now = self.bytes();
            if now != last {
                last = now;
                since = Instant::now();
            } else if since.elapsed() >= Duration::from_millis(quiet_ms) {
                break;
            }
        }
        self.screen()
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    pub fn wait_exit(&mut self, secs: u64) -> portable_pty::ExitStatus {
        let end = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < end {
            if let Some(s) = self.child.try_wait().unwrap() {
                // Let the reader thread drain the last bytes (the restore sequence).
                std::thread::sleep(Duration::from_millis(200));
                return s;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("tutorat did not exit; screen:\n{}", self.screen());
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// An isolated HOME (and XDG dirs) so the demo database and config live in a temp dir.
pub fn home_env(dir: &std::path::Path, lang: &str) -> Vec<(&'static str, String)> {
    let d = |s: &str| dir.join(s).display().to_string();
    vec![
        ("HOME", dir.display().to_string()),
        ("XDG_DATA_HOME", d("data")),
        ("XDG_CONFIG_HOME", d("config")),
        ("XDG_STATE_HOME", d("state")),
        ("LANG", lang.to_string()),
        ("LC_ALL", String::new()),
        ("LC_MESSAGES", String::new()),
    ]
}
