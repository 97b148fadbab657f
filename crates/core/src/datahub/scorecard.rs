//! Quality scorecards (质量考核): each department's score over time — the mean of its
//! datasets' latest quality scores — with red and yellow cards (红黄牌) below thresholds
//! the operations office sets.

use crate::access::{Action, Resource};
use crate::error::{CoreError, Result};
use crate::identity::Principal;
use crate::platform::Platform;
use crate::store::Val;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// The card a score earns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Card {
    /// At or above the yellow threshold.
    Green,
    /// 黄牌: below the yellow threshold.
    Yellow,
    /// 红牌: below the red threshold.
    Red,
    /// No quality run yet.
    None,
}

/// Thresholds, 0–100.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Thresholds {
    /// Scores below this get a red card.
    pub red_below: f64,
    /// Scores below this (and not red) get a yellow card.
    pub yellow_below: f64,
}

impl Thresholds {
    /// The card for a score.
    pub fn card(&self, score: Option<f64>) -> Card {
        match score {
            None => Card::None,
            Some(s) if s < self.red_below => Card::Red,
            Some(s) if s < self.yellow_below => Card::Yellow,
            Some(_) => Card::Green,
        }
    }
}

/// A department's score on one day (UTC).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScorePoint {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// 0–100.
    pub score: f64,
}

/// One department's line.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DepartmentScore {
    /// Code.
    pub department: String,
    /// Name in Chinese.
    pub name_zh: String,
    /// Name in English.
    pub name_en: String,
    /// Datasets owned.
    pub datasets: usize,
    /// The current score.
    pub score: Option<f64>,
    /// The current card.
    pub card: Card,
    /// The score at the end of each day a run happened.
    pub history: Vec<ScorePoint>,
}

/// The scorecards.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Scorecards {
    /// The thresholds in force.
    pub thresholds: Thresholds,
    /// One line per department that owns a dataset.
    pub departments: Vec<DepartmentScore>,
}

#[allow(clippy::cast_precision_loss)]
fn centi(v: i64) -> f64 {
    v as f64 / 100.0
}

fn mean(scores: &BTreeMap<String, f64>) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (!scores.is_empty()).then(|| scores.values().sum::<f64>() / scores.len() as f64)
}

impl Platform {
    /// The thresholds in force.
    pub async fn scorecard_thresholds(&self) -> Result<Thresholds> {
        let (red, yellow): (i64, i64) = self
            .store()
            .fetch_one(
                "SELECT red_below, yellow_below FROM scorecard_thresholds WHERE id = 1",
                &[],
            )
            .await?;
        Ok(Thresholds {
            red_below: centi(red),
            yellow_below: centi(yellow),
        })
    }

    /// Every department's quality score, card and history (operations office).
    pub async fn scorecards(&self, who: &Principal) -> Result<Scorecards> {
        self.access()
            .check(Some(who), Action::ScorecardView, Resource::Platform)?;
        let thresholds = self.scorecard_thresholds().await?;
        let runs: Vec<(String, String, i64, i64)> = self
            .store()
            .fetch_all(
                "SELECT owner_department, dataset_id, score_centi, run_ms FROM quality_runs \
             ORDER BY run_ms, id",
                &[],
            )
            .await?;
        let datasets = self.all_datasets().await?;
        let depts = self.departments().await?;
        let mut out = Vec::new();
        for d in depts
            .iter()
            .filter(|d| datasets.iter().any(|x| x.owner_department == d.code))
        {
            let mut latest: BTreeMap<String, f64> = BTreeMap::new();
            let mut history: Vec<ScorePoint> = Vec::new();
            for (_, dataset, score, ms) in runs.iter().filter(|r| r.0 == d.code) {
                latest.insert(dataset.clone(), centi(*score));
                let day = crate::clock::rfc3339(crate::clock::from_ms(*ms))
                    .chars()
                    .take(10)
                    .collect::<String>();
                let score = mean(&latest).unwrap_or_default();
                match history.last_mut() {
                    Some(p) if p.day == day => p.score = score,
                    _ => history.push(ScorePoint { day, score }),
                }
            }
            let score = mean(&latest);
            out.push(DepartmentScore {
                department: d.code.clone(),
                name_zh: d.name_zh.clone(),
                name_en: d.name_en.clone(),
                datasets: datasets
                    .iter()
                    .filter(|x| x.owner_department == d.code)
                    .count(),
                card: thresholds.card(score),
                score,
                history,
            });
        }
        Ok(Scorecards {
            thresholds,
            departments: out,
        })
    }

    /// Sets the card thresholds (operations office); journaled.
    pub async fn set_scorecard_thresholds(
        &self,
        who: &Principal,
        red_below: f64,
        yellow_below: f64,
    ) -> Result<Thresholds> {
        self.access()
            .check(Some(who), Action::ScorecardConfigure, Resource::Platform)?;
        if !(0.0..=100.0).contains(&red_below)
            || !(0.0..=100.0).contains(&yellow_below)
            || red_below > yellow_below
        {
            return Err(CoreError::invalid_field(
                "datahub.scorecard.thresholds",
                "red_below",
                "Thresholds are scores from 0 to 100, and the red one may not exceed the yellow one.",
            ));
        }
        #[allow(clippy::cast_possible_truncation)]
        let (red, yellow) = (
            (red_below * 100.0).round() as i64,
            (yellow_below * 100.0).round() as i64,
        );
        let actor = who.actor();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "UPDATE scorecard_thresholds SET red_below = $1, yellow_below = $2, \
                         set_by = $3, set_ms = $4 WHERE id = 1",
                        &[
                            Val::from(red),
                            Val::from(yellow),
                            Val::from(&actor),
                            Val::from(crate::clock::to_ms(tx.now())),
                        ],
                    )
                    .await?;
                    tx.journal(
                        &actor,
                        "datahub.scorecard_thresholds_set",
                        "scorecard:thresholds",
                        json!({ "red_below_centi": red, "yellow_below_centi": yellow }),
                    )?;
                    Ok(())
                })
            })
            .await?;
        self.scorecard_thresholds().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_follow_the_thresholds() {
        let t = Thresholds {
            red_below: 60.0,
            yellow_below: 85.0,
        };
        assert_eq!(t.card(None), Card::None);
        assert_eq!(t.card(Some(59.9)), Card::Red);
        assert_eq!(t.card(Some(60.0)), Card::Yellow);
        assert_eq!(t.card(Some(85.0)), Card::Green);
    }
}
