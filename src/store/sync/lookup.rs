//! Reads for the sync: rows by platform id in chunks (a 5,000-learner course is one query per
//! thousand ids, not one per learner), and what the last sync stored of a course.

use std::collections::HashMap;

use sqlx::{Postgres, QueryBuilder, Sqlite};

use super::CourseState;
use crate::model::Ts;
use crate::store::bulk::Tx;
use crate::store::{Result, Store};
use crate::with_pool;

/// Ids per `IN (…)` list: far below both backends' parameter limits.
const CHUNK: usize = 1000;

/// Runs `head WHERE [external_source = <source> AND] <column> IN (<keys>)` in chunks and
/// returns every row. `head` and `column` are compile-time SQL, never input; the source and
/// the keys are bound.
pub(super) async fn select_in<T>(
    tx: &mut Tx,
    head: &'static str,
    source: Option<&str>,
    column: &'static str,
    keys: &[String],
) -> Result<Vec<T>>
where
    T: Send
        + Unpin
        + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        macro_rules! build {
            ($db:ty) => {{
                let mut b = QueryBuilder::<$db>::new(head);
                b.push(" WHERE ");
                if let Some(s) = source {
                    b.push("external_source = ");
                    b.push_bind(s.to_string());
                    b.push(" AND ");
                }
                b.push(column);
                b.push(" IN (");
                let mut sep = b.separated(", ");
                for k in chunk {
                    sep.push_bind(k.clone());
                }
                b.push(")");
                b
            }};
        }
        match tx {
            Tx::Sqlite(t) => {
                let mut b = build!(Sqlite);
                out.extend(b.build_query_as::<T>().fetch_all(&mut **t).await?);
            }
            Tx::Pg(t) => {
                let mut b = build!(Postgres);
                out.extend(b.build_query_as::<T>().fetch_all(&mut **t).await?);
            }
        }
    }
    Ok(out)
}

const COURSE: &str = "SELECT id, synced_at FROM courses WHERE external_source = $1 AND external_id = $2";

const LAST_ACCESS: &str = "
SELECT p.external_id, e.last_access FROM enrolments e JOIN people p ON p.id = e.person_id
WHERE e.course_id = $1 AND p.external_source = $2";

pub(super) async fn course_state(store: &Store, source: &str, course_ext: &str) -> Result<CourseState> {
    let row: Option<(i64, Option<Ts>)> =
        with_pool!(store, |p| sqlx::query_as(COURSE).bind(source).bind(course_ext).fetch_optional(p).await)?;
    let Some((id, synced_at)) = row else { return Ok(CourseState::default()) };
    let access: Vec<(Option<String>, Option<Ts>)> =
        with_pool!(store, |p| sqlx::query_as(LAST_ACCESS).bind(id).bind(source).fetch_all(p).await)?;
    Ok(CourseState {
        synced_at,
        last_access: access.into_iter().filter_map(|(k, v)| Some((k?, v))).collect::<HashMap<_, _>>(),
    })
}
