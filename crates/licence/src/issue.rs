//! Issuing SD-JWT VCs (RFC 9901 §4, draft-ietf-oauth-sd-jwt-vc §3).
//!
//! The issuer turns a licence's claims into a signed payload in which the claims named
//! by a [`Frame`] are replaced by digests, and returns the payload's JWS followed by the
//! disclosures: `<JWS>~<disclosure>~…~`. The holder keeps all of it and later reveals a
//! chosen subset ([`crate::SdJwt::present`]).

use rand_core::{CryptoRng, RngCore};
use serde_json::{Map, Value, json};

use crate::disclosure::{Disclosure, decoy};
use crate::error::IssueError;
use crate::frame::Frame;
use crate::jws::sign_compact;
use crate::keys::{SigningKey, VerifyingKey};
use crate::path::{ClaimPath, PathSegment};
use crate::status_list::StatusReference;

/// The media type of an SD-JWT VC, as the `typ` header (draft-ietf-oauth-sd-jwt-vc §3.2.1).
pub const VC_TYP: &str = "dc+sd-jwt";

/// Claims an SD-JWT VC must carry in the clear (draft-ietf-oauth-sd-jwt-vc §3.2.2.2):
/// a verifier needs them before it can decide whether to trust anything else.
pub(crate) const VC_CLEAR_CLAIMS: [&str; 7] =
    ["iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"];

/// Claims the issuer sets from [`Credential`]'s fields, never from its free claims.
const REGISTERED_CLAIMS: [&str; 9] = [
    "iss", "iat", "nbf", "exp", "sub", "cnf", "vct", "status", "_sd_alg",
];

/// A department that signs licences with its own key (each department has its own).
#[derive(Debug, Clone)]
pub struct Issuer {
    id: String,
    key: SigningKey,
    kid: Option<String>,
}

/// What a licence says: its type, validity, holder and claims.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    /// The credential type (`vct`), e.g. `https://gov.example/licence/business`.
    pub vct: String,
    /// When it is issued (`iat`), in seconds since 1970.
    pub issued_at: i64,
    /// Not valid before (`nbf`), if the validity starts later.
    pub not_before: Option<i64>,
    /// End of validity (`exp`); `None` for a long-term (长期) licence.
    pub expires_at: Option<i64>,
    /// The subject (`sub`), if the licence names one in the clear.
    pub subject: Option<String>,
    /// The holder's public key (`cnf.jwk`), which key binding proves possession of.
    pub holder_key: Option<VerifyingKey>,
    /// Where its revocation status is published (`status.status_list`).
    pub status: Option<StatusReference>,
    /// The licence's own claims, e.g. `{"name": …, "licence_number": …}`.
    pub claims: Map<String, Value>,
}

impl Credential {
    /// A credential of type `vct`, issued at `issued_at`, with `claims` and nothing else.
    pub fn new(vct: impl Into<String>, issued_at: i64, claims: Map<String, Value>) -> Self {
        Self {
            vct: vct.into(),
            issued_at,
            not_before: None,
            expires_at: None,
            subject: None,
            holder_key: None,
            status: None,
            claims,
        }
    }
}

/// An issued SD-JWT: the compact form for the holder, and its disclosures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedSdJwt {
    compact: String,
    disclosures: Vec<Disclosure>,
}

impl IssuedSdJwt {
    /// `<JWS>~<disclosure>~…~`, as handed to the holder's wallet.
    pub fn as_str(&self) -> &str {
        &self.compact
    }

    /// The disclosures, in the order they appear in [`IssuedSdJwt::as_str`].
    pub fn disclosures(&self) -> &[Disclosure] {
        &self.disclosures
    }
}

impl std::fmt::Display for IssuedSdJwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.compact)
    }
}

impl Issuer {
    /// An issuer identified by `id` (the `iss` value, a URL) that signs with `key`.
    pub fn new(id: impl Into<String>, key: SigningKey) -> Self {
        Self {
            id: id.into(),
            key,
            kid: None,
        }
    }

    /// Names the key in the JWS header (`kid`), so that verifiers can pick it among the
    /// issuer's published keys after a rotation.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The issuer identifier (`iss`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The `kid`, if set.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The public key to publish for verifiers.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Issues `credential` as an SD-JWT VC (`typ: dc+sd-jwt`), making the claims that
    /// `frame` names selectively disclosable. Salts and decoys come from `rng`.
    pub fn issue<R: RngCore + CryptoRng>(
        &self,
        credential: &Credential,
        frame: &Frame,
        rng: &mut R,
    ) -> Result<IssuedSdJwt, IssueError> {
        if let Some(name) = REGISTERED_CLAIMS
            .iter()
            .find(|n| credential.claims.contains_key(**n))
        {
            return Err(IssueError::RegisteredClaim {
                name: (*name).to_owned(),
            });
        }
        for name in VC_CLEAR_CLAIMS {
            let segment = PathSegment::Key(name.to_owned());
            if frame.disclosable.contains(&segment) || frame.nested.contains_key(&segment) {
                return Err(IssueError::NotDisclosable {
                    name: name.to_owned(),
                });
            }
        }
        let mut payload = credential.claims.clone();
        payload.insert("iss".to_owned(), Value::from(self.id.as_str()));
        payload.insert("iat".to_owned(), Value::from(credential.issued_at));
        payload.insert("vct".to_owned(), Value::from(credential.vct.as_str()));
        if let Some(nbf) = credential.not_before {
            payload.insert("nbf".to_owned(), Value::from(nbf));
        }
        if let Some(exp) = credential.expires_at {
            payload.insert("exp".to_owned(), Value::from(exp));
        }
        if let Some(sub) = &credential.subject {
            payload.insert("sub".to_owned(), Value::from(sub.as_str()));
        }
        if let Some(key) = &credential.holder_key {
            payload.insert("cnf".to_owned(), json!({ "jwk": key.to_jwk() }));
        }
        if let Some(status) = &credential.status {
            payload.insert("status".to_owned(), status.to_claim());
        }
        self.issue_payload(VC_TYP, payload, frame, rng)
    }

    /// Issues any payload as an SD-JWT with header `typ`, for uses other than licences.
    /// The payload is signed as given plus `_sd_alg`; no claim is added or checked.
    pub fn issue_payload<R: RngCore + CryptoRng>(
        &self,
        typ: &str,
        payload: Map<String, Value>,
        frame: &Frame,
        rng: &mut R,
    ) -> Result<IssuedSdJwt, IssueError> {
        if payload.contains_key("_sd_alg") {
            return Err(IssueError::RegisteredClaim {
                name: "_sd_alg".to_owned(),
            });
        }
        let mut disclosures = Vec::new();
        let mut payload = match apply(
            Value::Object(payload),
            Some(frame),
            &ClaimPath::root(),
            rng,
            &mut disclosures,
        )? {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        payload.insert("_sd_alg".to_owned(), Value::from("sha-256"));
        let mut header = Map::new();
        header.insert("typ".to_owned(), Value::from(typ));
        if let Some(kid) = &self.kid {
            header.insert("kid".to_owned(), Value::from(kid.as_str()));
        }
        let mut compact = sign_compact(&self.key, header, &payload);
        compact.push('~');
        for d in &disclosures {
            compact.push_str(d.encoded());
            compact.push('~');
        }
        Ok(IssuedSdJwt {
            compact,
            disclosures,
        })
    }
}

/// Replaces the claims `frame` names with digests, depth first, so that a disclosable
/// object's own disclosable members are digested inside it (recursive disclosures).
fn apply<R: RngCore + CryptoRng>(
    value: Value,
    frame: Option<&Frame>,
    path: &ClaimPath,
    rng: &mut R,
    out: &mut Vec<Disclosure>,
) -> Result<Value, IssueError> {
    match value {
        Value::Object(map) => {
            if let Some(frame) = frame {
                for segment in frame.disclosable.iter().chain(frame.nested.keys()) {
                    match segment {
                        PathSegment::Key(k) if map.contains_key(k) => {}
                        PathSegment::Key(k) => {
                            return Err(IssueError::FrameClaimMissing {
                                path: path.key(k).to_string(),
                            });
                        }
                        PathSegment::Index(_) => {
                            return Err(IssueError::FrameShape {
                                path: path.to_string(),
                                expected: "an array",
                            });
                        }
                    }
                }
            }
            let mut result = Map::new();
            let mut digests = Vec::new();
            for (key, v) in map {
                if key == "_sd" || key == "..." {
                    return Err(IssueError::ReservedClaimName {
                        name: key,
                        path: path.to_string(),
                    });
                }
                let segment = PathSegment::Key(key.clone());
                let child = frame.and_then(|f| f.nested.get(&segment));
                let v = apply(v, child, &path.key(&key), rng, out)?;
                if frame.is_some_and(|f| f.disclosable.contains(&segment)) {
                    let d = Disclosure::new(rng, Some(&key), v);
                    digests.push(Value::from(d.digest()));
                    out.push(d);
                } else {
                    result.insert(key, v);
                }
            }
            for _ in 0..frame.map_or(0, |f| f.decoys) {
                digests.push(Value::from(decoy(rng)));
            }
            if !digests.is_empty() {
                // Sorted, so the order of the digests reveals nothing about the claims.
                digests.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                result.insert("_sd".to_owned(), Value::Array(digests));
            }
            Ok(Value::Object(result))
        }
        Value::Array(items) => {
            if let Some(frame) = frame {
                for segment in frame.disclosable.iter().chain(frame.nested.keys()) {
                    match segment {
                        PathSegment::Index(i) if *i < items.len() => {}
                        PathSegment::Index(i) => {
                            return Err(IssueError::FrameClaimMissing {
                                path: path.index(*i).to_string(),
                            });
                        }
                        PathSegment::Key(_) => {
                            return Err(IssueError::FrameShape {
                                path: path.to_string(),
                                expected: "an object",
                            });
                        }
                    }
                }
            }
            let mut result = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let segment = PathSegment::Index(i);
                let child = frame.and_then(|f| f.nested.get(&segment));
                let v = apply(item, child, &path.index(i), rng, out)?;
                if frame.is_some_and(|f| f.disclosable.contains(&segment)) {
                    let d = Disclosure::new(rng, None, v);
                    result.push(json!({ "...": d.digest() }));
                    out.push(d);
                } else {
                    result.push(v);
                }
            }
            Ok(Value::Array(result))
        }
        scalar => match frame {
            Some(f) if !f.is_empty() => Err(IssueError::FrameShape {
                path: path.to_string(),
                expected: "an object or array",
            }),
            _ => Ok(scalar),
        },
    }
}
