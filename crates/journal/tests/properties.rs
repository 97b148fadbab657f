//! Properties that must hold for every tree and every checkpoint, checked on
//! random ones: the tree agrees with the RFC's recursive definition, every
//! proof it makes verifies, any flipped bit breaks a proof, and any changed
//! byte breaks a signed checkpoint.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ed25519_dalek::SigningKey;
use govops_journal::{
    Checkpoint, EMPTY_ROOT, Hash, NoteSigner, Tree, leaf_hash, node_hash, open_checkpoint, root_of,
    verify_consistency, verify_inclusion,
};
use proptest::prelude::*;

/// MTH(D[n]) exactly as RFC 6962 §2.1 defines it, recursively: the model the
/// tree is checked against.
fn naive_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => EMPTY_ROOT,
        1 => leaves[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            node_hash(&naive_root(&leaves[..k]), &naive_root(&leaves[k..]))
        }
    }
}

fn leaves(seed: u64, n: u64) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(&[seed.to_be_bytes(), i.to_be_bytes()].concat()))
        .collect()
}

fn tree_of(leaves: &[Hash]) -> Tree {
    let mut tree = Tree::new();
    for leaf in leaves {
        tree.push(*leaf);
    }
    tree
}

fn flip(hash: &mut Hash, bit: usize) {
    hash[bit / 8 % 32] ^= 1 << (bit % 8);
}

#[test]
fn naive_root_splits_at_largest_power_of_two_below() {
    let l = leaves(0, 5);
    let want = node_hash(
        &node_hash(&node_hash(&l[0], &l[1]), &node_hash(&l[2], &l[3])),
        &l[4],
    );
    assert_eq!(naive_root(&l), want);
    assert_eq!(naive_root(&l[..2]), node_hash(&l[0], &l[1]));
}

#[test]
fn every_proof_of_small_trees_verifies() {
    // Exhaustive over all sizes, indices and size pairs up to 33 leaves: the
    // shapes where off-by-one errors live.
    let l = leaves(7, 33);
    let tree = tree_of(&l);
    for size in 1..=33u64 {
        let root = tree.root_at(size).unwrap();
        assert_eq!(root, naive_root(&l[..size as usize]));
        for index in 0..size {
            let proof = tree.inclusion_proof(index, size).unwrap();
            verify_inclusion(index, size, &l[index as usize], &proof, &root).unwrap();
        }
        for from in 1..=size {
            let proof = tree.consistency_proof(from, size).unwrap();
            let old = tree.root_at(from).unwrap();
            verify_consistency(from, size, &proof, &old, &root).unwrap();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn roots_match_the_recursive_definition(
        seed in any::<u64>(),
        n in 0u64..700,
        picks in prop::collection::vec(any::<prop::sample::Index>(), 4),
    ) {
        let l = leaves(seed, n);
        let tree = tree_of(&l);
        prop_assert_eq!(tree.size(), n);
        prop_assert_eq!(tree.root(), naive_root(&l));
        prop_assert_eq!(root_of(l.iter().copied()), naive_root(&l));
        for pick in picks {
            let size = pick.index(n as usize + 1);
            prop_assert_eq!(tree.root_at(size as u64).unwrap(), naive_root(&l[..size]));
        }
        prop_assert!(tree.root_at(n + 1).is_err());
    }

    #[test]
    fn inclusion_proofs_verify_and_flipped_bits_fail(
        seed in any::<u64>(),
        n in 1u64..2000,
        index in any::<prop::sample::Index>(),
        size in any::<prop::sample::Index>(),
        bit in 0usize..256,
        element in any::<prop::sample::Index>(),
    ) {
        let l = leaves(seed, n);
        let tree = tree_of(&l);
        let size = size.index(n as usize) as u64 + 1;
        let index = index.index(size as usize) as u64;
        let root = tree.root_at(size).unwrap();
        let leaf = l[index as usize];
        let proof = tree.inclusion_proof(index, size).unwrap();
        prop_assert_eq!(verify_inclusion(index, size, &leaf, &proof, &root), Ok(()));

        let mut bad_leaf = leaf;
        flip(&mut bad_leaf, bit);
        prop_assert!(verify_inclusion(index, size, &bad_leaf, &proof, &root).is_err());
        let mut bad_root = root;
        flip(&mut bad_root, bit);
        prop_assert!(verify_inclusion(index, size, &leaf, &proof, &bad_root).is_err());
        if !proof.is_empty() {
            let mut bad_proof = proof.clone();
            flip(&mut bad_proof[element.index(proof.len())], bit);
            prop_assert!(verify_inclusion(index, size, &leaf, &bad_proof, &root).is_err());
            prop_assert!(verify_inclusion(index, size, &leaf, &proof[1..], &root).is_err());
        }
        let mut longer = proof.clone();
        longer.push(root);
        prop_assert!(verify_inclusion(index, size, &leaf, &longer, &root).is_err());
        if index + 1 < size {
            prop_assert!(verify_inclusion(index + 1, size, &leaf, &proof, &root).is_err());
        }
    }

    #[test]
    fn consistency_proofs_verify_and_flipped_bits_fail(
        seed in any::<u64>(),
        n in 1u64..2000,
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
        bit in 0usize..256,
        element in any::<prop::sample::Index>(),
    ) {
        let l = leaves(seed, n);
        let tree = tree_of(&l);
        let (x, y) = (a.index(n as usize) as u64 + 1, b.index(n as usize) as u64 + 1);
        let (from, to) = (x.min(y), x.max(y));
        let (old, new) = (tree.root_at(from).unwrap(), tree.root_at(to).unwrap());
        let proof = tree.consistency_proof(from, to).unwrap();
        prop_assert_eq!(verify_consistency(from, to, &proof, &old, &new), Ok(()));

        let mut bad_old = old;
        flip(&mut bad_old, bit);
        prop_assert!(verify_consistency(from, to, &proof, &bad_old, &new).is_err());
        let mut bad_new = new;
        flip(&mut bad_new, bit);
        prop_assert!(verify_consistency(from, to, &proof, &old, &bad_new).is_err());
        if !proof.is_empty() {
            let mut bad_proof = proof.clone();
            flip(&mut bad_proof[element.index(proof.len())], bit);
            prop_assert!(verify_consistency(from, to, &proof[1..], &old, &new).is_err());
            prop_assert!(verify_consistency(from, to, &bad_proof, &old, &new).is_err());
        }
        // A tree that is not a prefix: the same sizes over different leaves.
        if from < to {
            let other = tree_of(&leaves(seed ^ 1, n));
            let other_new = other.root_at(to).unwrap();
            prop_assert!(verify_consistency(from, to, &proof, &old, &other_new).is_err());
        }
    }

    #[test]
    fn checkpoints_round_trip_and_any_changed_byte_fails(
        origin in "[a-z0-9.-]{1,20}(/[a-z0-9._-]{1,12}){0,2}",
        size in any::<u64>(),
        root in any::<[u8; 32]>(),
        seed in any::<[u8; 32]>(),
        delta in 1u8..128,
    ) {
        let signer = NoteSigner::new(origin.clone(), SigningKey::from_bytes(&seed)).unwrap();
        let checkpoint = Checkpoint::new(origin, size, root);
        let note = signer.sign(&checkpoint).unwrap();
        let trusted = [signer.verifier()];
        prop_assert_eq!(open_checkpoint(&note, &trusted), Ok(checkpoint));

        // Change each byte in turn; XOR with a value below 0x80 keeps ASCII
        // bytes ASCII. A change that breaks UTF-8 cannot even reach the
        // parser as text; every other change must be refused.
        let mut checked = 0;
        for at in 0..note.len() {
            let mut bytes = note.clone().into_bytes();
            bytes[at] ^= delta;
            if let Ok(tampered) = String::from_utf8(bytes) {
                prop_assert!(
                    open_checkpoint(&tampered, &trusted).is_err(),
                    "byte {} changed and still accepted:\n{}", at, tampered
                );
                checked += 1;
            }
        }
        prop_assert!(checked > note.len() / 2);
    }
}
