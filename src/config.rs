//! Configuration: every key has a default; `config.toml` at the repository root documents them.
//!
//! Lookup order: `--config FILE`, then `$TUTORAT_CONFIG`, then `<config dir>/tutorat/config.toml`,
//! then the built-in defaults.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub database: DatabaseConfig,
    pub tutor: TutorConfig,
    pub display: DisplayConfig,
    pub log: LogConfig,
    pub triage: TriageConfig,
    pub reminders: RemindersConfig,
    pub smtp: SmtpConfig,
    pub import: ImportConfig,
    pub session: SessionConfig,
    pub moodle: MoodleConfig,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite:///path/file.sqlite`, a plain file path, or `postgres://user@host/db`.
    /// Empty: `<data dir>/tutorat/tutorat.sqlite`.
    pub url: String,
    pub max_connections: u32,
    /// Seconds a query waits for a locked SQLite file or a PostgreSQL connection.
    pub timeout_secs: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig { url: String::new(), max_connections: 4, timeout_secs: 5 }
    }
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TutorConfig {
    /// The tutor's username in the database; empty means the login name.
    pub username: String,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ThemeName {
    #[default]
    Auto,
    Dark,
    Light,
    Mono,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DisplayConfig {
    /// `auto` (from LC_ALL / LC_MESSAGES / LANG), `fr` or `en`.
    pub locale: String,
    pub theme: ThemeName,
    /// `auto` (the machine's zone) or an IANA name such as `Europe/Paris`.
    pub timezone: String,
    /// Scroll regions of the terminal when a table scrolls: `auto` (used) or `off`.
    pub scroll_regions: ScrollRegions,
}

impl Default for DisplayConfig {
    fn default() -> Self {
        DisplayConfig {
            locale: "auto".into(),
            theme: ThemeName::Auto,
            timezone: "auto".into(),
            scroll_regions: ScrollRegions::Auto,
        }
    }
}

/// `[display] scroll_regions`: a scrolling table moves its rows with the terminal's scroll
/// margins (a fraction of the bytes of a repaint), unless a terminal or multiplexer that
/// mishandles them asks for `off`.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ScrollRegions {
    #[default]
    Auto,
    Off,
}

impl ScrollRegions {
    pub fn enabled(self) -> bool {
        self == ScrollRegions::Auto
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// Log file; empty: `<state dir>/tutorat/tutorat.log`.
    pub file: String,
    /// A tracing filter such as `info` or `tutorat=debug`.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { file: String::new(), level: "info".into() }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TriageConfig {
    /// Days after a reminder (or a contact) before "remind again" or "call" is suggested.
    pub remind_again_days: u32,
    /// Reminders after which the next step is to call the learner.
    pub call_after_reminders: u32,
}

impl Default for TriageConfig {
    fn default() -> Self {
        TriageConfig { remind_again_days: 3, call_after_reminders: 2 }
    }
}

impl TriageConfig {
    /// The rules with the default fictitious patterns; [`Config::triage_rules`] has the
    /// configured ones.
    pub fn rules(&self) -> crate::model::triage::Rules {
        crate::model::triage::Rules {
            remind_again_days: i64::from(self.remind_again_days),
            call_after_reminders: i64::from(self.call_after_reminders.max(1)),
            ..crate::model::triage::Rules::default()
        }
    }
}

impl Config {
    /// `[triage]`, and the `[reminders] fictitious_patterns` that make an address unusable.
    pub fn triage_rules(&self) -> crate::model::triage::Rules {
        crate::model::triage::Rules {
            fictitious: crate::model::triage::Rules::fictitious_patterns(&self.reminders.fictitious_patterns),
            ..self.triage.rules()
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    /// One `.eml` file per message in a folder: nothing leaves the machine.
    #[default]
    Outbox,
    Smtp,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RemindersConfig {
    pub transport: TransportKind,
    /// Folder of the outbox transport; empty: `<data dir>/tutorat/outbox`.
    pub outbox_dir: String,
    /// A learner reminded less than this many hours ago is skipped unless forced.
    pub min_interval_hours: i64,
    /// Send the tutor a copy listing the recipients of each sending.
    pub copy_to_tutor: bool,
    /// Tries per message (the first one included) before it stays failed.
    pub max_tries: i64,
    /// Seconds to wait before the next try after the 1st, 2nd, … failure; the last repeats.
    pub backoff_secs: Vec<i64>,
    /// Seconds after which a send claimed by a process that may have died is considered
    /// interrupted (and marked uncertain). Longer than any single send can take.
    pub lease_secs: i64,
    /// E-mail patterns (`*` matches anything, case-insensitive) of placeholder addresses.
    pub fictitious_patterns: Vec<String>,
    /// Shown in templates as `platform.name`; empty: "the training platform" in the
    /// template's language.
    pub platform_name: String,
    /// Shown in templates as `platform.url`.
    pub login_url: String,
    /// Folder of templates that add to or override the built-in ones: `<dir>/<lang>/<name>.txt`.
    pub templates_dir: String,
    /// Language of the templates: `auto` (the interface's), `fr` or `en`.
    pub language: String,
}

impl Default for RemindersConfig {
    fn default() -> Self {
        RemindersConfig {
            transport: TransportKind::Outbox,
            outbox_dir: String::new(),
            min_interval_hours: 72,
            copy_to_tutor: true,
            max_tries: 5,
            backoff_secs: vec![60, 300, 1800, 7200],
            lease_secs: 600,
            fictitious_patterns: vec![crate::model::contact::DEFAULT_FICTITIOUS.into()],
            platform_name: String::new(),
            login_url: String::new(),
            templates_dir: String::new(),
            language: "auto".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required), usually port 587.
    #[default]
    Starttls,
    /// TLS from the first byte, usually port 465.
    Tls,
    /// No encryption: only for a relay on the same machine.
    None,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// 0: the usual port for `tls` (587 for starttls, 465 for tls, 25 for none).
    pub port: u16,
    pub tls: SmtpTls,
    /// Empty: no authentication.
    pub username: String,
    /// Name of the environment variable holding the password (never the password itself).
    pub password_env: String,
    /// Envelope and `From:` address; empty: the tutor's own address.
    pub from_address: String,
    /// Display name of `From:`; empty: the tutor's name.
    pub from_name: String,
    /// Seconds to wait for the server at each step.
    pub timeout_secs: u64,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: "localhost".into(),
            port: 0,
            tls: SmtpTls::Starttls,
            username: String::new(),
            password_env: "TUTORAT_SMTP_PASSWORD".into(),
            from_address: String::new(),
            from_name: String::new(),
            timeout_secs: 30,
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ImportConfig {
    /// The establishment code that starts built usernames (`dam023`); "" when the centre
    /// has none (then every line needs a username, or a template without it).
    pub establishment_code: String,
    /// Username built when a line has none: `{establishment}`, `{initial}` (first letter of
    /// the first name), `{firstname}`, `{lastname}`; lower case, accents folded.
    pub username_template: String,
    /// Address given to a line without e-mail (`{username}`); it must match
    /// `[reminders] fictitious_patterns`, so that nobody mails it.
    pub fictitious_email: String,
    /// Short name of the Moodle profile field holding the matricule (`profile_field_<name>`).
    pub matricule_field: String,
    /// Put before every matricule that does not already start with it ("000" on the
    /// seed's platform); "" for none.
    pub matricule_prefix: String,
    /// Short name of the profile field holding the civility (`profile_field_<name>`).
    pub civility_field: String,
    /// Refuse lines without a civility (Moodle's upload file usually has none).
    pub require_civility: bool,
    /// `auto` (the most frequent of `,` `;` and tab in the header), `,`, `;` or `tab`.
    pub delimiter: String,
    /// Larger files are refused.
    pub max_file_mb: u64,
}

impl Default for ImportConfig {
    fn default() -> Self {
        ImportConfig {
            establishment_code: String::new(),
            username_template: "{establishment}.{initial}.{lastname}".into(),
            fictitious_email: "{username}.fictif@fictif.invalid".into(),
            matricule_field: "matricule".into(),
            matricule_prefix: String::new(),
            civility_field: "civilite".into(),
            require_civility: false,
            delimiter: "auto".into(),
            max_file_mb: 10,
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    /// Full name of a session course: `{from}`, `{to}` (dd-mm-yyyy), `{title}` (the model's
    /// full name), `{order}`.
    pub name: String,
    /// Short name of the session course (unique): the same placeholders plus `{name}`.
    pub shortname: String,
    /// Name of the course group holding the session's learners: `{order}`, `{name}`.
    pub group_name: String,
    /// Enrolment kind of the learners: `mandatory`, `recommended` or `free`.
    pub learner_kind: String,
    /// Enrolment kind in the support course.
    pub support_kind: String,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            name: "Session du {from} au {to}_{title}".into(),
            shortname: "{name}".into(),
            group_name: "{order}".into(),
            learner_kind: "mandatory".into(),
            support_kind: "free".into(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct MoodleConfig {
    /// The site's address (`https://moodle.example.org`); empty: `--url` is needed.
    pub url: String,
    /// Name of the environment variable holding the web-service token (never the token).
    pub token_env: String,
    /// Role short names that make a participant a tutor of the course.
    pub teacher_roles: Vec<String>,
    /// Role short names that make a participant a learner; others are left out.
    pub learner_roles: Vec<String>,
    /// Seconds to wait for each answer.
    pub timeout_secs: u64,
    /// Requests in flight at once while reading learners' details.
    pub concurrency: u32,
    /// Participants per page of `core_enrol_get_enrolled_users`.
    pub page_size: u32,
}

impl Default for MoodleConfig {
    fn default() -> Self {
        MoodleConfig {
            url: String::new(),
            token_env: "TUTORAT_MOODLE_TOKEN".into(),
            teacher_roles: vec!["editingteacher".into(), "teacher".into()],
            learner_roles: vec!["student".into()],
            timeout_secs: 30,
            concurrency: 4,
            page_size: 1000,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ConfigSource {
    Flag(PathBuf),
    Env(PathBuf),
    UserDir(PathBuf),
    Defaults,
}

impl ConfigSource {
    pub fn path(&self) -> Option<&Path> {
        match self {
            ConfigSource::Flag(p) | ConfigSource::Env(p) | ConfigSource::UserDir(p) => Some(p),
            ConfigSource::Defaults => None,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("config file {path}, line {line}: {key}{message}")]
    Parse { path: String, line: usize, key: String, message: String },
}

/// Dotted key at a byte offset: the last `[table]` header above it plus the line's own key.
fn key_at(src: &str, offset: usize) -> (usize, String) {
    let offset = offset.min(src.len());
    let line_no = src[..offset].matches('\n').count() + 1;
    let mut table = String::new();
    let mut key = String::new();
    for (i, line) in src.lines().enumerate() {
        if i + 1 > line_no {
            break;
        }
        let t = line.trim();
        if t.starts_with('[') {
            table = t.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            key.clear();
        }
        if let (true, Some((k, _))) = (i + 1 == line_no, t.split_once('=')) {
            key = k.trim().trim_matches('"').to_string();
        }
    }
    let dotted = match (table.is_empty(), key.is_empty()) {
        (_, true) => table,
        (true, false) => key,
        (false, false) => format!("{table}.{key}"),
    };
    (line_no, dotted)
}

pub fn parse(src: &str, path: &str) -> Result<Config, ConfigError> {
    toml::from_str::<Config>(src).map_err(|e| {
        let (line, key) = e.span().map(|s| key_at(src, s.start)).unwrap_or((0, String::new()));
        let message = e.message().lines().next().unwrap_or("").trim().to_string();
        ConfigError::Parse {
            path: path.to_string(),
            line,
            key: if key.is_empty() { String::new() } else { format!("{key}: ") },
            message,
        }
    })
}

pub fn read(path: &Path) -> Result<Config, ConfigError> {
    let shown = path.display().to_string();
    let src = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::Read { path: shown.clone(), reason: e.to_string() })?;
    parse(&src, &shown)
}

impl Config {
    /// Values that parse but cannot work: refused at start (exit code 2) rather than
    /// silently replaced. The message names the key.
    pub fn validate(&self) -> Result<(), String> {
        let bad = |key: &str, why: String| Err(format!("{key}: {why}"));
        let level = self.log.level.trim();
        if !level.split(',').all(log_directive) || tracing_subscriber::EnvFilter::try_new(level).is_err() {
            return bad(
                "[log] level",
                format!("{:?} is not a log filter; use error, warn, info, debug or trace", self.log.level),
            );
        }
        if self.database.max_connections == 0 {
            return bad("[database] max_connections", "must be at least 1".into());
        }
        if self.database.timeout_secs == 0 {
            return bad("[database] timeout_secs", "must be at least 1 second".into());
        }
        let r = &self.reminders;
        if r.min_interval_hours < 0 {
            return bad(
                "[reminders] min_interval_hours",
                format!("{} is negative; use 0 or more", r.min_interval_hours),
            );
        }
        if r.max_tries < 1 {
            return bad("[reminders] max_tries", format!("{} is less than 1", r.max_tries));
        }
        if let Some(b) = r.backoff_secs.iter().find(|b| **b < 0) {
            return bad("[reminders] backoff_secs", format!("{b} is negative"));
        }
        if r.lease_secs < 1 {
            return bad("[reminders] lease_secs", format!("{} is less than 1 second", r.lease_secs));
        }
        if self.smtp.timeout_secs == 0 {
            return bad("[smtp] timeout_secs", "must be at least 1 second".into());
        }
        Ok(())
    }
}

/// One directive of a log filter: a level, or `target=level` (a module path such as
/// `tutorat::store`, optionally with a `[span]`). `tracing` itself takes any word as a
/// target (`loud!!` would silently log nothing), so the shape is checked here.
fn log_directive(d: &str) -> bool {
    const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
    let is_level = |l: &str| LEVELS.iter().any(|v| v.eq_ignore_ascii_case(l.trim()));
    let is_target = |t: &str| {
        let path = t.split('[').next().unwrap_or("");
        !path.is_empty() && path.chars().all(|c| c.is_ascii_alphanumeric() || "_:-.".contains(c))
    };
    match d.trim().rsplit_once('=') {
        Some((target, level)) => is_target(target.trim()) && is_level(level),
        None => is_level(d) || is_target(d.trim()),
    }
}

pub fn user_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "tutorat").map(|d| d.config_dir().join("config.toml"))
}

/// Finds and reads the configuration following the documented lookup order.
pub fn load(
    flag: Option<&Path>,
    env_path: Option<PathBuf>,
    user_path: Option<PathBuf>,
) -> Result<(Config, ConfigSource), ConfigError> {
    if let Some(p) = flag {
        return Ok((read(p)?, ConfigSource::Flag(p.to_path_buf())));
    }
    if let Some(p) = env_path.filter(|p| !p.as_os_str().is_empty()) {
        return Ok((read(&p)?, ConfigSource::Env(p)));
    }
    if let Some(p) = user_path.filter(|p| p.is_file()) {
        return Ok((read(&p)?, ConfigSource::UserDir(p)));
    }
    Ok((Config::default(), ConfigSource::Defaults))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_defaults() {
        assert_eq!(parse("", "x").unwrap(), Config::default());
        assert_eq!(Config::default().database.max_connections, 4);
        assert_eq!(Config::default().display.locale, "auto");
    }

    #[test]
    fn the_documented_example_parses_to_the_defaults() {
        let src = include_str!("../config.toml");
        assert_eq!(parse(src, "config.toml").unwrap(), Config::default());
    }

    #[test]
    fn bad_value_names_key_and_line() {
        let src = "[database]\nurl = \"\"\n\n[display]\nlocale = \"fr\"\ntheme = \"purple\"\n";
        let err = parse(src, "c.toml").unwrap_err();
        let ConfigError::Parse { line, key, message, .. } = &err else { panic!("{err:?}") };
        assert_eq!(*line, 6);
        assert_eq!(key, "display.theme: ");
        assert!(message.contains("purple"), "{message}");
        let shown = err.to_string();
        assert!(shown.starts_with("config file c.toml, line 6: display.theme: "), "{shown}");
        assert!(!shown.contains('\n'));
    }

    #[test]
    fn unknown_key_is_refused() {
        let err = parse("[display]\nloacle = \"fr\"\n", "c.toml").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("loacle"), "{err}");
    }

    #[test]
    fn syntax_error_names_line() {
        let err = parse("[tutor]\nusername = \"abc\n", "c.toml").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn values_that_cannot_work_are_refused() {
        assert_eq!(Config::default().validate(), Ok(()));
        let mut c = Config::default();
        c.log.level = "loud!!".into();
        assert!(c.validate().unwrap_err().starts_with("[log] level: \"loud!!\""));
        c.log.level = "tutorat=debug,sqlx=warn".into();
        assert_eq!(c.validate(), Ok(()));
        c.reminders.min_interval_hours = -1;
        assert!(c.validate().unwrap_err().starts_with("[reminders] min_interval_hours: -1"));
        c.reminders.min_interval_hours = 0;
        c.smtp.timeout_secs = 0;
        assert!(c.validate().unwrap_err().starts_with("[smtp] timeout_secs"));
    }

    #[test]
    fn lookup_order() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.toml");
        let b = dir.path().join("b.toml");
        std::fs::write(&a, "[tutor]\nusername = \"a\"\n").unwrap();
        std::fs::write(&b, "[tutor]\nusername = \"b\"\n").unwrap();
        let (c, s) = load(Some(&a), Some(b.clone()), None).unwrap();
        assert_eq!((c.tutor.username.as_str(), s), ("a", ConfigSource::Flag(a.clone())));
        let (c, s) = load(None, Some(b.clone()), Some(a.clone())).unwrap();
        assert_eq!((c.tutor.username.as_str(), s), ("b", ConfigSource::Env(b.clone())));
        let (c, _) = load(None, None, Some(a.clone())).unwrap();
        assert_eq!(c.tutor.username, "a");
        let (c, s) = load(None, None, Some(dir.path().join("missing.toml"))).unwrap();
        assert_eq!((c, s), (Config::default(), ConfigSource::Defaults));
        // An explicitly named file that does not exist is an error, not a silent default.
        assert!(load(Some(&dir.path().join("nope.toml")), None, None).is_err());
    }
}
