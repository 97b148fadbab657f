//! Verifying presentations: RFC 9901 §7.1 and §7.3, and the SD-JWT VC draft's checks.
//!
//! The order of the checks follows the RFC, with the cheap refusals first: size, then
//! shape, then the issuer's signature, then the disclosures, then validity times, then
//! key binding. Every refusal is its own [`VerifyError`] variant.

use serde_json::{Map, Value};

use crate::disclosure::{Disclosure, digest};
use crate::error::{Jwt, VerifyError};
use crate::issue::{VC_CLEAR_CLAIMS, VC_TYP};
use crate::jws::{Jws, check_times, numeric_date};
use crate::keys::{Algorithm, VerifyingKey};
use crate::path::{ClaimPath, PathSegment};
use crate::process::process;
use crate::status_list::{Status, StatusReference, VerifiedStatusList};

/// The issuers a verifier trusts and their keys.
///
/// Keys are looked up by the token's `iss` and, if the header has one, its `kid`; an
/// entry without a `kid` matches any. Keeping old keys here after a rotation keeps
/// licences signed with them verifiable. A key added with [`TrustStore::add_for_any_issuer`]
/// is tried for every issuer, and is the only kind tried for a plain SD-JWT without `iss`
/// (RFC 9901 does not require one; W3C-style payloads name the issuer otherwise).
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    entries: Vec<TrustedKey>,
}

/// One trusted key of one issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    /// The issuer (`iss`) the key signs for; `None` for any issuer.
    pub issuer: Option<String>,
    pub kid: Option<String>,
    pub key: VerifyingKey,
}

impl TrustStore {
    /// An empty store, which trusts no one.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts `key` for tokens from `issuer` (with header `kid`, if given).
    pub fn add(&mut self, issuer: impl Into<String>, kid: Option<String>, key: VerifyingKey) {
        self.entries.push(TrustedKey {
            issuer: Some(issuer.into()),
            kid,
            key,
        });
    }

    /// Trusts `key` whatever the token's issuer, for a closed setting where the key
    /// alone identifies the signer.
    pub fn add_for_any_issuer(&mut self, kid: Option<String>, key: VerifyingKey) {
        self.entries.push(TrustedKey {
            issuer: None,
            kid,
            key,
        });
    }

    /// The keys that could have signed a token from `issuer` with header `kid`.
    pub fn keys_for<'a>(
        &'a self,
        issuer: Option<&'a str>,
        kid: Option<&'a str>,
    ) -> impl Iterator<Item = &'a VerifyingKey> {
        self.entries
            .iter()
            .filter(move |e| e.issuer.is_none() || e.issuer.as_deref() == issuer)
            .filter(move |e| kid.is_none() || e.kid.is_none() || e.kid.as_deref() == kid)
            .map(|e| &e.key)
    }

    /// Checks `jws` against the keys trusted for `issuer`: it verifies if any of them of
    /// the header's algorithm accepts the signature.
    pub(crate) fn verify(
        &self,
        jws: &Jws<'_>,
        issuer: Option<&str>,
        jwt: Jwt,
    ) -> Result<(), VerifyError> {
        let mut candidates = self.keys_for(issuer, jws.kid()).peekable();
        let Some(first) = candidates.peek().copied() else {
            return Err(VerifyError::KeyNotTrusted {
                iss: issuer.unwrap_or("(none)").to_owned(),
                kid: jws.kid().map(str::to_owned),
            });
        };
        let mut result = Err(VerifyError::BadSignature { jwt });
        let mut alg_matched = false;
        for key in candidates {
            if key.algorithm() != jws.alg {
                continue;
            }
            alg_matched = true;
            result = jws.verify_with(key, jwt);
            if result.is_ok() {
                break;
            }
        }
        if !alg_matched {
            return jws.verify_with(first, jwt);
        }
        result
    }
}

/// Which kind of SD-JWT is expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Profile {
    /// An SD-JWT VC: `typ` is `dc+sd-jwt`, `vct` is required, and the claims the draft
    /// keeps in the clear (`iss`, `nbf`, `exp`, `cnf`, `vct`, `status`, …) may not come
    /// from disclosures.
    SdJwtVc,
    /// A plain RFC 9901 SD-JWT whose `typ`, if `Some`, must be the given value.
    SdJwt { typ: Option<String> },
}

/// What a verifier requires of key binding (RFC 9901 §7.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyBinding {
    /// A KB-JWT must be present, for this audience and nonce, made at most `max_age`
    /// seconds ago.
    Required {
        audience: String,
        nonce: String,
        max_age: i64,
    },
    /// A KB-JWT need not be present. If one is, its signature, `typ`, `iat` and
    /// `sd_hash` are still checked (a broken proof is never ignored), and its `aud` and
    /// `nonce` are returned for the caller to judge.
    NotRequired,
}

/// How strictly to verify.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Largest presentation accepted, checked before anything is parsed.
    pub max_bytes: usize,
    /// Accepted signature algorithms, for the issuer's JWT and the KB-JWT.
    pub algorithms: Vec<Algorithm>,
    /// The kind of SD-JWT expected.
    pub profile: Profile,
    /// Seconds of clock skew tolerated on `exp`, `nbf` and `iat`.
    pub leeway: i64,
    /// Whether a credential without `exp` is refused. Long-term (长期) licences have no
    /// `exp`, so this is off by default.
    pub require_expiry: bool,
    /// Key binding policy.
    pub key_binding: KeyBinding,
    /// Deepest nesting of claims accepted.
    pub max_depth: usize,
}

impl Default for VerifyOptions {
    /// SD-JWT VC, ES256 and EdDSA, 64 KiB, 60 s leeway, key binding not required.
    fn default() -> Self {
        Self {
            max_bytes: 64 * 1024,
            algorithms: vec![Algorithm::Es256, Algorithm::EdDsa],
            profile: Profile::SdJwtVc,
            leeway: 60,
            require_expiry: false,
            key_binding: KeyBinding::NotRequired,
            max_depth: 32,
        }
    }
}

/// The checked claims of a KB-JWT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBindingClaims {
    pub issued_at: i64,
    pub audience: Value,
    pub nonce: Option<String>,
}

/// A presentation that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The issuer-signed JWT's header.
    pub header: Map<String, Value>,
    /// The processed payload: clear claims plus disclosed ones, digests removed.
    pub claims: Map<String, Value>,
    /// The claims that came from disclosures, sorted.
    pub disclosed: Vec<ClaimPath>,
    /// The issuer (`iss`); always present for an SD-JWT VC.
    pub issuer: Option<String>,
    /// The credential type (`vct`), if present.
    pub vct: Option<String>,
    /// Where to check revocation, if the credential says.
    pub status: Option<StatusReference>,
    /// The holder's key (`cnf.jwk`), if the credential is bound to one.
    pub holder_key: Option<VerifyingKey>,
    /// The key binding proof, if one was presented.
    pub key_binding: Option<KeyBindingClaims>,
}

impl Verified {
    /// Checks the credential's validity times (`exp`, `nbf`, `iat`) again at `now`, as
    /// [`verify`] did: for a caller that keeps a verified credential and uses it later.
    pub fn check_times_at(&self, now: i64, options: &VerifyOptions) -> Result<(), VerifyError> {
        check_times(
            &self.claims,
            Jwt::Issuer,
            now,
            options.leeway,
            options.require_expiry,
        )
    }

    /// Refuses a revoked, suspended or otherwise not-VALID licence, given the verified
    /// status list token its `status.status_list.uri` points at.
    pub fn check_status(&self, list: &VerifiedStatusList) -> Result<(), VerifyError> {
        let reference = self.status.as_ref().ok_or(VerifyError::NoStatus)?;
        match list.status_of(reference)? {
            Status::VALID => Ok(()),
            Status::INVALID => Err(VerifyError::Revoked { idx: reference.idx }),
            Status::SUSPENDED => Err(VerifyError::Suspended { idx: reference.idx }),
            Status(other) => Err(VerifyError::NotValidStatus {
                idx: reference.idx,
                status: other,
            }),
        }
    }
}

/// An SD-JWT or SD-JWT+KB split at its `~`s, nothing decoded yet.
pub(crate) struct Parts<'a> {
    pub jws: &'a str,
    pub disclosures: Vec<&'a str>,
    /// Everything up to and including the last `~`: what `sd_hash` covers.
    pub sd_jwt: &'a str,
    /// The KB-JWT, if the input does not end with `~`.
    pub kb_jwt: Option<&'a str>,
}

/// Splits `input` after the size check, refusing an empty disclosure between two `~`.
pub(crate) fn split(input: &str, max_bytes: usize) -> Result<Parts<'_>, VerifyError> {
    if input.len() > max_bytes {
        return Err(VerifyError::TooLarge {
            size: input.len(),
            max: max_bytes,
        });
    }
    if input.is_empty() {
        return Err(VerifyError::Empty);
    }
    let last = input.rfind('~').ok_or(VerifyError::MissingTilde)?;
    let (sd_jwt, kb) = input.split_at(last + 1);
    let mut pieces = sd_jwt[..last].split('~');
    let jws = pieces.next().unwrap_or_default();
    let disclosures: Vec<&str> = pieces.collect();
    if let Some(i) = disclosures.iter().position(|d| d.is_empty()) {
        return Err(VerifyError::EmptyDisclosure { index: i + 1 });
    }
    Ok(Parts {
        jws,
        disclosures,
        sd_jwt,
        kb_jwt: (!kb.is_empty()).then_some(kb),
    })
}

/// Verifies a presentation (`<JWS>~<disclosure>~…~[<KB-JWT>]`) at time `now` (seconds
/// since 1970) against the issuers in `trust`.
pub fn verify(
    input: &str,
    trust: &TrustStore,
    options: &VerifyOptions,
    now: i64,
) -> Result<Verified, VerifyError> {
    let parts = split(input, options.max_bytes)?;
    // §7.3 step 1: a missing KB-JWT is refused before any expensive work.
    if matches!(options.key_binding, KeyBinding::Required { .. }) && parts.kb_jwt.is_none() {
        return Err(VerifyError::KeyBindingMissing);
    }

    // §7.1 step 2: the issuer-signed JWT.
    let jws = Jws::parse(parts.jws, Jwt::Issuer, &options.algorithms)?;
    match &options.profile {
        Profile::SdJwtVc => jws.require_typ(VC_TYP, Jwt::Issuer)?,
        Profile::SdJwt { typ: Some(typ) } => jws.require_typ(typ, Jwt::Issuer)?,
        Profile::SdJwt { typ: None } => {}
    }
    let issuer = jws.payload.get("iss").and_then(Value::as_str);
    if issuer.is_none() && options.profile == Profile::SdJwtVc {
        return Err(VerifyError::MissingIssuer);
    }
    trust.verify(&jws, issuer, Jwt::Issuer)?;
    match jws.payload.get("_sd_alg") {
        None => {}
        Some(Value::String(alg)) if alg == "sha-256" => {}
        Some(other) => return Err(VerifyError::UnsupportedSdAlg(other.to_string())),
    }

    // §7.1 steps 3–5: disclosures.
    let disclosures = Disclosure::parse_all(&parts.disclosures)?;
    let processed = process(&jws.payload, &disclosures, options.max_depth)?;
    let claims = processed.payload;

    // SD-JWT VC: type, clear claims, status.
    let vct = claims.get("vct").and_then(Value::as_str).map(str::to_owned);
    if options.profile == Profile::SdJwtVc {
        if let Some(name) = processed
            .disclosed
            .iter()
            .find_map(|c| match c.path.segments() {
                [PathSegment::Key(k)] if VC_CLEAR_CLAIMS.contains(&k.as_str()) => Some(k.clone()),
                _ => None,
            })
        {
            return Err(VerifyError::VcClaimDisclosed { name });
        }
        if vct.is_none() {
            return Err(VerifyError::MissingVct);
        }
    }
    let status = claims
        .get("status")
        .map(StatusReference::from_claim)
        .transpose()?
        .flatten();

    // §7.1 step 6: validity times of the processed payload.
    check_times(
        &claims,
        Jwt::Issuer,
        now,
        options.leeway,
        options.require_expiry,
    )?;

    // §7.3 step 4: key binding.
    let holder_key = match claims.get("cnf") {
        None => None,
        Some(cnf) => Some(holder_key(cnf)?),
    };
    let key_binding = match parts.kb_jwt {
        None => None,
        Some(kb) => Some(check_key_binding(
            kb,
            parts.sd_jwt,
            holder_key.as_ref(),
            options,
            now,
        )?),
    };

    // Sorted, so that the list does not depend on the order of the digests.
    let mut disclosed: Vec<ClaimPath> = processed.disclosed.into_iter().map(|c| c.path).collect();
    disclosed.sort();
    Ok(Verified {
        header: jws.header,
        issuer: issuer.map(str::to_owned),
        disclosed,
        vct,
        status,
        holder_key,
        key_binding,
        claims,
    })
}

/// Reads `cnf.jwk` (RFC 7800).
fn holder_key(cnf: &Value) -> Result<VerifyingKey, VerifyError> {
    let jwk = cnf
        .get("jwk")
        .ok_or_else(|| VerifyError::InvalidHolderKey {
            reason: "\"cnf\" has no \"jwk\"".to_owned(),
        })?;
    VerifyingKey::from_jwk(jwk).map_err(|e| VerifyError::InvalidHolderKey { reason: e.reason })
}

/// RFC 9901 §7.3 step 4, on the KB-JWT `kb` attached to `sd_jwt`.
fn check_key_binding(
    kb: &str,
    sd_jwt: &str,
    holder_key: Option<&VerifyingKey>,
    options: &VerifyOptions,
    now: i64,
) -> Result<KeyBindingClaims, VerifyError> {
    const JWT: Jwt = Jwt::KeyBinding;
    // The KB-JWT's shape is checked first: an input cut short loses its final '~', and
    // its last disclosure then lands here, which is best reported as what it is.
    let jws = Jws::parse(kb, JWT, &options.algorithms)?;
    jws.require_typ("kb+jwt", JWT)?;
    let holder_key = holder_key.ok_or(VerifyError::NoHolderKey)?;
    jws.verify_with(holder_key, JWT)?;
    let payload = &jws.payload;

    let issued_at = numeric_date(payload, "iat", JWT)?.ok_or(VerifyError::MissingClaim {
        jwt: JWT,
        claim: "iat",
    })?;
    check_times(payload, JWT, now, options.leeway, false)?;

    let audience = payload.get("aud").cloned().unwrap_or(Value::Null);
    let nonce = payload
        .get("nonce")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let KeyBinding::Required {
        audience: expected_aud,
        nonce: expected_nonce,
        max_age,
    } = &options.key_binding
    {
        if now.saturating_sub(issued_at) > max_age.saturating_add(options.leeway) {
            return Err(VerifyError::KeyBindingTooOld {
                iat: issued_at,
                now,
                max_age: *max_age,
            });
        }
        let aud_matches = match &audience {
            Value::String(a) => a == expected_aud,
            Value::Array(items) => items
                .iter()
                .any(|a| a.as_str() == Some(expected_aud.as_str())),
            _ => false,
        };
        if !aud_matches {
            return Err(VerifyError::WrongAudience {
                expected: expected_aud.clone(),
                found: match &audience {
                    Value::Null => None,
                    Value::String(a) => Some(a.clone()),
                    other => Some(other.to_string()),
                },
            });
        }
        if nonce.as_deref() != Some(expected_nonce.as_str()) {
            return Err(VerifyError::WrongNonce { found: nonce });
        }
    }

    match payload.get("sd_hash") {
        None => {
            return Err(VerifyError::MissingClaim {
                jwt: JWT,
                claim: "sd_hash",
            });
        }
        Some(Value::String(h)) if *h == digest(sd_jwt) => {}
        Some(_) => return Err(VerifyError::SdHashMismatch),
    }
    Ok(KeyBindingClaims {
        issued_at,
        audience,
        nonce,
    })
}
