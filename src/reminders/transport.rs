//! How a message leaves: an SMTP server (one connection, reused) or an outbox folder of
//! `.eml` files.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Config, SmtpTls, TransportKind};
use crate::model::Ts;

#[derive(Clone)]
pub enum Transport {
    Smtp { inner: AsyncSmtpTransport<Tokio1Executor>, label: String },
    Outbox { dir: PathBuf },
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("[smtp] username is set but the environment variable {var} (named by [smtp] password_env) is empty")]
    MissingPassword { var: String },
    #[error("[smtp] host {host:?} is not usable: {reason}")]
    BadHost { host: String, reason: String },
    #[error("cannot use the outbox folder {dir}: {reason}")]
    Outbox { dir: String, reason: String },
    #[error("no folder for the outbox: set [reminders] outbox_dir")]
    NoOutboxDir,
}

/// Why one message did not leave. Permanent: the server refused it for good (5xx, or a
/// message it can never take); transient: try again later (4xx, no connection, timeout).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("{0}")]
    Permanent(String),
    #[error("{0}")]
    Transient(String),
}

impl SendError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }
}

fn classify(e: &lettre::transport::smtp::Error) -> SendError {
    let text = e.to_string().replace(['\r', '\n'], " ");
    if e.is_permanent() || e.is_client() {
        SendError::Permanent(format!("refused by the server: {text}"))
    } else if e.is_transient() {
        SendError::Transient(format!("server asked to try later: {text}"))
    } else {
        SendError::Transient(format!("could not reach the server: {text}"))
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
        let bad = |e: lettre::transport::smtp::Error| TransportError::BadHost { host: host.into(), reason: e.to_string() };
        if host.is_empty() {
            return Err(TransportError::BadHost { host: host.into(), reason: "empty".into() });
        }
        let (builder, default_port, mode) = match tls {
            SmtpTls::Starttls => (AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(bad)?, 587, "starttls"),
            SmtpTls::Tls => (AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(bad)?, 465, "tls"),
            SmtpTls::None => (AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host), 25, "no tls"),
        };
        let port = if port == 0 { default_port } else { port };
        // One connection, reused for every message: a thousand reminders are one session.
        let mut builder = builder
            .port(port)
            .timeout(Some(timeout))
            .pool_config(PoolConfig::new().max_size(1).min_idle(0).idle_timeout(Duration::from_secs(60)));
        if let Some((user, pass)) = credentials {
            builder = builder.credentials(Credentials::new(user, pass));
        }
        Ok(Transport::Smtp { inner: builder.build(), label: format!("smtp://{host}:{port} ({mode})") })
    }

    pub fn outbox(dir: &Path) -> Result<Transport, TransportError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| TransportError::Outbox { dir: dir.display().to_string(), reason: e.to_string() })?;
        Ok(Transport::Outbox { dir: dir.to_path_buf() })
    }

    /// For the status line and logs (never a password).
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp { label, .. } => label.clone(),
            Transport::Outbox { dir } => format!("outbox {}", dir.display()),
        }
    }

    /// Hands one message over. `created_at` names the outbox file, so a resend of the same
    /// message replaces its file instead of adding one.
    pub async fn send(&self, message: &Message, message_id: &str, created_at: Ts) -> Result<(), SendError> {
        match self {
            Transport::Smtp { inner, .. } => inner.send(message.clone()).await.map(|_| ()).map_err(|e| classify(&e)),
            Transport::Outbox { dir } => {
                let name = outbox_file_name(message_id, created_at);
                let tmp = dir.join(format!(".{name}.tmp"));
                let fail = |e: std::io::Error| SendError::Transient(format!("cannot write to the outbox {}: {e}", dir.display()));
                tokio::fs::write(&tmp, message.formatted()).await.map_err(fail)?;
                // The rename is atomic: a reader never sees half a message.
                tokio::fs::rename(&tmp, dir.join(name)).await.map_err(fail)
            }
        }
    }

    /// Closes the SMTP connection politely (QUIT).
    pub async fn shutdown(&self) {
        if let Transport::Smtp { inner, .. } = self {
            inner.shutdown().await;
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

    // The SMTP pool starts its idle-connection task at once, so this needs a runtime.
    #[tokio::test]
    async fn password_comes_from_the_environment_only() {
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
