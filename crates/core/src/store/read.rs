//! Reads outside a write.
//!
//! On SQLite a read runs on one of the store's own `rusqlite` connections, on the calling
//! thread. A read on the hot paths is a few microseconds of SQLite work; sqlx-sqlite
//! hands every statement to a connection's worker thread and back, which cost more than
//! the statement itself (about a fifth of all CPU samples in `govops bench cases`). The
//! connections are kept in a small free list: a read takes one, runs, and puts it back,
//! so at most one connection per thread reading at once is ever open. On PostgreSQL
//! reads go through the sqlx pool, whose round trips are network I/O anyway.
//!
//! Statements use the same `$1…$n` placeholders and the same [`Val`] / [`FromCols`]
//! types as the writer's [`Tx`](super::Tx), so one SQL text serves both backends.

use super::tx::{FromCols, Val};
use crate::error::{CoreError, Result};
use rusqlite::types::{ToSqlOutput, ValueRef};
use std::sync::Mutex;

/// How many idle read connections are kept; more are opened when needed and closed
/// when put back over this number.
const IDLE_READERS: usize = 16;

/// The store's SQLite read connections.
pub(crate) struct SqliteReaders {
    path: String,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl SqliteReaders {
    /// Readers for the database file at `path`; opens one now so a bad path fails early.
    pub(crate) fn open(path: &str) -> Result<Self> {
        let readers = Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        };
        let first = readers.connect()?;
        readers.put_back(first);
        Ok(readers)
    }

    fn connect(&self) -> Result<rusqlite::Connection> {
        use rusqlite::OpenFlags;
        // Read-write flags with `query_only`: a read-only open of a WAL database would
        // fail whenever the -shm file had to be created.
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|e| CoreError::internal(format!("opening {} for reading: {e}", self.path)))?;
        conn.execute_batch("PRAGMA busy_timeout=5000; PRAGMA query_only=ON;")
            .map_err(|e| CoreError::internal(format!("configuring {}: {e}", self.path)))?;
        conn.set_prepared_statement_cache_capacity(128);
        Ok(conn)
    }

    fn take(&self) -> Result<rusqlite::Connection> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop();
        match idle {
            Some(conn) => Ok(conn),
            None => self.connect(),
        }
    }

    fn put_back(&self, conn: rusqlite::Connection) {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
    }

    /// Reads all rows of `sql` with `params`.
    pub(crate) fn fetch_all<T: FromCols>(&self, sql: &str, params: &[Val]) -> Result<Vec<T>> {
        let conn = self.take()?;
        let rows = query_sqlite(&conn, sql, params);
        self.put_back(conn);
        rows
    }

    /// Closes the idle connections (the store is closing).
    pub(crate) fn close(&self) {
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}

pub(crate) fn sqlite_err(e: rusqlite::Error) -> CoreError {
    CoreError::internal(format!("database: {e}"))
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Null | Val::NullInt => ToSqlOutput::Borrowed(ValueRef::Null),
            Val::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Val::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            Val::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

/// Binds `params` to a prepared statement by their `$n` names, so a statement may name a
/// parameter twice or out of order, as PostgreSQL allows.
pub(crate) fn bind_sqlite(
    st: &mut rusqlite::Statement<'_>,
    sql: &str,
    params: &[Val],
) -> Result<()> {
    for i in 1..=st.parameter_count() {
        let n = st
            .parameter_name(i)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| (1..=params.len()).contains(n))
            .ok_or_else(|| {
                CoreError::internal(format!(
                    "statement parameter {i} is not one of $1…${}: {sql}",
                    params.len()
                ))
            })?;
        st.raw_bind_parameter(i, &params[n - 1])
            .map_err(sqlite_err)?;
    }
    Ok(())
}

/// Runs `sql` on `conn` and reads every row.
pub(crate) fn query_sqlite<T: FromCols>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Val],
) -> Result<Vec<T>> {
    let mut st = conn.prepare_cached(sql).map_err(sqlite_err)?;
    bind_sqlite(&mut st, sql, params)?;
    let mut rows = st.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(sqlite_err)? {
        out.push(T::from_sqlite(row).map_err(sqlite_err)?);
    }
    Ok(out)
}

/// Runs a statement on `conn`; the number of rows changed.
pub(crate) fn execute_sqlite(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Val],
) -> Result<u64> {
    let mut st = conn.prepare_cached(sql).map_err(sqlite_err)?;
    bind_sqlite(&mut st, sql, params)?;
    Ok(st.raw_execute().map_err(sqlite_err)? as u64)
}
