//! govops-journal: the tamper-evident log (审计日志) under every change of
//! state in govops.
//!
//! Entries are leaves of an RFC 6962 / RFC 9162 Merkle tree. The log operator
//! keeps a [`Tree`], hands out inclusion and consistency proofs, and publishes
//! signed [`Checkpoint`]s in the C2SP note format. Anyone holding a checkpoint
//! checks proofs with [`verify_inclusion`] and [`verify_consistency`], and an
//! auditor recomputes a whole log's root with [`root_of`].
//!
//! The crate is pure: no I/O, no clock, no SQL or HTTP. Storage, time and
//! transport belong to `govops-core`, so everything here is deterministic and
//! is tested against the reference vectors of transparency-dev/merkle.
//!
//! Every function returns a typed error on bad input; none panics.

mod checkpoint;
mod compact;
mod hash;
mod note;
mod tree;
mod verify;

pub use checkpoint::{Checkpoint, CheckpointError, open_checkpoint};
pub use compact::{CompactRange, root_of};
pub use hash::{EMPTY_ROOT, HASH_LEN, Hash, leaf_hash, node_hash};
pub use note::{MAX_SIGNATURES, NoteError, NoteSigner, NoteVerifier, OpenedNote, open_note};
pub use tree::{Tree, TreeError};
pub use verify::{ProofError, verify_consistency, verify_inclusion};
