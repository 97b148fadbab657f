//! Issuing a licence inside a write: the case engine calls [`Licences::issue_in`] from
//! its own write closure, so the licence, its number, its status entry and its journal
//! entry commit with the case's completion or not at all.

use super::{Licences, STATUS_LIST_SIZE};
use crate::error::{CoreError, FieldError, Result};
use crate::platform::Platform;
use crate::store::{Tx, Val};
use govops_ids::CreditCode;
use govops_licence::{Credential, Frame, Issuer, LicenceIdentifier, StatusReference};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// Who a licence is issued to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    /// A person, by `persons.id`.
    Person(String),
    /// An enterprise, by `enterprises.id`; every agent of it sees it in their wallet.
    Enterprise(String),
    /// The person behind an account, by `accounts.id`.
    Account(String),
}

/// What to issue.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    /// The licence type's id, e.g. `food-business-licence`.
    pub licence_type: String,
    /// Who receives it.
    pub holder: Holder,
    /// The claims, by the names the type declares (e.g. from the service's result mapping).
    pub claims: Map<String, Value>,
    /// The case that led to it, if any.
    pub case_id: Option<String>,
    /// The journal actor, e.g. `account:<id>` or `system:cases`.
    pub actor: String,
}

/// A licence just issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedLicence {
    /// The row id.
    pub id: String,
    /// The GB/T 36904 identifier (证照标识).
    pub identifier: String,
    /// The type's id.
    pub licence_type: String,
    /// The issuing department's code.
    pub department: String,
    /// The holder: `person:<id>` or `enterprise:<id>`.
    pub holder: String,
    /// The SD-JWT VC with every disclosure, as the wallet keeps it.
    pub sd_jwt: String,
    /// Issue time, Unix seconds.
    pub issued_at: i64,
    /// End of validity, Unix seconds; `None` for long-term (长期).
    pub expires_at: Option<i64>,
}

impl Licences {
    /// Issues a licence inside the write `tx` (awaits only `Tx` methods). Generates the
    /// department's issuer key and the holder's key on first need. Journals
    /// `licence.issued`; personal claims are not copied into the journal, only the
    /// SHA-256 of the issued SD-JWT.
    pub async fn issue_in(&self, tx: &mut Tx, req: IssueRequest) -> Result<IssuedLicence> {
        let t = self.types.get(&req.licence_type).ok_or_else(|| {
            CoreError::invalid_field(
                "licence.type.unknown",
                "licence_type",
                format!(
                    "There is no licence type `{}`; the licence types folder defines: {}.",
                    req.licence_type,
                    self.types
                        .iter()
                        .map(|t| t.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        check_claims(t, &req.claims)?;
        let holder = resolve_holder(tx, &req.holder).await?;
        let dept: Option<(String, String)> = tx
            .fetch_optional(
                "SELECT credit_code, name_zh FROM departments WHERE code = $1",
                &[Val::from(t.department.clone())],
            )
            .await?;
        let (credit, dept_name) = dept.ok_or_else(|| {
            CoreError::invalid(
                "licence.department.unknown",
                format!(
                    "Licence type `{}` is issued by department `{}`, which does not exist; \
                     fix `department` in {}.",
                    t.id, t.department, t.file
                ),
            )
        })?;
        let credit = CreditCode::parse(&credit)
            .map_err(|e| CoreError::internal(format!("department credit code: {e}")))?;

        let (serial,): (i64,) = tx
            .fetch_one(
                "INSERT INTO licence_serials (type_id, department_code, next_serial) \
                 VALUES ($1, $2, 2) ON CONFLICT (type_id, department_code) \
                 DO UPDATE SET next_serial = licence_serials.next_serial + 1 \
                 RETURNING next_serial - 1",
                &[Val::from(t.id.clone()), Val::from(t.department.clone())],
            )
            .await?;
        let identifier = LicenceIdentifier::build(&t.code, &credit, &format!("{serial:07}"), "1")
            .map_err(|e| CoreError::internal(format!("licence identifier: {e}")))?
            .to_string();
        let (list_no, idx) = allocate_status(tx, &t.department).await?;

        let (kid, issuer_key) = self.issuer_key_in(tx, &t.department, &req.actor).await?;
        let holder_key = self.holder_key_in(tx, &holder, &req.actor).await?;

        let now = tx.now();
        let issued_at = now.unix_timestamp();
        let expires = t.validity.expires(now);
        let mut claims = req.claims.clone();
        claims.insert("licence_number".into(), Value::from(identifier.clone()));
        claims.insert("issuing_authority".into(), Value::from(dept_name));
        let credential = Credential {
            vct: t.vct(),
            issued_at,
            not_before: None,
            expires_at: expires.map(time::OffsetDateTime::unix_timestamp),
            subject: None,
            holder_key: Some(holder_key.verifying_key()),
            status: Some(StatusReference {
                idx: u64::try_from(idx).unwrap_or_default(),
                uri: self.status_list_uri(&t.department, list_no),
            }),
            claims,
        };
        let mut frame = Frame::new();
        for c in t.claims.iter().filter(|c| c.disclosable) {
            if credential.claims.contains_key(&c.name) {
                frame = frame.disclosable(&c.name);
            }
        }
        let issuer =
            Issuer::new(self.issuer_id(&t.department), (*issuer_key).clone()).with_kid(kid.clone());
        let sd_jwt = issuer
            // Disclosure salts from the thread's CSPRNG (ChaCha, seeded and reseeded from
            // the OS) rather than a system call per salt.
            .issue(&credential, &frame, &mut rand::thread_rng())
            .map_err(|e| CoreError::internal(format!("issuing: {e}")))?
            .to_string();

        let id = uuid::Uuid::now_v7().to_string();
        let now_ms = crate::clock::to_ms(now);
        let expires_ms = expires.map(crate::clock::to_ms);
        tx.execute(
            "INSERT INTO licences (id, identifier, type_id, department_code, issuer_kid, holder, \
             case_id, sd_jwt, list_no, status_idx, status, issued_ms, expires_ms, updated_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12, $11)",
            &[
                Val::from(id.clone()),
                Val::from(identifier.clone()),
                Val::from(t.id.clone()),
                Val::from(t.department.clone()),
                Val::from(kid.clone()),
                Val::from(holder.clone()),
                Val::from(req.case_id.clone()),
                Val::from(sd_jwt.clone()),
                Val::from(list_no),
                Val::from(idx),
                Val::from(now_ms),
                Val::from(expires_ms),
            ],
        )
        .await?;
        tx.journal(
            &req.actor,
            "licence.issued",
            &format!("licence:{id}"),
            json!({
                "identifier": identifier,
                "type": t.id,
                "department": t.department,
                "holder": holder,
                "case": req.case_id,
                "kid": kid,
                "status_list": list_no,
                "status_idx": idx,
                "sd_jwt_sha256": hex::encode(Sha256::digest(sd_jwt.as_bytes())),
            }),
        )?;
        Ok(IssuedLicence {
            id,
            identifier,
            licence_type: t.id.clone(),
            department: t.department.clone(),
            holder,
            sd_jwt,
            issued_at,
            expires_at: expires.map(time::OffsetDateTime::unix_timestamp),
        })
    }
}

impl Platform {
    /// Issues a licence in a write of its own. The case engine should rather call
    /// [`Licences::issue_in`] inside the write that completes the case.
    pub async fn issue_licence(&self, req: IssueRequest) -> Result<IssuedLicence> {
        let licences = self.licences().clone();
        self.store()
            .write(move |tx| Box::pin(async move { licences.issue_in(tx, req).await }))
            .await
    }

    /// Rotates a department's issuer key (its head, or a system administrator).
    pub async fn rotate_issuer_key(
        &self,
        who: &crate::identity::Principal,
        department: &str,
    ) -> Result<String> {
        self.access().check(
            Some(who),
            crate::access::Action::LicenceKeyRotate,
            crate::access::Resource::Department(department),
        )?;
        let licences = self.licences().clone();
        let (department, actor) = (department.to_owned(), who.actor());
        self.store()
            .write(move |tx| {
                Box::pin(
                    async move { licences.rotate_issuer_key_in(tx, &department, &actor).await },
                )
            })
            .await
    }
}

/// Every claim must be declared by the type, every required one present and not empty.
fn check_claims(t: &super::LicenceType, claims: &Map<String, Value>) -> Result<()> {
    let mut problems = Vec::new();
    for (name, value) in claims {
        if t.claim(name).is_none() {
            problems.push(FieldError {
                field: format!("claims.{name}"),
                message: format!(
                    "Licence type `{}` has no claim `{name}`; its claims are: {}.",
                    t.id,
                    t.claims
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        } else if value.is_null() {
            problems.push(FieldError {
                field: format!("claims.{name}"),
                message: format!("The claim `{name}` is null; leave it out or give a value."),
            });
        }
    }
    for c in t.claims.iter().filter(|c| c.required) {
        let missing = match claims.get(&c.name) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(_) => false,
        };
        if missing {
            problems.push(FieldError {
                field: format!("claims.{}", c.name),
                message: format!(
                    "Licence type `{}` requires the claim `{}` ({}).",
                    t.id, c.name, c.label.en
                ),
            });
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CoreError::invalid_fields(
            "licence.claims.invalid",
            problems,
        ))
    }
}

/// `person:<id>` or `enterprise:<id>`, after checking that it exists.
async fn resolve_holder(tx: &mut Tx, holder: &Holder) -> Result<String> {
    let person = |id: &str| format!("person:{id}");
    match holder {
        Holder::Account(account) => {
            let row: Option<(Option<String>,)> = tx
                .fetch_optional(
                    "SELECT person_id FROM accounts WHERE id = $1",
                    &[Val::from(account.clone())],
                )
                .await?;
            match row {
                Some((Some(p),)) => Ok(person(&p)),
                Some((None,)) => Err(CoreError::invalid_field(
                    "licence.holder.no_person",
                    "holder",
                    format!(
                        "Account `{account}` is not a person's account; licences are issued to people and enterprises."
                    ),
                )),
                None => Err(CoreError::invalid_field(
                    "licence.holder.unknown",
                    "holder",
                    format!("There is no account `{account}`."),
                )),
            }
        }
        Holder::Person(id) => {
            let found: Option<(String,)> = tx
                .fetch_optional(
                    "SELECT id FROM persons WHERE id = $1",
                    &[Val::from(id.clone())],
                )
                .await?;
            found.map(|_| person(id)).ok_or_else(|| {
                CoreError::invalid_field(
                    "licence.holder.unknown",
                    "holder",
                    format!("There is no person `{id}`."),
                )
            })
        }
        Holder::Enterprise(id) => {
            let found: Option<(String,)> = tx
                .fetch_optional(
                    "SELECT id FROM enterprises WHERE id = $1",
                    &[Val::from(id.clone())],
                )
                .await?;
            found.map(|_| format!("enterprise:{id}")).ok_or_else(|| {
                CoreError::invalid_field(
                    "licence.holder.unknown",
                    "holder",
                    format!("There is no enterprise `{id}`."),
                )
            })
        }
    }
}

/// The next free entry of the department's newest status list, opening a new list when
/// it is full. The entry is taken by one `UPDATE … RETURNING`, so two nodes issuing at
/// once on PostgreSQL wait on the row instead of taking the same entry.
async fn allocate_status(tx: &mut Tx, department: &str) -> Result<(i64, i64)> {
    let newest: Option<(i64,)> = tx
        .fetch_optional(
            "SELECT list_no FROM licence_status_lists WHERE department_code = $1 \
             ORDER BY list_no DESC LIMIT 1",
            &[Val::from(department)],
        )
        .await?;
    let newest = newest.map_or(1, |(n,)| n);
    // At most two turns: the newest list, then, if it is full, a new one.
    for list_no in [newest, newest + 1] {
        tx.execute(
            "INSERT INTO licence_status_lists (department_code, list_no, size, next_idx, \
             version, updated_ms) VALUES ($1, $2, $3, 0, 1, $4) \
             ON CONFLICT (department_code, list_no) DO NOTHING",
            &[
                Val::from(department),
                Val::from(list_no),
                Val::from(STATUS_LIST_SIZE),
                Val::from(crate::clock::to_ms(tx.now())),
            ],
        )
        .await?;
        let taken: Option<(i64,)> = tx
            .fetch_optional(
                "UPDATE licence_status_lists SET next_idx = next_idx + 1 \
                 WHERE department_code = $1 AND list_no = $2 AND next_idx < size \
                 RETURNING next_idx - 1",
                &[Val::from(department), Val::from(list_no)],
            )
            .await?;
        if let Some((idx,)) = taken {
            return Ok((list_no, idx));
        }
    }
    Err(CoreError::internal(format!(
        "no free status list entry for department {department}"
    )))
}
