//! Message catalogues (assets/locales/*.toml, compiled in) and locale-aware formatting.

use std::collections::HashMap;
use std::fmt::Display;

pub use crate::model::lang::Lang;
use crate::model::time::{Ago, DisplayTz, Ts};

const FR: &str = include_str!("../assets/locales/fr.toml");
const EN: &str = include_str!("../assets/locales/en.toml");

#[derive(Clone, Debug)]
pub struct Locale {
    pub lang: Lang,
    map: HashMap<String, String>,
}

/// Flattens nested TOML tables into dotted keys.
fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

pub fn catalogue(lang: Lang) -> HashMap<String, String> {
    let src = match lang {
        Lang::Fr => FR,
        Lang::En => EN,
    };
    // The catalogues are compiled in and checked by tests, so a parse failure is a build bug.
    let table: toml::Table = src.parse().expect("locale catalogue must be valid TOML");
    let mut map = HashMap::new();
    flatten("", &table, &mut map);
    map
}

impl Locale {
    pub fn new(lang: Lang) -> Self {
        Locale { lang, map: catalogue(lang) }
    }

    /// The message for `key`, or the key itself so a missing entry is visible, not blank.
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).map(String::as_str).unwrap_or(key)
    }

    /// Message with `{name}` placeholders replaced.
    pub fn tf(&self, key: &str, args: &[(&str, &dyn Display)]) -> String {
        let mut s = self.t(key).to_string();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), &value.to_string());
        }
        s
    }

    /// Plural message: `key_one` for 1 (and 0 in French), `key_other` otherwise; `{n}` is
    /// the number formatted for the locale.
    pub fn tn(&self, key: &str, n: i64) -> String {
        let one = match self.lang {
            Lang::Fr => n.abs() <= 1,
            Lang::En => n.abs() == 1,
        };
        let k = format!("{key}_{}", if one { "one" } else { "other" });
        self.t(&k).replace("{n}", &self.num(n))
    }

    /// Integer with thousands separators: "5 120" (no-break space) in French, "5,120" in English.
    pub fn num(&self, n: i64) -> String {
        let sep = match self.lang {
            Lang::Fr => '\u{a0}',
            Lang::En => ',',
        };
        let digits = n.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + 4);
        if n < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        out
    }

    /// "83 %" in French, "83%" in English.
    pub fn pct(&self, p: impl Display) -> String {
        match self.lang {
            Lang::Fr => format!("{p}\u{a0}%"),
            Lang::En => format!("{p}%"),
        }
    }

    /// One decimal, with the locale's decimal separator.
    pub fn dec1(&self, v: f64) -> String {
        let s = format!("{v:.1}");
        match self.lang {
            Lang::Fr => s.replace('.', ","),
            Lang::En => s,
        }
    }

    pub fn ago(&self, a: Ago) -> String {
        match a {
            Ago::Never => self.t("time.never").to_string(),
            Ago::Future => self.t("time.future").to_string(),
            Ago::Seconds(_) => self.t("time.now").to_string(),
            Ago::Minutes(n) => self.tn("time.minutes", n),
            Ago::Hours(n) => self.tn("time.hours", n),
            Ago::Days(n) => self.tn("time.days", n),
            Ago::Months(n) => self.tn("time.months", n),
            Ago::Years(n) => self.tn("time.years", n),
        }
    }

    fn date_pattern(&self) -> &'static str {
        match self.lang {
            Lang::Fr => "%d/%m/%Y",
            Lang::En => "%Y-%m-%d",
        }
    }

    fn datetime_pattern(&self) -> &'static str {
        match self.lang {
            Lang::Fr => "%d/%m/%Y %H:%M",
            Lang::En => "%Y-%m-%d %H:%M",
        }
    }

    /// Date and time in the display zone; empty for a missing value.
    pub fn datetime(&self, ts: Option<Ts>, tz: DisplayTz) -> String {
        ts.and_then(|t| tz.naive(t))
            .map(|d| d.format(self.datetime_pattern()).to_string())
            .unwrap_or_default()
    }

    pub fn date(&self, ts: Option<Ts>, tz: DisplayTz) -> String {
        ts.and_then(|t| tz.naive(t)).map(|d| d.format(self.date_pattern()).to_string()).unwrap_or_default()
    }

    /// The input format a user types dates in (shown as a placeholder in dialogs).
    pub fn datetime_input_pattern(&self) -> &'static str {
        self.datetime_pattern()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogues_have_the_same_keys() {
        let fr = catalogue(Lang::Fr);
        let en = catalogue(Lang::En);
        let mut missing: Vec<String> = fr
            .keys()
            .filter(|k| !en.contains_key(*k))
            .map(|k| format!("en lacks {k}"))
            .chain(en.keys().filter(|k| !fr.contains_key(*k)).map(|k| format!("fr lacks {k}")))
            .collect();
        missing.sort();
        assert!(missing.is_empty(), "{missing:#?}");
    }

    #[test]
    fn catalogue_placeholders_match() {
        let fr = catalogue(Lang::Fr);
        let en = catalogue(Lang::En);
        let holes = |s: &str| {
            let mut v: Vec<String> =
                s.split('{').skip(1).filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string())).collect();
            v.sort();
            v
        };
        for (k, v) in &fr {
            if let Some(e) = en.get(k) {
                assert_eq!(holes(v), holes(e), "placeholders differ for {k}");
            }
        }
    }

    #[test]
    fn env_detection() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert_eq!(Lang::from_env(env(&[("LANG", "fr_FR.UTF-8")])), Lang::Fr);
        assert_eq!(Lang::from_env(env(&[("LANG", "fr_FR.UTF-8"), ("LC_ALL", "C")])), Lang::En);
        assert_eq!(Lang::from_env(env(&[("LC_MESSAGES", "fr_BE")])), Lang::Fr);
        assert_eq!(Lang::from_env(env(&[])), Lang::En);
        assert_eq!(Lang::from_setting("FR"), Ok(Some(Lang::Fr)));
        assert_eq!(Lang::from_setting("auto"), Ok(None));
        assert!(Lang::from_setting("de").is_err());
    }

    #[test]
    fn numbers_and_plurals() {
        let fr = Locale::new(Lang::Fr);
        let en = Locale::new(Lang::En);
        assert_eq!(fr.num(5120), "5\u{a0}120");
        assert_eq!(en.num(5120), "5,120");
        assert_eq!(en.num(-1_234_567), "-1,234,567");
        assert_eq!(en.num(999), "999");
        assert_eq!(fr.ago(Ago::Days(23)), "23 jours");
        assert_eq!(fr.ago(Ago::Days(1)), "1 jour");
        assert_eq!(en.ago(Ago::Days(1)), "1 day");
        assert_eq!(fr.ago(Ago::Minutes(5)), "5 min");
        assert_eq!(fr.ago(Ago::Never), "Jamais");
        assert_eq!(en.ago(Ago::Never), "Never");
        assert_eq!(fr.pct(83), "83\u{a0}%");
        assert_eq!(fr.dec1(12.25), "12,2");
    }

    #[test]
    fn dates_in_named_zone() {
        let tz = DisplayTz::parse("Europe/Paris").unwrap();
        let fr = Locale::new(Lang::Fr);
        let en = Locale::new(Lang::En);
        assert_eq!(fr.datetime(Some(1_704_656_160), tz), "07/01/2024 20:36");
        assert_eq!(en.datetime(Some(1_704_656_160), tz), "2024-01-07 20:36");
        assert_eq!(fr.date(None, tz), "");
    }
}
