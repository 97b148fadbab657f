//! The master key and the sealing of private keys at rest.
//!
//! Every private key the platform keeps for licences (department issuer keys, custodial
//! holder keys) is stored only sealed: ChaCha20-Poly1305 (RFC 8439) under a 256-bit
//! master key, with a fresh random 96-bit nonce per seal and the row's identity (`kid`
//! and purpose) as associated data, so a sealed key copied into another row does not
//! open. Layout of a sealed value: `version (1 byte = 1) || nonce (12) || ciphertext+tag`.
//!
//! The master key comes from `GOVOPS_MASTER_KEY` (64 hex digits) or from a key file;
//! on SQLite the default file is `master.key` next to the database, created with mode
//! 0600 on first start. A check value sealed under the key is kept in the database, so
//! starting with a different key is refused at once with a clear error.

use crate::error::{CoreError, Result};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use std::path::Path;

const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
/// What the check row seals; opening it proves the key is the one the data was sealed with.
pub(crate) const CHECK_PLAINTEXT: &[u8] = b"govops licence master key check v1";
pub(crate) const CHECK_AAD: &[u8] = b"govops:master-check";

/// The 256-bit master key. Its bytes never leave this type, and `Debug` hides them.
#[derive(Clone)]
pub struct MasterKey {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

impl MasterKey {
    /// A key from 32 bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(bytes)),
        }
    }

    /// A key from 64 hex digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str, source: &str) -> Result<Self> {
        let bytes = hex::decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok());
        match bytes {
            Some(b) => Ok(Self::from_bytes(&b)),
            None => Err(CoreError::invalid(
                "licence.master_key.malformed",
                format!(
                    "the master key in {source} is not 64 hexadecimal digits (32 bytes); \
                     make one with `openssl rand -hex 32`"
                ),
            )),
        }
    }

    /// Reads the key file at `path`, or creates it (mode 0600) with a fresh random key
    /// when it does not exist.
    pub fn load_or_create_file(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_hex(&text, &format!("the key file `{}`", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut bytes);
                write_new_key_file(path, &hex::encode(bytes))?;
                tracing::info!(path = %path.display(), "created a new licence master key file");
                Ok(Self::from_bytes(&bytes))
            }
            Err(e) => Err(CoreError::invalid(
                "licence.master_key.unreadable",
                format!(
                    "cannot read the master key file `{}`: {e}; check its permissions, \
                     or set GOVOPS_MASTER_KEY",
                    path.display()
                ),
            )),
        }
    }

    /// Seals `plaintext`, bound to `aad`.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| CoreError::internal("sealing a key failed"))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens a value sealed by [`MasterKey::seal`] with the same `aad`; `None` if the key
    /// is wrong, the value was altered, or it belongs to another row.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        let (&version, rest) = sealed.split_first()?;
        if version != VERSION || rest.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .ok()
    }
}

fn write_new_key_file(path: &Path, hex_key: &str) -> Result<()> {
    use std::io::Write as _;
    let fail = |e: std::io::Error| {
        CoreError::invalid(
            "licence.master_key.unwritable",
            format!(
                "cannot create the master key file `{}`: {e}; make its folder writable, \
                 or set GOVOPS_MASTER_KEY",
                path.display()
            ),
        )
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(fail)?;
    file.write_all(hex_key.as_bytes()).map_err(fail)?;
    file.write_all(b"\n").map_err(fail)?;
    file.sync_all().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_row() {
        let key = MasterKey::from_bytes(&[7; 32]);
        let sealed = key.seal(b"secret", b"kid-1").unwrap();
        assert_eq!(key.open(&sealed, b"kid-1").unwrap(), b"secret");
        assert!(
            key.open(&sealed, b"kid-2").is_none(),
            "moved to another row"
        );
        assert!(
            MasterKey::from_bytes(&[8; 32])
                .open(&sealed, b"kid-1")
                .is_none()
        );
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(key.open(&altered, b"kid-1").is_none());
        assert!(key.open(&[], b"kid-1").is_none());
        assert_ne!(
            key.seal(b"secret", b"kid-1").unwrap(),
            sealed,
            "fresh nonce"
        );
    }

    #[test]
    fn the_key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/master.key");
        let a = MasterKey::load_or_create_file(&path).unwrap();
        let sealed = a.seal(b"x", b"y").unwrap();
        let b = MasterKey::load_or_create_file(&path).unwrap();
        assert_eq!(b.open(&sealed, b"y").unwrap(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not hex").unwrap();
        let e = MasterKey::load_or_create_file(&path).unwrap_err();
        assert_eq!(e.code, "licence.master_key.malformed");
    }
}
