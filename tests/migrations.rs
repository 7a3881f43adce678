//! The two migration folders (assets/migrations/sqlite and postgres) define the same tables
//! with the same columns: read from each database's own catalogue after migrating.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use tutorat::store::{Pool, Store};

type Schema = BTreeMap<String, BTreeSet<String>>;

const SQLITE_TABLES: &str = "SELECT name FROM sqlite_master WHERE type = 'table' \
     AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name";
const SQLITE_COLUMNS: &str = "SELECT name FROM pragma_table_info($1)";
const PG_COLUMNS: &str = "SELECT table_name::text, column_name::text FROM information_schema.columns \
     WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'";

async fn schema(store: &Store) -> Schema {
    let mut out = Schema::new();
    match store.pool() {
        Pool::Sqlite(p) => {
            let tables: Vec<String> = sqlx::query_scalar(SQLITE_TABLES).fetch_all(p).await.unwrap();
            for t in tables {
                let cols: Vec<String> =
                    sqlx::query_scalar(SQLITE_COLUMNS).bind(&t).fetch_all(p).await.unwrap();
                out.insert(t, cols.into_iter().collect());
            }
        }
        Pool::Pg(p) => {
            let rows: Vec<(String, String)> = sqlx::query_as(PG_COLUMNS).fetch_all(p).await.unwrap();
            for (t, c) in rows {
                out.entry(t).or_default().insert(c);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_define_the_same_tables_and_columns() {
    let lite = support::sqlite().await;
    let sqlite = schema(&lite.store).await;
    // The reader sees what matters: the tables the application uses, with their columns.
    for (table, column) in
        [("enrolments", "missions_to_grade"), ("reminders", "next_try_at"), ("people", "email")]
    {
        assert!(sqlite.get(table).is_some_and(|c| c.contains(column)), "{table}.{column} in {sqlite:?}");
    }
    let Some(pg) = support::postgres().await else { return };
    let postgres = schema(&pg.store).await;
    let tables = |s: &Schema| s.keys().cloned().collect::<Vec<_>>();
    assert_eq!(tables(&sqlite), tables(&postgres), "the same tables");
    for (table, cols) in &sqlite {
        let only_sqlite: Vec<&String> = cols.difference(&postgres[table]).collect();
        let only_pg: Vec<&String> = postgres[table].difference(cols).collect();
        assert!(
            only_sqlite.is_empty() && only_pg.is_empty(),
            "{table}: only in SQLite {only_sqlite:?}, only in PostgreSQL {only_pg:?}"
        );
    }
}
