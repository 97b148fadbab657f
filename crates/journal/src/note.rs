//! C2SP signed notes (<https://c2sp.org/signed-note>) with Ed25519 keys.
//!
//! A signed note is a text, a blank line, and signature lines
//! `— <key name> <base64(key ID || signature)>`. The journal signs its
//! checkpoints this way so that anyone holding the log's public key (its
//! "vkey" string) can check them with standard tooling, and so that witnesses
//! can add their own signature lines beside ours.
//!
//! Opening a note follows the reference Go package (`golang.org/x/mod/sumdb/note`):
//! the text ends at the last blank line, signatures from unknown keys are
//! skipped, a bad signature from a trusted key rejects the whole note, and a
//! note with no good signature from a trusted key is rejected.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// The signature type byte C2SP assigns to Ed25519.
const ALG_ED25519: u8 = 0x01;

/// What every signature line starts with: U+2014 EM DASH and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// The most signature lines a note may carry. The spec asks verifiers to
/// accept at least 16; this is the Go package's limit, which bounds the work
/// an attacker can make us do with one note.
pub const MAX_SIGNATURES: usize = 100;

/// Why a key, a note text or a signed note was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// A key name was empty or held a Unicode space or a `+`.
    #[error(
        "key name {name:?} is not valid: it must be non-empty and contain no spaces and no '+'"
    )]
    InvalidKeyName {
        /// The name refused.
        name: String,
    },
    /// A key string was not `<name>+<8 hex digits>+<base64 key>` (with a
    /// `PRIVATE+KEY+` prefix for a signer key).
    #[error("key string is malformed: {reason}; expected <name>+<8 hex digits>+<base64 key>")]
    MalformedKey {
        /// What was wrong with it.
        reason: &'static str,
    },
    /// A key string named an algorithm other than Ed25519.
    #[error("key string uses signature type {alg:#04x}; only Ed25519 (0x01) is supported")]
    UnsupportedAlgorithm {
        /// The signature type byte found.
        alg: u8,
    },
    /// A key string's ID does not belong to its name and key, so the string
    /// was altered or mistyped.
    #[error("key ID {found:08x} does not match its name and key, which give {expected:08x}")]
    KeyIdMismatch {
        /// The key ID written in the string.
        found: u32,
        /// The key ID computed from the name and public key.
        expected: u32,
    },
    /// A note text to be signed did not end with a newline.
    #[error("a note text must end with a newline")]
    MissingFinalNewline,
    /// A note held an ASCII control character other than newline.
    #[error(
        "line {line} holds control character {code:#04x}; notes allow no control characters but newline"
    )]
    ControlCharacter {
        /// The line, counted from 1.
        line: usize,
        /// The character's code.
        code: u32,
    },
    /// A note had no blank line separating its text from its signatures.
    #[error("the note has no blank line before its signatures")]
    MissingSignatureBlock,
    /// A note had a blank line but no signature lines after it.
    #[error("the note has no signature lines after its last blank line")]
    NoSignatureLines,
    /// A note did not end with a newline after its last signature line.
    #[error("the note's last signature line does not end with a newline")]
    UnterminatedSignature,
    /// A signature line was not `— <key name> <base64 signature>`.
    #[error("signature line {line} is malformed: {reason}")]
    MalformedSignatureLine {
        /// The line, counted from 1.
        line: usize,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// A note carried more than [`MAX_SIGNATURES`] signature lines.
    #[error("the note has more than {MAX_SIGNATURES} signature lines")]
    TooManySignatures,
    /// A signature from a trusted key did not verify: the text was altered,
    /// or the signature was forged.
    #[error("signature line {line} by trusted key {name} does not verify; the note was altered")]
    InvalidSignature {
        /// The line, counted from 1.
        line: usize,
        /// The key name on the line.
        name: String,
    },
    /// No signature in the note came from any trusted key.
    #[error("the note is not signed by any trusted key")]
    NoTrustedSignature,
    /// The note was signed but its text is not a valid checkpoint.
    #[error(transparent)]
    Checkpoint(#[from] crate::checkpoint::CheckpointError),
}

/// A note text whose signatures from trusted keys all verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedNote {
    /// The signed text, with its final newline.
    pub text: String,
    /// The names of the trusted keys whose signatures verified, in the order
    /// their lines appear.
    pub verified_by: Vec<String>,
}

/// A public key trusted to sign notes, under its key name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Trusts `key` for signatures made under `name`.
    pub fn new(name: impl Into<String>, key: VerifyingKey) -> Result<Self, NoteError> {
        let name = valid_name(name.into())?;
        let key_id = key_id(&name, &key);
        Ok(Self { name, key_id, key })
    }

    /// Reads a verifier key string `<name>+<hex key ID>+<base64(0x01 || key)>`,
    /// the form in which a log publishes its public key.
    pub fn parse_vkey(vkey: &str) -> Result<Self, NoteError> {
        let (name, found, key) = split_key_string(vkey)?;
        let key = VerifyingKey::from_bytes(&key).map_err(|_| NoteError::MalformedKey {
            reason: "the key is not a valid Ed25519 point",
        })?;
        let verifier = Self::new(name, key)?;
        check_key_id(found, verifier.key_id)?;
        Ok(verifier)
    }

    /// Writes the verifier key string that [`NoteVerifier::parse_vkey`] reads.
    pub fn vkey(&self) -> String {
        let mut raw = Vec::with_capacity(33);
        raw.push(ALG_ED25519);
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, STANDARD.encode(raw))
    }

    /// The key name signatures must carry.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID, the first four bytes of
    /// `SHA-256(name || 0x0A || 0x01 || public key)`, big-endian.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The Ed25519 public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }
}

impl FromStr for NoteVerifier {
    type Err = NoteError;

    fn from_str(vkey: &str) -> Result<Self, Self::Err> {
        Self::parse_vkey(vkey)
    }
}

/// A private key that signs notes under its key name.
#[derive(Clone)]
pub struct NoteSigner {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl fmt::Debug for NoteSigner {
    /// Shows the name and key ID only, so that logging a signer never leaks
    /// its private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl NoteSigner {
    /// Signs under `name` with `key`. The name should be the log's origin,
    /// as C2SP recommends for checkpoints.
    pub fn new(name: impl Into<String>, key: SigningKey) -> Result<Self, NoteError> {
        let name = valid_name(name.into())?;
        let key_id = key_id(&name, &key.verifying_key());
        Ok(Self { name, key_id, key })
    }

    /// Reads a signer key string `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>`,
    /// the form Go's `note.GenerateKey` writes, so keys can move between
    /// govops and standard tlog tooling.
    pub fn parse_skey(skey: &str) -> Result<Self, NoteError> {
        let rest = skey
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(NoteError::MalformedKey {
                reason: "a signer key starts with PRIVATE+KEY+",
            })?;
        let (name, found, seed) = split_key_string(rest)?;
        let signer = Self::new(name, SigningKey::from_bytes(&seed))?;
        check_key_id(found, signer.key_id)?;
        Ok(signer)
    }

    /// Writes the signer key string that [`NoteSigner::parse_skey`] reads.
    /// It holds the private key: store it as a secret.
    pub fn skey(&self) -> String {
        let mut raw = Vec::with_capacity(33);
        raw.push(ALG_ED25519);
        raw.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.key_id,
            STANDARD.encode(raw)
        )
    }

    /// The key name on this signer's signature lines.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID on this signer's signature lines.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The verifier that checks this signer's notes, to publish as a vkey.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// Signs `text` and returns the whole signed note: the text, a blank line
    /// and one signature line.
    ///
    /// The text must end with a newline and hold no control character but
    /// newline, so that [`open_note`] gets back exactly this text.
    pub fn sign_text(&self, text: &str) -> Result<String, NoteError> {
        if !text.ends_with('\n') {
            return Err(NoteError::MissingFinalNewline);
        }
        check_characters(text)?;
        let signature = self.key.sign(text.as_bytes());
        let mut raw = Vec::with_capacity(4 + 64);
        raw.extend_from_slice(&self.key_id.to_be_bytes());
        raw.extend_from_slice(&signature.to_bytes());
        Ok(format!(
            "{text}\n{SIG_PREFIX}{} {}\n",
            self.name,
            STANDARD.encode(raw)
        ))
    }
}

/// Opens a signed note: checks its form and its signatures from `verifiers`,
/// and returns its text.
///
/// Signatures from keys not in `verifiers` are skipped, so witnesses may
/// cosign a note without breaking older readers. A trusted key's signature
/// that does not verify rejects the note, and so does a note that no trusted
/// key signed. When a trusted key signed more than once, only its first line
/// counts.
pub fn open_note(note: &str, verifiers: &[NoteVerifier]) -> Result<OpenedNote, NoteError> {
    check_characters(note)?;
    let split = note.rfind("\n\n").ok_or(NoteError::MissingSignatureBlock)?;
    let (text, signatures) = (&note[..=split], &note[split + 2..]);
    let Some(signatures) = signatures.strip_suffix('\n') else {
        return Err(if signatures.is_empty() {
            NoteError::NoSignatureLines
        } else {
            NoteError::UnterminatedSignature
        });
    };
    // The text has one line per newline, then comes the blank line.
    let first_line = text.matches('\n').count() + 2;
    let mut verified: Vec<&NoteVerifier> = Vec::new();
    for (i, line) in signatures.split('\n').enumerate() {
        if i == MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        let line_no = first_line + i;
        let (name, id, signature) = parse_signature_line(line, line_no)?;
        let Some(verifier) = verifiers.iter().find(|v| v.name == name && v.key_id == id) else {
            continue;
        };
        if verified.iter().any(|v| v.name == name && v.key_id == id) {
            continue;
        }
        let good = Signature::from_slice(&signature)
            .is_ok_and(|sig| verifier.key.verify_strict(text.as_bytes(), &sig).is_ok());
        if !good {
            return Err(NoteError::InvalidSignature {
                line: line_no,
                name: name.to_owned(),
            });
        }
        verified.push(verifier);
    }
    if verified.is_empty() {
        return Err(NoteError::NoTrustedSignature);
    }
    Ok(OpenedNote {
        text: text.to_owned(),
        verified_by: verified.iter().map(|v| v.name.clone()).collect(),
    })
}

/// Splits a key string `<name>+<8 hex digits>+<base64(0x01 || 32 bytes)>`
/// into its name, its written key ID and its 32 key bytes. The name holds no
/// `+`, so the first two `+` are the separators; the base64 may hold more.
fn split_key_string(text: &str) -> Result<(String, u32, [u8; 32]), NoteError> {
    let malformed = |reason| NoteError::MalformedKey { reason };
    let mut parts = text.splitn(3, '+');
    let (Some(name), Some(hex_id), Some(key64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(malformed("it has fewer than three '+'-separated parts"));
    };
    let name = valid_name(name.to_owned())?;
    if hex_id.len() != 8 || !hex_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed("the key ID is not 8 hex digits"));
    }
    let id = u32::from_str_radix(hex_id, 16).map_err(|_| malformed("the key ID is not hex"))?;
    let raw = STANDARD
        .decode(key64)
        .map_err(|_| malformed("the key is not base64"))?;
    let Some((&alg, key)) = raw.split_first() else {
        return Err(malformed("the key is empty"));
    };
    if alg != ALG_ED25519 {
        return Err(NoteError::UnsupportedAlgorithm { alg });
    }
    let key = <[u8; 32]>::try_from(key).map_err(|_| malformed("an Ed25519 key is 32 bytes"))?;
    Ok((name, id, key))
}

/// Refuses a key string whose written key ID is not the one its name and
/// key give, since that means it was altered or mistyped.
fn check_key_id(found: u32, expected: u32) -> Result<(), NoteError> {
    if found == expected {
        Ok(())
    } else {
        Err(NoteError::KeyIdMismatch { found, expected })
    }
}

/// Splits `— <name> <base64>` into the key name, the key ID and the raw
/// signature bytes.
fn parse_signature_line(line: &str, line_no: usize) -> Result<(&str, u32, Vec<u8>), NoteError> {
    let malformed = |reason| NoteError::MalformedSignatureLine {
        line: line_no,
        reason,
    };
    let rest = line
        .strip_prefix(SIG_PREFIX)
        .ok_or_else(|| malformed("it does not start with an em dash (U+2014) and a space"))?;
    let (name, encoded) = rest
        .split_once(' ')
        .ok_or_else(|| malformed("it has no space between key name and signature"))?;
    if !is_valid_name(name) {
        return Err(malformed("the key name is empty or holds a space or '+'"));
    }
    let raw = STANDARD
        .decode(encoded)
        .map_err(|_| malformed("the signature is not base64"))?;
    let (Some(id), Some(signature)) = (raw.get(..4), raw.get(4..).filter(|s| !s.is_empty())) else {
        return Err(malformed("the signature is shorter than 5 bytes"));
    };
    let id = u32::from_be_bytes([id[0], id[1], id[2], id[3]]);
    Ok((name, id, signature.to_vec()))
}

/// Refuses ASCII control characters other than newline, as the spec asks,
/// naming the line where the first one is.
fn check_characters(text: &str) -> Result<(), NoteError> {
    match text.char_indices().find(|&(_, c)| c < ' ' && c != '\n') {
        None => Ok(()),
        Some((offset, c)) => Err(NoteError::ControlCharacter {
            line: text[..offset].matches('\n').count() + 1,
            code: u32::from(c),
        }),
    }
}

/// A key name is non-empty and holds no Unicode space and no `+`, so that
/// it can be told apart in signature lines and vkey strings.
fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

fn valid_name(name: String) -> Result<String, NoteError> {
    if is_valid_name(&name) {
        Ok(name)
    } else {
        Err(NoteError::InvalidKeyName { name })
    }
}

/// `SHA-256(name || 0x0A || 0x01 || public key)[..4]`, big-endian, as C2SP
/// recommends for Ed25519 keys.
fn key_id(name: &str, key: &VerifyingKey) -> u32 {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', ALG_ED25519])
        .chain_update(key.as_bytes())
        .finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}
