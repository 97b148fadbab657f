//! The journal in the platform: reading entries, integrating them into the Merkle tree,
//! signing checkpoints, and verifying the whole log.
//!
//! Entries are written by [`crate::store::Tx::journal`] in the same transaction as the
//! change they record. The integrator runs in the background: it extends the in-memory
//! tree with new entries and signs a C2SP checkpoint for the new size.

use crate::error::{CoreError, Result};
use crate::store::Val;
use crate::store::{Backend, Store};
use ed25519_dalek::SigningKey;
use govops_journal::{Checkpoint, Hash, NoteSigner, NoteVerifier, Tree};
use serde::Serialize;
use sqlx::FromRow;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// One stored journal entry.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Entry {
    /// Position in the log, from 0.
    pub idx: i64,
    /// When it was written, in milliseconds since the Unix epoch.
    pub ts_ms: i64,
    /// Who acted.
    pub actor: String,
    /// What was done, such as `auth.login`.
    pub action: String,
    /// What it was done to.
    pub subject: String,
    /// The canonical JSON (RFC 8785) whose leaf hash is in the tree.
    pub body: String,
    /// SHA-256(0x00 || body), as stored.
    #[serde(with = "hex_bytes")]
    #[schema(value_type = String)]
    pub leaf_hash: Vec<u8>,
}

crate::store::row_struct!(Entry {
    idx: i64,
    ts_ms: i64,
    actor: String,
    action: String,
    subject: String,
    body: String,
    leaf_hash: Vec<u8>,
});

mod hex_bytes {
    pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }
}

/// The latest signed checkpoint.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SignedCheckpoint {
    /// The tree size it covers.
    pub size: i64,
    /// The root hash, in hex.
    pub root: String,
    /// The C2SP signed note, verbatim.
    pub note: String,
}

/// The journal of one platform node.
pub struct Journal {
    store: Store,
    tree: RwLock<Tree>,
    signer: NoteSigner,
    verifier: NoteVerifier,
    origin: String,
}

const KEY_ID: &str = "journal";
/// PostgreSQL advisory lock held by the node that signs checkpoints.
const INTEGRATOR_LOCK: i64 = 7_460_002;

impl Journal {
    /// Loads (or creates) the journal's signing key and the tree of every entry so far.
    pub async fn open(store: Store, origin: &str) -> Result<Arc<Self>> {
        let seed = load_or_create_key(&store, origin).await?;
        let key = SigningKey::from_bytes(&seed);
        let bad_origin = |e: govops_journal::NoteError| {
            CoreError::invalid(
                "config.journal_origin",
                format!(
                    "the journal origin `{origin}` cannot name a signing key: {e}; use a name like `govops.example.gov.cn/journal`"
                ),
            )
        };
        let signer = NoteSigner::new(origin, key.clone()).map_err(bad_origin)?;
        let verifier = NoteVerifier::new(origin, key.verifying_key()).map_err(bad_origin)?;
        let journal = Arc::new(Self {
            store,
            tree: RwLock::new(Tree::new()),
            signer,
            verifier,
            origin: origin.to_string(),
        });
        journal.catch_up().await?;
        Ok(journal)
    }

    /// The checkpoint origin line, which names this log.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The verifier key in C2SP vkey form, for anyone who checks checkpoints.
    pub fn vkey(&self) -> String {
        self.verifier.vkey()
    }

    /// The number of entries integrated into the in-memory tree.
    pub fn tree_size(&self) -> u64 {
        self.tree.read().map(|t| t.size()).unwrap_or(0)
    }

    /// Reads entries not yet in the tree and adds their leaf hashes. Returns the new size.
    async fn catch_up(&self) -> Result<u64> {
        loop {
            let from = self.tree_size() as i64;
            let rows: Vec<(i64, Vec<u8>)> = self
                .store
                .fetch_all(
                    "SELECT idx, leaf_hash FROM journal_entries WHERE idx >= $1 ORDER BY idx LIMIT 10000",
                    &[Val::from(from)],
                )
                .await?;
            if rows.is_empty() {
                return Ok(from as u64);
            }
            let mut tree = self
                .tree
                .write()
                .map_err(|_| CoreError::internal("journal tree lock poisoned"))?;
            for (idx, leaf) in rows {
                if idx != tree.size() as i64 {
                    // A gap means a write with a lower index has not committed yet (it
                    // cannot happen with gapless indexes, but stop rather than skip).
                    break;
                }
                let leaf: Hash = leaf.try_into().map_err(|_| {
                    CoreError::internal(format!("entry {idx}: leaf hash is not 32 bytes"))
                })?;
                tree.push(leaf);
            }
        }
    }

    /// Integrates new entries and, if the tree grew past the last checkpoint, signs and
    /// stores a checkpoint for the new size. Returns the checkpoint signed, if any.
    pub async fn integrate(&self) -> Result<Option<SignedCheckpoint>> {
        let size = self.catch_up().await?;
        let last = self.latest_checkpoint().await?.map(|c| c.size).unwrap_or(0);
        if size == 0 || size as i64 <= last {
            return Ok(None);
        }
        let root = {
            let tree = self
                .tree
                .read()
                .map_err(|_| CoreError::internal("journal tree lock poisoned"))?;
            tree.root_at(size)
                .map_err(|e| CoreError::internal(format!("tree root: {e}")))?
        };
        let checkpoint = Checkpoint::new(self.origin.clone(), size, root);
        let note = self
            .signer
            .sign(&checkpoint)
            .map_err(|e| CoreError::internal(format!("signing a checkpoint: {e}")))?;
        let backend = self.store.backend();
        let stored = note.clone();
        let signed = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    if backend == Backend::Postgres {
                        let (got,): (bool,) =
                            tx.fetch_one("SELECT pg_try_advisory_xact_lock($1)", &[Val::from(INTEGRATOR_LOCK)])
                                .await?;
                        if !got {
                            return Ok(false);
                        }
                    }
                    // Checkpoints are statements about the journal, not changes of
                    // state, so they are not themselves journaled (that would never end).
                    let ts = crate::clock::to_ms(tx.now());
                    tx.execute("INSERT INTO journal_checkpoints (size, root, note, ts_ms) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (size) DO NOTHING", &[Val::from(size as i64), Val::from(root.to_vec()), Val::from(stored), Val::from(ts)])
                    .await?;
                    Ok(true)
                })
            })
            .await?;
        Ok(signed.then(|| SignedCheckpoint {
            size: size as i64,
            root: hex::encode(root),
            note,
        }))
    }

    /// Runs [`Journal::integrate`] every `period` until the process ends.
    pub fn spawn_integrator(self: Arc<Self>, period: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if let Err(e) = self.integrate().await {
                    tracing::warn!(error = %e, "journal integration failed; retrying");
                }
            }
        })
    }

    /// The newest stored checkpoint.
    pub async fn latest_checkpoint(&self) -> Result<Option<SignedCheckpoint>> {
        let row: Option<(i64, Vec<u8>, String)> = self
            .store
            .fetch_optional(
                "SELECT size, root, note FROM journal_checkpoints ORDER BY size DESC LIMIT 1",
                &[],
            )
            .await?;
        Ok(row.map(|(size, root, note)| SignedCheckpoint {
            size,
            root: hex::encode(root),
            note,
        }))
    }

    /// One entry by index.
    pub async fn entry(&self, idx: i64) -> Result<Entry> {
        self
            .store
            .fetch_optional(
                "SELECT idx, ts_ms, actor, action, subject, body, leaf_hash FROM journal_entries WHERE idx = $1",
                &[Val::from(idx)],
            )
            .await?
        .ok_or_else(|| {
            CoreError::not_found(
                "journal.entry.not_found",
                format!("there is no journal entry {idx}; entries are numbered from 0"),
            )
        })
    }

    /// The newest entries, newest first, before index `before` (exclusive) if given.
    pub async fn recent(&self, before: Option<i64>, limit: i64) -> Result<Vec<Entry>> {
        let before = before.unwrap_or(i64::MAX);
        self.store
            .fetch_all(
                "SELECT idx, ts_ms, actor, action, subject, body, leaf_hash FROM journal_entries \
             WHERE idx < $1 ORDER BY idx DESC LIMIT $2",
                &[Val::from(before), Val::from(limit.clamp(1, 500))],
            )
            .await
    }

    /// An inclusion proof of entry `index` in the tree of `size` entries.
    pub async fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>> {
        self.catch_up().await?;
        let tree = self
            .tree
            .read()
            .map_err(|_| CoreError::internal("journal tree lock poisoned"))?;
        tree.inclusion_proof(index, size).map_err(|e| {
            CoreError::invalid(
                "journal.proof.range",
                format!(
                    "no inclusion proof for index {index} in size {size}: {e}; the tree has {} entries",
                    tree.size()
                ),
            )
        })
    }

    /// A consistency proof between tree sizes `from` and `to`.
    pub async fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash>> {
        self.catch_up().await?;
        let tree = self
            .tree
            .read()
            .map_err(|_| CoreError::internal("journal tree lock poisoned"))?;
        tree.consistency_proof(from, to).map_err(|e| {
            CoreError::invalid(
                "journal.proof.range",
                format!(
                    "no consistency proof from {from} to {to}: {e}; the tree has {} entries",
                    tree.size()
                ),
            )
        })
    }

    /// The verifier for this journal's checkpoints.
    pub fn verifier(&self) -> &NoteVerifier {
        &self.verifier
    }
}

/// Reads the journal's signing key, creating (and journaling) it on first start.
async fn load_or_create_key(store: &Store, origin: &str) -> Result<[u8; 32]> {
    let existing: Option<(Vec<u8>,)> = store
        .fetch_optional(
            "SELECT seed FROM signing_keys WHERE id = $1",
            &[Val::from(KEY_ID)],
        )
        .await?;
    if let Some((seed,)) = existing {
        return seed
            .try_into()
            .map_err(|_| CoreError::internal("the journal signing key is not 32 bytes"));
    }
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let seed = key.to_bytes();
    let public = key.verifying_key().to_bytes();
    let name = origin.to_string();
    store
        .write(move |tx| {
            Box::pin(async move {
                let created = crate::clock::to_ms(tx.now());
                let inserted = tx.execute("INSERT INTO signing_keys (id, purpose, name, seed, public_key, created_ms) \
                     VALUES ($1, 'journal', $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING", &[Val::from(KEY_ID), Val::from(&name), Val::from(seed.to_vec()), Val::from(public.to_vec()), Val::from(created)])
                .await?;
                if inserted == 1 {
                    tx.journal(
                        "system",
                        "journal.key_created",
                        &format!("key:{KEY_ID}"),
                        serde_json::json!({ "name": name, "public_key": hex::encode(public) }),
                    )?;
                }
                Ok(())
            })
        })
        .await?;
    let (seed,): (Vec<u8>,) = store
        .fetch_one(
            "SELECT seed FROM signing_keys WHERE id = $1",
            &[Val::from(KEY_ID)],
        )
        .await?;
    seed.try_into()
        .map_err(|_| CoreError::internal("the journal signing key is not 32 bytes"))
}
