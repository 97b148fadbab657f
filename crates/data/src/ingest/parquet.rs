//! Parquet, the storage format of datasets: every version of a dataset is one
//! Parquet file written from Arrow batches and read back as batches.

use std::io::Write;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::ChunkReader;

use crate::DataError;

/// Writes `batches` to `out` as one Parquet file (Snappy-compressed: fast,
/// pure Rust, and readable by every Parquet tool). Returns the row count.
pub fn write_parquet<W, I>(out: W, schema: SchemaRef, batches: I) -> Result<u64, DataError>
where
    W: Write + Send,
    I: IntoIterator<Item = Result<RecordBatch, DataError>>,
{
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut writer = ArrowWriter::try_new(out, schema, Some(props))?;
    let mut rows = 0u64;
    for batch in batches {
        let batch = batch?;
        rows += batch.num_rows() as u64;
        writer.write(&batch)?;
    }
    writer.close()?;
    Ok(rows)
}

/// Reads a Parquet file as batches of up to `batch_size` rows, streaming row
/// group by row group.
pub fn read_parquet<T: ChunkReader + 'static>(
    input: T,
    batch_size: usize,
) -> Result<
    (
        SchemaRef,
        impl Iterator<Item = Result<RecordBatch, DataError>>,
    ),
    DataError,
> {
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(input)?.with_batch_size(batch_size.max(1));
    let schema = builder.schema().clone();
    let reader = builder.build()?;
    Ok((schema, reader.map(|b| b.map_err(DataError::from))))
}
