//! A 10,000-line Moodle user-upload file validated and imported on SQLite (issue 12: at
//! most 2 s). `cargo bench --bench import`. Each sample gets a fresh database (two courses,
//! two tutors) built outside the timing; the file has semicolons and a BOM, French names
//! with accents (so built usernames clash and get numbers), a fifth of the lines without
//! e-mail, +33 phones, matricules, five cohorts (one synced with a course) and half the
//! lines enrolled in a course with a group.

#[path = "../tests/support/fixture.rs"]
mod fixture;

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use divan::Bencher;
use tempfile::TempDir;
use tutorat::config::Config;
use tutorat::import::{ImportPlan, PlanOptions, Settings};
use tutorat::model::time::DisplayTz;
use tutorat::store::{ConnectOptions, DbTarget, Store};

const LINES: usize = 10_000;
const NOW: i64 = 1_767_225_600;

const FIRST: &[&str] = &[
    "Léa",
    "Hugo",
    "Chloé",
    "Lucas",
    "Inès",
    "Mathéo",
    "Zoé",
    "Noah",
    "Éloïse",
    "Raphaël",
    "Anaïs",
    "Jean-Pierre",
    "Manon",
    "Gabriel",
    "Célia",
    "Nathan",
    "Maëlys",
    "Théo",
    "Camille",
    "Louis",
    "Océane",
    "Adam",
    "Jade",
    "Arthur",
];
const LAST: &[&str] = &[
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefèvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefebvre",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Garcia",
    "de la Fontaine",
];

fn file() -> Vec<u8> {
    let mut s = String::from(
        "\u{feff}firstname;lastname;email;phone1;profile_field_matricule;cohort1;course1;group1\r\n",
    );
    for i in 0..LINES {
        let (f, l) = (FIRST[i % FIRST.len()], LAST[(i / FIRST.len() + i * 7) % LAST.len()]);
        let email = if i % 5 == 0 { String::new() } else { format!("p{i}.{}@exemple.fr", l.len()) };
        let phone = format!("+33 6 {:02} {:02} {:02} {:02}", i % 100, (i / 100) % 100, i % 97, i % 89);
        let (course, group) =
            if i % 2 == 0 { ("SESSION", format!("Groupe {}", i % 4)) } else { ("", String::new()) };
        s.push_str(&format!("{f};{l};{email};{phone};{i};Cohorte {};{course};{group}\r\n", i % 5));
    }
    s.into_bytes()
}

fn settings() -> Settings {
    let mut c = Config::default();
    c.import.establishment_code = "dam023".into();
    c.import.matricule_prefix = "000".into();
    Settings::from_config(&c).unwrap()
}

fn opts() -> PlanOptions {
    PlanOptions { update: false, delimiter: None, now: NOW, tz: DisplayTz::parse("Europe/Paris").unwrap() }
}

async fn fresh() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let target = DbTarget::Sqlite(dir.path().join("bench.sqlite"));
    let store = Store::connect(&target, &ConnectOptions::default()).await.unwrap();
    store.migrate("bench").await.unwrap();
    let mut fx = fixture::Fx::new(&store).await;
    let c = fx.course("SESSION", "Session de mesure", None).await;
    fx.lesson(c, "elearning", "Module").await;
    let support = fx.course("SUPPORT", "Assistance", None).await;
    let t = fx.person("mlefevre", "Marie", "Lefèvre").await;
    fx.tutor(c, t).await;
    fx.person("kbenali", "Karim", "Benali").await;
    fx.done().await;
    // One cohort already synced with the support course: the import's new members are
    // enrolled by the sync in the same transaction.
    let mut tx = store.begin_write().await.unwrap();
    tutorat::with_txc!(&mut tx, |c| sqlx::query(
        "INSERT INTO cohorts (name, idnumber, description, created_at) VALUES ('Cohorte 0', 'Cohorte 0', '', 0)"
    )
    .execute(c)
    .await
    .map(|_| ()))
    .unwrap();
    tutorat::with_txc!(&mut tx, |c| sqlx::query(
        "INSERT INTO cohort_courses (cohort_id, course_id, linked_at) SELECT id, $1, 0 FROM cohorts"
    )
    .bind(support)
    .execute(c)
    .await
    .map(|_| ()))
    .unwrap();
    tx.commit().await.unwrap();
    (dir, store)
}

async fn validate(store: &Store, bytes: &[u8]) -> ImportPlan {
    let snap = store.import_snapshot().await.unwrap();
    tutorat::import::plan(bytes, &settings(), &snap, &opts())
}

async fn import(store: &Store, plan: &ImportPlan) -> tutorat::store::import::WriteSummary {
    tutorat::import::apply(store, plan, NOW, &AtomicBool::new(false), &mut |_, _| {}).await.unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// Reading, checking and matching the file against the database (no write).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn validate_10k(b: Bencher) {
    let rt = runtime();
    let bytes = file();
    let (_dir, store) = rt.block_on(fresh());
    b.bench_local(|| rt.block_on(validate(&store, &bytes)));
}

/// The whole import: validate, then write in one transaction (4,000 built usernames, 2,000
/// placeholder addresses, 10,000 cohort memberships, 5,000 enrolments and group
/// memberships, the cohort sync's 2,000 enrolments).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn validate_and_import_10k(b: Bencher) {
    let rt = runtime();
    let bytes = file();
    b.with_inputs(|| rt.block_on(fresh())).bench_local_values(|(dir, store)| {
        rt.block_on(async {
            let plan = validate(&store, &bytes).await;
            let s = import(&store, &plan).await;
            assert_eq!(s.created as usize, LINES);
        });
        (dir, store)
    });
}

fn main() {
    // Where the time goes, once, before divan's figures.
    let rt = runtime();
    let bytes = file();
    let (_dir, store) = rt.block_on(fresh());
    let t0 = Instant::now();
    let plan = rt.block_on(validate(&store, &bytes));
    let t1 = Instant::now();
    assert!(plan.is_importable(), "{:?}", plan.rows.iter().find(|r| r.has_errors()));
    let s = rt.block_on(import(&store, &plan));
    let t2 = Instant::now();
    let c = plan.counts();
    println!(
        "{LINES} lines ({} KB): validate {:?} ({} new, {} warnings), import {:?} ({} people, {} cohort memberships, \
         {} enrolments, {} by cohort sync), total {:?}",
        bytes.len() / 1024,
        t1 - t0,
        c.new,
        c.warnings,
        t2 - t1,
        s.created,
        s.cohort_members_added,
        s.enrolments_added,
        s.cohort_sync.enrolled,
        t2 - t0
    );
    divan::main();
}
