//! The two interface languages, usable by the model without the message catalogues.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// Parses a configured value; `None` for `auto`, an error for an unknown language.
    pub fn from_setting(s: &str) -> Result<Option<Lang>, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(None),
            "fr" | "french" | "français" => Ok(Some(Lang::Fr)),
            "en" | "english" => Ok(Some(Lang::En)),
            other => Err(other.to_string()),
        }
    }

    /// The POSIX way: LC_ALL, then LC_MESSAGES, then LANG; English when none says French.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Some(v) = get(var).filter(|v| !v.is_empty()) {
                return if v.to_ascii_lowercase().starts_with("fr") { Lang::Fr } else { Lang::En };
            }
        }
        Lang::En
    }
}
