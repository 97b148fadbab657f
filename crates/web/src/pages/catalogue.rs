//! The public catalogue pages: browse and search the services (`/services`) and read a
//! service guide (办事指南, `/services/{id}`). Anyone may read them; nothing is masked,
//! since every value is public.

use super::{PageCtx, html, urlencode};
use crate::AppState;
use crate::error::PageError;
use crate::i18n::Lang;
use crate::viewer::Viewer;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use govops_core::access::{Action, Resource};
use govops_core::catalogue::{Browse, CatalogueQuery, Facet, ServiceGuide};
use govops_core::identity::Role;

/// One browsing link: its text, where it goes, how many entries, whether it is chosen.
struct FacetLink {
    zh: String,
    en: String,
    href: String,
    count: usize,
    current: bool,
}

#[derive(Template)]
#[template(path = "services.html")]
struct ServicesPage {
    page: PageCtx,
    browse: Browse,
    q: String,
    life_event: String,
    department: String,
    category: String,
    life_events: Vec<FacetLink>,
    departments: Vec<FacetLink>,
    categories: Vec<FacetLink>,
    filtered: bool,
}

impl ServicesPage {
    fn fee(&self, fen: &u64) -> String {
        fee_text(self.page.lang, *fen)
    }
}

fn fee_text(lang: Lang, fen: u64) -> String {
    if fen == 0 {
        lang.t("guide.free").to_owned()
    } else {
        format!("¥{}.{:02}", fen / 100, fen % 100)
    }
}

/// The query string of the current filters with `key` set to `value` (or removed).
fn href_with(q: &CatalogueQuery, key: &str, value: Option<&str>) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (k, v) in [
        ("q", &q.q),
        ("life_event", &q.life_event),
        ("department", &q.department),
        ("category", &q.category),
    ] {
        let v = if k == key {
            value.map(str::to_owned)
        } else {
            v.clone()
        };
        if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
            pairs.push((k, v));
        }
    }
    if pairs.is_empty() {
        return "/services".into();
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    format!("/services?{}", query.join("&"))
}

fn facet_links(
    facets: &[Facet],
    q: &CatalogueQuery,
    key: &str,
    chosen: Option<&str>,
) -> Vec<FacetLink> {
    facets
        .iter()
        .map(|f| {
            let current = chosen == Some(f.label.code.as_str());
            FacetLink {
                zh: f.label.zh.clone(),
                en: f.label.en.clone(),
                // Following the chosen link again removes that filter.
                href: href_with(q, key, (!current).then_some(f.label.code.as_str())),
                count: f.count,
                current,
            }
        })
        .collect()
}

/// `GET /services`: browse by life event, department and category; search in both
/// languages.
pub async fn index(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<CatalogueQuery>,
) -> Result<Response, PageError> {
    let p = &state.platform;
    p.access()
        .check(
            viewer.principal(),
            Action::CatalogueRead,
            Resource::Platform,
        )
        .map_err(|e| viewer.fail(e))?;
    let browse = p.browse_catalogue(&q).await.map_err(|e| viewer.fail(e))?;
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_owned();
    let page = ServicesPage {
        page: PageCtx::new(&viewer, "/services", &state),
        life_events: facet_links(
            &browse.life_events,
            &q,
            "life_event",
            q.life_event.as_deref(),
        ),
        departments: facet_links(
            &browse.departments,
            &q,
            "department",
            q.department.as_deref(),
        ),
        categories: facet_links(&browse.categories, &q, "category", q.category.as_deref()),
        q: text(&q.q),
        life_event: text(&q.life_event),
        department: text(&q.department),
        category: text(&q.category),
        filtered: [&q.q, &q.life_event, &q.department, &q.category]
            .iter()
            .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty())),
        browse,
    };
    Ok(html(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "service.html")]
struct GuidePage {
    page: PageCtx,
    g: ServiceGuide,
}

/// The text key of a form field type.
fn field_kind_key(kind: &str) -> &'static str {
    match kind {
        "text" => "field.text",
        "number" => "field.number",
        "date" => "field.date",
        "choice" => "field.choice",
        "resident_id" => "field.resident_id",
        "credit_code" => "field.credit_code",
        "phone" => "field.phone",
        "address" => "field.address",
        "file" => "field.file",
        _ => "field.other",
    }
}

/// The text key of an official's action.
fn action_key(action: &str) -> &'static str {
    match action {
        "approve" => "guide.action.approve",
        "reject" => "guide.action.reject",
        "return" => "guide.action.return",
        "transfer" => "guide.action.transfer",
        _ => "guide.action.other",
    }
}

impl GuidePage {
    fn fee(&self, fen: &u64) -> String {
        fee_text(self.page.lang, *fen)
    }

    fn field_kind(&self, kind: &str) -> &'static str {
        self.page.t(field_kind_key(kind))
    }

    fn actions(&self, actions: &[String]) -> String {
        let sep = match self.page.lang {
            Lang::Zh => "、",
            Lang::En => ", ",
        };
        actions
            .iter()
            .map(|a| self.page.t(action_key(a)))
            .collect::<Vec<_>>()
            .join(sep)
    }

    fn role(&self, role: &str) -> String {
        match Role::parse(role) {
            Some(r) => self.page.role_name(&r).to_owned(),
            None => role.to_owned(),
        }
    }

    /// A part's name, for the materials, fields and results of a bundle.
    fn part_name(&self, id: &str) -> String {
        self.g
            .parts
            .iter()
            .find(|p| p.id == id)
            .map(|p| self.page.pick(&p.name.zh, &p.name.en).to_owned())
            .unwrap_or_else(|| id.to_owned())
    }

    /// The names of the procedure's steps `ids`, for the steps a step waits for.
    fn step_names(&self, ids: &[String]) -> String {
        let sep = match self.page.lang {
            Lang::Zh => "、",
            Lang::En => ", ",
        };
        ids.iter()
            .map(|id| {
                self.g
                    .stages
                    .iter()
                    .flat_map(|stage| &stage.steps)
                    .find(|s| &s.id == id)
                    .map_or_else(
                        || id.clone(),
                        |s| self.page.pick(&s.name.zh, &s.name.en).to_owned(),
                    )
            })
            .collect::<Vec<_>>()
            .join(sep)
    }

    fn part_names(&self, ids: &[String]) -> String {
        ids.iter()
            .map(|id| self.part_name(id))
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// `GET /services/{id}`: the service guide (办事指南) of a service or bundle.
pub async fn guide(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let p = &state.platform;
    p.access()
        .check(
            viewer.principal(),
            Action::CatalogueRead,
            Resource::Platform,
        )
        .map_err(|e| viewer.fail(e))?;
    let g = p.service_guide(&id).await.map_err(|e| viewer.fail(e))?;
    let path = format!("/services/{}", urlencode(&id));
    Ok(html(
        StatusCode::OK,
        &GuidePage {
            page: PageCtx::new(&viewer, &path, &state),
            g,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::TEXTS;

    #[test]
    fn every_key_chosen_in_code_is_in_the_table() {
        let mut keys: Vec<&str> = govops_core::catalogue::FIELD_TYPE_NAMES
            .iter()
            .map(|k| field_kind_key(k))
            .collect();
        keys.extend(
            ["approve", "reject", "return", "transfer", "?"]
                .iter()
                .map(|a| action_key(a)),
        );
        keys.extend(["field.other", "guide.free"]);
        for key in keys {
            assert!(TEXTS.iter().any(|(k, _, _)| *k == key), "{key} missing");
        }
    }

    #[test]
    fn links_keep_the_other_filters_and_encode_the_search() {
        let q = CatalogueQuery {
            q: Some("企业 开办".into()),
            department: Some("amr".into()),
            ..Default::default()
        };
        assert_eq!(
            href_with(&q, "department", None),
            "/services?q=%E4%BC%81%E4%B8%9A%20%E5%BC%80%E5%8A%9E"
        );
        assert_eq!(
            href_with(&q, "life_event", Some("birth")),
            "/services?q=%E4%BC%81%E4%B8%9A%20%E5%BC%80%E5%8A%9E&life_event=birth&department=amr"
        );
        assert_eq!(fee_text(Lang::En, 1250), "¥12.50");
    }
}
