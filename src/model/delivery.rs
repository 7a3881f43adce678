//! Why a reminder did not leave (or may not have): a code with its parameters, stored in
//! `reminders.error` as JSON (`{"code":"refused","reply":"permanent error (550): …"}`) so
//! that each reader sees it in their own language. What a server said (`reply`,
//! `detail`) is kept as the server said it. Rows written before codes hold English text:
//! they read as [`Failure::Text`], shown as they are.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The network stage a silent server did not answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Connection,
    Greeting,
    Starttls,
    Auth,
}

impl Stage {
    fn english(self) -> &'static str {
        match self {
            Stage::Connection => "connection",
            Stage::Greeting => "greeting",
            Stage::Starttls => "STARTTLS",
            Stage::Auth => "answer to AUTH",
        }
    }

    /// Locale key of the step's name.
    pub fn locale_key(self) -> &'static str {
        match self {
            Stage::Connection => "chars.stage_connection",
            Stage::Greeting => "chars.stage_greeting",
            Stage::Starttls => "chars.stage_starttls",
            Stage::Auth => "chars.stage_auth",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Failure {
    /// The server refused it for good (5xx): `reply` is its answer.
    Refused { reply: String },
    /// The server asked to try later (4xx).
    TryLater { reply: String },
    /// The connection broke before the end of the message.
    ConnectionLost { detail: String },
    /// No answer to MAIL, RCPT or DATA within `secs`.
    NoAnswer { secs: u64 },
    /// The server could not be reached (`server`: `smtp://host:port (mode)`).
    Unreachable { server: String, detail: String },
    /// The server stayed silent at `step` for `secs`.
    Silent { server: String, step: Stage, secs: u64 },
    /// STARTTLS was refused or the handshake failed.
    StarttlsFailed { server: String, detail: String },
    /// The message was transmitted; its answer was an error that is not a refusal.
    AfterMessage { detail: String },
    /// The message was transmitted; no answer came within `secs`.
    NoAnswerAfterMessage { secs: u64 },
    /// Stopped (Ctrl-C, `X`) after the message was transmitted, before the answer.
    StoppedAfterMessage,
    /// The process sending it stopped mid-way (crash, lost session).
    Interrupted,
    /// An address is not ASCII and the server cannot take it (no SMTPUTF8).
    NoSmtpUtf8,
    /// The message could not be built (a bad address, a header).
    CannotBuild { detail: String },
    /// The outbox folder could not be written.
    OutboxWrite { dir: String, detail: String },
    /// Free text: a row written before codes, or a code this version does not know.
    Text { text: String },
}

impl Failure {
    /// The value for `reminders.error`.
    pub fn to_db(&self) -> String {
        match self {
            Failure::Text { text } => text.clone(),
            other => serde_json::to_string(other).unwrap_or_else(|_| other.to_string()),
        }
    }

    /// Reads `reminders.error`: a code, else the text as it is.
    pub fn from_db(s: &str) -> Failure {
        if s.starts_with('{')
            && let Ok(f) = serde_json::from_str::<Failure>(s)
        {
            return f;
        }
        Failure::Text { text: s.to_string() }
    }

    /// Stable machine name.
    pub fn code(&self) -> &'static str {
        match self {
            Failure::Refused { .. } => "refused",
            Failure::TryLater { .. } => "try_later",
            Failure::ConnectionLost { .. } => "connection_lost",
            Failure::NoAnswer { .. } => "no_answer",
            Failure::Unreachable { .. } => "unreachable",
            Failure::Silent { .. } => "silent",
            Failure::StarttlsFailed { .. } => "starttls_failed",
            Failure::AfterMessage { .. } => "after_message",
            Failure::NoAnswerAfterMessage { .. } => "no_answer_after_message",
            Failure::StoppedAfterMessage => "stopped_after_message",
            Failure::Interrupted => "interrupted",
            Failure::NoSmtpUtf8 => "no_smtp_utf8",
            Failure::CannotBuild { .. } => "cannot_build",
            Failure::OutboxWrite { .. } => "outbox_write",
            Failure::Text { .. } => "text",
        }
    }

    /// Locale key of the message (`{…}` placeholders: the fields, and `step`).
    pub fn locale_key(&self) -> String {
        format!("chars.failure_{}", self.code())
    }

    /// The placeholders of [`Failure::locale_key`]'s message, except `step` (a locale key,
    /// see [`Stage::locale_key`]).
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Failure::Refused { reply } | Failure::TryLater { reply } => vec![("reply", reply.clone())],
            Failure::ConnectionLost { detail }
            | Failure::AfterMessage { detail }
            | Failure::CannotBuild { detail } => vec![("detail", detail.clone())],
            Failure::NoAnswer { secs } | Failure::NoAnswerAfterMessage { secs } => {
                vec![("secs", secs.to_string())]
            }
            Failure::Unreachable { server, detail } | Failure::StarttlsFailed { server, detail } => {
                vec![("server", server.clone()), ("detail", detail.clone())]
            }
            Failure::Silent { server, secs, .. } => {
                vec![("server", server.clone()), ("secs", secs.to_string())]
            }
            Failure::OutboxWrite { dir, detail } => vec![("dir", dir.clone()), ("detail", detail.clone())],
            Failure::Text { text } => vec![("text", text.clone())],
            Failure::StoppedAfterMessage | Failure::Interrupted | Failure::NoSmtpUtf8 => Vec::new(),
        }
    }
}

/// English, for the log (and what older versions stored).
impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Refused { reply } => write!(f, "refused by the server: {reply}"),
            Failure::TryLater { reply } => write!(f, "server asked to try later: {reply}"),
            Failure::ConnectionLost { detail } => write!(f, "connection to the server lost: {detail}"),
            Failure::NoAnswer { secs } => write!(f, "the server did not answer within {secs} s"),
            Failure::Unreachable { server, detail } => {
                write!(f, "could not reach the server {server}: {detail}")
            }
            Failure::Silent { server, step, secs } => {
                write!(f, "could not reach the server {server}: no {} within {secs} s", step.english())
            }
            Failure::StarttlsFailed { server, detail } => {
                write!(f, "could not reach the server {server}: STARTTLS failed: {detail}")
            }
            Failure::AfterMessage { detail } => {
                write!(
                    f,
                    "no answer after the message was transmitted ({detail}): it may have been delivered"
                )
            }
            Failure::NoAnswerAfterMessage { secs } => write!(
                f,
                "no answer within {secs} s after the message was transmitted: it may have been delivered"
            ),
            Failure::StoppedAfterMessage => write!(
                f,
                "stopped after the message was transmitted, before the server answered: it may have been delivered"
            ),
            Failure::Interrupted => write!(
                f,
                "interrupted while sending: it may or may not have been delivered; confirm it or resend it"
            ),
            Failure::NoSmtpUtf8 => write!(f, "non-ASCII address and the server lacks SMTPUTF8"),
            Failure::CannotBuild { detail } => write!(f, "cannot build the message: {detail}"),
            Failure::OutboxWrite { dir, detail } => write!(f, "cannot write to the outbox {dir}: {detail}"),
            Failure::Text { text } => f.write_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Failure> {
        let s = || "x".to_string();
        vec![
            Failure::Refused { reply: "permanent error (550): mailbox unavailable".into() },
            Failure::TryLater { reply: s() },
            Failure::ConnectionLost { detail: s() },
            Failure::NoAnswer { secs: 30 },
            Failure::Unreachable { server: s(), detail: s() },
            Failure::Silent { server: s(), step: Stage::Greeting, secs: 5 },
            Failure::StarttlsFailed { server: s(), detail: s() },
            Failure::AfterMessage { detail: s() },
            Failure::NoAnswerAfterMessage { secs: 30 },
            Failure::StoppedAfterMessage,
            Failure::Interrupted,
            Failure::NoSmtpUtf8,
            Failure::CannotBuild { detail: s() },
            Failure::OutboxWrite { dir: s(), detail: s() },
            Failure::Text { text: "refused by the server: permanent error (550)".into() },
        ]
    }

    #[test]
    fn stored_as_codes_read_back() {
        for f in all() {
            let db = f.to_db();
            assert_eq!(Failure::from_db(&db), f, "{db}");
            if !matches!(f, Failure::Text { .. }) {
                let v: serde_json::Value = serde_json::from_str(&db).unwrap();
                assert_eq!(v["code"], f.code(), "{db}");
            }
        }
        let stored = Failure::Refused { reply: "permanent error (550): no".into() }.to_db();
        assert_eq!(stored, r#"{"code":"refused","reply":"permanent error (550): no"}"#);
    }

    #[test]
    fn older_free_text_stays_readable() {
        let old = "refused by the server: permanent error (550): mailbox unavailable";
        assert_eq!(Failure::from_db(old), Failure::Text { text: old.into() });
        assert_eq!(Failure::from_db(old).to_string(), old);
        // JSON of an unknown code (a newer version) is shown as it is, not lost.
        let newer = r#"{"code":"quantum","x":1}"#;
        assert_eq!(Failure::from_db(newer), Failure::Text { text: newer.into() });
        assert_eq!(Failure::from_db("{not json"), Failure::Text { text: "{not json".into() });
    }

    #[test]
    fn english_as_before() {
        let f = Failure::Silent { server: "smtp://h:25 (none)".into(), step: Stage::Greeting, secs: 5 };
        assert_eq!(f.to_string(), "could not reach the server smtp://h:25 (none): no greeting within 5 s");
    }
}
