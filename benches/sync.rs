//! `cargo bench --bench sync`: a first sync of a 5,000-learner course from the test Moodle
//! server (tests/support/moodle.rs) on 127.0.0.1, into a fresh database each time: the web
//! service calls (participants in pages of 1,000, then each learner's completion and SCORM
//! tracks, 4 at a time), the mapping and the one transaction. Then a second sync of the
//! same course (nothing changed: participants only). SQLite always; PostgreSQL too when
//! `TUTORAT_TEST_PG` (default: the local server) answers. Target: ≤ 10 s for the first.

#[path = "../tests/support/moodle.rs"]
mod moodle;

use std::sync::LazyLock;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use divan::Bencher;
use moodle::{Course, Module, ScormInfo, Server, Site};
use tutorat::store::{ConnectOptions, DbTarget, Store};
use tutorat::sync::{Options, Settings};

const LEARNERS: i64 = 5000;

struct Fx {
    rt: tokio::runtime::Runtime,
    server: Server,
    pg_admin: Option<String>,
}

fn module(cmid: i64, name: &str, modname: &str, completion: i64) -> Module {
    Module {
        cmid,
        name: name.into(),
        modname: modname.into(),
        instance: cmid,
        completion,
        rules: vec![],
        scorm: None,
    }
}

/// One course: a page, a SCORM 1.2 package, a quiz and an assignment; every learner came,
/// most finished the page and the package, half the quiz.
fn site() -> Site {
    let mut s = Site {
        categories: vec![moodle::Category { id: 1, name: "Formations".into(), parent: 0, sortorder: 1 }],
        ..Site::default()
    };
    let mut scorm = module(2, "Module e-learning", "scorm", 2);
    scorm.scorm = Some(ScormInfo { id: 1, version: "SCORM_12".into(), scos: vec![11] });
    s.courses = vec![Course {
        id: 10,
        shortname: "BIG".into(),
        fullname: "Formation de 5 000 apprenants".into(),
        category: 1,
        summary: String::new(),
        startdate: 1_767_225_600,
        enddate: 0,
        modules: vec![
            module(1, "Bienvenue", "page", 1),
            scorm,
            module(3, "Quiz", "quiz", 2),
            module(4, "Devoir", "assign", 2),
        ],
    }];
    s.user(2, "tuteur", "Tom", "Tuteur");
    s.enrol(10, 2, "editingteacher", 1_767_270_000);
    for i in 0..LEARNERS {
        let id = 1000 + i;
        let u = s.user(id, &format!("a{i:05}"), "Élise", &format!("Apprenant{i:05}"));
        u.firstaccess = 1_767_000_000;
        u.lastaccess = 1_767_300_000;
        s.enrol(10, id, "student", 1_767_270_000 + i);
        s.completion.insert((1, id), (1, 1_767_250_000));
        if i % 2 == 0 {
            s.completion.insert((3, id), (2, 1_767_260_000));
        }
        let status = if i % 3 == 0 { "incomplete" } else { "passed" };
        for (e, v) in [
            ("cmi.core.lesson_status", status),
            ("cmi.core.score.raw", "75"),
            ("cmi.core.total_time", "00:31:12"),
            ("cmi.core.lesson_location", "page-12"),
            ("cmi.suspend_data", "a=1;b=2;c=3"),
            ("x.start.time", "1767240000"),
        ] {
            s.track(11, id, 1, e, v, 1_767_245_000);
        }
    }
    s
}

static FX: LazyLock<Fx> = LazyLock::new(|| {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let server = rt.block_on(Server::start(site()));
    let admin =
        std::env::var("TUTORAT_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let pg_admin = rt.block_on(async { sqlx::PgPool::connect(&admin).await.ok().map(|_| admin) });
    Fx { rt, server, pg_admin }
});

fn settings() -> Settings {
    Settings {
        url: FX.server.url.clone(),
        token: moodle::TOKEN.into(),
        token_env: "TUTORAT_MOODLE_TOKEN".into(),
        teacher_roles: vec!["editingteacher".into(), "teacher".into()],
        learner_roles: vec!["student".into()],
        timeout: Duration::from_secs(60),
        concurrency: 4,
        page_size: 1000,
    }
}

/// A fresh, migrated database; the guard removes it.
enum Db {
    Sqlite(Store, #[allow(dead_code)] tempfile::TempDir),
    Pg(Store, String, String),
}

impl Db {
    fn store(&self) -> &Store {
        match self {
            Db::Sqlite(s, _) | Db::Pg(s, _, _) => s,
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Db::Pg(store, admin, name) = self {
            let (store, admin, name) = (store.clone(), admin.clone(), name.clone());
            FX.rt.block_on(async move {
                store.close().await;
                if let Ok(pool) = sqlx::PgPool::connect(&admin).await {
                    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await;
                }
            });
        }
    }
}

fn fresh(pg: bool) -> Db {
    FX.rt.block_on(async {
        if pg {
            let admin = FX.pg_admin.clone().unwrap();
            let pool = sqlx::PgPool::connect(&admin).await.unwrap();
            let name = format!("tutorat_bench_sync_{}_{}", std::process::id(), rand_suffix());
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                .execute(&pool)
                .await
                .unwrap();
            let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
            let store = Store::connect(&DbTarget::Postgres(url), &ConnectOptions::default()).await.unwrap();
            store.migrate("bench").await.unwrap();
            Db::Pg(store, admin, name)
        } else {
            let dir = tempfile::tempdir().unwrap();
            let target = DbTarget::Sqlite(dir.path().join("sync.sqlite"));
            let store = Store::connect(&target, &ConnectOptions::default()).await.unwrap();
            store.migrate("bench").await.unwrap();
            Db::Sqlite(store, dir)
        }
    })
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

fn sync(db: &Db) {
    let cancel = AtomicBool::new(false);
    let r = FX
        .rt
        .block_on(tutorat::sync::run(db.store(), &settings(), &Options::default(), &|_| {}, &cancel))
        .unwrap();
    let c = &r.courses[0];
    assert_eq!(c.learners as i64, LEARNERS, "{:?}", c.error);
}

fn first_sync(b: Bencher, pg: bool) {
    if pg && FX.pg_admin.is_none() {
        println!("postgres: skipped (no server)");
        return;
    }
    b.with_inputs(|| fresh(pg)).bench_local_values(|db| {
        sync(&db);
        db
    });
}

fn second_sync(b: Bencher, pg: bool) {
    if pg && FX.pg_admin.is_none() {
        return;
    }
    let db = fresh(pg);
    sync(&db);
    b.bench_local(|| sync(&db));
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn first_sync_5000_sqlite(b: Bencher) {
    first_sync(b, false);
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn first_sync_5000_postgres(b: Bencher) {
    first_sync(b, true);
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn second_sync_5000_sqlite(b: Bencher) {
    second_sync(b, false);
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn second_sync_5000_postgres(b: Bencher) {
    second_sync(b, true);
}

fn main() {
    println!(
        "sync bench: one course of {LEARNERS} learners (4 lessons, one SCORM 1.2) from a local test Moodle at {}; {} cores",
        FX.server.url,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    divan::main();
}
