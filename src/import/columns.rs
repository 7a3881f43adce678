//! The header of a Moodle user-upload file: which columns tutorat keeps, which only Moodle
//! uses (kept for the Moodle CSV), which are numbered (cohortN, courseN, …) and which are
//! unknown. Standard fields match in any case; `profile_field_<name>` matches exactly, as
//! Moodle's `uu_validate_user_upload_columns` does.

use serde::Serialize;

/// Standard fields tutorat reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Std {
    Username,
    Firstname,
    Lastname,
    Email,
    Password,
    Idnumber,
    Institution,
    Department,
    Phone1,
    Phone2,
    City,
    Suspended,
    Deleted,
}

impl Std {
    const ALL: [(&str, Std); 13] = [
        ("username", Std::Username),
        ("firstname", Std::Firstname),
        ("lastname", Std::Lastname),
        ("email", Std::Email),
        ("password", Std::Password),
        ("idnumber", Std::Idnumber),
        ("institution", Std::Institution),
        ("department", Std::Department),
        ("phone1", Std::Phone1),
        ("phone2", Std::Phone2),
        ("city", Std::City),
        ("suspended", Std::Suspended),
        ("deleted", Std::Deleted),
    ];

    pub fn name(self) -> &'static str {
        Std::ALL.iter().find(|(_, s)| *s == self).map(|(n, _)| *n).unwrap_or("")
    }
}

/// Standard Moodle fields tutorat does not keep: accepted, and written to the Moodle CSV.
const MOODLE_ONLY: &[&str] = &[
    "id",
    "auth",
    "oldusername",
    "emailstop",
    "country",
    "lang",
    "timezone",
    "mailformat",
    "maildisplay",
    "maildigest",
    "autosubscribe",
    "address",
    "description",
    "theme",
    "interests",
    "url",
    "icq",
    "skype",
    "aim",
    "yahoo",
    "msn",
    "middlename",
    "alternatename",
    "firstnamephonetic",
    "lastnamephonetic",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Numbered {
    Cohort,
    Course,
    Role,
    Type,
    Group,
    Enrolperiod,
    Enrolstatus,
    Enroltimestart,
    /// System roles and categories: Moodle's business, kept for the Moodle CSV only.
    MoodleOnly,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Column {
    Std(Std),
    /// `profile_field_<name>`, with `<name>`.
    Profile(String),
    Numbered(Numbered, u32),
    MoodleOnly,
    Unknown,
}

/// Why a header cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// Fewer than two columns: usually the wrong delimiter.
    FewColumns {
        delimiter: u8,
        likely: Option<u8>,
    },
    Missing(String),
    Duplicate(String),
    Empty {
        position: usize,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ColumnReport {
    /// Columns tutorat reads.
    pub kept: Vec<String>,
    /// Moodle fields tutorat does not keep (written to the Moodle CSV).
    pub moodle_only: Vec<String>,
    /// Not Moodle fields: ignored, and left out of the Moodle CSV.
    pub unknown: Vec<String>,
}

pub fn classify(name: &str) -> Column {
    if let Some(field) = name.strip_prefix("profile_field_") {
        return if field.is_empty() { Column::Unknown } else { Column::Profile(field.to_string()) };
    }
    let lower = name.to_lowercase();
    if let Some((_, s)) = Std::ALL.iter().find(|(n, _)| *n == lower) {
        return Column::Std(*s);
    }
    if MOODLE_ONLY.contains(&lower.as_str()) {
        return Column::MoodleOnly;
    }
    let digits = lower.trim_start_matches(|c: char| c.is_ascii_lowercase());
    let stem = &lower[..lower.len() - digits.len()];
    if let (false, Ok(n)) = (digits.is_empty(), digits.parse::<u32>()) {
        let kind = match stem {
            "cohort" => Numbered::Cohort,
            "course" => Numbered::Course,
            "role" => Numbered::Role,
            "type" => Numbered::Type,
            "group" => Numbered::Group,
            "enrolperiod" => Numbered::Enrolperiod,
            "enrolstatus" => Numbered::Enrolstatus,
            "enroltimestart" => Numbered::Enroltimestart,
            "sysrole" | "category" | "categoryrole" => Numbered::MoodleOnly,
            _ => return Column::Unknown,
        };
        return Column::Numbered(kind, n);
    }
    Column::Unknown
}

/// Classifies the header; `required` are the columns a file must have.
pub fn analyse(
    header: &[String],
    delimiter: u8,
    required: &[&str],
    raw_first_line: &str,
) -> Result<(Vec<Column>, ColumnReport), HeaderError> {
    if header.len() < 2 {
        let likely = [b',', b';', b'\t']
            .into_iter()
            .filter(|d| *d != delimiter)
            .max_by_key(|d| raw_first_line.bytes().filter(|b| b == d).count())
            .filter(|d| raw_first_line.as_bytes().contains(d));
        return Err(HeaderError::FewColumns { delimiter, likely });
    }
    let mut cols = Vec::with_capacity(header.len());
    let mut report = ColumnReport { kept: vec![], moodle_only: vec![], unknown: vec![] };
    let mut seen: Vec<String> = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let name = h.trim();
        if name.is_empty() {
            return Err(HeaderError::Empty { position: i + 1 });
        }
        let c = classify(name);
        let key = match &c {
            Column::Profile(_) => name.to_string(),
            _ => name.to_lowercase(),
        };
        if seen.contains(&key) {
            return Err(HeaderError::Duplicate(name.to_string()));
        }
        seen.push(key);
        match &c {
            Column::MoodleOnly | Column::Numbered(Numbered::MoodleOnly, _) | Column::Std(Std::Password) => {
                report.moodle_only.push(name.to_string())
            }
            Column::Unknown => report.unknown.push(name.to_string()),
            _ => report.kept.push(name.to_string()),
        }
        cols.push(c);
    }
    for r in required {
        if !cols.iter().any(|c| match c {
            Column::Std(s) => s.name() == *r,
            Column::Profile(p) => format!("profile_field_{p}") == *r,
            _ => false,
        }) {
            return Err(HeaderError::Missing(r.to_string()));
        }
    }
    Ok((cols, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn classifies_like_moodle() {
        assert_eq!(classify("FirstName"), Column::Std(Std::Firstname));
        assert_eq!(classify("profile_field_matricule"), Column::Profile("matricule".into()));
        assert_eq!(classify("cohort1"), Column::Numbered(Numbered::Cohort, 1));
        assert_eq!(classify("course12"), Column::Numbered(Numbered::Course, 12));
        assert_eq!(classify("sysrole1"), Column::Numbered(Numbered::MoodleOnly, 1));
        assert_eq!(classify("auth"), Column::MoodleOnly);
        assert_eq!(classify("prénom"), Column::Unknown);
        assert_eq!(classify("cohort"), Column::Unknown);
        assert_eq!(classify("colour3"), Column::Unknown);
    }

    #[test]
    fn header_checks() {
        let req = ["firstname", "lastname"];
        let (cols, rep) =
            analyse(&h(&["firstname", "lastname", "password", "Prénom", "cohort1"]), b',', &req, "").unwrap();
        assert_eq!(cols.len(), 5);
        assert_eq!(rep.kept, ["firstname", "lastname", "cohort1"]);
        assert_eq!(rep.moodle_only, ["password"]);
        assert_eq!(rep.unknown, ["Prénom"]);
        assert_eq!(
            analyse(&h(&["firstname;lastname;email"]), b',', &req, "firstname;lastname;email"),
            Err(HeaderError::FewColumns { delimiter: b',', likely: Some(b';') })
        );
        assert_eq!(
            analyse(&h(&["firstname", "email"]), b',', &req, ""),
            Err(HeaderError::Missing("lastname".into()))
        );
        assert_eq!(
            analyse(&h(&["firstname", "lastname", "Email", "email"]), b',', &req, ""),
            Err(HeaderError::Duplicate("email".into()))
        );
        assert_eq!(
            analyse(&h(&["firstname", "", "lastname"]), b',', &req, ""),
            Err(HeaderError::Empty { position: 2 })
        );
    }
}
