//! The holder's side: reading an issued SD-JWT and presenting a chosen subset of it
//! (RFC 9901 §7.2 and §4.3).
//!
//! The wallet keeps the issued SD-JWT with all its disclosures. To present, it picks the
//! claims to reveal, sends only their disclosures (plus those of the objects that hold
//! them), and, when the verifier asks for it, appends a KB-JWT signed with the holder's
//! key that binds the presentation to the verifier (`aud`) and to this request (`nonce`).

use serde_json::{Map, Value};

use crate::disclosure::{Disclosure, digest};
use crate::error::{Jwt, PresentError, VerifyError};
use crate::jws::{Jws, sign_compact};
use crate::keys::{Algorithm, SigningKey, VerifyingKey};
use crate::path::ClaimPath;
use crate::process::{DisclosedClaim, process};
use crate::verify::split;

/// Deepest nesting a wallet accepts in a credential it is given.
const HOLDER_MAX_DEPTH: usize = 32;

/// An issued SD-JWT as the holder's wallet holds it.
#[derive(Debug, Clone)]
pub struct SdJwt {
    jws: String,
    claims: Map<String, Value>,
    disclosures: Vec<Disclosure>,
    disclosable: Vec<DisclosedClaim>,
}

/// What the verifier asked the holder to bind the presentation to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBindingRequest {
    /// The verifier's identifier (`aud`).
    pub audience: String,
    /// The verifier's fresh nonce for this request (`nonce`).
    pub nonce: String,
    /// When the holder signs (`iat`), in seconds since 1970.
    pub issued_at: i64,
}

impl SdJwt {
    /// Reads an issued SD-JWT (`<JWS>~<disclosure>~…~`) and checks that its disclosures
    /// fit its digests (§7.2). The issuer's signature is not checked here: a wallet that
    /// knows the issuer's key should also run [`crate::verify`] on what it receives.
    pub fn parse(input: &str, max_bytes: usize) -> Result<Self, VerifyError> {
        let parts = split(input, max_bytes)?;
        if parts.kb_jwt.is_some() {
            return Err(VerifyError::UnexpectedKeyBinding);
        }
        let jws = Jws::parse(
            parts.jws,
            Jwt::Issuer,
            &[Algorithm::Es256, Algorithm::EdDsa],
        )?;
        let disclosures = Disclosure::parse_all(&parts.disclosures)?;
        let processed = process(&jws.payload, &disclosures, HOLDER_MAX_DEPTH)?;
        Ok(Self {
            jws: parts.jws.to_owned(),
            claims: processed.payload,
            disclosures,
            disclosable: processed.disclosed,
        })
    }

    /// All claims, as they would read with every disclosure revealed.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The paths of the claims the holder may reveal or withhold.
    pub fn disclosable(&self) -> impl Iterator<Item = &ClaimPath> {
        self.disclosable.iter().map(|c| &c.path)
    }

    /// The disclosures, in issued order.
    pub fn disclosures(&self) -> &[Disclosure] {
        &self.disclosures
    }

    /// The compact SD-JWT revealing the claims for which `select` is true, plus the
    /// disclosures of every object or array that holds them (without which a verifier
    /// could not reach them). Disclosures keep their issued order.
    pub fn present(&self, select: impl Fn(&ClaimPath) -> bool) -> String {
        let mut include = vec![false; self.disclosures.len()];
        for claim in self.disclosable.iter().filter(|c| select(&c.path)) {
            let mut next = Some(claim.disclosure);
            while let Some(index) = next {
                let Some(slot) = include.get_mut(index) else {
                    break;
                };
                if *slot {
                    break;
                }
                *slot = true;
                next = self
                    .disclosable
                    .iter()
                    .find(|c| c.disclosure == index)
                    .and_then(|c| c.parent);
            }
        }
        let mut out = String::with_capacity(self.jws.len() + 1 + self.disclosures.len() * 64);
        out.push_str(&self.jws);
        out.push('~');
        for (d, _) in self
            .disclosures
            .iter()
            .zip(&include)
            .filter(|(_, inc)| **inc)
        {
            out.push_str(d.encoded());
            out.push('~');
        }
        out
    }

    /// Like [`SdJwt::present`], and appends a KB-JWT (`typ: kb+jwt`) signed with
    /// `holder_key`, whose `sd_hash` covers exactly the disclosures sent.
    pub fn present_with_key_binding(
        &self,
        select: impl Fn(&ClaimPath) -> bool,
        request: &KeyBindingRequest,
        holder_key: &SigningKey,
    ) -> Result<String, PresentError> {
        let bound = self
            .claims
            .get("cnf")
            .and_then(|cnf| cnf.get("jwk"))
            .ok_or(PresentError::NoHolderKey)?;
        let bound = VerifyingKey::from_jwk(bound).map_err(|_| PresentError::HolderKeyMismatch)?;
        if bound != holder_key.verifying_key() {
            return Err(PresentError::HolderKeyMismatch);
        }
        let mut presentation = self.present(select);
        let mut header = Map::new();
        header.insert("typ".to_owned(), Value::from("kb+jwt"));
        let mut payload = Map::new();
        payload.insert("iat".to_owned(), Value::from(request.issued_at));
        payload.insert("aud".to_owned(), Value::from(request.audience.as_str()));
        payload.insert("nonce".to_owned(), Value::from(request.nonce.as_str()));
        payload.insert("sd_hash".to_owned(), Value::from(digest(&presentation)));
        let kb = sign_compact(holder_key, header, &payload);
        presentation.push_str(&kb);
        Ok(presentation)
    }
}
