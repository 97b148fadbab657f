//! The write paths: SQLite's single writer with group commit, and PostgreSQL's
//! transaction per write.

use super::{Completion, Job, Tx, WriterMsg};
use crate::clock::Clock;
use crate::error::{CoreError, Result};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Owns the one SQLite write connection. It takes every write that is waiting (up to
/// `max_batch`), runs each under its own savepoint so one failure spoils nothing else,
/// commits them together with `synchronous=FULL`, and only then answers the callers.
pub(crate) async fn run_sqlite_writer(
    conn: PoolConnection<Any>,
    mut jobs: mpsc::Receiver<WriterMsg>,
    clock: Arc<dyn Clock>,
    mut next_idx: i64,
    max_batch: usize,
) {
    let mut tx = Tx {
        conn,
        now: clock.now(),
        journal: Vec::new(),
    };
    let mut batch: Vec<Job> = Vec::with_capacity(max_batch);
    let mut stopping = false;
    while !stopping {
        match jobs.recv().await {
            Some(WriterMsg::Job(first)) => batch.push(first),
            Some(WriterMsg::Stop) | None => break,
        }
        while batch.len() < max_batch {
            match jobs.try_recv() {
                Ok(WriterMsg::Job(job)) => batch.push(job),
                Ok(WriterMsg::Stop) => {
                    stopping = true;
                    break;
                }
                Err(_) => break,
            }
        }
        if let Err(e) = exec(&mut tx, "BEGIN IMMEDIATE").await {
            tracing::error!(error = %e, "cannot begin a write transaction");
            // Dropping the jobs answers their callers with an internal error.
            batch.clear();
            continue;
        }
        let batch_start = next_idx;
        let mut committed_answers = Vec::with_capacity(batch.len());
        for job in batch.drain(..) {
            tx.now = clock.now();
            tx.journal.clear();
            if let Err(e) = exec(&mut tx, "SAVEPOINT job").await {
                tracing::error!(error = %e, "cannot open a savepoint");
                continue;
            }
            let Completion { ok, finish } = job(&mut tx).await;
            if !ok {
                let _ = exec(&mut tx, "ROLLBACK TO job").await;
                let _ = exec(&mut tx, "RELEASE job").await;
                finish(None);
                continue;
            }
            match flush_journal(&mut tx, next_idx).await {
                Ok(n) => {
                    let _ = exec(&mut tx, "RELEASE job").await;
                    next_idx += n;
                    committed_answers.push(finish);
                }
                Err(e) => {
                    let _ = exec(&mut tx, "ROLLBACK TO job").await;
                    let _ = exec(&mut tx, "RELEASE job").await;
                    finish(Some(e));
                }
            }
        }
        match exec(&mut tx, "COMMIT").await {
            Ok(()) => {
                for finish in committed_answers {
                    finish(None);
                }
            }
            Err(e) => {
                let _ = exec(&mut tx, "ROLLBACK").await;
                next_idx = batch_start;
                for finish in committed_answers {
                    finish(Some(CoreError::internal(format!("commit failed: {e}"))));
                }
            }
        }
    }
}

/// Runs one write in its own PostgreSQL transaction. Journal indexes come from the
/// `journal_head` row, whose lock is held to commit, so indexes are gapless and commit in
/// order: the integrator never sees index n+1 before index n.
pub(crate) async fn run_postgres_job(pool: &AnyPool, clock: &dyn Clock, job: Job) {
    let conn = match pool.acquire().await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "no PostgreSQL connection for a write");
            return;
        }
    };
    let mut tx = Tx {
        conn,
        now: clock.now(),
        journal: Vec::new(),
    };
    if let Err(e) = exec(&mut tx, "BEGIN").await {
        tracing::error!(error = %e, "cannot begin a write transaction");
        return;
    }
    let Completion { ok, finish } = job(&mut tx).await;
    if !ok {
        rollback_or_close(tx).await;
        finish(None);
        return;
    }
    let result: Result<()> = async {
        if !tx.journal.is_empty() {
            let n = tx.journal.len() as i64;
            let (after,): (i64,) = sqlx::query_as(
                "UPDATE journal_head SET next_idx = next_idx + $1 WHERE id = 1 RETURNING next_idx",
            )
            .bind(n)
            .fetch_one(tx.conn())
            .await?;
            flush_journal(&mut tx, after - n).await?;
        }
        exec(&mut tx, "COMMIT").await
    }
    .await;
    match result {
        Ok(()) => finish(None),
        Err(e) => {
            rollback_or_close(tx).await;
            finish(Some(e));
        }
    }
}

async fn rollback_or_close(mut tx: Tx) {
    if exec(&mut tx, "ROLLBACK").await.is_err() {
        // A connection in an unknown state must not go back to the pool.
        tx.conn.close_on_drop();
    }
}

/// Writes the pending journal entries of the current write at `first_idx` onwards and
/// returns how many there were.
async fn flush_journal(tx: &mut Tx, first_idx: i64) -> Result<i64> {
    let entries = std::mem::take(&mut tx.journal);
    let n = entries.len() as i64;
    for (offset, e) in entries.into_iter().enumerate() {
        let leaf = govops_journal::leaf_hash(e.body.as_bytes());
        sqlx::query(
            "INSERT INTO journal_entries (idx, ts_ms, actor, action, subject, body, leaf_hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(first_idx + offset as i64)
        .bind(e.ts_ms)
        .bind(e.actor)
        .bind(e.action)
        .bind(e.subject)
        .bind(e.body)
        .bind(leaf.to_vec())
        .execute(tx.conn())
        .await?;
    }
    Ok(n)
}

async fn exec(tx: &mut Tx, sql: &'static str) -> Result<()> {
    sqlx::query(sql).execute(tx.conn()).await?;
    Ok(())
}
