//! Verifying a presentation: the public verify page and API, and mutual recognition
//! (互认), where a service accepts a licence in place of an uploaded material.
//!
//! The signature is checked against every issuer key the platform has published
//! (retired ones included); then the type, the issuing department, the status entry and,
//! when asked, the holder. Every refusal has a stable code and a specific reason.

use super::Licences;
use super::status::LicenceStatus;
use crate::access::{Action, Resource};
use crate::error::{CoreError, Result};
use crate::identity::Principal;
use crate::platform::Platform;
use crate::store::Val;
use govops_licence::{ClaimPath, KeyBinding, VerifyError, VerifyOptions, verify};
use serde_json::Value;
use sha2::Digest;

/// Largest presentation accepted.
pub const MAX_PRESENTATION_BYTES: usize = 64 * 1024;
/// How old a key binding proof may be when audience and nonce are checked, in seconds.
const KB_MAX_AGE_S: i64 = 600;

/// What to verify, and what to require of it.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct VerifyRequest {
    /// The presentation: `<issuer JWT>~<disclosure>~…~[<KB-JWT>]`.
    pub presentation: String,
    /// Require a key binding JWT for this audience (with `nonce`).
    #[serde(default)]
    pub audience: Option<String>,
    /// Require a key binding JWT with this nonce (with `audience`).
    #[serde(default)]
    pub nonce: Option<String>,
    /// Require a licence of this type (its id, e.g. `business-licence`).
    #[serde(default)]
    pub licence_type: Option<String>,
    /// Require that the holder is this account's person or one of its enterprises
    /// (needs `audience` and `nonce`, so that a copied presentation is not enough).
    #[serde(default)]
    pub holder_account: Option<String>,
}

/// One claim of a verified licence.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct DisclosedField {
    /// The claim name.
    pub name: String,
    /// Its label in Chinese.
    pub label_zh: String,
    /// Its label in English.
    pub label_en: String,
    /// The value, as text.
    pub value: String,
    /// True when the holder chose to disclose it; false for claims always in the clear.
    pub selectively_disclosed: bool,
}

/// The answer: valid or not, why, and what the presentation shows.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct VerificationReport {
    /// True only if every check passed.
    pub valid: bool,
    /// Stable code: `licence.valid`, or the reason, e.g. `licence.revoked`.
    pub code: String,
    /// The reason in words, when not valid.
    pub reason: Option<String>,
    /// The licence type's id, once the signature verified.
    pub licence_type: Option<String>,
    /// The type's name in Chinese.
    pub licence_type_zh: Option<String>,
    /// The type's name in English.
    pub licence_type_en: Option<String>,
    /// The issuing department's code.
    pub issuer_department: Option<String>,
    /// The issuer identifier (`iss`).
    pub issuer: Option<String>,
    /// The GB/T 36904 identifier.
    pub identifier: Option<String>,
    /// The status, when it was read.
    #[schema(value_type = Option<String>)]
    pub status: Option<LicenceStatus>,
    /// Issue time, Unix seconds.
    pub issued_at: Option<i64>,
    /// End of validity, Unix seconds; absent for long-term.
    pub expires_at: Option<i64>,
    /// The key binding's audience, when there is one.
    pub kb_audience: Option<String>,
    /// The key binding's nonce, when there is one.
    pub kb_nonce: Option<String>,
    /// The claims shown, clear ones and disclosed ones.
    pub fields: Vec<DisclosedField>,
}

impl VerificationReport {
    fn refused(code: &str, reason: impl Into<String>) -> Self {
        Self {
            valid: false,
            code: code.to_owned(),
            reason: Some(reason.into()),
            licence_type: None,
            licence_type_zh: None,
            licence_type_en: None,
            issuer_department: None,
            issuer: None,
            identifier: None,
            status: None,
            issued_at: None,
            expires_at: None,
            kb_audience: None,
            kb_nonce: None,
            fields: Vec::new(),
        }
    }

    fn refuse(mut self, code: &str, reason: impl Into<String>) -> Self {
        self.valid = false;
        self.code = code.to_owned();
        self.reason = Some(reason.into());
        self
    }
}

/// A stable code for each kind of refusal from the SD-JWT checks.
fn code_of(e: &VerifyError) -> &'static str {
    match e {
        VerifyError::TooLarge { .. } => "licence.too_large",
        VerifyError::KeyNotTrusted { .. } => "licence.untrusted_issuer",
        VerifyError::BadSignature { .. } => "licence.bad_signature",
        VerifyError::Expired { .. } => "licence.expired",
        VerifyError::NotYetValid { .. } | VerifyError::IssuedInFuture { .. } => {
            "licence.not_yet_valid"
        }
        VerifyError::AlgNone { .. } | VerifyError::AlgNotAllowed { .. } => "licence.bad_algorithm",
        VerifyError::WrongTyp { .. } => "licence.wrong_typ",
        VerifyError::KeyBindingMissing => "licence.key_binding_missing",
        VerifyError::WrongAudience { .. } => "licence.wrong_audience",
        VerifyError::WrongNonce { .. } => "licence.wrong_nonce",
        VerifyError::KeyBindingTooOld { .. } => "licence.key_binding_too_old",
        VerifyError::EmptyDisclosure { .. }
        | VerifyError::MalformedDisclosure { .. }
        | VerifyError::DuplicateDisclosure { .. }
        | VerifyError::UnreferencedDisclosure { .. }
        | VerifyError::ReservedClaimName { .. }
        | VerifyError::DuplicateDigest { .. } => "licence.bad_disclosure",
        _ => "licence.malformed",
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Platform {
    /// Verifies a presentation (public: anyone may). Never fails for a bad presentation:
    /// that is a report with `valid: false` and the reason. Fails only for a request that
    /// cannot be judged (e.g. a holder check without audience and nonce).
    pub async fn verify_presentation(
        &self,
        who: Option<&Principal>,
        req: &VerifyRequest,
    ) -> Result<VerificationReport> {
        self.access()
            .check(who, Action::LicenceVerify, Resource::Platform)?;
        let presentation = req.presentation.trim();
        let key_binding = match (&req.audience, &req.nonce) {
            (Some(a), Some(n)) if !a.is_empty() && !n.is_empty() => KeyBinding::Required {
                audience: a.clone(),
                nonce: n.clone(),
                max_age: KB_MAX_AGE_S,
            },
            (None, None) if req.holder_account.is_none() => KeyBinding::NotRequired,
            _ => {
                return Err(CoreError::invalid_field(
                    "licence.verify.key_binding",
                    "audience",
                    "Give both audience and nonce to require key binding; a holder check \
                     needs them, so that a copied presentation is not accepted.",
                ));
            }
        };
        let lic = self.licences();
        let options = VerifyOptions {
            max_bytes: MAX_PRESENTATION_BYTES,
            key_binding,
            ..VerifyOptions::default()
        };
        let now = self.now().unix_timestamp();
        let trust = lic.trust_store(self.store(), false).await?;
        let verified = match verify(presentation, &trust, &options, now) {
            // A key published since the kept trust store was built: read them again.
            Err(VerifyError::KeyNotTrusted { .. }) => {
                let trust = lic.trust_store(self.store(), true).await?;
                verify(presentation, &trust, &options, now)
            }
            other => other,
        };
        match verified {
            Ok(v) => {
                self.judge(
                    lic,
                    who,
                    &v,
                    req.licence_type.as_deref(),
                    req.holder_account.as_deref(),
                )
                .await
            }
            Err(e) => Ok(VerificationReport::refused(code_of(&e), e.to_string())),
        }
    }

    /// Checks a licence this platform holds for the signed-in applicant, for mutual
    /// recognition (互认): its stored credential, with every disclosure, is verified
    /// against the published issuer keys, and then judged as a presentation is (type,
    /// issuing department, status entry, holder key). No key binding proof is made: the
    /// platform's wallet holds the holder key, so a proof it signs for itself would show
    /// nothing more than the holder check does.
    ///
    /// The signature check of an unchanged credential is kept (`Licences::verified`) and
    /// reused while the trust store is the same; validity times, status and holder are
    /// checked afresh on every call.
    pub(crate) async fn check_held_licence(
        &self,
        who: &Principal,
        licence_id: &str,
        licence_type: &str,
    ) -> Result<VerificationReport> {
        let (sd_jwt,): (String,) = self
            .store()
            .fetch_optional(
                "SELECT sd_jwt FROM licences WHERE id = $1",
                &[Val::from(licence_id)],
            )
            .await?
            .ok_or_else(|| {
                CoreError::not_found(
                    "licence.not_found",
                    format!("There is no licence `{licence_id}`."),
                )
            })?;
        let lic = self.licences();
        let options = VerifyOptions {
            max_bytes: MAX_PRESENTATION_BYTES,
            ..VerifyOptions::default()
        };
        let now = self.now().unix_timestamp();
        let trust = lic.trust_store(self.store(), false).await?;
        let digest: [u8; 32] = sha2::Sha256::digest(sd_jwt.as_bytes()).into();
        let verified = match lic.kept_verification(licence_id, &digest, &trust) {
            Some(v) => v.check_times_at(now, &options).map(|()| v),
            None => {
                let mut trust = trust;
                let mut outcome = verify(&sd_jwt, &trust, &options, now);
                if let Err(VerifyError::KeyNotTrusted { .. }) = outcome {
                    trust = lic.trust_store(self.store(), true).await?;
                    outcome = verify(&sd_jwt, &trust, &options, now);
                }
                outcome.map(|v| lic.keep_verification(licence_id, digest, &trust, v))
            }
        };
        match verified {
            Ok(v) => {
                self.judge(
                    lic,
                    Some(who),
                    &v,
                    Some(licence_type),
                    Some(&who.account_id),
                )
                .await
            }
            Err(e) => Ok(VerificationReport::refused(code_of(&e), e.to_string())),
        }
    }

    /// Judges a verified credential: type, issuing department, status entry and, with
    /// `holder_account`, its holder key.
    async fn judge(
        &self,
        lic: &Licences,
        who: Option<&Principal>,
        verified: &govops_licence::Verified,
        licence_type: Option<&str>,
        holder_account: Option<&str>,
    ) -> Result<VerificationReport> {
        let mut report = VerificationReport::refused("licence.valid", "");
        report.reason = None;
        report.issuer = verified.issuer.clone();
        report.issued_at = verified.claims.get("iat").and_then(Value::as_i64);
        report.expires_at = verified.claims.get("exp").and_then(Value::as_i64);
        report.identifier = verified
            .claims
            .get("licence_number")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(kb) = &verified.key_binding {
            report.kb_audience = Some(text_of(&kb.audience));
            report.kb_nonce = kb.nonce.clone();
        }
        let department = verified
            .issuer
            .as_deref()
            .and_then(|i| lic.department_of_issuer(i))
            .map(str::to_owned);
        report.issuer_department = department.clone();
        let type_id = verified
            .vct
            .as_deref()
            .and_then(|v| v.strip_prefix("urn:govops:licence:"));
        let Some(t) = type_id.and_then(|id| lic.types().get(id)) else {
            return Ok(report.refuse(
                "licence.unknown_type",
                format!(
                    "The credential's type {} is not a licence type of this platform.",
                    verified.vct.as_deref().unwrap_or("(none)")
                ),
            ));
        };
        report.licence_type = Some(t.id.clone());
        report.licence_type_zh = Some(t.name.zh.clone());
        report.licence_type_en = Some(t.name.en.clone());
        for c in &t.claims {
            if let Some(v) = verified.claims.get(&c.name) {
                report.fields.push(DisclosedField {
                    name: c.name.clone(),
                    label_zh: c.label.zh.clone(),
                    label_en: c.label.en.clone(),
                    value: text_of(v),
                    selectively_disclosed: verified.disclosed.contains(&ClaimPath::claim(&c.name)),
                });
            }
        }
        if department.as_deref() != Some(t.department.as_str()) {
            return Ok(report.refuse(
                "licence.wrong_issuer",
                format!(
                    "A {} is issued by department `{}`, but this one was signed by {}.",
                    t.name.en,
                    t.department,
                    verified.issuer.as_deref().unwrap_or("(none)")
                ),
            ));
        }
        if let Some(expected) = licence_type
            && expected != t.id
        {
            return Ok(report.refuse(
                "licence.wrong_type",
                format!(
                    "A licence of type `{expected}` is required; this is a `{}`.",
                    t.id
                ),
            ));
        }
        let status = match self.status_of(lic, &verified.status).await? {
            Ok(s) => s,
            Err(reason) => return Ok(report.refuse("licence.status_unknown", reason)),
        };
        report.status = Some(status);
        match status {
            LicenceStatus::Valid => {}
            LicenceStatus::Revoked => {
                return Ok(report.refuse(
                    "licence.revoked",
                    "The issuing department has revoked this licence.",
                ));
            }
            LicenceStatus::Suspended => {
                return Ok(report.refuse(
                    "licence.suspended",
                    "The issuing department has suspended this licence.",
                ));
            }
        }
        if let Some(account) = holder_account
            && !self
                .holder_matches(lic, who, account, verified.holder_key.as_ref())
                .await?
        {
            return Ok(report.refuse(
                "licence.wrong_holder",
                "The licence is not held by this account's person or enterprises.",
            ));
        }
        report.valid = true;
        Ok(report)
    }

    /// The status from the licence's status list entry: Ok(status), or Err(reason) when
    /// the entry is not one this platform publishes.
    async fn status_of(
        &self,
        lic: &Licences,
        reference: &Option<govops_licence::StatusReference>,
    ) -> Result<std::result::Result<LicenceStatus, String>> {
        let Some(reference) = reference else {
            return Ok(Err("The licence has no status list entry.".into()));
        };
        let Some((department, list_no)) = lic.parse_status_list_uri(&reference.uri) else {
            return Ok(Err(format!(
                "The status list {} is not published by this platform.",
                reference.uri
            )));
        };
        let idx = i64::try_from(reference.idx).unwrap_or(i64::MAX);
        let row: Option<(i64,)> = self
            .store()
            .fetch_optional(
                "SELECT status FROM licences WHERE department_code = $1 AND list_no = $2 \
             AND status_idx = $3",
                &[Val::from(department), Val::from(list_no), Val::from(idx)],
            )
            .await?;
        Ok(match row {
            Some((s,)) => Ok(LicenceStatus::from_code(s)),
            None => Err(format!(
                "Entry {idx} of the status list {} belongs to no licence.",
                reference.uri
            )),
        })
    }

    /// True when `key` is the holder key of the account's person or of an enterprise the
    /// account's person acts for.
    async fn holder_matches(
        &self,
        lic: &Licences,
        who: Option<&Principal>,
        account: &str,
        key: Option<&govops_licence::VerifyingKey>,
    ) -> Result<bool> {
        let Some(key) = key else {
            return Ok(false);
        };
        let holders = match who {
            Some(p) if p.account_id == account => holders_of_principal(p),
            _ => self.holders_of_account(account).await?,
        };
        for holder in holders {
            if lic.holder_public_key(self.store(), &holder).await?.as_ref() == Some(key) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The holders an account acts as: `person:<id>` and `enterprise:<id>` for each
    /// enterprise its person is an agent of.
    pub(crate) async fn holders_of_account(&self, account: &str) -> Result<Vec<String>> {
        let person: Option<(Option<String>,)> = self
            .store()
            .fetch_optional(
                "SELECT person_id FROM accounts WHERE id = $1",
                &[Val::from(account)],
            )
            .await?;
        let Some((Some(person),)) = person else {
            return Ok(Vec::new());
        };
        let firms: Vec<(String,)> =
            self
                .store()
                .fetch_all(
                    "SELECT enterprise_id FROM enterprise_agents WHERE person_id = $1 ORDER BY enterprise_id",
                    &[Val::from(&person)],
                )
                .await?;
        let mut out = vec![format!("person:{person}")];
        out.extend(firms.into_iter().map(|(f,)| format!("enterprise:{f}")));
        Ok(out)
    }
}

/// The holders a signed-in principal acts as, from its session: `person:<id>` and
/// `enterprise:<id>` for each enterprise it is an agent of (what
/// [`Platform::holders_of_account`] reads from the database).
pub(crate) fn holders_of_principal(p: &Principal) -> Vec<String> {
    let Some(person) = &p.person_id else {
        return Vec::new();
    };
    let mut out = vec![format!("person:{person}")];
    out.extend(p.enterprises.iter().map(|f| format!("enterprise:{f}")));
    out
}
