//! Trainee records: the rules a person's identity follows when it is saved, whoever saves
//! it (the CSV import today; attendance and person editing later). Civility, last name and
//! first name are mandatory (civility may be waived where the source has none, as Moodle's
//! upload file); names are case-formatted (LASTNAME in capitals, first names capitalised per
//! part, particles kept); phones are stored as `## ## ## ## ##`.

use serde::Serialize;

/// Longest name Moodle stores (`user.firstname`/`lastname` are 100 characters).
pub const MAX_NAME_CHARS: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Civility {
    Monsieur,
    Madame,
}

impl Civility {
    /// Accepts the usual French and English forms, any case, with or without a dot.
    pub fn parse(s: &str) -> Option<Civility> {
        let f = crate::text::fold(s.trim()).replace('.', "");
        match f.as_str() {
            "m" | "mr" | "monsieur" | "mister" => Some(Civility::Monsieur),
            "mme" | "madame" | "mlle" | "mademoiselle" | "mrs" | "ms" | "miss" => Some(Civility::Madame),
            _ => None,
        }
    }

    pub fn as_db(self) -> &'static str {
        match self {
            Civility::Monsieur => "monsieur",
            Civility::Madame => "madame",
        }
    }

    pub fn from_db(s: &str) -> Option<Civility> {
        [Civility::Monsieur, Civility::Madame].into_iter().find(|c| c.as_db() == s)
    }

    /// Locale key of the short form (M. / Mme, Mr / Ms).
    pub fn label_key(self) -> &'static str {
        match self {
            Civility::Monsieur => "import.person.civility_monsieur",
            Civility::Madame => "import.person.civility_madame",
        }
    }
}

/// The fields of a record, for saying which one is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Civility,
    Lastname,
    Firstname,
    Phone,
    Phone2,
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::Civility => "civility",
            Field::Lastname => "lastname",
            Field::Firstname => "firstname",
            Field::Phone => "phone1",
            Field::Phone2 => "phone2",
        }
    }
}

/// What is wrong with a record; the caller says where (a line, a form field).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Missing(Field),
    TooLong {
        field: Field,
        chars: usize,
        max: usize,
    },
    /// A name with no letter at all ("123", "-").
    NoLetter(Field),
    BadCivility(String),
    /// Not a French number: neither `0X XX XX XX XX` nor its +33 / 0033 forms.
    BadPhone {
        field: Field,
        value: String,
    },
}

impl Problem {
    /// A stable code for scripts (`--json`).
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Missing(_) => "missing",
            Problem::TooLong { .. } => "too_long",
            Problem::NoLetter(_) => "no_letter",
            Problem::BadCivility(_) => "bad_civility",
            Problem::BadPhone { .. } => "bad_phone",
        }
    }

    pub fn field(&self) -> Field {
        match self {
            Problem::Missing(f) | Problem::NoLetter(f) => *f,
            Problem::TooLong { field, .. } | Problem::BadPhone { field, .. } => *field,
            Problem::BadCivility(_) => Field::Civility,
        }
    }
}

/// A record as typed.
#[derive(Clone, Copy, Debug, Default)]
pub struct PersonInput<'a> {
    pub civility: &'a str,
    pub lastname: &'a str,
    pub firstname: &'a str,
    pub phone: &'a str,
    pub phone2: &'a str,
}

/// A record as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRecord {
    pub civility: Option<Civility>,
    pub lastname: String,
    pub firstname: String,
    pub phone: Option<String>,
    pub phone2: Option<String>,
    /// Fields from which control characters, escape sequences or invisible characters
    /// were removed: the record is stored cleaned, and this says so.
    pub cleaned: Vec<Field>,
}

/// Applies the trainee-record rules: every problem is reported, not only the first.
pub fn normalise(input: &PersonInput, civility_required: bool) -> Result<PersonRecord, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut cleaned = Vec::new();

    let civility = match tidy(input.civility, Field::Civility, &mut cleaned) {
        s if s.is_empty() => {
            if civility_required {
                problems.push(Problem::Missing(Field::Civility));
            }
            None
        }
        s => match Civility::parse(&s) {
            Some(c) => Some(c),
            None => {
                problems.push(Problem::BadCivility(s));
                None
            }
        },
    };
    let mut name = |raw: &str, field: Field, format: fn(&str) -> String| {
        let s = tidy(raw, field, &mut cleaned);
        let chars = s.chars().count();
        if s.is_empty() {
            problems.push(Problem::Missing(field));
        } else if chars > MAX_NAME_CHARS {
            problems.push(Problem::TooLong { field, chars, max: MAX_NAME_CHARS });
        } else if !s.chars().any(char::is_alphabetic) {
            problems.push(Problem::NoLetter(field));
        }
        format(&s)
    };
    let lastname = name(input.lastname, Field::Lastname, format_lastname);
    let firstname = name(input.firstname, Field::Firstname, format_firstname);
    let mut phone = |raw: &str, field: Field| {
        let s = tidy(raw, field, &mut cleaned);
        if s.is_empty() {
            return None;
        }
        match normalise_phone(&s) {
            Some(p) => Some(p),
            None => {
                problems.push(Problem::BadPhone { field, value: s });
                None
            }
        }
    };
    let phone1 = phone(input.phone, Field::Phone);
    let phone2 = phone(input.phone2, Field::Phone2);
    if problems.is_empty() {
        Ok(PersonRecord { civility, lastname, firstname, phone: phone1, phone2, cleaned })
    } else {
        Err(problems)
    }
}

/// Cleans a typed value (escape sequences, control and invisible characters out, NFC,
/// spaces collapsed) and notes the field when cleaning removed something.
fn tidy(raw: &str, field: Field, cleaned: &mut Vec<Field>) -> String {
    let (out, dropped) = tidy_text(raw);
    if dropped && !cleaned.contains(&field) {
        cleaned.push(field);
    }
    out
}

/// Any typed text on its way in: escape sequences, control and invisible characters out,
/// NFC, spaces trimmed and collapsed. Also says whether characters were removed (which
/// the caller flags), not merely normalised.
pub fn tidy_text(raw: &str) -> (String, bool) {
    let c = crate::text::clean(raw);
    let out = c.split_whitespace().collect::<Vec<_>>().join(" ");
    let dropped = dropped_something(raw, &c);
    (out, dropped)
}

/// Whether cleaning removed characters (not merely normalised accents or turned a tab or a
/// line break into a space).
fn dropped_something(raw: &str, cleaned: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    let raw: String = raw.nfc().map(|c| if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c }).collect();
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    squash(&raw) != squash(cleaned)
}

/// `de la fontaine` → `DE LA FONTAINE`: the whole last name in capitals, particles kept,
/// separators (space, hyphen, apostrophe) as typed.
pub fn format_lastname(s: &str) -> String {
    s.to_uppercase()
}

/// `jean-pierre` → `Jean-Pierre`, `MARIE ANNE` → `Marie Anne`: each part capitalised,
/// the rest in lower case.
pub fn format_firstname(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = matches!(c, ' ' | '-' | '\'' | '’');
    }
    out
}

/// A French phone number as `06 12 34 56 78`; `+33 6 12 34 56 78`, `+33 (0)6…` and
/// `0033 6…` are converted; dots, dashes, slashes and spaces between digits are accepted.
/// `None` for anything else (a foreign number, too few digits, letters).
pub fn normalise_phone(s: &str) -> Option<String> {
    let compact: String =
        s.replace("(0)", "").chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '/' | '\u{a0}')).collect();
    let national = if let Some(rest) = compact.strip_prefix("+33").or_else(|| compact.strip_prefix("0033")) {
        format!("0{rest}")
    } else {
        compact
    };
    let ok = national.len() == 10
        && national.starts_with('0')
        && national.as_bytes()[1] != b'0'
        && national.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| {
        national
            .as_bytes()
            .chunks(2)
            .map(|p| std::str::from_utf8(p).unwrap_or(""))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(civ: &'a str, last: &'a str, first: &'a str) -> PersonInput<'a> {
        PersonInput { civility: civ, lastname: last, firstname: first, ..PersonInput::default() }
    }

    #[test]
    fn names_are_case_formatted() {
        let r = normalise(&input("mme", "ollivet", "lucie"), true).unwrap();
        assert_eq!((r.lastname.as_str(), r.firstname.as_str()), ("OLLIVET", "Lucie"));
        assert_eq!(r.civility, Some(Civility::Madame));
        assert_eq!(format_firstname("jean-pierre"), "Jean-Pierre");
        assert_eq!(format_firstname("MARIE ANNE"), "Marie Anne");
        assert_eq!(format_firstname("éloïse"), "Éloïse");
        assert_eq!(format_firstname("d'arcy"), "D'Arcy");
        // Particles stay in the name; only the case changes.
        assert_eq!(format_lastname("de la Fontaine"), "DE LA FONTAINE");
        assert_eq!(format_lastname("d'Alembert-Dupré"), "D'ALEMBERT-DUPRÉ");
        // Spaces are trimmed and collapsed.
        let r = normalise(&input("M.", "  le   pen ", " jean  marie "), true).unwrap();
        assert_eq!((r.lastname.as_str(), r.firstname.as_str()), ("LE PEN", "Jean Marie"));
        assert!(r.cleaned.is_empty());
    }

    #[test]
    fn civility_last_and_first_names_are_mandatory() {
        let e = normalise(&input("", " ", ""), true).unwrap_err();
        assert_eq!(
            e,
            vec![
                Problem::Missing(Field::Civility),
                Problem::Missing(Field::Lastname),
                Problem::Missing(Field::Firstname)
            ]
        );
        // Where the source has no civility (Moodle's upload file), it may be waived.
        let r = normalise(&input("", "Blondel", "valentin"), false).unwrap();
        assert_eq!(r.civility, None);
        assert_eq!(
            normalise(&input("Dr", "A", "B"), false).unwrap_err(),
            vec![Problem::BadCivility("Dr".into())]
        );
        for (s, c) in
            [("Monsieur", Civility::Monsieur), ("MR", Civility::Monsieur), ("Mlle", Civility::Madame)]
        {
            assert_eq!(Civility::parse(s), Some(c), "{s}");
        }
    }

    #[test]
    fn long_and_letterless_names_are_refused() {
        let long = "a".repeat(300);
        let e = normalise(&input("M", &long, "123"), true).unwrap_err();
        assert_eq!(
            e,
            vec![
                Problem::TooLong { field: Field::Lastname, chars: 300, max: 100 },
                Problem::NoLetter(Field::Firstname)
            ]
        );
        // 100 accented characters are 100 characters, not 200 bytes.
        assert!(normalise(&input("M", &"é".repeat(100), "Lé"), true).is_ok());
    }

    #[test]
    fn hostile_text_is_stored_cleaned_and_flagged() {
        let r = normalise(&input("M", "Dupond\u{1b}[31m\u{202e}", "Je\u{200b}an"), true).unwrap();
        assert_eq!((r.lastname.as_str(), r.firstname.as_str()), ("DUPOND", "Jean"));
        assert_eq!(r.cleaned, vec![Field::Lastname, Field::Firstname]);
        // Combining accents are normalised, which is not a removal.
        let r = normalise(&input("M", "Lefe\u{300}vre", "Zoe\u{308}"), true).unwrap();
        assert_eq!((r.lastname.as_str(), r.firstname.as_str()), ("LEFÈVRE", "Zoë"));
        assert!(r.cleaned.is_empty());
    }

    #[test]
    fn phones() {
        for (typed, stored) in [
            ("0612345678", "06 12 34 56 78"),
            ("06 12 34 56 78", "06 12 34 56 78"),
            ("06.12.34.56.78", "06 12 34 56 78"),
            ("+33 6 12 34 56 78", "06 12 34 56 78"),
            ("+33 (0)1 45 67 89 10", "01 45 67 89 10"),
            ("0033145678910", "01 45 67 89 10"),
            ("04-76-00-00-00", "04 76 00 00 00"),
        ] {
            assert_eq!(normalise_phone(typed).as_deref(), Some(stored), "{typed}");
        }
        for bad in ["+44 20 7946 0958", "061234567", "06123456789", "06 12 34 56 7a", "0012345678", "+33"] {
            assert_eq!(normalise_phone(bad), None, "{bad}");
        }
        let r = normalise(&PersonInput { phone: "+33612345678", phone2: "", ..input("M", "A", "B") }, true)
            .unwrap();
        assert_eq!((r.phone.as_deref(), r.phone2), (Some("06 12 34 56 78"), None));
        let e = normalise(&PersonInput { phone2: "12", ..input("M", "A", "B") }, true).unwrap_err();
        assert_eq!(e, vec![Problem::BadPhone { field: Field::Phone2, value: "12".into() }]);
    }
}
