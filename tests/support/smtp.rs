//! A small SMTP server for tests: speaks enough ESMTP for lettre (EHLO, MAIL, RCPT, DATA,
//! RSET, NOOP, QUIT), records what it accepted, and can misbehave on demand.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// Refuses every message for good at MAIL FROM (`550`).
    Reject5xx,
    /// Asks to try later at MAIL FROM (`451`).
    Reject4xx,
    /// Closes the connection right after MAIL FROM.
    DropAfterMail,
    /// Reads the whole message, then closes without answering: not accepted.
    DropAfterData,
    /// Goes silent (keeps the connection open, answers nothing) at one step:
    /// before the greeting…
    SilentGreeting,
    /// …on EHLO…
    SilentEhlo,
    /// …on MAIL FROM…
    SilentMail,
    /// …on DATA (no "354")…
    SilentData,
    /// …after the whole message (recorded as received: it may have been delivered)…
    SilentAfterMessage,
    /// …on NOOP (the liveness check of an idle connection)…
    SilentNoop,
    /// …on QUIT.
    SilentQuit,
}

/// Reads and ignores everything until the client goes away.
async fn silent(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) {
    let mut sink = String::new();
    while r.read_line(&mut sink).await.unwrap_or(0) > 0 {
        sink.clear();
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub raw: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or("");
        // Unfold continuation lines first.
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.split("\r\n").find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }

    pub fn message_id(&self) -> String {
        self.header("Message-ID").unwrap_or_default()
    }

    pub fn subject(&self) -> String {
        decode_words(&self.header("Subject").unwrap_or_default())
    }

    /// The text part, decoded (quoted-printable or base64).
    pub fn text(&self) -> String {
        let (head, body) = self.raw.split_once("\r\n\r\n").unwrap_or(("", ""));
        let (head, body) = match self.header("Content-Type") {
            Some(ct) if ct.starts_with("multipart/") => {
                let boundary = ct.split("boundary=").nth(1).unwrap_or("").trim_matches('"').to_string();
                let part = body.split(&format!("--{boundary}")).nth(1).unwrap_or("");
                let part = part.trim_start_matches("\r\n");
                part.split_once("\r\n\r\n").unwrap_or(("", ""))
            }
            _ => (head, body),
        };
        let head = head.to_ascii_lowercase();
        let body = body.trim_end_matches("\r\n");
        if head.contains("content-transfer-encoding: quoted-printable") {
            decode_qp(body)
        } else if head.contains("content-transfer-encoding: base64") {
            String::from_utf8_lossy(&decode_b64(body)).into_owned()
        } else {
            body.replace("\r\n", "\n")
        }
    }

    /// Filenames of the attachments.
    pub fn attachments(&self) -> Vec<String> {
        self.raw
            .split("Content-Disposition: attachment; filename=")
            .skip(1)
            .map(|s| s.split("\r\n").next().unwrap_or("").trim_matches('"').to_string())
            .collect()
    }
}

struct State {
    mode: Mode,
    received: Vec<Received>,
    connections: usize,
    /// Wait this long before answering the end of a message (after recording it)…
    delay: Duration,
    /// …for one message in this many.
    delay_every: usize,
}

#[derive(Clone)]
pub struct Sink {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl Sink {
    pub async fn start(mode: Mode) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind sink");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            mode,
            received: Vec::new(),
            connections: 0,
            delay: Duration::ZERO,
            delay_every: 1,
        }));
        let st = state.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                st.lock().unwrap().connections += 1;
                tokio::spawn(session(sock, st.clone()));
            }
        });
        Sink { port, state }
    }

    pub fn set_mode(&self, mode: Mode) {
        self.state.lock().unwrap().mode = mode;
    }

    /// Pauses `d` before the "250 OK" of one message in `every`.
    pub fn set_delay(&self, d: Duration, every: usize) {
        let mut s = self.state.lock().unwrap();
        (s.delay, s.delay_every) = (d, every.max(1));
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    pub fn count(&self) -> usize {
        self.state.lock().unwrap().received.len()
    }

    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }

    pub fn clear(&self) {
        self.state.lock().unwrap().received.clear();
    }
}

/// A port where nothing listens ("server down").
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

async fn session(sock: TcpStream, st: Arc<Mutex<State>>) {
    let (r, mut w) = sock.into_split();
    let mut r = BufReader::new(r);
    let mode = || st.lock().unwrap().mode;
    if mode() == Mode::SilentGreeting {
        return silent(&mut r).await;
    }
    if w.write_all(b"220 sink ESMTP ready\r\n").await.is_err() {
        return;
    }
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        let hush = match mode() {
            Mode::SilentEhlo => upper.starts_with("EHLO"),
            Mode::SilentMail => upper.starts_with("MAIL FROM:"),
            Mode::SilentData => upper == "DATA",
            Mode::SilentNoop => upper.starts_with("NOOP"),
            Mode::SilentQuit => upper.starts_with("QUIT"),
            _ => false,
        };
        if hush {
            return silent(&mut r).await;
        }
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 20000000\r\n"
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
            b"250 ok\r\n"
        } else if upper.starts_with("RSET") {
            (from, to) = (String::new(), Vec::new());
            b"250 ok\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            match mode() {
                Mode::Reject5xx => b"550 5.7.1 sender refused\r\n",
                Mode::Reject4xx => b"451 4.3.0 try again later\r\n",
                Mode::DropAfterMail => return,
                _ => {
                    from = addr(&cmd);
                    b"250 ok\r\n"
                }
            }
        } else if upper.starts_with("RCPT TO:") {
            to.push(addr(&cmd));
            b"250 ok\r\n"
        } else if upper == "DATA" {
            if w.write_all(b"354 go ahead\r\n").await.is_err() {
                return;
            }
            let mut raw = String::new();
            loop {
                line.clear();
                if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" {
                    break;
                }
                raw.push_str(line.strip_prefix('.').filter(|_| line.starts_with("..")).unwrap_or(&line));
            }
            if mode() == Mode::DropAfterData {
                return;
            }
            if mode() == Mode::SilentAfterMessage {
                st.lock().unwrap().received.push(Received { from: from.clone(), to: to.clone(), raw });
                return silent(&mut r).await;
            }
            let delay = {
                let mut s = st.lock().unwrap();
                s.received.push(Received { from: from.clone(), to: to.clone(), raw });
                if s.received.len().is_multiple_of(s.delay_every) { s.delay } else { Duration::ZERO }
            };
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            (from, to) = (String::new(), Vec::new());
            b"250 2.0.0 queued\r\n"
        } else if upper.starts_with("QUIT") {
            let _ = w.write_all(b"221 bye\r\n").await;
            return;
        } else {
            b"502 5.5.2 not implemented\r\n"
        };
        if w.write_all(reply).await.is_err() {
            return;
        }
    }
}

fn addr(cmd: &str) -> String {
    let s = cmd.split_once(':').map(|x| x.1).unwrap_or("");
    let s = s.trim().trim_start_matches('<');
    s.split('>').next().unwrap_or("").to_string()
}

fn b64_val(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

pub fn decode_b64(s: &str) -> Vec<u8> {
    let vals: Vec<u32> = s.bytes().filter_map(b64_val).collect();
    let mut out = Vec::new();
    for chunk in vals.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, v)| acc | (v << (18 - 6 * i)));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    out
}

pub fn decode_qp(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'=' if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') => i += 3,
            b'=' if i + 2 < b.len() => {
                let hex =
                    std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'=');
                        i += 1;
                    }
                }
            }
            b'\r' if b.get(i + 1) == Some(&b'\n') => {
                out.push(b'\n');
                i += 2;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// RFC 2047 encoded words (`=?utf-8?b?…?=` / `?q?`), as lettre writes non-ASCII subjects.
pub fn decode_words(s: &str) -> String {
    let mut out = String::new();
    for word in s.split_whitespace() {
        let inner = word.strip_prefix("=?").and_then(|w| w.strip_suffix("?="));
        match inner.map(|w| w.splitn(3, '?').collect::<Vec<_>>()) {
            Some(p) if p.len() == 3 && p[1].eq_ignore_ascii_case("b") => {
                out.push_str(&String::from_utf8_lossy(&decode_b64(p[2])));
            }
            Some(p) if p.len() == 3 && p[1].eq_ignore_ascii_case("q") => {
                out.push_str(&decode_qp(&p[2].replace('_', " ")));
            }
            _ => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(word);
            }
        }
    }
    out
}
