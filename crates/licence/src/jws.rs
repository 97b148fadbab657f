//! Compact JWS (RFC 7515 §7.1) for the three tokens this crate handles.
//!
//! This is written by hand rather than taken from a JOSE crate. The candidates each got
//! one thing in the way: `jsonwebtoken` 9 requires `exp` unless told otherwise (a
//! long-term 长期 licence has none), drops header parameters it does not know, hides the
//! raw payload bytes, and signs through `ring`, not the RustCrypto keys used here;
//! `josekit` needs OpenSSL. What is needed is small: split on '.', base64url, JSON,
//! refuse `none` and anything not configured, refuse unknown `crit`, check one signature.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::error::{Jwt, VerifyError};
use crate::keys::{Algorithm, SigningKey, VerifyingKey};

/// base64url without padding, as JOSE and SD-JWT use everywhere.
pub(crate) fn b64_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Strict base64url: padding, other alphabets and non-zero trailing bits are refused, so
/// that one value has one encoding (a digest is taken over the encoded text).
pub(crate) fn b64_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Signs `payload` under `header` (to which `alg` is added) and returns `h.p.s`.
pub(crate) fn sign_compact(
    key: &SigningKey,
    mut header: Map<String, Value>,
    payload: &Map<String, Value>,
) -> String {
    header.insert("alg".to_owned(), Value::from(key.algorithm().name()));
    // `Value`'s Display is its compact JSON text and cannot fail.
    let header = Value::Object(header).to_string();
    let payload = Value::Object(payload.clone()).to_string();
    let mut out = String::with_capacity(header.len() * 4 / 3 + payload.len() * 4 / 3 + 90);
    out.push_str(&b64_encode(header.as_bytes()));
    out.push('.');
    out.push_str(&b64_encode(payload.as_bytes()));
    let signature = key.sign(out.as_bytes());
    out.push('.');
    out.push_str(&b64_encode(&signature));
    out
}

/// A compact JWS taken apart, its signature not yet checked.
#[derive(Debug)]
pub(crate) struct Jws<'a> {
    pub header: Map<String, Value>,
    pub payload: Map<String, Value>,
    pub alg: Algorithm,
    signing_input: &'a str,
    signature: Vec<u8>,
}

impl<'a> Jws<'a> {
    /// Takes a compact JWS apart and checks its header: `alg` present, not `none`, among
    /// `allowed`; no `crit`. The signature is checked later by [`Jws::verify_with`], once
    /// the caller has found the key.
    pub fn parse(token: &'a str, jwt: Jwt, allowed: &[Algorithm]) -> Result<Self, VerifyError> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(VerifyError::JwsParts {
                jwt,
                parts: token.split('.').count(),
            });
        };
        let header = json_object(h, jwt, "header")?;
        let alg_name = header
            .get("alg")
            .and_then(Value::as_str)
            .ok_or(VerifyError::MissingAlg { jwt })?;
        if alg_name.eq_ignore_ascii_case("none") {
            return Err(VerifyError::AlgNone { jwt });
        }
        let alg = Algorithm::from_name(alg_name)
            .filter(|a| allowed.contains(a))
            .ok_or_else(|| VerifyError::AlgNotAllowed {
                jwt,
                alg: alg_name.to_owned(),
                accepted: allowed
                    .iter()
                    .map(|a| a.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        // RFC 7515 §4.1.11: a recipient must reject a JWS whose `crit` lists an extension
        // it does not understand. We understand none, so any `crit` is refused.
        if let Some(crit) = header.get("crit") {
            return Err(VerifyError::CriticalHeader {
                jwt,
                crit: crit.to_string(),
            });
        }
        let payload = json_object(p, jwt, "payload")?;
        let signature = b64_decode(s).ok_or(VerifyError::Base64 {
            jwt,
            part: "signature",
        })?;
        let signing_input = &token[..h.len() + 1 + p.len()];
        Ok(Self {
            header,
            payload,
            alg,
            signing_input,
            signature,
        })
    }

    /// The header's `typ`, if it is a string.
    pub fn typ(&self) -> Option<&str> {
        self.header.get("typ").and_then(Value::as_str)
    }

    /// The header's `kid`, if it is a string.
    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// Requires `typ` to be `expected`. Media types are case-insensitive (RFC 7515
    /// §4.1.9), so the comparison is too.
    pub fn require_typ(&self, expected: &str, jwt: Jwt) -> Result<(), VerifyError> {
        match self.typ() {
            Some(t) if t.eq_ignore_ascii_case(expected) => Ok(()),
            found => Err(VerifyError::WrongTyp {
                jwt,
                expected: expected.to_owned(),
                found: found.map(str::to_owned),
            }),
        }
    }

    /// Checks the signature with `key`, whose algorithm must be the header's.
    pub fn verify_with(&self, key: &VerifyingKey, jwt: Jwt) -> Result<(), VerifyError> {
        if key.algorithm() != self.alg {
            return Err(VerifyError::AlgKeyMismatch {
                jwt,
                alg: self.alg.name(),
                key_alg: key.algorithm().name(),
            });
        }
        if key.verify(self.signing_input.as_bytes(), &self.signature) {
            Ok(())
        } else {
            Err(VerifyError::BadSignature { jwt })
        }
    }
}

fn json_object(
    part: &str,
    jwt: Jwt,
    name: &'static str,
) -> Result<Map<String, Value>, VerifyError> {
    let bytes = b64_decode(part).ok_or(VerifyError::Base64 { jwt, part: name })?;
    serde_json::from_slice::<Map<String, Value>>(&bytes).map_err(|e| VerifyError::Json {
        jwt,
        part: name,
        detail: e.to_string(),
    })
}

/// Reads an optional NumericDate claim (RFC 7519 §2): an integer number of seconds.
/// Fractions are allowed by RFC 7519 and are truncated toward the past.
pub(crate) fn numeric_date(
    payload: &Map<String, Value>,
    claim: &str,
    jwt: Jwt,
) -> Result<Option<i64>, VerifyError> {
    match payload.get(claim) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .or_else(|| {
                v.as_f64()
                    .filter(|f| f.is_finite() && f.abs() < 1e15)
                    .map(|f| f.floor() as i64)
            })
            .map(Some)
            .ok_or_else(|| VerifyError::ClaimType {
                jwt,
                claim: claim.to_owned(),
                expected: "a number of seconds since 1970 (NumericDate)",
            }),
    }
}

/// Checks `exp`, `nbf` and `iat` of a payload against `now` with `leeway` seconds of
/// tolerance for clock skew between issuer, holder and verifier.
pub(crate) fn check_times(
    payload: &Map<String, Value>,
    jwt: Jwt,
    now: i64,
    leeway: i64,
    require_exp: bool,
) -> Result<(), VerifyError> {
    let exp = numeric_date(payload, "exp", jwt)?;
    let nbf = numeric_date(payload, "nbf", jwt)?;
    let iat = numeric_date(payload, "iat", jwt)?;
    match exp {
        Some(exp) if now.saturating_sub(leeway) >= exp => {
            return Err(VerifyError::Expired {
                jwt,
                exp,
                now,
                leeway,
            });
        }
        None if require_exp => return Err(VerifyError::MissingClaim { jwt, claim: "exp" }),
        _ => {}
    }
    if let Some(nbf) = nbf
        && now.saturating_add(leeway) < nbf
    {
        return Err(VerifyError::NotYetValid {
            jwt,
            nbf,
            now,
            leeway,
        });
    }
    if let Some(iat) = iat
        && now.saturating_add(leeway) < iat
    {
        return Err(VerifyError::IssuedInFuture {
            jwt,
            iat,
            now,
            leeway,
        });
    }
    Ok(())
}
