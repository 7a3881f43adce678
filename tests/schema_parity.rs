//! Both migration folders must define the same tables and columns (ENGINEERING.md §3):
//! the SQLite and PostgreSQL schemas after every migration, compared.

mod support;

use std::collections::BTreeSet;

use tutorat::store::Store;

async fn columns(store: &Store) -> BTreeSet<(String, String)> {
    let rows: Vec<(String, String)> = match store {
        Store::Sqlite(p) => sqlx::query_as(
            "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
        )
        .fetch_all(p)
        .await
        .unwrap(),
        Store::Pg(p) => sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
        )
        .fetch_all(p)
        .await
        .unwrap(),
    };
    rows.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_have_the_same_tables_and_columns() {
    let lite = support::sqlite().await;
    let Some(pg) = support::postgres().await else { return };
    let (a, b) = (columns(&lite.store).await, columns(&pg.store).await);
    assert!(a.contains(&("sync_runs".into(), "finished_at".into())));
    assert!(a.contains(&("people".into(), "external_id".into())));
    let only_sqlite: Vec<_> = a.difference(&b).collect();
    let only_pg: Vec<_> = b.difference(&a).collect();
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "SQLite only: {only_sqlite:?}; PostgreSQL only: {only_pg:?}"
    );
}
