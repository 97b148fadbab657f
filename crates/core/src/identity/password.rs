//! Password hashing with argon2id, kept off the async workers.
//!
//! Parameters: m = 64 MiB, t = 2, p = 1 (argon2id, version 0x13). On the reference
//! machine (see BENCHMARKS.md) one hash takes about the time the benchmark reports; the
//! README states the same. Hashing runs on the blocking pool behind a semaphore, so
//! logins in flight cannot starve page requests of the async workers.

use crate::error::{CoreError, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{Arc, LazyLock};
use tokio::sync::Semaphore;

/// Memory cost in KiB.
pub const M_COST_KIB: u32 = 65_536;
/// Iterations.
pub const T_COST: u32 = 2;
/// Lanes.
pub const P_COST: u32 = 1;

fn hasher() -> Result<Argon2<'static>> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None)
        .map_err(|e| CoreError::internal(format!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// At most this many hashes at once: each takes 64 MiB and a core.
static HASHING: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(2)));

/// Hashes a password (PHC string form) on the blocking pool.
pub async fn hash_password(password: String) -> Result<String> {
    let _permit = HASHING
        .clone()
        .acquire_owned()
        .await
        .map_err(CoreError::internal)?;
    tokio::task::spawn_blocking(move || hash_password_now(&password))
        .await
        .map_err(CoreError::internal)?
}

/// Hashes a password on the current thread (for seeding and benchmarks).
pub fn hash_password_now(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::internal(format!("argon2 hash: {e}")))
}

/// Checks a password against a stored hash on the blocking pool.
pub async fn verify_password(password: String, phc: String) -> Result<bool> {
    let _permit = HASHING
        .clone()
        .acquire_owned()
        .await
        .map_err(CoreError::internal)?;
    tokio::task::spawn_blocking(move || verify_password_now(&password, &phc))
        .await
        .map_err(CoreError::internal)
}

/// Checks a password against a stored hash on the current thread.
pub fn verify_password_now(password: &str, phc: &str) -> bool {
    match (PasswordHash::new(phc), hasher()) {
        (Ok(parsed), Ok(h)) => h.verify_password(password.as_bytes(), &parsed).is_ok(),
        _ => false,
    }
}

/// A fixed hash to verify against when the account does not exist, so a wrong
/// username costs the same time as a wrong password.
pub static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password_now("govops-dummy-password-for-timing").unwrap_or_default());
