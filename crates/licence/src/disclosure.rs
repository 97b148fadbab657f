//! Disclosures (RFC 9901 §4.2): the salted claims a holder may reveal or keep back.
//!
//! A disclosure is the base64url of a JSON array, `[salt, name, value]` for an object
//! property or `[salt, value]` for an array element. Its digest is SHA-256 over the
//! base64url text as sent (not over the decoded JSON), so the text is kept verbatim.

use rand_core::{CryptoRng, RngCore};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::error::VerifyError;
use crate::jws::{b64_decode, b64_encode};

/// Bytes of randomness in a salt: 128 bits, as RFC 9901 §9.3 recommends.
const SALT_BYTES: usize = 16;

/// One disclosure, as issued or as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    encoded: String,
    digest: String,
    salt: String,
    name: Option<String>,
    value: Value,
}

impl Disclosure {
    /// Makes a disclosure with a fresh salt. `name` is `Some` for an object property and
    /// `None` for an array element.
    pub(crate) fn new<R: RngCore + CryptoRng>(
        rng: &mut R,
        name: Option<&str>,
        value: Value,
    ) -> Self {
        let salt = random_b64(rng);
        let array = match name {
            Some(n) => Value::Array(vec![
                Value::from(salt.as_str()),
                Value::from(n),
                value.clone(),
            ]),
            None => Value::Array(vec![Value::from(salt.as_str()), value.clone()]),
        };
        let encoded = b64_encode(array.to_string().as_bytes());
        Self {
            digest: digest(&encoded),
            encoded,
            salt,
            name: name.map(str::to_owned),
            value,
        }
    }

    /// Reads the received disclosures, in order; the first is numbered 1 in errors.
    ///
    /// Rejected: text that is not base64url, not UTF-8 JSON, not an array of 2 or 3
    /// elements, a salt or name that is not a string, and the names `_sd` and `...`
    /// (RFC 9901 §7.1 step 3.4.3), which would let a disclosure forge digests.
    pub(crate) fn parse_all(encoded: &[&str]) -> Result<Vec<Self>, VerifyError> {
        encoded
            .iter()
            .enumerate()
            .map(|(i, d)| Self::parse(d, i + 1))
            .collect()
    }

    /// Parses one disclosure; `index` counts from 1 and names it in errors.
    ///
    /// Rejected: as for [`Disclosure::parse_all`].
    pub(crate) fn parse(encoded: &str, index: usize) -> Result<Self, VerifyError> {
        let malformed = |reason: &str| VerifyError::MalformedDisclosure {
            index,
            reason: reason.to_owned(),
        };
        let bytes =
            b64_decode(encoded).ok_or_else(|| malformed("it is not base64url without padding"))?;
        let array: Vec<Value> =
            serde_json::from_slice(&bytes).map_err(|e| VerifyError::MalformedDisclosure {
                index,
                reason: format!("it is not a JSON array: {e}"),
            })?;
        let mut items = array.into_iter();
        let (salt, name, value) = match (items.next(), items.next(), items.next(), items.next()) {
            (Some(salt), Some(value), None, None) => (salt, None, value),
            (Some(salt), Some(name), Some(value), None) => (salt, Some(name), value),
            _ => return Err(malformed("it must be [salt, value] or [salt, name, value]")),
        };
        let Value::String(salt) = salt else {
            return Err(malformed("its salt is not a string"));
        };
        let name = match name {
            None => None,
            Some(Value::String(n)) if n == "_sd" || n == "..." => {
                return Err(VerifyError::ReservedClaimName { index, name: n });
            }
            Some(Value::String(n)) => Some(n),
            Some(_) => return Err(malformed("its claim name is not a string")),
        };
        Ok(Self {
            digest: digest(encoded),
            encoded: encoded.to_owned(),
            salt,
            name,
            value,
        })
    }

    /// The base64url text, as it goes between the `~`.
    pub fn encoded(&self) -> &str {
        &self.encoded
    }

    /// The base64url SHA-256 digest that the issuer embedded for this disclosure.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The salt.
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// The claim name, or `None` for an array element.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The disclosed value, as issued (it may itself hold digests of nested disclosures).
    pub fn value(&self) -> &Value {
        &self.value
    }
}

/// The `_sd_alg: sha-256` digest of an encoded disclosure, or of the SD-JWT for `sd_hash`.
pub(crate) fn digest(text: &str) -> String {
    b64_encode(&Sha256::digest(text.as_bytes()))
}

/// A decoy digest (RFC 9901 §4.2.5): the digest of random bytes, indistinguishable
/// from a real one, so that the number of hidden claims does not show.
pub(crate) fn decoy<R: RngCore + CryptoRng>(rng: &mut R) -> String {
    digest(&random_b64(rng))
}

fn random_b64<R: RngCore + CryptoRng>(rng: &mut R) -> String {
    let mut bytes = [0u8; SALT_BYTES];
    rng.fill_bytes(&mut bytes);
    b64_encode(&bytes)
}
