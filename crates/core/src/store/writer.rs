//! The node's writer: batches waiting writes into one transaction (group commit) and
//! answers each caller only after that transaction is durable.
//!
//! SQLite: the writer owns a `rusqlite` connection on a thread of its own, so the
//! statements of a batch are plain calls (see `tx.rs` for why). PostgreSQL: the writer is
//! a task with one pooled sqlx connection.
//!
//! Journal indexes: on SQLite this writer is the only one, so it counts them itself. On
//! PostgreSQL each node has a writer; a batch takes its range from the `journal_head`
//! row, whose lock is held to commit, so indexes stay gapless and commit in order across
//! nodes.

use super::tx::TxConn;
use super::{Completion, Job, PendingEntry, Tx, Val, WriterMsg};
use crate::clock::Clock;
use crate::error::{CoreError, Result};
use sqlx::AnyPool;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Opens the SQLite write connection with the durability settings.
pub(crate) fn open_sqlite(path: &str) -> Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)
        .map_err(|e| CoreError::internal(format!("opening {path} for writing: {e}")))?;
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;",
    )
    .map_err(|e| CoreError::internal(format!("configuring {path}: {e}")))?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

/// Starts the SQLite writer thread.
pub(crate) fn spawn_sqlite(
    conn: rusqlite::Connection,
    jobs: mpsc::Receiver<WriterMsg>,
    clock: Arc<dyn Clock>,
    next_idx: i64,
    max_batch: usize,
) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| CoreError::internal(format!("writer runtime: {e}")))?;
    std::thread::Builder::new()
        .name("govops-sqlite-writer".into())
        .spawn(move || {
            let tx = Tx {
                conn: TxConn::Sqlite(conn),
                now: clock.now(),
                journal: Vec::new(),
            };
            rt.block_on(run(tx, None, jobs, clock, Some(next_idx), max_batch));
        })
        .map_err(|e| CoreError::internal(format!("writer thread: {e}")))?;
    Ok(())
}

/// Starts the PostgreSQL writer task.
pub(crate) async fn spawn_postgres(
    pool: &AnyPool,
    jobs: mpsc::Receiver<WriterMsg>,
    clock: Arc<dyn Clock>,
    max_batch: usize,
) -> Result<()> {
    let conn = pool.acquire().await?;
    let tx = Tx {
        conn: TxConn::Pg(conn),
        now: clock.now(),
        journal: Vec::new(),
    };
    tokio::spawn(run(tx, Some(pool.clone()), jobs, clock, None, max_batch));
    Ok(())
}

/// The batch loop shared by both backends.
async fn run(
    mut tx: Tx,
    pool: Option<AnyPool>,
    mut jobs: mpsc::Receiver<WriterMsg>,
    clock: Arc<dyn Clock>,
    sqlite_next_idx: Option<i64>,
    max_batch: usize,
) {
    let mut next_idx = sqlite_next_idx.unwrap_or(0);
    let begin: &'static str = if sqlite_next_idx.is_some() {
        "BEGIN IMMEDIATE; SAVEPOINT job"
    } else {
        "BEGIN; SAVEPOINT job"
    };
    let mut batch: Vec<Job> = Vec::with_capacity(max_batch);
    let mut stop: Option<oneshot::Sender<()>> = None;
    while stop.is_none() {
        match jobs.recv().await {
            Some(WriterMsg::Job(first)) => batch.push(first),
            Some(WriterMsg::Stop(done)) => {
                stop = Some(done);
                break;
            }
            None => break,
        }
        while batch.len() < max_batch {
            match jobs.try_recv() {
                Ok(WriterMsg::Job(job)) => batch.push(job),
                Ok(WriterMsg::Stop(done)) => {
                    stop = Some(done);
                    break;
                }
                Err(_) => break,
            }
        }
        if let Err(e) = tx.execute_batch(begin).await {
            tracing::error!(error = %e, "cannot begin a write transaction");
            let _ = tx.execute_batch("ROLLBACK").await;
            // Dropping the jobs answers their callers with an internal error.
            batch.clear();
            // A PostgreSQL connection may be dead (a server restart): take a fresh one.
            if let Some(pool) = &pool
                && let Ok(fresh) = pool.acquire().await
                && let TxConn::Pg(old) = std::mem::replace(&mut tx.conn, TxConn::Pg(fresh))
            {
                let mut old = old;
                old.close_on_drop();
            }
            continue;
        }
        let mut answers = Vec::with_capacity(batch.len());
        let mut entries: Vec<PendingEntry> = Vec::new();
        let mut broken: Option<CoreError> = None;
        for job in batch.drain(..) {
            if broken.is_some() {
                // The transaction is unusable; dropping the job answers its caller.
                continue;
            }
            tx.now = clock.now();
            tx.journal.clear();
            let Completion { ok, finish } = job(&mut tx).await;
            // One savepoint, reused: a failed job rolls back to it (which keeps it open);
            // a successful one releases it and opens the next.
            let step = if ok {
                entries.append(&mut tx.journal);
                answers.push(finish);
                tx.execute_fixed(&["RELEASE job", "SAVEPOINT job"]).await
            } else {
                let r = tx.execute_fixed(&["ROLLBACK TO job"]).await;
                finish(None);
                r
            };
            if let Err(e) = step {
                broken = Some(e);
            }
        }
        let outcome = match broken {
            Some(e) => Err(e),
            None => commit(&mut tx, &entries, sqlite_next_idx.map(|_| next_idx)).await,
        };
        match outcome {
            Ok(n) => {
                next_idx += n;
                for finish in answers {
                    finish(None);
                }
            }
            Err(e) => {
                let _ = tx.execute_batch("ROLLBACK").await;
                for finish in answers {
                    finish(Some(CoreError::internal(format!("commit failed: {e}"))));
                }
            }
        }
    }
    // Close the connection before saying we have stopped, so that a closing store
    // leaves no writer behind.
    match tx.conn {
        TxConn::Sqlite(c) => {
            if let Err((_, e)) = c.close() {
                tracing::warn!(error = %e, "closing the SQLite write connection");
            }
        }
        TxConn::Pg(c) => drop(c),
    }
    if let Some(done) = stop {
        let _ = done.send(());
    }
}

/// Writes the batch's journal entries at their indexes and commits. `sqlite_first` is
/// the next index on SQLite; on PostgreSQL the range comes from `journal_head`.
async fn commit(tx: &mut Tx, entries: &[PendingEntry], sqlite_first: Option<i64>) -> Result<i64> {
    tx.execute_batch("RELEASE job").await?;
    let n = entries.len() as i64;
    let first = match sqlite_first {
        Some(first) => first,
        None if n == 0 => 0,
        None => {
            let (after,): (i64,) = tx
                .fetch_one(
                    "UPDATE journal_head SET next_idx = next_idx + $1 WHERE id = 1 RETURNING next_idx",
                    &[Val::Int(n)],
                )
                .await?;
            after - n
        }
    };
    insert_entries(tx, first, entries).await?;
    tx.execute_batch("COMMIT").await?;
    Ok(n)
}

/// Journal rows per multi-row insert on PostgreSQL: 7 parameters each stays far below
/// its limit of 65,535 parameters per statement.
const ENTRIES_PER_INSERT: usize = 256;

/// Writes a batch's journal entries. SQLite: one cached single-row statement per entry
/// (calls are cheap on the writer's own connection, and a many-parameter statement would
/// be parsed anew for every batch size). PostgreSQL: multi-row inserts, to save round
/// trips.
async fn insert_entries(tx: &mut Tx, first: i64, entries: &[PendingEntry]) -> Result<()> {
    if !tx.is_postgres() {
        for (i, e) in entries.iter().enumerate() {
            tx.execute(
                "INSERT INTO journal_entries (idx, ts_ms, actor, action, subject, body, leaf_hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &entry_params(first + i as i64, e),
            )
            .await?;
        }
        return Ok(());
    }
    for (c, chunk) in entries.chunks(ENTRIES_PER_INSERT).enumerate() {
        let base = first + (c * ENTRIES_PER_INSERT) as i64;
        let mut sql = String::from(
            "INSERT INTO journal_entries (idx, ts_ms, actor, action, subject, body, leaf_hash) VALUES ",
        );
        let mut params = Vec::with_capacity(chunk.len() * 7);
        for (i, e) in chunk.iter().enumerate() {
            let b = i * 7;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7
            ));
            params.extend(entry_params(base + i as i64, e));
        }
        tx.execute_dynamic(sql, &params).await?;
    }
    Ok(())
}

/// The seven parameters of one journal row.
fn entry_params(idx: i64, e: &PendingEntry) -> [Val; 7] {
    [
        Val::Int(idx),
        Val::Int(e.ts_ms),
        Val::Text(e.actor.clone()),
        Val::Text(e.action.clone()),
        Val::Text(e.subject.clone()),
        Val::Text(e.body.clone()),
        Val::Blob(govops_journal::leaf_hash(e.body.as_bytes()).to_vec()),
    ]
}
