//! The import's test world: the centre's settings (establishment dam023, matricules
//! prefixed 000, placeholder addresses at anfh.fr), a few courses and people already known,
//! and helpers to plan a fixture and read back what the database holds.
#![allow(dead_code)]

use std::sync::atomic::AtomicBool;

use tutorat::config::Config;
use tutorat::import::{ImportPlan, PlanOptions, Settings};
use tutorat::model::time::DisplayTz;
use tutorat::store::Store;
use tutorat::store::import::{WriteError, WriteSummary};

use super::fixture::Fx;

/// 2026-01-01 00:00 UTC.
pub const NOW: i64 = 1_767_225_600;

pub fn config() -> Config {
    let mut c = Config::default();
    c.import.establishment_code = "DAM023".into();
    c.import.matricule_prefix = "000".into();
    c.import.fictitious_email = "{username}.fictif@anfh.fr".into();
    c
}

pub fn settings() -> Settings {
    Settings::from_config(&config()).unwrap()
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/import/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn opts(update: bool) -> PlanOptions {
    PlanOptions { update, delimiter: None, now: NOW, tz: DisplayTz::parse("UTC").unwrap() }
}

pub async fn plan(store: &Store, bytes: &[u8], update: bool) -> ImportPlan {
    let snap = store.import_snapshot().await.unwrap();
    tutorat::import::plan(bytes, &settings(), &snap, &opts(update))
}

pub async fn apply(store: &Store, plan: &ImportPlan) -> Result<WriteSummary, WriteError> {
    tutorat::import::apply(store, plan, NOW, &AtomicBool::new(false), &mut |_, _| {}).await
}

/// Ids of what the tests refer to.
pub struct World {
    pub qvt: i64,
    pub support: i64,
    pub marie: i64,
    pub karim: i64,
}

/// Two tutors known already (mlefevre with an e-mail, kbenali without), a model course
/// with three lessons, a support course.
pub async fn world(store: &Store) -> World {
    let mut fx = Fx::new(store).await;
    let cat = fx.category("Santé", None).await;
    let qvt = fx.course("QVT-MODELE", "Qualité de vie au travail (QVT)", Some(cat)).await;
    for (k, t) in [("elearning", "Les enjeux"), ("quiz", "Quiz final"), ("mission", "Plan d'action")] {
        fx.lesson(qvt, k, t).await;
    }
    let support = fx.course("SUPPORT", "Assistance", Some(cat)).await;
    let marie = fx.person("mlefevre", "Marie", "Lefèvre").await;
    let karim = fx.person("kbenali", "Karim", "Benali").await;
    fx.done().await;
    // kbenali has no e-mail.
    let sql = "UPDATE people SET email = NULL WHERE id = $1";
    tutorat::with_pool!(store, |p| sqlx::query(sql).bind(karim).execute(p).await.map(|_| ())).unwrap();
    World { qvt, support, marie, karim }
}

/// Every person as a sorted line of text: what an import may have changed.
pub async fn people(store: &Store) -> Vec<String> {
    let sql = "SELECT username, firstname, lastname, COALESCE(email, '-'), COALESCE(phone, '-'), \
               COALESCE(matricule, '-'), COALESCE(city, '-'), COALESCE(civility, '-'), suspended \
               FROM people ORDER BY username";
    type Row = (String, String, String, String, String, String, String, String, bool);
    let rows: Vec<Row> = tutorat::with_pool!(store, |p| sqlx::query_as(sql).fetch_all(p).await).unwrap();
    rows.into_iter()
        .map(|r| format!("{}|{}|{}|{}|{}|{}|{}|{}|{}", r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8))
        .collect()
}

/// Every membership and enrolment as text, for before/after comparisons.
pub async fn links(store: &Store) -> Vec<String> {
    let sql = "
SELECT 'cohort ' || c.name || ' ' || p.username FROM cohort_members m
  JOIN cohorts c ON c.id = m.cohort_id JOIN people p ON p.id = m.person_id
UNION ALL
SELECT 'enrol ' || c.shortname || ' ' || p.username || ' ' || e.kind || ' '
       || CASE WHEN e.active THEN 'active' ELSE 'ended' END
  FROM enrolments e JOIN courses c ON c.id = e.course_id JOIN people p ON p.id = e.person_id
UNION ALL
SELECT 'tutor ' || c.shortname || ' ' || p.username FROM course_tutors t
  JOIN courses c ON c.id = t.course_id JOIN people p ON p.id = t.person_id
UNION ALL
SELECT 'group ' || g.name || ' ' || p.username FROM group_members m
  JOIN course_groups g ON g.id = m.group_id JOIN people p ON p.id = m.person_id";
    let mut v: Vec<String> =
        tutorat::with_pool!(store, |p| sqlx::query_scalar(sql).fetch_all(p).await).unwrap();
    v.sort();
    v
}

pub async fn count(store: &Store, table: &'static str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    tutorat::with_pool!(store, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).fetch_one(p).await)
        .unwrap()
}
