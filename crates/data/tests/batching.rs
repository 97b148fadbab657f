//! Batch boundaries and parallelism must not change results: the same file
//! read in batches of very different sizes gives the same rows, the same bad
//! rows (in file order, with row, line and column), the same profile and the
//! same quality report, down to the sample rows and floating-point means.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Cursor;

use arrow_array::RecordBatch;
use govops_data::ingest::{BadRow, CsvOptions, CsvReader, Encoding, OnBadRow};
use govops_data::profile::profile_batches;
use govops_data::quality::{QualityRun, ReferenceSet, RuleSet};

const RULES: &str = include_str!("../bench/rules.toml");

/// A file like the benchmark's, small, with more than 10,000 distinct
/// values per identifier column (so the exact-count tables overflow), some
/// repeated IDs, and malformed rows of every kind.
fn messy_csv(rows: usize) -> Vec<u8> {
    let mut s = String::from(
        "resident_id,credit_code,name,phone,email,birth_date,register_date,age,status,district,income,address\n",
    );
    for i in 0..rows {
        let id = if i % 97 == 5 { 42 } else { i };
        // Special rows only after the inference sample, so types stay narrow.
        let kind = if i < 100 { 0 } else { i % 1_000 };
        let line = match kind {
            // Field count, stray quote, unclosed-looking quote pair, bad value, bad UTF-8 later.
            17 => "1,2,3\n".to_owned(),
            18 => format!("{i:018},x\"y,n,1,e,2000-01-01,2024-01-01,5,active,110101,1.5,addr\n"),
            19 => format!("{i:018},c,n,1,e,2000-01-01,2024-01-01,old,active,110101,1.5,addr\n"),
            20 => format!("{i:018},c,n,1,e,2000-01-01,2024-13-01,5,active,110101,x,addr\n"),
            21 => format!(
                "\"{i:018}\",\"c,d\",\"n\"\"q\",1,e,1999/1/2,2024-01-01,5,closed,110102,2,\"a\nb\"\n"
            ),
            22 => "\n".to_owned(),
            23 => format!("{i:018},c,n,1,e,2000-01-01,2024-01-01,5,active,110101,1.5,addr\r\n"),
            _ => format!(
                "{id:018},9111010{:011},张{},1{}{:09},user{i}@example.cn,{},2024-{:02}-{:02},{},{},{},{},北京市海淀区{}号\n",
                i % 7_919,
                ["伟", "芳", "", " "][i % 4],
                3 + i % 7,
                i,
                if i % 50 == 3 {
                    "1990/1/2".to_owned()
                } else {
                    format!("19{:02}-0{}-1{}", i % 100, 1 + i % 9, i % 10)
                },
                1 + i % 6,
                1 + i % 28,
                if i % 61 == 0 { 200 } else { i % 90 },
                ["active", "closed", "unknown", ""][i % 4],
                [110_101, 110_102, 999_999][i % 3],
                if i % 71 == 0 { -1.0 } else { i as f64 * 0.37 },
                i % 500,
            ),
        };
        s.push_str(&line);
    }
    let mut bytes = s.into_bytes();
    // An invalid UTF-8 byte in one field near the end.
    let at = bytes.len() - 40;
    let nl = bytes[..at].iter().rposition(|&b| b == b'\n').unwrap();
    bytes[nl + 3] = 0xff;
    bytes
}

fn read(bytes: &[u8], batch_size: usize) -> (Vec<RecordBatch>, Vec<BadRow>) {
    let mut r = CsvReader::new(
        Cursor::new(bytes.to_vec()),
        CsvOptions {
            batch_size,
            infer_rows: 50,
            encoding: Encoding::Utf8,
            ..CsvOptions::default()
        },
    )
    .unwrap();
    let batches = r.by_ref().collect::<Result<Vec<_>, _>>().unwrap();
    (batches, r.bad_rows().to_vec())
}

/// The bench's rules, the district reference set and the time they run at.
/// `rows` rows of [`messy_csv`] in batches of 100, and their schema.
fn batches_of_100(rows: usize) -> (Vec<RecordBatch>, arrow_schema::SchemaRef) {
    let (batches, _) = read(&messy_csv(rows), 100);
    let schema = batches[0].schema();
    (batches, schema)
}

fn setup() -> (RuleSet, HashMap<String, ReferenceSet>, time::OffsetDateTime) {
    let mut refs = HashMap::new();
    refs.insert(
        "districts".to_owned(),
        ReferenceSet::from_pairs(["110101", "110102"].iter().map(|d| (*d, None::<&str>))),
    );
    (
        RuleSet::parse(RULES).unwrap(),
        refs,
        time::macros::datetime!(2024-07-01 00:00 UTC),
    )
}

fn results(batches: &[RecordBatch]) -> String {
    let schema = batches[0].schema();
    let profile = profile_batches(&schema, batches);
    let (rules, refs, now) = setup();
    let mut run = QualityRun::new(&rules, &schema, &refs, now).unwrap();
    for b in batches {
        run.push_batch(b);
    }
    let report = run.finish();
    let mut out = serde_json::to_string_pretty(&profile).unwrap();
    write!(out, "{}", serde_json::to_string_pretty(&report).unwrap()).unwrap();
    out
}

#[test]
fn batch_size_changes_nothing() {
    let bytes = messy_csv(12_000);
    let (whole, bad_whole) = read(&bytes, 1 << 20);
    assert_eq!(whole.len(), 1);
    assert!(bad_whole.len() >= 40, "{}", bad_whole.len());
    for kind in ["FieldCount", "StrayQuote", "BadValue", "Encoding"] {
        assert!(
            bad_whole
                .iter()
                .any(|b| format!("{:?}", b.kind).starts_with(kind)),
            "{kind}"
        );
    }
    assert!(bad_whole.windows(2).all(|w| w[0].row < w[1].row));
    let expected = results(&whole);
    assert!(expected.contains("\"distinct_exact\": false"));
    for size in [1, 7, 999, 4_096] {
        let (batches, bad) = read(&bytes, size);
        assert_eq!(bad, bad_whole, "batch size {size}");
        let sizes: Vec<usize> = batches.iter().map(RecordBatch::num_rows).collect();
        let (last, full) = sizes.split_last().unwrap();
        assert!(full.iter().all(|&n| n == size) && *last <= size, "{size}");
        let one = arrow_select::concat::concat_batches(&whole[0].schema(), &batches).unwrap();
        assert_eq!(one, whole[0], "batch size {size}");
        assert_eq!(results(&batches), expected, "batch size {size}");
    }
}

/// `scan` on any number of threads gives what one thread pushing batch
/// after batch gives. Small batches mean many rebalancing meetings, so
/// columns and rules move between threads mid-stream.
#[test]
fn scanning_on_several_threads_changes_nothing() {
    let bytes = messy_csv(12_000);
    let (whole, _) = read(&bytes, 1 << 20);
    let expected = results(&whole);
    let schema = whole[0].schema();
    let (rules, refs, now) = setup();
    for (threads, size) in [(1, 999), (2, 7), (2, 4_096), (3, 31), (5, 1)] {
        let (batches, _) = read(&bytes, size);
        let mut profiler = govops_data::profile::Profiler::new(&schema);
        let mut run = QualityRun::new(&rules, &schema, &refs, now).unwrap();
        let stream = batches.iter().cloned().map(Ok::<_, String>);
        let seen =
            govops_data::scan::scan(threads, Some(&mut profiler), Some(&mut run), stream, |b| {
                b.map(|b| b.unwrap().num_rows()).sum::<usize>()
            });
        assert_eq!(seen, whole[0].num_rows(), "{threads} threads, batch {size}");
        let mut out = serde_json::to_string_pretty(&profiler.finish()).unwrap();
        write!(
            out,
            "{}",
            serde_json::to_string_pretty(&run.finish()).unwrap()
        )
        .unwrap();
        assert_eq!(out, expected, "{threads} threads, batch {size}");
    }
}

/// An error from the stream reaches the caller, and what came before it is
/// profiled and checked; a caller that stops early leaves the rest unread.
#[test]
fn scan_passes_errors_on_and_stops_where_the_caller_stops() {
    let (batches, schema) = batches_of_100(3_000);
    let (rules, refs, now) = setup();
    let mut run = QualityRun::new(&rules, &schema, &refs, now).unwrap();
    let stream = batches
        .iter()
        .take(5)
        .cloned()
        .map(Ok)
        .chain(std::iter::once(Err("disk gone")))
        .chain(batches.iter().skip(5).cloned().map(Ok));
    let got = govops_data::scan::scan(2, None, Some(&mut run), stream, |b| {
        b.collect::<Result<Vec<_>, _>>().map(|v| v.len())
    });
    assert_eq!(got, Err("disk gone"));
    assert_eq!(run.finish().rows, 500);
    let mut profiler = govops_data::profile::Profiler::new(&schema);
    let read_batches = std::sync::atomic::AtomicUsize::new(0);
    let stream = batches.iter().cloned().map(|b| {
        read_batches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok::<_, ()>(b)
    });
    govops_data::scan::scan(2, Some(&mut profiler), None, stream, |b| {
        b.take(3).for_each(drop);
    });
    assert_eq!(profiler.finish().rows, 300);
    assert_eq!(read_batches.into_inner(), 3);
}

/// Units that panic (here: a batch with fewer columns than the rules were
/// compiled for) stop the scan, and the panic reaches the caller on any
/// thread count.
#[test]
fn a_panic_in_a_unit_reaches_the_caller() {
    let (batches, schema) = batches_of_100(2_000);
    let (rules, refs, now) = setup();
    let short = batches[3].project(&[0]).unwrap();
    for threads in [1, 2, 3] {
        let mut run = QualityRun::new(&rules, &schema, &refs, now).unwrap();
        let stream = batches[..3]
            .iter()
            .cloned()
            .chain([short.clone()])
            .chain(batches[4..].iter().cloned())
            .map(Ok::<_, ()>);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            govops_data::scan::scan(threads, None, Some(&mut run), stream, |b| b.count())
        }));
        assert!(outcome.is_err(), "{threads} threads");
    }
}

#[test]
fn bad_rows_name_the_first_undecodable_then_the_first_unparsable_field() {
    let text = b"a,b,c\n1,2,3\n1,x,y\n\xff,x,\xfe\n4,5,6\n7,8\n9,10,z\n";
    for batch_size in [1, 2, 100] {
        let mut r = CsvReader::new(
            Cursor::new(text.to_vec()),
            CsvOptions {
                batch_size,
                infer_rows: 1,
                encoding: Encoding::Utf8,
                ..CsvOptions::default()
            },
        )
        .unwrap();
        let rows: usize = r.by_ref().map(|b| b.unwrap().num_rows()).sum();
        assert_eq!(rows, 2);
        let got: Vec<(u64, Option<usize>, String)> = r
            .bad_rows()
            .iter()
            .map(|b| (b.row, b.column, format!("{:?}", b.kind)))
            .collect();
        assert_eq!((got[0].0, got[0].1), (2, Some(2)));
        assert_eq!(
            (got[1].0, got[1].1, got[1].2.as_str()),
            (3, Some(1), "Encoding")
        );
        assert_eq!((got[2].0, got[2].1), (5, Some(3)));
        assert_eq!((got[3].0, got[3].1), (6, Some(3)));
        assert_eq!(got.len(), 4);
    }
    // Refusing: the bad value in row 2 comes before the short row 5, even
    // when both are in the same batch.
    let mut r = CsvReader::new(
        Cursor::new(text.to_vec()),
        CsvOptions {
            infer_rows: 1,
            on_bad_row: OnBadRow::Refuse,
            encoding: Encoding::Utf8,
            ..CsvOptions::default()
        },
    )
    .unwrap();
    match r.next_batch() {
        Err(govops_data::DataError::BadRow(b)) => assert_eq!((b.row, b.column), (2, Some(2))),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Lines without quotes go from the read buffer straight into the batch;
/// the same lines with a quoted field take the byte-by-byte reader. Both
/// must give the same rows and report short and long rows the same way.
#[test]
fn unquoted_and_quoted_lines_give_the_same_rows_and_bad_rows() {
    let lines = [
        "1,2,3",
        "4,5",
        "6,7,8,9",
        "",
        "10,11,12",
        ",,",
        "13",
        "14,15,16,17,18",
    ];
    let plain: String = lines.iter().map(|l| format!("{l}\n")).collect();
    // Quote the first field of every non-blank line (`"1",2,3`), and end
    // some lines with CRLF.
    let quoted: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| match (l.is_empty(), l.split_once(',')) {
            (true, _) => "\n".to_owned(),
            (_, Some((a, rest))) => format!("\"{a}\",{rest}{}", ["\n", "\r\n"][i % 2]),
            (_, None) => format!("\"{l}\"\n"),
        })
        .collect();
    let read_all = |body: &str, batch_size: usize, on_bad_row: OnBadRow| {
        let mut r = CsvReader::new(
            Cursor::new(format!("a,b,c\n{body}").into_bytes()),
            CsvOptions {
                batch_size,
                infer_rows: 1,
                encoding: Encoding::Utf8,
                on_bad_row,
                ..CsvOptions::default()
            },
        )
        .unwrap();
        let batches: Result<Vec<RecordBatch>, _> = r.by_ref().collect();
        (batches.map_err(|e| e.to_string()), r.bad_rows().to_vec())
    };
    for batch_size in [1, 2, 100] {
        let (rows, bad) = read_all(&plain, batch_size, OnBadRow::Skip);
        let rows = rows.unwrap();
        let got: Vec<(u64, u64, Option<usize>, String)> = bad
            .iter()
            .map(|b| (b.row, b.line, b.column, format!("{:?}", b.kind)))
            .collect();
        assert_eq!(
            got,
            [
                (
                    2,
                    3,
                    Some(3),
                    "FieldCount { expected: 3, found: 2 }".to_owned()
                ),
                (
                    3,
                    4,
                    Some(4),
                    "FieldCount { expected: 3, found: 4 }".to_owned()
                ),
                (
                    6,
                    8,
                    Some(2),
                    "FieldCount { expected: 3, found: 1 }".to_owned()
                ),
                (
                    7,
                    9,
                    Some(4),
                    "FieldCount { expected: 3, found: 5 }".to_owned()
                ),
            ],
            "batch size {batch_size}"
        );
        let total: usize = rows.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(total, 3);
        let (quoted_rows, quoted_bad) = read_all(&quoted, batch_size, OnBadRow::Skip);
        assert_eq!(quoted_bad, bad, "batch size {batch_size}");
        assert_eq!(quoted_rows.unwrap(), rows, "batch size {batch_size}");
        // Refusing stops at the short row either way.
        let (plain_refused, _) = read_all(&plain, batch_size, OnBadRow::Refuse);
        let (quoted_refused, _) = read_all(&quoted, batch_size, OnBadRow::Refuse);
        assert!(plain_refused.as_ref().is_err_and(|e| e.contains("row 2")));
        assert_eq!(plain_refused, quoted_refused);
    }
}
