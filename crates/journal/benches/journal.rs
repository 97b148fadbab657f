//! Throughput of the journal's hot paths, against the targets in BENCHMARKS.md:
//! append + integrate ≥ 100,000 entries/s, full verification of a log from
//! its entry bytes ≥ 1,000,000 entries/s, and inclusion proofs on a
//! 10-million-leaf tree ≥ 100,000 proofs/s.
//!
//! Run with `cargo bench -p govops-journal`. Samples are few and short so the
//! whole run, including building the 10M-leaf tree once, fits in about a
//! minute on two cores.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use govops_journal::{Tree, leaf_hash, root_of, verify_inclusion};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A journal entry of realistic size (112 to 117 bytes of JSON).
fn entry(seq: u64) -> Vec<u8> {
    format!(
        "{{\"seq\":{seq},\"kind\":\"case.submitted\",\"case\":\"SFS-2026-{seq:06}\",\
         \"actor\":\"official-17\",\"at\":\"2026-01-01T00:00:00.000Z\"}}"
    )
    .into_bytes()
}

fn entries(n: u64) -> Vec<Vec<u8>> {
    (0..n).map(entry).collect()
}

fn append_and_integrate(c: &mut Criterion) {
    const N: u64 = 100_000;
    let data = entries(N);
    let mut group = c.benchmark_group("append");
    group.throughput(Throughput::Elements(N));
    group.bench_function("leaf_hash+push+root/100k", |b| {
        b.iter(|| {
            let mut tree = Tree::new();
            for e in &data {
                tree.push(leaf_hash(e));
            }
            black_box(tree.root())
        });
    });
    group.finish();
}

fn full_verify(c: &mut Criterion) {
    const N: u64 = 1_000_000;
    let data = entries(N);
    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Elements(N));
    group.bench_function("leaf_hash+root_of/1M", |b| {
        b.iter(|| black_box(root_of(data.iter().map(|e| leaf_hash(e)))));
    });
    group.finish();
}

fn proofs_on_big_tree(c: &mut Criterion) {
    const SIZE: u64 = 10_000_000;
    const BATCH: u64 = 1_000;
    let mut tree = Tree::with_capacity(SIZE as usize);
    for i in 0..SIZE {
        tree.push(leaf_hash(&i.to_be_bytes()));
    }
    let root = tree.root();
    let mut rng = StdRng::seed_from_u64(6962);

    let mut group = c.benchmark_group("proofs_10M");
    group.throughput(Throughput::Elements(BATCH));
    group.bench_function("inclusion_proof", |b| {
        b.iter_batched(
            || {
                (0..BATCH)
                    .map(|_| rng.gen_range(0..SIZE))
                    .collect::<Vec<_>>()
            },
            |indices| {
                for index in indices {
                    black_box(tree.inclusion_proof(index, SIZE).unwrap());
                }
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function("inclusion_proof+verify", |b| {
        b.iter_batched(
            || {
                (0..BATCH)
                    .map(|_| rng.gen_range(0..SIZE))
                    .collect::<Vec<_>>()
            },
            |indices| {
                for index in indices {
                    let proof = tree.inclusion_proof(index, SIZE).unwrap();
                    let leaf = tree.leaf(index).unwrap();
                    verify_inclusion(index, SIZE, &leaf, &proof, &root).unwrap();
                }
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function("consistency_proof", |b| {
        b.iter_batched(
            || {
                (0..BATCH)
                    .map(|_| rng.gen_range(1..SIZE))
                    .collect::<Vec<_>>()
            },
            |sizes| {
                for from in sizes {
                    black_box(tree.consistency_proof(from, SIZE).unwrap());
                }
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = append_and_integrate, full_verify, proofs_on_big_tree
}
criterion_main!(benches);
