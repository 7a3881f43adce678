//! Why a line is refused or flagged, and why a whole file is: each with a stable code for
//! scripts and a sentence in the interface language (locale table `import`).

use crate::locale::Locale;
use crate::model::person::{Field, Problem};

use super::columns::HeaderError;
use super::decode::{DecodeError, delimiter_label};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file cannot be imported while this is there.
    Error,
    /// Imported, but worth a look.
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    Person(Problem),
    FieldCount {
        found: usize,
        expected: usize,
    },
    /// A quote opened and never closed: the following lines ran into one cell.
    UnclosedQuote,
    EmailNoAt(String),
    EmailInvalid(String),
    TooLong {
        column: String,
        chars: usize,
        max: usize,
    },
    UsernameInvalid(String),
    /// A username must be built and `[import] establishment_code` is empty.
    NoEstablishment,
    /// The names give nothing to build a username from.
    UsernameUnbuildable,
    DuplicateEmail {
        other_line: u64,
    },
    DuplicateUsername {
        other_line: u64,
    },
    /// Another line of the file is the same existing person.
    SamePerson {
        other_line: u64,
    },
    /// The e-mail is one person's, the username another's.
    TwoPeople {
        by_email: String,
        by_username: String,
    },
    BadSuspended(String),
    UnknownCourse(String),
    BadRole {
        column: String,
        value: String,
    },
    BadNumber {
        column: String,
        value: String,
    },
    BadDate {
        column: String,
        value: String,
        not_real: bool,
    },
    // Warnings.
    /// Control characters, escape sequences or invisible characters were removed.
    Cleaned(String),
    /// A given username that does not follow `[import] username_template`.
    Nomenclature {
        expected: String,
    },
    /// The username built was taken by someone else: it got a number.
    Suffixed {
        taken: String,
    },
    /// `deleted` = 1: tutorat deletes nobody (Moodle will, from the Moodle CSV).
    DeletedIgnored,
    /// roleN, groupN… without courseN.
    WithoutCourse {
        column: String,
    },
    /// Same names as another line, and neither has an e-mail: two people, or one twice?
    SameName {
        other_line: u64,
    },
}

impl Reason {
    pub fn severity(&self) -> Severity {
        match self {
            Reason::Cleaned(_)
            | Reason::Nomenclature { .. }
            | Reason::Suffixed { .. }
            | Reason::DeletedIgnored
            | Reason::WithoutCourse { .. }
            | Reason::SameName { .. } => Severity::Warning,
            _ => Severity::Error,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }

    pub fn code(&self) -> &'static str {
        match self {
            Reason::Person(p) => match p {
                Problem::Missing(_) => "missing_field",
                Problem::TooLong { .. } => "too_long",
                Problem::NoLetter(_) => "no_letter",
                Problem::BadCivility(_) => "bad_civility",
                Problem::BadPhone { .. } => "bad_phone",
            },
            Reason::FieldCount { .. } => "field_count",
            Reason::UnclosedQuote => "unclosed_quote",
            Reason::EmailNoAt(_) => "email_without_at",
            Reason::EmailInvalid(_) => "invalid_email",
            Reason::TooLong { .. } => "too_long",
            Reason::UsernameInvalid(_) => "invalid_username",
            Reason::NoEstablishment => "no_establishment_code",
            Reason::UsernameUnbuildable => "username_unbuildable",
            Reason::DuplicateEmail { .. } => "duplicate_email",
            Reason::DuplicateUsername { .. } => "duplicate_username",
            Reason::SamePerson { .. } => "same_person",
            Reason::TwoPeople { .. } => "two_people",
            Reason::BadSuspended(_) => "bad_suspended",
            Reason::UnknownCourse(_) => "unknown_course",
            Reason::BadRole { .. } => "bad_role",
            Reason::BadNumber { .. } => "bad_number",
            Reason::BadDate { .. } => "bad_date",
            Reason::Cleaned(_) => "cleaned",
            Reason::Nomenclature { .. } => "nomenclature",
            Reason::Suffixed { .. } => "username_suffixed",
            Reason::DeletedIgnored => "deleted_ignored",
            Reason::WithoutCourse { .. } => "without_course",
            Reason::SameName { .. } => "same_name",
        }
    }

    /// The sentence shown to the user (values from the file are cleaned by the caller's
    /// output, as all text is).
    pub fn describe(&self, loc: &Locale) -> String {
        let k = |key: &str| format!("import.reason.{key}");
        match self {
            Reason::Person(p) => {
                let field = field_label(loc, p.field());
                match p {
                    Problem::Missing(_) => loc.tf(&k("missing"), &[("field", &field)]),
                    Problem::TooLong { chars, max, .. } => {
                        loc.tf(&k("too_long"), &[("field", &field), ("n", chars), ("max", max)])
                    }
                    Problem::NoLetter(_) => loc.tf(&k("no_letter"), &[("field", &field)]),
                    Problem::BadCivility(v) => loc.tf(&k("bad_civility"), &[("value", v)]),
                    Problem::BadPhone { value, .. } => {
                        loc.tf(&k("bad_phone"), &[("field", &field), ("value", value)])
                    }
                }
            }
            Reason::FieldCount { found, expected } => {
                loc.tf(&k("field_count"), &[("n", found), ("expected", expected)])
            }
            Reason::UnclosedQuote => loc.t(&k("unclosed_quote")).to_string(),
            Reason::EmailNoAt(v) => loc.tf(&k("email_no_at"), &[("value", v)]),
            Reason::EmailInvalid(v) => loc.tf(&k("email_invalid"), &[("value", v)]),
            Reason::TooLong { column, chars, max } => {
                loc.tf(&k("too_long"), &[("field", column), ("n", chars), ("max", max)])
            }
            Reason::UsernameInvalid(v) => loc.tf(&k("username_invalid"), &[("value", v)]),
            Reason::NoEstablishment => loc.t(&k("no_establishment")).to_string(),
            Reason::UsernameUnbuildable => loc.t(&k("username_unbuildable")).to_string(),
            Reason::DuplicateEmail { other_line } => loc.tf(&k("duplicate_email"), &[("line", other_line)]),
            Reason::DuplicateUsername { other_line } => {
                loc.tf(&k("duplicate_username"), &[("line", other_line)])
            }
            Reason::SamePerson { other_line } => loc.tf(&k("same_person"), &[("line", other_line)]),
            Reason::TwoPeople { by_email, by_username } => {
                loc.tf(&k("two_people"), &[("email_user", by_email), ("username_user", by_username)])
            }
            Reason::BadSuspended(v) => loc.tf(&k("bad_suspended"), &[("value", v)]),
            Reason::UnknownCourse(v) => loc.tf(&k("unknown_course"), &[("value", v)]),
            Reason::BadRole { column, value } => {
                loc.tf(&k("bad_role"), &[("column", column), ("value", value)])
            }
            Reason::BadNumber { column, value } => {
                loc.tf(&k("bad_number"), &[("column", column), ("value", value)])
            }
            Reason::BadDate { column, value, not_real } => loc.tf(
                &k(if *not_real { "date_not_real" } else { "bad_date" }),
                &[("column", column), ("value", value)],
            ),
            Reason::Cleaned(column) => loc.tf(&k("cleaned"), &[("field", column)]),
            Reason::Nomenclature { expected } => loc.tf(&k("nomenclature"), &[("expected", expected)]),
            Reason::Suffixed { taken } => loc.tf(&k("suffixed"), &[("taken", taken)]),
            Reason::DeletedIgnored => loc.t(&k("deleted_ignored")).to_string(),
            Reason::WithoutCourse { column } => loc.tf(&k("without_course"), &[("column", column)]),
            Reason::SameName { other_line } => loc.tf(&k("same_name"), &[("line", other_line)]),
        }
    }
}

fn field_label(loc: &Locale, f: Field) -> String {
    loc.t(&format!("import.field.{}", f.name())).to_string()
}

/// Why a whole file cannot be imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileProblem {
    Decode(DecodeError),
    Header(HeaderError),
    /// The file has a header and no line of data.
    NoRows,
    Csv {
        line: u64,
        message: String,
    },
}

impl FileProblem {
    pub fn code(&self) -> &'static str {
        match self {
            FileProblem::Decode(DecodeError::Empty) => "empty_file",
            FileProblem::Decode(DecodeError::TooLarge { .. }) => "file_too_large",
            FileProblem::Decode(DecodeError::Binary) => "not_text",
            FileProblem::Header(HeaderError::FewColumns { .. }) => "few_columns",
            FileProblem::Header(HeaderError::Missing(_)) => "missing_column",
            FileProblem::Header(HeaderError::Duplicate(_)) => "duplicate_column",
            FileProblem::Header(HeaderError::Empty { .. }) => "empty_column_name",
            FileProblem::NoRows => "no_rows",
            FileProblem::Csv { .. } => "csv",
        }
    }

    pub fn describe(&self, loc: &Locale) -> String {
        let k = |key: &str| format!("import.file.{key}");
        match self {
            FileProblem::Decode(DecodeError::Empty) => loc.t(&k("empty")).to_string(),
            FileProblem::Decode(DecodeError::TooLarge { bytes, max }) => {
                loc.tf(&k("too_large"), &[("size", &mib(*bytes)), ("max", &mib(*max))])
            }
            FileProblem::Decode(DecodeError::Binary) => loc.t(&k("binary")).to_string(),
            FileProblem::Header(HeaderError::FewColumns { delimiter, likely }) => match likely {
                Some(l) => loc.tf(
                    &k("few_columns_likely"),
                    &[("delimiter", &delimiter_label(*delimiter)), ("likely", &delimiter_label(*l))],
                ),
                None => loc.tf(&k("few_columns"), &[("delimiter", &delimiter_label(*delimiter))]),
            },
            FileProblem::Header(HeaderError::Missing(c)) => loc.tf(&k("missing_column"), &[("column", c)]),
            FileProblem::Header(HeaderError::Duplicate(c)) => {
                loc.tf(&k("duplicate_column"), &[("column", c)])
            }
            FileProblem::Header(HeaderError::Empty { position }) => {
                loc.tf(&k("empty_column_name"), &[("n", position)])
            }
            FileProblem::NoRows => loc.t(&k("no_rows")).to_string(),
            FileProblem::Csv { line, message } => loc.tf(&k("csv"), &[("line", line), ("error", message)]),
        }
    }

    /// The line the problem is on (the header is line 1).
    pub fn line(&self) -> Option<u64> {
        match self {
            FileProblem::Header(_) | FileProblem::NoRows => Some(1),
            FileProblem::Csv { line, .. } => Some(*line),
            FileProblem::Decode(_) => None,
        }
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}
