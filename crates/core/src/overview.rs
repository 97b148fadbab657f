//! Read models for the role home pages: one's own profile, the enterprises one acts for,
//! a department's staff, and the platform's counts. Each method authorizes first.

use crate::access::{Action, Resource};
use crate::error::{CoreError, Result};
use crate::identity::Principal;
use crate::platform::Platform;
use crate::store::Val;
use serde::Serialize;

/// A person's own details, with the resident ID masked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Profile {
    /// Full name.
    pub name: String,
    /// Resident ID, masked to the region and the last four characters.
    pub resident_id_masked: String,
    /// Mobile phone, masked in the middle.
    pub phone_masked: String,
    /// Address.
    pub address: String,
}

/// An enterprise someone acts for.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EnterpriseSummary {
    /// Id.
    pub id: String,
    /// Registered name.
    pub name: String,
    /// Unified social credit code (public by law).
    pub credit_code: String,
    /// Registered address.
    pub address: Option<String>,
}

crate::store::row_struct!(EnterpriseSummary {
    id: String,
    name: String,
    credit_code: String,
    address: Option<String>,
});

/// A member of a department's staff.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StaffMember {
    /// Name to show.
    pub display_name: String,
    /// Username.
    pub username: String,
    /// Role held in the department.
    pub role: String,
}

crate::store::row_struct!(StaffMember {
    display_name: String,
    username: String,
    role: String,
});

/// Counts for the operations office.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    /// Departments.
    pub departments: i64,
    /// Accounts.
    pub accounts: i64,
    /// People.
    pub persons: i64,
    /// Enterprises.
    pub enterprises: i64,
    /// Live sessions.
    pub sessions: i64,
    /// Journal entries.
    pub journal_entries: i64,
}

pub(crate) fn mask_middle(s: &str, keep_start: usize, keep_end: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= keep_start + keep_end {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..keep_start].iter().collect();
    out.push_str(&"*".repeat(chars.len() - keep_start - keep_end));
    out.extend(&chars[chars.len() - keep_end..]);
    out
}

impl Platform {
    /// The signed-in person's own profile.
    pub async fn my_profile(&self, who: &Principal) -> Result<Profile> {
        self.access()
            .check(Some(who), Action::PortalView, Resource::Platform)?;
        let Some(person) = &who.person_id else {
            return Err(CoreError::not_found(
                "identity.person.none",
                "This account is not linked to a person.",
            ));
        };
        let (name, rid, phone, address): (String, String, Option<String>, Option<String>) = self
            .store()
            .fetch_one(
                "SELECT name, resident_id, phone, address FROM persons WHERE id = $1",
                &[Val::from(person)],
            )
            .await?;
        Ok(Profile {
            name,
            resident_id_masked: mask_middle(&rid, 6, 4),
            phone_masked: mask_middle(phone.as_deref().unwrap_or(""), 3, 4),
            address: address.unwrap_or_default(),
        })
    }

    /// The enterprises the signed-in person may act for.
    pub async fn my_enterprises(&self, who: &Principal) -> Result<Vec<EnterpriseSummary>> {
        self.access()
            .check(Some(who), Action::EnterpriseView, Resource::Platform)?;
        let Some(person) = &who.person_id else {
            return Ok(Vec::new());
        };
        self
            .store()
            .fetch_all(
                "SELECT e.id, e.name, e.credit_code, e.address FROM enterprises e \
                 JOIN enterprise_agents a ON a.enterprise_id = e.id WHERE a.person_id = $1 ORDER BY e.name",
                &[Val::from(person)],
            )
            .await
    }

    /// The staff of one department, for its head and the operations office.
    pub async fn department_staff(&self, who: &Principal, code: &str) -> Result<Vec<StaffMember>> {
        self.access().check(
            Some(who),
            Action::DepartmentView,
            Resource::Department(code),
        )?;
        self
            .store()
            .fetch_all(
                "SELECT a.display_name, a.username, g.role FROM role_grants g JOIN accounts a ON a.id = g.account_id \
                 WHERE g.department_code = $1 ORDER BY g.role, a.username",
                &[Val::from(code)],
            )
            .await
    }

    /// Platform-wide counts, for the operations office and the administrator.
    pub async fn counts(&self, who: &Principal) -> Result<Counts> {
        let ops = self
            .access()
            .allows(Some(who), Action::OpsView, Resource::Platform)?;
        if !ops {
            self.access()
                .check(Some(who), Action::AdminView, Resource::Platform)?;
        }
        let pool = self.store().pool();
        let mut c = Counts::default();
        for (sql, slot) in [
            ("SELECT COUNT(*) FROM departments", &mut c.departments),
            ("SELECT COUNT(*) FROM accounts", &mut c.accounts),
            ("SELECT COUNT(*) FROM persons", &mut c.persons),
            ("SELECT COUNT(*) FROM enterprises", &mut c.enterprises),
            ("SELECT COUNT(*) FROM sessions", &mut c.sessions),
            (
                "SELECT COUNT(*) FROM journal_entries",
                &mut c.journal_entries,
            ),
        ] {
            let (n,): (i64,) = sqlx::query_as(sql).fetch_one(pool).await?;
            *slot = n;
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::mask_middle;

    #[test]
    fn masks_keep_only_the_ends() {
        assert_eq!(
            mask_middle("11010519491231002X", 6, 4),
            "110105********002X"
        );
        assert_eq!(mask_middle("13800001234", 3, 4), "138****1234");
        assert_eq!(mask_middle("abc", 3, 4), "***");
    }
}
