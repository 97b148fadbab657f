//! Revoking (吊销), suspending (暂扣) and reinstating licences, and the status list
//! tokens that publish it. Each change bumps its list's version in the same write, and a
//! token is re-signed whenever the version it was made from is no longer current, so a
//! change is visible at the status list URL as soon as its write commits.

use super::CachedToken;
use crate::access::{Action, Resource};
use crate::error::{CoreError, Result};
use crate::identity::Principal;
use crate::platform::Platform;
use crate::store::Val;
use govops_licence::{Bits, Status, StatusList, StatusListClaims, issue_status_list_token};
use serde_json::json;

/// How long a status list token may be served before it is signed afresh.
const TOKEN_REFRESH_MS: i64 = 10 * 60 * 1000;
/// A token's validity (`exp` − `iat`): a verifier must not use an older one.
const TOKEN_LIFETIME_S: i64 = 24 * 3600;
/// How long a verifier may cache a token (`ttl`).
const TOKEN_TTL_S: u64 = 60;

/// A licence's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatus {
    /// 有效.
    Valid,
    /// 已吊销/撤销: permanent.
    Revoked,
    /// 已暂扣: until reinstated.
    Suspended,
}

impl LicenceStatus {
    /// From the stored number (the status list value).
    pub fn from_code(code: i64) -> Self {
        match code {
            1 => LicenceStatus::Revoked,
            2 => LicenceStatus::Suspended,
            _ => LicenceStatus::Valid,
        }
    }

    /// The stored number, which is also the status list value.
    pub fn code(self) -> i64 {
        match self {
            LicenceStatus::Valid => i64::from(Status::VALID.0),
            LicenceStatus::Revoked => i64::from(Status::INVALID.0),
            LicenceStatus::Suspended => i64::from(Status::SUSPENDED.0),
        }
    }

    /// Stable name: `valid`, `revoked`, `suspended`.
    pub fn as_str(self) -> &'static str {
        match self {
            LicenceStatus::Valid => "valid",
            LicenceStatus::Revoked => "revoked",
            LicenceStatus::Suspended => "suspended",
        }
    }
}

/// A change an issuing department makes to a licence's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusChange {
    /// 吊销: permanent; a revoked licence cannot be reinstated.
    Revoke,
    /// 暂扣: until reinstated.
    Suspend,
    /// Ends a suspension.
    Reinstate,
}

impl StatusChange {
    /// Parses `revoke`, `suspend` or `reinstate`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "revoke" => Some(StatusChange::Revoke),
            "suspend" => Some(StatusChange::Suspend),
            "reinstate" => Some(StatusChange::Reinstate),
            _ => None,
        }
    }

    fn journal_action(self) -> &'static str {
        match self {
            StatusChange::Revoke => "licence.revoked",
            StatusChange::Suspend => "licence.suspended",
            StatusChange::Reinstate => "licence.reinstated",
        }
    }
}

impl Platform {
    /// Revokes, suspends or reinstates a licence, by an official or head of the issuing
    /// department, with a reason; journaled, and visible in the status list at once.
    pub async fn change_licence_status(
        &self,
        who: &Principal,
        licence_id: &str,
        change: StatusChange,
        reason: &str,
    ) -> Result<LicenceStatus> {
        let row: Option<(String,)> = self
            .store()
            .fetch_optional(
                "SELECT department_code FROM licences WHERE id = $1",
                &[Val::from(licence_id)],
            )
            .await?;
        let Some((department,)) = row else {
            return Err(not_found(licence_id));
        };
        self.access().check(
            Some(who),
            Action::LicenceManage,
            Resource::Department(&department),
        )?;
        let reason = reason.trim().to_owned();
        if reason.is_empty() {
            return Err(CoreError::invalid_field(
                "licence.status.reason_missing",
                "reason",
                "Give the reason for the change; it is journaled and shown to the holder.",
            ));
        }
        if reason.chars().count() > 500 {
            return Err(CoreError::invalid_field(
                "licence.status.reason_too_long",
                "reason",
                "The reason is longer than 500 characters; shorten it.",
            ));
        }
        let (id, actor) = (licence_id.to_owned(), who.actor());
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let (status, department, list_no): (i64, String, i64) = tx
                        .fetch_one(
                            "SELECT status, department_code, list_no FROM licences WHERE id = $1",
                            &[Val::from(&id)],
                        )
                        .await?;
                    let from = LicenceStatus::from_code(status);
                    let to = match (from, change) {
                        (LicenceStatus::Revoked, _) => {
                            return Err(CoreError::conflict(
                                "licence.status.revoked",
                                "This licence is revoked; a revocation is final and cannot be changed.",
                            ));
                        }
                        (_, StatusChange::Revoke) => LicenceStatus::Revoked,
                        (LicenceStatus::Valid, StatusChange::Suspend) => LicenceStatus::Suspended,
                        (LicenceStatus::Suspended, StatusChange::Reinstate) => LicenceStatus::Valid,
                        (LicenceStatus::Suspended, StatusChange::Suspend) => {
                            return Err(CoreError::conflict(
                                "licence.status.already_suspended",
                                "This licence is already suspended.",
                            ));
                        }
                        (LicenceStatus::Valid, StatusChange::Reinstate) => {
                            return Err(CoreError::conflict(
                                "licence.status.not_suspended",
                                "Only a suspended licence can be reinstated; this one is valid.",
                            ));
                        }
                    };
                    let now = crate::clock::to_ms(tx.now());
                    tx.execute(
                        "UPDATE licences SET status = $1, status_reason = $2, updated_ms = $3 \
                         WHERE id = $4",
                        &[
                            Val::from(to.code()),
                            Val::from(&reason),
                            Val::from(now),
                            Val::from(&id),
                        ],
                    )
                    .await?;
                    tx.execute(
                        "UPDATE licence_status_lists SET version = version + 1, updated_ms = $1 \
                         WHERE department_code = $2 AND list_no = $3",
                        &[Val::from(now), Val::from(&department), Val::from(list_no)],
                    )
                    .await?;
                    tx.journal(
                        &actor,
                        change.journal_action(),
                        &format!("licence:{id}"),
                        json!({ "from": from.as_str(), "to": to.as_str(), "reason": reason }),
                    )?;
                    Ok(to)
                })
            })
            .await
    }

    /// The signed status list token (`typ: statuslist+jwt`) of a department's list.
    pub async fn status_list_token(&self, department: &str, list_no: i64) -> Result<String> {
        let lic = self.licences();
        let pool = self.store();
        let row: Option<(i64, i64)> = pool
            .fetch_optional(
                "SELECT size, version FROM licence_status_lists WHERE department_code = $1 \
             AND list_no = $2",
                &[Val::from(department), Val::from(list_no)],
            )
            .await?;
        let Some((size, version)) = row else {
            return Err(CoreError::not_found(
                "licence.status_list.unknown",
                format!("Department `{department}` has no status list {list_no}."),
            ));
        };
        let now = self.now();
        let now_ms = crate::clock::to_ms(now);
        let key = (department.to_owned(), list_no);
        if let Ok(cache) = lic.tokens.lock()
            && let Some(c) = cache.get(&key)
            && c.version == version
            && now_ms - c.made_ms < TOKEN_REFRESH_MS
            && now_ms >= c.made_ms
        {
            return Ok(c.token.clone());
        }
        let entries: Vec<(i64, i64)> = pool
            .fetch_all(
                "SELECT status_idx, status FROM licences WHERE department_code = $1 \
             AND list_no = $2 AND status <> 0",
                &[Val::from(department), Val::from(list_no)],
            )
            .await?;
        let mut list = StatusList::new(Bits::Two, usize::try_from(size).unwrap_or(0));
        for (idx, status) in entries {
            let status = Status(u8::try_from(status).unwrap_or(1));
            list.set(u64::try_from(idx).unwrap_or(u64::MAX), status)
                .map_err(|e| CoreError::internal(format!("status list: {e}")))?;
        }
        // Signed with the department's newest key.
        let published = lic.published_keys(self.store(), Some(department)).await?;
        let kid = published
            .iter()
            .rev()
            .find(|k| !k.retired)
            .map(|k| k.kid.clone())
            .ok_or_else(|| {
                CoreError::internal(format!("no signing key for department {department}"))
            })?;
        let signing = lic.issuer_signing_key(self.store(), &kid).await?;
        let claims = StatusListClaims {
            uri: lic.status_list_uri(department, list_no),
            issued_at: now.unix_timestamp(),
            expires_at: Some(now.unix_timestamp() + TOKEN_LIFETIME_S),
            ttl: Some(TOKEN_TTL_S),
        };
        let token = issue_status_list_token(&signing, Some(&kid), &claims, &list)
            .map_err(|e| CoreError::internal(format!("status list token: {e}")))?;
        if let Ok(mut cache) = lic.tokens.lock() {
            cache.insert(
                key,
                CachedToken {
                    version,
                    made_ms: now_ms,
                    token: token.clone(),
                },
            );
        }
        Ok(token)
    }
}

pub(super) fn not_found(id: &str) -> CoreError {
    CoreError::not_found(
        "licence.not_found",
        format!("There is no licence `{id}` that you may see."),
    )
}
