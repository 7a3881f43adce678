//! 1,000 reminders to a local SMTP server: plan, queue (one transaction) and dispatch (one
//! reused connection), timed separately. `cargo bench --bench remind`; PostgreSQL too when
//! `TUTORAT_TEST_PG` (default: the local server) answers.

#[path = "../tests/support/fixture.rs"]
mod fixture;
#[path = "../tests/support/smtp.rs"]
mod smtp;

use std::time::{Duration, Instant};

use tutorat::config::{Config, SmtpTls};
use tutorat::locale::Lang;
use tutorat::reminders::{CancelToken, Compose, Kind, PlanRequest, Reminders, Transport, dispatch};
use tutorat::store::{ConnectOptions, DbTarget, Store};

const N: usize = 1000;

async fn fill(store: &Store) -> Vec<i64> {
    let mut fx = fixture::Fx::new(store).await;
    let course = fx.course("BENCH", "Formation de mesure", None).await;
    fx.lesson(course, "elearning", "Module").await;
    let tutor = fx.person("tuteur", "Tom", "Tuteur").await;
    fx.tutor(course, tutor).await;
    let mut ids = Vec::with_capacity(N);
    for i in 0..N {
        let p = fx.person(&format!("l{i:04}"), "Léa", &format!("Nom{i:04}")).await;
        ids.push(fx.enrol(course, p, 0, 0, 0, None).await);
    }
    fx.done().await;
    ids
}

async fn measure(label: &str, store: &Store) {
    let ids = fill(store).await;
    let sink = smtp::Sink::start(smtp::Mode::Accept).await;
    let mut cfg = Config::default();
    cfg.reminders.language = "fr".into();
    cfg.reminders.copy_to_tutor = false;
    let rem = Reminders::from_config(&cfg, Lang::Fr).unwrap();
    let transport =
        Transport::smtp("127.0.0.1", sink.port, SmtpTls::None, None, Duration::from_secs(5)).unwrap();
    let scope = store.scope_for("tuteur").await.unwrap();
    let now = chrono::Utc::now().timestamp();

    let t0 = Instant::now();
    let req = PlanRequest { enrolment_ids: ids, force: false, kind: Kind::Reminder };
    let plan = rem.plan(store, &scope, &req, now).await.unwrap();
    let t1 = Instant::now();
    let compose = Compose { template: "never_accessed".into(), ..Compose::default() };
    rem.enqueue(store, &scope, &plan, &compose, now).await.unwrap();
    let t2 = Instant::now();
    let s = dispatch(
        store,
        &transport,
        &scope,
        &rem.identity(&scope),
        &rem.dispatch_options(),
        |_| {},
        &CancelToken::new(),
    )
    .await
    .unwrap();
    let t3 = Instant::now();
    assert_eq!((s.sent, sink.count(), sink.connections()), (N, N, 1));
    println!(
        "{label}: {N} reminders: plan {:?}, queue {:?}, dispatch {:?} ({:.0} msg/s, {} SMTP connection), total {:?}",
        t1 - t0,
        t2 - t1,
        t3 - t2,
        N as f64 / (t3 - t2).as_secs_f64(),
        sink.connections(),
        t3 - t0
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let target = DbTarget::Sqlite(dir.path().join("bench.sqlite"));
        let store = Store::connect(&target, &ConnectOptions::default()).await.unwrap();
        store.migrate("bench").await.unwrap();
        measure("sqlite", &store).await;
        store.close().await;

        let admin = std::env::var("TUTORAT_TEST_PG")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let Ok(pool) = sqlx::PgPool::connect(&admin).await else {
            println!("postgres: skipped ({admin} unreachable)");
            return;
        };
        let name = format!("tutorat_bench_{}", std::process::id());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\""))).execute(&pool).await.unwrap();
        let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
        let store = Store::connect(&DbTarget::Postgres(url), &ConnectOptions::default()).await.unwrap();
        store.migrate("bench").await.unwrap();
        measure("postgres", &store).await;
        store.close().await;
        let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&pool).await.unwrap();
    });
}
