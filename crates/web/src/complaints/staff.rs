//! Staff pages: `GET /complaints` (in the caller's scope; filters by status, overdue and region; the SLA
//! due date and the days left or overdue), `GET /complaints/{cid}` (the complaint with its contact, the
//! history with who did what, the update form), `POST /complaints/{cid}` (status and reply).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiugai_store::complaints::{self, Filter, Status};
use jiugai_store::{StoreError, projects};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::access::{Action, Ctx};
use crate::error::AppError;
use crate::view::{self, Layout};

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ListParams {
    /// `received`, `processing`, `resolved`, `open` or empty (all).
    pub status: String,
    pub overdue: String,
    pub region: String,
}

impl ListParams {
    pub fn overdue(&self) -> bool {
        matches!(self.overdue.as_str(), "1" | "true" | "on")
    }
}

pub struct Row {
    pub id: i64,
    pub tracking_no: String,
    pub received_on: String,
    pub category: &'static str,
    pub subject: String,
    pub region: String,
    pub status: String,
    pub status_label: &'static str,
    pub due_on: String,
    pub sla: String,
    pub late: bool,
}

#[derive(Template)]
#[template(path = "complaints/list.html")]
pub struct ListPage {
    pub l: Layout,
    pub q: ListParams,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub rows: Vec<Row>,
    pub error: String,
}

/// The complaints the parameters select inside the caller's scope.
pub async fn select(state: &AppState, ctx: &Ctx, q: &ListParams) -> Result<Vec<complaints::Complaint>, AppError> {
    let Some(scope) = ctx.scope() else { return Ok(vec![]) };
    let mut f = Filter { scope: scope.clone(), overdue: q.overdue(), ..Default::default() };
    if !q.status.trim().is_empty() {
        f.status = Some(q.status.trim().to_string());
    }
    if !q.region.trim().is_empty() {
        let within = if scope.is_empty() { None } else { Some(scope.as_str()) };
        let r = state.regions.resolve(q.region.trim(), within).map_err(|e| {
            AppError::invalid("region", e.message(jiugai_store::Lang::Zh), e.message(jiugai_store::Lang::En))
        })?;
        f.region = Some(r.code.clone());
    }
    Ok(complaints::list(&state.db, &f, projects::today()).await?)
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListParams>,
) -> Result<Html<String>, AppError> {
    let (list, error) = match select(&state, &ctx, &q).await {
        Ok(l) => (l, String::new()),
        Err(e @ AppError::Invalid { .. }) => (vec![], e.message(ctx.lang)),
        Err(e) => return Err(e),
    };
    let rows = list
        .iter()
        .map(|c| {
            let (sla, late) = super::sla_text(&ctx, c);
            Row {
                id: c.id,
                tracking_no: c.tracking_no.clone(),
                received_on: c.received_on().to_string(),
                category: super::category_label(&ctx, c.category),
                subject: super::subject(c),
                region: super::region(&state, &ctx, &c.region_code),
                status: c.status.as_str().to_string(),
                status_label: super::status_label(&ctx, c.status),
                due_on: c.due_on.clone(),
                sla,
                late,
            }
        })
        .collect();
    let mut statuses = vec![("open", ctx.t().b("未办结", "open"))];
    statuses.extend(Status::ALL.iter().map(|&s| (s.as_str(), super::status_label(&ctx, s))));
    Ok(view::html(&ListPage { l: Layout::new(&ctx, &state, "complaints", "/complaints"), q, statuses, rows, error }))
}

pub struct EventRow {
    pub at: String,
    pub actor: String,
    pub status: &'static str,
    pub note: String,
}

#[derive(Template)]
#[template(path = "complaints/show.html")]
pub struct ShowPage {
    pub l: Layout,
    pub c: complaints::Complaint,
    pub received_at: String,
    pub category: &'static str,
    pub subject: String,
    /// The project's page, else the estate's.
    pub subject_link: String,
    pub region: String,
    pub status_label: &'static str,
    pub sla: String,
    pub late: bool,
    pub events: Vec<EventRow>,
    pub can_handle: bool,
    /// The statuses the form offers: the current one and those after it.
    pub next: Vec<(&'static str, &'static str)>,
    pub saved: bool,
    pub error: String,
    pub reply: String,
}

pub async fn build(state: &AppState, ctx: &Ctx, id: i64) -> Result<ShowPage, AppError> {
    let c = complaints::get(&state.db, id).await?;
    let (sla, late) = super::sla_text(ctx, &c);
    let events = complaints::events(&state.db, id)
        .await?
        .into_iter()
        .map(|e| EventRow {
            at: view::short_time(&e.at),
            actor: e.actor,
            status: super::status_label(ctx, e.status),
            note: e.note,
        })
        .collect();
    let pos = c.status.index();
    Ok(ShowPage {
        l: Layout::new(ctx, state, "complaints", &format!("/complaints/{id}")),
        received_at: view::short_time(&c.created_at),
        category: super::category_label(ctx, c.category),
        subject: super::subject(&c),
        subject_link: match (c.project_id, c.estate_id) {
            (Some(p), _) => format!("/projects/{p}"),
            (None, Some(e)) => format!("/estates/{e}"),
            (None, None) => String::new(),
        },
        region: super::region(state, ctx, &c.region_code),
        status_label: super::status_label(ctx, c.status),
        sla,
        late,
        events,
        can_handle: ctx.may(Action::HandleComplaints) && c.status != Status::Resolved,
        next: Status::ALL[pos..].iter().map(|&s| (s.as_str(), super::status_label(ctx, s))).collect(),
        saved: false,
        error: String::new(),
        reply: String::new(),
        c,
    })
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShowParams {
    pub saved: String,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<ShowParams>,
) -> Result<Html<String>, AppError> {
    let mut page = build(&state, &ctx, id).await?;
    page.saved = q.saved == "1";
    Ok(view::html(&page))
}

/// `POST /complaints/{cid}` `version`, `status`, `reply`: 303 back to the page, or the page again with
/// the message (422, or 409 when someone else changed it meanwhile).
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let get = |k: &str| f.get(k).map(|s| s.as_str()).unwrap_or("");
    let r = async {
        let version: i64 = get("version").trim().parse().map_err(|_| {
            AppError::invalid(
                "version",
                "缺少版本号：请刷新页面后再提交",
                "the version is missing: reload the page and submit again",
            )
        })?;
        let at = complaints::stamp(projects::today());
        let status = complaints::parse_status(get("status"))?;
        let u = complaints::Update { expected: version, status, reply: get("reply"), at: &at };
        complaints::update(&state.db, id, &u, &ctx.actor(), &ctx.origin).await?;
        Ok::<_, AppError>(())
    }
    .await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/complaints/{id}?saved=1")).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Store(StoreError::Stale { .. }))) => {
            let mut page = build(&state, &ctx, id).await?;
            page.error = e.message(ctx.lang);
            page.reply = get("reply").to_string();
            Ok((e.status(), view::html(&page)).into_response())
        }
        Err(e) => Err(e),
    }
}
