//! E-licences (电子证照) in the platform: licence types, department issuer keys and
//! custodial holder keys (sealed at rest), issuing inside a write, revocation and
//! suspension through status lists, the wallet, and verification.
//!
//! The SD-JWT VC work itself is the pure `govops-licence` crate; this module gives it
//! keys, numbers, storage and a journal.
//!
//! ```text
//! licences/*.toml ──▶ LicenceTypes            (types.rs)
//! GOVOPS_MASTER_KEY / master.key ──▶ MasterKey (sealing.rs)
//! Licences::issue_in(tx, IssueRequest) ──▶ licences row + journal   (issue.rs)
//! Platform::change_licence_status ──▶ status list version bump   (status.rs)
//! Platform::status_list_token(dept, n) ──▶ statuslist+jwt         (status.rs)
//! Platform::verify_presentation ──▶ VerificationReport            (verify.rs)
//! Platform::wallet / present_licence                               (wallet.rs)
//! ```
//!
//! Identifiers on the web: a department's issuer is `{public_url}/issuers/{code}`, its
//! metadata is at `/.well-known/jwt-vc-issuer/issuers/{code}`, its status lists at
//! `{issuer}/status/{n}`.

mod issue;
mod keys;
pub mod sealing;
mod status;
pub mod types;
mod verify;
mod wallet;

pub use issue::{Holder, IssueRequest, IssuedLicence};
pub use sealing::MasterKey;
pub use status::{LicenceStatus, StatusChange};
pub use types::{Bilingual, ClaimDef, LicenceType, LicenceTypes, Validity};
pub use verify::{DisclosedField, VerificationReport, VerifyRequest};
pub use wallet::{IssuerMetadata, LicenceDetail, LicenceSummary, Presentation};

use crate::error::{CoreError, Result};
use crate::store::{Backend, Store};
use govops_licence::SigningKey;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// Entries per status list: 2 bits each, so 16 KiB uncompressed. A list this size hides
/// which licence a verifier checks among many (draft-ietf-oauth-status-list §12.5).
pub const STATUS_LIST_SIZE: i64 = 65_536;

/// Licence settings from configuration.
#[derive(Debug, Clone)]
pub struct LicenceSettings {
    /// The folder of licence type definitions; `None` runs with no licence types.
    pub types_dir: Option<PathBuf>,
    /// The master key as 64 hex digits (`GOVOPS_MASTER_KEY`); takes precedence.
    pub master_key: Option<String>,
    /// The master key file; default on SQLite: `master.key` next to the database.
    pub master_key_file: Option<PathBuf>,
    /// The public address of this installation, the base of issuer identifiers.
    pub public_url: String,
}

impl Default for LicenceSettings {
    fn default() -> Self {
        Self {
            types_dir: None,
            master_key: None,
            master_key_file: None,
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

/// A signed status list token, kept until its list changes or it grows old.
struct CachedToken {
    version: i64,
    made_ms: i64,
    token: String,
}

/// The licences part of the platform; shared by [`crate::Platform`] and write closures.
pub struct Licences {
    types: LicenceTypes,
    master: Option<MasterKey>,
    base_url: String,
    /// Opened private keys by kid: issuer keys and holder keys. A key in here may belong
    /// to a write that did not commit; it is only used when the database names its kid.
    keys: RwLock<HashMap<String, Arc<SigningKey>>>,
    tokens: Mutex<HashMap<(String, i64), CachedToken>>,
    /// Every published issuer key as a trust store, built on first use. Keys are only
    /// ever added (a retired key stays published), so a kept store is only ever missing
    /// a newer key: a verification that finds its key unknown rebuilds it once.
    trust: RwLock<Option<Arc<govops_licence::TrustStore>>>,
    /// Holders' public keys, read once: a holder's key never changes after it is made.
    holder_keys: RwLock<HashMap<String, govops_licence::VerifyingKey>>,
    /// Held licences whose stored credential passed verification, by licence id: the
    /// SHA-256 of the credential and the trust store it was verified against. Used by
    /// mutual recognition (`Platform::check_held_licence`), which checks times, status
    /// and holder afresh.
    verified: Mutex<HashMap<String, KeptVerification>>,
}

/// A credential that passed verification (see `Licences::verified`).
struct KeptVerification {
    digest: [u8; 32],
    trust: Arc<govops_licence::TrustStore>,
    verified: Arc<govops_licence::Verified>,
}

/// At most this many kept verifications; the map starts again when full.
const KEPT_VERIFICATIONS: usize = 4096;

impl std::fmt::Debug for Licences {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Licences")
            .field("types", &self.types.len())
            .field("base_url", &self.base_url)
            .finish()
    }
}

/// Reads every licence type in `dir`: every `*.toml` file in it.
pub fn load_types_folder(
    dir: &Path,
) -> Result<std::result::Result<LicenceTypes, Vec<govops_workflow::definition::DefinitionError>>> {
    let files = crate::catalogue::read_definition_files(dir)?;
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    Ok(LicenceTypes::load(&borrowed))
}

/// `govops check` for licence types: every file valid, and every service's licence
/// materials and result mapping consistent with them. `Ok(Ok(count))`, or every problem
/// as a line (`file:line:col: field: message`, or `folder: service …: …`).
pub fn check_types_folder(
    dir: &Path,
    catalogue: &govops_workflow::definition::Catalogue,
) -> Result<std::result::Result<usize, Vec<String>>> {
    Ok(match load_types_folder(dir)? {
        Err(errors) => Err(errors.iter().map(ToString::to_string).collect()),
        Ok(types) => {
            let problems = types.check_catalogue(catalogue);
            if problems.is_empty() {
                Ok(types.len())
            } else {
                Err(problems
                    .into_iter()
                    .map(|p| format!("{}: {p}", dir.display()))
                    .collect())
            }
        }
    })
}

impl Licences {
    /// The kept verification of licence `id`, if its credential is the same (`digest`)
    /// and it was verified against this `trust` store.
    pub(crate) fn kept_verification(
        &self,
        id: &str,
        digest: &[u8; 32],
        trust: &Arc<govops_licence::TrustStore>,
    ) -> Option<Arc<govops_licence::Verified>> {
        let kept = match self.verified.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        kept.get(id)
            .filter(|k| &k.digest == digest && Arc::ptr_eq(&k.trust, trust))
            .map(|k| k.verified.clone())
    }

    /// Keeps a verification for [`Licences::kept_verification`].
    pub(crate) fn keep_verification(
        &self,
        id: &str,
        digest: [u8; 32],
        trust: &Arc<govops_licence::TrustStore>,
        verified: govops_licence::Verified,
    ) -> Arc<govops_licence::Verified> {
        let verified = Arc::new(verified);
        let mut kept = match self.verified.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if kept.len() >= KEPT_VERIFICATIONS {
            kept.clear();
        }
        kept.insert(
            id.to_owned(),
            KeptVerification {
                digest,
                trust: trust.clone(),
                verified: verified.clone(),
            },
        );
        verified
    }

    /// Loads the licence types, the master key, and opens every issuer key (which proves
    /// the master key is the right one).
    pub(crate) async fn open(
        settings: &LicenceSettings,
        store: &Store,
        database_url: &str,
    ) -> Result<Self> {
        let types = match &settings.types_dir {
            Some(dir) if dir.is_dir() => match load_types_folder(dir)? {
                Ok(t) => t,
                Err(errors) => {
                    let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
                    return Err(CoreError::invalid(
                        "licence.types.invalid",
                        format!(
                            "the licence types in `{}` do not validate; fix them and start \
                             again (`govops check` lists the same problems):\n{}",
                            dir.display(),
                            list.join("\n")
                        ),
                    ));
                }
            },
            Some(dir) => {
                tracing::warn!(dir = %dir.display(), "no licence types folder; no licence can be issued");
                LicenceTypes::default()
            }
            None => LicenceTypes::default(),
        };
        let master = master_key(settings, store.backend(), database_url)?;
        let licences = Self {
            types,
            master,
            base_url: settings.public_url.trim_end_matches('/').to_owned(),
            keys: RwLock::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            trust: RwLock::new(None),
            holder_keys: RwLock::new(HashMap::new()),
            verified: Mutex::new(HashMap::new()),
        };
        licences.open_issuer_keys(store).await?;
        Ok(licences)
    }

    /// True when a master key is configured, so keys can be made and licences issued.
    pub fn can_issue(&self) -> bool {
        self.master.is_some()
    }

    /// The licence types.
    pub fn types(&self) -> &LicenceTypes {
        &self.types
    }

    /// The public address of this installation, without a trailing `/`.
    pub fn public_url(&self) -> &str {
        &self.base_url
    }

    /// The issuer identifier (`iss`) of a department.
    pub fn issuer_id(&self, department: &str) -> String {
        format!("{}/issuers/{department}", self.base_url)
    }

    /// The department whose issuer identifier is `iss`, if it is one of ours.
    pub fn department_of_issuer<'a>(&self, iss: &'a str) -> Option<&'a str> {
        iss.strip_prefix(self.base_url.as_str())
            .and_then(|r| r.strip_prefix("/issuers/"))
            .filter(|d| !d.is_empty() && !d.contains('/'))
    }

    /// The URI of status list `list_no` of a department.
    pub fn status_list_uri(&self, department: &str, list_no: i64) -> String {
        format!("{}/status/{list_no}", self.issuer_id(department))
    }

    /// The (department, list number) of a status list URI, if it is one of ours.
    pub fn parse_status_list_uri(&self, uri: &str) -> Option<(String, i64)> {
        let rest = uri
            .strip_prefix(self.base_url.as_str())?
            .strip_prefix("/issuers/")?;
        let (dept, n) = rest.split_once("/status/")?;
        Some((dept.to_owned(), n.parse().ok()?))
    }

    fn master(&self) -> Result<&MasterKey> {
        self.master.as_ref().ok_or_else(|| {
            CoreError::invalid(
                "licence.master_key.missing",
                "No master key is configured, so licence keys cannot be kept. On PostgreSQL \
                 set GOVOPS_MASTER_KEY (64 hex digits, the same on every node) or \
                 GOVOPS_MASTER_KEY_FILE.",
            )
        })
    }

    fn cached_key(&self, kid: &str) -> Option<Arc<SigningKey>> {
        self.keys.read().ok().and_then(|k| k.get(kid).cloned())
    }

    fn cache_key(&self, kid: &str, key: Arc<SigningKey>) {
        if let Ok(mut k) = self.keys.write() {
            k.insert(kid.to_owned(), key);
        }
    }
}

fn master_key(
    settings: &LicenceSettings,
    backend: Backend,
    database_url: &str,
) -> Result<Option<MasterKey>> {
    if let Some(hex) = settings
        .master_key
        .as_deref()
        .filter(|k| !k.trim().is_empty())
    {
        return MasterKey::from_hex(hex, "GOVOPS_MASTER_KEY").map(Some);
    }
    if let Some(file) = &settings.master_key_file {
        return MasterKey::load_or_create_file(file).map(Some);
    }
    if backend == Backend::Sqlite {
        let path = database_url
            .strip_prefix("sqlite://")
            .or_else(|| database_url.strip_prefix("sqlite:"))
            .and_then(|p| p.split('?').next())
            .filter(|p| !p.is_empty() && !p.contains(":memory:"));
        if let Some(path) = path {
            let dir = Path::new(path).parent().unwrap_or(Path::new(""));
            return MasterKey::load_or_create_file(&dir.join("master.key")).map(Some);
        }
    }
    Ok(None)
}
