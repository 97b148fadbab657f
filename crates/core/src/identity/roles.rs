//! Roles and the principal: who is acting, in which capacities.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A role someone holds on the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 申请人 (个人): a citizen applying for themselves.
    Citizen,
    /// A person acting for an enterprise (企业经办人).
    EnterpriseAgent,
    /// 工作人员: staff of a department, acting on its tasks.
    Official,
    /// 部门负责人: head of a department; escalations go here.
    DepartmentHead,
    /// 运营办公室: the operations office that runs the platform.
    OperationsOffice,
    /// 数据管理员: looks after a department's datasets and their quality.
    DataSteward,
    /// 审计员: reads the journal; changes nothing.
    Auditor,
    /// 系统管理员: keeps the installation running.
    SystemAdministrator,
}

impl Role {
    /// Every role, in the order the UI lists them.
    pub const ALL: [Role; 8] = [
        Role::Citizen,
        Role::EnterpriseAgent,
        Role::Official,
        Role::DepartmentHead,
        Role::OperationsOffice,
        Role::DataSteward,
        Role::Auditor,
        Role::SystemAdministrator,
    ];

    /// The stable name used in the database, policies and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::EnterpriseAgent => "enterprise_agent",
            Role::Official => "official",
            Role::DepartmentHead => "department_head",
            Role::OperationsOffice => "operations_office",
            Role::DataSteward => "data_steward",
            Role::Auditor => "auditor",
            Role::SystemAdministrator => "system_administrator",
        }
    }

    /// Parses a stable name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// True for roles held within one department.
    pub fn is_departmental(self) -> bool {
        matches!(
            self,
            Role::Official | Role::DepartmentHead | Role::DataSteward
        )
    }

    /// The role's name in Chinese, for the UI.
    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Citizen => "个人用户",
            Role::EnterpriseAgent => "企业经办人",
            Role::Official => "工作人员",
            Role::DepartmentHead => "部门负责人",
            Role::OperationsOffice => "运营办公室",
            Role::DataSteward => "数据管理员",
            Role::Auditor => "审计员",
            Role::SystemAdministrator => "系统管理员",
        }
    }

    /// The role's name in English, for the UI.
    pub fn name_en(self) -> &'static str {
        match self {
            Role::Citizen => "Citizen",
            Role::EnterpriseAgent => "Enterprise agent",
            Role::Official => "Official",
            Role::DepartmentHead => "Department head",
            Role::OperationsOffice => "Operations office",
            Role::DataSteward => "Data steward",
            Role::Auditor => "Auditor",
            Role::SystemAdministrator => "System administrator",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role held by an account, within a department where the role is departmental.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
pub struct RoleGrant {
    /// The role.
    #[schema(value_type = String)]
    pub role: Role,
    /// The department code, for departmental roles.
    pub department: Option<String>,
}

/// Who is acting: a signed-in account and what it may act as.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Principal {
    /// Account id.
    pub account_id: String,
    /// Sign-in name.
    pub username: String,
    /// Name to show.
    pub display_name: String,
    /// The person behind the account, if it is a person's account.
    pub person_id: Option<String>,
    /// Enterprises this person may act for.
    pub enterprises: Vec<String>,
    /// Roles held.
    pub roles: Vec<RoleGrant>,
}

impl Principal {
    /// True if the principal holds `role` anywhere.
    pub fn has(&self, role: Role) -> bool {
        self.roles.iter().any(|g| g.role == role)
    }

    /// The departments in which the principal holds `role`.
    pub fn departments_as(&self, role: Role) -> Vec<&str> {
        self.roles
            .iter()
            .filter(|g| g.role == role)
            .filter_map(|g| g.department.as_deref())
            .collect()
    }

    /// The actor string journal entries carry: `account:<id>`.
    pub fn actor(&self) -> String {
        format!("account:{}", self.account_id)
    }

    /// Distinct roles held, in display order.
    pub fn distinct_roles(&self) -> Vec<Role> {
        let mut roles: Vec<Role> = self.roles.iter().map(|g| g.role).collect();
        roles.sort();
        roles.dedup();
        roles
    }
}
