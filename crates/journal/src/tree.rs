//! The in-memory Merkle tree that the log operator keeps, and the proofs it
//! hands out.
//!
//! The tree stores, for every level `k`, the hashes of the perfect subtrees of
//! `2^k` leaves that are complete so far. That costs about two hashes (64
//! bytes) per leaf, and in exchange every node that RFC 6962 names for any past
//! tree size is either stored or is a right edge made of at most `log n`
//! stored subtrees. So `root_at`, `inclusion_proof` and `consistency_proof` are
//! all O(log n), for the current size and for every earlier one.

use crate::hash::{EMPTY_ROOT, Hash, node_hash};

/// Why the tree could not answer a question about a size or index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// A tree size was asked for that the log has not reached yet.
    #[error(
        "tree size {size} is beyond the {tree_size} leaves the log holds; ask for a size up to {tree_size}"
    )]
    SizeBeyondTree {
        /// The size asked for.
        size: u64,
        /// The number of leaves in the tree.
        tree_size: u64,
    },
    /// A leaf index was not below the tree size it was to be proved in.
    #[error(
        "leaf index {index} is not in a tree of {size} leaves; an index must be less than the size"
    )]
    IndexOutOfRange {
        /// The leaf index asked for.
        index: u64,
        /// The tree size asked for.
        size: u64,
    },
    /// A consistency proof was asked for between sizes that have none: the
    /// earlier size must be at least 1 (the empty tree proves nothing, and the
    /// verifier rejects it) and not larger than the later one.
    #[error("no consistency proof from size {from} to size {to}; it needs 0 < from <= to")]
    BadRange {
        /// The earlier tree size.
        from: u64,
        /// The later tree size.
        to: u64,
    },
}

/// An append-only RFC 6962 Merkle tree over leaf hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree {
    /// `levels[k][i]` is the hash of the perfect subtree over leaves
    /// `[i * 2^k, (i + 1) * 2^k)`. `levels[0]` holds the leaf hashes.
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// Starts an empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts an empty tree with room for `leaves` leaves, so that rebuilding
    /// a known-size log from storage does not reallocate on the way.
    pub fn with_capacity(leaves: usize) -> Self {
        let mut levels = Vec::new();
        let mut width = leaves;
        while width > 0 {
            levels.push(Vec::with_capacity(width));
            width /= 2;
        }
        Self { levels }
    }

    /// The number of leaves in the tree.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// The leaf hash at `index`, if the tree has one there.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        let index = usize::try_from(index).ok()?;
        self.levels.first()?.get(index).copied()
    }

    /// Appends one leaf hash, hashing every perfect subtree it completes.
    ///
    /// This costs one node hash per level it climbs: amortised one per leaf.
    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            let width = row.len();
            if width % 2 == 1 {
                return;
            }
            hash = node_hash(&row[width - 2], &row[width - 1]);
            level += 1;
        }
    }

    /// The root of the tree at its current size.
    pub fn root(&self) -> Hash {
        self.range_hash(0, self.size())
    }

    /// The root the tree had when it held `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, TreeError> {
        self.check_size(size)?;
        Ok(self.range_hash(0, size))
    }

    /// The audit path (RFC 9162 §2.1.3.1) for leaf `index` in the tree of
    /// `size` leaves, ordered from the leaf's sibling up to the root's child.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, TreeError> {
        self.check_size(size)?;
        if index >= size {
            return Err(TreeError::IndexOutOfRange { index, size });
        }
        // Walk down from the root, keeping the node `[lo, hi)` that holds the
        // leaf and recording the sibling at each split; the path is that list
        // read bottom-up.
        let mut proof = Vec::with_capacity(64);
        let (mut lo, mut hi) = (0, size);
        while hi - lo > 1 {
            let mid = lo + split_point(hi - lo);
            if index < mid {
                proof.push(self.range_hash(mid, hi));
                hi = mid;
            } else {
                proof.push(self.range_hash(lo, mid));
                lo = mid;
            }
        }
        proof.reverse();
        Ok(proof)
    }

    /// The consistency proof (RFC 9162 §2.1.4.1) that the tree of `from`
    /// leaves is a prefix of the tree of `to` leaves.
    ///
    /// Equal sizes give the empty proof. `from == 0` is refused, because the
    /// verifier (following the reference Go library) rejects any check from
    /// the empty tree.
    pub fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash>, TreeError> {
        self.check_size(to)?;
        if from == 0 || from > to {
            return Err(TreeError::BadRange { from, to });
        }
        // SUBPROOF(m, D[lo:hi], b) of RFC 9162, unrolled: each step records the
        // sibling of the side that still holds the old tree's right edge.
        let mut proof = Vec::with_capacity(64);
        let (mut lo, mut hi, mut m) = (0, to, from);
        let mut whole_old_tree = true;
        loop {
            let width = hi - lo;
            if m == width {
                if !whole_old_tree {
                    proof.push(self.range_hash(lo, hi));
                }
                break;
            }
            let k = split_point(width);
            if m <= k {
                proof.push(self.range_hash(lo + k, hi));
                hi = lo + k;
            } else {
                proof.push(self.range_hash(lo, lo + k));
                lo += k;
                m -= k;
                whole_old_tree = false;
            }
        }
        proof.reverse();
        Ok(proof)
    }

    fn check_size(&self, size: u64) -> Result<(), TreeError> {
        let tree_size = self.size();
        if size > tree_size {
            return Err(TreeError::SizeBeyondTree { size, tree_size });
        }
        Ok(())
    }

    /// The Merkle tree hash of leaves `[start, end)`.
    ///
    /// The callers only pass ranges that are nodes of the RFC 6962 recursion:
    /// `start` is a multiple of a power of two at least `end - start`, and
    /// `end` is within the tree. Such a range splits into perfect subtrees
    /// whose sizes are the set bits of its width, largest first, each of them
    /// stored. Folding them from the right, smallest first, gives its hash.
    fn range_hash(&self, start: u64, end: u64) -> Hash {
        let mut remaining = end - start;
        let mut acc: Option<Hash> = None;
        while remaining > 0 {
            let low_bit = remaining & remaining.wrapping_neg();
            let level = low_bit.trailing_zeros() as usize;
            let first_leaf = start + remaining - low_bit;
            let piece = self.levels[level][(first_leaf >> level) as usize];
            acc = Some(match acc {
                None => piece,
                Some(right) => node_hash(&piece, &right),
            });
            remaining -= low_bit;
        }
        acc.unwrap_or(EMPTY_ROOT)
    }
}

/// The size of the left subtree when RFC 6962 splits `width` leaves: the
/// largest power of two strictly less than `width` (which is at least 2).
fn split_point(width: u64) -> u64 {
    1 << (63 - (width - 1).leading_zeros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_point_is_largest_power_of_two_below() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(8), 4);
        assert_eq!(split_point(9), 8);
        assert_eq!(split_point(u64::MAX), 1 << 63);
    }

    #[test]
    fn empty_tree_has_empty_root_and_no_proofs() {
        let tree = Tree::new();
        assert_eq!(tree.size(), 0);
        assert_eq!(tree.root(), EMPTY_ROOT);
        assert_eq!(tree.root_at(0), Ok(EMPTY_ROOT));
        assert_eq!(
            tree.root_at(1),
            Err(TreeError::SizeBeyondTree {
                size: 1,
                tree_size: 0
            })
        );
        assert!(tree.inclusion_proof(0, 0).is_err());
        assert!(tree.consistency_proof(0, 0).is_err());
    }

    #[test]
    fn with_capacity_behaves_like_new() {
        let mut a = Tree::new();
        let mut b = Tree::with_capacity(5);
        for i in 0..5u8 {
            a.push([i; 32]);
            b.push([i; 32]);
        }
        assert_eq!(a.root(), b.root());
        assert_eq!(a.inclusion_proof(3, 5), b.inclusion_proof(3, 5));
    }

    #[test]
    fn bad_ranges_are_refused() {
        let mut tree = Tree::new();
        for i in 0..4u8 {
            tree.push([i; 32]);
        }
        assert_eq!(
            tree.inclusion_proof(4, 4),
            Err(TreeError::IndexOutOfRange { index: 4, size: 4 })
        );
        assert_eq!(
            tree.consistency_proof(3, 2),
            Err(TreeError::BadRange { from: 3, to: 2 })
        );
        assert_eq!(
            tree.consistency_proof(0, 2),
            Err(TreeError::BadRange { from: 0, to: 2 })
        );
        assert_eq!(tree.consistency_proof(2, 2), Ok(Vec::new()));
        assert!(tree.consistency_proof(2, 5).is_err());
        assert_eq!(tree.leaf(3), Some([3; 32]));
        assert_eq!(tree.leaf(4), None);
    }
}
