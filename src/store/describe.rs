//! Database errors in the reader's language. The database's own messages (SQLite,
//! PostgreSQL, the network) stay as they are; what tutorat says around them is translated.

use super::{StoreError, describe};
use crate::locale::Locale;

pub fn store_error_text(e: &StoreError, loc: &Locale) -> String {
    match e {
        StoreError::Connect { label, reason } => {
            loc.tf("chars.db_connect", &[("db", label), ("reason", reason)])
        }
        StoreError::Migrate { label, reason } => {
            loc.tf("chars.db_migrate", &[("db", label), ("reason", reason)])
        }
        StoreError::Sql(e) => describe(e),
        StoreError::Invalid(m) => m.clone(),
        StoreError::Forbidden(m) => loc.tf("chars.db_forbidden", &[("what", m)]),
        StoreError::ReadOnly { label } => loc.tf("chars.db_read_only", &[("db", label)]),
        StoreError::Lost { label, what } => {
            let what = loc.t(match *what {
                "deleted" => "chars.db_lost_deleted",
                "replaced" => "chars.db_lost_replaced",
                _ => "chars.db_lost_unreadable",
            });
            loc.tf("chars.db_lost", &[("db", label), ("what", &what)])
        }
        StoreError::TooNew { label, found, known } => {
            loc.tf("chars.db_too_new", &[("db", label), ("found", found), ("known", known)])
        }
        StoreError::UnknownTutor { username, suggestion } => {
            if username.trim().is_empty() {
                loc.t("chars.tutor_none").to_string()
            } else if let Some(s) = suggestion {
                loc.tf(
                    "chars.tutor_case",
                    &[("user", &format!("{username:?}")), ("suggestion", &format!("{s:?}"))],
                )
            } else {
                loc.tf("chars.tutor_unknown", &[("user", &format!("{username:?}"))])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locale::Lang;

    #[test]
    fn english_is_the_error_itself_french_is_french() {
        let (fr, en) = (Locale::new(Lang::Fr), Locale::new(Lang::En));
        for e in [
            StoreError::Connect { label: "sqlite:/x".into(), reason: "no such file".into() },
            StoreError::Migrate { label: "sqlite:/x".into(), reason: "r".into() },
            StoreError::Forbidden("mlefevre does not tutor course 3".into()),
            StoreError::ReadOnly { label: "sqlite:/x".into() },
            StoreError::Lost { label: "sqlite:/x".into(), what: "deleted" },
            StoreError::Lost { label: "sqlite:/x".into(), what: "replaced" },
            StoreError::Lost { label: "sqlite:/x".into(), what: "made unreadable" },
            StoreError::TooNew { label: "sqlite:/x".into(), found: 9, known: 3 },
            StoreError::UnknownTutor { username: "ADMIN".into(), suggestion: Some("admin".into()) },
            StoreError::UnknownTutor { username: "nobody".into(), suggestion: None },
            StoreError::UnknownTutor { username: String::new(), suggestion: None },
        ] {
            assert_eq!(store_error_text(&e, &en), e.to_string());
            let f = store_error_text(&e, &fr);
            assert_ne!(f, e.to_string(), "{e:?} in French");
            assert!(!f.contains('{') && !f.starts_with("chars."), "{f}");
        }
    }
}
