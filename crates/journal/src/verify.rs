//! Checking inclusion and consistency proofs, as a client or auditor does.
//!
//! The algorithms are those of RFC 9162 §2.1.3.2 and §2.1.4.2, written the way
//! the reference Go library (transparency-dev/merkle) writes them: the exact
//! proof length is worked out from the sizes first, so a short or long proof
//! is refused with a precise error before any hashing. The Go library's edge
//! rules are reproduced so that both give the same verdict on the shared test
//! vectors: a check from size 0 always fails, and equal sizes need an empty
//! proof and byte-equal roots whatever their length.
//!
//! Hashes come in as byte slices because proofs arrive from outside (a JSON
//! API, a file), where a "hash" of the wrong length is a verification failure
//! to report, not a type error to make impossible.

use crate::hash::{Hash, node_hash};

/// Why a proof did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index was not below the tree size.
    #[error(
        "leaf index {index} is not in a tree of {size} leaves; an index must be less than the size"
    )]
    IndexOutOfRange {
        /// The leaf index given.
        index: u64,
        /// The tree size given.
        size: u64,
    },
    /// The later tree is smaller than the earlier one.
    #[error("size2 {size2} is smaller than size1 {size1}; a log only grows")]
    SizesOutOfOrder {
        /// The earlier tree size given.
        size1: u64,
        /// The later tree size given.
        size2: u64,
    },
    /// A consistency check from the empty tree was asked for. Every tree
    /// extends the empty tree, so such a check can only mislead a caller into
    /// thinking it learned something.
    #[error("consistency from the empty tree proves nothing; size1 must be at least 1")]
    EmptyFirstTree,
    /// The leaf hash was not 32 bytes long.
    #[error("the leaf hash is {len} bytes long; a hash is 32 bytes")]
    LeafHashLength {
        /// The length found.
        len: usize,
    },
    /// A proof element was not 32 bytes long.
    #[error("proof hash {position} is {len} bytes long; a hash is 32 bytes")]
    ProofHashLength {
        /// The element's position in the proof, from 0.
        position: usize,
        /// The length found.
        len: usize,
    },
    /// The proof had the wrong number of hashes for the sizes given.
    #[error("the proof has {got} hashes, but these sizes need exactly {want}")]
    WrongProofLength {
        /// The number of hashes in the proof.
        got: usize,
        /// The number the sizes call for.
        want: usize,
    },
    /// The proof does not lead to the earlier tree's root (`root1`).
    #[error("the consistency proof does not lead to the earlier root (root1)")]
    OldRootMismatch,
    /// The proof does not lead to the given root (the tree root for
    /// inclusion, `root2` for consistency).
    #[error("the proof does not lead to the given root")]
    RootMismatch,
}

/// Checks that `leaf_hash` is leaf `index` of the tree of `size` leaves whose
/// root is `root`, using the audit path `proof` (leaf's sibling first).
pub fn verify_inclusion<P: AsRef<[u8]>>(
    index: u64,
    size: u64,
    leaf_hash: &[u8],
    proof: &[P],
    root: &[u8],
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let leaf: &Hash = leaf_hash
        .try_into()
        .map_err(|_| ProofError::LeafHashLength {
            len: leaf_hash.len(),
        })?;
    let (inner, border) = decompose_inclusion(index, size);
    let proof = as_hashes(proof, inner + border)?;
    let (inner_path, border_path) = proof.split_at(inner);
    let computed = chain_border_right(chain_inner(*leaf, inner_path, index), border_path);
    if computed.as_slice() != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Checks that the tree of `size1` leaves with root `root1` is a prefix of the
/// tree of `size2` leaves with root `root2`, using the consistency `proof`.
pub fn verify_consistency<P: AsRef<[u8]>>(
    size1: u64,
    size2: u64,
    proof: &[P],
    root1: &[u8],
    root2: &[u8],
) -> Result<(), ProofError> {
    if size2 < size1 {
        return Err(ProofError::SizesOutOfOrder { size1, size2 });
    }
    if size1 == 0 {
        return Err(ProofError::EmptyFirstTree);
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofLength {
                got: proof.len(),
                want: 0,
            });
        }
        if root1 != root2 {
            return Err(ProofError::RootMismatch);
        }
        return Ok(());
    }

    // The proof is, in effect, the inclusion path of leaf `size1 - 1` in the
    // tree of `size2`, minus the `shift` lowest levels that lie inside the
    // largest perfect subtree ending at `size1`. That subtree's hash is the
    // seed: the proof's first element, or `root1` itself when the old tree is
    // a perfect tree and so is that subtree.
    let (inner, border) = decompose_inclusion(size1 - 1, size2);
    let shift = size1.trailing_zeros();
    let inner = inner.saturating_sub(shift as usize);
    let seed_in_proof = size1 != 1 << shift;
    let want = usize::from(seed_in_proof) + inner + border;
    let proof = as_hashes(proof, want)?;
    let (seed, path): (&Hash, &[&Hash]) = if seed_in_proof {
        match proof.split_first() {
            Some((first, rest)) => (*first, rest),
            None => return Err(ProofError::WrongProofLength { got: 0, want }),
        }
    } else {
        let Ok(root1) = <&Hash>::try_from(root1) else {
            return Err(ProofError::OldRootMismatch);
        };
        (root1, proof.as_slice())
    };
    let (inner_path, border_path) = path.split_at(inner.min(path.len()));
    let mask = (size1 - 1) >> shift;

    let old = chain_border_right(chain_inner_right(*seed, inner_path, mask), border_path);
    if old.as_slice() != root1 {
        return Err(ProofError::OldRootMismatch);
    }
    let new = chain_border_right(chain_inner(*seed, inner_path, mask), border_path);
    if new.as_slice() != root2 {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Splits the inclusion path of leaf `index` in a tree of `size` leaves into
/// its inner part (levels where the leaf's and the last leaf's paths differ,
/// so the sibling side depends on the index bit) and its border part (levels
/// above, where every set bit of the index has a left sibling). `index` must
/// be less than `size`.
fn decompose_inclusion(index: u64, size: u64) -> (usize, usize) {
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner as usize, border as usize)
}

/// Checks the proof has exactly `want` elements, each 32 bytes long.
fn as_hashes<P: AsRef<[u8]>>(proof: &[P], want: usize) -> Result<Vec<&Hash>, ProofError> {
    if proof.len() != want {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            want,
        });
    }
    proof
        .iter()
        .enumerate()
        .map(|(position, element)| {
            let bytes = element.as_ref();
            <&Hash>::try_from(bytes).map_err(|_| ProofError::ProofHashLength {
                position,
                len: bytes.len(),
            })
        })
        .collect()
}

/// Climbs the inner levels, taking the sibling from the left or the right as
/// bit `level` of `index` says.
fn chain_inner(seed: Hash, path: &[&Hash], index: u64) -> Hash {
    path.iter().enumerate().fold(seed, |acc, (level, sibling)| {
        if (index >> level) & 1 == 0 {
            node_hash(&acc, sibling)
        } else {
            node_hash(sibling, &acc)
        }
    })
}

/// Climbs the inner levels as the earlier, smaller tree saw them: siblings on
/// the right did not exist yet, so only left siblings are hashed in.
fn chain_inner_right(seed: Hash, path: &[&Hash], index: u64) -> Hash {
    path.iter().enumerate().fold(seed, |acc, (level, sibling)| {
        if (index >> level) & 1 == 1 {
            node_hash(sibling, &acc)
        } else {
            acc
        }
    })
}

/// Climbs the border levels, where every sibling is on the left.
fn chain_border_right(seed: Hash, path: &[&Hash]) -> Hash {
    path.iter()
        .fold(seed, |acc, sibling| node_hash(sibling, &acc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::HASH_LEN;

    #[test]
    fn huge_indices_do_not_overflow() {
        let leaf = [0u8; HASH_LEN];
        let proof: Vec<Hash> = Vec::new();
        assert!(verify_inclusion(u64::MAX - 1, u64::MAX, &leaf, &proof, &leaf).is_err());
        assert!(verify_inclusion(1 << 63, u64::MAX, &leaf, &proof, &leaf).is_err());
        assert!(verify_consistency(u64::MAX - 1, u64::MAX, &proof, &leaf, &leaf).is_err());
        assert!(verify_consistency(1 << 63, u64::MAX, &proof, &leaf, &leaf).is_err());
        assert!(verify_consistency(1, u64::MAX, &proof, &leaf, &leaf).is_err());
    }

    #[test]
    fn single_leaf_tree_root_is_the_leaf() {
        let leaf = [7u8; HASH_LEN];
        let proof: [Hash; 0] = [];
        assert_eq!(verify_inclusion(0, 1, &leaf, &proof, &leaf), Ok(()));
        assert_eq!(
            verify_inclusion(0, 1, &leaf[..31], &proof, &leaf),
            Err(ProofError::LeafHashLength { len: 31 })
        );
    }
}
