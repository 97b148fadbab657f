//! The write paths: SQLite's single writer with group commit, and PostgreSQL's
//! transaction per write.

use super::{Completion, Job, PendingEntry, Tx, WriterMsg};
use crate::clock::Clock;
use crate::error::{CoreError, Result};
use sqlx::Connection;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Owns one write connection. It takes every write that is waiting (up to `max_batch`),
/// runs each under a savepoint so one failure spoils nothing else, writes the batch's
/// journal entries, commits them together (durably: SQLite `synchronous=FULL`, PostgreSQL
/// `synchronous_commit` as configured on the server, `on` by default), and only then
/// answers the callers.
///
/// Journal indexes: on SQLite this task is the only writer, so it counts them itself
/// (`sqlite_next_idx`). On PostgreSQL each node has such a task; the batch takes its
/// range from the `journal_head` row, whose lock is held to commit, so indexes stay
/// gapless and commit in order across nodes.
pub(crate) async fn run_writer(
    pool: AnyPool,
    conn: PoolConnection<Any>,
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
    let mut tx = Tx {
        conn,
        now: clock.now(),
        journal: Vec::new(),
    };
    let mut batch: Vec<Job> = Vec::with_capacity(max_batch);
    let mut stop: Option<tokio::sync::oneshot::Sender<()>> = None;
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
        if let Err(e) = exec_many(&mut tx, begin).await {
            tracing::error!(error = %e, "cannot begin a write transaction; reconnecting");
            let _ = exec(&mut tx, "ROLLBACK").await;
            // Dropping the jobs answers their callers with an internal error.
            batch.clear();
            // The connection may be dead (a database restart): take a fresh one.
            if let Ok(fresh) = pool.acquire().await {
                let mut old = std::mem::replace(&mut tx.conn, fresh);
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
            // a successful one releases it and opens the next in one round trip.
            let step = if ok {
                entries.append(&mut tx.journal);
                answers.push(finish);
                exec_many(&mut tx, "RELEASE job; SAVEPOINT job").await
            } else {
                let r = exec(&mut tx, "ROLLBACK TO job").await;
                finish(None);
                r
            };
            if let Err(e) = step {
                broken = Some(e);
            }
        }
        let outcome = match broken {
            Some(e) => Err(e),
            None => {
                async {
                    exec(&mut tx, "RELEASE job").await?;
                    let n = entries.len() as i64;
                    let first = match sqlite_next_idx {
                        Some(_) => next_idx,
                        None if n == 0 => 0,
                        None => {
                            let (after,): (i64,) = sqlx::query_as(
                                "UPDATE journal_head SET next_idx = next_idx + $1 WHERE id = 1 RETURNING next_idx",
                            )
                            .bind(n)
                            .fetch_one(tx.conn())
                            .await?;
                            after - n
                        }
                    };
                    insert_entries(&mut tx, first, &entries).await?;
                    exec(&mut tx, "COMMIT").await?;
                    Ok(n)
                }
                .await
            }
        };
        match outcome {
            Ok(n) => {
                next_idx += n;
                for finish in answers {
                    finish(None);
                }
            }
            Err(e) => {
                let _ = exec(&mut tx, "ROLLBACK").await;
                for finish in answers {
                    finish(Some(CoreError::internal(format!("commit failed: {e}"))));
                }
            }
        }
    }
    // Close the connection itself (not just return it to the pool), so that when the pool
    // closes too, SQLite's last connection folds the WAL into the database file.
    if let Err(e) = tx.conn.detach().close().await {
        tracing::warn!(error = %e, "closing the write connection");
    }
    if let Some(done) = stop {
        let _ = done.send(());
    }
}

/// Journal rows per multi-row insert: 7 parameters each stays far below SQLite's limit
/// of 32,766 parameters per statement.
const ENTRIES_PER_INSERT: usize = 256;

/// Writes a batch's journal entries with as few statements as possible.
async fn insert_entries(tx: &mut Tx, first: i64, entries: &[PendingEntry]) -> Result<()> {
    for (c, chunk) in entries.chunks(ENTRIES_PER_INSERT).enumerate() {
        let base = first + (c * ENTRIES_PER_INSERT) as i64;
        let mut sql = String::from(
            "INSERT INTO journal_entries (idx, ts_ms, actor, action, subject, body, leaf_hash) VALUES ",
        );
        for i in 0..chunk.len() {
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
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (i, e) in chunk.iter().enumerate() {
            let leaf = govops_journal::leaf_hash(e.body.as_bytes());
            q = q
                .bind(base + i as i64)
                .bind(e.ts_ms)
                .bind(e.actor.clone())
                .bind(e.action.clone())
                .bind(e.subject.clone())
                .bind(e.body.clone())
                .bind(leaf.to_vec());
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

async fn exec(tx: &mut Tx, sql: &'static str) -> Result<()> {
    sqlx::query(sql).execute(tx.conn()).await?;
    Ok(())
}

/// Runs several statements in one round trip to the SQLite worker.
async fn exec_many(tx: &mut Tx, sql: &'static str) -> Result<()> {
    sqlx::raw_sql(sql).execute(tx.conn()).await?;
    Ok(())
}
