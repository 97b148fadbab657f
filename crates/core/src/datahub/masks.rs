//! Column sensitivity and the mask each level gets when data is read: suggested from
//! the profile, confirmed by the data steward, and applied by the door and by every
//! read model that shows a value.

use crate::error::{CoreError, Result};
use arrow_array::{ArrayRef, StringArray};
use govops_data::mask::{MaskType, mask_array};
use govops_data::profile::SemanticType;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A column's sensitivity (PIPL levels), least to most sensitive.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    /// 公开.
    Public,
    /// 内部.
    Internal,
    /// 个人信息.
    Personal,
    /// 敏感个人信息 (PIPL Art. 28).
    SensitivePersonal,
}

impl Sensitivity {
    /// Every level.
    pub const ALL: [Sensitivity; 4] = [
        Sensitivity::Public,
        Sensitivity::Internal,
        Sensitivity::Personal,
        Sensitivity::SensitivePersonal,
    ];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Internal => "internal",
            Self::Personal => "personal",
            Self::SensitivePersonal => "sensitive_personal",
        }
    }

    /// Parses a stable name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// True when values of this level are masked unless a grant says otherwise.
    pub fn is_masked(self) -> bool {
        self >= Self::Personal
    }

    fn from_data(s: govops_data::classify::Sensitivity) -> Self {
        use govops_data::classify::Sensitivity as S;
        match s {
            S::Public => Self::Public,
            S::Internal => Self::Internal,
            S::Personal => Self::Personal,
            S::SensitivePersonal => Self::SensitivePersonal,
        }
    }
}

/// One column's class: level, mask, and whether the steward has confirmed it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ColumnClass {
    /// Column name.
    pub column: String,
    /// Level.
    pub sensitivity: Sensitivity,
    /// The mask readers without an unmasked grant get (`none` for unmasked levels).
    pub mask: String,
    /// Why the level was suggested.
    pub reason: String,
    /// True once the data steward has confirmed it.
    pub confirmed: bool,
}

/// The mask a column of this level and semantic type gets by default.
pub fn default_mask(level: Sensitivity, semantic: Option<SemanticType>) -> MaskType {
    if !level.is_masked() {
        return MaskType::Template(String::new());
    }
    match semantic {
        Some(SemanticType::ResidentId) => MaskType::Template("{first:6}********{last:4}".into()),
        Some(SemanticType::MobilePhone) => MaskType::Template("{first:3}****{last:4}".into()),
        Some(SemanticType::PersonName) => MaskType::Template("{first:1}**".into()),
        Some(SemanticType::Date) => MaskType::YearOnly,
        Some(SemanticType::Address) => MaskType::ShowFirst4,
        _ if level == Sensitivity::SensitivePersonal => MaskType::Hash,
        _ => MaskType::Redact,
    }
}

/// The stable text of a mask, as stored and shown. An empty template means "no mask".
pub fn mask_to_str(m: &MaskType) -> String {
    match m {
        MaskType::Template(t) if t.is_empty() => "none".into(),
        MaskType::Redact => "redact".into(),
        MaskType::ShowFirst4 => "show_first_4".into(),
        MaskType::ShowLast4 => "show_last_4".into(),
        MaskType::Hash => "hash".into(),
        MaskType::Nullify => "nullify".into(),
        MaskType::YearOnly => "year_only".into(),
        MaskType::Template(t) => format!("template:{t}"),
        MaskType::Cel(e) => format!("cel:{e}"),
    }
}

/// Parses a mask's stable text; `None` means "no mask".
pub fn mask_from_str(s: &str) -> Result<Option<MaskType>> {
    let m = match s {
        "none" => return Ok(None),
        "redact" => MaskType::Redact,
        "show_first_4" => MaskType::ShowFirst4,
        "show_last_4" => MaskType::ShowLast4,
        "hash" => MaskType::Hash,
        "nullify" => MaskType::Nullify,
        "year_only" => MaskType::YearOnly,
        t if t.starts_with("template:") => MaskType::Template(t["template:".len()..].to_string()),
        t if t.starts_with("cel:") => MaskType::Cel(t["cel:".len()..].to_string()),
        other => {
            return Err(CoreError::invalid_field(
                "datahub.mask.invalid",
                "mask",
                format!(
                    "`{other}` is not a mask. Use none, redact, show_first_4, show_last_4, hash, \
                     nullify, year_only, template:… (e.g. template:{{first:3}}****{{last:4}}) or cel:…"
                ),
            ));
        }
    };
    // Compile it once on a sample so a broken template or expression is refused now.
    let probe: ArrayRef = Arc::new(StringArray::from(vec!["sample"]));
    mask_array(&probe, &m)
        .map_err(|e| CoreError::invalid_field("datahub.mask.invalid", "mask", format!("{e}")))?;
    Ok(Some(m))
}

/// Masks one text value (for read models that show single values: profiles, repair
/// previews). Falls back to full redaction if the mask cannot be applied.
pub(crate) fn mask_text(value: &str, mask: &MaskType) -> String {
    let a: ArrayRef = Arc::new(StringArray::from(vec![value]));
    match mask_array(&a, mask) {
        Ok(out) => {
            let mut buf = String::new();
            if govops_data::cell::cell_text(&out, 0, &mut buf) {
                buf
            } else {
                String::new()
            }
        }
        Err(_) => govops_data::mask::redact(value),
    }
}

/// The suggested classes of a profiled version.
pub(crate) fn suggest(profile: &govops_data::profile::DatasetProfile) -> Vec<ColumnClass> {
    let c = govops_data::classify::classify(profile);
    c.columns
        .into_iter()
        .map(|cc| {
            let level = Sensitivity::from_data(cc.level);
            let semantic = profile
                .column(&cc.column)
                .and_then(|p| p.semantic.map(|s| s.kind));
            ColumnClass {
                mask: mask_to_str(&default_mask(level, semantic)),
                column: cc.column,
                sensitivity: level,
                reason: cc.reason,
                confirmed: false,
            }
        })
        .collect()
}

/// The data level (数据安全法) suggested for a version's profile.
pub(crate) fn suggest_level(profile: &govops_data::profile::DatasetProfile) -> &'static str {
    match govops_data::classify::classify(profile).level {
        govops_data::classify::DataLevel::General => "general",
        govops_data::classify::DataLevel::Important => "important",
        govops_data::classify::DataLevel::Core => "core",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_round_trip_and_bad_ones_are_refused() {
        for m in [
            "none",
            "redact",
            "hash",
            "year_only",
            "template:{first:3}****{last:4}",
        ] {
            let parsed = mask_from_str(m).ok().flatten();
            let back = parsed.map_or_else(|| "none".to_string(), |p| mask_to_str(&p));
            assert_eq!(back, m);
        }
        assert!(mask_from_str("template:{first:x}").is_err());
        assert!(mask_from_str("scramble").is_err());
        let id = default_mask(
            Sensitivity::SensitivePersonal,
            Some(SemanticType::ResidentId),
        );
        assert_eq!(mask_text("11010519491231002X", &id), "110105********002X");
    }
}
