//! The data hub (数据中台) in the platform: departments' datasets with every version
//! kept as a Parquet file, their profiles and quality runs, the steward's confirmed
//! classification, repairs applied as new versions with lineage, sharing grants, open
//! data and the departments' quality scorecards.
//!
//! The hard logic (ingest, profiling, rules, repair, classification, masking) is the
//! pure `govops-data` crate; this module stores, authorizes and journals.
//!
//! **The masking door.** Dataset rows leave the platform only through
//! [`Platform::read_rows`] (`door.rs`), which decides the caller's columns, rows and
//! masks from their role, their grant or the open-data flag, journals every access made
//! under a grant, and refuses an unmasked read without a grant that allows it and a
//! stated purpose. Parquet files are read by `files.rs`, whose row reader is visible only
//! inside this module; the profile, quality and repair read models mask every value they
//! show with the same column masks (`masks.rs`).
//!
//! Parquet I/O is file I/O, so it runs before a write (in `spawn_blocking`), and the
//! write closure only records the rows and the journal entry.

mod datasets;
mod door;
mod files;
mod grants;
mod masks;
mod open;
mod quality;
mod repair;
mod schema;
mod scorecard;
pub mod seed;

pub use datasets::{
    BadRowReport, ColumnSummary, Dataset, DatasetPage, FREQUENCIES, Lineage, NewDataset,
    ProfileSummary, Upload, UploadFormat, UploadReport, Version,
};
pub use door::{MAX_PAGE, ReadBasis, ReadRequest, RowSelection, RowsRead, rows_to_csv};
pub use files::DataFiles;
pub use grants::{Grant, GrantDecision, GrantRequest, GrantStatus, RowFilter, Usage};
pub use masks::{ColumnClass, Sensitivity, default_mask, mask_from_str, mask_to_str};
pub use open::{OpenDataset, OpenOrganization, OpenResource, OpenSearch};
pub use quality::{QualityRunSummary, RuleSummary};
pub use repair::{PreviewChange, RepairPreview, RepairRequest};
pub use schema::{COLUMN_TYPES, type_name};
pub use scorecard::{Card, DepartmentScore, ScorePoint, Scorecards, Thresholds};

use crate::error::{CoreError, Result};

/// Checks a dataset id: 3–64 characters of lowercase letters, digits and `-`.
pub fn check_dataset_id(id: &str) -> Result<()> {
    let ok = (3..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid_field(
            "datahub.dataset_id.invalid",
            "id",
            format!(
                "The dataset id `{id}` must be 3 to 64 characters of lowercase letters, digits \
                 and '-', not starting with '-'; for example `population-registry`."
            ),
        ))
    }
}

/// Maps an error of the data crate to a platform error the person can act on.
pub(crate) fn data_error(code: &'static str, e: govops_data::DataError) -> CoreError {
    match e {
        govops_data::DataError::Io(io) => CoreError::internal(format!("data file: {io}")),
        govops_data::DataError::Arrow(a) => CoreError::internal(format!("arrow: {a}")),
        other => CoreError::invalid(code, other.to_string()),
    }
}

/// Runs blocking file work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CoreError::internal(format!("blocking task: {e}")))?
}
