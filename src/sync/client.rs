//! The REST protocol of Moodle's web services (moodle-facts.md §3.1): a form POST to
//! `webservice/rest/server.php` with `wstoken`, `wsfunction`, `moodlewsrestformat=json` and
//! the parameters flattened as PHP reads arrays (`options[0][name]=…`). Errors come back as
//! a JSON object (`exception`, `errorcode`, `message`), usually with HTTP 200, so the body is
//! checked before the status code says anything. Every request is bounded by a timeout.

use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::locale::{Lang, Locale};
use crate::text::clean;

/// A parameter value: PHP arrays are lists or maps, flattened into form keys.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    V(String),
    L(Vec<Param>),
    M(Vec<(&'static str, Param)>),
}

impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::V(v.to_string())
    }
}
impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::V(v.to_string())
    }
}
impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::V(v)
    }
}
impl From<bool> for Param {
    fn from(v: bool) -> Self {
        Param::V(if v { "1" } else { "0" }.into())
    }
}

/// `courseids=[5, 7]` → `courseids[0]=5&courseids[1]=7`;
/// `options=[{name: limitfrom, value: 0}]` → `options[0][name]=limitfrom&options[0][value]=0`.
/// An empty list sends nothing (Moodle then uses the parameter's default).
pub fn flatten(params: &[(&str, Param)]) -> Vec<(String, String)> {
    fn go(key: String, p: &Param, out: &mut Vec<(String, String)>) {
        match p {
            Param::V(v) => out.push((key, v.clone())),
            Param::L(items) => {
                for (i, it) in items.iter().enumerate() {
                    go(format!("{key}[{i}]"), it, out);
                }
            }
            Param::M(fields) => {
                for (k, v) in fields {
                    go(format!("{key}[{k}]"), v, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (k, p) in params {
        go((*k).to_string(), p, &mut out);
    }
    out
}

/// Why a call failed, with what the user needs to fix it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MoodleError {
    #[error("{}", self.describe(&Locale::new(Lang::En)))]
    BadUrl { url: String },
    #[error("{}", self.describe(&Locale::new(Lang::En)))]
    InvalidToken { token_env: String },
    /// The function is not in the token's service.
    #[error("{}", self.describe(&Locale::new(Lang::En)))]
    NotInService { function: String },
    /// Found missing from the site's list before anything was read or written.
    #[error("{}", self.describe(&Locale::new(Lang::En)))]
    MissingFunctions { functions: Vec<String> },
    #[error("{}", self.describe(&Locale::new(Lang::En)))]
    Capability { function: String, message: String },
    #[error("{}", self.describe(&Locale::new(Lang::En)))]
    Refused { function: String, exception: String, errorcode: String, message: String },
    #[error("{}", self.describe(&Locale::new(Lang::En)))]
    Http { function: String, status: u16, url: String },
    #[error("{}", self.describe(&Locale::new(Lang::En)))]
    Timeout { function: String, secs: u64, url: String },
    #[error("{}", self.describe(&Locale::new(Lang::En)))]
    Unreachable { url: String, reason: String },
    #[error("{}", self.describe(&Locale::new(Lang::En)))]
    NotMoodle { function: String, url: String, reason: String },
}

impl MoodleError {
    /// One line in the interface language; what came from the server is sanitised.
    pub fn describe(&self, loc: &Locale) -> String {
        match self {
            MoodleError::BadUrl { url } => loc.tf("sync.err_url", &[("url", &clean(url))]),
            MoodleError::InvalidToken { token_env } => loc.tf("sync.err_token", &[("var", token_env)]),
            MoodleError::NotInService { function } => loc.tf("sync.err_function", &[("function", function)]),
            MoodleError::MissingFunctions { functions } => {
                loc.tf("sync.err_functions", &[("functions", &functions.join(", "))])
            }
            MoodleError::Capability { function, message } => {
                loc.tf("sync.err_capability", &[("function", function), ("message", &clean(message))])
            }
            MoodleError::Refused { function, errorcode, message, .. } => loc.tf(
                "sync.err_moodle",
                &[("function", function), ("code", &clean(errorcode)), ("message", &clean(message))],
            ),
            MoodleError::Http { function, status, url } => {
                loc.tf("sync.err_http", &[("function", function), ("status", status), ("url", &clean(url))])
            }
            MoodleError::Timeout { function, secs, url } => {
                loc.tf("sync.err_timeout", &[("function", function), ("secs", secs), ("url", &clean(url))])
            }
            MoodleError::Unreachable { url, reason } => {
                loc.tf("sync.err_unreachable", &[("url", &clean(url)), ("reason", &clean(reason))])
            }
            MoodleError::NotMoodle { function, url, reason } => loc.tf(
                "sync.err_not_moodle",
                &[("function", function), ("url", &clean(url)), ("reason", &clean(reason))],
            ),
        }
    }

    /// A problem of configuration the user must fix (exit code 2), rather than a server
    /// that failed this time.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            MoodleError::BadUrl { .. }
                | MoodleError::InvalidToken { .. }
                | MoodleError::NotInService { .. }
                | MoodleError::MissingFunctions { .. }
                | MoodleError::Capability { .. }
                | MoodleError::NotMoodle { .. }
        )
    }

    /// Moodle refused this one item (a suspended user, a closed activity) but the next call
    /// may work: reported as a warning, the course goes on.
    pub fn is_per_item(&self) -> bool {
        matches!(self, MoodleError::Refused { .. })
    }
}

/// Moodle's error object; anything else in a reply is ignored by the probe.
#[derive(Deserialize)]
struct ErrorProbe {
    #[serde(default)]
    exception: Option<String>,
    #[serde(default)]
    errorcode: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    endpoint: String,
    token: String,
    token_env: String,
    timeout: Duration,
}

/// `https://moodle.example.org/` → `https://moodle.example.org/webservice/rest/server.php`.
pub fn endpoint(url: &str) -> Result<String, MoodleError> {
    let u = url.trim().trim_end_matches('/');
    let ok = (u.starts_with("https://") || u.starts_with("http://"))
        && u.split_once("://")
            .is_some_and(|(_, rest)| !rest.is_empty() && !rest.contains(char::is_whitespace));
    if !ok {
        return Err(MoodleError::BadUrl { url: url.to_string() });
    }
    if u.ends_with("/webservice/rest/server.php") {
        Ok(u.to_string())
    } else {
        Ok(format!("{u}/webservice/rest/server.php"))
    }
}

/// The chain of causes of a transport error, on one line ("connection refused", not
/// reqwest's "error sending request for url (…)").
fn reason(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(c) = cur {
        parts.push(c.to_string());
        cur = c.source();
    }
    let s = parts.last().cloned().unwrap_or_else(|| e.to_string());
    s.replace('\n', " ")
}

impl Client {
    pub fn new(url: &str, token: &str, token_env: &str, timeout: Duration) -> Result<Client, MoodleError> {
        let endpoint = endpoint(url)?;
        // rustls on ring, as sqlx and lettre use it (see Cargo.toml); installing it twice
        // is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(15)))
            .user_agent(concat!("tutorat/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| MoodleError::Unreachable { url: endpoint.clone(), reason: reason(&e) })?;
        Ok(Client { http, endpoint, token: token.to_string(), token_env: token_env.to_string(), timeout })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Calls `function` and decodes its reply as `T`.
    pub async fn call<T: DeserializeOwned>(
        &self,
        function: &str,
        params: &[(&str, Param)],
    ) -> Result<T, MoodleError> {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("wstoken", &self.token)
            .append_pair("wsfunction", function)
            .append_pair("moodlewsrestformat", "json");
        for (k, v) in flatten(params) {
            form.append_pair(&k, &v);
        }
        let fail = |e: reqwest::Error| {
            if e.is_timeout() {
                MoodleError::Timeout {
                    function: function.to_string(),
                    secs: self.timeout.as_secs(),
                    url: self.endpoint.clone(),
                }
            } else {
                MoodleError::Unreachable { url: self.endpoint.clone(), reason: reason(&e) }
            }
        };
        let resp = self
            .http
            .post(&self.endpoint)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form.finish())
            .send()
            .await
            .map_err(fail)?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(fail)?;
        self.decode(function, status.as_u16(), &body)
    }

    fn decode<T: DeserializeOwned>(
        &self,
        function: &str,
        status: u16,
        body: &[u8],
    ) -> Result<T, MoodleError> {
        let not_moodle = |reason: String| MoodleError::NotMoodle {
            function: function.to_string(),
            url: self.endpoint.clone(),
            reason,
        };
        if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
            && let Ok(ErrorProbe { exception: Some(exception), errorcode, message }) =
                serde_json::from_slice(body)
        {
            return Err(self.refusal(
                function,
                exception,
                errorcode.unwrap_or_default(),
                message.unwrap_or_default(),
            ));
        }
        if !(200..300).contains(&status) {
            return Err(MoodleError::Http {
                function: function.to_string(),
                status,
                url: self.endpoint.clone(),
            });
        }
        serde_json::from_slice(body).map_err(|e| {
            let head: String =
                String::from_utf8_lossy(&body[..body.len().min(60)]).chars().take(60).collect();
            if head.trim_start().starts_with('<') {
                not_moodle("HTML page".into())
            } else {
                not_moodle(e.to_string())
            }
        })
    }

    fn refusal(&self, function: &str, exception: String, errorcode: String, message: String) -> MoodleError {
        let function = function.to_string();
        match errorcode.as_str() {
            "invalidtoken" => MoodleError::InvalidToken { token_env: self.token_env.clone() },
            "accessexception" => MoodleError::NotInService { function },
            "nopermissions" => MoodleError::Capability { function, message },
            _ if exception == "required_capability_exception" => {
                MoodleError::Capability { function, message }
            }
            _ => MoodleError::Refused { function, exception, errorcode, message },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_are_flattened_as_php_reads_them() {
        let p = [
            ("courseid", Param::from(5)),
            ("courseids", Param::L(vec![5.into(), 7.into()])),
            (
                "options",
                Param::L(vec![
                    Param::M(vec![("name", "limitfrom".into()), ("value", 0.into())]),
                    Param::M(vec![("name", "userfields".into()), ("value", "id,email".into())]),
                ]),
            ),
            ("empty", Param::L(vec![])),
        ];
        let got = flatten(&p);
        let want: Vec<(String, String)> = [
            ("courseid", "5"),
            ("courseids[0]", "5"),
            ("courseids[1]", "7"),
            ("options[0][name]", "limitfrom"),
            ("options[0][value]", "0"),
            ("options[1][name]", "userfields"),
            ("options[1][value]", "id,email"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn endpoints() {
        assert_eq!(
            endpoint("https://m.example.org/").unwrap(),
            "https://m.example.org/webservice/rest/server.php"
        );
        assert_eq!(endpoint(" http://h/moodle ").unwrap(), "http://h/moodle/webservice/rest/server.php");
        assert_eq!(
            endpoint("https://m.example.org/webservice/rest/server.php").unwrap(),
            "https://m.example.org/webservice/rest/server.php"
        );
        for bad in ["", "m.example.org", "ftp://m", "https://", "https://a b"] {
            assert!(matches!(endpoint(bad), Err(MoodleError::BadUrl { .. })), "{bad:?}");
        }
    }

    fn client() -> Client {
        Client::new("http://127.0.0.1:9", "t", "TOKEN_VAR", Duration::from_secs(1)).unwrap()
    }

    #[test]
    fn error_objects_become_errors_whatever_the_status() {
        let c = client();
        let body = br#"{"exception":"moodle_exception","errorcode":"invalidtoken","message":"Invalid token - token not found"}"#;
        let e = c.decode::<serde_json::Value>("core_webservice_get_site_info", 200, body).unwrap_err();
        assert_eq!(e, MoodleError::InvalidToken { token_env: "TOKEN_VAR".into() });
        assert!(e.to_string().contains("TOKEN_VAR"), "{e}");
        let body = br#"{"exception":"webservice_access_exception","errorcode":"accessexception","message":"Access control exception"}"#;
        let e = c.decode::<serde_json::Value>("core_enrol_get_enrolled_users", 200, body).unwrap_err();
        assert_eq!(e, MoodleError::NotInService { function: "core_enrol_get_enrolled_users".into() });
        let body = br#"{"exception":"required_capability_exception","errorcode":"nopermissions","message":"Sorry, but you do not currently have permissions to do that (View course participants)."}"#;
        let e = c.decode::<serde_json::Value>("core_enrol_get_enrolled_users", 200, body).unwrap_err();
        assert!(matches!(e, MoodleError::Capability { .. }), "{e:?}");
        let body = br#"{"exception":"moodle_exception","errorcode":"suspended","message":"Sorry, this user is suspended\u001b[31m"}"#;
        let e = c.decode::<serde_json::Value>("f", 200, body).unwrap_err();
        assert!(e.is_per_item());
        assert!(!e.to_string().contains('\u{1b}'), "{e}");
        assert_eq!(e.to_string().lines().count(), 1);
    }

    #[test]
    fn replies_that_are_not_moodle_say_so() {
        let c = client();
        let e = c.decode::<Vec<i64>>("f", 200, b"<html><body>Login</body></html>").unwrap_err();
        assert!(matches!(e, MoodleError::NotMoodle { ref reason, .. } if reason == "HTML page"), "{e:?}");
        let e = c.decode::<Vec<i64>>("f", 500, b"Internal Server Error").unwrap_err();
        assert!(matches!(e, MoodleError::Http { status: 500, .. }), "{e:?}");
        assert_eq!(c.decode::<Vec<i64>>("f", 200, b" [1,2]").unwrap(), vec![1, 2]);
        // A reply object that merely has other keys is not an error.
        let v: serde_json::Value = c.decode("f", 200, br#"{"warnings":[]}"#).unwrap();
        assert_eq!(v["warnings"], serde_json::json!([]));
    }
}
