//! Issuer keys (one active per department, rotated, old ones kept and published) and
//! custodial holder keys, generated on first need inside the write that needs them and
//! stored sealed (see `sealing.rs`).

use super::Licences;
use super::sealing::{CHECK_AAD, CHECK_PLAINTEXT};
use crate::error::{CoreError, Result};
use crate::store::{Store, Tx, Val};
use govops_licence::{Algorithm, SigningKey, VerifyingKey};
use serde_json::json;
use std::sync::Arc;

fn issuer_aad(kid: &str) -> Vec<u8> {
    format!("govops:issuer:{kid}").into_bytes()
}

fn holder_aad(kid: &str) -> Vec<u8> {
    format!("govops:holder:{kid}").into_bytes()
}

/// A department's published key.
#[derive(Debug, Clone)]
pub(crate) struct PublishedKey {
    pub kid: String,
    pub department: String,
    pub jwk: serde_json::Value,
    pub retired: bool,
}

impl Licences {
    /// Opens every issuer key at start: a wrong master key fails here, with the reason.
    pub(super) async fn open_issuer_keys(&self, store: &Store) -> Result<()> {
        let check: Option<(Vec<u8>,)> = store
            .fetch_optional("SELECT sealed FROM licence_master_check WHERE id = 1", &[])
            .await?;
        let Some((sealed,)) = check else {
            return Ok(());
        };
        let master = self.master()?;
        if master.open(&sealed, CHECK_AAD).as_deref() != Some(CHECK_PLAINTEXT) {
            return Err(CoreError::invalid(
                "licence.master_key.wrong",
                "The master key does not open the licence keys in this database: it is not \
                 the key they were sealed with. Start with the original GOVOPS_MASTER_KEY or \
                 key file (every node must use the same key).",
            ));
        }
        let rows: Vec<(String, Vec<u8>)> = store
            .fetch_all("SELECT kid, sealed_private FROM licence_issuer_keys", &[])
            .await?;
        for (kid, sealed) in rows {
            let key = self.unseal(&sealed, &issuer_aad(&kid), &kid)?;
            self.cache_key(&kid, key);
        }
        Ok(())
    }

    fn unseal(&self, sealed: &[u8], aad: &[u8], kid: &str) -> Result<Arc<SigningKey>> {
        let plain = self
            .master()?
            .open(sealed, aad)
            .ok_or_else(|| CoreError::internal(format!("the sealed key {kid} does not open")))?;
        let jwk: serde_json::Value = serde_json::from_slice(&plain)
            .map_err(|e| CoreError::internal(format!("sealed key {kid}: {e}")))?;
        SigningKey::from_jwk(&jwk)
            .map(Arc::new)
            .map_err(|e| CoreError::internal(format!("sealed key {kid}: {e}")))
    }

    /// Seals a new key, and writes the master key check row the first time.
    async fn seal_new(&self, tx: &mut Tx, key: &SigningKey, aad: &[u8]) -> Result<Vec<u8>> {
        let master = self.master()?;
        let check = master.seal(CHECK_PLAINTEXT, CHECK_AAD)?;
        tx.execute(
            "INSERT INTO licence_master_check (id, sealed, created_ms) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO NOTHING",
            &[Val::from(check), Val::from(crate::clock::to_ms(tx.now()))],
        )
        .await?;
        let jwk = serde_json::to_vec(&key.to_private_jwk())
            .map_err(|e| CoreError::internal(format!("private JWK: {e}")))?;
        master.seal(&jwk, aad)
    }

    /// The department's signing key, created (and journaled) if it has none yet.
    pub(super) async fn issuer_key_in(
        &self,
        tx: &mut Tx,
        department: &str,
        actor: &str,
    ) -> Result<(String, Arc<SigningKey>)> {
        let active: Option<(String,)> = tx
            .fetch_optional(
                "SELECT kid FROM licence_issuer_keys WHERE department_code = $1 \
                 AND retired_ms IS NULL ORDER BY created_ms DESC, kid LIMIT 1",
                &[Val::from(department)],
            )
            .await?;
        match active {
            Some((kid,)) => {
                let key = match self.cached_key(&kid) {
                    Some(k) => k,
                    None => {
                        // Made by another node since this one started.
                        let (sealed,): (Vec<u8>,) = tx
                            .fetch_one(
                                "SELECT sealed_private FROM licence_issuer_keys WHERE kid = $1",
                                &[Val::from(&kid)],
                            )
                            .await?;
                        let k = self.unseal(&sealed, &issuer_aad(&kid), &kid)?;
                        self.cache_key(&kid, k.clone());
                        k
                    }
                };
                Ok((kid, key))
            }
            None => {
                let (kid, key) = self.new_issuer_key(tx, department).await?;
                tx.journal(
                    actor,
                    "licence.issuer_key_created",
                    &format!("department:{department}"),
                    json!({ "kid": kid, "alg": "ES256" }),
                )?;
                Ok((kid, key))
            }
        }
    }

    async fn new_issuer_key(
        &self,
        tx: &mut Tx,
        department: &str,
    ) -> Result<(String, Arc<SigningKey>)> {
        let key = SigningKey::generate(Algorithm::Es256, &mut rand::rngs::OsRng);
        let public = key.verifying_key();
        let kid = public.thumbprint();
        let sealed = self.seal_new(tx, &key, &issuer_aad(&kid)).await?;
        tx.execute(
            "INSERT INTO licence_issuer_keys (kid, department_code, alg, public_jwk, \
             sealed_private, created_ms) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                Val::from(&kid),
                Val::from(department),
                Val::from("ES256"),
                Val::from(public.to_jwk().to_string()),
                Val::from(sealed),
                Val::from(crate::clock::to_ms(tx.now())),
            ],
        )
        .await?;
        let key = Arc::new(key);
        self.cache_key(&kid, key.clone());
        Ok((kid, key))
    }

    /// Makes a new active key for `department`; the old ones are retired (they sign no
    /// more) but stay published, so what they signed still verifies. Returns the new kid.
    pub async fn rotate_issuer_key_in(
        &self,
        tx: &mut Tx,
        department: &str,
        actor: &str,
    ) -> Result<String> {
        let known: Option<(String,)> = tx
            .fetch_optional(
                "SELECT code FROM departments WHERE code = $1",
                &[Val::from(department)],
            )
            .await?;
        if known.is_none() {
            return Err(CoreError::not_found(
                "licence.department.unknown",
                format!("There is no department with the code `{department}`."),
            ));
        }
        let retired: Vec<(String,)> = tx
            .fetch_all(
                "SELECT kid FROM licence_issuer_keys WHERE department_code = $1 \
                 AND retired_ms IS NULL",
                &[Val::from(department)],
            )
            .await?;
        let now = crate::clock::to_ms(tx.now());
        tx.execute(
            "UPDATE licence_issuer_keys SET retired_ms = $1 WHERE department_code = $2 \
             AND retired_ms IS NULL",
            &[Val::from(now), Val::from(department)],
        )
        .await?;
        let (kid, _) = self.new_issuer_key(tx, department).await?;
        let retired: Vec<String> = retired.into_iter().map(|(k,)| k).collect();
        tx.journal(
            actor,
            "licence.issuer_key_rotated",
            &format!("department:{department}"),
            json!({ "kid": kid, "alg": "ES256", "retired": retired }),
        )?;
        Ok(kid)
    }

    /// The custodial key of a holder (`person:<id>` or `enterprise:<id>`), created and
    /// journaled if it has none yet.
    pub(super) async fn holder_key_in(
        &self,
        tx: &mut Tx,
        holder: &str,
        actor: &str,
    ) -> Result<Arc<SigningKey>> {
        let row: Option<(String, Vec<u8>)> = tx
            .fetch_optional(
                "SELECT kid, sealed_private FROM licence_holder_keys WHERE holder = $1",
                &[Val::from(holder)],
            )
            .await?;
        if let Some((kid, sealed)) = row {
            if let Some(k) = self.cached_key(&kid) {
                return Ok(k);
            }
            let k = self.unseal(&sealed, &holder_aad(&kid), &kid)?;
            self.cache_key(&kid, k.clone());
            return Ok(k);
        }
        let key = SigningKey::generate(Algorithm::Es256, &mut rand::rngs::OsRng);
        let public = key.verifying_key();
        let kid = public.thumbprint();
        let sealed = self.seal_new(tx, &key, &holder_aad(&kid)).await?;
        tx.execute(
            "INSERT INTO licence_holder_keys (holder, kid, public_jwk, sealed_private, \
             created_ms) VALUES ($1, $2, $3, $4, $5)",
            &[
                Val::from(holder),
                Val::from(&kid),
                Val::from(public.to_jwk().to_string()),
                Val::from(sealed),
                Val::from(crate::clock::to_ms(tx.now())),
            ],
        )
        .await?;
        tx.journal(
            actor,
            "licence.holder_key_created",
            holder,
            json!({ "kid": kid, "alg": "ES256" }),
        )?;
        let key = Arc::new(key);
        self.cache_key(&kid, key.clone());
        Ok(key)
    }

    /// A holder's custodial key, read outside a write (for presenting).
    pub(super) async fn holder_key(&self, store: &Store, holder: &str) -> Result<Arc<SigningKey>> {
        let row: Option<(String, Vec<u8>)> = store
            .fetch_optional(
                "SELECT kid, sealed_private FROM licence_holder_keys WHERE holder = $1",
                &[Val::from(holder)],
            )
            .await?;
        let Some((kid, sealed)) = row else {
            return Err(CoreError::not_found(
                "licence.holder_key.missing",
                "This holder has no key yet; it is made when the first licence is issued.",
            ));
        };
        if let Some(k) = self.cached_key(&kid) {
            return Ok(k);
        }
        let k = self.unseal(&sealed, &holder_aad(&kid), &kid)?;
        self.cache_key(&kid, k.clone());
        Ok(k)
    }

    /// An issuer's private key by kid, read outside a write (for status list tokens).
    pub(super) async fn issuer_signing_key(
        &self,
        store: &Store,
        kid: &str,
    ) -> Result<Arc<SigningKey>> {
        if let Some(k) = self.cached_key(kid) {
            return Ok(k);
        }
        let (sealed,): (Vec<u8>,) = store
            .fetch_one(
                "SELECT sealed_private FROM licence_issuer_keys WHERE kid = $1",
                &[Val::from(kid)],
            )
            .await?;
        let k = self.unseal(&sealed, &issuer_aad(kid), kid)?;
        self.cache_key(kid, k.clone());
        Ok(k)
    }

    /// A holder's public key, if it has one.
    pub(super) async fn holder_public_key(
        &self,
        store: &Store,
        holder: &str,
    ) -> Result<Option<VerifyingKey>> {
        if let Ok(known) = self.holder_keys.read()
            && let Some(k) = known.get(holder)
        {
            return Ok(Some(k.clone()));
        }
        let row: Option<(String,)> = store
            .fetch_optional(
                "SELECT public_jwk FROM licence_holder_keys WHERE holder = $1",
                &[Val::from(holder)],
            )
            .await?;
        let key = row.map(|(jwk,)| parse_public(&jwk)).transpose()?;
        if let (Some(k), Ok(mut known)) = (&key, self.holder_keys.write()) {
            known.insert(holder.to_owned(), k.clone());
        }
        Ok(key)
    }

    /// Every published issuer key as a trust store: the one kept, unless `fresh` asks
    /// for it to be read again (after a key it lacked was met).
    pub(super) async fn trust_store(
        &self,
        store: &Store,
        fresh: bool,
    ) -> Result<Arc<govops_licence::TrustStore>> {
        if !fresh
            && let Ok(kept) = self.trust.read()
            && let Some(t) = kept.as_ref()
        {
            return Ok(t.clone());
        }
        let mut trust = govops_licence::TrustStore::new();
        for k in self.published_keys(store, None).await? {
            let key = parse_public(&k.jwk.to_string())?;
            trust.add(self.issuer_id(&k.department), Some(k.kid), key);
        }
        let trust = Arc::new(trust);
        if let Ok(mut kept) = self.trust.write() {
            *kept = Some(trust.clone());
        }
        Ok(trust)
    }

    /// Every issuer key ever made, retired ones included, for JWKS and verification.
    pub(crate) async fn published_keys(
        &self,
        store: &Store,
        department: Option<&str>,
    ) -> Result<Vec<PublishedKey>> {
        let rows: Vec<(String, String, String, Option<i64>)> = match department {
            Some(d) => store
                .fetch_all(
                    "SELECT kid, department_code, public_jwk, retired_ms FROM licence_issuer_keys \
                     WHERE department_code = $1 ORDER BY created_ms, kid",
                    &[Val::from(d)],
                )
                .await?,
            None => store
                .fetch_all(
                    "SELECT kid, department_code, public_jwk, retired_ms FROM licence_issuer_keys \
                     ORDER BY created_ms, kid",
                    &[],
                )
                .await?,
        };
        rows.into_iter()
            .map(|(kid, department, jwk, retired)| {
                let jwk: serde_json::Value = serde_json::from_str(&jwk)
                    .map_err(|e| CoreError::internal(format!("public JWK {kid}: {e}")))?;
                Ok(PublishedKey {
                    kid,
                    department,
                    jwk,
                    retired: retired.is_some(),
                })
            })
            .collect()
    }
}

pub(super) fn parse_public(jwk: &str) -> Result<VerifyingKey> {
    let value: serde_json::Value =
        serde_json::from_str(jwk).map_err(|e| CoreError::internal(format!("public JWK: {e}")))?;
    VerifyingKey::from_jwk(&value).map_err(|e| CoreError::internal(format!("public JWK: {e}")))
}
