//! The transaction a write runs in, and the journal entries it records.

use crate::clock::rfc3339;
use crate::error::{CoreError, Result};
use serde_json::{Value, json};
use sqlx::Any;
use sqlx::AnyConnection;
use sqlx::pool::PoolConnection;
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

/// An open transaction: the connection, the time of the write, and the entries to journal.
pub struct Tx {
    pub(crate) conn: PoolConnection<Any>,
    pub(crate) now: OffsetDateTime,
    pub(crate) journal: Vec<PendingEntry>,
}

impl Tx {
    /// The connection, for queries inside the transaction.
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }

    /// The time of this write, from the platform clock.
    pub fn now(&self) -> OffsetDateTime {
        self.now
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
