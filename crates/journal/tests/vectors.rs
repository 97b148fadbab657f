//! The shared RFC 6962 vectors: every inclusion and consistency probe of
//! transparency-dev/merkle must get the same verdict here as in the Go
//! library, and the reference roots must come out of the tree.
//!
//! The vectors live in the repository's `vectors/` (or wherever
//! `GOVOPS_VECTORS` points). A missing folder fails the test rather than
//! skipping it, so a broken checkout cannot pass silently.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use govops_journal::{Hash, Tree, leaf_hash, root_of, verify_consistency, verify_inclusion};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    let dir = match std::env::var_os("GOVOPS_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors"),
    };
    assert!(
        dir.join("rfc6962").is_dir(),
        "RFC 6962 test vectors not found at {}: the repository's vectors/ folder is missing; restore it \
         or set GOVOPS_VECTORS to the folder that holds rfc6962/",
        dir.join("rfc6962").display()
    );
    dir.join("rfc6962")
}

/// All `.json` files under `dir`, recursively, in a stable order.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries =
            fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "json") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn load(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: bad JSON: {e}", path.display()))
}

fn bytes(probe: &Value, field: &str) -> Vec<u8> {
    let text = probe[field]
        .as_str()
        .unwrap_or_else(|| panic!("field {field} is not a string"));
    STANDARD.decode(text).unwrap()
}

fn number(probe: &Value, field: &str) -> u64 {
    probe[field]
        .as_u64()
        .unwrap_or_else(|| panic!("field {field} is not a number"))
}

/// A `null` proof is the empty proof, as Go's JSON decoding makes it.
fn proof(probe: &Value) -> Vec<Vec<u8>> {
    match &probe["proof"] {
        Value::Null => Vec::new(),
        Value::Array(items) => items
            .iter()
            .map(|item| STANDARD.decode(item.as_str().unwrap()).unwrap())
            .collect(),
        other => panic!("proof is neither null nor an array: {other}"),
    }
}

struct Reference {
    leaves: Vec<Vec<u8>>,
    leaf_hashes: Vec<Hash>,
    roots: Vec<Hash>,
}

fn hash_from_hex(text: &str) -> Hash {
    hex::decode(text).unwrap().try_into().unwrap()
}

fn reference(dir: &Path) -> Reference {
    let file = load(&dir.join("reference_roots.json"));
    let leaves = file["leaves_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|leaf| hex::decode(leaf.as_str().unwrap()).unwrap())
        .collect();
    let leaf_hashes = file["leaf_hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| hash_from_hex(h.as_str().unwrap()))
        .collect();
    let roots = (0..=8)
        .map(|n: u64| hash_from_hex(file["roots"][n.to_string()].as_str().unwrap()))
        .collect();
    Reference {
        leaves,
        leaf_hashes,
        roots,
    }
}

fn reference_tree(reference: &Reference) -> Tree {
    let mut tree = Tree::new();
    for leaf in &reference.leaves {
        tree.push(leaf_hash(leaf));
    }
    tree
}

#[test]
fn reference_roots_come_out_of_the_tree() {
    let reference = reference(&vectors_dir());
    assert_eq!(reference.leaves.len(), 8);
    let tree = reference_tree(&reference);
    for (n, want) in reference.roots.iter().enumerate() {
        let size = n as u64;
        assert_eq!(
            leaf_hash(&reference.leaves[n.min(7)]),
            reference.leaf_hashes[n.min(7)]
        );
        assert_eq!(tree.root_at(size).unwrap(), *want, "root_at({size})");
        let streamed = root_of(reference.leaves[..n].iter().map(|leaf| leaf_hash(leaf)));
        assert_eq!(streamed, *want, "root_of first {size} leaves");
    }
    assert_eq!(tree.root(), reference.roots[8]);
}

#[test]
fn proof_probes_get_the_go_verdict() {
    let dir = vectors_dir();
    let reference = reference(&dir);
    let tree = reference_tree(&reference);
    let mut failures = Vec::new();
    let mut processed = 0;
    let mut matched_proofs = 0;

    let inclusion = json_files(&dir.join("testdata/inclusion"));
    assert!(!inclusion.is_empty(), "no inclusion vectors found");
    for path in &inclusion {
        let probe = load(path);
        let (index, size) = (number(&probe, "leafIdx"), number(&probe, "treeSize"));
        let (leaf, root) = (bytes(&probe, "leafHash"), bytes(&probe, "root"));
        let proof = proof(&probe);
        let result = verify_inclusion(index, size, &leaf, &proof, &root);
        let want_err = probe["wantErr"].as_bool().unwrap();
        if result.is_ok() == want_err {
            failures.push(format!(
                "{}: got {result:?}, wantErr {want_err}",
                path.display()
            ));
        }
        // Each valid proof over the reference tree must be exactly the one
        // our tree produces: same hashes, same order.
        if !want_err && size <= 8 && root == reference.roots[size as usize] {
            let ours: Vec<Vec<u8>> = tree
                .inclusion_proof(index, size)
                .unwrap()
                .iter()
                .map(|h| h.to_vec())
                .collect();
            assert_eq!(ours, proof, "{}: our proof differs", path.display());
            matched_proofs += 1;
        }
        processed += 1;
    }

    let consistency = json_files(&dir.join("testdata/consistency"));
    assert!(!consistency.is_empty(), "no consistency vectors found");
    for path in &consistency {
        let probe = load(path);
        let (size1, size2) = (number(&probe, "size1"), number(&probe, "size2"));
        let (root1, root2) = (bytes(&probe, "root1"), bytes(&probe, "root2"));
        let proof = proof(&probe);
        let result = verify_consistency(size1, size2, &proof, &root1, &root2);
        let want_err = probe["wantErr"].as_bool().unwrap();
        if result.is_ok() == want_err {
            failures.push(format!(
                "{}: got {result:?}, wantErr {want_err}",
                path.display()
            ));
        }
        if !want_err && size2 <= 8 && root2 == reference.roots[size2 as usize] {
            let ours: Vec<Vec<u8>> = tree
                .consistency_proof(size1, size2)
                .unwrap()
                .iter()
                .map(|h| h.to_vec())
                .collect();
            assert_eq!(ours, proof, "{}: our proof differs", path.display());
            matched_proofs += 1;
        }
        processed += 1;
    }

    assert!(
        failures.is_empty(),
        "{} of {processed} probes disagree with Go:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        processed > 100,
        "only {processed} probe files were found; the vectors folder is incomplete"
    );
    assert!(
        matched_proofs >= 8,
        "only {matched_proofs} happy-path proofs were compared with ours"
    );
}
