//! Open data (开放数据): the read models behind the CKAN Action API subset, the DCAT-AP
//! catalogue and the downloads. Only datasets marked open appear, and their published
//! columns are those classed public or internal; downloads go through the masking door.

use super::Dataset;
use super::masks::Sensitivity;
use crate::access::{Action, Resource};
use crate::error::{CoreError, Result};
use crate::identity::Principal;
use crate::platform::Platform;
use serde::Serialize;

/// A department that publishes open data.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpenOrganization {
    /// Department code.
    pub code: String,
    /// Name in Chinese.
    pub name_zh: String,
    /// Name in English.
    pub name_en: String,
    /// Open datasets it publishes.
    pub package_count: usize,
}

/// One downloadable version of an open dataset.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpenResource {
    /// Resource id: `<dataset>.v<version>`.
    pub id: String,
    /// Dataset id.
    pub dataset: String,
    /// Version.
    pub version: i64,
    /// Rows.
    pub rows: i64,
    /// Published columns.
    pub columns: Vec<String>,
    /// Created, ms since the epoch.
    pub created_ms: i64,
}

/// An open dataset with its publisher and resources.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpenDataset {
    /// The dataset.
    pub dataset: Dataset,
    /// The publisher.
    pub organization: OpenOrganization,
    /// Versions, newest first.
    pub resources: Vec<OpenResource>,
}

/// A search of open datasets.
#[derive(Debug, Clone, Default)]
pub struct OpenSearch {
    /// Words that must all appear in title, description or keywords.
    pub q: String,
    /// Only this publisher.
    pub organization: Option<String>,
    /// Results to skip.
    pub start: usize,
    /// Results to return (at most 1000).
    pub rows: usize,
}

fn not_found(what: &str, id: &str) -> CoreError {
    CoreError::not_found(
        "datahub.open.not_found",
        format!("{what} `{id}` was not found."),
    )
}

impl Platform {
    async fn open_all(&self, who: Option<&Principal>) -> Result<Vec<OpenDataset>> {
        self.access()
            .check(who, Action::DataOpenRead, Resource::Platform)?;
        let datasets: Vec<Dataset> = self
            .all_datasets()
            .await?
            .into_iter()
            .filter(|d| d.is_open && d.current_version > 0)
            .collect();
        let depts = self.departments().await?;
        let mut out = Vec::new();
        for d in &datasets {
            let classes = self.column_classes(d).await?;
            let published = |cols: &[(String, String)]| -> Vec<String> {
                cols.iter()
                    .filter(|(c, _)| {
                        classes
                            .iter()
                            .any(|k| &k.column == c && k.sensitivity <= Sensitivity::Internal)
                    })
                    .map(|(c, _)| c.clone())
                    .collect()
            };
            let resources = self
                .versions(&d.id)
                .await?
                .into_iter()
                .map(|v| OpenResource {
                    id: format!("{}.v{}", d.id, v.version),
                    dataset: d.id.clone(),
                    version: v.version,
                    rows: v.rows,
                    columns: published(&v.schema),
                    created_ms: v.created_ms,
                })
                .collect();
            let dept = depts.iter().find(|x| x.code == d.owner_department);
            out.push(OpenDataset {
                organization: OpenOrganization {
                    code: d.owner_department.clone(),
                    name_zh: dept.map(|x| x.name_zh.clone()).unwrap_or_default(),
                    name_en: dept.map(|x| x.name_en.clone()).unwrap_or_default(),
                    package_count: datasets
                        .iter()
                        .filter(|o| o.owner_department == d.owner_department)
                        .count(),
                },
                dataset: d.clone(),
                resources,
            });
        }
        Ok(out)
    }

    /// Open datasets matching a search: (total matches, the page).
    pub async fn search_open(
        &self,
        who: Option<&Principal>,
        s: &OpenSearch,
    ) -> Result<(usize, Vec<OpenDataset>)> {
        let words: Vec<String> =
            s.q.split_whitespace()
                .filter(|w| *w != "*:*")
                .map(str::to_lowercase)
                .collect();
        let matches: Vec<OpenDataset> = self
            .open_all(who)
            .await?
            .into_iter()
            .filter(|o| {
                s.organization
                    .as_ref()
                    .is_none_or(|org| &o.dataset.owner_department == org)
            })
            .filter(|o| {
                let d = &o.dataset;
                let hay = format!(
                    "{} {} {} {} {}",
                    d.id,
                    d.name_zh,
                    d.name_en,
                    d.description,
                    d.keywords.join(" ")
                )
                .to_lowercase();
                words.iter().all(|w| hay.contains(w))
            })
            .collect();
        let total = matches.len();
        let rows = s.rows.min(1000);
        Ok((
            total,
            matches.into_iter().skip(s.start).take(rows).collect(),
        ))
    }

    /// One open dataset.
    pub async fn open_dataset(&self, who: Option<&Principal>, id: &str) -> Result<OpenDataset> {
        self.open_all(who)
            .await?
            .into_iter()
            .find(|o| o.dataset.id == id)
            .ok_or_else(|| not_found("Dataset", id))
    }

    /// Publishers of open data (departments with at least one open dataset).
    pub async fn open_organizations(
        &self,
        who: Option<&Principal>,
    ) -> Result<Vec<OpenOrganization>> {
        let mut out: Vec<OpenOrganization> = Vec::new();
        for o in self.open_all(who).await? {
            if !out.iter().any(|x| x.code == o.organization.code) {
                out.push(o.organization);
            }
        }
        out.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(out)
    }

    /// One publisher with its open datasets.
    pub async fn open_organization(
        &self,
        who: Option<&Principal>,
        code: &str,
    ) -> Result<(OpenOrganization, Vec<OpenDataset>)> {
        let all: Vec<OpenDataset> = self
            .open_all(who)
            .await?
            .into_iter()
            .filter(|o| o.organization.code == code)
            .collect();
        let org = all
            .first()
            .map(|o| o.organization.clone())
            .ok_or_else(|| not_found("Organization", code))?;
        Ok((org, all))
    }

    /// One resource (a version of an open dataset).
    pub async fn open_resource(
        &self,
        who: Option<&Principal>,
        id: &str,
    ) -> Result<(OpenResource, OpenDataset)> {
        let (dataset, _) = id
            .rsplit_once(".v")
            .ok_or_else(|| not_found("Resource", id))?;
        let o = self
            .open_dataset(who, dataset)
            .await
            .map_err(|_| not_found("Resource", id))?;
        let r = o
            .resources
            .iter()
            .find(|r| r.id == id)
            .cloned()
            .ok_or_else(|| not_found("Resource", id))?;
        Ok((r, o))
    }

    /// The CSV of a resource, read through the masking door as open data.
    pub async fn open_download(&self, who: Option<&Principal>, resource: &str) -> Result<String> {
        let (r, _) = self.open_resource(who, resource).await?;
        let rows = self
            .read_rows(
                who,
                super::ReadRequest {
                    dataset: r.dataset,
                    version: Some(r.version),
                    basis: super::ReadBasis::Open,
                    purpose: String::new(),
                    columns: None,
                    rows: super::RowSelection::All,
                    unmasked: false,
                },
            )
            .await?;
        Ok(super::rows_to_csv(&rows))
    }
}
