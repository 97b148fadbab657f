//! The RFC 6962 hashing rules that every other part of the journal builds on.
//!
//! Leaves and interior nodes are hashed with different one-byte prefixes
//! (`0x00` and `0x01`), so that no leaf can ever be passed off as an interior
//! node of another tree (the second-preimage attack that RFC 6962 §2.1 closes).

use sha2::{Digest, Sha256};

/// A SHA-256 digest: a leaf hash, a subtree hash or a tree root.
pub type Hash = [u8; 32];

/// The number of bytes in a [`Hash`](type@Hash), for callers that check untrusted input.
pub const HASH_LEN: usize = 32;

/// The root of the empty tree, SHA-256 of the empty string, as RFC 6962 §2.1
/// defines it; a checkpoint of size 0 carries this root.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// Hashes one entry of the log into its leaf hash, `SHA-256(0x00 || data)`.
///
/// The journal stores and proves leaf hashes only, so this is the one place
/// where entry bytes meet the tree.
pub fn leaf_hash(data: &[u8]) -> Hash {
    Sha256::new()
        .chain_update([0x00])
        .chain_update(data)
        .finalize()
        .into()
}

/// Hashes two children into their parent, `SHA-256(0x01 || left || right)`.
///
/// The tree, the proofs and their verification all go through this function,
/// so a prover and a verifier can never disagree on how nodes are formed.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Sha256::new()
        .chain_update([0x01])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        let digest: Hash = Sha256::digest(b"").into();
        assert_eq!(digest, EMPTY_ROOT);
    }

    #[test]
    fn leaf_and_node_are_domain_separated() {
        let a = leaf_hash(b"x");
        assert_ne!(node_hash(&a, &a), leaf_hash(&[a, a].concat()));
    }
}
