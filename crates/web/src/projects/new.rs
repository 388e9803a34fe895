//! Creating a project from one estate or a package of neighbouring estates (连片改造).

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiugai_store::estates::query::{self, Query as EstateQuery};
use jiugai_store::projects::{self, NewProject};
use serde::Deserialize;

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::view::{self, Layout};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Search {
    pub q: String,
    pub region: String,
}

pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub street: String,
    pub built: String,
    pub households: String,
    pub verdict: String,
    pub verdict_label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "projects/new.html")]
pub struct NewPage {
    pub l: Layout,
    pub search: Search,
    pub candidates: Vec<Candidate>,
    pub total: i64,
    pub name: String,
    pub year: String,
    pub investment: String,
    pub new_area: String,
    pub high_risk: bool,
    pub structural: bool,
    pub error: String,
    pub error_field: String,
}

async fn candidates(
    state: &AppState,
    ctx: &Ctx,
    s: &Search,
    chosen: &[i64],
) -> Result<(Vec<Candidate>, i64), AppError> {
    let Some(scope) = ctx.scope() else { return Ok((vec![], 0)) };
    let region = crate::estates::resolve_region(state, ctx, &s.region).unwrap_or(None);
    query::refresh_eligibility(&state.db, &state.profiles()).await?;
    let q = EstateQuery {
        scope: Some(scope),
        region,
        text: Some(s.q.clone()).filter(|t| !t.trim().is_empty()),
        limit: 200,
        ..Default::default()
    };
    let page = query::page(&state.db, &state.regions, &q).await?;
    let t = ctx.t();
    let mut out: Vec<Candidate> = page
        .rows
        .into_iter()
        .map(|r| {
            let verdict = r.eligibility.clone().unwrap_or_else(|| "unknown".into());
            Candidate {
                id: r.estate.id,
                name: r.estate.data.name.clone(),
                street: r.estate.data.street.clone().unwrap_or_default(),
                built: jiugai_store::estates::years_text(&r.estate.data.built_years),
                households: r.estate.data.households.map(|h| h.to_string()).unwrap_or_default(),
                verdict_label: t.verdict(&verdict).to_string(),
                verdict,
                checked: chosen.contains(&r.estate.id),
            }
        })
        .collect();
    // Keep chosen estates on the page even when the search no longer finds them.
    for id in chosen {
        if !out.iter().any(|c| c.id == *id)
            && let Ok(e) = jiugai_store::estates::get(&state.db, *id).await
        {
            out.insert(
                0,
                Candidate {
                    id: e.id,
                    name: e.data.name.clone(),
                    street: e.data.street.clone().unwrap_or_default(),
                    built: jiugai_store::estates::years_text(&e.data.built_years),
                    households: e.data.households.map(|h| h.to_string()).unwrap_or_default(),
                    verdict: String::new(),
                    verdict_label: String::new(),
                    checked: true,
                },
            );
        }
    }
    Ok((out, page.total))
}

pub async fn form(State(state): State<AppState>, ctx: Ctx, Query(s): Query<Search>) -> Result<Html<String>, AppError> {
    let (candidates, total) = candidates(&state, &ctx, &s, &[]).await?;
    let year = (projects::today().year() + 1).to_string();
    Ok(view::html(&NewPage {
        l: Layout::new(&ctx, &state, "projects", "/projects/new"),
        search: s,
        candidates,
        total,
        name: String::new(),
        year,
        investment: String::new(),
        new_area: String::new(),
        high_risk: false,
        structural: false,
        error: String::new(),
        error_field: String::new(),
    }))
}

fn value<'a>(f: &'a [(String, String)], k: &str) -> &'a str {
    f.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// Reads the form into a new project; `Err` names the field.
fn parse(f: &[(String, String)]) -> Result<NewProject, AppError> {
    let estate_ids: Vec<i64> =
        f.iter().filter(|(k, _)| k == "estate_ids").filter_map(|(_, v)| v.parse().ok()).collect();
    let year = value(f, "plan_year").trim();
    let plan_year: i32 = year.trim_end_matches('年').parse().map_err(|_| {
        AppError::invalid(
            "plan_year",
            format!("计划年度“{year}”无效：请填写四位年份"),
            format!("plan year “{year}” is invalid: give a four-digit year"),
        )
    })?;
    let investment_fen = super::parse_yuan("investment", value(f, "investment"))?;
    let area = value(f, "new_floor_area").trim();
    let new_floor_area_dm2 = if area.is_empty() {
        0
    } else {
        jiugai_sheet::normalize::area_dm2(area).map_err(|_| {
            AppError::invalid(
                "new_floor_area",
                format!("新建面积“{area}”无效：请填写平方米数，如 120.5"),
                format!("new floor area “{area}” is invalid: give m², e.g. 120.5"),
            )
        })?
    };
    Ok(NewProject {
        name: value(f, "name").to_string(),
        estate_ids,
        plan_year,
        investment_fen,
        new_floor_area_dm2,
        high_risk: !value(f, "high_risk").is_empty(),
        structural_change: !value(f, "structural_change").is_empty(),
    })
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let result = match parse(&f) {
        Ok(np) => projects::create(&state.db, &np, &ctx.actor(), &ctx.origin).await.map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => Ok(Redirect::to(&format!("/projects/{}?created=1", p.id)).into_response()),
        Err(e @ AppError::Invalid { .. }) => {
            let chosen: Vec<i64> =
                f.iter().filter(|(k, _)| k == "estate_ids").filter_map(|(_, v)| v.parse().ok()).collect();
            let s = Search { q: value(&f, "q").into(), region: value(&f, "region").into() };
            let (candidates, total) = candidates(&state, &ctx, &s, &chosen).await?;
            let page = NewPage {
                l: Layout::new(&ctx, &state, "projects", "/projects/new"),
                search: s,
                candidates,
                total,
                name: value(&f, "name").into(),
                year: value(&f, "plan_year").into(),
                investment: value(&f, "investment").into(),
                new_area: value(&f, "new_floor_area").into(),
                high_risk: !value(&f, "high_risk").is_empty(),
                structural: !value(&f, "structural_change").is_empty(),
                error: e.message(ctx.lang),
                error_field: e.field().unwrap_or("").to_string(),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, view::html(&page)).into_response())
        }
        Err(e) => Err(e),
    }
}
