//! The supervision API, typed (serde bodies, utoipa schemas): `GET/POST /api/v1/tasks`,
//! `GET /api/v1/tasks/{id}` (with events), `POST /api/v1/tasks/{id}/reply|close|send-back`,
//! `GET/POST /api/v1/notices`, `GET /api/v1/notices/{id}` (with facts and rectification tasks).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use jiugai_domain::NoticeKind;
use jiugai_store::supervision::{self as sup, Event, Facts, NewNotice, NewTask, Notice, Rectification, Task};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ListParams, caller, filter};
use crate::AppState;
use crate::access::Ctx;
use crate::api::{ErrorBody, JsonBody};
use crate::error::AppError;

#[derive(Serialize, ToSchema)]
pub struct TaskList {
    pub items: Vec<Task>,
}

#[derive(Serialize, ToSchema)]
pub struct TaskDetail {
    pub task: Task,
    pub events: Vec<Event>,
}

/// A task to issue from the office of your scope.
#[derive(Deserialize, ToSchema)]
pub struct TaskBody {
    /// A lower region (code) — or `assignee_unit`.
    #[serde(default)]
    pub assignee_region: Option<String>,
    /// A member unit's id.
    #[serde(default)]
    pub assignee_unit: Option<i64>,
    #[serde(default)]
    pub project_id: Option<i64>,
    #[serde(default)]
    pub estate_id: Option<i64>,
    /// Escalate this complaint into the task (project and text from it).
    #[serde(default)]
    pub complaint_id: Option<i64>,
    /// Record an inspection finding made on this date (the body is the finding).
    #[serde(default)]
    pub inspected_on: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// Beijing date YYYY-MM-DD.
    pub due_on: String,
}

/// A reply (text + evidence), or the issuer's remarks / reason.
#[derive(Deserialize, ToSchema)]
pub struct ActBody {
    /// The version you read.
    pub version: i64,
    #[serde(default)]
    pub text: String,
    /// An attachment or document reference (replies only).
    #[serde(default)]
    pub evidence: String,
}

#[utoipa::path(get, path = "/tasks", tag = "supervision",
    summary = "Supervision tasks issued by or assigned inside your scope (view=mine|issued, overdue=1), each with overdue",
    params(("view" = Option<String>, Query, description = "mine | issued | (all)"), ("overdue" = Option<String>, Query, description = "1: only overdue")),
    responses((status = 200, body = TaskList), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListParams>,
) -> Result<Json<TaskList>, AppError> {
    let f = filter(&ctx, &q.view, matches!(q.overdue.as_str(), "1" | "true"))?;
    Ok(Json(TaskList { items: sup::list(&state.db, &state.regions, &f).await? }))
}

#[utoipa::path(post, path = "/tasks", tag = "supervision",
    summary = "Issue a task from your office to a unit or a lower region (or from a finding, or escalating a complaint)",
    request_body = TaskBody,
    responses((status = 201, body = Task), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<TaskBody>,
) -> Result<(StatusCode, Json<Task>), AppError> {
    let c = caller(&ctx)?;
    let nt = NewTask {
        region: c.scope.clone(),
        assignee_region: b.assignee_region,
        assignee_unit: b.assignee_unit,
        project_id: b.project_id,
        estate_id: b.estate_id,
        title: b.title,
        body: b.body,
        due_on: b.due_on,
    };
    let (db, r, a, o) = (&state.db, &state.regions, ctx.actor(), ctx.origin.clone());
    let t = match (b.complaint_id, b.inspected_on) {
        (Some(cid), _) => sup::escalate_complaint(db, r, &c, cid, &nt, &a, &o).await?,
        (None, Some(on)) => {
            sup::record_finding(db, r, &c, &sup::NewFinding { inspected_on: on, task: nt }, &a, &o).await?
        }
        (None, None) => sup::issue(db, r, &c, &nt, &a, &o).await?,
    };
    Ok((StatusCode::CREATED, Json(t)))
}

#[utoipa::path(get, path = "/tasks/{id}", tag = "supervision", summary = "One task with its events",
    params(("id" = i64, Path)), responses((status = 200, body = TaskDetail), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<TaskDetail>, AppError> {
    Ok(Json(TaskDetail { task: sup::get(&state.db, id).await?, events: sup::events(&state.db, id).await? }))
}

#[utoipa::path(post, path = "/tasks/{id}/reply", tag = "supervision", summary = "The assignee replies with progress and evidence",
    params(("id" = i64, Path)), request_body = ActBody,
    responses((status = 200, body = Task), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reply(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<ActBody>,
) -> Result<Json<Task>, AppError> {
    let c = caller(&ctx)?;
    Ok(Json(sup::reply(&state.db, &c, id, b.version, &b.text, &b.evidence, &ctx.actor(), &ctx.origin).await?))
}

#[utoipa::path(post, path = "/tasks/{id}/close", tag = "supervision", summary = "The issuer closes a replied task",
    params(("id" = i64, Path)), request_body = ActBody,
    responses((status = 200, body = Task), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<ActBody>,
) -> Result<Json<Task>, AppError> {
    let c = caller(&ctx)?;
    Ok(Json(sup::decide(&state.db, &c, id, b.version, true, &b.text, &ctx.actor(), &ctx.origin).await?))
}

#[utoipa::path(post, path = "/tasks/{id}/send-back", tag = "supervision", summary = "The issuer sends a reply back with a reason",
    params(("id" = i64, Path)), request_body = ActBody,
    responses((status = 200, body = Task), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn send_back(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<ActBody>,
) -> Result<Json<Task>, AppError> {
    let c = caller(&ctx)?;
    Ok(Json(sup::decide(&state.db, &c, id, b.version, false, &b.text, &ctx.actor(), &ctx.origin).await?))
}

#[derive(Serialize, ToSchema)]
pub struct NoticeList {
    pub items: Vec<Notice>,
}

#[derive(Serialize, ToSchema)]
pub struct NoticeDetail {
    pub notice: Notice,
    pub facts: Facts,
    pub tasks: Vec<Task>,
}

/// A notice to issue from the office of your scope.
#[derive(Deserialize, ToSchema)]
pub struct NoticeBody {
    pub kind: NoticeKind,
    #[serde(default)]
    pub target_region: Option<String>,
    #[serde(default)]
    pub target_unit: Option<i64>,
    /// 2026, 2026-11 or 2026-Q3.
    pub period: String,
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub rectifications: Vec<Rectification>,
}

#[utoipa::path(get, path = "/notices", tag = "supervision", summary = "Notices issued by or about a region in your scope",
    responses((status = 200, body = NoticeList), (status = 401, body = ErrorBody)))]
pub async fn notices(State(state): State<AppState>, ctx: Ctx) -> Result<Json<NoticeList>, AppError> {
    Ok(Json(NoticeList { items: sup::notices(&state.db, &state.regions, &ctx.scope().unwrap_or_default()).await? }))
}

#[utoipa::path(post, path = "/notices", tag = "supervision",
    summary = "Issue a notice with the facts as they stand attached; each rectification deadline becomes a task",
    request_body = NoticeBody,
    responses((status = 201, body = NoticeDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_notice(
    State(state): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<NoticeBody>,
) -> Result<(StatusCode, Json<NoticeDetail>), AppError> {
    let c = caller(&ctx)?;
    let n = NewNotice {
        region: c.scope.clone(),
        kind: Some(b.kind),
        target_region: b.target_region,
        target_unit: b.target_unit,
        period: b.period,
        title: b.title,
        body: b.body,
        rectifications: b.rectifications,
    };
    let profiles = state.profiles();
    let (notice, tasks) =
        sup::issue_notice(&state.db, &state.regions, &profiles, &c, &n, &ctx.actor(), &ctx.origin).await?;
    Ok((StatusCode::CREATED, Json(NoticeDetail { facts: notice.facts(), notice, tasks })))
}

#[utoipa::path(get, path = "/notices/{id}", tag = "supervision", summary = "One notice with its facts (as at issue) and rectification tasks",
    params(("id" = i64, Path)), responses((status = 200, body = NoticeDetail), (status = 404, body = ErrorBody)))]
pub async fn notice(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<NoticeDetail>, AppError> {
    let n = sup::notice(&state.db, id).await?;
    let tasks =
        sup::list(&state.db, &state.regions, &sup::Filter { notice_id: Some(id), ..Default::default() }).await?;
    Ok(Json(NoticeDetail { facts: n.facts(), notice: n, tasks }))
}
