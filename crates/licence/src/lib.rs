//! E-licences (电子证照): issue, present and verify SD-JWT VCs; revoke through token
//! status lists; name them with GB/T 36904 identifiers.
//!
//! A licence is an SD-JWT VC (RFC 9901, draft-ietf-oauth-sd-jwt-vc) signed by the issuing
//! department with ES256 (default) or EdDSA. The holder's wallet keeps it and presents
//! only the claims the holder chooses, bound to the verifier by a key binding JWT; anyone
//! with the department's public key verifies it offline.
//!
//! ```text
//! Issuer::issue(credential, frame, rng) ──▶ IssuedSdJwt  (<JWS>~<disclosure>~…~)
//! SdJwt::parse ──▶ present / present_with_key_binding ──▶ <JWS>~<chosen>~…~<KB-JWT>
//! verify(presentation, trust, options, now) ──▶ Verified { claims, disclosed, status, … }
//! verify_status_list_token(…) ──▶ Verified::check_status
//! ```
//!
//! The crate is pure: no I/O and no clock. `now` is a parameter (seconds since 1970), and
//! salts and keys come from a caller-supplied `rand_core` RNG. One exception: an ES256
//! signature's nonce is hedged with random bytes `ring` reads from the operating system
//! (see [`Es256Key`]); `ring` takes no other source.
//!
//! # What is not here
//!
//! - Finding keys: the caller fills the [`TrustStore`] (from JWKS or issuer metadata it
//!   fetched); `x5c` chains and DID resolution are not supported.
//! - SD-JWT VC type metadata (`vct` resolution, `vct#integrity`) is not checked.
//! - Status lists in CBOR/CWT form; only the JWT form is read and written.
//! - Of a JWS JSON serialization with several signatures, [`compact_from_json`] keeps
//!   only the one that carries the disclosures.
//! - Duplicate member names in JSON are resolved by `serde_json` (last one wins) rather
//!   than rejected.
//! - Decoy digests are added to objects only, not to arrays, so that an array element's
//!   position is the same for issuer, holder and verifier.

mod disclosure;
mod error;
mod frame;
mod identifier;
mod issue;
mod json_serialization;
mod jws;
mod keys;
mod path;
mod present;
mod process;
mod status_list;
mod verify;

pub use disclosure::Disclosure;
pub use error::{
    IdentifierError, IssueError, Jwt, KeyError, PresentError, StatusListError, VerifyError,
};
pub use frame::Frame;
pub use identifier::{LICENCE_OID, LicenceIdentifier, check_character};
pub use issue::{Credential, IssuedSdJwt, Issuer, VC_TYP};
pub use json_serialization::compact_from_json;
pub use keys::{Algorithm, Es256Key, SigningKey, VerifyingKey};
pub use path::{ClaimPath, PathSegment};
pub use present::{KeyBindingRequest, SdJwt};
pub use status_list::{
    Bits, STATUS_LIST_TYP, Status, StatusList, StatusListClaims, StatusListOptions,
    StatusReference, VerifiedStatusList, issue_status_list_token, verify_status_list_token,
};
pub use verify::{
    KeyBinding, KeyBindingClaims, Profile, TrustStore, TrustedKey, Verified, VerifyOptions, verify,
};
