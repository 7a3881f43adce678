//! A small course for reminder tests: a tutor with an address, learners covering every
//! skip rule, and the settings that point the dispatcher at a test SMTP sink.
#![allow(dead_code)]

use std::time::Duration;

use tutorat::config::{Config, SmtpTls};
use tutorat::locale::Lang;
use tutorat::reminders::{
    CancelToken, Compose, Kind, Plan, PlanRequest, Reminders, Summary, Transport, dispatch,
};
use tutorat::store::Store;
use tutorat::store::people::Scope;

use super::fixture::Fx;

pub struct World {
    pub course: i64,
    pub other_course: i64,
    pub tutor: Scope,
    pub other_tutor: Scope,
    pub admin: Scope,
    /// (enrolment, username), in this order: alice and bruno can be reminded; chloe has no
    /// e-mail, david a fictitious one, emma is suspended, fanny's enrolment is suspended.
    pub learners: Vec<(i64, String)>,
}

impl World {
    pub fn enrolment(&self, username: &str) -> i64 {
        self.learners.iter().find(|(_, u)| u == username).unwrap().0
    }

    pub fn all(&self) -> Vec<i64> {
        self.learners.iter().map(|(e, _)| *e).collect()
    }
}

pub async fn exec(store: &Store, sql: &'static str, id: i64) {
    tutorat::with_pool!(store, |p| sqlx::query(sql).bind(id).execute(p).await.map(|_| ())).unwrap();
}

pub async fn world(store: &Store) -> World {
    let mut fx = Fx::new(store).await;
    let course = fx.course("C01", "Cours 1 : L'avant-vente", None).await;
    let other_course = fx.course("C02", "Cours 2 : La vente", None).await;
    fx.lesson(course, "elearning", "Intro").await;
    fx.lesson(course, "quiz", "Quiz").await;
    let tutor = fx.person("mlefevre", "Marie", "Lefèvre").await;
    let other = fx.person("kbenali", "Karim", "Benali").await;
    fx.admin("admin").await;
    fx.tutor(course, tutor).await;
    fx.tutor(other_course, other).await;
    let mut learners = Vec::new();
    for (u, f, l) in [
        ("alice", "Alice", "Alpha"),
        ("bruno", "Bruno", "Bravo"),
        ("chloe", "Chloé", "Charlie"),
        ("david", "David", "Delta"),
        ("emma", "Emma", "Echo"),
        ("fanny", "Fanny", "Foxtrot"),
    ] {
        let p = fx.person(u, f, l).await;
        let e = fx.enrol(course, p, 1, 1, 60, None).await;
        learners.push((e, u.to_string()));
    }
    fx.done().await;
    exec(store, "UPDATE people SET email = NULL WHERE username = 'chloe' AND $1 > 0", 1).await;
    exec(
        store,
        "UPDATE people SET email = 'd.delta.fictif@exemple.fr' WHERE username = 'david' AND $1 > 0",
        1,
    )
    .await;
    exec(store, "UPDATE people SET suspended = TRUE WHERE username = 'emma' AND $1 > 0", 1).await;
    exec(store, "UPDATE enrolments SET active = FALSE WHERE person_id = (SELECT id FROM people WHERE username = 'fanny') AND $1 > 0", 1).await;
    World {
        course,
        other_course,
        tutor: store.scope_for("mlefevre").await.unwrap(),
        other_tutor: store.scope_for("kbenali").await.unwrap(),
        admin: store.scope_for("admin").await.unwrap(),
        learners,
    }
}

pub fn config() -> Config {
    let mut c = Config::default();
    c.display.timezone = "Europe/Paris".into();
    c.reminders.language = "fr".into();
    c.reminders.backoff_secs = vec![0];
    c.reminders.max_tries = 3;
    c.reminders.platform_name = "Campus".into();
    c.reminders.login_url = "https://campus.exemple.fr".into();
    c.smtp.from_address = "tutorat@exemple.fr".into();
    c
}

pub fn reminders() -> Reminders {
    Reminders::from_config(&config(), Lang::Fr).unwrap()
}

pub fn smtp(port: u16) -> Transport {
    Transport::smtp("127.0.0.1", port, SmtpTls::None, None, Duration::from_secs(5)).unwrap()
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub async fn plan(store: &Store, rem: &Reminders, scope: &Scope, ids: Vec<i64>, force: bool) -> Plan {
    let req = PlanRequest { enrolment_ids: ids, force, kind: Kind::Reminder };
    rem.plan(store, scope, &req, now()).await.unwrap()
}

pub fn compose(template: &str) -> Compose {
    Compose { template: template.into(), ..Compose::default() }
}

/// Runs one dispatch of everything due for `scope`.
pub async fn send(store: &Store, rem: &Reminders, t: &Transport, scope: &Scope) -> Summary {
    let id = rem.identity(scope);
    dispatch(store, t, scope, &id, &rem.dispatch_options(), |_| {}, &CancelToken::new()).await.unwrap()
}

/// (status, tries, error, next_try_at) of every reminder, by id.
pub async fn rows(store: &Store) -> Vec<(i64, String, i64, Option<String>, Option<i64>)> {
    const SQL: &str = "SELECT id, status, tries, error, next_try_at FROM reminders ORDER BY id";
    tutorat::with_pool!(store, |p| sqlx::query_as(SQL).fetch_all(p).await).unwrap()
}
