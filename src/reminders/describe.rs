//! Reminder errors in the reader's language: what the CLI prints and the dashboard shows.
//! Errors are values (codes with their parameters); these functions are the only place
//! they become words.

use super::templates::{EDITED_BODY, TemplateError, TemplateProblem};
use super::{AttachmentError, RemindError, TransportError};
use crate::locale::Locale;
use crate::model::delivery::Failure;

/// Why a reminder failed or is uncertain (the Relances tab's *Erreur*, the CLI summary).
/// What the server said stays as it said it.
pub fn failure_text(f: &Failure, loc: &Locale) -> String {
    if let Failure::Text { text } = f {
        return text.clone();
    }
    let params = f.params();
    let step = match f {
        Failure::Silent { step, .. } => loc.t(step.locale_key()).to_string(),
        _ => String::new(),
    };
    let mut args: Vec<(&str, &dyn std::fmt::Display)> =
        params.iter().map(|(k, v)| (*k, v as &dyn std::fmt::Display)).collect();
    args.push(("step", &step));
    loc.tf(&f.locale_key(), &args)
}

/// [`failure_text`] of a stored `reminders.error` (a code, or older free text).
pub fn stored_error_text(stored: &str, loc: &Locale) -> String {
    failure_text(&Failure::from_db(stored), loc)
}

/// A template problem, with the template, the line and the variable.
pub fn template_error_text(e: &TemplateError, loc: &Locale) -> String {
    let line = e.line.map(|l| l.to_string()).unwrap_or_else(|| "?".into());
    let edited;
    let t = if e.template == EDITED_BODY {
        edited = loc.t("remind.edited_body").to_string();
        &edited
    } else {
        &e.template
    };
    match &e.problem {
        TemplateProblem::UnknownVariable(name) => {
            loc.tf("reminders.template_unknown_variable", &[("template", t), ("line", &line), ("name", name)])
        }
        TemplateProblem::Syntax(m) | TemplateProblem::Unreadable(m) => {
            loc.tf("reminders.template_syntax", &[("template", t), ("line", &line), ("message", m)])
        }
        TemplateProblem::MissingSubject => loc.tf("reminders.template_missing_subject", &[("template", t)]),
        TemplateProblem::UnknownTemplate => loc.tf("reminders.template_unknown", &[("template", t)]),
    }
}

/// Sizes as a tutor reads them: "1,5 Mo" / "1.5 MB".
pub fn megabytes(bytes: usize, loc: &Locale) -> String {
    loc.tf("reminders.megabytes", &[("n", &loc.dec1(bytes as f64 / (1024.0 * 1024.0)))])
}

pub fn attachment_error_text(e: &AttachmentError, loc: &Locale) -> String {
    match e {
        AttachmentError::TooLarge { total, limit } => loc.tf(
            "reminders.attachments_too_large",
            &[("total", &megabytes(*total, loc)), ("limit", &megabytes(*limit, loc))],
        ),
        AttachmentError::Unreadable { path, reason } => {
            loc.tf("reminders.attachment_unreadable", &[("path", path), ("reason", reason)])
        }
    }
}

pub fn transport_error_text(e: &TransportError, loc: &Locale) -> String {
    match e {
        TransportError::MissingPassword { var } => loc.tf("chars.smtp_missing_password", &[("var", var)]),
        TransportError::BadHost { host, reason } => {
            loc.tf("chars.smtp_bad_host", &[("host", &format!("{host:?}")), ("reason", reason)])
        }
        TransportError::Outbox { dir, reason } => {
            loc.tf("chars.outbox_unusable", &[("dir", dir), ("reason", reason)])
        }
        TransportError::NoOutboxDir => loc.t("chars.outbox_none").to_string(),
    }
}

/// Any error between the plan and the queue. Database errors keep the database's words.
pub fn error_text(e: &RemindError, loc: &Locale) -> String {
    match e {
        RemindError::Template(t) => template_error_text(t, loc),
        RemindError::Attachments(a) => attachment_error_text(a, loc),
        RemindError::Transport(t) => transport_error_text(t, loc),
        RemindError::NoSender(user) => loc.tf("reminders.no_sender", &[("user", user)]),
        RemindError::NothingToSend => loc.t("reminders.nothing_to_send").to_string(),
        RemindError::Store(s) => crate::store::describe::store_error_text(s, loc),
        RemindError::Config(m) => m.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locale::Lang;
    use crate::model::delivery::Stage;

    #[test]
    fn failures_in_both_languages() {
        let (fr, en) = (Locale::new(Lang::Fr), Locale::new(Lang::En));
        let refused = Failure::Refused { reply: "permanent error (550): mailbox unavailable".into() };
        assert_eq!(
            failure_text(&refused, &fr),
            "refusée par le serveur : permanent error (550): mailbox unavailable"
        );
        assert_eq!(failure_text(&refused, &en), refused.to_string());
        let silent = Failure::Silent { server: "smtp://h:25 (none)".into(), step: Stage::Greeting, secs: 5 };
        assert_eq!(
            failure_text(&silent, &fr),
            "serveur smtp://h:25 (none) injoignable : pas d'accueil en 5 s"
        );
        assert_eq!(failure_text(&silent, &en), silent.to_string());
        // Older rows: as stored.
        assert_eq!(stored_error_text("refused by the server: x", &fr), "refused by the server: x");
        // Every code has its message in both catalogues, with no placeholder left.
        let s = || "x".to_string();
        for f in [
            Failure::TryLater { reply: s() },
            Failure::ConnectionLost { detail: s() },
            Failure::NoAnswer { secs: 3 },
            Failure::Unreachable { server: s(), detail: s() },
            Failure::Silent { server: s(), step: Stage::Connection, secs: 3 },
            Failure::Silent { server: s(), step: Stage::Starttls, secs: 3 },
            Failure::Silent { server: s(), step: Stage::Auth, secs: 3 },
            Failure::StarttlsFailed { server: s(), detail: s() },
            Failure::AfterMessage { detail: s() },
            Failure::NoAnswerAfterMessage { secs: 3 },
            Failure::StoppedAfterMessage,
            Failure::Interrupted,
            Failure::NoSmtpUtf8,
            Failure::CannotBuild { detail: s() },
            Failure::OutboxWrite { dir: s(), detail: s() },
        ] {
            for loc in [&fr, &en] {
                let t = failure_text(&f, loc);
                assert!(!t.contains('{') && !t.starts_with("chars."), "{f:?}: {t}");
            }
            assert_eq!(failure_text(&f, &en), f.to_string(), "English stays the log's words");
            assert_ne!(failure_text(&f, &fr), f.to_string(), "{f:?} in French");
        }
    }
}
