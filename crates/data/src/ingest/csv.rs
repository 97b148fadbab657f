//! Streaming CSV ingest: header, sample-based schema inference, then Arrow
//! batches of a fixed size, with memory bounded by the buffer, the sample and
//! one batch whatever the file size.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::Read;
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch};
use arrow_schema::{Field, Schema, SchemaRef};
use arrow_select::concat::concat;
use arrow_select::filter::filter_record_batch;
use rayon::prelude::*;

use super::builder::{ColumnBuilder, Parsed};
use super::infer::infer_type;
use super::tokenizer::{RawRecord, Tokenizer, split_fields};
use super::{BadRow, BadRowKind, OnBadRow};
use crate::DataError;

/// The text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 when the first 64 KiB are valid UTF-8, GB18030 otherwise —
    /// what files saved by Excel on a Chinese Windows usually need.
    #[default]
    Auto,
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// GB18030 (a superset of GBK and GB2312).
    Gb18030,
}

/// How to read a CSV upload.
#[derive(Debug, Clone)]
pub struct CsvOptions {
    /// The field delimiter, `,` by default.
    pub delimiter: u8,
    /// The file's encoding.
    pub encoding: Encoding,
    /// Rows per Arrow batch. The default, 16,384, keeps a batch of a
    /// dozen columns within a few MiB, so that profiling and the rules
    /// read it while it is still in the cache after conversion (measured:
    /// about 15 % less CPU per row than 65,536).
    pub batch_size: usize,
    /// Rows read to infer the schema.
    pub infer_rows: usize,
    /// Skip or refuse malformed rows.
    pub on_bad_row: OnBadRow,
    /// A schema to use instead of the inferred one (same number of columns
    /// as the header; its names replace the header's).
    pub schema: Option<SchemaRef>,
    /// Field texts read as null besides the empty field, e.g. `NULL`, `\N`.
    pub null_values: Vec<String>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            delimiter: b',',
            encoding: Encoding::Auto,
            batch_size: 16_384,
            infer_rows: 1_000,
            on_bad_row: OnBadRow::Skip,
            schema: None,
            null_values: Vec::new(),
        }
    }
}

/// Streamed records not yet converted to Arrow: their bytes back to back,
/// each field's byte range (column by column, so that converting a column
/// reads its ranges in order) and where each row came from. Conversion then
/// runs a chunk of records per task, in parallel.
#[derive(Default)]
struct RawBatch {
    data: Vec<u8>,
    /// Per column, each record's field as a byte range of `data`.
    bounds: Vec<Vec<(usize, usize)>>,
    /// (data row number, line) of each record.
    rows: Vec<(u64, u64)>,
    /// Where each record's bytes start in `data`.
    starts: Vec<usize>,
}

/// Records per chunk converted as one task.
const CHUNK_ROWS: usize = 4_096;

impl RawBatch {
    fn clear(&mut self) {
        self.data.clear();
        self.bounds.iter_mut().for_each(Vec::clear);
        self.rows.clear();
        self.starts.clear();
    }

    /// Adds a record whose fields are `fields` (ranges of `bytes`).
    fn add(&mut self, bytes: &[u8], fields: impl Iterator<Item = (usize, usize)>, row: (u64, u64)) {
        let base = self.data.len();
        self.starts.push(base);
        self.data.extend_from_slice(bytes);
        for (c, (s, e)) in fields.enumerate() {
            if c == self.bounds.len() {
                self.bounds.push(Vec::new());
            }
            self.bounds[c].push((base + s, base + e));
        }
        self.rows.push(row);
    }

    fn push(&mut self, record: &RawRecord, row: u64, line: u64) {
        let fields = record
            .starts()
            .iter()
            .copied()
            .zip(record.ends().iter().copied());
        self.add(record.bytes(), fields, (row, line));
    }

    /// Adds a line without quotes (see [`Tokenizer::simple_line`]) if it has
    /// `width` fields; else adds nothing and returns how many it has.
    fn push_line(
        &mut self,
        bytes: &[u8],
        delimiter: u8,
        width: usize,
        row: (u64, u64),
    ) -> Result<(), usize> {
        let base = self.data.len();
        if self.bounds.len() < width {
            self.bounds.resize_with(width, Vec::new);
        }
        // Fields go straight to their columns; a line of the wrong width
        // is taken back out.
        let mut found = 0;
        let columns = &mut self.bounds[..width];
        split_fields(bytes, delimiter, |s, e| {
            if let Some(column) = columns.get_mut(found) {
                column.push((base + s, base + e));
            }
            found += 1;
        });
        if found != width {
            let kept = self.rows.len();
            columns.iter_mut().for_each(|column| column.truncate(kept));
            return Err(found);
        }
        self.starts.push(base);
        self.data.extend_from_slice(bytes);
        self.rows.push(row);
        Ok(())
    }
}

/// Why one field of a streamed row could not be appended.
enum FieldProblem {
    Encoding,
    Value(String),
}

/// Each chunk of `CHUNK_ROWS` records of `raw` as text when it is valid
/// UTF-8 and the file is UTF-8; chunks are checked in parallel, in one go
/// each, which costs far less than a check per field. GB18030 text must go
/// through its decoder even where it happens to be valid UTF-8.
fn utf8_chunks(raw: &RawBatch, encoding: Encoding) -> Vec<Option<&str>> {
    let n = raw.rows.len();
    (0..n.div_ceil(CHUNK_ROWS))
        .into_par_iter()
        .map(|k| {
            let at = |r: usize| raw.starts.get(r).copied().unwrap_or(raw.data.len());
            let bytes = &raw.data[at(k * CHUNK_ROWS)..at((k + 1) * CHUNK_ROWS)];
            (encoding == Encoding::Utf8)
                .then(|| simdutf8::basic::from_utf8(bytes).ok())
                .flatten()
        })
        .collect()
}

/// A field that could not be converted: (record, column, problem).
type BadField = (usize, usize, FieldProblem);

/// Records converted together, column after column, before the next
/// block: the block's bytes (about 80 KiB here) stay in the core's cache
/// while each of its columns is read. Converting a whole batch one column
/// at a time instead reads every record's line once per column from
/// further away (measured: most of conversion's time went to that).
const BLOCK_ROWS: usize = 512;

/// One column of a raw batch on its way to an Arrow array: the builder,
/// sized for the whole batch, and its bad fields so far as (record,
/// column, problem).
enum Converter {
    Text(StringBuilder),
    Typed(ColumnBuilder),
}

impl Converter {
    /// A converter for column `c` of `raw`. Text is sized exactly up front
    /// (decoding GB18030 can only grow it, as the builder does then).
    fn new(field: &Field, c: usize, raw: &RawBatch) -> Result<Self, DataError> {
        let rows = raw.rows.len();
        if field.data_type() == &arrow_schema::DataType::Utf8 {
            let bounds = raw.bounds.get(c).map_or(&[][..], Vec::as_slice);
            let bytes: usize = bounds.iter().map(|&(s, e)| e - s).sum();
            return Ok(Self::Text(StringBuilder::with_capacity(rows, bytes)));
        }
        Ok(Self::Typed(ColumnBuilder::new(field.data_type(), rows)?))
    }

    /// Converts column `c` of the records `block` of `raw`. A field that
    /// does not decode or parse is appended as null and added to
    /// `problems`; the caller drops those rows from the batch.
    ///
    /// `chunks` are [`utf8_chunks`]: in a valid UTF-8 chunk a field is
    /// valid unless its ends split a character; `get` checks that, and such
    /// a field is decoded alone (and reported).
    #[allow(clippy::too_many_arguments)]
    fn convert(
        &mut self,
        c: usize,
        raw: &RawBatch,
        block: std::ops::Range<usize>,
        chunks: &[Option<&str>],
        encoding: Encoding,
        null_values: &[String],
        problems: &mut Vec<BadField>,
    ) {
        let bounds = raw.bounds.get(c).map_or(&[][..], Vec::as_slice);
        let is_null = |text: &str| text.is_empty() || null_values.iter().any(|n| n == text);
        match self {
            // Text never fails to parse: no per-field dispatch.
            Self::Text(b) => {
                each_field(raw, bounds, block, chunks, encoding, |r, text| match text {
                    None => {
                        problems.push((r, c, FieldProblem::Encoding));
                        b.append_null();
                    }
                    Some(text) if is_null(&text) => b.append_null(),
                    Some(text) => b.append_value(text),
                })
            }
            Self::Typed(builder) => each_field(raw, bounds, block, chunks, encoding, |r, text| {
                let Some(text) = text else {
                    problems.push((r, c, FieldProblem::Encoding));
                    builder.append(Parsed::Null, "");
                    return;
                };
                let parsed = if is_null(&text) {
                    Some(Parsed::Null)
                } else {
                    builder.parse(&text)
                };
                match parsed {
                    Some(p) => builder.append(p, &text),
                    None => {
                        problems.push((r, c, FieldProblem::Value(text.into_owned())));
                        builder.append(Parsed::Null, "");
                    }
                }
            }),
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            Self::Text(mut b) => Arc::new(b.finish()),
            Self::Typed(mut b) => b.finish(),
        }
    }
}

/// Converts every column of `raw` into arrays, block by block (see
/// [`BLOCK_ROWS`]), with the bad fields as (record, column, problem).
fn convert_columns(
    schema: &Schema,
    raw: &RawBatch,
    encoding: Encoding,
    null_values: &[String],
) -> Result<(Vec<ArrayRef>, Vec<BadField>), DataError> {
    let chunks = utf8_chunks(raw, encoding);
    let mut converters = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(c, field)| Converter::new(field, c, raw))
        .collect::<Result<Vec<_>, _>>()?;
    let mut problems = Vec::new();
    let n = raw.rows.len();
    for start in (0..n).step_by(BLOCK_ROWS) {
        let block = start..(start + BLOCK_ROWS).min(n);
        for (c, conv) in converters.iter_mut().enumerate() {
            conv.convert(
                c,
                raw,
                block.clone(),
                &chunks,
                encoding,
                null_values,
                &mut problems,
            );
        }
    }
    Ok((
        converters.into_iter().map(Converter::finish).collect(),
        problems,
    ))
}

/// Calls `f(record, text)` for one column's fields (`bounds`) of the
/// records `rows`, in record order; `text` is `None` when the field does
/// not decode. Goes chunk by chunk (see [`utf8_chunks`]), so each field
/// costs a slice of its chunk.
fn each_field(
    raw: &RawBatch,
    bounds: &[(usize, usize)],
    rows: std::ops::Range<usize>,
    chunks: &[Option<&str>],
    encoding: Encoding,
    mut f: impl FnMut(usize, Option<Cow<'_, str>>),
) {
    let mut r = rows.start;
    while r < rows.end {
        let k = r / CHUNK_ROWS;
        let chunk = chunks.get(k).copied().flatten();
        let base = raw
            .starts
            .get(k * CHUNK_ROWS)
            .copied()
            .unwrap_or(raw.data.len());
        let stop_at = rows.end.min((k + 1) * CHUNK_ROWS);
        for (i, &(start, stop)) in bounds
            .get(r..stop_at)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let text = chunk
                .and_then(|t| t.get(start - base..stop - base))
                .map(Cow::Borrowed)
                .or_else(|| decode(encoding, &raw.data[start..stop]));
            f(r + i, text);
        }
        r = stop_at;
    }
}

/// The column and kind reported for a record of `found` fields where
/// `expected` were wanted: the first missing or extra field.
fn field_count_problem(expected: usize, found: usize) -> (Option<usize>, BadRowKind) {
    (
        Some(found.min(expected) + 1),
        BadRowKind::FieldCount { expected, found },
    )
}

struct SampleRow {
    row: u64,
    line: u64,
    fields: Vec<String>,
}

/// Reads a CSV file as a stream of Arrow record batches.
pub struct CsvReader<R> {
    tokenizer: Tokenizer<R>,
    options: CsvOptions,
    encoding: Encoding,
    schema: SchemaRef,
    sample: VecDeque<SampleRow>,
    builders: Vec<ColumnBuilder>,
    /// Arrays converted from streamed records, per chunk, after the rows in
    /// `builders` (the inference sample's).
    pieces: Vec<Vec<ArrayRef>>,
    parsed: Vec<Parsed>,
    record: RawRecord,
    raw: RawBatch,
    /// Rows in the builders, kept or not.
    appended: usize,
    /// Builder rows to leave out of the batch (their row was bad).
    dropped: Vec<usize>,
    rows_seen: u64,
    rows_in_batch: usize,
    rows_read: u64,
    bad_rows: Vec<BadRow>,
    done: bool,
}

fn detect(bytes: &[u8]) -> Encoding {
    match std::str::from_utf8(bytes) {
        Ok(_) => Encoding::Utf8,
        // A character cut at the end of the peeked window is not evidence.
        Err(e) if e.error_len().is_none() => Encoding::Utf8,
        Err(_) => Encoding::Gb18030,
    }
}

fn decode(encoding: Encoding, bytes: &[u8]) -> Option<Cow<'_, str>> {
    if encoding == Encoding::Gb18030 && !bytes.is_ascii() {
        encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)
    } else {
        std::str::from_utf8(bytes).ok().map(Cow::Borrowed)
    }
}

impl<R: Read> CsvReader<R> {
    /// Reads the header and the inference sample. Bad rows in the sample are
    /// handled by `options.on_bad_row` like any other.
    pub fn new(input: R, options: CsvOptions) -> Result<Self, DataError> {
        let mut tokenizer = Tokenizer::new(input, options.delimiter);
        let head = tokenizer.peek(64 * 1024)?;
        let bom = head.starts_with(b"\xEF\xBB\xBF");
        let encoding = match options.encoding {
            Encoding::Auto if bom => Encoding::Utf8,
            Encoding::Auto => detect(head),
            chosen => chosen,
        };
        if bom && encoding == Encoding::Utf8 {
            tokenizer.skip(3);
        }
        let mut record = RawRecord::default();
        if !tokenizer.read_record(&mut record)? {
            return Err(DataError::Empty);
        }
        let mut names = Vec::with_capacity(record.len());
        for i in 0..record.len() {
            let name = decode(encoding, record.field(i)).ok_or_else(|| {
                DataError::Schema(format!(
                    "header column {} is not valid in the file's encoding",
                    i + 1
                ))
            })?;
            let mut name = name.trim().to_owned();
            if name.is_empty() {
                name = format!("column_{}", i + 1);
            }
            while names.contains(&name) {
                name.push_str("_dup");
            }
            names.push(name);
        }
        let mut reader = Self {
            tokenizer,
            encoding,
            schema: Arc::new(Schema::empty()),
            sample: VecDeque::new(),
            builders: Vec::new(),
            pieces: Vec::new(),
            parsed: Vec::with_capacity(names.len()),
            record,
            raw: RawBatch::default(),
            appended: 0,
            dropped: Vec::new(),
            rows_seen: 0,
            rows_in_batch: 0,
            rows_read: 0,
            bad_rows: Vec::new(),
            done: false,
            options,
        };
        reader.schema = Arc::new(Schema::new(
            names
                .iter()
                .map(|n| Field::new(n, arrow_schema::DataType::Utf8, true))
                .collect::<Vec<_>>(),
        ));
        while reader.sample.len() < reader.options.infer_rows.max(1) {
            match reader.next_record()? {
                Some(row) => reader.sample.push_back(row),
                None => break,
            }
        }
        let schema = match reader.options.schema.clone() {
            Some(s) if s.fields().len() != names.len() => {
                return Err(DataError::Schema(format!(
                    "the schema has {} columns but the header has {}",
                    s.fields().len(),
                    names.len()
                )));
            }
            Some(s) => s,
            None => Arc::new(Schema::new(
                names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        let ty = infer_type(reader.sample.iter().map(|r| r.fields[i].as_str()));
                        Field::new(n, ty, true)
                    })
                    .collect::<Vec<_>>(),
            )),
        };
        reader.builders = schema
            .fields()
            .iter()
            .map(|f| ColumnBuilder::new(f.data_type(), reader.options.batch_size))
            .collect::<Result<_, _>>()?;
        reader.schema = schema;
        Ok(reader)
    }

    /// The schema in use: inferred, or the caller's override.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The encoding the file was read in (resolved when `Auto` was asked).
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Malformed rows met so far, in file order.
    pub fn bad_rows(&self) -> &[BadRow] {
        &self.bad_rows
    }

    /// Rows read into batches so far.
    pub fn rows_read(&self) -> u64 {
        self.rows_read
    }

    fn bad(
        &mut self,
        row: u64,
        line: u64,
        column: Option<usize>,
        kind: BadRowKind,
    ) -> Result<(), DataError> {
        let bad = self.bad_row(row, line, column, kind);
        self.report(bad)
    }

    fn bad_row(&self, row: u64, line: u64, column: Option<usize>, kind: BadRowKind) -> BadRow {
        let column_name = column
            .and_then(|c| self.schema.fields().get(c - 1))
            .map(|f| f.name().clone());
        BadRow {
            row,
            line,
            column,
            column_name,
            kind,
        }
    }

    /// Lists a bad row, or refuses the file with it.
    fn report(&mut self, bad: BadRow) -> Result<(), DataError> {
        if self.options.on_bad_row == OnBadRow::Refuse {
            return Err(DataError::BadRow(Box::new(bad)));
        }
        self.bad_rows.push(bad);
        Ok(())
    }

    /// The next well-formed record as owned strings; used for the sample only.
    fn next_record(&mut self) -> Result<Option<SampleRow>, DataError> {
        loop {
            let mut record = std::mem::take(&mut self.record);
            let got = self.tokenizer.read_record(&mut record)?;
            self.record = record;
            if !got {
                return Ok(None);
            }
            self.rows_seen += 1;
            let (row, line) = (self.rows_seen, self.record.line);
            if let Some((bad_row, column, kind)) = self.structural_problem(&self.record) {
                self.bad(bad_row, line, column, kind)?;
                continue;
            }
            let mut fields = Vec::with_capacity(self.record.len());
            let mut bad_column = None;
            for i in 0..self.record.len() {
                match decode(self.encoding, self.record.field(i)) {
                    Some(text) => fields.push(text.into_owned()),
                    None => {
                        bad_column = Some(i + 1);
                        break;
                    }
                }
            }
            if let Some(c) = bad_column {
                self.bad(row, line, Some(c), BadRowKind::Encoding)?;
                continue;
            }
            return Ok(Some(SampleRow { row, line, fields }));
        }
    }

    /// Quote and field-count problems of the current record.
    fn structural_problem(&self, record: &RawRecord) -> Option<(u64, Option<usize>, BadRowKind)> {
        let row = self.rows_seen;
        if let Some((i, kind)) = &record.problem {
            return Some((row, Some(i + 1), kind.clone()));
        }
        let expected = self.schema.fields().len();
        let found = record.len();
        (found != expected).then(|| {
            let (column, kind) = field_count_problem(expected, found);
            (row, column, kind)
        })
    }

    fn is_null(&self, text: &str) -> bool {
        text.is_empty() || self.options.null_values.iter().any(|n| n == text)
    }

    /// Parses every field of one row, then appends them all, or reports the
    /// first field that does not fit its type and appends nothing.
    fn push_fields(
        &mut self,
        row: u64,
        line: u64,
        fields: &[Cow<'_, str>],
    ) -> Result<(), DataError> {
        self.parsed.clear();
        for (i, text) in fields.iter().enumerate() {
            let parsed = if self.is_null(text) {
                Some(Parsed::Null)
            } else {
                self.builders[i].parse(text)
            };
            match parsed {
                Some(p) => self.parsed.push(p),
                None => {
                    let expected = self.schema.field(i).data_type().to_string();
                    let kind = BadRowKind::BadValue {
                        expected,
                        value: text.to_string(),
                    };
                    return self.bad(row, line, Some(i + 1), kind);
                }
            }
        }
        for (i, builder) in self.builders.iter_mut().enumerate() {
            builder.append(self.parsed[i], &fields[i]);
        }
        self.appended += 1;
        self.rows_in_batch += 1;
        self.rows_read += 1;
        Ok(())
    }

    fn finish_batch(&mut self) -> Result<RecordBatch, DataError> {
        let mut columns: Vec<ArrayRef> = self
            .builders
            .iter_mut()
            .map(ColumnBuilder::finish)
            .collect();
        let pieces = std::mem::take(&mut self.pieces);
        if !pieces.is_empty() {
            let sample_rows = columns.first().map_or(0, |a| a.len());
            // Columns are joined in parallel: this runs on the reading
            // thread, between batches.
            columns.par_iter_mut().enumerate().try_for_each(
                |(c, column)| -> Result<(), DataError> {
                    let mut parts: Vec<&dyn Array> = Vec::with_capacity(pieces.len() + 1);
                    if sample_rows > 0 {
                        parts.push(column.as_ref());
                    }
                    parts.extend(pieces.iter().map(|p| p[c].as_ref()));
                    *column = if parts.len() == 1 {
                        pieces[0][c].clone()
                    } else {
                        concat(&parts)?
                    };
                    Ok(())
                },
            )?;
        }
        self.rows_in_batch = 0;
        let batch = RecordBatch::try_new(self.schema.clone(), columns)?;
        let appended = std::mem::take(&mut self.appended);
        if self.dropped.is_empty() {
            return Ok(batch);
        }
        let mut keep = vec![true; appended];
        for i in self.dropped.drain(..) {
            keep[i] = false;
        }
        Ok(filter_record_batch(&batch, &BooleanArray::from(keep))?)
    }

    /// The next batch of up to `batch_size` rows, or `None` at the end.
    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>, DataError> {
        if self.done {
            return Ok(None);
        }
        let batch_size = self.options.batch_size.max(1);
        while let Some(sample) = self.sample.pop_front() {
            let fields: Vec<Cow<'_, str>> = sample
                .fields
                .iter()
                .map(|f| Cow::Borrowed(f.as_str()))
                .collect();
            self.push_fields(sample.row, sample.line, &fields)?;
            if self.rows_in_batch >= batch_size {
                return self.finish_batch().map(Some);
            }
        }
        let mut record = std::mem::take(&mut self.record);
        let result = self.fill_from_stream(&mut record, batch_size);
        self.record = record;
        result?;
        if self.rows_in_batch == 0 {
            self.done = true;
            return Ok(None);
        }
        self.finish_batch().map(Some)
    }

    /// Reads records until the batch holds `batch_size` good rows or the
    /// input ends. Records are split sequentially, then converted column by
    /// column in parallel; bad rows are reported in file order exactly as a
    /// row-by-row reader would (the first undecodable field of a row, else its
    /// first unparsable one) and left out of the batch.
    fn fill_from_stream(
        &mut self,
        record: &mut RawRecord,
        batch_size: usize,
    ) -> Result<(), DataError> {
        while self.rows_in_batch < batch_size && !self.done {
            let want = batch_size - self.rows_in_batch;
            self.raw.clear();
            let mut structural = Vec::new();
            let width = self.schema.fields().len();
            let delimiter = self.options.delimiter;
            while self.raw.rows.len() < want {
                // The usual line goes straight from the read buffer into
                // the raw batch.
                if let Some((line, bytes)) = self.tokenizer.simple_line() {
                    self.rows_seen += 1;
                    let row = self.rows_seen;
                    if let Err(found) = self.raw.push_line(bytes, delimiter, width, (row, line)) {
                        let (column, kind) = field_count_problem(width, found);
                        structural.push(self.bad_row(row, line, column, kind));
                        if self.options.on_bad_row == OnBadRow::Refuse {
                            break;
                        }
                    }
                    continue;
                }
                if !self.tokenizer.read_record(record)? {
                    self.done = true;
                    break;
                }
                self.rows_seen += 1;
                let (row, line) = (self.rows_seen, record.line);
                if let Some((r, column, kind)) = self.structural_problem(record) {
                    structural.push(self.bad_row(r, line, column, kind));
                    if self.options.on_bad_row == OnBadRow::Refuse {
                        // Rows before it may still hold an earlier bad value.
                        break;
                    }
                    continue;
                }
                self.raw.push(record, row, line);
            }
            let refused = self.options.on_bad_row == OnBadRow::Refuse && !structural.is_empty();
            let (raw, encoding, schema) = (&self.raw, self.encoding, &self.schema);
            let null_values = &self.options.null_values;
            let n = raw.rows.len();
            let (arrays, problems) = convert_columns(schema, raw, encoding, null_values)?;
            if n > 0 {
                self.pieces.push(arrays);
            }
            // Per bad record: its first undecodable column, else its first
            // unparsable one.
            let mut worst: Vec<(usize, bool, usize, FieldProblem)> = problems
                .into_iter()
                .map(|(r, c, p)| (r, matches!(p, FieldProblem::Value(_)), c, p))
                .collect();
            worst.sort_by_key(|w| (w.0, w.1, w.2));
            worst.dedup_by_key(|w| w.0);
            let mut bad: Vec<BadRow> = Vec::with_capacity(worst.len() + structural.len());
            for (r, _, c, problem) in worst {
                let (row, line) = self.raw.rows[r];
                let kind = match problem {
                    FieldProblem::Encoding => BadRowKind::Encoding,
                    FieldProblem::Value(value) => BadRowKind::BadValue {
                        expected: self.schema.field(c).data_type().to_string(),
                        value,
                    },
                };
                self.dropped.push(self.appended + r);
                bad.push(self.bad_row(row, line, Some(c + 1), kind));
            }
            let good = self.raw.rows.len() - bad.len();
            self.appended += self.raw.rows.len();
            self.rows_in_batch += good;
            self.rows_read += good as u64;
            bad.extend(structural);
            bad.sort_by_key(|b| b.row);
            for b in bad {
                self.report(b)?;
            }
            if refused {
                break;
            }
        }
        Ok(())
    }
}

impl<R: Read> Iterator for CsvReader<R> {
    type Item = Result<RecordBatch, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_batch().transpose()
    }
}
