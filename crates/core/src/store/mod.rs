//! The Store: one database, SQLite (embedded, the default) or PostgreSQL.
//!
//! Every change goes through [`Store::write`], which runs a closure inside a transaction
//! together with the journal entries that closure records, so a change and its entry
//! commit together or not at all. On both backends one writer per node batches the
//! closures of many callers into a group commit and acknowledges each only after that
//! commit: on SQLite a thread owning a rusqlite connection, on PostgreSQL a task with a
//! sqlx connection (see `writer.rs`). Reads go through [`Store::fetch_all`] and its kin
//! (see `read.rs`). On PostgreSQL several `govops serve` processes may share the
//! database: their writers serialize only on the journal counter row, once per batch.

mod read;
mod tx;
mod writer;

pub(crate) use tx::row_struct;
pub use tx::{Col, FromCols, PendingEntry, Tx, Val};
pub(crate) use tx::{canonical_json, canonical_object};

use crate::clock::Clock;
use crate::error::{CoreError, Result};
use futures_util::future::BoxFuture;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite, one machine.
    Sqlite,
    /// PostgreSQL, one or many nodes.
    Postgres,
}

impl Backend {
    /// The backend a database URL names, or a clear error.
    pub fn of_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(CoreError::invalid_field(
                "config.database_url",
                "database_url",
                format!(
                    "the database URL `{url}` is neither sqlite://… nor postgres://…; \
                     set GOVOPS_DATABASE_URL to one of those"
                ),
            ))
        }
    }
}

/// A type-erased write: runs inside the transaction and says how to deliver its result
/// once the transaction has committed (or failed).
pub(crate) type Job = Box<dyn for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, Completion> + Send>;

/// What a job leaves behind for the writer: whether it succeeded, and how to answer its
/// caller once the fate of the transaction is known.
pub(crate) struct Completion {
    pub ok: bool,
    pub finish: Box<dyn FnOnce(Option<CoreError>) + Send>,
}

/// What the SQLite writer task receives.
pub(crate) enum WriterMsg {
    /// A write to run.
    Job(Job),
    /// Finish what is queued, close the connection, stop, and say so.
    Stop(oneshot::Sender<()>),
}

/// The queue to the node's writer task.
type WritePath = mpsc::Sender<WriterMsg>;

struct Inner {
    backend: Backend,
    pool: AnyPool,
    /// SQLite: the connections reads run on (see `read.rs`); `None` on PostgreSQL.
    readers: Option<read::SqliteReaders>,
    write_path: WritePath,
    clock: Arc<dyn Clock>,
}

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

/// How many writes the SQLite writer folds into one commit at most.
const MAX_BATCH: usize = 1024;

impl Store {
    /// Opens (creating if needed) the database at `url` and runs its migrations.
    pub async fn open(url: &str, clock: Arc<dyn Clock>) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        match backend {
            Backend::Sqlite => Self::open_sqlite(url, clock).await,
            Backend::Postgres => Self::open_postgres(url, clock).await,
        }
    }

    async fn open_sqlite(url: &str, clock: Arc<dyn Clock>) -> Result<Self> {
        let url = if url.contains('?') {
            url.to_string()
        } else {
            format!("{url}?mode=rwc")
        };
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .and_then(|p| p.split('?').next())
            && let Some(parent) = std::path::Path::new(path).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                CoreError::invalid_field(
                    "config.database_url",
                    "database_url",
                    format!(
                        "cannot create the folder `{}` for the database: {e}",
                        parent.display()
                    ),
                )
            })?;
        }
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| CoreError::invalid("config.database_url", format!("{e}")))?
            .disable_statement_logging();
        // WAL lets readers run beside the writer; FULL makes a commit durable before it
        // is acknowledged; the busy timeout absorbs the brief locks of checkpoints.
        let pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
                       PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;";
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    conn.execute(pragmas).await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| {
                CoreError::invalid(
                    "config.database_url",
                    format!("cannot open the SQLite database `{url}`: {e}"),
                )
            })?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        let first_idx = next_journal_index(&pool).await?;
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .and_then(|p| p.split('?').next())
            .unwrap_or_default()
            .to_string();
        let conn = writer::open_sqlite(&path)?;
        let readers = read::SqliteReaders::open(&path)?;
        let (tx, rx) = mpsc::channel::<WriterMsg>(MAX_BATCH * 4);
        writer::spawn_sqlite(conn, rx, clock.clone(), first_idx, MAX_BATCH)?;
        Ok(Self {
            inner: Arc::new(Inner {
                backend: Backend::Sqlite,
                pool,
                readers: Some(readers),
                write_path: tx,
                clock,
            }),
        })
    }

    async fn open_postgres(url: &str, clock: Arc<dyn Clock>) -> Result<Self> {
        let options = AnyConnectOptions::from_str(url)
            .map_err(|e| CoreError::invalid("config.database_url", format!("{e}")))?
            .disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(32)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| {
                CoreError::invalid(
                    "config.database_url",
                    format!("cannot connect to PostgreSQL: {e}"),
                )
            })?;
        // Several nodes may start at once; an advisory lock keeps migrations to one.
        let mut conn = pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock(7460001)")
            .execute(&mut *conn)
            .await?;
        let migrated = sqlx::migrate!("./migrations/postgres")
            .run(&mut *conn)
            .await;
        sqlx::query("SELECT pg_advisory_unlock(7460001)")
            .execute(&mut *conn)
            .await?;
        migrated?;
        drop(conn);
        let (tx, rx) = mpsc::channel::<WriterMsg>(MAX_BATCH * 4);
        writer::spawn_postgres(&pool, rx, clock.clone(), MAX_BATCH).await?;
        Ok(Self {
            inner: Arc::new(Inner {
                backend: Backend::Postgres,
                pool,
                readers: None,
                write_path: tx,
                clock,
            }),
        })
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The sqlx pool, for reads that [`Store::fetch_all`] and its kin do not cover.
    pub fn pool(&self) -> &AnyPool {
        &self.inner.pool
    }

    /// Reads all rows of `sql` (placeholders `$1…$n`) outside any write. On SQLite this
    /// runs on the store's own connections without a thread hand-off (see `read.rs`).
    pub async fn fetch_all<T: FromCols + Send>(
        &self,
        sql: &'static str,
        params: &[Val],
    ) -> Result<Vec<T>> {
        if let Some(readers) = &self.inner.readers {
            return readers.fetch_all(sql, params);
        }
        let rows = tx::bind_any(sqlx::query(sql), params)
            .fetch_all(&self.inner.pool)
            .await?;
        rows.iter()
            .map(|r| T::from_any(r).map_err(CoreError::from))
            .collect()
    }

    /// Reads at most one row (the first).
    pub async fn fetch_optional<T: FromCols + Send>(
        &self,
        sql: &'static str,
        params: &[Val],
    ) -> Result<Option<T>> {
        Ok(self.fetch_all(sql, params).await?.into_iter().next())
    }

    /// Reads exactly one row; none is an internal error.
    pub async fn fetch_one<T: FromCols + Send>(
        &self,
        sql: &'static str,
        params: &[Val],
    ) -> Result<T> {
        self.fetch_optional(sql, params)
            .await?
            .ok_or_else(|| CoreError::internal(format!("no row from: {sql}")))
    }

    /// The platform clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// Runs `f` in a transaction with the journal entries it records, and returns its
    /// result once the transaction is durable. If `f` fails, nothing it did is kept.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel::<Result<T>>();
        let job: Job = Box::new(move |tx: &mut Tx| {
            Box::pin(async move {
                let outcome = f(tx).await;
                let ok = outcome.is_ok();
                let finish = Box::new(move |failure: Option<CoreError>| {
                    let delivered = match failure {
                        Some(e) => Err(e),
                        None => outcome,
                    };
                    let _ = answer.send(delivered);
                }) as Box<dyn FnOnce(Option<CoreError>) + Send>;
                Completion { ok, finish }
            })
        });
        self.inner
            .write_path
            .send(WriterMsg::Job(job))
            .await
            .map_err(|_| CoreError::internal("the writer has stopped"))?;
        answered
            .await
            .map_err(|_| CoreError::internal("the writer dropped a write without answering"))?
    }

    /// Copies the live SQLite database into `dest` (an online backup, safe while serving).
    pub async fn backup_sqlite(&self, dest: &std::path::Path) -> Result<()> {
        if self.inner.backend != Backend::Sqlite {
            return Err(CoreError::invalid(
                "backup.backend",
                "online backup is for SQLite; use pg_dump for PostgreSQL",
            ));
        }
        let dest = dest.to_string_lossy().replace('\'', "''");
        let sql = format!("VACUUM INTO '{dest}'");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&self.inner.pool)
            .await?;
        Ok(())
    }

    /// Folds the SQLite write-ahead log into the main file (used before copying the
    /// file, and by the tamper test).
    pub async fn checkpoint_wal(&self) -> Result<()> {
        if self.inner.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.inner.pool)
                .await?;
        }
        Ok(())
    }

    /// Stops the writer and closes every connection. Writes already queued are
    /// committed and answered first; later writes fail.
    pub async fn close(&self) {
        let (done, stopped) = oneshot::channel();
        if self
            .inner
            .write_path
            .send(WriterMsg::Stop(done))
            .await
            .is_ok()
        {
            let _ = stopped.await;
        }
        if let Some(readers) = &self.inner.readers {
            readers.close();
        }
        self.inner.pool.close().await;
    }
}

/// The index the next journal entry will take.
async fn next_journal_index(pool: &AnyPool) -> Result<i64> {
    let (next,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(idx) + 1, 0) FROM journal_entries")
        .fetch_one(pool)
        .await?;
    Ok(next)
}
