//! The directory: departments, people, enterprises and accounts, and citizens'
//! self-registration.

use super::password::hash_password;
use super::session::NewSession;
use crate::error::{CoreError, FieldError, Result};
use crate::ids::new_id;
use crate::platform::Platform;
use crate::store::Val;
use govops_ids::{Phone, ResidentId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::FromRow;

/// A government body (部门).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Department {
    /// Short code, such as `amr`.
    pub code: String,
    /// Name in Chinese.
    pub name_zh: String,
    /// Name in English.
    pub name_en: String,
    /// The department above this one, if any.
    pub parent_code: Option<String>,
    /// Its unified social credit code.
    pub credit_code: String,
}

crate::store::row_struct!(Department {
    code: String,
    name_zh: String,
    name_en: String,
    parent_code: Option<String>,
    credit_code: String,
});

/// What a person types to register.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct Registration {
    /// Full name as on the resident ID card.
    pub name: String,
    /// 18-character resident ID number.
    pub resident_id: String,
    /// Mobile phone number.
    pub phone: String,
    /// Chosen username.
    pub username: String,
    /// Chosen password.
    pub password: String,
    /// The password again.
    pub password_confirm: String,
}

/// Checks a username: 3–32 characters of lowercase letters, digits, `.`, `_`, `-`.
pub fn check_username(username: &str) -> std::result::Result<(), String> {
    let n = username.chars().count();
    if !(3..=32).contains(&n) {
        return Err(format!(
            "Use 3 to 32 characters for the username; this one has {n}."
        ));
    }
    if let Some(c) = username
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "The username may use lowercase letters, digits, '.', '_' and '-'; `{c}` is not allowed."
        ));
    }
    Ok(())
}

impl Platform {
    /// Every department, parents before children.
    pub async fn departments(&self) -> Result<Vec<Department>> {
        self.store()
            .fetch_all(
                "SELECT code, name_zh, name_en, parent_code, credit_code FROM departments \
             ORDER BY CASE WHEN parent_code IS NULL THEN 0 ELSE 1 END, code",
                &[],
            )
            .await
    }

    /// One department by code.
    pub async fn department(&self, code: &str) -> Result<Department> {
        self
            .store()
            .fetch_optional(
                "SELECT code, name_zh, name_en, parent_code, credit_code FROM departments WHERE code = $1",
                &[Val::from(code)],
            )
            .await?
        .ok_or_else(|| {
            CoreError::not_found(
                "directory.department.not_found",
                format!("There is no department with the code `{code}`."),
            )
        })
    }

    /// Registers a citizen account. Every problem in the form is reported at once; on
    /// any problem nothing is written. On success the person is signed in.
    pub async fn register_citizen(&self, form: Registration, address: &str) -> Result<NewSession> {
        let mut errors = Vec::new();
        let mut bad = |field: &str, message: String| {
            errors.push(FieldError {
                field: field.to_string(),
                message,
            })
        };
        let name = form.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 50 {
            bad(
                "name",
                "Enter your full name as on your resident ID card (at most 50 characters).".into(),
            );
        }
        let resident_id = match ResidentId::parse(form.resident_id.trim()) {
            Ok(id) => Some(id),
            Err(e) => {
                bad("resident_id", format!("Resident ID number: {e}"));
                None
            }
        };
        if let Some(id) = &resident_id
            && id.birth_date() > self.now().date()
        {
            bad(
                "resident_id",
                "Resident ID number: the birth date is in the future.".into(),
            );
        }
        let phone = match Phone::parse(form.phone.trim()) {
            Ok(p) => Some(p),
            Err(e) => {
                bad("phone", format!("Mobile phone: {e}"));
                None
            }
        };
        let username = form.username.trim().to_lowercase();
        if let Err(e) = check_username(&username) {
            bad("username", e);
        }
        if let Err(e) = govops_ids::check_password(&form.password, &[&username, &name]) {
            bad("password", e.to_string());
        } else if form.password != form.password_confirm {
            bad(
                "password_confirm",
                "The two passwords are different; type the same password twice.".into(),
            );
        }
        let (Some(resident_id), Some(phone), true) = (resident_id, phone, errors.is_empty()) else {
            return Err(CoreError::invalid_fields(
                "identity.registration.invalid",
                errors,
            ));
        };
        let taken: Option<(String,)> = self
            .store()
            .fetch_optional(
                "SELECT id FROM accounts WHERE lower(username) = $1",
                &[Val::from(&username)],
            )
            .await?;
        if taken.is_some() {
            return Err(CoreError::conflict(
                "identity.username.taken",
                "This username is taken; choose another.",
            )
            .with_field("username"));
        }
        let hash = hash_password(form.password.clone()).await?;
        let rid = resident_id.as_str().to_string();
        let masked = resident_id.masked();
        let (u, n, ph) = (username.clone(), name.clone(), phone.as_str().to_string());
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let now = tx.now();
                    let now_ms = crate::clock::to_ms(now);
                    let existing: Option<(String, String)> = tx.fetch_optional("SELECT p.id, COALESCE(a.id, '') FROM persons p LEFT JOIN accounts a ON a.person_id = p.id \
                         WHERE p.resident_id = $1", &[Val::from(&rid)])
                    .await?;
                    let person_id = match existing {
                        Some((_, account)) if !account.is_empty() => {
                            return Err(CoreError::conflict(
                                "identity.person.has_account",
                                "An account already exists for this resident ID number. Sign in instead, or ask the operations office.",
                            )
                            .with_field("resident_id"));
                        }
                        Some((id, _)) => id,
                        None => {
                            let id = new_id(now);
                            tx.execute("INSERT INTO persons (id, resident_id, name, phone, created_ms) VALUES ($1, $2, $3, $4, $5)", &[Val::from(&id), Val::from(&rid), Val::from(&n), Val::from(&ph), Val::from(now_ms)])
                            .await?;
                            tx.journal("system:registration", "identity.person_created", &format!("person:{id}"),
                                json!({ "resident_id": masked }))?;
                            id
                        }
                    };
                    let account_id = new_id(now);
                    tx.execute("INSERT INTO accounts (id, username, display_name, password_hash, person_id, created_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6)", &[Val::from(&account_id), Val::from(&u), Val::from(&n), Val::from(hash), Val::from(&person_id), Val::from(now_ms)])
                    .await?;
                    tx.execute("INSERT INTO role_grants (account_id, role, department_code) VALUES ($1, 'citizen', '')", &[Val::from(&account_id)])
                        .await?;
                    tx.journal(
                        &format!("account:{account_id}"),
                        "identity.account_registered",
                        &format!("account:{account_id}"),
                        json!({ "username": u, "person": person_id, "roles": ["citizen"] }),
                    )?;
                    Ok(())
                })
            })
            .await?;
        self.login(&username, &form.password, address).await
    }
}
