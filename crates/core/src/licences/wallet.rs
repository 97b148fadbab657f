//! What people see of licences: the holder's wallet (我的证照) and its presentations,
//! the issuing department's list, and the issuers' public metadata (JWKS).

use super::status::{LicenceStatus, not_found};
use crate::access::{Action, Resource};
use crate::error::{CoreError, Result};
use crate::identity::Principal;
use crate::platform::Platform;
use crate::store::Val;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use govops_licence::{ClaimPath, KeyBindingRequest, SdJwt};
use rand::RngCore as _;
use serde_json::{Value, json};

/// A licence in a list.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct LicenceSummary {
    /// Row id.
    pub id: String,
    /// GB/T 36904 identifier.
    pub identifier: String,
    /// Type id.
    pub licence_type: String,
    /// Type name in Chinese.
    pub type_zh: String,
    /// Type name in English.
    pub type_en: String,
    /// Issuing department.
    pub department: String,
    /// `person:<id>` or `enterprise:<id>`.
    pub holder: String,
    /// Status.
    #[schema(value_type = String)]
    pub status: LicenceStatus,
    /// Why the status last changed.
    pub status_reason: Option<String>,
    /// Issue time, Unix seconds.
    pub issued_at: i64,
    /// End of validity, Unix seconds; absent for long-term.
    pub expires_at: Option<i64>,
}

/// One claim of a held licence.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ClaimView {
    /// Claim name.
    pub name: String,
    /// Label, Chinese.
    pub label_zh: String,
    /// Label, English.
    pub label_en: String,
    /// Value as text.
    pub value: String,
    /// Whether the holder may withhold it.
    pub disclosable: bool,
}

/// A licence with its claims.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct LicenceDetail {
    /// The summary.
    pub summary: LicenceSummary,
    /// Every claim, in the type's order.
    pub claims: Vec<ClaimView>,
    /// The SD-JWT VC with every disclosure (the holder's copy; absent for officials).
    pub sd_jwt: Option<String>,
}

/// A presentation made from the wallet.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Presentation {
    /// `<issuer JWT>~<chosen disclosures>~<KB-JWT>`.
    pub text: String,
    /// The KB-JWT's audience.
    pub audience: String,
    /// The KB-JWT's nonce.
    pub nonce: String,
    /// The claims disclosed.
    pub disclosed: Vec<String>,
}

/// Issuer metadata (draft-ietf-oauth-sd-jwt-vc, JWT VC Issuer Metadata).
#[derive(Debug, Clone, serde::Serialize)]
pub struct IssuerMetadata {
    /// The issuer identifier.
    pub issuer: String,
    /// Its keys, retired ones included.
    pub jwks: Value,
}

/// A `licences` row as the lists read it: id, identifier, type, department, holder,
/// status, reason, issued, expires.
type SummaryRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    i64,
    Option<i64>,
);

impl Platform {
    /// The licences part of the platform: types, issuer identifiers, and
    /// [`super::Licences::issue_in`] for writes that issue a licence.
    pub fn licences(&self) -> &std::sync::Arc<super::Licences> {
        &self.inner.licences
    }

    async fn summaries(&self, sql: &'static str, keys: &[&str]) -> Result<Vec<LicenceSummary>> {
        let params: Vec<Val> = keys.iter().map(|k| Val::from(*k)).collect();
        let rows: Vec<SummaryRow> = self.store().fetch_all(sql, &params).await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, identifier, type_id, department, holder, status, reason, issued, expires)| {
                    let (zh, en) = self
                        .licences()
                        .types()
                        .get(&type_id)
                        .map(|t| (t.name.zh.clone(), t.name.en.clone()))
                        .unwrap_or_else(|| (type_id.clone(), type_id.clone()));
                    LicenceSummary {
                        id,
                        identifier,
                        licence_type: type_id,
                        type_zh: zh,
                        type_en: en,
                        department,
                        holder,
                        status: LicenceStatus::from_code(status),
                        status_reason: reason,
                        issued_at: issued / 1000,
                        expires_at: expires.map(|e| e / 1000),
                    }
                },
            )
            .collect())
    }

    /// 我的证照: the licences of the signed-in person and of the enterprises they act for.
    pub async fn wallet(&self, who: &Principal) -> Result<Vec<LicenceSummary>> {
        self.access()
            .check(Some(who), Action::LicenceWallet, Resource::Platform)?;
        let mut out = Vec::new();
        for holder in super::verify::holders_of_principal(who) {
            out.extend(self.summaries(SELECT_BY_HOLDER, &[&holder]).await?);
        }
        Ok(out)
    }

    /// The licence of `licence_type` that `holder` would present for a material: its
    /// newest valid one, else (so that the refusal can say why) its newest at all. `None`
    /// when the holder has none, or is not one the signed-in account acts as. One indexed
    /// read, however many licences the holder has.
    pub async fn held_licence(
        &self,
        who: &Principal,
        holder: &str,
        licence_type: &str,
    ) -> Result<Option<LicenceSummary>> {
        self.access()
            .check(Some(who), Action::LicenceWallet, Resource::Platform)?;
        if !super::verify::holders_of_principal(who)
            .iter()
            .any(|h| h == holder)
        {
            return Ok(None);
        }
        Ok(self
            .summaries(SELECT_HELD_OF_TYPE, &[holder, licence_type])
            .await?
            .into_iter()
            .next())
    }

    /// One licence of the wallet, with its claims and the holder's SD-JWT.
    pub async fn wallet_licence(&self, who: &Principal, id: &str) -> Result<LicenceDetail> {
        self.access()
            .check(Some(who), Action::LicenceWallet, Resource::Platform)?;
        let (summary, sd_jwt) = self.licence_row(id).await?;
        if !super::verify::holders_of_principal(who).contains(&summary.holder) {
            return Err(not_found(id));
        }
        self.detail(summary, sd_jwt, true)
    }

    /// A licence as its issuing department's officials see it (no holder copy).
    pub async fn managed_licence(&self, who: &Principal, id: &str) -> Result<LicenceDetail> {
        self.access()
            .check(Some(who), Action::LicenceManage, Resource::Platform)?;
        let (summary, sd_jwt) = self.licence_row(id).await?;
        if !self.access().allows(
            Some(who),
            Action::LicenceManage,
            Resource::Department(&summary.department),
        )? {
            return Err(not_found(id));
        }
        self.detail(summary, sd_jwt, false)
    }

    /// The licences a department issued, newest first (its officials and head).
    pub async fn department_licences(
        &self,
        who: &Principal,
        department: &str,
    ) -> Result<Vec<LicenceSummary>> {
        self.access().check(
            Some(who),
            Action::LicenceManage,
            Resource::Department(department),
        )?;
        self.summaries(SELECT_BY_DEPARTMENT, &[department]).await
    }

    /// Makes a presentation of a wallet licence that discloses `fields` (top-level claim
    /// names), bound by a KB-JWT to `audience` and a fresh nonce.
    pub async fn present_licence(
        &self,
        who: &Principal,
        id: &str,
        fields: &[String],
        audience: &str,
    ) -> Result<Presentation> {
        let detail = self.wallet_licence(who, id).await?;
        let sd_jwt = detail
            .sd_jwt
            .ok_or_else(|| CoreError::internal("wallet licence without SD-JWT"))?;
        for f in fields {
            if !detail.claims.iter().any(|c| &c.name == f && c.disclosable) {
                return Err(CoreError::invalid_field(
                    "licence.present.unknown_field",
                    "fields",
                    format!("`{f}` is not a claim of this licence that you can choose to show."),
                ));
            }
        }
        let held = SdJwt::parse(&sd_jwt, super::verify::MAX_PRESENTATION_BYTES)
            .map_err(|e| CoreError::internal(format!("stored SD-JWT: {e}")))?;
        let key = self
            .licences()
            .holder_key(self.store(), &detail.summary.holder)
            .await?;
        let mut nonce = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let nonce = URL_SAFE_NO_PAD.encode(nonce);
        let request = KeyBindingRequest {
            audience: audience.to_owned(),
            nonce: nonce.clone(),
            issued_at: self.now().unix_timestamp(),
        };
        let chosen: Vec<ClaimPath> = fields.iter().map(|f| ClaimPath::claim(f)).collect();
        let text = held
            .present_with_key_binding(|p| chosen.contains(p), &request, &key)
            .map_err(|e| CoreError::internal(format!("presenting: {e}")))?;
        Ok(Presentation {
            text,
            audience: audience.to_owned(),
            nonce,
            disclosed: fields.to_vec(),
        })
    }

    /// The issuer metadata of a department (public).
    pub async fn issuer_metadata(&self, department: &str) -> Result<IssuerMetadata> {
        Ok(IssuerMetadata {
            issuer: self.licences().issuer_id(department),
            jwks: self.issuer_jwks(department).await?,
        })
    }

    /// A department's JWKS: every key it ever signed licences with (public).
    pub async fn issuer_jwks(&self, department: &str) -> Result<Value> {
        let keys = self
            .licences()
            .published_keys(self.store(), Some(department))
            .await?;
        if keys.is_empty() {
            return Err(CoreError::not_found(
                "licence.issuer.unknown",
                format!("Department `{department}` has not issued any licence, so it has no keys."),
            ));
        }
        let keys: Vec<Value> = keys
            .into_iter()
            .map(|k| {
                let mut jwk = k.jwk;
                if let Value::Object(m) = &mut jwk {
                    m.insert("kid".into(), Value::from(k.kid));
                    m.insert("alg".into(), Value::from("ES256"));
                    m.insert("use".into(), Value::from("sig"));
                }
                jwk
            })
            .collect();
        Ok(json!({ "keys": keys }))
    }

    async fn licence_row(&self, id: &str) -> Result<(LicenceSummary, String)> {
        let mut rows = self.summaries(SELECT_BY_ID, &[id]).await?;
        let summary = rows.pop().ok_or_else(|| not_found(id))?;
        let (sd_jwt,): (String,) = self
            .store()
            .fetch_one(
                "SELECT sd_jwt FROM licences WHERE id = $1",
                &[Val::from(id)],
            )
            .await?;
        Ok((summary, sd_jwt))
    }

    fn detail(
        &self,
        summary: LicenceSummary,
        sd_jwt: String,
        holder: bool,
    ) -> Result<LicenceDetail> {
        let held = SdJwt::parse(&sd_jwt, super::verify::MAX_PRESENTATION_BYTES)
            .map_err(|e| CoreError::internal(format!("stored SD-JWT: {e}")))?;
        let mut claims = Vec::new();
        if let Some(t) = self.licences().types().get(&summary.licence_type) {
            for c in &t.claims {
                if let Some(v) = held.claims().get(&c.name) {
                    claims.push(ClaimView {
                        name: c.name.clone(),
                        label_zh: c.label.zh.clone(),
                        label_en: c.label.en.clone(),
                        value: match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        },
                        disclosable: c.disclosable,
                    });
                }
            }
        }
        Ok(LicenceDetail {
            summary,
            claims,
            sd_jwt: holder.then_some(sd_jwt),
        })
    }
}

const SELECT_BY_HOLDER: &str = "SELECT id, identifier, type_id, department_code, holder, status, \
     status_reason, issued_ms, expires_ms FROM licences WHERE holder = $1 ORDER BY issued_ms DESC, id";
const SELECT_HELD_OF_TYPE: &str = "SELECT id, identifier, type_id, department_code, holder, \
     status, status_reason, issued_ms, expires_ms FROM licences WHERE holder = $1 AND type_id = $2 \
     ORDER BY CASE WHEN status = 0 THEN 0 ELSE 1 END, issued_ms DESC, id LIMIT 1";
const SELECT_BY_DEPARTMENT: &str = "SELECT id, identifier, type_id, department_code, holder, \
     status, status_reason, issued_ms, expires_ms FROM licences WHERE department_code = $1 \
     ORDER BY issued_ms DESC, id LIMIT 200";
const SELECT_BY_ID: &str = "SELECT id, identifier, type_id, department_code, holder, status, \
     status_reason, issued_ms, expires_ms FROM licences WHERE id = $1";
