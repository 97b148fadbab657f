//! Semantic types: what a text column holds, judged by the share of values
//! that parse as that kind. Identifiers are judged by the same parsers the
//! platform uses at its edges (`govops-ids`), so "looks like an ID" here and
//! "is a valid ID" there can never disagree.

use govops_ids::{CreditCode, Email, Phone, ResidentId};
use serde::{Deserialize, Serialize};

use crate::cell::parse_loose_date;

/// A kind of value the data hub recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SemanticType {
    /// 居民身份证号码 (GB 11643, with its check character).
    ResidentId,
    /// 统一社会信用代码 (GB 32100, with its check character).
    CreditCode,
    /// A mainland mobile number.
    MobilePhone,
    /// An e-mail address.
    Email,
    /// A calendar date in one of the common spellings.
    Date,
    /// A postal address (省/市/区/路/号 …).
    Address,
    /// A Chinese person's name (a common surname and one to three more characters).
    PersonName,
}

impl SemanticType {
    /// Every kind, in the order ties are broken (most specific first).
    pub const ALL: [Self; 7] = [
        Self::ResidentId,
        Self::CreditCode,
        Self::MobilePhone,
        Self::Email,
        Self::Date,
        Self::Address,
        Self::PersonName,
    ];

    /// Whether `value` is of this kind.
    pub fn matches(self, value: &str) -> bool {
        match self {
            Self::ResidentId => {
                value.len() >= 18
                    && resident_id_fast(value.as_bytes())
                        .unwrap_or_else(|| ResidentId::parse(value).is_ok())
            }
            Self::CreditCode => {
                value.len() >= 18
                    && credit_code_fast(value.as_bytes())
                        .unwrap_or_else(|| CreditCode::parse(value).is_ok())
            }
            Self::MobilePhone => value.len() >= 11 && Phone::parse(value).is_ok(),
            Self::Email => value.contains('@') && Email::parse(value).is_ok(),
            Self::Date => parse_loose_date(value).is_some(),
            Self::Address => is_address(value),
            Self::PersonName => is_person_name(value),
        }
    }
}

fn ascii_number(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |acc, d| acc * 10 + u32::from(d.wrapping_sub(b'0')))
}

/// [`ResidentId::parse`] without allocating, for a value already in the
/// canonical form (17 ASCII digits and a digit or `X`): `Some(valid)`.
/// `None` for anything else, which the full parser then judges (it folds
/// full-width digits, trims spaces, upper-cases …). The tests check that both
/// agree.
fn resident_id_fast(b: &[u8]) -> Option<bool> {
    let [first17 @ .., last] = b else {
        return None;
    };
    if b.len() != 18 || !(last.is_ascii_digit() || *last == b'X') {
        return None;
    }
    // `None` unless the first 17 are ASCII digits.
    let check = govops_ids::resident_id_check_byte(first17)?;
    #[allow(clippy::cast_possible_wrap)]
    let year = ascii_number(&b[6..10]) as i32;
    let date_ok = year >= 1
        && crate::cell::is_real_date(year, ascii_number(&b[10..12]), ascii_number(&b[12..14]));
    if !date_ok || !region_in_use(ascii_number(&b[..6]), year) {
        return Some(false);
    }
    Some(check == *last)
}

/// [`govops_ids::is_region_in_use`] behind a small per-thread cache: a
/// column of IDs asks about the same few (region, birth year) pairs over
/// and over, and the table lookup is two binary searches.
fn region_in_use(code: u32, year: i32) -> bool {
    use std::cell::RefCell;
    const SLOTS: usize = 1024;
    thread_local! {
        // Region codes have six digits, so u32::MAX marks an empty slot.
        static CACHE: RefCell<[(u32, i32, bool); SLOTS]> =
            const { RefCell::new([(u32::MAX, 0, false); SLOTS]) };
    }
    #[allow(clippy::cast_sign_loss)]
    let slot =
        (code.wrapping_mul(0x9e37_79b1) ^ (year as u32).wrapping_mul(0x85eb_ca6b)) as usize % SLOTS;
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        match c.get(slot) {
            Some(&(k, y, in_use)) if k == code && y == year => in_use,
            _ => {
                let in_use = govops_ids::is_region_in_use(code, year);
                if let Some(s) = c.get_mut(slot) {
                    *s = (code, year, in_use);
                }
                in_use
            }
        }
    })
}

/// [`CreditCode::parse`] without allocating, for a value already in the
/// canonical form (8 ASCII digits, then 10 characters of the alphabet):
/// `Some(valid)`; `None` sends anything else to the full parser.
fn credit_code_fast(b: &[u8]) -> Option<bool> {
    if b.len() != 18 || !b[..8].iter().all(u8::is_ascii_digit) {
        return None;
    }
    if !govops_ids::is_credit_code_char(b[17]) {
        return None;
    }
    let check = govops_ids::credit_code_check_byte(&b[..17])?;
    Some(check == b[17])
}

const ADDRESS_MARKS: [&str; 12] = [
    "省", "市", "区", "县", "镇", "乡", "街道", "路", "街", "号", "村", "弄",
];

fn is_address(value: &str) -> bool {
    let marks = ADDRESS_MARKS.iter().filter(|m| value.contains(*m)).count();
    value.chars().count() >= 6 && marks >= 2
}

/// The most common surnames (together about 85 % of the population) and the
/// compound ones; a name check need not be perfect to classify a column.
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const COMPOUND: [&str; 6] = ["欧阳", "司马", "诸葛", "上官", "东方", "皇甫"];

fn is_person_name(value: &str) -> bool {
    let n = value.chars().count();
    if !(2..=4).contains(&n)
        || !value
            .chars()
            .all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    {
        return false;
    }
    COMPOUND.iter().any(|c| value.starts_with(c))
        || value.chars().next().is_some_and(|c| SURNAMES.contains(c))
}

/// Counts matches per kind over the first values of a column.
#[derive(Debug, Default, Clone)]
pub struct SemanticCounter {
    seen: u32,
    hits: [u32; 7],
}

/// Values examined per column: enough for a stable share, few enough that
/// running seven parsers costs nothing on a ten-million-row file.
pub const SEMANTIC_SAMPLE: u32 = 2_000;

/// A column's detected kind and the share of sampled values that match it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SemanticMatch {
    /// The kind.
    pub kind: SemanticType,
    /// Matching share of the sampled non-empty values, 0–1.
    pub share: f64,
}

/// The share a kind must reach to be assigned: high enough that a free-text
/// column with some phone numbers is not called a phone column, low enough
/// that a column with 5 % defects still is.
pub const SEMANTIC_THRESHOLD: f64 = 0.8;

impl SemanticCounter {
    /// Whether more values are wanted.
    pub fn wants_more(&self) -> bool {
        self.seen < SEMANTIC_SAMPLE
    }

    /// Counts one non-empty value.
    pub fn add(&mut self, value: &str) {
        let value = value.trim();
        if value.is_empty() || !self.wants_more() {
            return;
        }
        self.seen += 1;
        for (i, kind) in SemanticType::ALL.iter().enumerate() {
            if kind.matches(value) {
                self.hits[i] += 1;
            }
        }
    }

    /// Counts `n` values known to be dates (a Date32 column).
    pub fn add_dates(&mut self, n: u32) {
        let n = n.min(SEMANTIC_SAMPLE - self.seen);
        self.seen += n;
        self.hits[4] += n;
    }

    /// The best kind at or above [`SEMANTIC_THRESHOLD`].
    pub fn best(&self) -> Option<SemanticMatch> {
        if self.seen == 0 {
            return None;
        }
        let (i, hits) = self
            .hits
            .iter()
            .enumerate()
            .max_by_key(|(i, h)| (**h, std::cmp::Reverse(*i)))?;
        let share = f64::from(*hits) / f64::from(self.seen);
        (share >= SEMANTIC_THRESHOLD).then(|| SemanticMatch {
            kind: SemanticType::ALL[i],
            share,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_kinds() {
        assert!(SemanticType::ResidentId.matches("11010519491231002X"));
        assert!(!SemanticType::ResidentId.matches("110105194912310021"));
        assert!(SemanticType::CreditCode.matches("91350100M000100Y43"));
        assert!(SemanticType::MobilePhone.matches("13812345678"));
        assert!(SemanticType::Email.matches("a@example.cn"));
        assert!(SemanticType::Date.matches("2023/1/5"));
        assert!(SemanticType::Address.matches("北京市海淀区中关村大街1号"));
        assert!(SemanticType::PersonName.matches("张三"));
        assert!(SemanticType::PersonName.matches("欧阳娜娜"));
        assert!(!SemanticType::PersonName.matches("中华人民共和国"));
    }

    #[test]
    fn fast_identifier_checks_agree_with_the_parsers() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut ids = Vec::new();
        for i in 0..20_000u32 {
            let region = [110_101, 110_105, 310_115, 440_305, 999_999, 110_100][i as usize % 6];
            let y = 1900 + i32::try_from(i % 130).unwrap_or(0);
            let (m, d) = (1 + (i % 13) as u8, 1 + (i % 31) as u8);
            let mut id = ResidentId::from_parts(region, (y, m, d), (i % 999) as u16 + 1)
                .map(|r| r.to_string())
                .unwrap_or_else(|_| format!("{region:06}{y:04}{m:02}{d:02}{:04}", i % 10_000));
            // Break some: a random digit, the check character, the length.
            match rng.gen_range(0..6) {
                0 => {
                    let p = rng.gen_range(0..18);
                    id.replace_range(p..=p, &rng.gen_range(0..10).to_string());
                }
                1 => {
                    id.pop();
                    id.push(['X', 'x', '0', '7'][rng.gen_range(0..4)]);
                }
                2 => id.insert(rng.gen_range(0..18), ' '),
                _ => {}
            }
            ids.push(id);
        }
        ids.push("１１０１０５１９４９１２３１００２Ｘ".to_owned());
        for id in &ids {
            assert_eq!(
                SemanticType::ResidentId.matches(id),
                ResidentId::parse(id).is_ok(),
                "{id}"
            );
        }
        let alphabet = b"0123456789ABCDEFGHJKLMNPQRTUWXYIOSVZa-";
        for i in 0..20_000u32 {
            let mut prefix = String::from("91110108");
            for _ in 0..9 {
                prefix.push(char::from(alphabet[rng.gen_range(0..31)]));
            }
            let mut code = CreditCode::from_parts(&prefix)
                .map(|c| c.to_string())
                .unwrap_or_default();
            match i % 5 {
                0 => {
                    let p = rng.gen_range(0..18);
                    let c = char::from(alphabet[rng.gen_range(0..alphabet.len())]);
                    code.replace_range(p..=p, &c.to_string());
                }
                1 => code.insert(3, '-'),
                _ => {}
            }
            assert_eq!(
                SemanticType::CreditCode.matches(&code),
                CreditCode::parse(&code).is_ok(),
                "{code}"
            );
        }
    }

    #[test]
    fn picks_a_kind_above_the_threshold() {
        let mut c = SemanticCounter::default();
        for _ in 0..9 {
            c.add("13812345678");
        }
        c.add("not a phone");
        assert_eq!(c.best().map(|m| m.kind), Some(SemanticType::MobilePhone));
    }
}
