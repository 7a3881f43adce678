//! Whether a learner can be reached: an e-mail address a reminder can go to, a phone number
//! a tutor can call. The same rules decide who reminders skip and what the triage suggests,
//! so the two never disagree.

/// The convention for accounts without a mailbox (`v.blondel.fictif@anfh.fr`): the default
/// of `[reminders] fictitious_patterns`.
pub const DEFAULT_FICTITIOUS: &str = "*.fictif@*";

/// Why an address cannot receive a reminder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailProblem {
    Missing,
    /// Malformed, or a form many servers refuse (see [`sendable`]).
    Invalid,
    /// A placeholder matching one of the fictitious patterns.
    Fictitious,
}

/// Why `email` cannot receive a reminder, if it cannot. `fictitious`: `*`-globs.
pub fn email_problem<S: AsRef<str>>(email: Option<&str>, fictitious: &[S]) -> Option<EmailProblem> {
    match email.map(str::trim).filter(|e| !e.is_empty()) {
        None => Some(EmailProblem::Missing),
        Some(e) if !is_valid(e) => Some(EmailProblem::Invalid),
        Some(e) if fictitious.iter().any(|p| glob_match(p.as_ref(), e)) => Some(EmailProblem::Fictitious),
        Some(_) => None,
    }
}

/// Whether `email` is an address a mail server would accept: [`sendable`], and lettre's own
/// parse (the reminders and the import share this one rule).
pub fn is_valid(email: &str) -> bool {
    sendable(email) && email.parse::<lettre::Address>().is_ok()
}

/// Whether `email` matches one of the fictitious patterns (`[reminders] fictitious_patterns`).
pub fn is_fictitious<S: AsRef<str>>(patterns: &[S], email: &str) -> bool {
    patterns.iter().any(|p| glob_match(p.as_ref(), email))
}

/// A phone number a tutor can dial: at least six digits (a stored "-", "?" or "n/a" is not
/// one).
pub fn has_phone(phone: Option<&str>) -> bool {
    phone.is_some_and(|p| p.chars().filter(char::is_ascii_digit).count() >= 6)
}

/// Whether an address is one a mail server will take for a learner: a plain local part
/// (letters, digits, `.` and the usual `!#$%&'*+-/=?^_`{|}~`, or non-ASCII for SMTPUTF8;
/// no quoted strings such as `"x y"@…`) at a host name with at least two labels (no IP
/// literal such as `x@[127.0.0.1]`). lettre accepts both forms; many servers refuse them,
/// and a refusal at send time is a failed reminder instead of a skipped learner.
pub fn sendable(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else { return false };
    let atom = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii();
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.split('.').all(|part| !part.is_empty() && part.chars().all(atom));
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || !c.is_ascii())
    };
    local_ok && labels.len() >= 2 && labels.iter().all(label_ok) && domain.len() <= 253
}

/// Matches `*`-globs, case-insensitively (fictitious e-mail patterns).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*.fictif@*", "v.blondel.fictif@anfh.fr"));
        assert!(glob_match("*.fictif@*", "ALP002.P.DUPOND.FICTIF@anhf.fr"));
        assert!(!glob_match("*.fictif@*", "fictif@anfh.fr"));
        assert!(!glob_match("*.fictif@*", "v.blondel@fictif.fr"));
        assert!(glob_match("*@example.*", "a@example.org"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("a", ""));
    }

    #[test]
    fn addresses_a_server_will_take() {
        for ok in [
            "a.b@exemple.fr",
            "jean-luc+tutorat@mail.anfh.fr",
            "o'neil@ex.org",
            "élodie@exemple.fr",
            "a@xn--bcher-kva.de",
        ] {
            assert!(sendable(ok), "{ok}");
        }
        for bad in [
            "\"x y\"@example.org",
            "x@[127.0.0.1]",
            "x@localhost",
            "x..y@ex.org",
            ".x@ex.org",
            "x@ex..org",
            "x@-ex.org",
            "x y@ex.org",
            "@ex.org",
            "x@",
            "plain",
        ] {
            assert!(!sendable(bad), "{bad}");
        }
    }

    #[test]
    fn usable_addresses_and_phones() {
        let f = [DEFAULT_FICTITIOUS];
        assert_eq!(email_problem(None, &f), Some(EmailProblem::Missing));
        assert_eq!(email_problem(Some("  "), &f), Some(EmailProblem::Missing));
        assert_eq!(email_problem(Some("jean@"), &f), Some(EmailProblem::Invalid));
        assert_eq!(email_problem(Some("v.blondel.fictif@anfh.fr"), &f), Some(EmailProblem::Fictitious));
        assert_eq!(email_problem(Some(" jean@exemple.fr "), &f), None);
        assert_eq!(email_problem(Some("v.blondel.fictif@anfh.fr"), &[] as &[&str]), None);
        assert!(has_phone(Some("06 12 34 56 78")));
        assert!(!has_phone(Some("+33612")));
        assert!(has_phone(Some("123456")));
        assert!(!has_phone(Some("12345")));
        assert!(!has_phone(Some("n/a")));
        assert!(!has_phone(Some("")));
        assert!(!has_phone(None));
    }

    #[test]
    fn addresses_a_server_and_lettre_will_take() {
        for ok in [
            "a.b@exemple.fr",
            "jean-luc+tutorat@mail.anfh.fr",
            "o'neil@ex.org",
            "élodie@exemple.fr",
            "a@xn--bcher-kva.de",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "\"x y\"@example.org",
            "x@[127.0.0.1]",
            "x@localhost",
            "x..y@ex.org",
            ".x@ex.org",
            "x@ex..org",
            "x@-ex.org",
            "x y@ex.org",
            "@ex.org",
            "x@",
            "plain",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn globs_from_the_import() {
        assert!(glob_match("*.fictif@*", "v.blondel.fictif@anfh.fr"));
        assert!(glob_match("*.fictif@*", "ALP002.P.DUPOND.FICTIF@anhf.fr"));
        assert!(!glob_match("*.fictif@*", "fictif@anfh.fr"));
        assert!(!glob_match("*.fictif@*", "v.blondel@fictif.fr"));
        assert!(glob_match("*@example.*", "a@example.org"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("a", ""));
    }

    #[test]
    fn validity_and_placeholders_from_the_import() {
        assert!(is_valid("v.blondel@anfh.fr"));
        assert!(!is_valid("v.blondel.anfh.fr"));
        assert!(!is_valid("a b@x.fr"));
        let pats = vec!["*.fictif@*".to_string()];
        assert!(is_fictitious(&pats, "dam023.l.ollivet.fictif@anfh.fr"));
        assert!(!is_fictitious(&pats, "l.ollivet@anfh.fr"));
    }
}
