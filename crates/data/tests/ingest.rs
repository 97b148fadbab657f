//! CSV ingest: bad rows are reported with row, line and column and skipped or
//! refused; GB18030 is decoded; schemas are inferred or overridden; Parquet
//! round-trips.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Cursor;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_schema::{DataType, Field, Schema};
use govops_data::DataError;
use govops_data::ingest::{
    BadRowKind, CsvOptions, CsvReader, Encoding, OnBadRow, read_parquet, write_parquet,
};

fn read(
    text: &[u8],
    options: CsvOptions,
) -> (
    Vec<arrow_array::RecordBatch>,
    Vec<govops_data::ingest::BadRow>,
) {
    let mut r =
        CsvReader::new(Cursor::new(text.to_vec()), options).unwrap_or_else(|e| panic!("{e}"));
    let batches = r
        .by_ref()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{e}"));
    (batches, r.bad_rows().to_vec())
}

const MESSY: &[u8] = b"id,name,age\n1,a,30\n2,b\n3,c\"x,40\n4,d,forty\n5,\xff\xfe,50\n6,f,60\n";

#[test]
fn bad_rows_are_skipped_and_reported_with_row_and_column() {
    // Inference from the first row only, so `forty` meets an integer column.
    let (batches, bad) = read(
        MESSY,
        CsvOptions {
            encoding: Encoding::Utf8,
            infer_rows: 1,
            ..CsvOptions::default()
        },
    );
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 2);
    let summary: Vec<(u64, u64, Option<usize>)> =
        bad.iter().map(|b| (b.row, b.line, b.column)).collect();
    assert_eq!(
        summary,
        [
            (2, 3, Some(3)),
            (3, 4, Some(2)),
            (4, 5, Some(3)),
            (5, 6, Some(2))
        ]
    );
    assert_eq!(
        bad[0].kind,
        BadRowKind::FieldCount {
            expected: 3,
            found: 2
        }
    );
    assert_eq!(bad[1].kind, BadRowKind::StrayQuote);
    assert!(matches!(&bad[2].kind, BadRowKind::BadValue { value, .. } if value == "forty"));
    assert_eq!(bad[3].kind, BadRowKind::Encoding);
    assert_eq!(bad[2].column_name.as_deref(), Some("age"));
    assert!(
        bad[2]
            .to_string()
            .contains("row 4 (line 5), column 3 \"age\"")
    );
}

#[test]
fn refusing_stops_at_the_first_bad_row() {
    let r = CsvReader::new(
        Cursor::new(MESSY.to_vec()),
        CsvOptions {
            on_bad_row: OnBadRow::Refuse,
            encoding: Encoding::Utf8,
            ..CsvOptions::default()
        },
    );
    match r {
        Err(DataError::BadRow(b)) => assert_eq!((b.row, b.column), (2, Some(3))),
        other => panic!("expected a refusal, got {:?}", other.map(|r| r.schema())),
    }
}

#[test]
fn gb18030_is_detected_and_decoded() {
    let (bytes, _, _) = encoding_rs::GB18030.encode("姓名,地址\n张三,北京市海淀区\n李四,上海市\n");
    let mut r = CsvReader::new(Cursor::new(bytes.into_owned()), CsvOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.encoding(), Encoding::Gb18030);
    assert_eq!(r.schema().field(0).name(), "姓名");
    let batch = r
        .next_batch()
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("a batch"));
    assert_eq!(batch.column(1).as_string::<i32>().value(0), "北京市海淀区");
}

#[test]
fn schema_is_inferred_and_can_be_overridden() {
    let text = b"\xEF\xBB\xBFcode,n,when,ok\n0101,1,2024-01-02,true\n0102,2,2024-01-03,false\n";
    let r = CsvReader::new(Cursor::new(text.to_vec()), CsvOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let types: Vec<DataType> = r
        .schema()
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    assert_eq!(
        types,
        [
            DataType::Utf8,
            DataType::Int64,
            DataType::Date32,
            DataType::Boolean
        ]
    );
    assert_eq!(r.schema().field(0).name(), "code");

    let schema = Arc::new(Schema::new(vec![
        Field::new("code", DataType::Utf8, true),
        Field::new("n", DataType::Float64, true),
        Field::new("when", DataType::Utf8, true),
        Field::new("ok", DataType::Utf8, true),
    ]));
    let (batches, bad) = read(
        text,
        CsvOptions {
            schema: Some(schema),
            ..CsvOptions::default()
        },
    );
    assert!(bad.is_empty());
    assert_eq!(batches[0].column(1).data_type(), &DataType::Float64);
}

#[test]
fn batches_stream_at_the_requested_size_and_parquet_round_trips() {
    let mut text = String::from("a,b\n");
    for i in 0..1000 {
        text.push_str(&format!("{i},x{i}\n"));
    }
    let options = CsvOptions {
        batch_size: 300,
        infer_rows: 50,
        ..CsvOptions::default()
    };
    let (batches, _) = read(text.as_bytes(), options);
    let sizes: Vec<usize> = batches.iter().map(|b| b.num_rows()).collect();
    assert_eq!(sizes, [300, 300, 300, 100]);

    let schema = batches[0].schema();
    let mut file = Vec::new();
    let written = write_parquet(&mut file, schema, batches.into_iter().map(Ok)).unwrap_or_default();
    assert_eq!(written, 1000);
    let (schema, reader) =
        read_parquet(bytes::Bytes::from(file), 4096).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(schema.field(1).name(), "b");
    let back: Vec<_> = reader.collect::<Result<_, _>>().unwrap_or_default();
    assert_eq!(back.iter().map(|b| b.num_rows()).sum::<usize>(), 1000);
    assert_eq!(back[0].column(1).as_string::<i32>().value(999), "x999");
}
