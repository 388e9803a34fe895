//! The estate list: search, filters, sorting, keyset pagination (fast at 300,000 rows).

use axum::extract::{Query as Q, State};
use axum::response::{Html, IntoResponse, Response};
use jiugai_store::Lang;
use jiugai_store::estates::query::{self, Cursor, Query, Sort};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::util::{m2, urlencode};
use crate::view::{self, Layout, ListPage, ListRow};

/// The list's query string (all text, so that a bad value is shown back as typed).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ListParams {
    pub q: String,
    pub region: String,
    pub eligibility: String,
    pub built_from: String,
    pub built_to: String,
    pub property_type: String,
    pub sort: String,
    pub desc: String,
    pub after: String,
    pub limit: String,
}

impl ListParams {
    /// The query string without the cursor.
    pub fn query_string(&self) -> String {
        let mut p = self.clone();
        p.after.clear();
        serde_urlencoded::to_string(&p)
            .unwrap_or_default()
            .split('&')
            .filter(|kv| !kv.ends_with('='))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Builds the store query from the parameters, inside the caller's scope. `Err` names the bad field.
pub fn to_query(state: &AppState, ctx: &Ctx, p: &ListParams) -> Result<Option<Query>, AppError> {
    let Some(scope) = ctx.scope() else { return Ok(None) };
    let region = super::resolve_region(state, ctx, &p.region)?;
    let year = |field: &str, s: &str| -> Result<Option<i64>, AppError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        s.trim_end_matches('年')
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::invalid(field, format!("“{s}”不是年份"), format!("“{s}” is not a year")))
    };
    let eligibility = match p.eligibility.as_str() {
        "" => None,
        v if query::VERDICTS.contains(&v) => Some(v.to_string()),
        v => {
            return Err(AppError::invalid(
                "eligibility",
                format!("未知的认定结果“{v}”"),
                format!("unknown eligibility “{v}”"),
            ));
        }
    };
    Ok(Some(Query {
        scope: Some(scope),
        region,
        text: Some(p.q.clone()).filter(|s| !s.trim().is_empty()),
        eligibility,
        built_from: year("built_from", &p.built_from)?,
        built_to: year("built_to", &p.built_to)?,
        property_type: Some(p.property_type.clone()).filter(|s| !s.is_empty()),
        sort: Sort::from_key(&p.sort).unwrap_or_default(),
        desc: p.desc == "1" || p.desc == "true",
        after: Cursor::decode(&p.after),
        limit: p.limit.parse().unwrap_or(50),
    }))
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, Q(p): Q<ListParams>) -> Result<Response, AppError> {
    let t = ctx.t();
    let mut region_error = String::new();
    let q = match to_query(&state, &ctx, &p) {
        Ok(q) => q,
        Err(e) => {
            region_error = e.message(ctx.lang);
            None
        }
    };
    let (rows, total, next) = match &q {
        Some(q) => {
            if q.eligibility.is_some() {
                query::refresh_eligibility(&state.db, &state.profiles()).await?;
            }
            let page = query::page(&state.db, &state.regions, q).await?;
            (page.rows, page.total, page.next)
        }
        None => (vec![], 0, None),
    };
    let rows = rows
        .into_iter()
        .map(|r| {
            let d = &r.estate.data;
            let verdict = r.eligibility.clone().unwrap_or_else(|| "unknown".into());
            ListRow {
                id: r.estate.id,
                name: d.name.clone(),
                county: state
                    .regions
                    .get(&d.region_code)
                    .map(|r| r.name.clone())
                    .unwrap_or_else(|| d.region_code.clone()),
                street: d.street.clone().unwrap_or_default(),
                address: d.address.clone().unwrap_or_default(),
                built: d.built_years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join("、"),
                households: d.households.map(|h| h.to_string()).unwrap_or_default(),
                area: m2(d.floor_area_dm2),
                property_type: d.property_type.clone().unwrap_or_default(),
                verdict_label: t.verdict(&verdict).to_string(),
                verdict,
            }
        })
        .collect();
    let qs = p.query_string();
    let next_url = next
        .map(|c| format!("/estates?{qs}{}after={}", if qs.is_empty() { "" } else { "&" }, urlencode(&c)))
        .unwrap_or_default();
    let first_url = if p.after.is_empty() { String::new() } else { format!("/estates?{qs}") };
    let export_query = serde_urlencoded::to_string([("region", p.region.as_str())]).unwrap_or_default();
    let property_types = query::property_types(&state.db).await?;
    let here = format!("/estates?{qs}");
    let page = ListPage {
        l: Layout::new(&ctx, &state, "estates", &here),
        rows,
        total,
        q: p,
        region_error,
        property_types,
        next_url,
        first_url,
        export_query,
    };
    let status = if page.region_error.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let _ = Lang::Zh;
    Ok((status, Html(view::render(&page))).into_response())
}
