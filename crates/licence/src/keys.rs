//! Signing algorithms and keys, and their JWK (RFC 7517) form.
//!
//! Two algorithms are supported: ES256 (ECDSA on P-256 with SHA-256, RFC 7518 §3.4), the
//! default because every wallet and the EUDI profile speak it, and EdDSA with Ed25519
//! (RFC 8037), which is smaller and faster. Keys are RustCrypto's `p256` and
//! `ed25519-dalek`; ES256 signatures are made and checked with `ring`'s assembly P-256
//! (verification about 5× and signing about 8× faster than `p256` on our machine, see
//! BENCH_RESULTS.md); the JWK form of an EC key is `p256`'s own (`jwk`
//! feature), which checks that the point is on the curve. Ed25519 JWKs (`kty: OKP`) are read here since
//! `ed25519-dalek` has no JWK support.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer as _;
use p256::elliptic_curve::JwkEcKey;
use rand_core::{CryptoRng, RngCore};
use serde_json::{Map, Value, json};

use crate::error::KeyError;

/// A JWS signature algorithm this crate can sign and verify with. `none` is deliberately
/// not representable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// ECDSA with P-256 and SHA-256, signatures as 64 bytes `r || s`.
    Es256,
    /// Ed25519 (RFC 8037).
    EdDsa,
}

impl Algorithm {
    /// The `alg` header value.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Es256 => "ES256",
            Algorithm::EdDsa => "EdDSA",
        }
    }

    /// Reads an `alg` header value; `None` for anything not supported, including `none`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "ES256" => Some(Algorithm::Es256),
            "EdDSA" => Some(Algorithm::EdDsa),
            _ => None,
        }
    }
}

/// A private key that signs issuer JWTs, KB-JWTs or status list tokens.
#[derive(Clone)]
pub enum SigningKey {
    Es256(Es256Key),
    EdDsa(ed25519_dalek::SigningKey),
}

/// An ES256 private key: `p256`'s, for JWK and the public half, and the same key loaded
/// into `ring`, which signs. `ring`'s P-256 (assembly, fixed-base tables) signs about
/// 8× faster than `p256`'s generic arithmetic on our machine (BENCH_RESULTS.md). Its
/// ECDSA nonce is hedged: random bytes from the operating system mixed with the key and
/// the message digest, so ES256 signatures are not deterministic (RFC 7518 does not ask
/// them to be). It dereferences to the `p256` key.
#[derive(Clone)]
pub struct Es256Key {
    key: p256::ecdsa::SigningKey,
    /// `None` only if `ring` refused the key (it reads OS randomness while loading);
    /// signing then falls back to `p256` (deterministic, RFC 6979).
    signer: Option<std::sync::Arc<ring::signature::EcdsaKeyPair>>,
}

impl Es256Key {
    /// Loads `key` into `ring` as well.
    pub fn new(key: p256::ecdsa::SigningKey) -> Self {
        let public = key.verifying_key().to_encoded_point(false);
        let signer = ring::signature::EcdsaKeyPair::from_private_key_and_public_key(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &key.to_bytes(),
            public.as_bytes(),
            &ring::rand::SystemRandom::new(),
        )
        .ok()
        .map(std::sync::Arc::new);
        Self { key, signer }
    }
}

impl std::ops::Deref for Es256Key {
    type Target = p256::ecdsa::SigningKey;
    fn deref(&self) -> &Self::Target {
        &self.key
    }
}

impl From<p256::ecdsa::SigningKey> for SigningKey {
    fn from(key: p256::ecdsa::SigningKey) -> Self {
        SigningKey::Es256(Es256Key::new(key))
    }
}

impl std::fmt::Debug for SigningKey {
    /// Shows the algorithm and public key only: a private key never goes into a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.algorithm().name())
            .field("public", &self.verifying_key().to_jwk())
            .finish()
    }
}

impl SigningKey {
    /// Makes a fresh key for `alg` from the caller's RNG (this crate never reaches for
    /// the operating system's randomness itself).
    pub fn generate<R: RngCore + CryptoRng>(alg: Algorithm, rng: &mut R) -> Self {
        match alg {
            Algorithm::Es256 => {
                SigningKey::Es256(Es256Key::new(p256::ecdsa::SigningKey::random(rng)))
            }
            Algorithm::EdDsa => SigningKey::EdDsa(ed25519_dalek::SigningKey::generate(rng)),
        }
    }

    /// Reads a private JWK (with `d`): `kty: EC, crv: P-256` or `kty: OKP, crv: Ed25519`.
    pub fn from_jwk(jwk: &Value) -> Result<Self, KeyError> {
        match jwk.get("kty").and_then(Value::as_str) {
            Some("EC") => {
                let ec = ec_jwk(jwk)?;
                let secret = p256::SecretKey::from_jwk(&ec)
                    .map_err(|_| KeyError::new("not a P-256 private key"))?;
                Ok(SigningKey::Es256(Es256Key::new(secret.into())))
            }
            Some("OKP") => {
                okp_public(jwk)?;
                let d = b64_field::<32>(jwk, "d")?;
                let key = ed25519_dalek::SigningKey::from_bytes(&d);
                let x = b64_field::<32>(jwk, "x")?;
                if key.verifying_key().to_bytes() != x {
                    return Err(KeyError::new("\"x\" is not the public half of \"d\""));
                }
                Ok(SigningKey::EdDsa(key))
            }
            _ => Err(KeyError::new("\"kty\" must be \"EC\" or \"OKP\"")),
        }
    }

    /// The private JWK (with `d`), which [`SigningKey::from_jwk`] reads back. For keeping
    /// the key at rest; the caller is expected to encrypt it.
    pub fn to_private_jwk(&self) -> Value {
        match self {
            SigningKey::Es256(k) => {
                let secret = p256::SecretKey::from(&k.key);
                // As in `VerifyingKey::to_jwk`, serialization of a valid key cannot fail.
                serde_json::to_value(secret.to_jwk()).unwrap_or_else(|_| Value::Object(Map::new()))
            }
            SigningKey::EdDsa(k) => json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "x": URL_SAFE_NO_PAD.encode(k.verifying_key().as_bytes()),
                "d": URL_SAFE_NO_PAD.encode(k.to_bytes()),
            }),
        }
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            SigningKey::Es256(_) => Algorithm::Es256,
            SigningKey::EdDsa(_) => Algorithm::EdDsa,
        }
    }

    /// The public half, to publish (JWKS) or to put in `cnf.jwk`.
    pub fn verifying_key(&self) -> VerifyingKey {
        match self {
            SigningKey::Es256(k) => VerifyingKey::Es256(*k.verifying_key()),
            SigningKey::EdDsa(k) => VerifyingKey::EdDsa(k.verifying_key()),
        }
    }

    /// Signs `message`, giving the JWS signature bytes (`r || s` for ES256, RFC 7518
    /// §3.4; see [`Es256Key`] for the nonce).
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            SigningKey::Es256(k) => {
                let hedged = k
                    .signer
                    .as_ref()
                    .and_then(|r| r.sign(&ring::rand::SystemRandom::new(), message).ok());
                match hedged {
                    Some(sig) => sig.as_ref().to_vec(),
                    // No ring key, or no random bytes from the operating system: sign
                    // deterministically (RFC 6979) with p256 instead.
                    None => {
                        let sig: p256::ecdsa::Signature = k.key.sign(message);
                        sig.to_bytes().to_vec()
                    }
                }
            }
            SigningKey::EdDsa(k) => k.sign(message).to_bytes().to_vec(),
        }
    }
}

/// A public key that verifies signatures: an issuer's, from the trust store, or a
/// holder's, from `cnf.jwk`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyingKey {
    Es256(p256::ecdsa::VerifyingKey),
    EdDsa(ed25519_dalek::VerifyingKey),
}

impl VerifyingKey {
    /// Reads a public JWK. Private members, if any, are ignored. An EC point that is not
    /// on P-256 is refused here, before it can reach a signature check.
    pub fn from_jwk(jwk: &Value) -> Result<Self, KeyError> {
        match jwk.get("kty").and_then(Value::as_str) {
            Some("EC") => {
                let ec = ec_jwk(jwk)?;
                let public = p256::PublicKey::from_jwk(&ec)
                    .map_err(|_| KeyError::new("not a point on P-256"))?;
                Ok(VerifyingKey::Es256(public.into()))
            }
            Some("OKP") => {
                okp_public(jwk)?;
                let x = b64_field::<32>(jwk, "x")?;
                ed25519_dalek::VerifyingKey::from_bytes(&x)
                    .map(VerifyingKey::EdDsa)
                    .map_err(|_| KeyError::new("\"x\" is not an Ed25519 public key"))
            }
            _ => Err(KeyError::new("\"kty\" must be \"EC\" or \"OKP\"")),
        }
    }

    /// The public JWK (`kty`, `crv`, `x`, and `y` for EC), as put in `cnf.jwk` and JWKS.
    pub fn to_jwk(&self) -> Value {
        match self {
            VerifyingKey::Es256(k) => {
                let jwk = p256::PublicKey::from(k).to_jwk();
                // JwkEcKey serializes to {kty, crv, x, y}; it cannot fail for a valid key,
                // but this crate never panics, so a failure degrades to an empty object.
                serde_json::to_value(&jwk).unwrap_or_else(|_| Value::Object(Map::new()))
            }
            VerifyingKey::EdDsa(k) => json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "x": URL_SAFE_NO_PAD.encode(k.as_bytes()),
            }),
        }
    }

    /// The JWK thumbprint (RFC 7638, SHA-256, base64url): a stable `kid` for the key.
    pub fn thumbprint(&self) -> String {
        use sha2::Digest as _;
        let jwk = self.to_jwk();
        let member = |name: &str| jwk.get(name).and_then(Value::as_str).unwrap_or_default();
        // The required members only, in lexicographic order, without whitespace.
        let canonical = match self {
            VerifyingKey::Es256(_) => format!(
                r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
                member("crv"),
                member("x"),
                member("y")
            ),
            VerifyingKey::EdDsa(_) => format!(
                r#"{{"crv":"{}","kty":"OKP","x":"{}"}}"#,
                member("crv"),
                member("x")
            ),
        };
        URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(canonical.as_bytes()))
    }

    /// The algorithm this key verifies.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            VerifyingKey::Es256(_) => Algorithm::Es256,
            VerifyingKey::EdDsa(_) => Algorithm::EdDsa,
        }
    }

    /// Checks a JWS signature. ES256 uses `ring` (see `Cargo.toml` for why); Ed25519 uses `verify_strict`, which refuses small-order
    /// keys and non-canonical signatures that plain `verify` lets through.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            // `ring` checks the point and the signature (r, s in range, 64 bytes) itself.
            VerifyingKey::Es256(k) => ring::signature::UnparsedPublicKey::new(
                &ring::signature::ECDSA_P256_SHA256_FIXED,
                k.to_encoded_point(false).as_bytes(),
            )
            .verify(message, signature)
            .is_ok(),
            VerifyingKey::EdDsa(k) => ed25519_dalek::Signature::from_slice(signature)
                .map(|sig| k.verify_strict(message, &sig).is_ok())
                .unwrap_or(false),
        }
    }
}

/// Reads an EC JWK through `p256`'s parser, which checks `kty` and `crv` itself.
fn ec_jwk(jwk: &Value) -> Result<JwkEcKey, KeyError> {
    if jwk.get("crv").and_then(Value::as_str) != Some("P-256") {
        return Err(KeyError::new("\"crv\" must be \"P-256\""));
    }
    // JWKs from a JWKS carry `kid`, `alg`, `use` and more (RFC 7517 §4), which
    // `JwkEcKey` refuses; only the members that make the key are passed on.
    let members: Map<String, Value> = ["kty", "crv", "x", "y", "d"]
        .iter()
        .filter_map(|m| jwk.get(*m).map(|v| ((*m).to_owned(), v.clone())))
        .collect();
    serde_json::from_value::<JwkEcKey>(Value::Object(members))
        .map_err(|e| KeyError::new(format!("malformed EC JWK: {e}")))
}

fn okp_public(jwk: &Value) -> Result<(), KeyError> {
    if jwk.get("crv").and_then(Value::as_str) != Some("Ed25519") {
        return Err(KeyError::new("\"crv\" must be \"Ed25519\""));
    }
    Ok(())
}

/// Reads a base64url member of exactly `N` bytes.
fn b64_field<const N: usize>(jwk: &Value, name: &str) -> Result<[u8; N], KeyError> {
    let text = jwk
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| KeyError::new(format!("\"{name}\" is missing")))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| KeyError::new(format!("\"{name}\" is not base64url")))?;
    bytes
        .try_into()
        .map_err(|_| KeyError::new(format!("\"{name}\" must be {N} bytes")))
}
