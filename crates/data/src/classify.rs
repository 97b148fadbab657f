//! Sensitivity classification, suggested for the data steward to confirm.
//!
//! Columns get a level from PIPL (个人信息保护法): sensitive personal
//! information per Art. 28 (identity numbers, biometrics, religion, health,
//! financial accounts, whereabouts, minors' data), other personal
//! information, internal, or public. The dataset gets a Data Security Law
//! (数据安全法) level: 一般 / 重要 / 核心. Both are suggestions with reasons;
//! the platform journals the steward's confirmation.

use serde::Serialize;

use crate::profile::{DatasetProfile, SemanticType};

/// A column's sensitivity level, least to most sensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    /// 公开: may be published (e.g. a credit code printed on every licence).
    Public,
    /// 内部: for government use, not personal.
    Internal,
    /// 个人信息: identifies or relates to a person.
    Personal,
    /// 敏感个人信息 (PIPL Art. 28).
    SensitivePersonal,
}

/// A dataset's level under the Data Security Law.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataLevel {
    /// 一般数据.
    General,
    /// 重要数据.
    Important,
    /// 核心数据.
    Core,
}

impl DataLevel {
    /// The Chinese name used in the catalogue.
    pub fn zh(self) -> &'static str {
        match self {
            Self::General => "一般",
            Self::Important => "重要",
            Self::Core => "核心",
        }
    }
}

/// A suggested level for one column, with the reason shown to the steward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnClass {
    /// Column name.
    pub column: String,
    /// Suggested level.
    pub level: Sensitivity,
    /// Why.
    pub reason: String,
}

/// The suggestion for a whole dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classification {
    /// One entry per column.
    pub columns: Vec<ColumnClass>,
    /// Suggested data level.
    pub level: DataLevel,
    /// Why.
    pub reason: String,
}

/// Name fragments of Art. 28 categories (lower-case English or Chinese).
const SENSITIVE_NAMES: [&str; 24] = [
    "health",
    "medical",
    "diagnos",
    "disease",
    "religio",
    "biometric",
    "fingerprint",
    "face",
    "bank",
    "account",
    "location",
    "track",
    "病",
    "诊断",
    "健康",
    "宗教",
    "信仰",
    "指纹",
    "人脸",
    "银行",
    "账号",
    "行踪",
    "轨迹",
    "身份证",
];
const PERSONAL_NAMES: [&str; 16] = [
    "name", "phone", "mobile", "email", "address", "birth", "gender", "sex", "姓名", "电话",
    "手机", "邮箱", "住址", "地址", "出生", "性别",
];
const PUBLIC_NAMES: [&str; 4] = ["credit_code", "信用代码", "company", "企业名称"];

/// Suggests a column's level from its semantic type and name.
pub fn classify_column(name: &str, semantic: Option<SemanticType>) -> ColumnClass {
    let lower = name.to_lowercase();
    let has = |list: &[&str]| list.iter().any(|w| lower.contains(w));
    let (level, reason) = match semantic {
        Some(SemanticType::ResidentId) => (
            Sensitivity::SensitivePersonal,
            "holds resident ID numbers (specific identity, PIPL Art. 28)".to_owned(),
        ),
        Some(SemanticType::CreditCode) => (
            Sensitivity::Public,
            "holds unified social credit codes, which are public".to_owned(),
        ),
        Some(
            k @ (SemanticType::MobilePhone
            | SemanticType::Email
            | SemanticType::Address
            | SemanticType::PersonName),
        ) => (
            Sensitivity::Personal,
            format!("holds {k:?} values, which identify a person"),
        ),
        _ if has(&SENSITIVE_NAMES) => (
            Sensitivity::SensitivePersonal,
            "its name points to a PIPL Art. 28 category".to_owned(),
        ),
        _ if has(&PERSONAL_NAMES) => (
            Sensitivity::Personal,
            "its name points to personal information".to_owned(),
        ),
        _ if has(&PUBLIC_NAMES) => (
            Sensitivity::Public,
            "its name points to public registry data".to_owned(),
        ),
        _ => (
            Sensitivity::Internal,
            "nothing personal was detected; government data is internal by default".to_owned(),
        ),
    };
    ColumnClass {
        column: name.to_owned(),
        level,
        reason,
    }
}

/// Rows of personal data above which a dataset is suggested as 重要: a
/// million people's records is the scale the 网络数据安全管理条例 treats as
/// significant.
pub const IMPORTANT_PERSONS: u64 = 1_000_000;
/// Rows of sensitive personal data above which 核心 is suggested.
pub const CORE_PERSONS: u64 = 10_000_000;

/// Suggests levels for every column of a profiled dataset and for the dataset.
pub fn classify(profile: &DatasetProfile) -> Classification {
    let columns: Vec<ColumnClass> = profile
        .columns
        .iter()
        .map(|c| classify_column(&c.name, c.semantic.map(|m| m.kind)))
        .collect();
    let top = columns
        .iter()
        .map(|c| c.level)
        .max()
        .unwrap_or(Sensitivity::Public);
    let rows = profile.rows;
    let (level, reason) = match top {
        Sensitivity::SensitivePersonal if rows >= CORE_PERSONS => (
            DataLevel::Core,
            format!("sensitive personal data of {rows} rows (≥ {CORE_PERSONS})"),
        ),
        Sensitivity::SensitivePersonal => (
            DataLevel::Important,
            "holds sensitive personal information".to_owned(),
        ),
        Sensitivity::Personal if rows >= IMPORTANT_PERSONS => (
            DataLevel::Important,
            format!("personal data of {rows} rows (≥ {IMPORTANT_PERSONS})"),
        ),
        _ => (
            DataLevel::General,
            "no sensitive personal data and below the volume thresholds".to_owned(),
        ),
    };
    Classification {
        columns,
        level,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_by_semantic_type_then_name() {
        assert_eq!(
            classify_column("x", Some(SemanticType::ResidentId)).level,
            Sensitivity::SensitivePersonal
        );
        assert_eq!(
            classify_column("x", Some(SemanticType::CreditCode)).level,
            Sensitivity::Public
        );
        assert_eq!(
            classify_column("x", Some(SemanticType::MobilePhone)).level,
            Sensitivity::Personal
        );
        assert_eq!(
            classify_column("诊断结果", None).level,
            Sensitivity::SensitivePersonal
        );
        assert_eq!(
            classify_column("home_address", None).level,
            Sensitivity::Personal
        );
        assert_eq!(classify_column("amount", None).level, Sensitivity::Internal);
    }

    #[test]
    fn dataset_level_follows_the_most_sensitive_column_and_volume() {
        let text = "id,n\n11010519491231002X,1\n";
        let Ok(mut r) =
            crate::ingest::CsvReader::new(text.as_bytes(), crate::ingest::CsvOptions::default())
        else {
            return;
        };
        let schema = r.schema();
        let batches: Vec<_> = r.by_ref().filter_map(Result::ok).collect();
        let profile = crate::profile::profile_batches(&schema, &batches);
        let c = classify(&profile);
        assert_eq!(c.level, DataLevel::Important);
        assert_eq!(c.level.zh(), "重要");
        assert_eq!(c.columns[0].level, Sensitivity::SensitivePersonal);
    }
}
