//! Token Status List (draft-ietf-oauth-status-list): revocation and suspension.
//!
//! Each licence carries `status.status_list {idx, uri}`. The issuing department publishes,
//! at `uri`, a signed status list token whose `status_list.lst` is a ZLIB-compressed bit
//! array in which entry `idx` is the licence's status. A verifier fetches the token (not
//! this crate: it does no I/O), checks it with [`verify_status_list_token`], and reads the
//! entry, which reveals nothing about which licence is being checked to the issuer.

use std::io::{Read as _, Write as _};

use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use serde_json::{Map, Value, json};

use crate::error::{Jwt, StatusListError, VerifyError};
use crate::jws::{Jws, b64_decode, b64_encode, check_times, numeric_date, sign_compact};
use crate::keys::{Algorithm, SigningKey};
use crate::verify::TrustStore;

/// The media type of a status list token in JWT form.
pub const STATUS_LIST_TYP: &str = "statuslist+jwt";

/// A status value. The draft registers the first three; the rest are for applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Status(pub u8);

impl Status {
    /// The licence is valid.
    pub const VALID: Status = Status(0x00);
    /// Revoked, permanently (the draft's INVALID).
    pub const INVALID: Status = Status(0x01);
    /// Temporarily not valid (吊销 is INVALID, 暂扣 is SUSPENDED).
    pub const SUSPENDED: Status = Status(0x02);
}

/// Bits per status entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bits {
    One,
    Two,
    Four,
    Eight,
}

impl Bits {
    /// The number of bits.
    pub fn count(self) -> u8 {
        match self {
            Bits::One => 1,
            Bits::Two => 2,
            Bits::Four => 4,
            Bits::Eight => 8,
        }
    }

    /// Reads the `bits` member.
    pub fn from_count(bits: u64) -> Result<Self, StatusListError> {
        match bits {
            1 => Ok(Bits::One),
            2 => Ok(Bits::Two),
            4 => Ok(Bits::Four),
            8 => Ok(Bits::Eight),
            other => Err(StatusListError::InvalidBits(other)),
        }
    }
}

/// The status entries of one list, packed as the draft's §4.1 byte array: entry `i`
/// occupies `bits` bits of byte `i * bits / 8`, filling each byte from its least
/// significant bit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    bits: Bits,
    bytes: Vec<u8>,
}

impl StatusList {
    /// A list with room for at least `len` entries, all VALID. The length is rounded up
    /// to whole bytes, since the encoding carries bytes, not a count.
    pub fn new(bits: Bits, len: usize) -> Self {
        let per_byte = 8 / usize::from(bits.count());
        Self {
            bits,
            bytes: vec![0; len.div_ceil(per_byte)],
        }
    }

    /// A list over an uncompressed byte array.
    pub fn from_bytes(bits: Bits, bytes: Vec<u8>) -> Self {
        Self { bits, bytes }
    }

    /// Bits per entry.
    pub fn bits(&self) -> Bits {
        self.bits
    }

    /// The number of entries.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64 * 8 / u64::from(self.bits.count())
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The uncompressed byte array.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn locate(&self, index: u64) -> Result<(usize, u32), StatusListError> {
        let bits = u64::from(self.bits.count());
        let out_of_range = StatusListError::IndexOutOfRange {
            index,
            len: self.len(),
        };
        if index >= self.len() {
            return Err(out_of_range);
        }
        let byte = usize::try_from(index * bits / 8).map_err(|_| out_of_range)?;
        let shift = u32::try_from((index % (8 / bits)) * bits).unwrap_or(0);
        Ok((byte, shift))
    }

    fn mask(&self) -> u8 {
        ((1u16 << self.bits.count()) - 1) as u8
    }

    /// The status at `index`.
    pub fn get(&self, index: u64) -> Result<Status, StatusListError> {
        let (byte, shift) = self.locate(index)?;
        let b = self.bytes.get(byte).copied().unwrap_or(0);
        Ok(Status((b >> shift) & self.mask()))
    }

    /// Sets the status at `index`; the status must fit in the list's bits.
    pub fn set(&mut self, index: u64, status: Status) -> Result<(), StatusListError> {
        let mask = self.mask();
        if status.0 & !mask != 0 {
            return Err(StatusListError::StatusTooWide {
                status: status.0,
                bits: self.bits.count(),
            });
        }
        let (byte, shift) = self.locate(index)?;
        if let Some(b) = self.bytes.get_mut(byte) {
            *b = (*b & !(mask << shift)) | (status.0 << shift);
        }
        Ok(())
    }

    /// The JSON `StatusList` object `{"bits": …, "lst": …}`, `lst` being base64url of
    /// the byte array ZLIB-compressed at the best level (as the draft's examples are).
    pub fn to_json(&self) -> Result<Value, StatusListError> {
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
        encoder
            .write_all(&self.bytes)
            .map_err(|e| StatusListError::Compress(e.to_string()))?;
        let compressed = encoder
            .finish()
            .map_err(|e| StatusListError::Compress(e.to_string()))?;
        Ok(json!({ "bits": self.bits.count(), "lst": b64_encode(&compressed) }))
    }

    /// Reads a JSON `StatusList` object. `max_bytes` bounds the inflated size: a few
    /// hundred bytes of ZLIB can inflate to gigabytes, so the limit is enforced while
    /// inflating, not after.
    pub fn from_json(value: &Value, max_bytes: usize) -> Result<Self, StatusListError> {
        let bits = value
            .get("bits")
            .and_then(Value::as_u64)
            .ok_or(StatusListError::Malformed("\"bits\" must be a number"))?;
        let lst = value
            .get("lst")
            .and_then(Value::as_str)
            .ok_or(StatusListError::Malformed("\"lst\" must be a string"))?;
        Self::decode(Bits::from_count(bits)?, lst, max_bytes)
    }

    /// Reads `lst` (base64url of ZLIB) for a list of `bits` bits per entry.
    pub fn decode(bits: Bits, lst: &str, max_bytes: usize) -> Result<Self, StatusListError> {
        let compressed = b64_decode(lst).ok_or(StatusListError::Base64)?;
        let mut bytes = Vec::new();
        let limit = u64::try_from(max_bytes)
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        ZlibDecoder::new(compressed.as_slice())
            .take(limit)
            .read_to_end(&mut bytes)
            .map_err(|e| StatusListError::Decompress(e.to_string()))?;
        if bytes.len() > max_bytes {
            return Err(StatusListError::TooLarge { max: max_bytes });
        }
        Ok(Self { bits, bytes })
    }
}

/// A licence's pointer into a status list: the `status.status_list` claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReference {
    /// The entry's index.
    pub idx: u64,
    /// Where the status list token is published; also its `sub`.
    pub uri: String,
}

impl StatusReference {
    /// The `status` claim value: `{"status_list": {"idx": …, "uri": …}}`.
    pub fn to_claim(&self) -> Value {
        json!({ "status_list": { "idx": self.idx, "uri": self.uri } })
    }

    /// Reads a `status` claim value. Other status mechanisms besides `status_list` may sit
    /// beside it; `Ok(None)` when there is no `status_list` among them.
    pub fn from_claim(status: &Value) -> Result<Option<Self>, VerifyError> {
        let Value::Object(status) = status else {
            return Err(VerifyError::InvalidStatusClaim {
                reason: "\"status\" must be an object",
            });
        };
        let Some(list) = status.get("status_list") else {
            return Ok(None);
        };
        let idx =
            list.get("idx")
                .and_then(Value::as_u64)
                .ok_or(VerifyError::InvalidStatusClaim {
                    reason: "\"status_list\".\"idx\" must be a non-negative integer",
                })?;
        let uri =
            list.get("uri")
                .and_then(Value::as_str)
                .ok_or(VerifyError::InvalidStatusClaim {
                    reason: "\"status_list\".\"uri\" must be a string",
                })?;
        Ok(Some(Self {
            idx,
            uri: uri.to_owned(),
        }))
    }
}

/// The registered claims of a status list token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListClaims {
    /// The URI the list is published at (`sub`), equal to the licences' `status_list.uri`.
    pub uri: String,
    /// When the token was made (`iat`).
    pub issued_at: i64,
    /// When it stops being valid (`exp`), if ever.
    pub expires_at: Option<i64>,
    /// How long, in seconds, a verifier may cache it before fetching again (`ttl`).
    pub ttl: Option<u64>,
}

/// Signs `list` as a status list token (`typ: statuslist+jwt`).
pub fn issue_status_list_token(
    key: &SigningKey,
    kid: Option<&str>,
    claims: &StatusListClaims,
    list: &StatusList,
) -> Result<String, StatusListError> {
    let mut payload = Map::new();
    payload.insert("sub".to_owned(), Value::from(claims.uri.as_str()));
    payload.insert("iat".to_owned(), Value::from(claims.issued_at));
    if let Some(exp) = claims.expires_at {
        payload.insert("exp".to_owned(), Value::from(exp));
    }
    if let Some(ttl) = claims.ttl {
        payload.insert("ttl".to_owned(), Value::from(ttl));
    }
    payload.insert("status_list".to_owned(), list.to_json()?);
    let mut header = Map::new();
    header.insert("typ".to_owned(), Value::from(STATUS_LIST_TYP));
    if let Some(kid) = kid {
        header.insert("kid".to_owned(), Value::from(kid));
    }
    Ok(sign_compact(key, header, &payload))
}

/// Limits and tolerances for reading a status list token.
#[derive(Debug, Clone)]
pub struct StatusListOptions {
    /// Largest token accepted, checked before anything else.
    pub max_token_bytes: usize,
    /// Largest inflated byte array accepted (1 MiB holds 8 million 1-bit entries).
    pub max_list_bytes: usize,
    /// Accepted signature algorithms.
    pub algorithms: Vec<Algorithm>,
    /// Seconds of clock skew tolerated on `exp` and `iat`.
    pub leeway: i64,
}

impl Default for StatusListOptions {
    fn default() -> Self {
        Self {
            max_token_bytes: 1 << 20,
            max_list_bytes: 1 << 20,
            algorithms: vec![Algorithm::Es256, Algorithm::EdDsa],
            leeway: 60,
        }
    }
}

/// A status list token whose signature, type, subject and validity have been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedStatusList {
    pub claims: StatusListClaims,
    pub list: StatusList,
}

impl VerifiedStatusList {
    /// The status of the licence `reference` points at; its `uri` must be this list's.
    pub fn status_of(&self, reference: &StatusReference) -> Result<Status, VerifyError> {
        if reference.uri != self.claims.uri {
            return Err(VerifyError::StatusListMismatch {
                expected: reference.uri.clone(),
                found: self.claims.uri.clone(),
            });
        }
        Ok(self.list.get(reference.idx)?)
    }
}

/// Verifies a status list token fetched from `expected_uri`, signed by a key that
/// `trust` holds for `issuer` (normally the licence's own issuer).
pub fn verify_status_list_token(
    token: &str,
    trust: &TrustStore,
    issuer: &str,
    expected_uri: &str,
    options: &StatusListOptions,
    now: i64,
) -> Result<VerifiedStatusList, VerifyError> {
    const JWT: Jwt = Jwt::StatusList;
    if token.len() > options.max_token_bytes {
        return Err(VerifyError::TooLarge {
            size: token.len(),
            max: options.max_token_bytes,
        });
    }
    let jws = Jws::parse(token.trim(), JWT, &options.algorithms)?;
    jws.require_typ(STATUS_LIST_TYP, JWT)?;
    trust.verify(&jws, Some(issuer), JWT)?;
    let payload = &jws.payload;
    let sub = payload
        .get("sub")
        .and_then(Value::as_str)
        .ok_or(VerifyError::MissingClaim {
            jwt: JWT,
            claim: "sub",
        })?;
    if sub != expected_uri {
        return Err(VerifyError::StatusListMismatch {
            expected: expected_uri.to_owned(),
            found: sub.to_owned(),
        });
    }
    let issued_at = numeric_date(payload, "iat", JWT)?.ok_or(VerifyError::MissingClaim {
        jwt: JWT,
        claim: "iat",
    })?;
    check_times(payload, JWT, now, options.leeway, false)?;
    let ttl = match payload.get("ttl") {
        None => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| VerifyError::ClaimType {
            jwt: JWT,
            claim: "ttl".to_owned(),
            expected: "a non-negative number of seconds",
        })?),
    };
    let list = payload
        .get("status_list")
        .ok_or(VerifyError::MissingClaim {
            jwt: JWT,
            claim: "status_list",
        })
        .and_then(|v| Ok(StatusList::from_json(v, options.max_list_bytes)?))?;
    Ok(VerifiedStatusList {
        claims: StatusListClaims {
            uri: sub.to_owned(),
            issued_at,
            expires_at: numeric_date(payload, "exp", JWT)?,
            ttl,
        },
        list,
    })
}
