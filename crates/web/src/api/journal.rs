//! The journal API: the signed checkpoint, entries, and Merkle proofs.

use super::bad_query;
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::viewer::ApiCaller;
use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use govops_core::CoreError;
use govops_core::access::{Action, Resource};
use govops_core::journal::{Entry, SignedCheckpoint};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A Merkle proof: hex hashes, from the leaf side up.
#[derive(Debug, Serialize, ToSchema)]
pub struct Proof {
    /// The hashes of the proof.
    pub proof: Vec<String>,
}

/// The latest signed checkpoint (public).
#[utoipa::path(get, path = "/api/v1/journal/checkpoint",
    responses((status = 200, body = SignedCheckpoint), (status = 404, body = ErrorBody)))]
pub async fn checkpoint(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<SignedCheckpoint>, ApiError> {
    let p = &state.platform;
    p.access().check(
        caller.principal(),
        Action::JournalCheckpointRead,
        Resource::Platform,
    )?;
    let c = p.journal().latest_checkpoint().await?.ok_or_else(|| {
        CoreError::not_found(
            "journal.checkpoint.none",
            "No checkpoint has been signed yet; try again in a second.",
        )
    })?;
    Ok(Json(c))
}

/// One journal entry (auditors and administrators).
#[utoipa::path(get, path = "/api/v1/journal/entries/{index}",
    params(("index" = i64, Path, description = "entry index, from 0")),
    responses((status = 200, body = Entry), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn entry(
    State(state): State<AppState>,
    caller: ApiCaller,
    index: Result<Path<i64>, PathRejection>,
) -> Result<Json<Entry>, ApiError> {
    let p = &state.platform;
    p.access().check(
        caller.principal(),
        Action::JournalEntriesRead,
        Resource::Platform,
    )?;
    let Path(index) = index.map_err(|r| {
        ApiError(CoreError::invalid_field(
            "request.path",
            "index",
            format!("The index must be a whole number: {}", r.body_text()),
        ))
    })?;
    Ok(Json(p.journal().entry(index).await?))
}

/// Parameters of an inclusion proof.
#[derive(Debug, Deserialize, IntoParams)]
pub struct InclusionQuery {
    /// Entry index.
    pub index: u64,
    /// Tree size.
    pub size: u64,
}

/// An inclusion proof of entry `index` in the tree of `size` entries (public).
#[utoipa::path(get, path = "/api/v1/journal/proof/inclusion", params(InclusionQuery),
    responses((status = 200, body = Proof), (status = 422, body = ErrorBody)))]
pub async fn inclusion(
    State(state): State<AppState>,
    caller: ApiCaller,
    q: Result<Query<InclusionQuery>, QueryRejection>,
) -> Result<Json<Proof>, ApiError> {
    let p = &state.platform;
    p.access().check(
        caller.principal(),
        Action::JournalProofRead,
        Resource::Platform,
    )?;
    let Query(q) = q.map_err(bad_query)?;
    let proof = p.journal().inclusion_proof(q.index, q.size).await?;
    Ok(Json(Proof {
        proof: proof.iter().map(hex_encode).collect(),
    }))
}

/// Parameters of a consistency proof.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ConsistencyQuery {
    /// The smaller tree size.
    pub from: u64,
    /// The larger tree size.
    pub to: u64,
}

/// A consistency proof from tree size `from` to `to` (public).
#[utoipa::path(get, path = "/api/v1/journal/proof/consistency", params(ConsistencyQuery),
    responses((status = 200, body = Proof), (status = 422, body = ErrorBody)))]
pub async fn consistency(
    State(state): State<AppState>,
    caller: ApiCaller,
    q: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> Result<Json<Proof>, ApiError> {
    let p = &state.platform;
    p.access().check(
        caller.principal(),
        Action::JournalProofRead,
        Resource::Platform,
    )?;
    let Query(q) = q.map_err(bad_query)?;
    let proof = p.journal().consistency_proof(q.from, q.to).await?;
    Ok(Json(Proof {
        proof: proof.iter().map(hex_encode).collect(),
    }))
}

fn hex_encode(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}
