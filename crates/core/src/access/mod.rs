//! Authorization: every operation is decided here, by Cedar policies kept as data
//! (`policies.cedar`), default deny.

use crate::error::{CoreError, Result};
use crate::identity::{Principal, Role};
use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    PolicySet, Request, RestrictedExpression,
};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;

/// Every operation the platform authorizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read the latest signed journal checkpoint.
    JournalCheckpointRead,
    /// Read inclusion and consistency proofs.
    JournalProofRead,
    /// Read journal entries in full.
    JournalEntriesRead,
    /// List departments.
    DirectoryDepartmentsRead,
    /// See one's home page.
    HomeView,
    /// Read one's own identity.
    MeRead,
    /// The citizen portal.
    PortalView,
    /// The enterprise page.
    EnterpriseView,
    /// The official's workbench.
    WorkbenchView,
    /// A department's page.
    DepartmentView,
    /// The operations office's page.
    OpsView,
    /// The data steward's page.
    StewardView,
    /// The auditor's page.
    AuditView,
    /// The system administrator's page.
    AdminView,
    /// Browse the catalogue and read service guides (public).
    CatalogueRead,
    /// Reload the catalogue from the services folder.
    CatalogueReload,
    /// Apply for a service, and follow, correct or withdraw one's own cases.
    CaseApply,
    /// Act on a department's case tasks (resource: the department).
    CaseAct,
    /// Reveal a masked value of a case the department works on (resource: the department).
    CaseReveal,
    /// See one's own licences (我的证照) and present them.
    LicenceWallet,
    /// Verify a licence presentation (public).
    LicenceVerify,
    /// Read issuer metadata, keys and status lists (public).
    LicenceIssuerRead,
    /// See, revoke, suspend and reinstate the licences a department issued.
    LicenceManage,
    /// Rotate a department's issuer key.
    LicenceKeyRotate,
    /// Read the data catalogue (dataset pages, grants, who uses what): staff.
    DataCatalogueRead,
    /// Manage a department's datasets and read them masked (its data steward).
    DataManage,
    /// Request a sharing grant for a department (its members).
    DataGrantRequest,
    /// Decide grants on a department's datasets (its data steward or head).
    DataGrantDecide,
    /// Read rows under a grant held by a department (its members).
    DataGrantUse,
    /// Read open data (anyone).
    DataOpenRead,
    /// See the departments' quality scorecards.
    ScorecardView,
    /// Set the scorecard thresholds.
    ScorecardConfigure,
}

impl Action {
    /// Every action, for tests that walk them all.
    pub const ALL: [Action; 32] = [
        Action::JournalCheckpointRead,
        Action::JournalProofRead,
        Action::JournalEntriesRead,
        Action::DirectoryDepartmentsRead,
        Action::HomeView,
        Action::MeRead,
        Action::PortalView,
        Action::EnterpriseView,
        Action::WorkbenchView,
        Action::DepartmentView,
        Action::OpsView,
        Action::StewardView,
        Action::AuditView,
        Action::AdminView,
        Action::CatalogueRead,
        Action::CatalogueReload,
        Action::CaseApply,
        Action::CaseAct,
        Action::CaseReveal,
        Action::LicenceWallet,
        Action::LicenceVerify,
        Action::LicenceIssuerRead,
        Action::LicenceManage,
        Action::LicenceKeyRotate,
        Action::DataCatalogueRead,
        Action::DataManage,
        Action::DataGrantRequest,
        Action::DataGrantDecide,
        Action::DataGrantUse,
        Action::DataOpenRead,
        Action::ScorecardView,
        Action::ScorecardConfigure,
    ];

    /// The action's id in the policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::JournalCheckpointRead => "journal.checkpoint.read",
            Action::JournalProofRead => "journal.proof.read",
            Action::JournalEntriesRead => "journal.entries.read",
            Action::DirectoryDepartmentsRead => "directory.departments.read",
            Action::HomeView => "home.view",
            Action::MeRead => "me.read",
            Action::PortalView => "portal.view",
            Action::EnterpriseView => "enterprise.view",
            Action::WorkbenchView => "workbench.view",
            Action::DepartmentView => "department.view",
            Action::OpsView => "ops.view",
            Action::StewardView => "steward.view",
            Action::AuditView => "audit.view",
            Action::AdminView => "admin.view",
            Action::CatalogueRead => "catalogue.read",
            Action::CatalogueReload => "catalogue.reload",
            Action::CaseApply => "case.apply",
            Action::CaseAct => "case.act",
            Action::CaseReveal => "case.reveal",
            Action::LicenceWallet => "licence.wallet",
            Action::LicenceVerify => "licence.verify",
            Action::LicenceIssuerRead => "licence.issuer.read",
            Action::LicenceManage => "licence.manage",
            Action::LicenceKeyRotate => "licence.key.rotate",
            Action::DataCatalogueRead => "data.catalogue.read",
            Action::DataManage => "data.manage",
            Action::DataGrantRequest => "data.grant.request",
            Action::DataGrantDecide => "data.grant.decide",
            Action::DataGrantUse => "data.grant.use",
            Action::DataOpenRead => "data.open.read",
            Action::ScorecardView => "data.scorecard.view",
            Action::ScorecardConfigure => "data.scorecard.configure",
        }
    }
}

/// What an action is done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource<'a> {
    /// The platform as a whole.
    Platform,
    /// One department, by code.
    Department(&'a str),
}

/// The loaded policies.
pub struct Access {
    policies: PolicySet,
    authorizer: Authorizer,
    /// Decisions already made, by principal (account and every role grant), action and
    /// resource. A decision depends on nothing else (no context, no other entities), and
    /// the policies never change after loading, so a remembered answer is the answer.
    /// Cedar's evaluation was 18 % of the CPU of a case in `govops bench cases`.
    decisions: std::sync::RwLock<HashMap<String, bool>>,
}

/// Remembered decisions before the memo is emptied and starts again.
const DECISIONS_KEPT: usize = 50_000;

const BUILTIN: &str = include_str!("policies.cedar");

fn uid(ty: &str, id: &str) -> Result<EntityUid> {
    let ty = EntityTypeName::from_str(ty)
        .map_err(|e| CoreError::internal(format!("cedar type {ty}: {e}")))?;
    Ok(EntityUid::from_type_name_and_id(ty, EntityId::new(id)))
}

impl Access {
    /// Loads the policies shipped with govops.
    pub fn load_builtin() -> Result<Self> {
        Self::from_text(BUILTIN)
    }

    /// Loads policies from Cedar text, with an error naming the position on failure.
    pub fn from_text(text: &str) -> Result<Self> {
        let policies = PolicySet::from_str(text).map_err(|e| {
            CoreError::invalid(
                "access.policies.invalid",
                format!("the access policies do not parse: {e}"),
            )
        })?;
        Ok(Self {
            policies,
            authorizer: Authorizer::new(),
            decisions: std::sync::RwLock::new(HashMap::new()),
        })
    }

    /// True if `who` (None = not signed in) may do `action` to `resource`.
    pub fn allows(
        &self,
        who: Option<&Principal>,
        action: Action,
        resource: Resource<'_>,
    ) -> Result<bool> {
        let key = decision_key(who, action, resource);
        if let Ok(memo) = self.decisions.read()
            && let Some(answer) = memo.get(&key)
        {
            return Ok(*answer);
        }
        let answer = self.evaluate(who, action, resource)?;
        if let Ok(mut memo) = self.decisions.write() {
            if memo.len() >= DECISIONS_KEPT {
                memo.clear();
            }
            memo.insert(key, answer);
        }
        Ok(answer)
    }

    /// Asks Cedar.
    fn evaluate(
        &self,
        who: Option<&Principal>,
        action: Action,
        resource: Resource<'_>,
    ) -> Result<bool> {
        let (principal, mut entities) = match who {
            Some(p) => principal_entities(p)?,
            None => (uid("Govops::Anonymous", "anonymous")?, Vec::new()),
        };
        let resource_uid = match resource {
            Resource::Platform => uid("Govops::Platform", "city")?,
            Resource::Department(code) => uid("Govops::Department", code)?,
        };
        entities.push(Entity::new_no_attrs(resource_uid.clone(), HashSet::new()));
        let entities = Entities::from_entities(entities, None)
            .map_err(|e| CoreError::internal(format!("cedar entities: {e}")))?;
        let request = Request::new(
            principal,
            uid("Govops::Action", action.as_str())?,
            resource_uid,
            Context::empty(),
            None,
        )
        .map_err(|e| CoreError::internal(format!("cedar request: {e}")))?;
        let answer = self
            .authorizer
            .is_authorized(&request, &self.policies, &entities);
        Ok(answer.decision() == Decision::Allow)
    }

    /// Succeeds if allowed; otherwise says why: sign in first, or not permitted.
    pub fn check(
        &self,
        who: Option<&Principal>,
        action: Action,
        resource: Resource<'_>,
    ) -> Result<()> {
        if self.allows(who, action, resource)? {
            return Ok(());
        }
        match who {
            None => Err(CoreError::unauthenticated("Sign in to see this page.")),
            Some(_) => Err(CoreError::forbidden(
                "Your account does not have a role that may do this. \
                 Ask the operations office if you believe it should.",
            )),
        }
    }
}

/// What a decision depends on, as one string: the account, its role grants in order,
/// the action and the resource.
fn decision_key(who: Option<&Principal>, action: Action, resource: Resource<'_>) -> String {
    use std::fmt::Write as _;
    let mut key = String::with_capacity(96);
    match who {
        None => key.push_str("anonymous"),
        Some(p) => {
            key.push_str(&p.account_id);
            let mut grants: Vec<(&str, &str)> = p
                .roles
                .iter()
                .map(|g| (g.role.as_str(), g.department.as_deref().unwrap_or("")))
                .collect();
            grants.sort_unstable();
            for (role, dept) in grants {
                let _ = write!(key, "\u{1f}{role}@{dept}");
            }
        }
    }
    key.push('\u{1e}');
    key.push_str(action.as_str());
    match resource {
        Resource::Platform => key.push_str("\u{1e}platform"),
        Resource::Department(code) => {
            key.push_str("\u{1e}department:");
            key.push_str(code);
        }
    }
    key
}

fn principal_entities(p: &Principal) -> Result<(EntityUid, Vec<Entity>)> {
    let me = uid("Govops::Account", &p.account_id)?;
    let mut parents = HashSet::new();
    for role in p.distinct_roles() {
        parents.insert(uid("Govops::Role", role.as_str())?);
    }
    let mut attrs = HashMap::new();
    for (attr, role) in [
        ("official_of", Role::Official),
        ("head_of", Role::DepartmentHead),
        ("steward_of", Role::DataSteward),
    ] {
        let mut set = Vec::new();
        for code in p.departments_as(role) {
            set.push(RestrictedExpression::new_entity_uid(uid(
                "Govops::Department",
                code,
            )?));
        }
        attrs.insert(attr.to_string(), RestrictedExpression::new_set(set));
    }
    let entity = Entity::new(me.clone(), attrs, parents)
        .map_err(|e| CoreError::internal(format!("cedar entity: {e}")))?;
    Ok((me, vec![entity]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::RoleGrant;

    fn principal(roles: &[(Role, Option<&str>)]) -> Principal {
        Principal {
            account_id: "a1".into(),
            username: "u".into(),
            display_name: "U".into(),
            person_id: None,
            enterprises: vec![],
            roles: roles
                .iter()
                .map(|(r, d)| RoleGrant {
                    role: *r,
                    department: d.map(str::to_string),
                })
                .collect(),
        }
    }

    #[test]
    fn anonymous_reads_public_things_only() {
        let a = Access::load_builtin().unwrap();
        assert!(
            a.allows(None, Action::JournalCheckpointRead, Resource::Platform)
                .unwrap()
        );
        assert!(
            !a.allows(None, Action::HomeView, Resource::Platform)
                .unwrap()
        );
        assert!(
            !a.allows(None, Action::JournalEntriesRead, Resource::Platform)
                .unwrap()
        );
    }

    #[test]
    fn head_sees_own_department_only() {
        let a = Access::load_builtin().unwrap();
        let head = principal(&[(Role::DepartmentHead, Some("amr"))]);
        assert!(
            a.allows(
                Some(&head),
                Action::DepartmentView,
                Resource::Department("amr")
            )
            .unwrap()
        );
        assert!(
            !a.allows(
                Some(&head),
                Action::DepartmentView,
                Resource::Department("tax")
            )
            .unwrap()
        );
    }

    #[test]
    fn citizen_cannot_read_the_journal_entries_or_the_workbench() {
        let a = Access::load_builtin().unwrap();
        let c = principal(&[(Role::Citizen, None)]);
        assert!(
            a.allows(Some(&c), Action::PortalView, Resource::Platform)
                .unwrap()
        );
        assert!(
            !a.allows(Some(&c), Action::JournalEntriesRead, Resource::Platform)
                .unwrap()
        );
        assert!(
            !a.allows(Some(&c), Action::WorkbenchView, Resource::Platform)
                .unwrap()
        );
    }

    #[test]
    fn remembered_decisions_follow_the_roles_held() {
        let a = Access::load_builtin().unwrap();
        // The same account, first a citizen, then given the official role: the memo of the
        // first answer must not decide the second.
        let citizen = principal(&[(Role::Citizen, None)]);
        let official = principal(&[(Role::Citizen, None), (Role::Official, Some("amr"))]);
        for _ in 0..2 {
            assert!(
                !a.allows(Some(&citizen), Action::WorkbenchView, Resource::Platform)
                    .unwrap()
            );
            assert!(
                a.allows(Some(&official), Action::WorkbenchView, Resource::Platform)
                    .unwrap()
            );
            let head = principal(&[(Role::DepartmentHead, Some("amr"))]);
            for (dept, expected) in [("amr", true), ("tax", false)] {
                assert_eq!(
                    a.allows(
                        Some(&head),
                        Action::DepartmentView,
                        Resource::Department(dept)
                    )
                    .unwrap(),
                    expected
                );
                assert_eq!(
                    a.evaluate(
                        Some(&head),
                        Action::DepartmentView,
                        Resource::Department(dept)
                    )
                    .unwrap(),
                    expected
                );
            }
        }
    }

    #[test]
    fn broken_policy_text_is_refused_with_a_position() {
        let e = Access::from_text("permit(principal, action, resource")
            .err()
            .unwrap();
        assert_eq!(e.code, "access.policies.invalid");
    }
}
