//! The transaction a write runs in, and the journal entries it records.
//!
//! Writes use a small query layer (`execute`, `fetch_one`, `fetch_optional`, `fetch_all`
//! with [`Val`] parameters) instead of sqlx directly, because the two backends' writers
//! differ: SQLite's writer owns a `rusqlite` connection on its own thread, so a batch's
//! statements run as plain function calls with no hand-off between threads (with sqlx
//! every statement crossed to a worker thread and back, which capped throughput);
//! PostgreSQL's writer uses a pooled sqlx connection.

use crate::clock::rfc3339;
use crate::error::{CoreError, Result};
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::pool::PoolConnection;
use sqlx::{Any, Row};
use time::OffsetDateTime;

/// A journal entry recorded by a write, waiting for its index at commit.
#[derive(Debug, Clone)]
pub struct PendingEntry {
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) subject: String,
    pub(crate) body: String,
    pub(crate) ts_ms: i64,
}

/// A statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// SQL NULL (typed as text on PostgreSQL).
    Null,
    /// SQL NULL for an integer column (PostgreSQL types parameters).
    NullInt,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(v.to_string())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(v)
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Self {
        Val::Text(v.clone())
    }
}
impl From<Vec<u8>> for Val {
    fn from(v: Vec<u8>) -> Self {
        Val::Blob(v)
    }
}
impl Val {
    /// An optional integer: `NullInt` when absent.
    pub fn opt_int(v: Option<i64>) -> Self {
        v.map_or(Val::NullInt, Val::Int)
    }
}

impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Self {
        v.map_or(Val::Null, Into::into)
    }
}

/// A column value that can be read from either backend's rows.
pub trait Col: Sized {
    /// From a rusqlite row.
    fn from_sqlite(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self>;
    /// From a sqlx row.
    fn from_any(row: &AnyRow, i: usize) -> std::result::Result<Self, sqlx::Error>;
}

macro_rules! col {
    ($($t:ty),*) => {$(
        impl Col for $t {
            fn from_sqlite(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
                row.get(i)
            }
            fn from_any(row: &AnyRow, i: usize) -> std::result::Result<Self, sqlx::Error> {
                row.try_get(i)
            }
        }
    )*};
}
col!(i64, String, Option<String>, Option<i64>, Vec<u8>, bool);

/// A row read as a tuple of columns.
pub trait FromCols: Sized {
    /// From a rusqlite row.
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
    /// From a sqlx row.
    fn from_any(row: &AnyRow) -> std::result::Result<Self, sqlx::Error>;
}

macro_rules! tuple {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Col),+> FromCols for ($($t,)+) {
            fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Ok(($($t::from_sqlite(row, $i)?,)+))
            }
            fn from_any(row: &AnyRow) -> std::result::Result<Self, sqlx::Error> {
                Ok(($($t::from_any(row, $i)?,)+))
            }
        }
    };
}
tuple!(A 0);
tuple!(A 0, B 1);
tuple!(A 0, B 1, C 2);
tuple!(A 0, B 1, C 2, D 3);
tuple!(A 0, B 1, C 2, D 3, E 4);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// The connection a writer holds.
pub(crate) enum TxConn {
    /// SQLite, on the writer's own thread.
    Sqlite(rusqlite::Connection),
    /// PostgreSQL, through sqlx.
    Pg(PoolConnection<Any>),
}

/// An open transaction: the connection, the time of the write, and the entries to journal.
pub struct Tx {
    pub(crate) conn: TxConn,
    pub(crate) now: OffsetDateTime,
    pub(crate) journal: Vec<PendingEntry>,
}

fn sqlite_err(e: rusqlite::Error) -> CoreError {
    CoreError::internal(format!("database: {e}"))
}

fn to_sql(v: &Val) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match v {
        Val::Null | Val::NullInt => V::Null,
        Val::Int(i) => V::Integer(*i),
        Val::Text(t) => V::Text(t.clone()),
        Val::Blob(b) => V::Blob(b.clone()),
    }
}

fn bind_any<'q>(
    mut q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    params: &[Val],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    for p in params {
        q = match p {
            Val::Null => q.bind(None::<String>),
            Val::NullInt => q.bind(None::<i64>),
            Val::Int(i) => q.bind(*i),
            Val::Text(t) => q.bind(t.clone()),
            Val::Blob(b) => q.bind(b.clone()),
        };
    }
    q
}

impl Tx {
    /// The time of this write, from the platform clock.
    pub fn now(&self) -> OffsetDateTime {
        self.now
    }

    /// True when this transaction runs on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.conn, TxConn::Pg(_))
    }

    /// Runs a statement; returns the number of rows changed.
    pub async fn execute(&mut self, sql: &'static str, params: &[Val]) -> Result<u64> {
        match &mut self.conn {
            TxConn::Sqlite(c) => {
                let mut st = c.prepare_cached(sql).map_err(sqlite_err)?;
                let n = st
                    .execute(rusqlite::params_from_iter(params.iter().map(to_sql)))
                    .map_err(sqlite_err)?;
                Ok(n as u64)
            }
            TxConn::Pg(c) => {
                let r = bind_any(sqlx::query(sql), params).execute(&mut **c).await?;
                Ok(r.rows_affected())
            }
        }
    }

    /// Runs several statements without parameters in one call.
    pub(crate) async fn execute_batch(&mut self, sql: &'static str) -> Result<()> {
        match &mut self.conn {
            TxConn::Sqlite(c) => c.execute_batch(sql).map_err(sqlite_err),
            TxConn::Pg(c) => {
                sqlx::raw_sql(sql).execute(&mut **c).await?;
                Ok(())
            }
        }
    }

    /// Runs fixed statements without parameters, each prepared once and cached (SQLite),
    /// or all in one round trip (PostgreSQL). For the writer's per-write savepoints.
    pub(crate) async fn execute_fixed(&mut self, statements: &[&'static str]) -> Result<()> {
        match &mut self.conn {
            TxConn::Sqlite(c) => {
                for sql in statements {
                    c.prepare_cached(sql)
                        .and_then(|mut st| st.execute([]))
                        .map_err(sqlite_err)?;
                }
                Ok(())
            }
            TxConn::Pg(c) => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(statements.join("; ")))
                    .execute(&mut **c)
                    .await?;
                Ok(())
            }
        }
    }

    /// Reads all rows.
    pub async fn fetch_all<T: FromCols>(
        &mut self,
        sql: &'static str,
        params: &[Val],
    ) -> Result<Vec<T>> {
        match &mut self.conn {
            TxConn::Sqlite(c) => {
                let mut st = c.prepare_cached(sql).map_err(sqlite_err)?;
                let rows = st
                    .query_map(rusqlite::params_from_iter(params.iter().map(to_sql)), |r| {
                        T::from_sqlite(r)
                    })
                    .map_err(sqlite_err)?;
                rows.collect::<rusqlite::Result<Vec<T>>>()
                    .map_err(sqlite_err)
            }
            TxConn::Pg(c) => {
                let rows = bind_any(sqlx::query(sql), params)
                    .fetch_all(&mut **c)
                    .await?;
                rows.iter()
                    .map(|r| T::from_any(r).map_err(CoreError::from))
                    .collect()
            }
        }
    }

    /// Reads at most one row.
    pub async fn fetch_optional<T: FromCols>(
        &mut self,
        sql: &'static str,
        params: &[Val],
    ) -> Result<Option<T>> {
        Ok(self.fetch_all(sql, params).await?.into_iter().next())
    }

    /// Reads exactly one row.
    pub async fn fetch_one<T: FromCols>(&mut self, sql: &'static str, params: &[Val]) -> Result<T> {
        self.fetch_optional(sql, params)
            .await?
            .ok_or_else(|| CoreError::internal(format!("no row from: {sql}")))
    }

    /// Runs a statement whose text is built at run time (multi-row inserts).
    pub(crate) async fn execute_dynamic(&mut self, sql: String, params: &[Val]) -> Result<u64> {
        match &mut self.conn {
            TxConn::Sqlite(c) => {
                let mut st = c.prepare_cached(&sql).map_err(sqlite_err)?;
                let n = st
                    .execute(rusqlite::params_from_iter(params.iter().map(to_sql)))
                    .map_err(sqlite_err)?;
                Ok(n as u64)
            }
            TxConn::Pg(c) => {
                let r = bind_any(sqlx::query(sqlx::AssertSqlSafe(sql)), params)
                    .execute(&mut **c)
                    .await?;
                Ok(r.rows_affected())
            }
        }
    }

    /// Records a journal entry that commits with this transaction.
    ///
    /// The entry's body is the RFC 8785 canonical JSON of actor, action, subject, time
    /// and payload, so anyone can recompute its leaf hash from the text alone.
    pub fn journal(
        &mut self,
        actor: &str,
        action: &str,
        subject: &str,
        payload: Value,
    ) -> Result<()> {
        let time = rfc3339(self.now);
        let body = json!({
            "actor": actor,
            "action": action,
            "subject": subject,
            "time": time,
            "payload": payload,
        });
        let body = serde_json_canonicalizer::to_string(&body)
            .map_err(|e| CoreError::internal(format!("canonical JSON: {e}")))?;
        self.journal.push(PendingEntry {
            actor: actor.to_string(),
            action: action.to_string(),
            subject: subject.to_string(),
            body,
            ts_ms: crate::clock::to_ms(self.now),
        });
        Ok(())
    }
}
