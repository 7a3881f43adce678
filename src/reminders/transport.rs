//! How a message leaves: an SMTP server (one connection, reused) or an outbox folder of
//! `.eml` files.

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use lettre::Message;
use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Mutex;

use super::CancelToken;

use crate::config::{Config, SmtpTls, TransportKind};
use crate::model::Ts;
use crate::model::delivery::{Failure, Stage};

#[derive(Clone)]
pub enum Transport {
    Smtp(Arc<SmtpSession>),
    Outbox { dir: PathBuf },
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// One SMTP connection, opened on first use and reused for every message (a thousand
/// reminders are one session), reopened when the server dropped it.
///
/// The session is driven phase by phase (lettre's connection, our own transaction) for two
/// reasons: TCP_NODELAY on the socket (lettre's own transport leaves Nagle on, and the
/// end-of-data marker then waits for the server's delayed ACK, ~40 ms a message), and
/// knowing WHEN a failure happened: before the message was transmitted it was certainly
/// not delivered; after, without an answer, it may have been.
pub struct SmtpSession {
    host: String,
    port: u16,
    tls: SmtpTls,
    credentials: Option<Credentials>,
    timeout: Duration,
    label: String,
    conn: Mutex<Option<(AsyncSmtpConnection, Instant)>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error(
        "[smtp] username is set but the environment variable {var} (named by [smtp] password_env) is empty"
    )]
    MissingPassword { var: String },
    #[error("[smtp] host {host:?} is not usable: {reason}")]
    BadHost { host: String, reason: String },
    #[error("cannot use the outbox folder {dir}: {reason}")]
    Outbox { dir: String, reason: String },
    #[error("no folder for the outbox: set [reminders] outbox_dir")]
    NoOutboxDir,
}

/// Why one message did not leave, or may not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Refused for good (5xx, or a message the server can never take): not retried.
    #[error("{0}")]
    Permanent(Failure),
    /// Certainly not delivered (4xx, connection lost before the end of the message):
    /// retried with backoff.
    #[error("{0}")]
    Transient(Failure),
    /// The server could not be reached or did not greet (connect, greeting, EHLO, STARTTLS
    /// within the timeout): not delivered, retried with backoff. Several in a row stop a
    /// dispatch ([`super::DispatchOptions::max_unreachable`]).
    #[error("{0}")]
    Unreachable(Failure),
    /// The whole message was transmitted but the server's answer never came: it may have
    /// been accepted. Never retried automatically; the tutor decides.
    #[error("{0}")]
    Uncertain(Failure),
    /// Stopped from outside ([`CancelToken`]) before the message was transmitted: nothing
    /// was delivered, the message goes back to the queue as it was.
    #[error("stopped before the message was transmitted")]
    Interrupted,
}

impl SendError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }

    /// What is stored with the message (`None`: interrupted before anything left).
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            SendError::Permanent(f)
            | SendError::Transient(f)
            | SendError::Unreachable(f)
            | SendError::Uncertain(f) => Some(f),
            SendError::Interrupted => None,
        }
    }
}

fn text(e: &SmtpError) -> String {
    e.to_string().replace(['\r', '\n'], " ")
}

/// An error before the message was fully transmitted: nothing was delivered.
fn before_data(e: &SmtpError) -> SendError {
    if e.is_permanent() || e.is_client() {
        SendError::Permanent(Failure::Refused { reply: text(e) })
    } else if e.is_transient() {
        SendError::Transient(Failure::TryLater { reply: text(e) })
    } else {
        SendError::Transient(Failure::ConnectionLost { detail: text(e) })
    }
}

/// An error waiting for the answer to the transmitted message: an explicit refusal is
/// certain, anything else is not.
fn after_data(e: &SmtpError) -> SendError {
    if e.is_permanent() || e.is_transient() {
        before_data(e)
    } else {
        SendError::Uncertain(Failure::AfterMessage { detail: text(e) })
    }
}

async fn timed<T>(
    d: Duration,
    f: impl Future<Output = Result<T, SmtpError>>,
) -> Result<T, Option<SmtpError>> {
    match tokio::time::timeout(d, f).await {
        Ok(r) => r.map_err(Some),
        Err(_) => Err(None),
    }
}

/// A socket on which every read and every write waits at most `timeout`, whoever issues it:
/// our commands, and lettre's own (the greeting, EHLO, STARTTLS, and the QUIT it sends
/// by itself after an error), so that a silent server can never hold a send for longer.
#[derive(Debug)]
struct Deadline<S> {
    inner: S,
    timeout: Duration,
    read: Option<Pin<Box<tokio::time::Sleep>>>,
    write: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> Deadline<S> {
    fn new(inner: S, timeout: Duration) -> Self {
        Deadline { inner, timeout, read: None, write: None }
    }
}

/// Pending I/O: arms the deadline on first wait; past it, the I/O fails as timed out.
fn wait<T>(
    slot: &mut Option<Pin<Box<tokio::time::Sleep>>>,
    t: Duration,
    cx: &mut Context<'_>,
) -> Poll<io::Result<T>> {
    let sleep = slot.get_or_insert_with(|| Box::pin(tokio::time::sleep(t)));
    match sleep.as_mut().poll(cx) {
        Poll::Ready(()) => {
            *slot = None;
            let msg = format!("the server did not answer within {} s", t.as_secs());
            Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, msg)))
        }
        Poll::Pending => Poll::Pending,
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Deadline<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                this.read = None;
                Poll::Ready(r)
            }
            Poll::Pending => wait(&mut this.read, this.timeout, cx),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Deadline<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Ready(r) => {
                this.write = None;
                Poll::Ready(r)
            }
            Poll::Pending => wait(&mut this.write, this.timeout, cx),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Ready(r) => {
                this.write = None;
                Poll::Ready(r)
            }
            Poll::Pending => wait(&mut this.write, this.timeout, cx),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_shutdown(cx) {
            Poll::Ready(r) => {
                this.write = None;
                Poll::Ready(r)
            }
            Poll::Pending => wait(&mut this.write, this.timeout, cx),
        }
    }
}

impl AsyncTokioStream for Deadline<tokio::net::TcpStream> {
    fn peer_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.inner.peer_addr()
    }
}

impl SmtpSession {
    /// Opens a session. Each network step waits at most the timeout: the TCP connection,
    /// the greeting, EHLO, STARTTLS (command, handshake, EHLO again) and AUTH. With
    /// implicit TLS, lettre's own socket is used and the whole opening (connection,
    /// handshake, greeting, EHLO) is bounded by three times the timeout.
    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let t = self.timeout;
        let secs = t.as_secs();
        let down = |detail: String| {
            SendError::Unreachable(Failure::Unreachable { server: self.label.clone(), detail })
        };
        let silent =
            |step: Stage| SendError::Unreachable(Failure::Silent { server: self.label.clone(), step, secs });
        let hello = ClientId::default();
        let tls = || TlsParameters::new(self.host.clone()).map_err(|e| down(text(&e)));
        let mut conn = if self.tls == SmtpTls::Tls {
            let open = AsyncSmtpConnection::connect_tokio1(
                (self.host.as_str(), self.port),
                Some(t),
                &hello,
                Some(tls()?),
                None,
            );
            match tokio::time::timeout(t * 3, open).await {
                Ok(r) => r.map_err(|e| down(text(&e)))?,
                Err(_) => return Err(silent(Stage::Greeting)),
            }
        } else {
            let tcp = match tokio::time::timeout(
                t,
                tokio::net::TcpStream::connect((self.host.as_str(), self.port)),
            )
            .await
            {
                Ok(r) => r.map_err(|e| down(e.to_string()))?,
                Err(_) => return Err(silent(Stage::Connection)),
            };
            tcp.set_nodelay(true).map_err(|e| down(e.to_string()))?;
            let stream = Box::new(Deadline::new(tcp, t));
            // Greeting, then EHLO: each read waits at most `t` (the Deadline socket).
            match tokio::time::timeout(t * 2, AsyncSmtpConnection::connect_with_transport(stream, &hello))
                .await
            {
                Ok(r) => r.map_err(|e| down(text(&e)))?,
                Err(_) => return Err(silent(Stage::Greeting)),
            }
        };
        if self.tls == SmtpTls::Starttls {
            match tokio::time::timeout(t * 3, conn.starttls(tls()?, &hello)).await {
                Ok(r) => r.map_err(|e| {
                    SendError::Unreachable(Failure::StarttlsFailed {
                        server: self.label.clone(),
                        detail: text(&e),
                    })
                })?,
                Err(_) => return Err(silent(Stage::Starttls)),
            }
        }
        if let Some(c) = &self.credentials {
            match tokio::time::timeout(t * 2, conn.auth(&[Mechanism::Plain, Mechanism::Login], c)).await {
                Ok(r) => drop(r.map_err(|e| before_data(&e))?),
                Err(_) => return Err(silent(Stage::Auth)),
            }
        }
        Ok(conn)
    }

    async fn send(&self, message: &Message, cancel: &CancelToken) -> Result<(), SendError> {
        let t = self.timeout;
        let mut slot = self.conn.lock().await;
        // A connection idle for a while may have been closed by the server: check it
        // (NOOP, bounded) rather than lose a try on it.
        if let Some((c, used)) = slot.as_mut()
            && used.elapsed() > Duration::from_secs(5)
        {
            let alive = tokio::select! {
                r = tokio::time::timeout(t, c.test_connected()) => matches!(r, Ok(true)),
                _ = cancel.cancelled() => return Err(SendError::Interrupted),
            };
            if !alive {
                // Dropped, not QUIT: it does not answer.
                *slot = None;
            }
        }
        if slot.is_none() {
            let conn = tokio::select! {
                r = self.connect() => r?,
                _ = cancel.cancelled() => return Err(SendError::Interrupted),
            };
            *slot = Some((conn, Instant::now()));
        }
        let (conn, used) = slot.as_mut().expect("connected above");
        let transmitted = AtomicBool::new(false);
        let answered = AtomicBool::new(false);
        let result = tokio::select! {
            r = self.transaction(conn, message, &transmitted, &answered) => r,
            _ = cancel.cancelled() => Err(if transmitted.load(Ordering::SeqCst) {
                SendError::Uncertain(Failure::StoppedAfterMessage)
            } else {
                SendError::Interrupted
            }),
        };
        *used = Instant::now();
        let refused = result.is_err() && answered.load(Ordering::SeqCst);
        if result.is_err() || conn.has_broken() {
            // Start the next message on a fresh connection rather than mid-way in a
            // transaction the server may still consider open. A server that answered
            // (a refusal) gets a QUIT, bounded; one that went silent is simply dropped, so
            // the outcome is known at once.
            if let Some((mut c, _)) = slot.take()
                && refused
                && !c.has_broken()
            {
                let _ = tokio::time::timeout(t, c.abort()).await;
            }
        }
        result
    }

    /// MAIL, RCPT, DATA and the message, each answer awaited at most the timeout.
    /// `transmitted` is set once the message text starts going out: from then on, a
    /// missing answer means the message may have been delivered. `answered`: the server
    /// refused with a reply code (it is alive), as opposed to silence or a lost connection.
    async fn transaction(
        &self,
        conn: &mut AsyncSmtpConnection,
        message: &Message,
        transmitted: &AtomicBool,
        answered: &AtomicBool,
    ) -> Result<(), SendError> {
        let t = self.timeout;
        let replied = |e: &SmtpError| {
            if e.is_permanent() || e.is_transient() {
                answered.store(true, Ordering::SeqCst);
            }
        };
        let lost = |e: Option<SmtpError>| match e {
            Some(e) => {
                replied(&e);
                before_data(&e)
            }
            None => SendError::Transient(Failure::NoAnswer { secs: t.as_secs() }),
        };
        let env = message.envelope();
        let body = message.formatted();
        let mut params = Vec::new();
        let non_ascii = env.from().into_iter().chain(env.to()).any(|a| !AsRef::<str>::as_ref(a).is_ascii());
        if non_ascii {
            if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
                return Err(SendError::Permanent(Failure::NoSmtpUtf8));
            }
            params.push(MailParameter::SmtpUtfEight);
        }
        if !body.is_ascii() && conn.server_info().supports_feature(Extension::EightBitMime) {
            params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        timed(t, conn.command(Mail::new(env.from().cloned(), params))).await.map_err(lost)?;
        for to in env.to() {
            timed(t, conn.command(Rcpt::new(to.clone(), vec![]))).await.map_err(lost)?;
        }
        timed(t, conn.command(Data)).await.map_err(lost)?;
        transmitted.store(true, Ordering::SeqCst);
        match timed(t, conn.message(&body)).await {
            Ok(_) => Ok(()),
            Err(Some(e)) => {
                replied(&e);
                Err(after_data(&e))
            }
            Err(None) => Err(SendError::Uncertain(Failure::NoAnswerAfterMessage { secs: t.as_secs() })),
        }
    }

    /// Closes the session politely (QUIT), waiting at most the timeout for the answer.
    async fn quit(&self) {
        if let Some((mut c, _)) = self.conn.lock().await.take() {
            let _ = tokio::time::timeout(self.timeout, c.quit()).await;
        }
    }

    /// Drops the connection without a word (after an interrupt: nobody waits for QUIT).
    async fn drop_connection(&self) {
        self.conn.lock().await.take();
    }
}

impl Transport {
    /// The transport the configuration asks for; `demo` always uses the outbox.
    /// `data_dir` is where the default outbox lives; `env` reads the password variable.
    pub fn from_config(
        cfg: &Config,
        demo: bool,
        data_dir: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Transport, TransportError> {
        let r = &cfg.reminders;
        if demo || r.transport == TransportKind::Outbox {
            let dir = match r.outbox_dir.trim() {
                "" => data_dir.map(|d| d.join("outbox")).ok_or(TransportError::NoOutboxDir)?,
                d => PathBuf::from(d),
            };
            return Transport::outbox(&dir);
        }
        let s = &cfg.smtp;
        let password = if s.username.trim().is_empty() {
            None
        } else {
            let var = s.password_env.trim();
            match env(var).filter(|p| !p.is_empty()) {
                Some(p) => Some(p),
                None => return Err(TransportError::MissingPassword { var: var.to_string() }),
            }
        };
        let creds = password.map(|p| (s.username.trim().to_string(), p));
        Transport::smtp(s.host.trim(), s.port, s.tls, creds, Duration::from_secs(s.timeout_secs.max(1)))
    }

    pub fn smtp(
        host: &str,
        port: u16,
        tls: SmtpTls,
        credentials: Option<(String, String)>,
        timeout: Duration,
    ) -> Result<Transport, TransportError> {
        if host.is_empty() {
            return Err(TransportError::BadHost { host: host.into(), reason: "empty".into() });
        }
        if tls != SmtpTls::None
            && let Err(e) = TlsParameters::new(host.to_string())
        {
            return Err(TransportError::BadHost { host: host.into(), reason: e.to_string() });
        }
        let (default_port, mode) = match tls {
            SmtpTls::Starttls => (587, "starttls"),
            SmtpTls::Tls => (465, "tls"),
            SmtpTls::None => (25, "no tls"),
        };
        let port = if port == 0 { default_port } else { port };
        Ok(Transport::Smtp(Arc::new(SmtpSession {
            host: host.to_string(),
            port,
            tls,
            credentials: credentials.map(|(u, p)| Credentials::new(u, p)),
            timeout,
            label: format!("smtp://{host}:{port} ({mode})"),
            conn: Mutex::new(None),
        })))
    }

    pub fn outbox(dir: &Path) -> Result<Transport, TransportError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| TransportError::Outbox { dir: dir.display().to_string(), reason: e.to_string() })?;
        Ok(Transport::Outbox { dir: dir.to_path_buf() })
    }

    /// For the status line and logs (never a password).
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(s) => s.label.clone(),
            Transport::Outbox { dir } => format!("outbox {}", dir.display()),
        }
    }

    /// Hands one message over (one at a time: clones share the SMTP connection).
    /// `created_at` names the outbox file, so a resend of the same message replaces its
    /// file instead of adding one.
    pub async fn send(&self, message: &Message, message_id: &str, created_at: Ts) -> Result<(), SendError> {
        self.send_or_stop(message, message_id, created_at, &CancelToken::new()).await
    }

    /// [`Transport::send`] that `cancel` stops at once (see [`SendError::Interrupted`]).
    pub async fn send_or_stop(
        &self,
        message: &Message,
        message_id: &str,
        created_at: Ts,
        cancel: &CancelToken,
    ) -> Result<(), SendError> {
        match self {
            Transport::Smtp(s) => s.send(message, cancel).await,
            Transport::Outbox { dir } => {
                let name = outbox_file_name(message_id, created_at);
                let tmp = dir.join(format!(".{name}.tmp"));
                let fail = |e: std::io::Error| {
                    SendError::Transient(Failure::OutboxWrite {
                        dir: dir.display().to_string(),
                        detail: e.to_string(),
                    })
                };
                tokio::fs::write(&tmp, message.formatted()).await.map_err(fail)?;
                // The rename is atomic: a reader never sees half a message.
                tokio::fs::rename(&tmp, dir.join(name)).await.map_err(fail)
            }
        }
    }

    /// Closes the SMTP connection politely (QUIT, waiting at most the timeout).
    pub async fn shutdown(&self) {
        if let Transport::Smtp(s) = self {
            s.quit().await;
        }
    }

    /// Closes the SMTP connection without waiting for the server (after an interrupt).
    pub async fn close_now(&self) {
        if let Transport::Smtp(s) = self {
            s.drop_connection().await;
        }
    }
}

/// `20261122T104224Z-<message id>.eml`, with only portable characters.
pub fn outbox_file_name(message_id: &str, created_at: Ts) -> String {
    let when = crate::model::time::to_datetime(created_at)
        .map(|d| d.format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_else(|| "0".into());
    let id: String = message_id
        .trim_matches(|c| c == '<' || c == '>')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || ".-_@".contains(c) { c } else { '_' })
        .collect();
    format!("{when}-{id}.eml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_portable_and_stable() {
        assert_eq!(
            outbox_file_name("<19a.2f.ab.0.3@exemple.fr>", 1_763_807_000),
            "20251122T102320Z-19a.2f.ab.0.3@exemple.fr.eml"
        );
        assert_eq!(outbox_file_name("<a/../b c>", 0), "19700101T000000Z-a_.._b_c.eml");
    }

    #[test]
    fn password_comes_from_the_environment_only() {
        let mut cfg = Config::default();
        cfg.reminders.transport = TransportKind::Smtp;
        cfg.smtp.username = "tutor".into();
        let none = |_: &str| None;
        let err = Transport::from_config(&cfg, false, None, &none).unwrap_err();
        assert_eq!(err, TransportError::MissingPassword { var: "TUTORAT_SMTP_PASSWORD".into() });
        let some = |k: &str| (k == "TUTORAT_SMTP_PASSWORD").then(|| "s3cret".to_string());
        let t = Transport::from_config(&cfg, false, None, &some).unwrap();
        assert_eq!(t.describe(), "smtp://localhost:587 (starttls)");
        assert!(!format!("{t:?}").contains("s3cret"));
        // The demo never sends real mail.
        let dir = tempfile::tempdir().unwrap();
        let t = Transport::from_config(&cfg, true, Some(dir.path()), &some).unwrap();
        assert!(matches!(t, Transport::Outbox { .. }));
    }
}
