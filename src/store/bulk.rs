//! Write transactions that span several calls, and multi-row inserts for loading data
//! (the demo, the generator) without one round trip per row.

use sqlx::{Postgres, QueryBuilder, Sqlite, Transaction};

use super::{Pool, Result, Store};

/// A value to insert; the few column types the schema uses.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    I(i64),
    OI(Option<i64>),
    F(Option<f64>),
    T(String),
    /// A constant (status, kind): no allocation per row, which adds up over millions.
    S(&'static str),
    OT(Option<String>),
    B(bool),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::I(v)
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Self {
        Val::OI(v)
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Self {
        Val::F(Some(v))
    }
}
impl From<Option<f64>> for Val {
    fn from(v: Option<f64>) -> Self {
        Val::F(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::T(v.to_string())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::T(v)
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        Val::OT(v)
    }
}
impl From<Option<&str>> for Val {
    fn from(v: Option<&str>) -> Self {
        Val::OT(v.map(str::to_string))
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Self {
        Val::B(v)
    }
}

/// Builds a row of [`Val`]s: `row![a, b, c]`.
#[macro_export]
macro_rules! row {
    ($($v:expr),* $(,)?) => { vec![$($crate::store::bulk::Val::from($v)),*] };
}

/// An open write transaction on either backend.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Pg(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$c` bound to the transaction's native connection.
#[macro_export]
macro_rules! with_txc {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::store::bulk::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::store::bulk::Tx::Pg(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

// Parameters per statement: SQLite allows 32,766 by default, PostgreSQL 65,535.
const MAX_PARAMS: usize = 30_000;

impl Store {
    /// Starts a write transaction; refused up front when the store may not write
    /// ([`Store::check_writable`]).
    pub async fn begin_write(&self) -> Result<Tx> {
        self.check_writable()?;
        Ok(match self.pool() {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Pg(p) => Tx::Pg(p.begin().await?),
        })
    }
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Pg(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Inserts `rows` into `table` in as few statements as the parameter limits allow.
    /// `table` and `columns` are compile-time names, never user input.
    pub async fn insert(
        &mut self,
        table: &'static str,
        columns: &'static [&'static str],
        rows: &[Vec<Val>],
    ) -> Result<()> {
        self.insert_with(table, columns, rows, "").await.map(|_| ())
    }

    /// Like [`Tx::insert`], skipping rows that would break a unique key (`ON CONFLICT DO
    /// NOTHING`, on both backends); returns the number of rows inserted.
    pub async fn insert_ignore(
        &mut self,
        table: &'static str,
        columns: &'static [&'static str],
        rows: &[Vec<Val>],
    ) -> Result<u64> {
        self.insert_with(table, columns, rows, " ON CONFLICT DO NOTHING").await
    }

    async fn insert_with(
        &mut self,
        table: &'static str,
        columns: &'static [&'static str],
        rows: &[Vec<Val>],
        tail: &'static str,
    ) -> Result<u64> {
        if rows.is_empty() {
            return Ok(0);
        }
        let head = format!("INSERT INTO {table} ({}) ", columns.join(", "));
        let per_stmt = (MAX_PARAMS / columns.len().max(1)).max(1);
        let mut affected = 0;
        for chunk in rows.chunks(per_stmt) {
            debug_assert!(chunk.iter().all(|r| r.len() == columns.len()));
            match self {
                Tx::Sqlite(t) => {
                    let mut b = QueryBuilder::<Sqlite>::new(head.clone());
                    b.push_values(chunk, |mut s, row| {
                        for v in row {
                            match v {
                                Val::I(x) => s.push_bind(*x),
                                Val::OI(x) => s.push_bind(*x),
                                Val::F(x) => s.push_bind(*x),
                                Val::T(x) => s.push_bind(x.clone()),
                                Val::S(x) => s.push_bind(*x),
                                Val::OT(x) => s.push_bind(x.clone()),
                                Val::B(x) => s.push_bind(*x),
                            };
                        }
                    });
                    b.push(tail);
                    affected += b.build().execute(&mut **t).await?.rows_affected();
                }
                Tx::Pg(t) => {
                    let mut b = QueryBuilder::<Postgres>::new(head.clone());
                    b.push_values(chunk, |mut s, row| {
                        for v in row {
                            match v {
                                Val::I(x) => s.push_bind(*x),
                                Val::OI(x) => s.push_bind(*x),
                                Val::F(x) => s.push_bind(*x),
                                Val::T(x) => s.push_bind(x.clone()),
                                Val::S(x) => s.push_bind(*x),
                                Val::OT(x) => s.push_bind(x.clone()),
                                Val::B(x) => s.push_bind(*x),
                            };
                        }
                    });
                    b.push(tail);
                    affected += b.build().execute(&mut **t).await?.rows_affected();
                }
            }
        }
        Ok(affected)
    }

    /// After rows were inserted with explicit ids, moves PostgreSQL's identity sequences
    /// past them so later inserts do not collide (SQLite needs nothing).
    pub async fn sync_identities(&mut self, tables: &[&'static str]) -> Result<()> {
        if let Tx::Pg(t) = self {
            for table in tables {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut **t).await?;
            }
        }
        Ok(())
    }
}
