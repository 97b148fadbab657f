//! Sign-in, sessions and sign-out.
//!
//! A session token is 32 random bytes; only its SHA-256 is stored, so a copy of the
//! database does not let anyone sign in. Sessions end after 30 minutes without activity
//! and 12 hours after sign-in, whichever comes first. Every sign-in, failed sign-in,
//! expiry and sign-out is journaled.

use super::password::{DUMMY_HASH, verify_password};
use super::roles::{Principal, Role, RoleGrant};
use crate::clock::to_ms;
use crate::error::{CoreError, Result};
use crate::platform::Platform;
use crate::store::Val;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::Duration;

/// Idle timeout.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// Absolute timeout.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// How stale `last_seen` may get before a request refreshes it; saves a write per page.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// A session just created: the token goes to the browser (or API client) once.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The bearer token / cookie value.
    pub token: String,
    /// The CSRF token forms of this session carry.
    pub csrf: String,
    /// Who signed in.
    pub principal: Principal,
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who is signed in.
    pub principal: Principal,
    /// The CSRF token of this session.
    pub csrf: String,
    token_hash: String,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// An `accounts` row: id, username, display name, person.
type AccountRow = (String, String, String, Option<String>);

impl Platform {
    /// Signs in with username and password from `address`.
    pub async fn login(&self, username: &str, password: &str, address: &str) -> Result<NewSession> {
        let username = username.trim().to_string();
        let now = self.now();
        if username.is_empty() {
            return Err(CoreError::invalid_field(
                "auth.username.missing",
                "username",
                "Enter your username.",
            ));
        }
        if username.chars().count() > 64
            || username
                .chars()
                .any(|c| c.is_control() || c == char::REPLACEMENT_CHARACTER)
        {
            return Err(CoreError::invalid_field(
                "auth.username.malformed",
                "username",
                "The username has characters that are not valid text, or is too long. Type it again.",
            ));
        }
        if password.is_empty() {
            return Err(CoreError::invalid_field(
                "auth.password.missing",
                "password",
                "Enter your password.",
            ));
        }
        if let Some(wait) = self.inner.limiter.must_wait(&username, address, now) {
            let minutes = (wait.whole_seconds() + 59) / 60;
            self.journal_login_failure(&username, address, "rate_limited")
                .await?;
            return Err(CoreError::rate_limited(format!(
                "Too many failed sign-in attempts. Try again in {minutes} minute(s), or reset your password."
            )));
        }
        let row: Option<(String, String, i64)> = self
            .store()
            .fetch_optional(
                "SELECT id, password_hash, disabled FROM accounts WHERE lower(username) = lower($1)",
                &[Val::from(&username)],
            )
            .await?;
        let (account_id, phc, disabled) = match row {
            Some(r) => (Some(r.0), r.1, r.2 != 0),
            None => (None, DUMMY_HASH.clone(), false),
        };
        let matches = verify_password(password.to_string(), phc).await?;
        let account_id = match account_id {
            Some(id) if matches && !disabled => id,
            _ => {
                self.inner.limiter.failed(&username, address, now);
                let reason = if disabled {
                    "disabled"
                } else {
                    "bad_credentials"
                };
                self.journal_login_failure(&username, address, reason)
                    .await?;
                return Err(CoreError::invalid_field(
                    "auth.credentials",
                    "username",
                    "The username or password is not right. Check both and try again.",
                )
                .with_field("password"));
            }
        };
        self.inner.limiter.succeeded(&username);
        let token = random_token();
        let csrf = random_token();
        let hash = token_hash(&token);
        let address = address.to_string();
        let (id, csrf_stored) = (account_id.clone(), csrf.clone());
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let now = to_ms(tx.now());
                    tx.execute("INSERT INTO sessions (token_hash, account_id, csrf, created_ms, last_seen_ms, address) \
                         VALUES ($1, $2, $3, $4, $4, $5)", &[Val::from(&hash), Val::from(&id), Val::from(csrf_stored), Val::from(now), Val::from(&address)])
                    .await?;
                    tx.journal(
                        &format!("account:{id}"),
                        "auth.login",
                        &format!("account:{id}"),
                        json!({ "address": address, "session": &hash[..16] }),
                    )
                })
            })
            .await?;
        let principal = self.principal(&account_id).await?;
        Ok(NewSession {
            token,
            csrf,
            principal,
        })
    }

    async fn journal_login_failure(
        &self,
        username: &str,
        address: &str,
        reason: &str,
    ) -> Result<()> {
        let (username, address, reason) = (
            username.to_string(),
            address.to_string(),
            reason.to_string(),
        );
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    tx.journal(
                        &format!("address:{address}"),
                        "auth.login_failed",
                        &format!("username:{username}"),
                        json!({ "reason": reason }),
                    )
                })
            })
            .await
    }

    /// The live session for `token`, or an `Unauthenticated` error saying why there is
    /// none (unknown, idle too long, or past its absolute limit).
    pub async fn session(&self, token: &str) -> Result<Session> {
        let hash = token_hash(token);
        // The session and its account in one read (an account's sessions go with it).
        #[allow(clippy::type_complexity)]
        let row: Option<(String, i64, i64, String, String, String, Option<String>)> = self
            .store()
            .fetch_optional(
                "SELECT s.csrf, s.created_ms, s.last_seen_ms, a.id, a.username, a.display_name, \
                 a.person_id FROM sessions s JOIN accounts a ON a.id = s.account_id \
                 WHERE s.token_hash = $1",
                &[Val::from(&hash)],
            )
            .await?;
        let Some((csrf, created, last_seen, account_id, username, display_name, person_id)) = row
        else {
            return Err(CoreError::unauthenticated(
                "You are not signed in, or you signed out. Sign in to continue.",
            ));
        };
        let now = self.now();
        let now_ms = to_ms(now);
        let idle_over = now_ms - last_seen > IDLE_TIMEOUT.whole_milliseconds() as i64;
        let absolute_over = now_ms - created > ABSOLUTE_TIMEOUT.whole_milliseconds() as i64;
        if idle_over || absolute_over {
            let why = if absolute_over { "absolute" } else { "idle" };
            self.end_session(&hash, &account_id, "auth.session_expired", why)
                .await?;
            let text = if absolute_over {
                "Your session ended 12 hours after you signed in. Sign in again to continue."
            } else {
                "Your session ended after 30 minutes without activity. Sign in again to continue."
            };
            return Err(CoreError {
                code: "auth.session_expired",
                ..CoreError::unauthenticated(text)
            });
        }
        if now_ms - last_seen > TOUCH_EVERY.whole_milliseconds() as i64 {
            let h = hash.clone();
            self.store()
                .write(move |tx| {
                    Box::pin(async move {
                        let now = to_ms(tx.now());
                        tx.execute(
                            "UPDATE sessions SET last_seen_ms = $1 WHERE token_hash = $2",
                            &[Val::from(now), Val::from(h)],
                        )
                        .await?;
                        Ok(())
                    })
                })
                .await?;
        }
        let principal = self
            .principal_of((account_id, username, display_name, person_id))
            .await?;
        Ok(Session {
            principal,
            csrf,
            token_hash: hash,
        })
    }

    /// Signs out: the session is deleted and the sign-out journaled.
    pub async fn logout(&self, session: &Session) -> Result<()> {
        self.end_session(
            &session.token_hash,
            &session.principal.account_id,
            "auth.logout",
            "user",
        )
        .await
    }

    async fn end_session(
        &self,
        hash: &str,
        account_id: &str,
        action: &'static str,
        why: &str,
    ) -> Result<()> {
        let (hash, account_id, why) = (hash.to_string(), account_id.to_string(), why.to_string());
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let deleted = tx
                        .execute(
                            "DELETE FROM sessions WHERE token_hash = $1",
                            &[Val::from(&hash)],
                        )
                        .await?;
                    if deleted > 0 {
                        tx.journal(
                            &format!("account:{account_id}"),
                            action,
                            &format!("account:{account_id}"),
                            json!({ "reason": why, "session": &hash[..16] }),
                        )?;
                    }
                    Ok(())
                })
            })
            .await
    }

    /// Loads who an account is and what roles it holds.
    pub async fn principal(&self, account_id: &str) -> Result<Principal> {
        let row: Option<AccountRow> = self
            .store()
            .fetch_optional(
                "SELECT id, username, display_name, person_id FROM accounts WHERE id = $1",
                &[Val::from(account_id)],
            )
            .await?;
        let Some(row) = row else {
            return Err(CoreError::unauthenticated("This account no longer exists."));
        };
        self.principal_of(row).await
    }

    /// The principal of an account row: its role grants and the enterprises its person
    /// is an agent of, read in one query.
    async fn principal_of(&self, row: AccountRow) -> Result<Principal> {
        let (account_id, username, display_name, person_id) = row;
        let links: Vec<(String, String, String)> = self
            .store()
            .fetch_all(
                "SELECT 'role', role, department_code FROM role_grants WHERE account_id = $1 \
             UNION ALL \
             SELECT 'agent', enterprise_id, '' FROM enterprise_agents WHERE person_id = $2",
                &[Val::from(&account_id), Val::from(person_id.clone())],
            )
            .await?;
        let mut roles: Vec<RoleGrant> = Vec::new();
        let mut enterprises: Vec<String> = Vec::new();
        for (kind, a, b) in links {
            if kind == "agent" {
                enterprises.push(a);
            } else if let Some(role) = Role::parse(&a) {
                roles.push(RoleGrant {
                    role,
                    department: (!b.is_empty()).then_some(b),
                });
            }
        }
        enterprises.sort();
        if !enterprises.is_empty() {
            roles.push(RoleGrant {
                role: Role::EnterpriseAgent,
                department: None,
            });
        }
        roles.sort();
        Ok(Principal {
            account_id,
            username,
            display_name,
            person_id,
            enterprises,
            roles,
        })
    }
}
