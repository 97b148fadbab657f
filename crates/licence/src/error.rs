//! The errors of this crate, one enum per job, one variant per reason.
//!
//! A verifier's answer is shown to a person ("this licence is not valid because …"), so
//! every variant carries what was wrong and where, and its message says so in a full
//! sentence. Variants are never merged into a catch-all: RFC 9901 §7 lists its rejection
//! cases one by one, and so do we.

use std::fmt;

/// Which signed token of a presentation an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jwt {
    /// The Issuer-signed JWT at the front of an SD-JWT.
    Issuer,
    /// The Key Binding JWT at the end of an SD-JWT+KB.
    KeyBinding,
    /// A Token Status List JWT (`typ: statuslist+jwt`).
    StatusList,
}

impl fmt::Display for Jwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Jwt::Issuer => "issuer-signed JWT",
            Jwt::KeyBinding => "key binding JWT (KB-JWT)",
            Jwt::StatusList => "status list token",
        })
    }
}

/// Why a presentation, an SD-JWT or a status list token was rejected.
///
/// Disclosure positions (`index`) count from 1 in the order the disclosures appear in the
/// input, so that a person can count the `~`-separated parts and find the culprit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error(
        "the input is {size} bytes long, more than the {max} bytes this verifier accepts; \
         it was rejected before being read"
    )]
    TooLarge { size: usize, max: usize },
    #[error("the JSON serialization of the SD-JWT is malformed: {reason}")]
    JsonSerialization { reason: &'static str },
    #[error("the input is empty; paste or scan the whole presentation")]
    Empty,
    #[error(
        "the input is not an SD-JWT: there is no '~' after the issuer-signed JWT \
         (an SD-JWT without disclosures still ends with '~')"
    )]
    MissingTilde,
    #[error("the {jwt} is not a compact JWS: it needs 3 parts separated by '.', found {parts}")]
    JwsParts { jwt: Jwt, parts: usize },
    #[error("the {part} of the {jwt} is not base64url without padding")]
    Base64 { jwt: Jwt, part: &'static str },
    #[error("the {part} of the {jwt} is not a JSON object: {detail}")]
    Json {
        jwt: Jwt,
        part: &'static str,
        detail: String,
    },
    #[error("the header of the {jwt} has no \"alg\" string")]
    MissingAlg { jwt: Jwt },
    #[error("the {jwt} uses alg \"none\"; unsigned tokens are never accepted")]
    AlgNone { jwt: Jwt },
    #[error(
        "the {jwt} uses alg \"{alg}\", which this verifier does not accept (it accepts {accepted})"
    )]
    AlgNotAllowed {
        jwt: Jwt,
        alg: String,
        accepted: String,
    },
    #[error(
        "the header of the {jwt} marks extensions as critical ({crit}), which this verifier does not understand"
    )]
    CriticalHeader { jwt: Jwt, crit: String },
    #[error("the {jwt} has typ {found}, but \"{expected}\" is required", found = show_opt(found))]
    WrongTyp {
        jwt: Jwt,
        expected: String,
        found: Option<String>,
    },
    #[error("the {jwt} is signed with {alg}, but the key meant to verify it is a {key_alg} key")]
    AlgKeyMismatch {
        jwt: Jwt,
        alg: &'static str,
        key_alg: &'static str,
    },
    #[error(
        "the signature of the {jwt} does not verify: the token was altered or signed by another key"
    )]
    BadSignature { jwt: Jwt },
    #[error("the issuer-signed JWT has no \"iss\" string; an SD-JWT VC must name its issuer")]
    MissingIssuer,
    #[error(
        "no trusted key for issuer \"{iss}\"{kid}; if this issuer should be trusted, add its key",
        kid = kid.as_deref().map(|k| format!(" with kid \"{k}\"")).unwrap_or_default()
    )]
    KeyNotTrusted { iss: String, kid: Option<String> },
    #[error("\"_sd_alg\" is {0}, but only \"sha-256\" is supported")]
    UnsupportedSdAlg(String),
    #[error("the claim \"{claim}\" of the {jwt} must be {expected}")]
    ClaimType {
        jwt: Jwt,
        claim: String,
        expected: &'static str,
    },
    #[error("the {jwt} has no \"{claim}\" claim, which is required here")]
    MissingClaim { jwt: Jwt, claim: &'static str },
    #[error("the {jwt} expired at {exp} (unix time); it is now {now}, leeway {leeway} s")]
    Expired {
        jwt: Jwt,
        exp: i64,
        now: i64,
        leeway: i64,
    },
    #[error("the {jwt} is not valid before {nbf} (unix time); it is now {now}, leeway {leeway} s")]
    NotYetValid {
        jwt: Jwt,
        nbf: i64,
        now: i64,
        leeway: i64,
    },
    #[error(
        "the {jwt} claims to be issued at {iat} (unix time), in the future; it is now {now}, leeway {leeway} s"
    )]
    IssuedInFuture {
        jwt: Jwt,
        iat: i64,
        now: i64,
        leeway: i64,
    },
    #[error("disclosure #{index} is empty (two '~' in a row)")]
    EmptyDisclosure { index: usize },
    #[error("disclosure #{index} is malformed: {reason}")]
    MalformedDisclosure { index: usize, reason: String },
    #[error(
        "disclosure #{index} uses the reserved claim name \"{name}\", which a disclosure may never use"
    )]
    ReservedClaimName { index: usize, name: String },
    #[error(
        "disclosure #{index} is the same as disclosure #{first}; each disclosure may be sent once"
    )]
    DuplicateDisclosure { index: usize, first: usize },
    #[error(
        "disclosure #{index} is not referenced by any digest in the issuer-signed JWT or in \
         another disclosure; it was not issued with this credential"
    )]
    UnreferencedDisclosure { index: usize },
    #[error("the digest {digest} appears more than once in the credential")]
    DuplicateDigest { digest: String },
    #[error(
        "disclosure #{index} is referenced from an \"_sd\" array at {path}, so it must be \
         [salt, name, value], but it has 2 elements"
    )]
    ObjectDisclosureExpected { index: usize, path: String },
    #[error(
        "disclosure #{index} is referenced from an array element at {path}, so it must be \
         [salt, value], but it has 3 elements"
    )]
    ArrayDisclosureExpected { index: usize, path: String },
    #[error(
        "disclosure #{index} discloses \"{name}\" at {path}, but a claim of that name is already there"
    )]
    ClaimNameCollision {
        index: usize,
        name: String,
        path: String,
    },
    #[error("\"_sd\" at {path} must be an array of digest strings")]
    SdMisuse { path: String },
    #[error("\"...\" at {path} is misused: {reason}")]
    EllipsisMisuse { path: String, reason: &'static str },
    #[error("the claims nest more than {max} levels deep")]
    TooDeep { max: usize },
    #[error(
        "this is a presentation with a key binding JWT, not an issued SD-JWT; \
         an issued SD-JWT ends with '~'"
    )]
    UnexpectedKeyBinding,
    #[error("a key binding JWT is required, but the presentation has none (it ends with '~')")]
    KeyBindingMissing,
    #[error(
        "the credential has no \"cnf\".\"jwk\" holder key, so its key binding JWT cannot be checked"
    )]
    NoHolderKey,
    #[error("the holder key in \"cnf\".\"jwk\" is unusable: {reason}")]
    InvalidHolderKey { reason: String },
    #[error("the key binding JWT is for audience {found}, not \"{expected}\"", found = show_opt(found))]
    WrongAudience {
        expected: String,
        found: Option<String>,
    },
    #[error("the key binding JWT has nonce {found}, not the nonce of this request", found = show_opt(found))]
    WrongNonce { found: Option<String> },
    #[error(
        "the \"sd_hash\" of the key binding JWT does not match the SD-JWT it is attached to: \
         disclosures were added, removed or reordered after the holder signed"
    )]
    SdHashMismatch,
    #[error(
        "the key binding JWT was made at {iat} (unix time), more than {max_age} s before now ({now})"
    )]
    KeyBindingTooOld { iat: i64, now: i64, max_age: i64 },
    #[error("an SD-JWT VC must have a \"vct\" string naming its credential type")]
    MissingVct,
    #[error("\"{name}\" was selectively disclosed, but an SD-JWT VC must carry it in the clear")]
    VcClaimDisclosed { name: String },
    #[error("the \"status\" claim is malformed: {reason}")]
    InvalidStatusClaim { reason: &'static str },
    #[error("the credential has no \"status\" claim, so its revocation status cannot be checked")]
    NoStatus,
    #[error("the status list is for \"{found}\", but the credential points at \"{expected}\"")]
    StatusListMismatch { expected: String, found: String },
    #[error("the licence at index {idx} of its status list has been revoked")]
    Revoked { idx: u64 },
    #[error("the licence at index {idx} of its status list is suspended")]
    Suspended { idx: u64 },
    #[error(
        "the licence at index {idx} of its status list has status {status:#04x}, which is not VALID"
    )]
    NotValidStatus { idx: u64, status: u8 },
    #[error("the status list is unusable: {0}")]
    StatusList(#[from] StatusListError),
}

/// Renders an optional string claim for a message: quoted, or "none".
fn show_opt(value: &Option<String>) -> String {
    match value {
        Some(v) => format!("\"{v}\""),
        None => "none".to_owned(),
    }
}

/// Why a key could not be read from a JWK (RFC 7517).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the JWK is not a usable key: {reason}")]
pub struct KeyError {
    pub reason: String,
}

impl KeyError {
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

/// Why an SD-JWT could not be issued. These are mistakes of the caller (a licence type
/// definition that names a claim the case does not have, say), not of an applicant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    #[error(
        "the claim \"{name}\" is set by the issuer and may not appear among the licence's claims"
    )]
    RegisteredClaim { name: String },
    #[error("the claim name \"{name}\" at {path} is reserved by SD-JWT and may not be used")]
    ReservedClaimName { name: String, path: String },
    #[error("the disclosure frame names {path}, but the claims have nothing there")]
    FrameClaimMissing { path: String },
    #[error("the disclosure frame treats {path} as {expected}, but it is not")]
    FrameShape {
        path: String,
        expected: &'static str,
    },
    #[error(
        "\"{name}\" may not be selectively disclosable in an SD-JWT VC; it must be in the clear"
    )]
    NotDisclosable { name: String },
    #[error("the header parameter \"{name}\" is set by the issuer and may not be overridden")]
    ReservedHeader { name: String },
}

/// Why a holder could not make a presentation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PresentError {
    #[error("the SD-JWT to present is not valid: {0}")]
    Invalid(#[from] VerifyError),
    #[error(
        "the holder key does not match the credential's \"cnf\".\"jwk\"; a verifier would reject the key binding"
    )]
    HolderKeyMismatch,
    #[error("the credential has no \"cnf\".\"jwk\", so it cannot be presented with key binding")]
    NoHolderKey,
}

/// Why a status list could not be built, read or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusListError {
    #[error("\"bits\" is {0}; a status list uses 1, 2, 4 or 8 bits per entry")]
    InvalidBits(u64),
    #[error("index {index} is outside the status list, which has {len} entries")]
    IndexOutOfRange { index: u64, len: u64 },
    #[error("status {status:#04x} does not fit in {bits} bits")]
    StatusTooWide { status: u8, bits: u8 },
    #[error("\"lst\" is not base64url without padding")]
    Base64,
    #[error("\"lst\" is not a valid ZLIB stream: {0}")]
    Decompress(String),
    #[error("\"lst\" inflates to more than {max} bytes; it was not read further")]
    TooLarge { max: usize },
    #[error("the status list could not be compressed: {0}")]
    Compress(String),
    #[error("the \"status_list\" claim is malformed: {0}")]
    Malformed(&'static str),
}

/// Why a GB/T 36904 licence identifier could not be built or parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentifierError {
    #[error("a licence identifier starts with \"1.2.156.3005.2.\"")]
    WrongPrefix,
    #[error(
        "a licence identifier has 5 fields after \"1.2.156.3005.2.\" (type, issuer, serial, version, check), found {0}"
    )]
    FieldCount(usize),
    #[error("the {field} \"{value}\" is invalid: {reason}")]
    InvalidField {
        field: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("the issuer's unified social credit code is invalid: {0}")]
    IssuerCreditCode(govops_ids::IdError),
    #[error(
        "the check character is '{found}' but should be '{expected}'; the identifier was mistyped or altered"
    )]
    CheckMismatch { expected: char, found: String },
}
