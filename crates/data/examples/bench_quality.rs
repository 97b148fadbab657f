//! Benchmark: generate a CSV of N rows × 12 columns with about 5 % defects,
//! then stream it through ingest, profiling and 20 quality rules, and report
//! rows per second and peak memory (VmHWM).
//!
//! `cargo run --release -p govops-data --example bench_quality -- [rows] [dir] [parquet]`
//!
//! With `GOVOPS_BENCH_JSON=path` the full profile and report are written
//! there as JSON (to compare results before and after a change).
//!
//! The batches go through `govops_data::scan`, as the platform's uploads
//! do: the reading thread and one helper per further core share the
//! profiled columns and the rules (`THREADS=n` sets the thread count; the
//! default is one per core).

mod bench_setup;

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::time::Instant;

use govops_data::DataError;
use govops_data::cell::{civil_from_days, days_from_civil};
use govops_data::ingest::{CsvOptions, CsvReader, read_parquet, write_parquet};
use govops_data::profile::Profiler;
use govops_data::quality::QualityRun;
use govops_data::scan::{default_threads, scan};
use govops_ids::{CreditCode, ResidentId};

const STATUS: [&str; 3] = ["active", "closed", "suspended"];
const NAMES: [&str; 8] = [
    "张伟", "王芳", "李娜", "刘敏", "陈静", "杨洋", "赵磊", "黄强",
];

fn generate(path: &std::path::Path, rows: u64) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    writeln!(
        out,
        "resident_id,credit_code,name,phone,email,birth_date,register_date,age,status,district,income,address"
    )?;
    let org = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    for i in 0..rows {
        // Defect selector: 13 defect kinds (d = 1..=13) out of 260 values,
        // so 5 % of rows carry exactly one defect.
        let d = i % 260;
        // Region × birth date × sequence number make every ID distinct up to 131M rows.
        let birth_day = days_from_civil(1950, 1, 1) + (i % 21_900) as i32;
        let (y, m, day) = civil_from_days(birth_day);
        let (m, day) = (m as u8, day as u8);
        let region = bench_setup::DISTRICTS[((i / 21_900) % 6) as usize]
            .parse()
            .unwrap_or(110101);
        let mut id = ResidentId::from_parts(region, (y, m, day), ((i / 131_400) % 999) as u16 + 1)
            .map(|r| r.to_string())
            .unwrap_or_default();
        if d == 1 {
            let last = if id.ends_with('0') { '1' } else { '0' };
            id.pop();
            id.push(last);
        }
        if d == 2 {
            id.clear();
        }
        let mut prefix = String::from("91110108");
        let mut n = i;
        for _ in 0..9 {
            prefix.push(org[(n % 31) as usize] as char);
            n /= 31;
        }
        let mut credit = CreditCode::from_parts(&prefix)
            .map(|c| c.to_string())
            .unwrap_or_default();
        if d == 3 {
            let last = if credit.ends_with('0') { '1' } else { '0' };
            credit.pop();
            credit.push(last);
        }
        let name = if d == 4 { "" } else { NAMES[(i % 8) as usize] };
        let phone = match d {
            5 => String::new(),
            6 => format!("12{:09}", i % 1_000_000_000),
            _ => format!("1{}{:09}", 3 + i % 7, i % 1_000_000_000),
        };
        let email = if d == 7 {
            format!("user{i}example.cn")
        } else {
            format!("user{i}@example.cn")
        };
        let birth = if d == 8 {
            format!("{y}/{m}/{day}")
        } else {
            format!("{y:04}-{m:02}-{day:02}")
        };
        let register = if d == 9 {
            "1900-01-01".to_owned()
        } else {
            format!("2024-{:02}-{:02}", 1 + i % 6, 1 + i % 28)
        };
        let age = if d == 10 { 200 } else { 2024 - i64::from(y) };
        let status = if d == 11 {
            "unknown"
        } else {
            STATUS[(i % 3) as usize]
        };
        let district = if d == 12 {
            "999999"
        } else {
            bench_setup::DISTRICTS[(i % 6) as usize]
        };
        let income = if d == 13 {
            -1.0
        } else {
            1000.0 + (i % 50_000) as f64 * 1.5
        };
        let address = format!("北京市海淀区中关村大街{}号", i % 500);
        writeln!(
            out,
            "{id},{credit},{name},{phone},{email},{birth},{register},{age},{status},{district},{income},{address}"
        )?;
    }
    out.flush()
}

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rows: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000_000);
    let dir = args
        .next()
        .map_or_else(std::env::temp_dir, std::path::PathBuf::from);
    let path = dir.join(format!("govops_bench_{rows}.csv"));
    if !path.exists() {
        let t = Instant::now();
        generate(&path, rows)?;
        eprintln!(
            "generated {} in {:.1}s",
            path.display(),
            t.elapsed().as_secs_f64()
        );
    }
    let size = std::fs::metadata(&path)?.len();

    let (rules, refs, now) = bench_setup::rules_and_references()?;

    // `parquet` as the third argument: the dataset as the platform stores it
    // (written once from the CSV, like an upload), read back and checked
    // as a re-run of the rules on a stored version does.
    let parquet = args.next().as_deref() == Some("parquet");
    let mut csv = None;
    let source: Box<dyn Iterator<Item = Result<arrow_array::RecordBatch, DataError>> + Send + '_>;
    let start;
    let schema;
    if parquet {
        let stored = dir.join(format!("govops_bench_{rows}.parquet"));
        if !stored.exists() {
            let t = Instant::now();
            let mut reader =
                CsvReader::new(BufReader::new(File::open(&path)?), CsvOptions::default())?;
            let schema = reader.schema();
            let batches = std::iter::from_fn(|| reader.next_batch().transpose());
            write_parquet(BufWriter::new(File::create(&stored)?), schema, batches)?;
            eprintln!(
                "stored {} in {:.1}s",
                stored.display(),
                t.elapsed().as_secs_f64()
            );
        }
        start = Instant::now();
        let (s, batches) = read_parquet(File::open(&stored)?, 16_384)?;
        schema = s;
        source = Box::new(batches);
    } else {
        start = Instant::now();
        let reader = csv.insert(CsvReader::new(
            BufReader::new(File::open(&path)?),
            CsvOptions::default(),
        )?);
        schema = reader.schema();
        source = Box::new(reader.by_ref());
    }
    let threads = std::env::var("THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(default_threads);
    let mut profiler = Profiler::new(&schema);
    let mut run = QualityRun::new(&rules, &schema, &refs, now).map_err(|e| format!("{e:?}"))?;
    let consumed = scan(
        threads,
        Some(&mut profiler),
        Some(&mut run),
        source,
        |batches| {
            // The platform writes each batch to Parquet here; the bench only
            // takes them.
            for b in batches {
                b?;
            }
            Ok::<_, DataError>(())
        },
    );
    consumed?;
    let (report, profile) = (run.finish(), profiler.finish());
    let secs = start.elapsed().as_secs_f64();
    let bad = csv.as_ref().map_or(0, |r| r.bad_rows().len());

    #[allow(clippy::cast_precision_loss)]
    let rate = report.rows as f64 / secs;
    println!(
        "file: {} ({:.0} MiB){}, rows {}, bad rows {bad}",
        path.display(),
        size as f64 / 1_048_576.0,
        if parquet {
            ", read from its Parquet copy"
        } else {
            ""
        },
        report.rows
    );
    println!(
        "ingest + profile + {} rules: {secs:.2}s, {:.2}M rows/s, {:.0} MiB/s",
        report.rules.len(),
        rate / 1e6,
        size as f64 / 1_048_576.0 / secs
    );
    println!(
        "peak memory (VmHWM): {} MiB",
        peak_memory_kib().unwrap_or(0) / 1024
    );
    println!("score: {:.2}", report.score);
    for d in &report.dimensions {
        println!("  {:<13} {:.2}", d.dimension.to_string(), d.score);
    }
    println!("failing counts:");
    for r in &report.rules {
        println!("  {:<24} {:>10}", r.id, r.failed);
    }
    // The whole profile and report, for checking that a change keeps the
    // results identical: GOVOPS_BENCH_JSON=out.json.
    if let Some(out) = std::env::var_os("GOVOPS_BENCH_JSON") {
        let all = serde_json::json!({ "profile": profile, "report": report, "bad_rows": bad });
        std::fs::write(out, serde_json::to_string_pretty(&all)?)?;
    }
    for c in &profile.columns {
        println!(
            "  profile {:<14} {:<8} nulls {:>8} distinct {:>9}{} semantic {:?}",
            c.name,
            c.data_type,
            c.nulls,
            c.distinct,
            if c.distinct_exact { "" } else { "~" },
            c.semantic.map(|m| m.kind)
        );
    }
    Ok(())
}
