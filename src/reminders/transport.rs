//! How a message leaves: an SMTP server (one connection, reused) or an outbox folder of
//! `.eml` files.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lettre::Message;
use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use tokio::sync::Mutex;

use crate::config::{Config, SmtpTls, TransportKind};
use crate::model::Ts;

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
    Permanent(String),
    /// Certainly not delivered (4xx, no connection, lost before the end of the message):
    /// retried with backoff.
    #[error("{0}")]
    Transient(String),
    /// The whole message was transmitted but the server's answer never came: it may have
    /// been accepted. Never retried automatically; the tutor decides.
    #[error("{0}")]
    Uncertain(String),
}

impl SendError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }
}

fn text(e: &SmtpError) -> String {
    e.to_string().replace(['\r', '\n'], " ")
}

/// An error before the message was fully transmitted: nothing was delivered.
fn before_data(e: &SmtpError) -> SendError {
    if e.is_permanent() || e.is_client() {
        SendError::Permanent(format!("refused by the server: {}", text(e)))
    } else if e.is_transient() {
        SendError::Transient(format!("server asked to try later: {}", text(e)))
    } else {
        SendError::Transient(format!("connection to the server lost: {}", text(e)))
    }
}

/// An error waiting for the answer to the transmitted message: an explicit refusal is
/// certain, anything else is not.
fn after_data(e: &SmtpError) -> SendError {
    if e.is_permanent() || e.is_transient() {
        before_data(e)
    } else {
        SendError::Uncertain(format!(
            "no answer after the message was transmitted ({}): it may have been delivered",
            text(e)
        ))
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

impl SmtpSession {
    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let down =
            |m: String| SendError::Transient(format!("could not reach the server {}: {m}", self.label));
        let hello = ClientId::default();
        let tls = || TlsParameters::new(self.host.clone()).map_err(|e| down(text(&e)));
        let setup = async {
            let mut conn = if self.tls == SmtpTls::Tls {
                AsyncSmtpConnection::connect_tokio1(
                    (self.host.as_str(), self.port),
                    Some(self.timeout),
                    &hello,
                    Some(tls()?),
                    None,
                )
                .await
                .map_err(|e| down(text(&e)))?
            } else {
                let tcp = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
                    .await
                    .map_err(|e| down(e.to_string()))?;
                tcp.set_nodelay(true).map_err(|e| down(e.to_string()))?;
                AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &hello)
                    .await
                    .map_err(|e| down(text(&e)))?
            };
            if self.tls == SmtpTls::Starttls {
                conn.starttls(tls()?, &hello)
                    .await
                    .map_err(|e| down(format!("STARTTLS failed: {}", text(&e))))?;
            }
            if let Some(c) = &self.credentials {
                conn.auth(&[Mechanism::Plain, Mechanism::Login], c).await.map_err(|e| before_data(&e))?;
            }
            Ok(conn)
        };
        match tokio::time::timeout(self.timeout * 3, setup).await {
            Ok(r) => r,
            Err(_) => Err(down(format!("no answer within {} s", self.timeout.as_secs()))),
        }
    }

    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let mut slot = self.conn.lock().await;
        // A connection idle for a while may have been closed by the server: check it
        // (NOOP) rather than lose a try on it.
        if let Some((c, used)) = slot.as_mut()
            && used.elapsed() > Duration::from_secs(5)
            && !c.test_connected().await
        {
            *slot = None;
        }
        if slot.is_none() {
            *slot = Some((self.connect().await?, Instant::now()));
        }
        let (conn, used) = slot.as_mut().expect("connected above");
        let result = self.transaction(conn, message).await;
        *used = Instant::now();
        if result.is_err() || conn.has_broken() {
            // Start the next message on a fresh connection rather than mid-way in a
            // transaction the server may still consider open.
            if let Some((mut c, _)) = slot.take() {
                c.abort().await;
            }
        }
        result
    }

    async fn transaction(&self, conn: &mut AsyncSmtpConnection, message: &Message) -> Result<(), SendError> {
        let t = self.timeout;
        let lost = |e: Option<SmtpError>| match e {
            Some(e) => before_data(&e),
            None => SendError::Transient(format!("the server did not answer within {} s", t.as_secs())),
        };
        let env = message.envelope();
        let body = message.formatted();
        let mut params = Vec::new();
        let non_ascii = env.from().into_iter().chain(env.to()).any(|a| !AsRef::<str>::as_ref(a).is_ascii());
        if non_ascii {
            if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
                return Err(SendError::Permanent("non-ASCII address and the server lacks SMTPUTF8".into()));
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
        match timed(t, conn.message(&body)).await {
            Ok(_) => Ok(()),
            Err(Some(e)) => Err(after_data(&e)),
            Err(None) => Err(SendError::Uncertain(format!(
                "no answer within {} s after the message was transmitted: it may have been delivered",
                t.as_secs()
            ))),
        }
    }

    async fn quit(&self) {
        if let Some((mut c, _)) = self.conn.lock().await.take() {
            let _ = tokio::time::timeout(self.timeout, c.quit()).await;
        }
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
        match self {
            Transport::Smtp(s) => s.send(message).await,
            Transport::Outbox { dir } => {
                let name = outbox_file_name(message_id, created_at);
                let tmp = dir.join(format!(".{name}.tmp"));
                let fail = |e: std::io::Error| {
                    SendError::Transient(format!("cannot write to the outbox {}: {e}", dir.display()))
                };
                tokio::fs::write(&tmp, message.formatted()).await.map_err(fail)?;
                // The rename is atomic: a reader never sees half a message.
                tokio::fs::rename(&tmp, dir.join(name)).await.map_err(fail)
            }
        }
    }

    /// Closes the SMTP connection politely (QUIT).
    pub async fn shutdown(&self) {
        if let Transport::Smtp(s) = self {
            s.quit().await;
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
