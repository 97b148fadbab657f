//! Dataset versions on disk: one Parquet file per version, named by the SHA-256 of its
//! bytes (`<data dir>/datasets/ab/abcdef….parquet`). Files are written to a temporary
//! name and renamed into place, so a crash never leaves a half-written version under its
//! real name; equal content is stored once; nothing is ever overwritten or deleted, so
//! every version stays readable.
//!
//! Reading rows is `pub(super)`: outside this module, rows come only through the
//! masking door.

use crate::error::{CoreError, Result};
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where dataset files live.
#[derive(Debug, Clone)]
pub struct DataFiles {
    root: PathBuf,
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> CoreError {
    CoreError::internal(format!("{what} {}: {e}", path.display()))
}

/// A stored file: its content hash, size and row count.
#[derive(Debug, Clone)]
pub(crate) struct StoredFile {
    pub sha256: String,
    pub bytes: u64,
    pub rows: u64,
}

impl DataFiles {
    /// Dataset files under `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The folder for a database URL: `datasets/` beside the SQLite file, or
    /// `govops-data/datasets` for PostgreSQL (every node must see the same folder).
    pub fn for_database(url: &str) -> Self {
        let sqlite_file = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .and_then(|p| p.split('?').next())
            .filter(|p| !p.is_empty() && !p.starts_with(':'));
        match sqlite_file.and_then(|f| Path::new(f).parent()) {
            Some(dir) => Self::new(dir.join("datasets")),
            None => Self::new(PathBuf::from("govops-data").join("datasets")),
        }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, sha256: &str) -> Result<PathBuf> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(CoreError::internal(format!("bad file hash {sha256}")));
        }
        Ok(self
            .root
            .join(&sha256[..2])
            .join(format!("{sha256}.parquet")))
    }

    /// Writes a stream of batches as one Parquet file, holding one batch at a time, and
    /// moves it to its content address; a failing stream leaves nothing behind.
    /// Blocking: call from `spawn_blocking`.
    pub(crate) fn store_iter(
        &self,
        schema: SchemaRef,
        batches: impl Iterator<Item = std::result::Result<RecordBatch, govops_data::DataError>>,
    ) -> Result<StoredFile> {
        let tmp_dir = self.root.join("tmp");
        std::fs::create_dir_all(&tmp_dir).map_err(|e| io_error("create", &tmp_dir, e))?;
        let tmp = tempfile_in(&tmp_dir)?;
        let file = std::fs::File::create(&tmp).map_err(|e| io_error("create", &tmp, e))?;
        let mut w = Hashing {
            inner: std::io::BufWriter::new(file),
            hash: Sha256::new(),
            bytes: 0,
        };
        let written = govops_data::ingest::write_parquet(&mut w, schema, batches);
        let rows = match written {
            Ok(rows) => rows,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(super::data_error("datahub.store", e));
            }
        };
        let flushed = w
            .inner
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all());
        if let Err(e) = flushed {
            let _ = std::fs::remove_file(&tmp);
            return Err(io_error("write", &tmp, e));
        }
        let sha256 = hex::encode(w.hash.finalize());
        let dest = self.path_of(&sha256)?;
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io_error("create", dir, e))?;
        }
        if dest.exists() {
            let _ = std::fs::remove_file(&tmp);
        } else {
            std::fs::rename(&tmp, &dest).map_err(|e| io_error("rename to", &dest, e))?;
        }
        Ok(StoredFile {
            sha256,
            bytes: w.bytes,
            rows,
        })
    }

    /// Opens a version for reading batch by batch (row group by row group), so that
    /// a version of any size is read in bounded memory. Blocking: call from
    /// `spawn_blocking`. Only the door (which masks what it returns), the quality runs
    /// (which keep no cell but their failing samples), reference sets (key and value
    /// columns), and repairs and schema edits (which write every row into a new version
    /// and show only masked cells) may call this.
    pub(super) fn open(
        &self,
        sha256: &str,
    ) -> Result<(
        SchemaRef,
        impl Iterator<Item = std::result::Result<RecordBatch, govops_data::DataError>> + Send + use<>,
    )> {
        let path = self.path_of(sha256)?;
        let file = std::fs::File::open(&path).map_err(|e| io_error("open", &path, e))?;
        govops_data::ingest::read_parquet(
            file,
            govops_data::ingest::CsvOptions::default().batch_size,
        )
        .map_err(|e| super::data_error("datahub.read", e))
    }

    /// A version's schema, from the file's footer only.
    pub(super) fn schema(&self, sha256: &str) -> Result<SchemaRef> {
        self.open(sha256).map(|(schema, _)| schema)
    }
}

/// A fresh temporary file name in `dir` (random, so concurrent writers never collide).
fn tempfile_in(dir: &Path) -> Result<PathBuf> {
    use rand::Rng;
    let n: u128 = rand::thread_rng().r#gen();
    Ok(dir.join(format!("{n:032x}.partial")))
}
