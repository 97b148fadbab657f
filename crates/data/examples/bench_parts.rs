//! Times each stage of the data-quality bench alone on one thread, best of
//! several runs (less sensitive to other load than the pipeline's wall time).
//!
//! `cargo run --release -p govops-data --example bench_parts -- <csv> [runs]`
//!
//! A path ending in `.parquet` is read as a stored dataset instead (ingest is
//! then decoding Parquet).
//!
//! `PER_RULE=1` times the rules one by one instead (`RULE=<id>`: one rule).
//! `PER_COLUMN=1` also times profiling column by column (`ONLY=<index>`: one
//! column); `BATCH=<rows>` sets the batch size.

mod bench_setup;

use std::fs::File;
use std::io::BufReader;
use std::time::Instant;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use govops_data::ingest::{CsvOptions, CsvReader, read_parquet};
use govops_data::profile::Profiler;
use govops_data::quality::{QualityRun, References, RuleSet};

/// The default options, with `BATCH=<rows>` overriding the batch size.
fn options() -> CsvOptions {
    let mut o = CsvOptions::default();
    if let Some(n) = std::env::var("BATCH").ok().and_then(|v| v.parse().ok()) {
        o.batch_size = n;
    }
    o
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Every batch of the file at `path` (Parquet when it ends in `.parquet`,
/// else CSV), its schema, and the seconds reading took.
fn load(path: &str) -> Result<(Vec<RecordBatch>, SchemaRef, f64), Error> {
    let t = Instant::now();
    if path.ends_with(".parquet") {
        let (schema, stream) = read_parquet(File::open(path)?, options().batch_size)?;
        let batches = stream.collect::<Result<Vec<_>, _>>()?;
        return Ok((batches, schema, t.elapsed().as_secs_f64()));
    }
    let mut reader = CsvReader::new(BufReader::new(File::open(path)?), options())?;
    let batches = reader.by_ref().collect::<Result<Vec<_>, _>>()?;
    Ok((batches, reader.schema(), t.elapsed().as_secs_f64()))
}

/// Seconds `rules` take over `batches` on the current thread.
fn time_rules(
    rules: &RuleSet,
    schema: &SchemaRef,
    refs: &References,
    now: time::OffsetDateTime,
    batches: &[RecordBatch],
) -> Result<f64, String> {
    let t = Instant::now();
    let mut run = QualityRun::new(rules, schema, refs, now).map_err(|e| format!("{e:?}"))?;
    for b in batches {
        run.push_batch(b);
    }
    std::hint::black_box(run.finish());
    Ok(t.elapsed().as_secs_f64())
}

/// Seconds profiling `batches` takes on the current thread.
fn time_profile(schema: &SchemaRef, batches: &[RecordBatch]) -> f64 {
    let t = Instant::now();
    let mut p = Profiler::new(schema);
    for b in batches {
        p.push_batch(b);
    }
    std::hint::black_box(p.finish());
    t.elapsed().as_secs_f64()
}

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("csv path")?;
    let runs: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let (rules, refs, now) = bench_setup::rules_and_references()?;
    let (mut ingest, mut profile, mut check) = (f64::MAX, f64::MAX, f64::MAX);
    // With PER_RULE the stages are not timed as a whole.
    let whole = if std::env::var_os("PER_RULE").is_some() {
        0
    } else {
        runs
    };
    for _ in 0..whole {
        let (batches, schema, t) = pool.install(|| load(&path))?;
        ingest = ingest.min(t);
        profile = profile.min(pool.install(|| time_profile(&schema, &batches)));
        let t = pool.install(|| time_rules(&rules, &schema, &refs, now, &batches))?;
        check = check.min(t);
    }
    if whole > 0 {
        println!("ingest {ingest:.3}s profile {profile:.3}s rules {check:.3}s");
    }
    if std::env::var_os("PER_RULE").is_some() {
        let (batches, schema, _) = pool.install(|| load(&path))?;
        let only = std::env::var("RULE").ok();
        for rule in rules
            .rules
            .iter()
            .filter(|r| only.as_ref().is_none_or(|o| *o == r.id))
        {
            let one = RuleSet {
                rules: vec![rule.clone()],
            };
            let mut best = f64::MAX;
            for _ in 0..runs {
                best = best.min(pool.install(|| time_rules(&one, &schema, &refs, now, &batches))?);
            }
            println!("  rule {:<20} {:.4}s", rule.id, best);
        }
    }
    if std::env::var_os("PER_COLUMN").is_some() {
        let (batches, schema, _) = load(&path)?;
        let only: Option<usize> = std::env::var("ONLY").ok().and_then(|v| v.parse().ok());
        for c in (0..schema.fields().len()).filter(|c| only.is_none_or(|o| o == *c)) {
            let one: Vec<_> = batches
                .iter()
                .map(|b| b.project(&[c]))
                .collect::<Result<_, _>>()?;
            let s1 = std::sync::Arc::new(schema.project(&[c])?);
            let mut best = f64::MAX;
            for _ in 0..runs {
                best = best.min(pool.install(|| time_profile(&s1, &one)));
            }
            println!("  profile {:<14} {:.4}s", schema.field(c).name(), best);
        }
    }
    Ok(())
}
