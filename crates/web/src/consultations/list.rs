//! The consultations of an estate, and the form that opens one.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiugai_store::residents::consultations::{self as cons, NewConsultation};
use jiugai_store::residents::households;
use jiugai_store::{estates, projects};
use serde::Deserialize;

use crate::AppState;
use crate::access::{Action, Ctx};
use crate::error::AppError;
use crate::view::{self, Layout};

pub struct Row {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub matter: String,
    pub state: String,
    pub state_key: String,
    pub period: String,
    pub project: String,
    pub outcome: String,
    pub outcome_class: String,
}

#[derive(Template)]
#[template(path = "consultations/list.html")]
pub struct ListPage {
    pub l: Layout,
    pub estate_id: i64,
    pub estate_name: String,
    pub recorded_households: String,
    pub registry_households: i64,
    pub registry_area: String,
    pub rows: Vec<Row>,
    pub can_manage: bool,
    pub kinds: Vec<(&'static str, String)>,
    pub projects: Vec<(i64, String)>,
    pub form: HashMap<String, String>,
    pub error: String,
}

impl ListPage {
    pub fn f(&self, k: &str) -> &str {
        self.form.get(k).map(|s| s.as_str()).unwrap_or("")
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Params {
    pub project: Option<i64>,
    pub kind: Option<String>,
}

pub async fn build(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: HashMap<String, String>,
    error: String,
) -> Result<ListPage, AppError> {
    let t = ctx.t();
    let e = estates::get(&state.db, id).await?;
    let (n, area) = households::totals(&state.db, id).await?;
    let prof = super::profile_of(state, &e)?;
    let list = cons::list_for_estate(&state.db, id).await?;
    let projects = projects::of_estate(&state.db, id).await?;
    let names: HashMap<i64, String> = projects.iter().map(|p| (p.0, p.1.clone())).collect();
    let mut rows = Vec::new();
    for c in list {
        let st = c.state();
        let (outcome, class) = match (st, c.passed) {
            (cons::State::Closed, Some(true)) => (t.b("通过", "passed").to_string(), "pass"),
            (cons::State::Closed, Some(false)) => (t.b("未通过", "not passed").to_string(), "fail"),
            (cons::State::Closed, None) => (t.b("已统计", "counted").to_string(), "na"),
            _ => {
                let tally = cons::tally(&state.db, &prof, &c).await?;
                (
                    format!(
                        "{} {}/{}",
                        t.b("已参与", "taking part"),
                        tally.participating.households,
                        tally.eligible.households
                    ),
                    "na",
                )
            }
        };
        rows.push(Row {
            id: c.id,
            title: c.title.clone(),
            kind: super::kind_label(t, c.kind),
            matter: super::matter_label(t, c.matter),
            state: super::state_label(t, st),
            state_key: format!("{st:?}").to_lowercase(),
            period: format!("{} — {}", cons::local_text(&c.opens_at), cons::local_text(&c.closes_at)),
            project: c
                .project_id
                .map(|p| format!("#{p} {}", names.get(&p).cloned().unwrap_or_default()))
                .unwrap_or_default(),
            outcome,
            outcome_class: class.into(),
        });
    }
    Ok(ListPage {
        l: Layout::new(ctx, state, "estates", &format!("/estates/{id}/consultations")),
        estate_id: id,
        estate_name: e.data.name.clone(),
        recorded_households: e.data.households.map(|h| h.to_string()).unwrap_or_default(),
        registry_households: n,
        registry_area: crate::util::m2(Some(area)),
        rows,
        can_manage: ctx.may(Action::ManageConsultation),
        kinds: cons::Kind::ALL.iter().map(|&k| (k.as_str(), t.l(k).to_string())).collect(),
        projects: projects.into_iter().map(|p| (p.0, format!("#{} {}", p.0, p.1))).collect(),
        form,
        error,
    })
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<Params>,
) -> Result<Response, AppError> {
    let mut form = HashMap::new();
    if let Some(p) = q.project {
        form.insert("project_id".to_string(), p.to_string());
    }
    if let Some(k) = q.kind {
        form.insert("kind".to_string(), k);
    }
    let page = build(&state, &ctx, id, form, String::new()).await?;
    Ok(view::html(&page).into_response())
}

pub fn new_of(id: i64, f: &HashMap<String, String>) -> Result<NewConsultation, AppError> {
    let g = |k: &str| f.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let project_id = match g("project_id").as_str() {
        "" => None,
        s => Some(s.parse::<i64>().map_err(|_| {
            AppError::invalid("project_id", format!("项目编号“{s}”无效"), format!("project id “{s}” is invalid"))
        })?),
    };
    Ok(NewConsultation {
        estate_id: id,
        project_id,
        kind: cons::parse_kind(&g("kind"))?,
        matter: cons::parse_matter(&g("matter"))?,
        title: g("title"),
        question: g("question"),
        opens_at: g("opens_at"),
        closes_at: g("closes_at"),
    })
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let r = async {
        let n = new_of(id, &f)?;
        Ok::<_, AppError>(cons::create(&state.db, &n, &ctx.actor(), &ctx.origin).await?)
    }
    .await;
    match r {
        Ok(c) => Ok(Redirect::to(&format!("/estates/{id}/consultations/{}?ok=created", c.id)).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Store(jiugai_store::StoreError::Invalid { .. }))) => {
            let page = build(&state, &ctx, id, f, e.message(ctx.lang)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, view::html(&page)).into_response())
        }
        Err(e) => Err(e),
    }
}
