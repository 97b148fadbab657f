//! Sharing grants (共享授权): a department requests a dataset's columns, optionally a
//! row filter, for a stated purpose and period; the owning department approves or
//! refuses (never the person who asked); reads under the grant pass the masking door;
//! grants expire at the end of their period.

use crate::access::{Action, Resource};
use crate::error::{CoreError, FieldError, Result};
use crate::identity::{Principal, Role};
use crate::ids::new_id;
use crate::platform::Platform;
use crate::store::Val;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::FromRow;

/// Where a grant stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantStatus {
    /// Waiting for the owner.
    Requested,
    /// Approved; in force during its period.
    Approved,
    /// Refused by the owner.
    Refused,
}

impl GrantStatus {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Approved => "approved",
            Self::Refused => "refused",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "approved" => Self::Approved,
            "refused" => Self::Refused,
            _ => Self::Requested,
        }
    }
}

/// Rows where `column` has one of `values`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowFilter {
    /// Column.
    pub column: String,
    /// Allowed values.
    pub values: Vec<String>,
}

impl RowFilter {
    /// Parses `column = value1, value2`; empty text is no filter.
    pub fn parse(text: &str) -> std::result::Result<Option<Self>, String> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        let Some((col, vals)) = t.split_once('=') else {
            return Err(format!(
                "The row filter `{t}` must read `column = value` or `column = value1, value2`."
            ));
        };
        let values: Vec<String> = vals
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        if col.trim().is_empty() || values.is_empty() {
            return Err(format!(
                "The row filter `{t}` needs a column before `=` and at least one value after it."
            ));
        }
        Ok(Some(Self {
            column: col.trim().to_string(),
            values,
        }))
    }
}

/// A grant.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Grant {
    /// Id.
    pub id: String,
    /// Dataset.
    pub dataset: String,
    /// Department that may read.
    pub grantee_department: String,
    /// Who asked.
    pub requested_by: String,
    /// Columns granted.
    pub columns: Vec<String>,
    /// Row filter, as written.
    pub row_filter_text: String,
    /// Row filter, parsed.
    pub row_filter: Option<RowFilter>,
    /// Stated purpose.
    pub purpose: String,
    /// Whether unmasked reads are allowed.
    pub unmasked: bool,
    /// Start, ms since the epoch.
    pub valid_from_ms: i64,
    /// End (exclusive), ms since the epoch.
    pub valid_until_ms: i64,
    /// Status.
    pub status: GrantStatus,
    /// True when approved but past its end.
    pub expired: bool,
    /// Who decided.
    pub decided_by: Option<String>,
    /// The decision's note.
    pub decision_note: Option<String>,
    /// Reads made under it.
    pub uses: i64,
    /// Last read, ms since the epoch.
    pub last_used_ms: Option<i64>,
}

#[derive(FromRow)]
struct GrantRow {
    id: String,
    dataset_id: String,
    grantee_department: String,
    requested_by: String,
    columns_json: String,
    row_filter: String,
    purpose: String,
    unmasked: i64,
    valid_from_ms: i64,
    valid_until_ms: i64,
    status: String,
    decided_by: Option<String>,
    decision_note: Option<String>,
    uses: i64,
    last_used_ms: Option<i64>,
}

const GRANT_COLUMNS: &str = "SELECT id, dataset_id, grantee_department, requested_by, \
    columns_json, row_filter, purpose, unmasked, valid_from_ms, valid_until_ms, status, \
    decided_by, decision_note, uses, last_used_ms FROM data_grants";

fn grant_of(r: GrantRow, now_ms: i64) -> Grant {
    let status = GrantStatus::parse(&r.status);
    Grant {
        expired: status == GrantStatus::Approved && now_ms >= r.valid_until_ms,
        id: r.id,
        dataset: r.dataset_id,
        grantee_department: r.grantee_department,
        requested_by: r.requested_by,
        columns: serde_json::from_str(&r.columns_json).unwrap_or_default(),
        row_filter: RowFilter::parse(&r.row_filter).ok().flatten(),
        row_filter_text: r.row_filter,
        purpose: r.purpose,
        unmasked: r.unmasked != 0,
        valid_from_ms: r.valid_from_ms,
        valid_until_ms: r.valid_until_ms,
        status,
        decided_by: r.decided_by,
        decision_note: r.decision_note,
        uses: r.uses,
        last_used_ms: r.last_used_ms,
    }
}

/// A department's request for a grant.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct GrantRequest {
    /// Dataset id.
    pub dataset: String,
    /// The requesting department (the caller must belong to it).
    pub grantee_department: String,
    /// Columns wanted.
    pub columns: Vec<String>,
    /// Optional row filter, `column = value1, value2`.
    #[serde(default)]
    pub row_filter: String,
    /// Why the data is needed.
    pub purpose: String,
    /// Ask for unmasked values of personal columns.
    #[serde(default)]
    pub unmasked: bool,
    /// Days the grant should run, 1–366, from approval.
    pub valid_days: i64,
}

/// The owner's decision.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct GrantDecision {
    /// Approve (true) or refuse (false).
    pub approve: bool,
    /// A note, required when refusing.
    #[serde(default)]
    pub note: String,
}

/// Who uses what: one line of the catalogue's usage table.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Usage {
    /// Dataset.
    pub dataset: String,
    /// Owner.
    pub owner_department: String,
    /// Grantee.
    pub grantee_department: String,
    /// Grant.
    pub grant: String,
    /// Purpose.
    pub purpose: String,
    /// Columns.
    pub columns: Vec<String>,
    /// Reads.
    pub uses: i64,
    /// In force now.
    pub in_force: bool,
}

impl Platform {
    pub(crate) async fn grant_row(&self, id: &str) -> Result<Grant> {
        let sql = format!("{GRANT_COLUMNS} WHERE id = $1");
        let now = crate::clock::to_ms(self.now());
        sqlx::query_as::<_, GrantRow>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.store().pool())
            .await?
            .map(|r| grant_of(r, now))
            .ok_or_else(|| {
                CoreError::not_found(
                    "datahub.grant.not_found",
                    format!("There is no grant `{id}`."),
                )
            })
    }

    pub(crate) async fn grants_on(&self, dataset: &str) -> Result<Vec<Grant>> {
        let sql = format!("{GRANT_COLUMNS} WHERE dataset_id = $1 ORDER BY created_ms DESC, id");
        let now = crate::clock::to_ms(self.now());
        Ok(sqlx::query_as::<_, GrantRow>(sqlx::AssertSqlSafe(sql))
            .bind(dataset)
            .fetch_all(self.store().pool())
            .await?
            .into_iter()
            .map(|r| grant_of(r, now))
            .collect())
    }

    /// One grant (staff).
    pub async fn grant(&self, who: &Principal, id: &str) -> Result<Grant> {
        self.access()
            .check(Some(who), Action::DataCatalogueRead, Resource::Platform)?;
        self.grant_row(id).await
    }

    /// Grants the caller's departments hold, and grants waiting for the caller's decision.
    pub async fn my_grants(&self, who: &Principal) -> Result<(Vec<Grant>, Vec<Grant>)> {
        self.access()
            .check(Some(who), Action::DataCatalogueRead, Resource::Platform)?;
        let mut depts: Vec<&str> = Vec::new();
        for r in [Role::Official, Role::DepartmentHead, Role::DataSteward] {
            depts.extend(who.departments_as(r));
        }
        let mut owned_depts: Vec<&str> = who.departments_as(Role::DataSteward);
        owned_depts.extend(who.departments_as(Role::DepartmentHead));
        let now = crate::clock::to_ms(self.now());
        let sql = format!("{GRANT_COLUMNS} ORDER BY created_ms DESC, id");
        let all: Vec<Grant> = sqlx::query_as::<_, GrantRow>(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.store().pool())
            .await?
            .into_iter()
            .map(|r| grant_of(r, now))
            .collect();
        let owners: Vec<(String, String)> = self
            .store()
            .fetch_all("SELECT id, owner_department FROM datasets", &[])
            .await?;
        let held = all
            .iter()
            .filter(|g| depts.contains(&g.grantee_department.as_str()))
            .cloned()
            .collect();
        let to_decide = all
            .into_iter()
            .filter(|g| {
                g.status == GrantStatus::Requested
                    && owners
                        .iter()
                        .any(|(d, o)| d == &g.dataset && owned_depts.contains(&o.as_str()))
            })
            .collect();
        Ok((held, to_decide))
    }

    /// Requests a grant for the caller's department.
    pub async fn request_grant(&self, who: &Principal, req: GrantRequest) -> Result<Grant> {
        self.access().check(
            Some(who),
            Action::DataGrantRequest,
            Resource::Department(&req.grantee_department),
        )?;
        let ds = self.dataset_row(&req.dataset).await?;
        let schema: Vec<String> = self
            .versions(&ds.id)
            .await?
            .into_iter()
            .find(|v| v.version == ds.current_version)
            .map(|v| v.schema.into_iter().map(|(n, _)| n).collect())
            .unwrap_or_default();
        let mut problems = Vec::new();
        if req.columns.is_empty() {
            problems.push(FieldError {
                field: "columns".into(),
                message: "Choose at least one column.".into(),
            });
        }
        for c in &req.columns {
            if !schema.contains(c) {
                problems.push(FieldError {
                    field: "columns".into(),
                    message: format!("`{c}` is not a column of dataset `{}`.", ds.id),
                });
            }
        }
        match RowFilter::parse(&req.row_filter) {
            Err(m) => problems.push(FieldError {
                field: "row_filter".into(),
                message: m,
            }),
            Ok(Some(f)) if !schema.contains(&f.column) => problems.push(FieldError {
                field: "row_filter".into(),
                message: format!(
                    "The row filter's column `{}` is not in the dataset.",
                    f.column
                ),
            }),
            Ok(_) => {}
        }
        if req.purpose.trim().chars().count() < 10 {
            problems.push(FieldError {
                field: "purpose".into(),
                message: "State the purpose in at least 10 characters: what the data is for and \
                          under which duty."
                    .into(),
            });
        }
        if !(1..=366).contains(&req.valid_days) {
            problems.push(FieldError {
                field: "valid_days".into(),
                message: "Ask for a period of 1 to 366 days.".into(),
            });
        }
        if !problems.is_empty() {
            return Err(CoreError::invalid_fields("datahub.grant.invalid", problems));
        }
        let actor = who.actor();
        let id = self
            .store()
            .write(move |tx| {
                Box::pin(async move {
                    let now = tx.now();
                    let now_ms = crate::clock::to_ms(now);
                    let id = new_id(now);
                    let cols = serde_json::to_string(&req.columns).map_err(CoreError::internal)?;
                    tx.execute(
                        "INSERT INTO data_grants (id, dataset_id, grantee_department, \
                         requested_by, columns_json, row_filter, purpose, unmasked, \
                         valid_from_ms, valid_until_ms, status, created_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'requested', $9)",
                        &[
                            Val::from(&id),
                            Val::from(&req.dataset),
                            Val::from(&req.grantee_department),
                            Val::from(&actor),
                            Val::from(cols),
                            Val::from(req.row_filter.trim()),
                            Val::from(req.purpose.trim()),
                            Val::from(i64::from(req.unmasked)),
                            Val::from(now_ms),
                            Val::from(now_ms + req.valid_days * 86_400_000),
                        ],
                    )
                    .await?;
                    tx.journal(
                        &actor,
                        "datahub.grant_requested",
                        &format!("grant:{id}"),
                        json!({ "dataset": req.dataset, "grantee": req.grantee_department,
                                "columns": req.columns, "row_filter": req.row_filter.trim(),
                                "purpose": req.purpose.trim(), "unmasked": req.unmasked,
                                "valid_days": req.valid_days }),
                    )?;
                    Ok(id)
                })
            })
            .await?;
        self.grant_row(&id).await
    }

    /// The owning department approves or refuses a requested grant. The period starts at
    /// approval. The person who asked cannot decide.
    pub async fn decide_grant(
        &self,
        who: &Principal,
        id: &str,
        decision: GrantDecision,
    ) -> Result<Grant> {
        let grant = self.grant_row(id).await?;
        let ds = self.dataset_row(&grant.dataset).await?;
        self.access().check(
            Some(who),
            Action::DataGrantDecide,
            Resource::Department(&ds.owner_department),
        )?;
        if grant.requested_by == who.actor() {
            return Err(CoreError::forbidden(
                "You asked for this grant, so someone else in the owning department must decide it.",
            ));
        }
        if !decision.approve && decision.note.trim().is_empty() {
            return Err(CoreError::invalid_field(
                "datahub.grant.note",
                "note",
                "Say why the grant is refused; the requesting department sees it.",
            ));
        }
        let actor = who.actor();
        let id = id.to_string();
        let period = grant.valid_until_ms - grant.valid_from_ms;
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let now = crate::clock::to_ms(tx.now());
                    let status = if decision.approve {
                        "approved"
                    } else {
                        "refused"
                    };
                    let n = tx
                        .execute(
                            "UPDATE data_grants SET status = $1, decided_by = $2, decided_ms = $3, \
                             decision_note = $4, valid_from_ms = $3, valid_until_ms = $5 \
                             WHERE id = $6 AND status = 'requested'",
                            &[
                                Val::from(status),
                                Val::from(&actor),
                                Val::from(now),
                                Val::from(decision.note.trim()),
                                Val::from(now + period),
                                Val::from(&id),
                            ],
                        )
                        .await?;
                    if n == 0 {
                        return Err(CoreError::conflict(
                            "datahub.grant.decided",
                            "This grant has already been decided.",
                        ));
                    }
                    tx.journal(
                        &actor,
                        if decision.approve {
                            "datahub.grant_approved"
                        } else {
                            "datahub.grant_refused"
                        },
                        &format!("grant:{id}"),
                        json!({ "note": decision.note.trim(), "valid_until_ms": now + period }),
                    )?;
                    Ok(())
                })
            })
            .await?;
        self.grant_row(&grant.id).await
    }

    /// Who uses what: every approved grant with its use count (staff).
    pub async fn data_usage(&self, who: &Principal) -> Result<Vec<Usage>> {
        self.access()
            .check(Some(who), Action::DataCatalogueRead, Resource::Platform)?;
        let now = crate::clock::to_ms(self.now());
        let sql = format!(
            "{GRANT_COLUMNS} WHERE status = 'approved' ORDER BY dataset_id, grantee_department, id"
        );
        let grants: Vec<Grant> = sqlx::query_as::<_, GrantRow>(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.store().pool())
            .await?
            .into_iter()
            .map(|r| grant_of(r, now))
            .collect();
        let owners: Vec<(String, String)> = self
            .store()
            .fetch_all("SELECT id, owner_department FROM datasets", &[])
            .await?;
        Ok(grants
            .into_iter()
            .map(|g| Usage {
                owner_department: owners
                    .iter()
                    .find(|(d, _)| d == &g.dataset)
                    .map(|(_, o)| o.clone())
                    .unwrap_or_default(),
                in_force: !g.expired && now >= g.valid_from_ms,
                dataset: g.dataset,
                grantee_department: g.grantee_department,
                grant: g.id,
                purpose: g.purpose,
                columns: g.columns,
                uses: g.uses,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_filters_parse_or_say_what_is_wrong() {
        assert_eq!(RowFilter::parse(" ").ok(), Some(None));
        let f = RowFilter::parse("district = 东城区, 朝阳区").ok().flatten();
        assert_eq!(
            f.map(|f| (f.column, f.values)),
            Some(("district".into(), vec!["东城区".into(), "朝阳区".into()]))
        );
        assert!(RowFilter::parse("district").is_err());
        assert!(RowFilter::parse("= x").is_err());
        assert!(RowFilter::parse("d =").is_err());
    }
}
